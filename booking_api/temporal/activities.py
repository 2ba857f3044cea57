"""The sagas' activities: methods of one class holding the store, the supplier and payment clients.

Each activity is idempotent under Temporal's retries: state changes go through the booking state
machine (moving to the current state is a no-op), supplier order ids are recorded before any call,
and every payment call carries an idempotency key derived from the booking id. Business failures
raise non-retryable `ApplicationError`s whose `type` is one of `shared.BUSINESS_ERRORS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from temporalio import activity

from booking_api.temporal.activity_support import HOLD_TTL, final_error, heartbeating, supplier_final
from booking_api.temporal.payment_steps import PaymentSteps
from booking_api.temporal.shared import (
    FORM_RETRY,
    NOT_CANCELLABLE,
    PRICE_CHANGED,
    SOLD_OUT,
    SUPPLIER_FINAL,
    FailInput,
    FormInput,
    OrderInput,
)
from core.booking import inventory, orders, records
from core.domain.booking import Booking, BookingState, CancellationPolicy, Penalty, Price, Tax, utcnow
from core.kv import Transaction
from core.ratehawk.errors import (
    BookingFormRetryError,
    OrderNotCancellableError,
    OrderNotFoundError,
    RateHawkError,
    TransientError,
)
from core.ratehawk.models import (
    FinishGuest,
    FinishPartner,
    FinishPayment,
    FinishRequest,
    FinishRoom,
    FinishUser,
)

log = logging.getLogger(__name__)
S = BookingState


class BookingActivities(PaymentSteps):
    """Every activity of the booking and cancellation sagas (payment steps in payment_steps.py)."""

    # -- 1. inventory -------------------------------------------------------------------------
    @activity.defn(name="booking.hold_inventory")
    @heartbeating
    async def hold_inventory(self, booking_id: str) -> None:
        """Make sure the booking's hold is live (the API took it; it may have expired since)."""

        def step(tr: Transaction) -> None:
            b = records.get_booking(tr, booking_id)
            inventory.hold(
                tr, b.hold_id or f"hold-{b.id}", b.hid, b.room, b.nights, b.room_count, utcnow(), HOLD_TTL
            )
            records.transition(tr, booking_id, S.INVENTORY_HELD, "inventory held")

        try:
            await self._tx(step)
        except inventory.SoldOut as exc:
            raise final_error(SOLD_OUT, str(exc)) from None

    @activity.defn(name="booking.release_inventory")
    @heartbeating
    async def release_inventory(self, booking_id: str) -> None:
        def step(tr: Transaction) -> None:
            b = records.get_booking(tr, booking_id)
            if b.hold_id and inventory.release(tr, b.hold_id) is not None:
                records.update(tr, booking_id, lambda _: None, note="inventory released")

        await self._tx(step)

    # -- 2. prebook ---------------------------------------------------------------------------
    @activity.defn(name="booking.prebook")
    @heartbeating
    async def prebook(self, booking_id: str) -> None:
        b = await self._booking(booking_id)
        if b.state != S.INVENTORY_HELD:
            return
        try:
            result = await self.ratehawk.prebook(b.book_hash, price_increase_percent=100)
        except TransientError:
            raise
        except RateHawkError as exc:
            raise supplier_final(exc) from None
        rate = result.rate
        pay = rate.payment
        if pay is None or not rate.book_hash:
            raise final_error(SUPPLIER_FINAL, "supplier: prebook answer without a payment type or book hash")
        currency = b.price.currency
        if pay.show_currency_code == currency and pay.show_amount is not None:
            amount = pay.show_amount
        elif pay.currency_code == currency:
            amount = pay.amount
        else:
            raise final_error(
                PRICE_CHANGED, f"the rate is now sold in {pay.show_currency_code or pay.currency_code}"
            )
        if amount > b.accepted_price:
            raise final_error(
                PRICE_CHANGED, f"the price rose to {amount} {currency}, above the accepted {b.accepted_price}"
            )
        taxes = [
            Tax(name=t.name or "tax", amount=t.amount, currency=t.currency_code or pay.currency_code)
            for t in pay.taxes_due_at_hotel
        ]
        penalties = pay.cancellation_penalties
        policy = CancellationPolicy(
            free_cancellation_before=penalties.free_cancellation_before if penalties else None,
            penalties=[
                Penalty(
                    start_at=p.start_at,
                    end_at=p.end_at,
                    amount=p.amount_show or p.amount_charge or Decimal(0),
                )
                for p in (penalties.policies if penalties else [])
            ],
        )

        def change(bk: Booking) -> None:
            bk.price = Price(amount=amount, currency=currency, taxes_at_hotel=taxes)
            bk.cancellation = policy
            bk.supplier.book_hash = rate.book_hash
            bk.supplier.payment_type = pay.type
            bk.supplier.payment_amount = pay.amount
            bk.supplier.payment_currency = pay.currency_code
            bk.supplier.price_changed = result.price_changed

        note = f"prebooked at {amount} {currency}" + (" (price changed)" if result.price_changed else "")
        await self._tx(lambda tr: records.transition(tr, booking_id, S.PREBOOKED, note, change))

    # -- 3. booking form ----------------------------------------------------------------------
    @activity.defn(name="booking.create_form")
    @heartbeating
    async def create_form(self, inp: FormInput) -> str:
        b = await self._booking(inp.booking_id)
        poid = orders.partner_order_id(b.id, inp.attempt, b.sandbox_trigger)
        # On record BEFORE the call: a late success of this id can always be found and cancelled.
        await self._tx(lambda tr: orders.record_attempt(tr, orders.OrderAttempt(b.id, poid, inp.attempt)))
        try:
            form = await self.ratehawk.booking_form(
                poid, b.supplier.book_hash or "", user_ip=b.user_ip, language=b.language
            )
        except (TransientError, BookingFormRetryError) as exc:
            slug = exc.slug
            await self._tx(lambda tr: orders.update_attempt(tr, b.id, poid, "form_failed", error=slug))
            raise final_error(
                FORM_RETRY, f"booking form {poid}: {exc.slug}; retry with a new id", exc.slug
            ) from None
        except RateHawkError as exc:
            slug = exc.slug
            await self._tx(lambda tr: orders.update_attempt(tr, b.id, poid, "form_failed", error=slug))
            raise supplier_final(exc) from None

        chosen = next((p for p in form.payment_types if p.type == b.supplier.payment_type), None)
        chosen = chosen or (form.payment_types[0] if form.payment_types else None)

        def step(tr: Transaction) -> None:
            orders.update_attempt(tr, b.id, poid, "form_ok", order_id=form.order_id)

            def change(bk: Booking) -> None:
                bk.supplier.partner_order_id = poid
                bk.supplier.order_id = form.order_id
                if chosen is not None:
                    bk.supplier.payment_type = chosen.type
                    bk.supplier.payment_amount = chosen.amount
                    bk.supplier.payment_currency = chosen.currency_code

            records.transition(
                tr, b.id, S.SUPPLIER_FORM, f"booking form {poid} (order {form.order_id})", change
            )

        await self._tx(step)
        return poid

    # -- 5-6. finish and status ----------------------------------------------------------------
    @activity.defn(name="booking.finish")
    @heartbeating
    async def finish(self, inp: OrderInput) -> None:
        b = await self._booking(inp.booking_id)
        if b.state != S.PAYMENT_AUTHORIZED:
            return
        rooms = []
        for room in b.rooms:
            guests = []
            for i, name in enumerate(room.names):
                child = i >= room.adults
                guests.append(
                    FinishGuest(
                        first_name=name.first_name,
                        last_name=name.last_name,
                        is_child=child or None,
                        age=room.children[i - room.adults] if child else None,
                    )
                )
            rooms.append(FinishRoom(guests=guests))
        request = FinishRequest(
            partner=FinishPartner(partner_order_id=inp.partner_order_id),
            user=FinishUser(email=b.email, phone=b.phone),
            language=b.language,
            rooms=rooms,
            payment_type=FinishPayment(
                type=b.supplier.payment_type or "deposit",
                amount=b.supplier.payment_amount or b.price.amount,
                currency_code=b.supplier.payment_currency or b.price.currency,
            ),
        )
        await self._tx(lambda tr: orders.update_attempt(tr, b.id, inp.partner_order_id, "finishing"))
        try:
            outcome: str = await self.ratehawk.booking_finish(request)
        except TransientError:
            raise
        except RateHawkError as exc:
            if exc.slug == "double_booking_finish" and activity.info().attempt > 1:
                # An earlier attempt of this step finished the order and its answer was lost (the
                # worker died): the status polling tells how it ended.
                outcome = "already finished"
                await self._tx(
                    lambda tr: records.transition(
                        tr, b.id, S.SUPPLIER_PENDING, f"finish {inp.partner_order_id}: {outcome}"
                    )
                )
                return
            slug = exc.slug
            await self._tx(
                lambda tr: orders.update_attempt(tr, b.id, inp.partner_order_id, "failed", error=slug)
            )
            raise supplier_final(exc) from None
        await self._tx(
            lambda tr: records.transition(
                tr, b.id, S.SUPPLIER_PENDING, f"finish {inp.partner_order_id}: {outcome}"
            )
        )

    @activity.defn(name="booking.check_status")
    @heartbeating
    async def check_status(self, inp: OrderInput) -> str:
        try:
            status = await self.ratehawk.booking_status(inp.partner_order_id)
        except TransientError:
            raise
        except RateHawkError as exc:
            slug = exc.slug
            await self._tx(
                lambda tr: orders.update_attempt(
                    tr, inp.booking_id, inp.partner_order_id, "failed", error=slug
                )
            )
            raise supplier_final(exc) from None
        if not status.confirmed:
            return "processing"

        def step(tr: Transaction) -> None:
            orders.update_attempt(tr, inp.booking_id, inp.partner_order_id, "ok")

            def change(bk: Booking) -> None:
                bk.supplier.status = "ok"

            records.transition(
                tr, inp.booking_id, S.SUPPLIER_CONFIRMED, f"supplier confirmed {inp.partner_order_id}", change
            )

        await self._tx(step)
        return "ok"

    # -- 7-9. confirm and sweep ----------------------------------------------------------------
    @activity.defn(name="booking.confirm")
    @heartbeating
    async def confirm_booking(self, booking_id: str) -> None:
        def step(tr: Transaction) -> None:
            b = records.get_booking(tr, booking_id)
            if b.hold_id:
                hold = inventory.get_hold(tr, b.hold_id)
                if hold is not None and hold.state == "released":
                    # The hold expired while the saga waited: the supplier confirmed, so take the
                    # rooms again; if the allotment was sold meanwhile, the overbooking is logged.
                    try:
                        inventory.hold(tr, b.hold_id, b.hid, b.room, b.nights, b.room_count, utcnow())
                    except inventory.SoldOut as exc:
                        log.error("OPERATOR ALERT booking %s confirmed beyond its allotment: %s", b.id, exc)
                inventory.consume(tr, b.hold_id)
            records.transition(tr, booking_id, S.CONFIRMED, "booking confirmed")

        await self._tx(step)

    async def _not_cancellable(self, booking_id: str, poid: str, slug: str) -> tuple[str, str | None]:
        """The supplier refused to cancel `poid`: ask its status to tell a failed order (nothing to
        cancel) from a confirmed one that stays booked (an operator must act)."""
        try:
            status = await self.ratehawk.booking_status(poid)
        except TransientError:
            raise
        except RateHawkError as exc:
            # A final status error (soldout, order_not_found, ...): the order never became a booking.
            return "failed", exc.slug
        if status.confirmed:
            log.error(
                "OPERATOR ALERT booking %s: supplier order %s is confirmed and cannot be cancelled",
                booking_id,
                poid,
            )
            return "not_cancellable", slug
        # Still processing: cancel again later (the activity is retried) until it has an outcome.
        raise RuntimeError(f"supplier order {poid} is still processing and cannot be cancelled yet")

    async def _cancel_attempts(self, booking_id: str, keep: str | None) -> None:
        for attempt in await self._read(lambda tr: orders.attempts(tr, booking_id)):
            poid = attempt.partner_order_id
            # `failed`: the supplier answered a final error for this order at finish or status, so no
            # booking exists under it and there is nothing to cancel.
            if poid == keep or attempt.state in ("cancelled", "absent", "failed"):
                continue
            try:
                await self.ratehawk.cancel(poid)
                state, error = "cancelled", None
            except OrderNotFoundError:
                state, error = "absent", None
            except OrderNotCancellableError as exc:
                state, error = await self._not_cancellable(booking_id, poid, exc.slug)
            except TransientError:
                raise
            except RateHawkError as exc:
                state, error = "absent", exc.slug

            def record(
                tr: Transaction, poid: str = poid, state: str = state, error: str | None = error
            ) -> None:
                orders.update_attempt(tr, booking_id, poid, state, error=error)
                if state == "cancelled":
                    records.update(tr, booking_id, lambda _: None, note=f"supplier order {poid} cancelled")

            await self._tx(record)

    @activity.defn(name="booking.cancel_supplier_orders")
    @heartbeating
    async def cancel_supplier_orders(self, booking_id: str) -> None:
        """Compensation: cancel every order on record for the booking (any id ever tried)."""
        await self._cancel_attempts(booking_id, keep=None)

    @activity.defn(name="booking.cancel_other_orders")
    @heartbeating
    async def cancel_other_orders(self, inp: OrderInput) -> None:
        """After confirmation: cancel any order of an earlier, abandoned partner_order_id."""
        await self._cancel_attempts(inp.booking_id, keep=inp.partner_order_id)

    @activity.defn(name="booking.mark_compensating")
    @heartbeating
    async def mark_compensating(self, inp: FailInput) -> None:
        def change(bk: Booking) -> None:
            bk.failure = inp.reason

        await self._tx(lambda tr: records.transition(tr, inp.booking_id, S.COMPENSATING, inp.reason, change))

    @activity.defn(name="booking.mark_failed")
    @heartbeating
    async def mark_failed(self, inp: FailInput) -> None:
        await self._tx(lambda tr: records.transition(tr, inp.booking_id, S.FAILED, "compensated"))

    # -- cancellation saga ---------------------------------------------------------------------
    @activity.defn(name="cancellation.supplier_cancel")
    @heartbeating
    async def supplier_cancel(self, booking_id: str) -> None:
        b = await self._booking(booking_id)
        poid = b.supplier.partner_order_id
        if b.state != S.CANCELLING or poid is None:
            return
        try:
            result = await self.ratehawk.cancel(poid)
            refunded = result.amount_refunded.amount if result.amount_refunded else None
        except OrderNotCancellableError as exc:
            raise final_error(NOT_CANCELLABLE, f"supplier: {exc.slug}", exc.slug) from None
        except OrderNotFoundError:
            refunded = None
        except TransientError:
            raise
        except RateHawkError as exc:
            raise final_error(NOT_CANCELLABLE, f"supplier: {exc.slug}", exc.slug) from None

        def step(tr: Transaction) -> None:
            orders.update_attempt(tr, booking_id, poid, "cancelled")

            def change(bk: Booking) -> None:
                if bk.cancel is not None:
                    bk.cancel.supplier_amount_refunded = refunded

            records.update(tr, booking_id, change, note=f"supplier order {poid} cancelled")

        await self._tx(step)

    @activity.defn(name="cancellation.mark_cancelled")
    @heartbeating
    async def mark_cancelled(self, booking_id: str) -> None:
        await self._tx(lambda tr: records.transition(tr, booking_id, S.CANCELLED, "cancelled"))

    @activity.defn(name="cancellation.refused")
    @heartbeating
    async def cancellation_refused(self, inp: FailInput) -> None:
        def change(bk: Booking) -> None:
            if bk.cancel is not None:
                bk.cancel.error = inp.reason

        await self._tx(
            lambda tr: records.transition(
                tr, inp.booking_id, S.CONFIRMED, f"cancellation refused: {inp.reason}", change
            )
        )

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.hold_inventory, self.release_inventory, self.prebook, self.create_form,
            self.authorize_payment, self.capture_payment, self.void_or_refund_payment, self.finish,
            self.check_status, self.confirm_booking, self.cancel_supplier_orders, self.cancel_other_orders,
            self.mark_compensating, self.mark_failed, self.supplier_cancel, self.refund_cancellation,
            self.mark_cancelled, self.cancellation_refused,
        ]  # fmt: skip
