"""Bars: one value (or a few, side by side) per unit, e.g. efficiency scores or capacity before/after."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from healthalloc.report.figures.base import REFERENCE_STYLE, colours, legend_below, numeric, one_axes, styled, thousands

__all__ = ["bars"]


@styled
def bars(
    values: pd.Series | pd.DataFrame,
    *,
    low: pd.Series | None = None,
    high: pd.Series | None = None,
    reference: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Horizontal bars, one row per index label, top to bottom in the order of ``values``.

    A DataFrame draws one bar per column side by side, with a legend. ``low`` and
    ``high`` (same index) draw an interval on each bar of a Series; ``reference`` a
    dashed vertical line (e.g. 1 for efficiency). The height grows with the number of rows.
    """
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    labels = [str(i) for i in frame.index][::-1]
    rows = np.arange(len(frame))
    height = 0.8 / frame.shape[1]
    fig, ax = one_axes((6, 0.25 * len(frame) * max(1, frame.shape[1] / 1.5) + 1.4))
    for k, (column, colour) in enumerate(zip(frame.columns, colours(frame.shape[1]))):
        v = numeric(frame[column], f"column {column!r}").to_numpy()[::-1]
        ax.barh(rows + (frame.shape[1] - 1 - 2 * k) * height / 2, v, height=height, color=colour, label=str(column))
    if low is not None and high is not None:
        ax.hlines(rows, low.reindex(frame.index).to_numpy(float)[::-1],
                  high.reindex(frame.index).to_numpy(float)[::-1], color="0.2", linewidth=1.2)
    if reference is not None:
        ax.axvline(reference, **REFERENCE_STYLE)
    ax.set_yticks(rows, labels)
    ax.set_ylim(-0.6, len(frame) - 0.4)  # no empty rows above and below the bars
    name = str(frame.columns[0]) if frame.shape[1] == 1 else None
    ax.set(title=title or name, xlabel=xlabel or name)
    ax.tick_params(axis="y", labelsize=max(5, 9 - len(frame) // 30))
    thousands(ax.xaxis)
    if frame.shape[1] > 1:
        legend_below(ax)
    return fig
