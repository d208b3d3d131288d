"""Dot-and-whisker plots: an estimate and its interval per unit, sorted, e.g. bootstrapped
DEA efficiency with its confidence interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from healthalloc.report.figures.base import REFERENCE_STYLE, colours, numeric, one_axes, styled

__all__ = ["dot_whisker"]


@styled
def dot_whisker(estimate: pd.Series, low: pd.Series, high: pd.Series, *, original: pd.Series | None = None,
                reference: float | None = None, title: str | None = None, xlabel: str | None = None,
                labels: tuple[str, str, str] = ("estimate", "interval", "original")) -> Figure:
    """One row per unit, sorted by ``estimate`` (highest at the top): a dot at the estimate,
    a whisker from ``low`` to ``high``, and, with ``original``, a hollow ring at it.

    ``low``, ``high`` and ``original`` share ``estimate``'s index; ``reference`` draws a
    dashed vertical line (1 for efficiency); ``labels`` name the three in the legend.

    Returns
    -------
    Figure
        One axes: the whiskers as one LineCollection (gid ``"interval"``, one segment per
        unit from the bottom row up), the dots (gid ``"estimate"``) and rings (gid
        ``"original"``); y ticks labelled by unit.
    """
    order = numeric(estimate, "estimate").sort_values(kind="stable").index
    rows = np.arange(len(order))
    lo, hi = (numeric(s, name).reindex(order).to_numpy() for s, name in ((low, "low"), (high, "high")))
    fig, ax = one_axes((6, 0.22 * len(order) + 1.5))
    dot, ring = colours(2)
    whiskers = ax.hlines(rows, lo, hi, color="0.35", linewidth=1.2, label=labels[1])
    whiskers.set_gid("interval")
    if original is not None:
        ax.scatter(numeric(original, "original").reindex(order), rows, s=22, facecolors="none", edgecolors=ring,
                   linewidths=1.0, zorder=3, label=labels[2]).set_gid("original")
    ax.scatter(estimate.reindex(order), rows, s=18, color=dot, zorder=4, label=labels[0]).set_gid("estimate")
    if reference is not None:
        ax.axvline(reference, **REFERENCE_STYLE)
    ax.set_yticks(rows, [str(u) for u in order])
    ax.tick_params(axis="y", labelsize=max(5, 9 - len(order) // 30))
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.set(title=title, xlabel=xlabel)
    ax.legend(loc="lower right", frameon=False)
    return fig
