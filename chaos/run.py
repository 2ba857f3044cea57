"""One chaos run: a fresh platform on free ports, the storm and the nemesis at once, settling, checks.

The run owns its data folder and ports (its processes inherit them through the environment), so it
never touches the stack a developer has running. Everything it starts is stopped at the end.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx

from chaos import invariants, marts
from chaos.invariants import Verdict
from chaos.nemesis import KillDone, unleash
from chaos.sagas import describe_sagas
from chaos.schedule import Kill, kill_schedule
from chaos.storm import FINAL, TEST_HOTEL, Stay, Storm, StormReport
from core.config import LOOPBACK, Settings, get_settings
from core.stack.ports import service_ports_env

SAMPLE_EVERY_S = 0.25


@dataclass(frozen=True)
class ChaosConfig:
    seed: int
    minutes: float
    data_dir: Path
    bookings_per_s: float = 1.0
    settle_s: float = 240.0  # after the storm, how long bookings and streams get to finish
    allotment: int | None = None  # rooms on sale per night; default: about half the bookings

    @property
    def bookings(self) -> int:
        return max(1, round(self.minutes * 60 * self.bookings_per_s))


@dataclass
class ChaosResult:
    config: ChaosConfig
    schedule: list[Kill]
    kills: list[KillDone] = field(default_factory=list)
    storm: StormReport | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    sagas: list[str] = field(default_factory=list)  # where each unfinished booking's saga stands

    @property
    def passed(self) -> bool:
        return bool(self.verdicts) and all(v.passed for v in self.verdicts)


def platform_env(data_dir: Path) -> dict[str, str]:
    """The run's settings as the environment its processes inherit: its folder, free ports, no limits."""
    env = service_ports_env()
    env |= {"IBE_DATA_DIR": str(data_dir), "IBE_SIMULATOR_RATE_LIMITS": "false", "IBE_LOG_LEVEL": "WARNING"}
    for engine in ("KAFKA_BOOTSTRAP", "TEMPORAL_ADDRESS", "REDIS_URL", "CLICKHOUSE_URL", "FDB_CLUSTER_FILE"):
        os.environ.pop(f"IBE_{engine}", None)  # the run's own embedded engines, never a configured one
    return env


async def _watch_held(settings: Settings, stay: Stay, room: list[str], stop: asyncio.Event) -> int:
    """The most rooms held on any night at any sampled moment of the storm."""
    from core.booking import inventory
    from core.kv import open_store

    peak = 0
    with open_store(settings) as store:
        while not stop.is_set():
            if room:
                nights = store.read(
                    lambda tr: inventory.night_inventory(tr, TEST_HOTEL, room[0], stay.nights)
                )
                peak = max([peak, *(n.held for n in nights)])
            await asyncio.sleep(SAMPLE_EVERY_S)
    return peak


async def _settle(settings: Settings, want_net: Callable[[], object], deadline: float) -> None:
    """Until the outbox is published and the marts hold the store's revenue (or the deadline)."""
    from core.warehouse import Warehouse
    from streaming.health import relay_backlog
    from streaming.marts import total_revenue

    warehouse = Warehouse(settings)
    while time.monotonic() < deadline:
        if relay_backlog(settings)["backlog"] == 0 and total_revenue(warehouse) == want_net():
            return
        await asyncio.sleep(1.0)


@dataclass(frozen=True)
class Stormed:
    report: StormReport
    stay: Stay
    room: str
    allotment: int
    peak_held: int


