"""The catalog sensor starts the due loads once RateHawk's dump is ready (the simulator over HTTP answers
`dump_not_ready` first); the run-failure sensor posts a real failed run to a webhook on a local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from dagster import (
    DagsterInstance,
    SensorResult,
    build_run_status_sensor_context,
    build_sensor_context,
    materialize,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assets.catalog import partition_key
from assets.catalog.ingest import ratehawk_dump
from core.ratehawk.simulator import SimulatorConfig, create_app
from pipelines.alerts import run_failure_webhook
from pipelines.catalog import CADENCES, catalog_dump_ready
from pipelines.resources import CatalogFiles, Clock, FailureWebhook, LocalDumpFolder, Progress, RateHawkDumps
from tests.servers import serve_in_thread

# The tests' own "now" (a Thursday, 05:00 UTC): the Monday before is the full dump's due date.
NOW = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
MONDAY = NOW.date() - timedelta(days=NOW.weekday())


def evaluate(ratehawk, now: datetime, cursor: str | None = None) -> SensorResult:
    context = build_sensor_context(cursor=cursor, resources={"ratehawk": ratehawk, "clock": Clock.at(now)})
    return catalog_dump_ready(context)


def asked(result: SensorResult) -> dict[str, str]:
    return {r.run_key: r.partition_key.keys_by_dimension for r in result.run_requests}  # type: ignore[union-attr]


def test_due_dates_follow_the_weekly_and_daily_cadence() -> None:
    full, incremental = CADENCES
    assert full.due(NOW) == MONDAY and incremental.due(NOW) == NOW.date()
    monday_2am = datetime.combine(MONDAY, datetime.min.time(), UTC) + timedelta(hours=2)
    assert full.due(monday_2am) == MONDAY - timedelta(days=7)  # before 03:00 the previous week's
    assert full.due(monday_2am + timedelta(hours=1)) == MONDAY
    assert incremental.due(NOW.replace(hour=3)) == NOW.date() - timedelta(days=1)


def test_the_sensor_waits_for_dump_not_ready_then_starts_each_due_load_once(settings) -> None:
    app = create_app(SimulatorConfig(hotels=200, seed=2, rate_limits=False))  # builds its dumps on demand
    with serve_in_thread(app, lifespan="on") as served:
        ratehawk = RateHawkDumps(base_url=served.url)
        first = evaluate(ratehawk, NOW)  # the first ask (the full dump's) starts the build: dump_not_ready
        assert f"catalog-full-{MONDAY}" not in asked(first)  # (the incremental ask may find it built)
        assert app.state.simulator.state.dumps.wait(timeout=120)

        ready = evaluate(ratehawk, NOW, first.cursor)
    assert asked(first) | asked(ready) == {
        f"catalog-full-{MONDAY}": {"date": MONDAY.isoformat(), "dump": "full"},
        f"catalog-incremental-{NOW.date()}": {"date": NOW.date().isoformat(), "dump": "incremental"},
    }
    # Started loads are not asked for again (the supplier is not even called: its server is gone) ...
    again = evaluate(ratehawk, NOW + timedelta(hours=6), ready.cursor)
    assert not again.run_requests and again.skip_reason is not None
    # ... until the next day's incremental dump is due.
    next_day = evaluate(LocalDumpFolder(path=str(settings.data_path)), NOW + timedelta(days=1), ready.cursor)
    assert not next_day.run_requests  # the folder has no dump: waiting
    assert (
        "incremental dump of" in next_day.skip_reason.skip_message
        and "not ready" in next_day.skip_reason.skip_message
    )  # type: ignore[union-attr]


def test_the_sensor_starts_the_next_days_incremental_from_a_dump_folder(tmp_path) -> None:
    (tmp_path / "hotels_incremental_en.jsonl.zst").write_bytes(b"")
    cursor = json.dumps({"full": MONDAY.isoformat(), "incremental": NOW.date().isoformat()})
    result = evaluate(LocalDumpFolder(path=str(tmp_path)), NOW + timedelta(days=1), cursor)
    tomorrow = (NOW + timedelta(days=1)).date()
    assert asked(result) == {
        f"catalog-incremental-{tomorrow}": {"date": tomorrow.isoformat(), "dump": "incremental"}
    }
    assert json.loads(result.cursor or "{}") == {
        "full": MONDAY.isoformat(),
        "incremental": tomorrow.isoformat(),
    }


@dataclass
class Receiver:
    url: str
    posts: list[dict] = field(default_factory=list)


@contextmanager
def webhook_receiver(status: int = 204) -> Iterator[Receiver]:
    """A real HTTP server on a loopback port that records each JSON body posted to /hook."""
    posts: list[dict] = []

    async def hook(request: Request) -> Response:
        posts.append(await request.json())
        return Response(status_code=status)

    with serve_in_thread(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as served:
        yield Receiver(f"{served.url}/hook", posts)


def failed_run(tmp_path):
    """A real failed run of the dump asset: the dump folder is empty."""
    instance = DagsterInstance.ephemeral()
    when = NOW.date()
    result = materialize(
        [ratehawk_dump],
        partition_key=partition_key(when, "full"),
        resources={"ratehawk": LocalDumpFolder(path=str(tmp_path)), "catalog_files": CatalogFiles(),
                   "progress": Progress()},
        instance=instance,
        raise_on_error=False,
    )  # fmt: skip
    assert not result.success
    return instance, instance.get_run_by_id(result.run_id), result.get_run_failure_event()


def failure_context(instance, run, event, alerts: FailureWebhook):
    return build_run_status_sensor_context(
        sensor_name="run_failure_webhook", dagster_event=event, dagster_instance=instance, dagster_run=run,
        resources={"alerts": alerts},
    ).for_run_failure()  # fmt: skip


def test_a_failed_run_is_posted_to_the_webhook(settings, tmp_path) -> None:
    instance, run, event = failed_run(tmp_path)
    with webhook_receiver() as receiver:
        alerts = FailureWebhook(url=receiver.url, ui_url="http://dagster.example:3000")
        run_failure_webhook(failure_context(instance, run, event, alerts))
    [body] = receiver.posts
    assert body["event"] == "dagster.run.failed" and body["run_id"] == run.run_id
    assert body["job"] == run.job_name and body["partition"] == f"{NOW.date()}|full"
    assert body["run_url"] == f"http://dagster.example:3000/runs/{run.run_id}"
    [step] = body["failed_steps"]
    assert step["step"] == "ratehawk_dump" and "no full dump in" in step["error"]
    assert "no full dump in" in body["text"] and body["run_url"] in body["text"]


def test_the_webhook_url_comes_from_the_settings_and_a_refusal_fails_the_tick(
    settings, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import get_settings

    instance, run, event = failed_run(tmp_path)
    with webhook_receiver(status=500) as receiver:
        monkeypatch.setenv("IBE_ALERT_WEBHOOK_URL", receiver.url)
        get_settings.cache_clear()
        with pytest.raises(Exception, match="500"):
            run_failure_webhook(failure_context(instance, run, event, FailureWebhook()))
    assert len(receiver.posts) == 1  # it was delivered, and refused


def test_without_a_webhook_a_failure_is_only_logged(settings, tmp_path) -> None:
    instance, run, event = failed_run(tmp_path)
    assert FailureWebhook().target() is None
    run_failure_webhook(failure_context(instance, run, event, FailureWebhook()))  # no error, no request
