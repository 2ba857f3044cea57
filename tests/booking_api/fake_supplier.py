"""A scripted stand-in for the RateHawk client's booking calls, following the contract's sandbox
triggers (used until/besides the HTTP simulator, to drive the saga through each branch)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from core.ratehawk.errors import make_error
from core.ratehawk.models import BookingForm, BookingStatus, CancelResult, FinishRequest, PrebookResult

CONTRACT_MISMATCH = "h-00000000-0000-0000-0000-000000000000"
FINISH_FAILS = ("insufficient_b2b_balance", "booking_form_expired", "email")
STATUS_FAILS = ("soldout", "book_limit", "provider")


class FakeRateHawk:
    def __init__(self, price: Decimal = Decimal("200.00"), currency: str = "EUR") -> None:
        self.price, self.currency = price, currency
        self.calls: Counter[str] = Counter()
        self.forms: dict[str, int] = {}
        self.finished: list[str] = []
        self.cancelled: list[str] = []
        self.form_failures: list[str] = []  # slugs answered by the next form calls, in order
        self.price_increase: Decimal = Decimal(0)
        self.finish_answers_lost = 0
        self._polls: Counter[str] = Counter()

    def _trigger(self, poid: str) -> str:
        return poid.rsplit("-", 1)[-1]

    async def prebook(self, book_hash: str, price_increase_percent: int = 0) -> PrebookResult:
        self.calls["prebook"] += 1
        if book_hash == CONTRACT_MISMATCH:
            raise make_error("contract_mismatch", endpoint="hotel/prebook/")
        amount = (self.price * (1 + self.price_increase)).quantize(Decimal("0.01"))
        rate: dict[str, Any] = {
            "book_hash": "p-" + book_hash[2:],
            "room_name": "Standard Double",
            "payment_options": {"payment_types": [{
                "type": "deposit", "amount": str(amount), "currency_code": self.currency,
                "show_amount": str(amount), "show_currency_code": self.currency,
                "tax_data": {"taxes": [{"name": "city_tax", "amount": "4.50", "currency_code": self.currency,
                                        "included_by_supplier": False}]},
                "cancellation_penalties": {"free_cancellation_before": "2099-01-01T00:00:00", "policies": []},
            }]},
        }  # fmt: skip
        return PrebookResult.model_validate(
            {
                "hotels": [{"hid": 8473727, "rates": [rate]}],
                "changes": {"price_changed": self.price_increase > 0},
            }
        )

    async def booking_form(
        self, partner_order_id: str, book_hash: str, *, user_ip: str, language: str = "en"
    ):
        self.calls["form"] += 1
        if partner_order_id in self.forms:
            raise make_error("double_booking_form", endpoint="hotel/order/booking/form/")
        self.forms[partner_order_id] = 1000 + len(self.forms)
        if self.form_failures:
            raise make_error(self.form_failures.pop(0), endpoint="hotel/order/booking/form/", http_status=200)
        return BookingForm(
            order_id=self.forms[partner_order_id],
            item_id=1,
            partner_order_id=partner_order_id,
            payment_types=[{"type": "deposit", "amount": str(self.price), "currency_code": self.currency}],
        )

    async def booking_finish(self, request: FinishRequest) -> str:
        self.calls["finish"] += 1
        poid = request.partner.partner_order_id
        if self._trigger(poid) in FINISH_FAILS:
            raise make_error(self._trigger(poid), endpoint="hotel/order/booking/finish/")
        if poid in self.finished:
            raise make_error("double_booking_finish", endpoint="hotel/order/booking/finish/")
        self.finished.append(poid)
        if self.finish_answers_lost > 0:  # the order is finished, but the answer never arrives
            self.finish_answers_lost -= 1
            raise ConnectionResetError("connection lost after the request was processed")
        return "accepted"

    async def booking_status(self, partner_order_id: str) -> BookingStatus:
        self.calls["status"] += 1
        self._polls[partner_order_id] += 1
        trigger = self._trigger(partner_order_id)
        if trigger.startswith("unknown_") and self._polls[partner_order_id] == 1:
            return BookingStatus(status="processing", partner_order_id=partner_order_id)
        trigger = trigger.removeprefix("unknown_")
        if trigger in STATUS_FAILS:
            raise make_error(trigger, endpoint="hotel/order/booking/finish/status/")
        if partner_order_id not in self.finished:
            raise make_error("order_not_found", endpoint="hotel/order/booking/finish/status/")
        return BookingStatus(status="ok", partner_order_id=partner_order_id)

    async def cancel(self, partner_order_id: str) -> CancelResult:
        self.calls["cancel"] += 1
        if self._trigger(partner_order_id) == "order_not_cancellable":
            raise make_error("order_not_cancellable", endpoint="hotel/order/cancel/")
        if partner_order_id not in self.forms:
            raise make_error("order_not_found", endpoint="hotel/order/cancel/")
        self.cancelled.append(partner_order_id)
        return CancelResult.model_validate({"amount_refunded": {"amount": str(self.price)}})
