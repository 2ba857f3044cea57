"""From a decoded event to a `stream_events` row: the money columns, the FX rate, Kafka provenance."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from clickhouse_connect.driver.client import Client

from core.domain.events import INVENTORY_UPDATES, Event
from core.domain.money import Money, minor_units

REPORTING_CURRENCY = "EUR"

FACT_COLUMNS = [
    "event_id", "type", "schema_version", "occurred_at", "aggregate_id", "hotel_id", "partner_id",
    "currency", "amount", "revenue", "reporting_currency", "fx_rate", "revenue_reporting", "payload",
    "_topic", "_partition", "_offset", "_timestamp", "ingested_at",
]  # fmt: skip
DEAD_LETTER_COLUMNS = ["topic", "partition", "offset", "key", "value", "reason", "consumer", "received_at"]
ZERO = Decimal(0)
ONE = Decimal(1)


class NoFxRate(ValueError):
    """No rate converts this currency into the reporting currency on that day."""


@dataclass
class FxRates:
    """Rates into the reporting currency, by currency, each valid from a day until the next row's day."""

    reporting_currency: str = REPORTING_CURRENCY
    by_currency: dict[str, tuple[list[date], list[Decimal]]] = field(default_factory=dict)

    @classmethod
    def load(cls, client: Client, database: str, reporting_currency: str = REPORTING_CURRENCY) -> FxRates:
        rows = client.query(
            f"SELECT currency, valid_from, argMax(rate, valid_from) FROM {database}.fx_rates "
            "WHERE reporting_currency = %(rc)s GROUP BY currency, valid_from ORDER BY currency, valid_from",
            parameters={"rc": reporting_currency},
        ).result_rows
        rates = cls(reporting_currency)
        for currency, valid_from, rate in rows:
            days, values = rates.by_currency.setdefault(currency, ([], []))
            days.append(valid_from)
            values.append(Decimal(rate))
        return rates

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-minor_units(self.reporting_currency))

    def rate(self, currency: str, day: date) -> Decimal:
        if currency == self.reporting_currency:
            return Decimal(1)
        found = self.by_currency.get(currency)
        i = bisect.bisect_right(found[0], day) - 1 if found else -1
        if found is None or i < 0:
            raise NoFxRate(f"no FX rate {currency}->{self.reporting_currency} valid on {day.isoformat()}")
        return found[1][i]


def _event_money(event: Event) -> Money | None:
    for name in ("amount", "refund"):
        value = getattr(event, name, None)
        if isinstance(value, Money):
            return value
    return None


def fact_row(
    event: Event,
    raw: bytes,
    fx: FxRates,
    topic: str,
    partition: int,
    offset: int,
    timestamp_ms: int,
    now: datetime | None = None,
) -> list[Any]:
    """One `stream_events` row (columns as FACT_COLUMNS). Raises NoFxRate for an unconvertible currency.

    The reporting amount is the signed revenue times the rate, rounded half-even to the reporting
    currency's minor units (as `Money.convert`), per event, so the marts' sums match a sum of events.
    """
    money = _event_money(event)
    revenue = event.revenue_delta()
    currency = money.currency if money else ""
    rate = fx.rate(currency, event.occurred_at.date()) if money else ONE
    revenue_amount = revenue.amount if revenue else ZERO
    revenue_reporting = (revenue_amount * rate).quantize(fx.quantum, ROUND_HALF_EVEN) if revenue else ZERO
    hotel = getattr(event, "hotel_id", None) or (
        event.aggregate_id if event.topic == INVENTORY_UPDATES else ""
    )
    return [
        event.event_id,
        event.type,
        event.schema_version,
        event.occurred_at,
        event.aggregate_id,
        hotel,
        getattr(event, "partner_id", None) or "",
        currency,
        money.amount if money else ZERO,
        revenue_amount,
        fx.reporting_currency,
        rate,
        revenue_reporting,
        raw.decode("utf-8", errors="replace"),
        topic,
        partition,
        offset,
        datetime.fromtimestamp(timestamp_ms / 1000, UTC),
        now or datetime.now(UTC),
    ]
