"""The revenue marts against the store: the reconciliation asset, and the real-time total to the cent."""

from __future__ import annotations

import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

from chaos.invariants import Verdict
from core.domain.booking import Booking, BookingState
from core.warehouse import Warehouse
from streaming.marts import total_revenue

QUIET = {
    "loggers": {"console": {"config": {"log_level": "WARNING"}}}
}  # the run's events stay out of the report


def store_net(bookings: dict[str, Booking]) -> Decimal:
    """Confirmed revenue minus what cancellations refunded, as the store has it (EUR: the storm's currency)."""
    net = Decimal(0)
    for b in bookings.values():
        if b.state == BookingState.CONFIRMED:
            net += b.price.amount
        elif b.state == BookingState.CANCELLED:
            net += b.price.amount - (b.cancel.refund if b.cancel else Decimal(0))
    return net


def revenue_days(bookings: dict[str, Booking]) -> list[date]:
    """The UTC days on which a booking was confirmed or cancelled (a storm may cross midnight)."""
    days = {
        e.at.date()
        for b in bookings.values()
        for e in b.history
        if e.state.value in ("confirmed", "cancelled")
    }
    return sorted(days)


def realtime_total(warehouse: Warehouse, bookings: dict[str, Booking]) -> Verdict:
    """The real-time hourly mart's net revenue equals the store's, to the cent."""
    want, got = store_net(bookings), total_revenue(warehouse)
    passed = got == want
    detail = f"marts {got:.2f} EUR, store {want:.2f} EUR" + ("" if passed else f", off by {got - want:.2f}")
    return Verdict("real-time revenue mart", passed, detail)


def reconciliation(data_dir: Path, days: list[date]) -> Verdict:
    """Materialize `revenue_reconciliation` for each day (with what it reads); its check must pass."""
    with warnings.catch_warnings():  # Dagster's beta notices are for asset authors, not this report
        warnings.simplefilter("ignore")
        import dagster as dg

        from assets.reconciliation.assets import CHECK, RECONCILIATION_ASSETS
        from assets.revenue.assets import revenue_bookings_daily, revenue_daily_by_country
        from pipelines.resources import AnalyticsWarehouse, Clock, TransactionalStore

    resources = {"warehouse": AnalyticsWarehouse(data_dir=str(data_dir)),
                 "store": TransactionalStore(data_dir=str(data_dir)), "clock": Clock()}  # fmt: skip
    problems: list[str] = []
    summaries: list[str] = []
    for day in days:
        result = dg.materialize(
            [revenue_bookings_daily, revenue_daily_by_country, *RECONCILIATION_ASSETS],
            partition_key=day.isoformat(),
            resources=resources,
            instance=dg.DagsterInstance.ephemeral(),
            run_config=QUIET,
            raise_on_error=False,
        )
        if not result.success:
            problems.append(f"{day}: the run failed")
            continue
        for evaluation in result.get_asset_check_evaluations():
            if evaluation.check_name == CHECK:
                (summaries if evaluation.passed else problems).append(str(evaluation.description))
    if not days:
        summaries.append("no revenue to reconcile")
    return Verdict(
        "revenue_reconciliation (store_matches_marts)", not problems, "; ".join(problems or summaries)
    )
