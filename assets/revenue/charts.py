"""Small charts for asset metadata: a PNG inlined in markdown, which the Dagster UI renders in place."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from datetime import date


def bar_chart_markdown(
    title: str,
    days: Sequence[date],
    series: Mapping[str, Sequence[float]],
    ylabel: str,
    width_in: float = 7.0,
) -> str:
    """A stacked daily bar chart as a markdown image (base64 PNG), with the title as alt text."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, 2.6), dpi=90)
    try:
        bottom = [0.0] * len(days)
        for name, values in series.items():
            ax.bar(days, values, bottom=bottom, label=name, width=0.8)  # type: ignore[arg-type]
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        if len(series) > 1:
            ax.legend(fontsize=7, loc="upper left", ncols=min(len(series), 4))
        fig.autofmt_xdate()
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f"![{title}](data:image/png;base64,{encoded})"
