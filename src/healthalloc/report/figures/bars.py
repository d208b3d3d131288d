"""Bars: one value per unit (e.g. efficiency scores, centrality), optionally with intervals."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from healthalloc.report.figures.base import numeric, styled

__all__ = ["bars"]


@styled
def bars(
    values: pd.Series,
    *,
    low: pd.Series | None = None,
    high: pd.Series | None = None,
    reference: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Horizontal bars, one per index label, top to bottom in the order of ``values``.

    ``low`` and ``high`` (same index) draw an interval on each bar; ``reference`` a
    dashed vertical line (e.g. 1 for efficiency). The height grows with the number of bars.
    """
    v = numeric(values, "the bar values")
    labels = [str(i) for i in v.index][::-1]
    fig = Figure(figsize=(6, 0.25 * len(v) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(labels, v.to_numpy()[::-1], color="#3b6ea5")
    if low is not None and high is not None:
        lo, hi = low.reindex(v.index).to_numpy(float)[::-1], high.reindex(v.index).to_numpy(float)[::-1]
        ax.hlines(labels, lo, hi, color="0.2", linewidth=1.2)
    if reference is not None:
        ax.axvline(reference, color="0.45", linestyle="--", linewidth=0.9)
    ax.set(title=title or v.name, xlabel=xlabel or v.name)
    ax.tick_params(axis="y", labelsize=max(5, 9 - len(v) // 30))
    return fig
