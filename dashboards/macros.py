"""Grafana's query text expansion for the ClickHouse data source, done the way Grafana does it.

A panel's `rawSql` reaches ClickHouse after three passes, and the tests and `ibe report` run the
same three so what they execute is what Grafana would send:

1. the plugin's frontend replaces `$__conditionalAll(condition, $var)` by `1=1` when `$var` is
   All (or empty), else by the condition (grafana/clickhouse-datasource, `applyConditionalAll`);
2. Grafana's template service replaces variables (`$var`, `${var}`, `${var:format}`, `[[var]]`)
   and the global ones (`$__from`, `$__to`, `$__interval`, `$__interval_ms`, `$__range_s`); with no
   format, the plugin joins a multi-value as `'a','b'` and leaves a single value raw;
3. the plugin's backend expands its macros (grafana/clickhouse-datasource `pkg/macros/macros.go`):
   `$__timeFilter(col)` -> `col >= toDateTime(<from s>) AND col <= toDateTime(<to s>)`,
   `$__timeFilter_ms`, `$__dateFilter`, `$__dateTimeFilter` (alias `$__dt`), `$__fromTime`,
   `$__toTime`, `$__fromTime_ms`, `$__toTime_ms`, `$__timeInterval(col)`, `$__timeInterval_ms`,
   `$__interval_s` (the interval in whole seconds, at least 1).

Anything left that still looks like a macro or a variable is an error, not silently sent on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

ALL = "$__all"


class MacroError(ValueError):
    """The query text uses a macro or variable wrongly, or one that is unknown."""


@dataclass(frozen=True)
class TimeRange:
    """The dashboard's time picker, as two timezone-aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("time range bounds must be timezone-aware")
        if self.end < self.start:
            raise ValueError("time range ends before it starts")

    @classmethod
    def last(cls, span: timedelta, now: datetime | None = None) -> TimeRange:
        end = now or datetime.now(UTC)
        return cls(end - span, end)


@dataclass(frozen=True)
class VariableValue:
    """A template variable's current selection and, for All, the values All stands for."""

    current: str | Sequence[str]
    options: Sequence[str] = ()
    all_value: str | None = None

    @property
    def is_all(self) -> bool:
        values = [self.current] if isinstance(self.current, str) else list(self.current)
        return ALL in values

    def values(self) -> str | list[str]:
        if self.is_all:
            return list(self.options)
        return self.current if isinstance(self.current, str) else list(self.current)


@dataclass(frozen=True)
class QueryContext:
    """Everything Grafana knows when it sends a panel's query."""

    time_range: TimeRange
    interval: timedelta = timedelta(minutes=1)
    variables: Mapping[str, VariableValue] = field(default_factory=dict)


# Grafana's rounding of the auto interval (rangeutil.roundInterval), in milliseconds.
_ROUNDING = (
    (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1_500, 1_000),
    (3_500, 2_000), (7_500, 5_000), (12_500, 10_000), (17_500, 15_000), (25_000, 20_000),
    (45_000, 30_000), (90_000, 60_000), (210_000, 120_000), (450_000, 300_000),
    (750_000, 600_000), (1_050_000, 900_000), (1_500_000, 1_200_000), (2_700_000, 1_800_000),
    (5_400_000, 3_600_000), (9_000_000, 7_200_000), (16_200_000, 10_800_000),
    (32_400_000, 21_600_000), (86_400_000, 43_200_000), (604_800_000, 86_400_000),
    (1_814_400_000, 604_800_000), (3_628_800_000, 2_592_000_000),
)  # fmt: skip


def auto_interval(time_range: TimeRange, max_data_points: int = 1000, min_interval_s: int = 0) -> timedelta:
    """The `$__interval` Grafana picks for a panel: range / points, rounded to a round step."""
    span_ms = (time_range.end - time_range.start).total_seconds() * 1000
    raw = max(span_ms / max(max_data_points, 1), min_interval_s * 1000)
    for limit, step in _ROUNDING:
        if raw < limit:
            return timedelta(milliseconds=max(step, min_interval_s * 1000))
    return timedelta(days=365)


