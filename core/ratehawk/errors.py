"""Typed errors of the RateHawk B2B API v3, one class per error family, each carrying the slug.

`retryable` says whether the same intent may be tried again (after a pause): a transient failure,
a rate limit, a dump not ready yet, or a booking form to be retried with a new `partner_order_id`.
Everything else is final for that call. The client retries on its own only where the contract
allows it for the endpoint at hand (see `client.py`); the rest surfaces as these exceptions.
"""

from __future__ import annotations

from typing import Any


class RateHawkError(Exception):
    """A RateHawk call that did not succeed. `slug` is the envelope's `error` (or a synthetic one)."""

    retryable = False

    def __init__(
        self,
        slug: str,
        *,
        endpoint: str = "",
        http_status: int | None = None,
        debug: Any = None,
        message: str | None = None,
    ) -> None:
        self.slug = slug
        self.endpoint = endpoint
        self.http_status = http_status
        self.debug = debug
        detail = message or _debug_sentence(debug)
        text = f"{endpoint or 'ratehawk'}: {slug}"
        if http_status is not None:
            text += f" (HTTP {http_status})"
        if detail:
            text += f": {detail}"
        super().__init__(text)


class TransientError(RateHawkError):
    """`timeout`, `unknown`, HTTP 5xx or a network failure: the outcome is not known, try again."""

    retryable = True


class RateLimitedError(TransientError):
    """HTTP 429 `endpoint_exceeded_limit` or `lock`; `retry_after` seconds when the server said so."""

    def __init__(self, slug: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(slug, **kwargs)
        self.retry_after = retry_after


class AuthenticationError(RateHawkError):
    """`no_auth_header`, `incorrect_credentials`: the key id or API key is wrong."""


class InvalidRequestError(RateHawkError):
    """The request broke the schema: `invalid_params`, `decoding_json`, `body_must_be_json_object`."""


class DumpNotReadyError(RateHawkError):
    """`dump_not_ready`: the dump is being rebuilt; ask again later (minutes to hours)."""

    retryable = True


class RateUnavailableError(RateHawkError):
    """The rate is gone or cannot be booked: `no_available_rates`, `rate_not_found`, `prebook_disabled`,
    `book_hash_not_found`, `hotel_not_found`."""


class ContractMismatchError(RateHawkError):
    """`contract_mismatch`: the rate belongs to another contract than the key's."""


class BookingFormRetryError(RateHawkError):
    """`double_booking_form`, `duplicate_reservation`: retry the form with a NEW `partner_order_id`."""

    retryable = True


class AccountError(RateHawkError):
    """The partner account cannot book: `insufficient_b2b_balance`, `reservation_is_not_allowed`,
    `sandbox_restriction`."""


class BookingDataError(RateHawkError):
    """The finish call's data was refused: `booking_form_expired`, `incorrect_guests_number`,
    `incorrect_children_data`, `double_booking_finish`, `email`, ..."""


class BookingFailedError(RateHawkError):
    """The booking ended without an order: `soldout`, `provider`, `book_limit`, `block`, `charge`,
    `3ds`, `not_allowed`, `booking_finish_did_not_succeed`."""


class OrderNotFoundError(RateHawkError):
    """`order_not_found`: no order for that `partner_order_id`."""


class OrderNotCancellableError(RateHawkError):
    """`order_not_cancellable`: the order exists but cannot be cancelled (any more)."""


class DumpDownloadError(RateHawkError):
    """A dump file could not be fetched completely, or its size or checksum did not match."""

    retryable = True


_FAMILIES: dict[str, type[RateHawkError]] = {
    "timeout": TransientError,
    "unknown": TransientError,
    "endpoint_exceeded_limit": RateLimitedError,
    "lock": RateLimitedError,
    "no_auth_header": AuthenticationError,
    "incorrect_credentials": AuthenticationError,
    "invalid_params": InvalidRequestError,
    "decoding_json": InvalidRequestError,
    "body_must_be_json_object": InvalidRequestError,
    "dump_not_ready": DumpNotReadyError,
    "no_available_rates": RateUnavailableError,
    "rate_not_found": RateUnavailableError,
    "prebook_disabled": RateUnavailableError,
    "book_hash_not_found": RateUnavailableError,
    "hotel_not_found": RateUnavailableError,
    "contract_mismatch": ContractMismatchError,
    "double_booking_form": BookingFormRetryError,
    "duplicate_reservation": BookingFormRetryError,
    "insufficient_b2b_balance": AccountError,
    "reservation_is_not_allowed": AccountError,
    "sandbox_restriction": AccountError,
    "booking_form_expired": BookingDataError,
    "incorrect_guests_number": BookingDataError,
    "incorrect_children_data": BookingDataError,
    "double_booking_finish": BookingDataError,
    "email": BookingDataError,
    "soldout": BookingFailedError,
    "provider": BookingFailedError,
    "book_limit": BookingFailedError,
    "block": BookingFailedError,
    "charge": BookingFailedError,
    "3ds": BookingFailedError,
    "not_allowed": BookingFailedError,
    "booking_finish_did_not_succeed": BookingFailedError,
    "order_not_found": OrderNotFoundError,
    "order_not_cancellable": OrderNotCancellableError,
}


def error_class(slug: str, http_status: int | None = None) -> type[RateHawkError]:
    """The family of a slug; an unknown slug is transient on 5xx and final otherwise."""
    family = _FAMILIES.get(slug)
    if family is not None:
        return family
    if http_status is not None and http_status >= 500:
        return TransientError
    if http_status == 429:
        return RateLimitedError
    return RateHawkError


def make_error(
    slug: str,
    *,
    endpoint: str = "",
    http_status: int | None = None,
    debug: Any = None,
    retry_after: float | None = None,
    message: str | None = None,
) -> RateHawkError:
    cls = error_class(slug, http_status)
    kwargs: dict[str, Any] = {
        "endpoint": endpoint,
        "http_status": http_status,
        "debug": debug,
        "message": message,
    }
    if issubclass(cls, RateLimitedError):
        return cls(slug, retry_after=retry_after, **kwargs)
    return cls(slug, **kwargs)


def _debug_sentence(debug: Any) -> str | None:
    if isinstance(debug, dict):
        value = debug.get("validation_error") or debug.get("message")
        if value:
            return str(value)
    return None
