"""Grafana's expansion of panel SQL for the ClickHouse plugin, checked against the plugin's outputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboards.macros import (
    ALL,
    MacroError,
    QueryContext,
    TimeRange,
    VariableValue,
    auto_interval,
    expand,
    interval_text,
)

# 2022-10-21 06:25:26 UTC .. 2022-10-23 06:25:26 UTC
START = datetime.fromtimestamp(1666333526, UTC)
END = datetime.fromtimestamp(1666506326, UTC)
RANGE = TimeRange(START, END)


def ctx(interval: timedelta = timedelta(seconds=30), **variables: VariableValue) -> QueryContext:
    return QueryContext(RANGE, interval, variables)


def test_time_filters_match_the_plugin() -> None:
    assert expand("WHERE $__timeFilter(ts)", ctx()) == (
        "WHERE ts >= toDateTime(1666333526) AND ts <= toDateTime(1666506326)"
    )
    assert expand("$__timeFilter_ms(ts)", ctx()) == (
        "ts >= fromUnixTimestamp64Milli(1666333526000) AND ts <= fromUnixTimestamp64Milli(1666506326000)"
    )
    assert (
        expand("$__dateFilter(day)", ctx()) == "day >= toDate('2022-10-21') AND day <= toDate('2022-10-23')"
    )
    assert expand("$__dt(day, ts)", ctx()) == (
        "(day >= toDate('2022-10-21') AND day <= toDate('2022-10-23')) AND "
        "(ts >= toDateTime(1666333526) AND ts <= toDateTime(1666506326))"
    )
    assert expand("$__fromTime AND $__toTime", ctx()) == "toDateTime(1666333526) AND toDateTime(1666506326)"
    assert expand("$__fromTime_ms", ctx()) == "fromUnixTimestamp64Milli(1666333526000)"


def test_intervals_match_the_plugin() -> None:
    assert expand("$__timeInterval(ts)", ctx(timedelta(minutes=5))) == (
        "toStartOfInterval(toDateTime(ts), INTERVAL 300 second)"
    )
    assert expand("$__timeInterval_ms(ts)", ctx(timedelta(milliseconds=250))) == (
        "toStartOfInterval(toDateTime64(ts, 3), INTERVAL 250 millisecond)"
    )
    # The plugin never lets the interval fall below one second for $__interval_s.
    assert expand("count() / $__interval_s", ctx(timedelta(milliseconds=200))) == "count() / 1"
    assert expand("$__interval_s", ctx(timedelta(hours=1))) == "3600"


def test_grafana_globals_are_replaced_before_the_backend_macros() -> None:
    text = expand("$__from $__to ${__interval} $__interval_ms $__range_s", ctx(timedelta(minutes=1)))
    assert text == "1666333526000 1666506326000 1m 60000 172800"


def test_single_and_multi_value_variables_use_the_plugins_formatting() -> None:
    one = VariableValue(current="DE", options=["DE", "FR"])
    many = VariableValue(current=["DE", "FR"], options=["DE", "FR", "IT"])
    assert expand("c = '$country'", ctx(country=one)) == "c = 'DE'"
    assert expand("c IN ($country)", ctx(country=many)) == "c IN ('DE','FR')"
    assert expand("c IN (${country:singlequote})", ctx(country=many)) == "c IN ('DE','FR')"
    assert expand("c IN ([[country]])", ctx(country=many)) == "c IN ('DE','FR')"
    assert expand("c IN (${country:csv})", ctx(country=many)) == "c IN (DE,FR)"
    quoted = VariableValue(current=["O'Hare"], options=["O'Hare"])
    assert expand("${name:singlequote}", ctx(name=quoted)) == "'O\\'Hare'"
    assert expand("${name:sqlstring}", ctx(name=quoted)) == "'O''Hare'"


def test_all_expands_to_every_option_or_the_custom_all_value() -> None:
    every = VariableValue(current=ALL, options=["DE", "FR"])
    assert expand("c IN (${country:singlequote})", ctx(country=every)) == "c IN ('DE','FR')"
    custom = VariableValue(current=ALL, options=["DE", "FR"], all_value=".*")
    assert expand("match(c, '$country')", ctx(country=custom)) == "match(c, '.*')"


def test_conditional_all_drops_the_filter_for_all_and_keeps_it_otherwise() -> None:
    sql = "WHERE $__conditionalAll(country IN (${country:singlequote}), $country) AND x = 1"
    every = VariableValue(current=ALL, options=["DE", "FR"])
    assert expand(sql, ctx(country=every)) == "WHERE 1=1 AND x = 1"
    some = VariableValue(current=["FR"], options=["DE", "FR"])
    assert expand(sql, ctx(country=some)) == "WHERE country IN ('FR') AND x = 1"
    nested = "WHERE $__conditionalAll(lower(country) IN (lower('a'), 'b'), $country)"
    assert expand(nested, ctx(country=some)) == "WHERE lower(country) IN (lower('a'), 'b')"


def test_mistakes_are_errors_not_sent_to_the_database() -> None:
    with pytest.raises(MacroError, match="unknown macro \\$__timeFiltr"):
        expand("WHERE $__timeFiltr(ts)", ctx())
    with pytest.raises(MacroError, match="timeFilter expects 1 argument"):
        expand("WHERE $__timeFilter()", ctx())
    with pytest.raises(MacroError, match="undefined variable \\$country"):
        expand("WHERE c = '$country'", ctx())
    with pytest.raises(MacroError, match="unknown variable \\$currency"):
        expand("$__conditionalAll(c = 1, $currency)", ctx())
    with pytest.raises(MacroError, match="unclosed parenthesis"):
        expand("$__timeFilter(ts", ctx())


def test_auto_interval_rounds_like_grafana() -> None:
    day = TimeRange(START, START + timedelta(days=1))
    assert auto_interval(day, max_data_points=1440) == timedelta(minutes=1)
    assert auto_interval(TimeRange(START, START + timedelta(days=7)), max_data_points=300) == timedelta(
        minutes=30
    )
    assert interval_text(timedelta(minutes=30)) == "30m"
    assert interval_text(timedelta(milliseconds=500)) == "500ms"
    assert auto_interval(day, max_data_points=10, min_interval_s=7200) == timedelta(hours=2)


def test_time_range_needs_aware_ordered_bounds() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TimeRange(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError, match="ends before"):
        TimeRange(END, START)
