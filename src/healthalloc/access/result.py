"""The result of an accessibility analysis, and the equity of accessibility."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from healthalloc.access.decay import Decay
from healthalloc.equity import gini, theil
from healthalloc.report.figures.base import one_axes, styled
from healthalloc.report.geo import Albers, shapes
from healthalloc.result import Result

__all__ = ["AccessResult", "access_equity", "access_map"]

_ALBERS = Albers(105.0, 25.0, 47.0)  # the projection of the province maps


def access_equity(access: np.ndarray, population: np.ndarray, threshold: float | None = None) -> dict[str, float]:
    """Population-weighted equity of accessibility (through :mod:`healthalloc.equity`).

    Parameters
    ----------
    access : array
        ``Aᵢ`` per demand point (capacity per person).
    population : array
        ``Pᵢ`` (persons); points without population are left out.
    threshold : float, optional
        Accessibility below which a person counts as under-served (default: the
        population-weighted mean).

    Returns
    -------
    dict
        ``mean`` (population-weighted), ``gini`` (population-weighted Gini of ``A``, i.e.
        of the capacity reached by each person), ``theil_l`` (GE(0), the mean log
        deviation, over the persons with ``A > 0``: it is infinite at ``A = 0``),
        ``theil_l_population`` (the share of the population ``theil_l`` covers: 1 unless
        some have no site in reach or only sites without capacity), ``theil_t`` (GE(1),
        everyone), ``threshold`` and ``share_below`` (share of the population with
        ``A < threshold``). Gini and Theil are NaN when nobody has any accessibility, and
        every figure when nobody lives at the points.
    """
    access, population = np.asarray(access, float), np.asarray(population, float)
    keep = population > 0
    a, p = access[keep], population[keep]
    total = p.sum()
    mean = float(a @ p / total) if total > 0 else math.nan
    threshold = mean if threshold is None else float(threshold)
    reached = a * p > 0  # A > 0 (and no underflow of the capacity reached)
    out = {"mean": mean, "gini": math.nan, "theil_l": math.nan,
           "theil_l_population": float(p[reached].sum() / total) if total > 0 else math.nan, "theil_t": math.nan,
           "threshold": threshold, "share_below": float(p[a < threshold].sum() / total) if total > 0 else math.nan}
    if not reached.any():
        return out
    frame = pd.DataFrame({"reached": a * p, "population": p})
    out["gini"] = float(gini(frame, "reached", "population")["gini"].iloc[0])
    indices = theil(frame[reached], "reached", "population").iloc[0]
    # GE(1) of everyone from that of the persons with A > 0: T = T_reached − ln(their population share)
    out["theil_l"], out["theil_t"] = float(indices["theil_l"]), float(indices["theil_t"]) - math.log(
        out["theil_l_population"])
    return out


@dataclass(frozen=True)
class AccessResult(Result):
    """Accessibility of every demand point, and what each site offers.

    Attributes
    ----------
    method : str
        ``2sfca``, ``e2sfca``, ``3sfca`` or ``huff2sfca``.
    decay : Decay or dict
        The distance decay (per tier with tiers).
    points : DataFrame
        One row per demand point (and tier): ``id``, ``tier`` (with tiers),
        ``population``, ``access`` (``Aᵢ``, capacity per person), ``n_sites`` (sites in
        reach) and, with coordinates, ``lon``, ``lat``.
    sites : DataFrame
        One row per site: ``id``, ``tier``, ``capacity``, ``ratio`` (``Rⱼ``, capacity per
        person of its catchment), ``demand_potential`` (``Dⱼ``), ``n_demand`` (populated
        demand points in reach), ``lon``, ``lat``.
    tier : str or None
        The tier column.
    """

    method: str
    decay: Decay | dict
    points: pd.DataFrame
    sites: pd.DataFrame
    tier: str | None = None

    @property
    def access(self) -> pd.Series:
        """``Aᵢ`` indexed by id (by tier and id with tiers)."""
        keys = ["tier", "id"] if self.tier else "id"
        return self.points.set_index(keys)["access"]

    @property
    def unreachable(self) -> pd.Index:
        """Ids of demand points with no site in reach (accessibility 0)."""
        return pd.Index(self.points.loc[self.points["n_sites"] == 0, "id"])

    @property
    def idle_sites(self) -> pd.Index:
        """Ids of sites with no demand in reach."""
        return pd.Index(self.sites.loc[self.sites["n_demand"] == 0, "id"])

    def to_frame(self) -> pd.DataFrame:
        """One row per demand point: ``id``, (``tier``), ``access``, ``population``, ``n_sites``."""
        first = ["id", "tier", "access"] if self.tier else ["id", "access"]
        return self.points[first + ["population", "n_sites"]].copy()

    def summary(self, threshold: float | None = None) -> pd.DataFrame:
        """One row per tier (one row without tiers): the settings and the equity of accessibility.

        Columns ``method``, ``decay``, ``demand_points``, ``population``, ``sites``,
        ``capacity``, ``pairs`` (pairs in reach), the :func:`access_equity` figures
        (``theil_l`` over the population with accessibility > 0, the share
        ``theil_l_population``), ``unreachable_points``, ``unreachable_population``
        (share) and ``idle_sites``.
        """
        rows = []
        groups = self.points.groupby("tier", sort=False) if self.tier else [(None, self.points)]
        for label, part in groups:
            sites = self.sites[self.sites["tier"] == label] if self.tier else self.sites
            decay = self.decay[label] if self.tier else self.decay
            pop = part["population"].to_numpy()
            lost = part["n_sites"].to_numpy() == 0
            row = {"tier": label} if self.tier else {}
            row |= {"method": self.method, "decay": decay.describe(), "demand_points": len(part),
                    "population": pop.sum(), "sites": len(sites), "capacity": sites["capacity"].sum(),
                    "pairs": int(part["n_sites"].sum())}
            row |= access_equity(part["access"].to_numpy(), pop, threshold)
            row |= {"unreachable_points": int(lost.sum()),
                    "unreachable_population": pop[lost].sum() / pop.sum() if pop.sum() else math.nan,
                    "idle_sites": int((sites["n_demand"] == 0).sum())}
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self, tier=None, *, title: str | None = None) -> Figure:
        """Map of accessibility (demand points coloured by ``Aᵢ``, sites as triangles).

        Needs coordinates; ``tier`` picks one tier (default: the first).
        """
        points, sites = self.points, self.sites
        if self.tier:
            tier = points["tier"].iloc[0] if tier is None else tier
            points, sites = points[points["tier"] == tier], sites[sites["tier"] == tier]
        if "lon" not in points:
            raise ValueError("the map needs coordinates; with an od table there are none")
        return access_map(points, sites, title=title or f"Accessibility ({self.method})"
                          + (f", {tier}" if self.tier else ""))

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``access`` (:meth:`to_frame`), ``sites`` and ``summary`` of :meth:`to_excel`."""
        return {"access": self.to_frame(), "sites": self.sites, "summary": self.summary()}