async def _storm_and_nemesis(
    config: ChaosConfig, settings: Settings, result: ChaosResult, say: Callable[[str], None]
) -> Stormed:
    from core.booking.apikeys import create_api_key
    from core.kv import open_store

    with open_store(settings) as store:
        token, _ = create_api_key(store, "chaos", ["search", "book", "inventory"], "chaos",
                                  rate_per_minute=1_000_000, burst=100_000)  # fmt: skip
    today = datetime.now(UTC).date()
    stay = Stay(today + timedelta(days=45), 2)
    api = f"http://{LOOPBACK}:{settings.api_port}"
    storm = Storm(api, token, config.seed, stay, config.settle_s)
    storm.deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=15.0) as http:
        rate = await storm.rate(http)
        allotment = config.allotment or max(2, config.bookings // 2)
        nights = [{"night": n.isoformat(), "allotment": allotment} for n in stay.nights]
        put = await http.put(f"{api}/v1/inventory/{TEST_HOTEL}/{rate['room_name']}", json={"nights": nights},
                             headers=storm.auth)  # fmt: skip
        put.raise_for_status()
    say(f"storm: {config.bookings} bookings of '{rate['room_name']}' at {rate['price']['amount']} EUR, "
        f"{allotment} rooms on sale per night, {config.bookings_per_s:g}/s")  # fmt: skip
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch_held(settings, stay, [rate["room_name"]], stop))
    nemesis = asyncio.create_task(unleash(settings, result.schedule, lambda k: say(k.describe())))
    report = await storm.run(config.minutes * 60, config.bookings_per_s)
    result.kills = await nemesis
    stop.set()
    return Stormed(report, stay, rate["room_name"], allotment, await watcher)


def run(config: ChaosConfig, say: Callable[[str], None] = print) -> ChaosResult:
    """The whole run; `say` gets a line per step, kill and verdict."""
    from core.booking.records import get_booking
    from core.domain.booking import Booking
    from core.kv import open_store
    from core.stack import down, status, up
    from core.warehouse import Warehouse
    from streaming.health import relay_backlog

    os.environ.update(platform_env(config.data_dir))
    get_settings.cache_clear()
    settings = get_settings()
    result = ChaosResult(config, kill_schedule(config.seed, config.minutes))
    say(f"seed {config.seed}: {len(result.schedule)} kills over {config.minutes:g} min")
    for kill in result.schedule:
        say(f"  {kill.describe()}")
    say(f"starting the platform in {settings.data_path}")
    try:
        up(settings, platform=True)
        stormed = asyncio.run(_storm_and_nemesis(config, settings, result, say))
        report = result.storm = stormed.report
        accepted = [t.booking_id for t in report.accepted if t.booking_id]

        def bookings() -> dict[str, Booking]:
            with open_store(settings) as store:
                return {bid: store.read(partial(get_booking, booking_id=bid)) for bid in accepted}

        say("settling: outbox published, marts caught up with the store")
        deadline = time.monotonic() + config.settle_s
        asyncio.run(_settle(settings, lambda: marts.store_net(bookings()), deadline))
        final = bookings()
        with httpx.Client(timeout=10.0) as http:
            orders = http.get(f"{settings.ratehawk_url}/admin/orders").json()["data"]["orders"]
            key = {"Authorization": f"Bearer {settings.payments_api_key.get_secret_value()}"}
            ledger = {bid: http.get(f"{settings.payments_url}/v1/payments", params={"reference": bid},
                                    headers=key).json()["data"] for bid in final}  # fmt: skip
        unfinished = [bid for bid, b in final.items() if b.state.value not in FINAL]
        result.sagas = describe_sagas(settings, unfinished)
        with open_store(settings) as store:
            result.verdicts = [
                invariants.stories_ended(report, final),
                invariants.supplier_orders(final, orders),
                invariants.payments(final, ledger),
                invariants.held_rooms(
                    store,
                    final,
                    TEST_HOTEL,
                    stormed.room,
                    stormed.stay.nights,
                    stormed.allotment,
                    stormed.peak_held,
                ),
                invariants.processes(result.kills, status(settings)),
                invariants.outbox_drained(relay_backlog(settings)),
                invariants.api_answers(report),
                marts.realtime_total(Warehouse(settings), final),
                marts.reconciliation(config.data_dir, marts.revenue_days(final)),
            ]
    finally:
        down(settings)
    for verdict in result.verdicts:
        say(verdict.line())
    for line in result.sagas:
        say(f"  unfinished saga {line}")
    return result
