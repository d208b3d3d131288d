"""Curves: Lorenz curves with the line of equality, and trend lines of indices over periods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from healthalloc.data.validate import DataError, check_columns
from healthalloc.report.figures.base import (REFERENCE_STYLE, check_unique, colours, legend_below, numeric, one_axes,
                                             styled, thousands)

__all__ = ["lorenz_curves", "trend_lines"]

_TOLERANCE = 1e-6  # on shares: how far from [0, 1] and from the end point (1, 1)


def _groups(frame: pd.DataFrame, by: str | None) -> list[tuple[object, pd.DataFrame]]:
    return [(None, frame)] if by is None else list(frame.groupby(by, sort=True))


def _curve(group: object, part: pd.DataFrame, x: str, y: str) -> np.ndarray:
    """The (n, 2) points of one Lorenz curve in order from (0, 0) to (1, 1)."""
    where = "" if group is None else f" for {group}"
    xy = np.column_stack([numeric(part[x], f"column {x!r}"), numeric(part[y], f"column {y!r}")])
    if np.isnan(xy).any():
        raise DataError(f"Lorenz points{where} have missing shares")
    if (xy < -_TOLERANCE).any() or (xy > 1 + _TOLERANCE).any():
        raise DataError(f"Lorenz points{where} must be cumulative shares in [0, 1]")
    xy = xy[np.lexsort((xy[:, 1], xy[:, 0]))]
    if np.abs(xy[-1] - 1).max() > _TOLERANCE:
        raise DataError(
            f"the Lorenz curve{where} ends at ({xy[-1, 0]:.4g}, {xy[-1, 1]:.4g}), not (1, 1); "
            "pass cumulative shares"
        )
    return xy if np.abs(xy[0]).max() <= _TOLERANCE else np.vstack([[0.0, 0.0], xy])


@styled
def lorenz_curves(
    points: pd.DataFrame,
    *,
    x: str = "cumulative_weight",
    y: str = "cumulative_resource",
    by: str | None = None,
    gini: float | Mapping | pd.Series | None = None,
    title: str = "Lorenz curves",
    xlabel: str = "cumulative share of population",
    ylabel: str = "cumulative share of resource",
    figsize: tuple[float, float] = (5.4, 5.2),
) -> Figure:
    """Lorenz curves, one per period (or per resource), below the line of equality.

    Parameters
    ----------
    points : DataFrame
        Cumulative shares, e.g. :func:`healthalloc.equity.lorenz`'s table; the origin
        (0, 0) is added when absent, and each curve must end at (1, 1).
    x, y : str
        Columns of the cumulative population (or area) share and resource share.
    by : str, optional
        Column naming the curves (period or resource); one curve when None.
    gini : float, Mapping or Series, optional
        Gini coefficient(s) shown in the legend: one number, or one per value of ``by``.
    title, xlabel, ylabel : str
        Texts of the figure.
    figsize : (float, float)
        Figure size in inches.

    Returns
    -------
    Figure
        One axes: the equality line first, then one line per curve from (0, 0) to (1, 1).

    Raises
    ------
    UnknownNameError
        Unknown columns.
    DataError
        Shares outside [0, 1], missing, or a curve that does not end at (1, 1).
    """
    check_columns(points, [x, y] + ([by] if by is not None else []))
    groups = _groups(points, by)
    fig, ax = one_axes(figsize)
    ax.plot([0, 1], [0, 1], label="line of equality", **REFERENCE_STYLE)
    for (group, part), colour in zip(groups, colours(len(groups))):
        xy = _curve(group, part, x, y)
        label = "Lorenz curve" if group is None else str(group)
        value = gini if gini is None or np.isscalar(gini) else gini.get(group)
        if value is not None:
            label += f" (G = {value:.3f})"
        ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=1.4, label=label)
    ax.set(xlim=(0, 1), ylim=(0, 1), title=title, xlabel=xlabel, ylabel=ylabel)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", frameon=False)
    return fig


@styled
def trend_lines(
    frame: pd.DataFrame,
    x: str,
    y: str | Sequence[str],
    group: str | None = None,
    *,
    reference: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    figsize: tuple[float, float] = (6.4, 4.2),
) -> Figure:
    """Lines of one or more indices over periods, per group.

    E.g. Malmquist ``tfpch``/``effch``/``techch`` means per transition with
    ``reference=1``, or mean efficiency per year by region.

    Parameters
    ----------
    frame : DataFrame
        One row per ``x`` (and ``group``); ``x`` may also be the index's name.
    x : str
        Column of the periods: numbers (years) on a numeric axis, text
        (``"2014→2015"``) in order of appearance.
    y : str or sequence of str
        Column(s) drawn as lines.
    group : str, optional
        Column splitting the rows into one line per group (and per ``y``).
    reference : float, optional
        Height of a dashed horizontal reference line (1 for indices of change).
    title, xlabel, ylabel : str, optional
        Texts of the figure; default to the column names (give units here).
    figsize : (float, float)
        Figure size in inches.

    Returns
    -------
    Figure
        One axes with a line (with markers) per group and ``y``, the reference line and,
        for several lines, a legend under the plot (it covers no line).

    Raises
    ------
    UnknownNameError
        Unknown columns.
    DataError
        Non-numeric ``y`` values, or several rows for one ``x`` in a group.
    """
    ys = [y] if isinstance(y, str) else list(y)
    if x not in frame.columns and x in frame.index.names:
        frame = frame.reset_index()
    keys = [x] if group is None else [group, x]
    check_columns(frame, [*keys, *ys])
    check_unique(frame, keys, "give one row per x and group (aggregate first, e.g. with groupby().mean())")
    numeric_x = pd.api.types.is_numeric_dtype(frame[x])
    if numeric_x:
        frame = frame.sort_values(x, kind="stable")  # the groups keep their order of appearance
    groups = [(None, frame)] if group is None else list(frame.groupby(group, sort=False))
    lines = [(g, part, column) for g, part in groups for column in ys]
    fig, ax = one_axes(figsize)
    if reference is not None:
        ax.axhline(reference, zorder=0, **REFERENCE_STYLE)
    for (g, part, column), colour in zip(lines, colours(len(lines))):
        label = column if g is None else str(g) if len(ys) == 1 else f"{g}: {column}"
        values = numeric(part.set_index(x)[column], f"column {column!r}")
        xs = values.index if numeric_x else values.index.astype(str)
        ax.plot(xs, values.to_numpy(), marker="o", markersize=4, linewidth=1.4, color=colour, label=label)
    if numeric_x and pd.api.types.is_integer_dtype(frame[x]):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    elif not numeric_x and frame[x].nunique() > 5:
        ax.tick_params(axis="x", labelrotation=30)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
    ax.set(title=title or f"{', '.join(ys)} by {x}", xlabel=xlabel or x,
           ylabel=ylabel or (ys[0] if len(ys) == 1 else "value"))
    thousands(ax.yaxis)
    if len(lines) > 1:
        legend_below(ax)
    return fig
