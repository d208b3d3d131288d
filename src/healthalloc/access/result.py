"""The result of an accessibility analysis, and the equity of accessibility."""

from __future__ import annotations

import math
from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import xlogy

from healthalloc.access.decay import Decay
from healthalloc.equity import gini, theil
from healthalloc.report.tables import format_number
from healthalloc.result import Result

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["AccessResult", "access_equity", "access_regions"]

#: How the literature writes each method (figure titles).
METHOD_NAMES = {"2sfca": "2SFCA", "e2sfca": "E2SFCA", "3sfca": "3SFCA", "huff2sfca": "Huff-2SFCA", "m2sfca": "M2SFCA"}


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


def access_regions(access: np.ndarray, population: np.ndarray, region) -> tuple[dict[str, float], pd.DataFrame]:
    """Accessibility per region, and its population-weighted Theil T decomposed between and within regions.

    With ``aᵢ`` the accessibility (capacity per person) and ``pᵢ`` the population (persons) of
    demand point ``i``, ``P = Σ pᵢ``, ``ā = Σ pᵢ aᵢ / P`` and, per region ``g``, ``P_g`` and ``ā_g``
    the same over its points (``0 ln 0 = 0``; Theil 1967, decomposition Shorrocks 1980)::

        T       = Σᵢ (pᵢ/P)(aᵢ/ā) ln(aᵢ/ā)
        between = Σ_g (P_g/P)(ā_g/ā) ln(ā_g/ā)
        within  = Σ_g (P_g/P)(ā_g/ā) T_g,   T = between + within.

    Returns
    -------
    dict
        ``theil_t``, ``theil_between``, ``theil_within``: NaN when nobody has any
        accessibility (``ā = 0``) or nobody lives at the points.
    DataFrame
        One row per region (sorted): ``region``, ``population``, ``mean_access``
        (population-weighted) and ``gini`` (population-weighted, as :func:`access_equity`),
        ``n_points``, ``population_share`` (``P_g/P``), ``access_share`` (``P_g ā_g / P ā``, the
        region's share of the capacity reached and its weight in ``within``) and ``theil_t``
        (``T_g``; NaN where ``ā_g = 0``).
    """
    a, p = np.asarray(access, float), np.asarray(population, float)
    codes, labels = pd.factorize(pd.Series(region), sort=True)
    n = len(labels)
    P_g, A_g = np.bincount(codes, p, n), np.bincount(codes, p * a, n)  # persons, capacity reached
    P, A = P_g.sum(), A_g.sum()
    mean_g = np.divide(A_g, P_g, out=np.full(n, math.nan), where=P_g > 0)
    table = pd.DataFrame({"region": labels, "population": P_g, "mean_access": mean_g,
                          "gini": _gini(a, p, codes, P_g, A_g), "n_points": np.bincount(codes, minlength=n),
                          "population_share": P_g / P if P > 0 else math.nan,
                          "access_share": A_g / A if A > 0 else math.nan, "theil_t": math.nan})
    out = dict.fromkeys(("theil_t", "theil_between", "theil_within"), math.nan)
    if not (P > 0 and A > 0):
        return out, table
    mean, mean_g = A / P, np.nan_to_num(mean_g)
    y, Y_g = p * a / A, A_g / A  # (pᵢ/P)(aᵢ/ā) and (P_g/P)(ā_g/ā)
    reached = A_g > 0
    own = np.divide(a, mean_g[codes], out=np.ones_like(a), where=reached[codes])  # aᵢ/ā_g
    T_g = np.bincount(codes, xlogy(y, own), n)[reached] / Y_g[reached]
    table.loc[reached, "theil_t"] = T_g
    out["theil_t"] = float(xlogy(y, a / mean).sum())
    out["theil_between"] = float(xlogy(Y_g, mean_g / mean).sum())
    out["theil_within"] = float(Y_g[reached] @ T_g)
    return out, table


