"""`ibe catalog ingest DIR`: run the catalog asset graph in-process on a dump folder already on disk."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.catalog import catalog_app
from cli.output import console, fail, step


class Dump(StrEnum):
    """Which dump an ingest reads: `all` is the full dump, then the incremental one."""

    FULL = "full"
    INCREMENTAL = "incremental"
    ALL = "all"


# Exit codes of `ibe catalog ingest` (also in its --help): a scheduler or a script tells them apart.
EXIT_OK = 0  # every dump loaded and every ERROR-severity check passed (a failed WARN check is printed)
EXIT_FAILED = 1  # bad arguments, or a step of the run failed
EXIT_CHECK_FAILED = 3  # the data was loaded but an ERROR-severity check failed (named on stderr)


def run_ingest(
    dump_dir: Path,
    kind: str,
    dump_date: date,
    echo: bool = True,
    ops: dict[str, dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Materialize every catalog asset (and check) for one partition; returns counts and check outcomes.

    `ops`: run config of the steps by name, e.g. `{"staged_hotels": {"workers": 1}}`.
    `now`: the instant the run believes it is (default: the wall clock). It decides which daily
    partitions exist, so a back-fill or a test gives the same outcome on any day.
    """
    from dagster import DagsterInstance, materialize, partition_loading_context

    from assets.catalog import CATALOG_ASSETS, CATALOG_CHECKS, partition_key
    from pipelines.resources import folder_resources

    instance = DagsterInstance.ephemeral()
    with partition_loading_context(effective_dt=now):
        result = materialize(
            [*CATALOG_ASSETS, *CATALOG_CHECKS],
            partition_key=partition_key(dump_date, kind),
            resources=folder_resources(dump_dir, echo=echo, now=now),
            instance=instance,
            run_config={
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                "ops": {name: {"config": config} for name, config in (ops or {}).items()},
            },
            raise_on_error=False,
        )
    metadata: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization  # type: ignore[union-attr]
        metadata[mat.asset_key.to_user_string()] = {
            k: getattr(v, "value", v) for k, v in mat.metadata.items()
        }
    checks = {
        f"{e.asset_key.to_user_string()}:{e.check_name}": (e.passed, e.severity.value)
        for e in result.get_asset_check_evaluations()
    }
    failure = None
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
                error = event.step_failure_data.error
                while error.cause is not None:  # the user code's own exception, not Dagster's wrapper
                    error = error.cause
                failure = f"{event.step_key}: {error.message.strip().splitlines()[-1]}"
                break
        failure = failure or "the run failed"
    reasons: dict[str, int] = {}
    try:
        from pipelines.resources import CatalogFiles

        reasons = CatalogFiles().folders(dump_date, kind).read_summary("validated").get("reasons", {})
    except FileNotFoundError:
        pass
    return {
        "success": result.success,
        "step_seconds": _step_seconds(instance, result.run_id),
        "metadata": metadata,
        "checks": checks,
        "failure": failure,
        "reasons": reasons,
    }


def _step_seconds(instance: Any, run_id: str) -> dict[str, float]:
    """Wall seconds of each step of a run (where an ingest spends its time), in the order they ran."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            seconds[event.step_key] = round(entry.timestamp - started[event.step_key], 2)
    return seconds


def _print_summary(kind: str, outcome: dict[str, Any]) -> None:
    from cli.output import table

    meta = outcome["metadata"]
    validated = meta.get("validated_hotels", {})
    serving = meta.get("hotels_serving", {})
    rows = [
        ("dump lines", validated.get("lines")),
        ("accepted", validated.get("accepted")),
        ("  of which deleted (off sale)", validated.get("deleted")),
        ("quarantined", validated.get("quarantined")),
        ("store: written", serving.get("written")),
        ("store: unchanged (skipped)", serving.get("unchanged")),
        ("store: off sale", serving.get("off_sale")),
        ("warehouse: dim_hotels rows written", meta.get("dim_hotels", {}).get("rows_loaded")),
        ("warehouse: hotel_room_groups rows written", meta.get("hotel_room_groups", {}).get("rows_loaded")),
        ("warehouse: hotel_amenities rows written", meta.get("hotel_amenities", {}).get("rows_loaded")),
        ("warehouse: dim_regions rows written", meta.get("dim_regions", {}).get("rows_loaded")),
        ("warehouse: catalog_quarantine rows", meta.get("quarantine", {}).get("quarantined")),
        ("search index: hotels", meta.get("hotel_search_index", {}).get("hotels_in_index")),
    ]
    table(("count", "value"), [(k, f"{v:,}" if isinstance(v, int) else v) for k, v in rows if v is not None],
          title=f"catalog ingest ({kind})")  # fmt: skip
    if outcome.get("step_seconds"):
        console.print(
            "time per step: "
            + ", ".join(f"{step} {s:,.1f} s" for step, s in outcome["step_seconds"].items()),
            highlight=False,
        )
    if outcome.get("reasons"):
        top = sorted(outcome["reasons"].items(), key=lambda kv: -kv[1])
        console.print(
            "quarantine reasons: " + ", ".join(f"{reason} {n:,}" for reason, n in top), highlight=False
        )
    failed = [name for name, (passed, _) in outcome["checks"].items() if not passed]
    if failed:
        console.print(f"[yellow]checks not passed:[/] {', '.join(failed)}", highlight=False)
    else:
        console.print(f"[green]all {len(outcome['checks'])} checks passed[/]")


def ingest(
    dump_dir: Annotated[Path, typer.Argument(help="Folder holding the dump files (as `ibe catalog generate` writes).")],
    dump: Annotated[Dump, typer.Option(help="Which dump to ingest (all: the full dump, then the incremental one).")] = Dump.FULL,
    dump_date: Annotated[str | None, typer.Option("--date", help="Dump date (YYYY-MM-DD); default today (UTC).")] = None,
) -> None:  # fmt: skip
    """Ingest a RateHawk dump folder: stage, validate, quarantine, load the store and the warehouse.

    \b
    Exit codes:
      0  loaded; every ERROR-severity check passed (WARN ones only print)
      1  bad arguments, or a step of the run failed (step and error printed)
      2  usage error (unknown option)
      3  loaded, but an ERROR-severity check failed (named on stderr)
    """
    if not dump_dir.is_dir():
        fail(f"{dump_dir} is not a folder")
    try:
        when = date.fromisoformat(dump_date) if dump_date else datetime.now(UTC).date()
    except ValueError:
        fail(f"--date {dump_date!r} is not a date (YYYY-MM-DD)")
    kinds = (Dump.FULL.value, Dump.INCREMENTAL.value) if dump is Dump.ALL else (dump.value,)
    for kind in kinds:
        step(f"ingesting the {kind} dump of {when} from {dump_dir}")
        outcome = run_ingest(dump_dir, kind, when)
        if not outcome["success"]:
            fail(f"the {kind} ingest failed: {outcome['failure']}", EXIT_FAILED)
        _print_summary(kind, outcome)
        broken = failed_error_checks(outcome["checks"])
        if broken:
            fail(f"the {kind} ingest loaded, but ERROR checks failed: {', '.join(broken)}", EXIT_CHECK_FAILED)


def failed_error_checks(checks: dict[str, tuple[bool, str]]) -> list[str]:
    """Names (`asset:check`) of the failed checks of ERROR severity, the ones that fail the command."""
    return sorted(name for name, (passed, severity) in checks.items() if not passed and severity == "ERROR")


def register(app: typer.Typer) -> None:
    catalog_app.command("ingest")(ingest)