@styled
def access_map(points: pd.DataFrame, sites: pd.DataFrame, *, value: str = "access", title: str | None = None,
               label: str = "accessibility (capacity per person)", cmap: str = "viridis") -> Figure:
    """Demand points coloured by ``value`` over province outlines, sites as grey triangles.

    ``points`` and ``sites`` need ``lon``, ``lat`` (degrees); point sizes follow
    population, triangle sizes capacity (when those columns are there). The colour scale
    ends at the 98th percentile of ``value`` (higher values in the top colour). Coordinates
    are projected like the province maps (Albers equal-area, 25° N / 47° N, 105° E).
    """
    geo = shapes("provinces")
    xy = _ALBERS(points["lon"].to_numpy(), points["lat"].to_numpy())
    fig, ax = one_axes((7.5, 6))
    ax.add_collection(PathCollection(list(geo.paths), facecolors="#f4f4f4", edgecolors="#9a9a9a",
                                     linewidths=0.4), autolim=False)
    values = points[value].to_numpy(float)
    top = float(np.nanpercentile(values, 98)) if len(values) else 1.0
    top = top if top > np.nanmin(values) else float(np.nanmax(values))  # a few outliers do not take the scale
    if len(sites):
        sxy = _ALBERS(sites["lon"].to_numpy(), sites["lat"].to_numpy())
        ax.scatter(sxy[:, 0], sxy[:, 1], marker="^", s=_sizes(sites.get("capacity"), 4, 30), c="black",
                   alpha=0.6, linewidths=0, zorder=2, label="sites")
        ax.legend(loc="lower left", frameon=False)
    dots = ax.scatter(xy[:, 0], xy[:, 1], c=values, s=_sizes(points.get("population"), 2, 40), cmap=cmap,
                      vmin=min(0.0, float(np.nanmin(values))), vmax=top, linewidths=0, zorder=3)
    fig.colorbar(dots, ax=ax, shrink=0.6, aspect=25, label=label, extend="max" if top < np.nanmax(values) else "neither")
    if len(sites):
        xy = np.vstack([xy, sxy])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = 0.05 * max(hi - lo) + 10
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title or label)
    return fig


def _sizes(values: pd.Series | None, smallest: float, largest: float) -> np.ndarray | float:
    """Marker areas growing with the square root of ``values``."""
    if values is None or not len(values) or values.max() <= 0:
        return smallest
    root = np.sqrt(values.to_numpy(float) / values.max())
    return smallest + (largest - smallest) * root
