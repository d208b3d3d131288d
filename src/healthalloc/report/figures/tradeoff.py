"""Trade-off curve: what a location model achieves against the number of sites or the budget."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from healthalloc.report.figures.base import colours, numeric, one_axes, styled, thousands

__all__ = ["tradeoff_curve"]


@styled
def tradeoff_curve(
    table: pd.DataFrame,
    *,
    x: str = "p",
    y: str = "objective",
    share: bool = False,
    title: str = "Trade-off",
    xlabel: str | None = None,
    ylabel: str | None = None,
    figsize: tuple[float, float] = (5.4, 3.8),
) -> Figure:
    """``y`` against ``x`` as a line with a marker per solve, e.g. coverage against ``p`` or the
    budget (:class:`healthalloc.optimize.TradeoffResult`'s table); ``share`` shows ``y`` (0–1)
    in percent."""
    data = pd.DataFrame({x: numeric(table[x], f"column {x!r}"), y: numeric(table[y], f"column {y!r}")}).sort_values(x)
    fig, ax = one_axes(figsize)
    ax.plot(data[x], data[y], marker="o", color=colours(1)[0])
    if share:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(title=title, xlabel=xlabel or ("new sites (p)" if x == "p" else x), ylabel=ylabel or y)
    thousands(ax.xaxis)  # a budget of 4,000,000, not 4.0 under "1e6"
    thousands(ax.yaxis)
    return fig
