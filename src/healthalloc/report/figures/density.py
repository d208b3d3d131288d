"""Kernel density ridges: how the distribution of a value (e.g. efficiency) evolves over periods."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from scipy.stats import gaussian_kde

from healthalloc.data.messages import listing
from healthalloc.data.validate import DataError, check_columns
from healthalloc.report.figures.base import numeric, one_axes, styled
from healthalloc.spatial.density import reflected

__all__ = ["GRID_SIZE", "density_ridges"]

GRID_SIZE = 256
"""Points of the shared grid the densities are evaluated on."""


@styled
def density_ridges(
    frame: pd.DataFrame,
    value: str,
    by: str,
    *,
    bandwidth: str | float = "scott",
    limits: tuple[float, float] | None = None,
    bounds: tuple[float, float] | None = None,
    overlap: float = 0.6,
    title: str | None = None,
    xlabel: str | None = None,
    cmap: str | Colormap = "viridis",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Gaussian kernel densities of ``value``, one ridge per period, offset vertically.

    Parameters
    ----------
    frame : DataFrame
        Long table; rows with a missing ``value`` are left out.
    value : str
        Column whose distribution is drawn (e.g. ``"efficiency"``).
    by : str
        Column of the periods: one ridge each, the first at the bottom.
    bandwidth : str or float
        ``bw_method`` of :class:`scipy.stats.gaussian_kde` (``"scott"``, ``"silverman"``
        or a factor), per period.
    limits : (float, float), optional
        Range of the shared grid, e.g. ``(0, 1)`` for efficiency scores; default: the
        data's range widened by three of the largest kernel's standard deviations
        (within ``bounds``).
    bounds : (float, float), optional
        Bounds of the value, e.g. ``(0, 1)`` for efficiency scores: the kernels are
        reflected at them and the density is 0 beyond
        (:func:`healthalloc.spatial.density.reflected`).
    overlap : float
        How far the tallest ridge reaches into the rows above, in row heights.
    title, xlabel : str, optional
        Texts of the figure; ``xlabel`` defaults to ``value`` (give its unit here).
    cmap : str or Colormap
        Colours of the ridges, first period to last.
    figsize : (float, float), optional
        Figure size in inches.

    Returns
    -------
    Figure
        One axes: per period a filled ridge (``fill_between``) and its outline, all on
        one density scale, y ticks labelled by period.

    Raises
    ------
    UnknownNameError
        Unknown columns.
    DataError
        Non-numeric values, or a period with fewer than two distinct values.
    """
    check_columns(frame, [value, by])
    values = numeric(frame[value], f"column {value!r}")
    data = pd.DataFrame({"period": frame[by].to_numpy(), "value": values.to_numpy()}).dropna()
    samples = {period: part["value"].to_numpy() for period, part in data.groupby("period", sort=True)}
    if not samples:
        raise DataError(f"column {value!r} has no values")
    thin = [str(period) for period, v in samples.items() if len(np.unique(v)) < 2]
    if thin:
        raise DataError(f"a kernel density needs at least two distinct values per period; {by} "
                        f"{listing(thin)} {'has' if len(thin) == 1 else 'have'} fewer")
    kdes = {period: gaussian_kde(v, bw_method=bandwidth) for period, v in samples.items()}
    if limits is None:
        spread = 3 * max(float(np.sqrt(kde.covariance[0, 0])) for kde in kdes.values())
        limits = (data["value"].min() - spread, data["value"].max() + spread)
        if bounds is not None:
            limits = (max(limits[0], bounds[0]), min(limits[1], bounds[1]))
    grid = np.linspace(*limits, GRID_SIZE)
    densities = {period: reflected(kde, grid, bounds) for period, kde in kdes.items()}
    scale = (1 + overlap) / max(d.max() for d in densities.values())
    n = len(densities)
    colours = mpl.colormaps.get_cmap(cmap)(np.linspace(0.15, 0.85, n))
    fig, ax = one_axes(figsize or (6.4, 1.2 + 0.55 * (n + overlap)))
    for i, ((period, density), colour) in enumerate(zip(densities.items(), colours)):
        top = i + density * scale
        ax.fill_between(grid, i, top, color=colour, alpha=0.85, linewidth=0, zorder=2 * (n - i))
        ax.plot(grid, top, color="0.15", linewidth=0.8, zorder=2 * (n - i) + 1)
    ax.set_yticks(range(n), [str(period) for period in densities])
    ax.set_xlim(*limits)
    ax.set_ylim(-0.1, n + overlap)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.set(title=title or f"Kernel density of {value} by {by}", xlabel=xlabel or value, ylabel=by)
    return fig