def interval_text(interval: timedelta) -> str:
    """Grafana's `$__interval` text: `500ms`, `30s`, `5m`, `1h`, `1d`."""
    ms = int(interval.total_seconds() * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms >= size and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


# --- pass 1: $__conditionalAll -------------------------------------------------------------------


def _macro_args(text: str, open_at: int) -> tuple[list[str], int]:
    """Arguments of the call whose `(` is at `open_at`, split on top-level commas; and its end."""
    depth, args, current = 0, [], []
    quote: str | None = None
    for index in range(open_at, len(text)):
        char = text[index]
        if quote:
            current.append(char)
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
            current.append(char)
        elif char == "(":
            depth += 1
            if depth > 1:
                current.append(char)
        elif char == ")":
            depth -= 1
            if depth == 0:
                args.append("".join(current).strip())
                return args, index + 1
            current.append(char)
        elif char == "," and depth == 1:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    raise MacroError(f"unclosed parenthesis after position {open_at}")


def apply_conditional_all(sql: str, variables: Mapping[str, VariableValue]) -> str:
    macro = "$__conditionalAll("
    at = sql.rfind(macro)
    while at != -1:
        args, end = _macro_args(sql, at + len(macro) - 1)
        if len(args) != 2:
            raise MacroError(f"$__conditionalAll takes (condition, $variable), got {len(args)} arguments")
        condition, name = args[0], args[1].lstrip("$").strip("{}")
        if name not in variables:
            raise MacroError(f"$__conditionalAll names an unknown variable ${name}")
        selected = variables[name]
        empty = selected.current in ("", []) or selected.is_all
        sql = sql[:at] + ("1=1" if empty else condition) + sql[end:]
        at = sql.rfind(macro)
    return sql


# --- pass 2: template variables ------------------------------------------------------------------

_VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}")


def _quote(value: str, quote: str) -> str:
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


def _format(value: str | list[str], fmt: str | None) -> str:
    values = value if isinstance(value, list) else [value]
    if fmt is None:
        # The ClickHouse data source's own formatter: a list is quoted and joined, a scalar raw.
        return "'" + "','".join(values) + "'" if isinstance(value, list) else value
    if fmt == "singlequote":
        return ",".join(_quote(v, "'") for v in values)
    if fmt == "doublequote":
        return ",".join(_quote(v, '"') for v in values)
    if fmt == "sqlstring":
        return ",".join("'" + v.replace("'", "''") + "'" for v in values)
    if fmt in ("csv", "raw"):
        return ",".join(values)
    if fmt == "pipe":
        return "|".join(values)
    raise MacroError(f"variable format {fmt!r} is not supported here")