def _gini(a: np.ndarray, p: np.ndarray, codes: np.ndarray, P_g: np.ndarray, A_g: np.ndarray) -> np.ndarray:
    """Population-weighted Gini of ``a`` per group, by Brown's formula as :func:`healthalloc.equity.gini`:
    ``G = 1 − Σᵢ (Xᵢ − Xᵢ₋₁)(Yᵢ + Yᵢ₋₁)`` over each group's points sorted by ``a`` (NaN where
    nobody lives or nobody reaches any capacity)."""
    order = np.lexsort((a, codes))
    g, pop, reached = codes[order], p[order], (p * a)[order]
    ok = A_g[g] > 0
    x = np.divide(pop, P_g[g], out=np.zeros_like(pop), where=ok)
    y = np.divide(reached, A_g[g], out=np.zeros_like(pop), where=ok)
    Y = pd.Series(y).groupby(g).cumsum().to_numpy()  # cumulative share of the capacity reached
    return np.where(A_g > 0, 1 - np.bincount(g, x * (2 * Y - y), len(P_g)), math.nan)


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
        reach), ``region`` (with regions) and, with coordinates, ``lon``, ``lat``.
    sites : DataFrame
        One row per site: ``id``, ``tier``, ``capacity``, ``ratio`` (``Rⱼ``, capacity per
        person of its catchment), ``demand_potential`` (``Dⱼ``), ``n_demand`` (populated
        demand points in reach), ``lon``, ``lat``.
    tier : str or None
        The tier column.
    region : str or None
        The demand column of regions (``points`` then has a ``region`` column): see
        :meth:`regions`.
    """

    method: str
    decay: Decay | dict
    points: pd.DataFrame
    sites: pd.DataFrame
    tier: str | None = None
    region: str | None = None

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
        (share) and ``idle_sites``; with regions ``theil_between`` and ``theil_within``
        (:func:`access_regions`, which also gives ``theil_t``).
        """
        rows = []
        for label, part in self._tiers():
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
            if self.region:
                row |= access_regions(part["access"], pop, part["region"])[0]
            rows.append(row)
        return pd.DataFrame(rows)

    def regions(self) -> pd.DataFrame:
        """One row per region (per region and tier with tiers, ``tier`` last): ``region``,
        ``population``, ``mean_access``, ``gini`` and the rest of :func:`access_regions`."""
        if not self.region:
            raise ValueError("no regions: give region= (the demand column of regions)")
        tables = [access_regions(part["access"], part["population"], part["region"])[1].assign(
            **({"tier": label} if self.tier else {})) for label, part in self._tiers()]
        return pd.concat(tables, ignore_index=True)

    def _tiers(self):
        """``(tier, its demand points)``; ``(None, all points)`` without tiers."""
        return self.points.groupby("tier", sort=False) if self.tier else [(None, self.points)]

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
        from healthalloc.report.figures import access_map

        return access_map(points, sites, title=title or f"Accessibility ({METHOD_NAMES.get(self.method, self.method)})"
                          + (f", {tier}" if self.tier else ""))

    def reading(self) -> str:
        """Demand points, the equity of accessibility and the population without a site in reach
        (of the first tier)."""
        row = self.summary().iloc[0]
        equity = ("nobody has a site in reach, so accessibility is 0 everywhere and its inequality undefined"
                  if not row["mean"] > 0 else
                  f"population-weighted mean accessibility {format_number(row['mean'], 'coefficient')} per person, "
                  f"Gini {format_number(row['gini'])}, "
                  f"{row['share_below']:.0%} of the population below the mean")
        regions = (f" Theil T {format_number(row['theil_t'])}: {row['theil_between'] / row['theil_t']:.0%} of it "
                   f"between regions, {row['theil_within'] / row['theil_t']:.0%} within them."
                   if self.region and row["theil_t"] > 0 else "")
        return (f"Over {row['demand_points']:,} demand points: {equity}; "
                f"{row['unreachable_population']:.1%} of the population has no site in reach.{regions}")

    def figures(self) -> dict:
        """The map (:meth:`plot`), when the demand points have coordinates."""
        return {"map": ("Accessibility of the demand points; triangles: sites (size: capacity).", self.plot)
                } if "lon" in self.points else {}

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``access`` (:meth:`to_frame`), ``sites``, ``summary`` and, with regions, ``regions``
        of :meth:`to_excel`."""
        out = {"access": self.to_frame(), "sites": self.sites, "summary": self.summary()}
        return out | {"regions": self.regions()} if self.region else out
