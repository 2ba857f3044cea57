"""Draws one panel's result as a PNG with matplotlib, the way its Grafana visualization shows it."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from dashboards.runner import PanelResult, kind_of
from dashboards.spec import PanelSpec

WIDTH_IN = 9.0
HEIGHT_IN = 3.4
DPI = 100


def _number(value: Any) -> float:
    if value is None:
        return float("nan")
    return float(value)  # drawing only: amounts stay Decimal in the data and the HTML tables


def _series(result: PanelResult) -> tuple[list[datetime], dict[str, list[float]]]:
    """Time series in Grafana's two shapes: wide (time, a, b, ...) or long (time, label, value)."""
    kinds = [kind_of(t) for t in result.types]
    labels = [i for i, k in enumerate(kinds) if k == "string"]
    values = [i for i, k in enumerate(kinds) if k == "number"]
    if labels:
        label_at = labels[0]
        times = sorted({row[0] for row in result.rows})
        where = {t: i for i, t in enumerate(times)}
        series: dict[str, list[float]] = defaultdict(lambda: [float("nan")] * len(times))
        for row in result.rows:
            for v in values:
                name = str(row[label_at]) if len(values) == 1 else f"{row[label_at]} {result.columns[v]}"
                series[name][where[row[0]]] = _number(row[v])
        return times, dict(series)
    times = [row[0] for row in result.rows]
    return times, {result.columns[v]: [_number(row[v]) for row in result.rows] for v in values}


def unit_label(unit: str | None) -> str:
    if unit is None:
        return ""
    if unit.startswith("currency"):
        return unit.removeprefix("currency")
    return {"percentunit": "share", "s": "seconds", "h": "hours", "ops": "per second"}.get(unit, unit)


def draw(panel: PanelSpec, result: PanelResult, path: Path) -> Path | None:
    """Write the panel as a PNG at `path`; None for panels shown as HTML (stat, table) or empty ones."""
    if panel.viz in ("stat", "table") or not result.rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    try:
        if panel.viz == "timeseries":
            times, series = _series(result)
            for name, points in series.items():
                marker = "o" if len(times) < 3 else None
                ax.plot(times, points, label=name, linewidth=1.4, marker=marker)  # type: ignore[arg-type]
            if len(series) > 1:
                ax.legend(fontsize=8, loc="best", ncols=min(len(series), 4))
            fig.autofmt_xdate()
        elif panel.viz == "barchart":
            names = [str(row[0]) for row in result.rows][::-1]
            numeric = [i for i, t in enumerate(result.types) if kind_of(t) == "number"]
            height = 0.8 / max(len(numeric), 1)
            for n, index in enumerate(numeric):
                offsets = [i + n * height for i in range(len(names))]
                ax.barh(offsets, [_number(row[index]) for row in result.rows][::-1], height=height,
                        label=result.columns[index])  # fmt: skip
            ax.set_yticks([i + height * (len(numeric) - 1) / 2 for i in range(len(names))], names, fontsize=8)
            if len(numeric) > 1:
                ax.legend(fontsize=8)
        elif panel.viz == "piechart":
            names = [str(row[0]) for row in result.rows]
            ax.pie([_number(row[1]) for row in result.rows], labels=names, autopct="%1.0f%%",
                   wedgeprops={"width": 0.45}, textprops={"fontsize": 8})  # fmt: skip
            ax.axis("equal")
        ax.set_title(panel.title, fontsize=11, loc="left")
        if panel.viz != "piechart":
            from matplotlib.ticker import FuncFormatter

            plain = FuncFormatter(
                lambda x, _: f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}".rstrip("0").rstrip(".")
            )
            (ax.xaxis if panel.viz == "barchart" else ax.yaxis).set_major_formatter(plain)
            label = unit_label(panel.unit)
            if label:
                (ax.set_xlabel if panel.viz == "barchart" else ax.set_ylabel)(label, fontsize=8)
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path


def format_value(value: Any, unit: str | None = None) -> str:
    """A cell or stat as Grafana would print it: money with 2 decimals, shares in %, no float noise."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal | float) and unit == "percentunit":
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, Decimal):
        text = f"{value.quantize(Decimal('0.01')):,}"
        return f"{text} {unit_label(unit)}".strip() if unit and unit.startswith("currency") else text
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value == value else "-"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
