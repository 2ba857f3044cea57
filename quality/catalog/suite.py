"""Running the catalog expectations with Great Expectations, and reading the failing lines back.

`HotelSuite` builds an ephemeral GE context once (no files, analytics and progress bars off), and
validates frames of staged hotels with `result_format=COMPLETE` keyed by `line_no`, so every failing
line is known with every expectation it failed. Importing GE costs seconds: build one `HotelSuite`
per process and reuse it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from quality.catalog.expectations import HOTEL_EXPECTATIONS, REJECT, SUITE_COLUMNS, Expectation

SUITE_NAME = "catalog_hotels"


@dataclass
class ExpectationStat:
    reason: str
    severity: str
    description: str
    evaluated: int = 0
    unexpected: int = 0


@dataclass
class SuiteOutcome:
    """Failing lines of one validated frame: reasons and a sample detail per line."""

    reasons: dict[int, list[str]] = field(default_factory=dict)  # line_no -> reject reasons
    details: dict[int, list[str]] = field(default_factory=dict)  # line_no -> "column=value" notes
    warnings: dict[int, list[str]] = field(default_factory=dict)  # line_no -> warn reasons
    stats: dict[str, ExpectationStat] = field(default_factory=dict)
    success: bool = True


class HotelSuite:
    """The catalog hotel suite on an ephemeral GE context."""

    def __init__(self, expectations: tuple[Expectation, ...] = HOTEL_EXPECTATIONS) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # nothing may call out
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self.expectations = expectations
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        asset = self.context.data_sources.add_pandas("catalog").add_dataframe_asset("staged_hotels")
        batch = asset.add_batch_definition_whole_dataframe("batch")
        suite = gx.ExpectationSuite(name=SUITE_NAME)
        for expectation in expectations:
            suite.add_expectation(expectation.build())
        self.suite = self.context.suites.add(suite)
        self.definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=SUITE_NAME, data=batch, suite=self.suite)
        )

    def describe(self) -> list[dict[str, str]]:
        """The suite as rows (reason, severity, expectation, column, description) for docs and the UI."""
        return [
            {"reason": e.reason, "severity": e.severity, "expectation": e.kind, "column": e.column,
             "description": e.description}
            for e in self.expectations
        ]  # fmt: skip

    def validate(self, frame: pl.DataFrame) -> SuiteOutcome:
        """Validate staged hotel rows (must include `line_no` and every suite column)."""
        outcome = SuiteOutcome()
        if frame.height == 0:
            return outcome
        data = frame.select(["line_no", *SUITE_COLUMNS]).to_pandas()
        result = self.definition.run(
            batch_parameters={"dataframe": data},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["line_no"],
                           "return_unexpected_index_query": False},
        )  # fmt: skip
        outcome.success = bool(result.success)
        for item in result.results:
            config = item.expectation_config
            assert config is not None, "a suite run's results carry their expectation"
            meta = config.meta or {}
            reason, severity = meta["reason"], meta["severity"]
            column = config.kwargs.get("column")
            res: dict[str, Any] = item.result or {}
            stat = outcome.stats.setdefault(
                reason, ExpectationStat(reason, severity, _description(self.expectations, reason))
            )
            stat.evaluated += int(res.get("element_count") or frame.height)
            stat.unexpected += int(res.get("unexpected_count") or 0)
            if item.exception_info and item.exception_info.get("raised_exception"):
                raise RuntimeError(f"expectation {reason} failed to run: {item.exception_info}")
            for entry in res.get("unexpected_index_list") or ():
                line_no = int(entry["line_no"])
                if severity == REJECT:
                    outcome.reasons.setdefault(line_no, []).append(reason)
                    outcome.details.setdefault(line_no, []).append(f"{column}={_show(entry.get(column))}")
                else:
                    outcome.warnings.setdefault(line_no, []).append(reason)
        return outcome


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    return repr(value)[:120]


def _description(expectations: tuple[Expectation, ...], reason: str) -> str:
    return next((e.description for e in expectations if e.reason == reason), "")


@lru_cache(maxsize=1)
def hotel_suite() -> HotelSuite:
    """The process's suite (GE is imported and the context built on first use)."""
    return HotelSuite()
