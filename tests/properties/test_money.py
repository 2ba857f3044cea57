"""Money never loses or invents a cent: rounding, conversion, sums and the wire are exact."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given
from hypothesis import strategies as st

from core.domain.money import Money, minor_units

CURRENCIES = st.sampled_from(["EUR", "USD", "GBP", "JPY", "KWD", "HUF"])
amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6, allow_nan=False)
rates = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("20000"), places=6)


def unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


@given(amounts, CURRENCIES)
def test_rounding_is_to_the_minor_unit_within_half_of_it(amount: Decimal, currency: str) -> None:
    q = Money.of(amount, currency).quantized()
    assert q.amount.as_tuple().exponent == -minor_units(currency)
    assert abs(q.amount - amount) <= unit(currency) / 2
    assert q.quantized() == q  # rounding twice changes nothing


@given(amounts, rates, CURRENCIES, CURRENCIES)
def test_a_refund_converts_to_exactly_minus_the_charge(
    amount: Decimal, rate: Decimal, src: str, dst: str
) -> None:
    charge = Money.of(amount, src).quantized()
    booked, refunded = charge.convert(rate, dst), (-charge).convert(rate, dst)
    assert booked + refunded == Money.zero(dst)  # a booking and its full refund net to zero, to the cent
    assert abs(booked.amount - charge.amount * rate) <= unit(dst) / 2
    # the sink's own formula (streaming/facts.py) gives the same cents
    assert booked.amount == (charge.amount * rate).quantize(unit(dst), ROUND_HALF_EVEN)


@given(st.lists(amounts, max_size=30), CURRENCIES)
def test_sums_are_exact_and_the_wire_keeps_every_digit(parts: list[Decimal], currency: str) -> None:
    cents = [Money.of(p, currency).quantized() for p in parts]
    total = sum(cents, Money.zero(currency))
    assert total.amount == sum((m.amount for m in cents), Decimal(0))
    assert (total - total) == Money.zero(currency)
    for money in [total, *cents]:
        assert Money.model_validate_json(money.model_dump_json()) == money
        assert isinstance(money.model_dump(mode="json")["amount"], str)  # never a JSON number


@given(amounts, CURRENCIES)
def test_rate_one_converts_a_rounded_amount_to_itself(amount: Decimal, currency: str) -> None:
    m = Money.of(amount, currency).quantized()
    assert m.convert(Decimal(1), currency) == m