def _globals(ctx: QueryContext) -> dict[str, str]:
    start_ms = int(ctx.time_range.start.timestamp() * 1000)
    end_ms = int(ctx.time_range.end.timestamp() * 1000)
    return {
        "__from": str(start_ms),
        "__to": str(end_ms),
        "__interval": interval_text(ctx.interval),
        "__interval_ms": str(int(ctx.interval.total_seconds() * 1000)),
        "__range_s": str((end_ms - start_ms) // 1000),
    }


def replace_variables(sql: str, ctx: QueryContext) -> str:
    builtins = _globals(ctx)

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        fmt = match.group(3) or match.group(6)
        if name in builtins:
            return builtins[name]
        selected = ctx.variables.get(name)
        if selected is None:
            return match.group(0)  # Grafana leaves unknown names as they are
        if selected.is_all and selected.all_value is not None:
            return selected.all_value
        return _format(selected.values(), fmt)

    return _VARIABLE.sub(one, sql)


# --- pass 3: the backend's macros ----------------------------------------------------------------


def _seconds(ts: datetime) -> int:
    return int(ts.timestamp())


def _millis(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def _day(ts: datetime) -> str:
    return date.isoformat(ts.astimezone(UTC).date())


def _one_arg(name: str, args: list[str]) -> str:
    if len(args) != 1 or not args[0]:
        raise MacroError(f"$__{name} expects 1 argument, received {len(args) if args != [''] else 0}")
    return args[0]


def _backend_macros(ctx: QueryContext) -> dict[str, Callable[[list[str]], str]]:
    start, end = ctx.time_range.start, ctx.time_range.end
    seconds = max(int(ctx.interval.total_seconds()), 1)
    millis = max(int(ctx.interval.total_seconds() * 1000), 1)

    def time_filter(args: list[str]) -> str:
        col = _one_arg("timeFilter", args)
        return f"{col} >= toDateTime({_seconds(start)}) AND {col} <= toDateTime({_seconds(end)})"

    def time_filter_ms(args: list[str]) -> str:
        col = _one_arg("timeFilter_ms", args)
        return (
            f"{col} >= fromUnixTimestamp64Milli({_millis(start)}) "
            f"AND {col} <= fromUnixTimestamp64Milli({_millis(end)})"
        )

    def date_filter(args: list[str]) -> str:
        col = _one_arg("dateFilter", args)
        return f"{col} >= toDate('{_day(start)}') AND {col} <= toDate('{_day(end)}')"

    def date_time_filter(args: list[str]) -> str:
        if len(args) != 2:
            raise MacroError(f"$__dateTimeFilter expects 2 arguments, received {len(args)}")
        day, ts = args
        return (
            f"({day} >= toDate('{_day(start)}') AND {day} <= toDate('{_day(end)}')) AND "
            f"({ts} >= toDateTime({_seconds(start)}) AND {ts} <= toDateTime({_seconds(end)}))"
        )

    return {
        "fromTime": lambda _: f"toDateTime({_seconds(start)})",
        "toTime": lambda _: f"toDateTime({_seconds(end)})",
        "fromTime_ms": lambda _: f"fromUnixTimestamp64Milli({_millis(start)})",
        "toTime_ms": lambda _: f"fromUnixTimestamp64Milli({_millis(end)})",
        "timeFilter": time_filter,
        "timeFilter_ms": time_filter_ms,
        "dateFilter": date_filter,
        "dateTimeFilter": date_time_filter,
        "dt": date_time_filter,
        "timeInterval": lambda a: (
            f"toStartOfInterval(toDateTime({_one_arg('timeInterval', a)}), INTERVAL {seconds} second)"
        ),
        "timeInterval_ms": lambda a: (
            f"toStartOfInterval(toDateTime64({_one_arg('timeInterval_ms', a)}, 3), "
            f"INTERVAL {millis} millisecond)"
        ),
        "interval_s": lambda _: str(seconds),
    }


_BACKEND = re.compile(r"\$__(\w+)")


def expand_backend_macros(sql: str, ctx: QueryContext) -> str:
    macros = _backend_macros(ctx)
    out, pos = [], 0
    for match in _BACKEND.finditer(sql):
        if match.start() < pos:
            continue
        name = match.group(1)
        if name not in macros:
            raise MacroError(f"unknown macro $__{name} at position {match.start() + 1}")
        end = match.end()
        args: list[str] = []
        if end < len(sql) and sql[end] == "(":
            args, end = _macro_args(sql, end)
        out.append(sql[pos : match.start()])
        out.append(macros[name](args))
        pos = end
    out.append(sql[pos:])
    return "".join(out)


_LEFTOVER = re.compile(r"\$\w+|\$\{[^}]*\}|\[\[\w+(?::\w+)?\]\]")


def expand(sql: str, ctx: QueryContext) -> str:
    """The SQL Grafana would send to ClickHouse for this query text in this context."""
    text = apply_conditional_all(sql, ctx.variables)
    text = replace_variables(text, ctx)
    leftover = [m.group(0) for m in _LEFTOVER.finditer(text) if not m.group(0).startswith("$__")]
    if leftover:
        raise MacroError(f"undefined variable {leftover[0]} in the query")
    return expand_backend_macros(text, ctx)
