"""Facility location as exact MILPs through HiGHS: MCLP, p-median and LSCP.

Demand points ``i`` (population ``Pᵢ``), candidate sites ``j`` (``xⱼ ∈ {0, 1}``: open a
new facility) and existing sites (fixed open); costs ``dᵢⱼ`` (great-circle km or an OD
table); coverage ``aᵢⱼ = [dᵢⱼ ≤ r]``.

``mclp`` (maximal covering location; Church & ReVelle 1974)
    maximize ``Σᵢ Pᵢ yᵢ`` subject to ``yᵢ ≤ Σⱼ aᵢⱼ xⱼ``, ``Σⱼ xⱼ = p``, ``0 ≤ yᵢ ≤ 1``,
    over the demand not already covered by an existing site.
``pmedian`` (Hakimi 1964; ReVelle & Swain 1970)
    minimize ``Σᵢ Pᵢ Σⱼ dᵢⱼ zᵢⱼ`` subject to ``Σⱼ zᵢⱼ = 1``, ``zᵢⱼ ≤ xⱼ``, ``Σⱼ xⱼ = p`` (new
    sites), existing sites open; with a radius, no demand is assigned beyond it. Pairs
    farther than a demand point's nearest existing site are never used and are left out.
``lscp`` (location set covering; Toregas et al. 1971)
    minimize ``Σⱼ xⱼ`` subject to ``Σⱼ aᵢⱼ xⱼ ≥ 1`` for every populated demand point not
    covered by an existing site; one that no candidate covers is an error naming it.

The reported ``objective`` is the covered population (mclp), the population-weighted
total cost (pmedian, persons × km) or the number of new sites (lscp), recomputed from
the chosen sites; ``status`` and ``gap`` are HiGHS' (the time limit, 60 s by default, or
Ctrl-C may end the search with a feasible, unproven solution and a positive gap). Each
search starts from a greedy solution (sites added one at a time for the largest gain),
so there is always one to report.

Only pairs no farther than the demand point's nearest existing site are read into a model
(a farther site is never its nearest open one, and a point an existing site covers needs
no new one). The model is sized from them before it is built
(:func:`healthalloc.solver.check_size`): one too large for the memory is refused with its
size and what shrinks it.

References
----------
Church, R. & ReVelle, C. (1974). The maximal covering location problem. *Papers of the
Regional Science Association* 32, 101–118.
Hakimi, S. L. (1964). Optimum locations of switching centers and the absolute centers and
medians of a graph. *Operations Research* 12(3), 450–459.
ReVelle, C. & Swain, R. (1970). Central facilities location. *Geographical Analysis* 2(1), 30–42.
Toregas, C., Swain, R., ReVelle, C. & Bergman, L. (1971). The location of emergency
service facilities. *Operations Research* 19(6), 1363–1373.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from healthalloc.access import COLUMNS, Pairs, Points, costs, points
from healthalloc.data.messages import named, show
from healthalloc.data.validate import DataError
from healthalloc.params import Param, Params, declared
from healthalloc.report import figures as draw
from healthalloc.result import Result
from healthalloc.solver import (PROGRESS, TIME_LIMIT, MILPSolution, ModelSize, SolverError, check_size, memory_budget,
                               solve_milp)

__all__ = ["MODELS", "PARAMS", "LocationResult", "locate"]

MODELS = ("mclp", "pmedian", "lscp")
"""The location models."""

#: The parameters of :func:`locate`, from which ``healthalloc optimize location`` and the
#: study analysis ``location`` are generated.
PARAMS = Params(
    Param("model", "mclp", "location model: mclp, pmedian or lscp", choices=MODELS),
    Param("p", None, "new sites to open (mclp, pmedian: required; 0 only with existing sites)", kind=int, low=0,
          metavar="P"),
    Param("radius", None, "coverage radius in km or the OD cost unit (mclp, lscp: required; pmedian: the largest "
          "assignment cost, default none)", kind=(int, float), low=0, low_open=True, metavar="R"),
    Param("time_limit", TIME_LIMIT, "seconds for the solver, then (as on Ctrl-C) the best solution found, with its "
          "gap (library: None for no limit)", kind=(int, float), low=0, low_open=True, metavar="S"),
)

_HALF_EARTH_KM = 20_016.0  # farther than any two points on the globe
#: Demand–site pairs read at a time (one chunk of demand points) while a model's pairs are gathered.
CHUNK_PAIRS = 1 << 20
#: What makes a location model smaller, for the message refusing one too large.
SHRINK = ("a radius (radius=, --radius) keeps only the pairs within it; a subset of the candidates, fewer "
          "demand points (aggregated) or existing sites (--existing: pairs beyond a point's nearest one are "
          "dropped) remove variables. The time limit (time_limit=, --time-limit; default 60 s) bounds the "
          "search time, not the memory")


@dataclass(frozen=True)
class LocationResult(Result):
    """Chosen sites and what they achieve.

    Attributes
    ----------
    model : str
        ``mclp``, ``pmedian`` or ``lscp``.
    candidates : DataFrame
        One row per candidate: ``id``, ``selected`` (1/0), ``covered_population``
        (population within the radius of the site; pmedian without a radius: the population
        assigned to it, 0 where not selected).
    points : DataFrame
        One row per demand point: ``id``, ``population``, ``site`` (id of the nearest
        open site within reach, missing if none), ``cost`` to it and ``covered`` (1/0,
        within the radius).
    objective : float
        See the module docstring.
    covered_population, total_population : float
        Population within the radius of an open site (existing or new; pmedian without a
        radius: assigned to one), and in all.
    n_selected : int
        New sites opened.
    status : str
        HiGHS' model status (``Optimal``; ``Time limit reached`` or ``Interrupted by user``
        with the best solution found).
    gap : float
        Relative MIP gap (0 when proven optimal; infinite before HiGHS has a bound).
    p, radius : float or None
        The settings.
    n_existing : int
        Existing sites (open).
    seconds : float
        Wall time of the solve.
    """

    model: str
    candidates: pd.DataFrame
    points: pd.DataFrame
    objective: float
    covered_population: float
    total_population: float
    n_selected: int
    status: str
    gap: float
    p: int | None
    radius: float | None
    n_existing: int
    seconds: float

    @property
    def selected(self) -> pd.Index:
        """Ids of the chosen candidates."""
        return pd.Index(self.candidates.loc[self.candidates["selected"] == 1, "id"])

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate: ``id``, ``selected`` (1/0), ``covered_population``."""
        return self.candidates.copy()

    def summary_dict(self) -> dict:
        """The ``.summary.json`` of ``healthalloc optimize location``."""
        return {"model": self.model, "objective": self.objective, "covered_population": self.covered_population,
                "n_selected": self.n_selected, "status": self.status, "gap": self.gap,
                "total_population": self.total_population,
                "coverage": self.covered_population / self.total_population if self.total_population else math.nan,
                "p": self.p, "radius": self.radius, "n_existing": self.n_existing, "seconds": self.seconds}

    def summary(self) -> pd.DataFrame:
        """:meth:`summary_dict` as a one-row table."""
        return pd.DataFrame([self.summary_dict()])

    def plot(self):
        """The chosen sites as bars: the population of the demand points each one serves."""
        from healthalloc.report.figures.bars import bars

        served = self.points.groupby("site")["population"].sum().reindex(self.selected, fill_value=0)
        return bars(served.rename("population served").sort_values(ascending=False),
                    title=f"Chosen sites ({self.model}, {self.n_selected} new)")

    def reading(self) -> str:
        """New sites, the solver's status and gap, and the population covered."""
        s = self.summary_dict()
        gap = f"gap {s['gap']:.2%}" if math.isfinite(s["gap"]) else "no bound"  # stopped before HiGHS had a bound
        return (f"{s['n_selected']} new site(s) ({s['status']}, {gap}); "
                f"{s['coverage']:.1%} of the population within {self.radius or '—'} km of an open site.")

    def figures(self, demand: pd.DataFrame | None = None, candidates: pd.DataFrame | None = None) -> dict:
        """Given the ``demand`` and ``candidates`` tables (``id``, ``lon``, ``lat``), the map of
        covered demand and the selected sites."""
        if demand is None or candidates is None:
            return {}
        points = self.points.merge(demand[["id", "lon", "lat"]], on="id")
        chosen = candidates[candidates["id"].isin(self.selected)].assign(capacity=1.0)
        return {"map": ("Demand points covered by an open site; triangles: the selected new sites.",
                        lambda: draw.access_map(points, chosen, value="covered", label="covered (1) or not (0)",
                                                title="Selected sites and covered demand", cmap="RdYlBu"))}


@declared(PARAMS + Params(PROGRESS) + COLUMNS.without("capacity"),
          data=("demand", "candidates", "existing", "od"))
def locate(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    model: str = "mclp",
    p: int | None = None,
    radius: float | None = None,
    existing: pd.DataFrame | None = None,
    od: pd.DataFrame | None = None,
    time_limit: float | None = TIME_LIMIT,
    progress: bool | None = None,
    unit: str = "id",
    population: str = "population",
    lon: str = "lon",
    lat: str = "lat",
) -> LocationResult:
    """Choose sites for new facilities: MCLP, p-median or LSCP (see the module docstring).

    Parameters
    ----------
    demand : DataFrame
        ``id``, ``population`` (≥ 0, not all 0), ``lon``, ``lat`` per demand point.
    candidates : DataFrame
        ``id``, ``lon``, ``lat`` per candidate site (other columns are ignored).
    existing : DataFrame, optional
        Existing sites (``id``, ``lon``, ``lat``), open in every solution; ids distinct
        from the candidates'.
    od : DataFrame, optional
        ``origin, destination, cost`` from demand ids to candidate and existing ids.

    Returns
    -------
    LocationResult

    Raises
    ------
    DataError
        Bad tables; population 0 everywhere; an uncoverable demand point (lscp), one with
        no site in reach (pmedian) or more such points than ``p`` new sites can reach
        (pmedian), named.
    ValueError
        Bad model, p or radius; ``p = 0`` without existing sites; a model too large for
        the memory (with its size and what shrinks it).
    """
    if model == "lscp" and p is not None:
        raise ValueError("lscp finds the fewest sites itself; p is for mclp and pmedian")
    if model != "lscp" and (p is None or isinstance(p, bool) or not float(p).is_integer() or p < 0):
        raise ValueError(f"{model} needs p, the number of new sites (a whole number ≥ 0), got {p!r}")
    if radius is None and model != "pmedian":
        raise ValueError(f"{model} needs a radius (km, or the unit of the od costs)")
    if radius is not None and not (math.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a finite cost > 0, got {radius!r}")
    coords = od is None
    dem = points(demand, "demand", population, unit=unit, lon=lon, lat=lat, coordinates=coords)
    cand = points(candidates, "candidates", None, unit=unit, lon=lon, lat=lat, coordinates=coords)
    old = (points(existing, "existing", None, unit=unit, lon=lon, lat=lat, coordinates=coords)
           if existing is not None else cand.subset(np.zeros(len(cand), bool)))
    both = old.ids.intersection(cand.ids)
    if len(both):
        raise DataError(f"{named('id', [show(v) for v in both])} {'is' if len(both) == 1 else 'are'} both "
                        "an existing site and a candidate; list each site once")
    if p is not None and p > len(cand):
        raise ValueError(f"p = {p} new sites but only {len(cand)} candidates")
    if p == 0 and not len(old):
        raise ValueError(f"{model}: p = 0 new sites and no existing sites: no site would be open; give p ≥ 1 "
                         "or the existing sites")
    if not (dem.amount > 0).any():
        raise DataError(f"demand: {population} is 0 at every demand point, so every choice of sites is as good "
                        "as any other: nothing to locate")
    sites = Points("sites", old.ids.append(cand.ids), np.zeros(len(old) + len(cand)),
                   None if old.lon is None else np.r_[old.lon, cand.lon],
                   None if old.lat is None else np.r_[old.lat, cand.lat])
    pairs, cover = _reach(model, dem, sites, len(old), radius, od)
    present = sp.csr_matrix((np.ones(len(pairs.i)), (pairs.i, pairs.j)), shape=(len(dem), len(sites)))
    within = (("within the radius" + (" (by the od table)" if od is not None else "")) if radius is not None
              else "in the od table" if od is not None else "in reach")
    start = time.perf_counter()
    solve = {"mclp": _mclp, "pmedian": _pmedian, "lscp": _lscp}[model]
    chosen, status, gap = solve(dem, present, pairs, len(old), p, dict(time_limit=time_limit, progress=progress),
                                within)
    seconds = time.perf_counter() - start
    return _result(model, dem, cand, sites, pairs, cover, len(old), chosen, status, gap, p, radius, seconds)


def _reach(model: str, dem: Points, sites: Points, n_old: int, radius, od) -> tuple[Pairs, np.ndarray | None]:
    """The pairs a model can use and the population within the radius of each candidate (None
    without a radius), read ``CHUNK_PAIRS`` pairs at a time: pairs within the radius (pmedian
    without one: every pair) no farther than the point's nearest existing site. The model is
    sized as they come in; one too large is refused (:func:`~healthalloc.solver.check_size`),
    extrapolated from the demand points read so far, before the rest are read."""
    P, n, m_new = dem.amount, len(dem), len(sites) - n_old
    unbounded = math.inf if od is not None else _HALF_EARTH_KM  # OD costs: any unit, no cap
    reach = costs(dem, sites, radius if radius is not None else unbounded, od)
    step = max(1, CHUNK_PAIRS // len(sites))
    budget = memory_budget()
    parts, cover, counts = [], np.zeros(m_new), np.zeros(2, np.int64)  # counts: demand rows, pairs in the model
    for start in range(0, n, step):
        stop = min(start + step, n)
        chunk = reach.pairs(start, stop)
        new, weight = chunk.j >= n_old, P[start + chunk.i]
        cover += np.bincount(chunk.j[new] - n_old, weights=weight[new], minlength=m_new)
        nearest = np.full(stop - start, np.inf)
        np.minimum.at(nearest, chunk.i[~new], chunk.cost[~new])
        keep = chunk.cost <= nearest[chunk.i]
        parts.append(Pairs(chunk.i[keep] + start, chunk.j[keep], chunk.cost[keep]))
        populated = P[start:stop] > 0
        if model == "pmedian":
            counts += populated.sum(), (keep & (weight > 0)).sum()
        else:  # rows to cover: populated, no existing site within the radius
            need = populated & np.isinf(nearest)
            counts += need.sum(), (new & need[chunk.i]).sum()
        if stop < n and _size(model, *counts, m_new, n_old).memory > budget:
            check_size(_size(model, *np.round(counts * n / stop).astype(np.int64), m_new, n_old), model, SHRINK,
                       about=True)
    check_size(_size(model, *counts, m_new, n_old), model, SHRINK)
    pairs = Pairs(*(np.concatenate([getattr(q, f) for q in parts]) for f in ("i", "j", "cost")))
    return pairs, cover if radius is not None else None


def _size(model: str, rows: int, pairs: int, m_new: int, n_old: int) -> ModelSize:
    """The MILP of ``model`` over ``rows`` demand points and ``pairs`` pairs (see the builders below)."""
    if model == "mclp":  # y_i ≤ Σ a_ij x_j, Σ x_j = p
        return ModelSize(rows + 1, m_new + rows, pairs + rows + m_new)
    if model == "pmedian":  # Σ_j z_ij = 1, z_ij ≤ x_j, Σ x_j = p
        return ModelSize(rows + pairs + 1, n_old + m_new + pairs, 3 * pairs + m_new)
    return ModelSize(rows, m_new, pairs)  # Σ a_ij x_j ≥ 1


def _greedy(a: sp.csr_matrix, weight: np.ndarray, p: int | None) -> np.ndarray:
    """Columns of ``a`` (rows × sites) chosen one at a time for the most ``weight`` of rows
    newly covered: ``p`` of them, or (``p`` None) until every row is covered."""
    by_site = a.T.tocsr()
    chosen, open_rows = np.zeros(a.shape[1], bool), np.ones(a.shape[0], bool)
    while open_rows.any() if p is None else chosen.sum() < p:
        gain = by_site @ (weight * open_rows)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen[j] = True
        open_rows[by_site[j].indices] = False
    return chosen


def _nearest(i: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Positions of the cheapest pair of every row present in ``i``."""
    order = np.lexsort((d, i))
    return order[np.r_[True, np.diff(i[order]) > 0]] if len(order) else order


def _mclp(dem: Points, present, pairs: Pairs, n_old: int, p: int, search: dict, within: str):
    P = dem.amount
    covered_old = present[:, :n_old].getnnz(axis=1) > 0
    cover = present[:, n_old:].tocsr()
    rows = np.flatnonzero(~covered_old & (P > 0) & (np.diff(cover.indptr) > 0))
    a = cover[rows]
    n, m = len(rows), a.shape[1]
    if n == 0 or p == 0:  # no candidate adds coverage: any p of them are optimal, take the first
        return np.arange(m) < p, "Optimal", 0.0
    A = sp.vstack([sp.hstack([-a, sp.identity(n)]),                      # y_i − Σ a_ij x_j ≤ 0
                   sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, n))])]).tocsc()
    unit, base = P[rows].mean(), P[covered_old].sum()
    weight = P[rows] / unit
    x0 = _greedy(a, weight, p)
    sol = solve_milp(np.r_[np.zeros(m), -weight], A, np.r_[np.full(n, -np.inf), p], np.r_[np.zeros(n), p],
                     np.zeros(m + n), np.ones(m + n), np.r_[np.ones(m, bool), np.zeros(n, bool)],
                     start=np.r_[x0, a @ x0 > 0], shown=lambda v: base - unit * v, **search)
    return sol.x[:m] > 0.5, sol.status, sol.gap


def _pmedian(dem: Points, present, pairs: Pairs, n_old: int, p: int, search: dict, within: str):
    P = dem.amount
    m_all = present.shape[1]
    demand = np.flatnonzero(P > 0)
    lost = demand[np.diff(present.indptr)[demand] == 0]
    if len(lost):
        raise DataError(f"pmedian: {named('demand point', [show(v) for v in dem.ids[lost]])} "
                        f"{'has' if len(lost) == 1 else 'have'} no site {within}")
    keep = P[pairs.i] > 0
    i, j, d = pairs.i[keep], pairs.j[keep], pairs.cost[keep]
    k = len(i)
    scale = max(float((P[i] * d).mean()), 1e-12) if k else 1.0
    z = m_all + np.arange(k)  # columns: x (every site; existing fixed at 1), then z (one per pair)
    row = np.searchsorted(demand, i)
    assign = sp.csr_matrix((np.ones(k), (row, z)), shape=(len(demand), m_all + k))
    link = sp.csr_matrix((np.r_[np.ones(k), -np.ones(k)], (np.r_[np.arange(k), np.arange(k)], np.r_[z, j])),
                         shape=(k, m_all + k))                          # z_ij − x_j ≤ 0
    count = sp.csr_matrix((np.ones(m_all - n_old), (np.zeros(m_all - n_old, int), np.arange(n_old, m_all))),
                          shape=(1, m_all + k))                         # Σ new x_j = p
    A = sp.vstack([assign, link, count]).tocsc()
    lo = np.r_[np.ones(len(demand)), np.full(k, -np.inf), p]
    hi = np.r_[np.ones(len(demand)), np.zeros(k), p]
    col_lo = np.r_[np.ones(n_old), np.zeros(m_all - n_old + k)]
    try:
        sol = solve_milp(np.r_[np.zeros(m_all), P[i] * d / scale], A, lo, hi, col_lo, np.ones(m_all + k),
                         np.r_[np.ones(m_all, bool), np.zeros(k, bool)],
                         start=_greedy_median(row, j, d, P[i], n_old, m_all, p), shown=lambda v: v * scale,
                         **search)
    except SolverError as exc:
        if exc.status != "Infeasible":
            raise
        raise _too_few(dem, present, n_old, p, search, within) from None
    return sol.x[n_old:m_all] > 0.5, sol.status, sol.gap


def _greedy_median(row, j, d, weight, n_old: int, m_all: int, p: int) -> np.ndarray | None:
    """A p-median start (x, then z per pair): new sites added one at a time for the largest
    saving in ``Σ weight × cost``, each row then assigned to its nearest open site; None when
    a row is left without an open site in reach."""
    new = j >= n_old
    unassigned = 2 * float(d.max()) + 1  # the cost of a row with no open site, while choosing
    best = np.full(row.max() + 1, unassigned)
    np.minimum.at(best, row[~new], d[~new])
    chosen = np.r_[np.ones(n_old, bool), np.zeros(m_all - n_old, bool)]
    for _ in range(p):
        saving = np.bincount(j[new], weights=weight[new] * np.maximum(best[row[new]] - d[new], 0), minlength=m_all)
        saving[chosen] = -1.0
        site = int(np.argmax(saving))
        chosen[site] = True
        at = j == site
        np.minimum.at(best, row[at], d[at])
    if (best == unassigned).any():
        return None
    use = np.flatnonzero(chosen[j])
    z = np.zeros(len(row))
    z[use[_nearest(row[use], d[use])]] = 1.0
    return np.r_[chosen, z]


def _too_few(dem: Points, present, n_old: int, p: int, search: dict, within: str) -> DataError:
    """Why the p-median is infeasible: the demand points with no existing site in reach need
    more new sites than ``p`` to each reach one (the fewest: an LSCP of their candidates)."""
    P = dem.amount
    alone = np.flatnonzero((P > 0) & (present[:, :n_old].getnnz(axis=1) == 0))
    fewest = int((_cover_all(present[:, n_old:].tocsr()[alone], search).x > 0.5).sum())
    return DataError(f"pmedian: {named('demand point', [show(v) for v in dem.ids[alone]])} "
                     f"{'has' if len(alone) == 1 else 'have'} no existing site {within}, and reaching "
                     f"{'it' if len(alone) == 1 else 'each of them'} takes at least {fewest} new site(s) but p = {p}; "
                     "raise p, enlarge the radius or add candidates")


def _cover_all(a: sp.csr_matrix, search: dict) -> MILPSolution:
    """The fewest columns of ``a`` covering every row (the LSCP MILP, from the greedy cover)."""
    n, m = a.shape
    return solve_milp(np.ones(m), a, np.ones(n), np.full(n, np.inf), np.zeros(m), np.ones(m), np.ones(m, bool),
                      start=_greedy(a, np.ones(n), None), **search)


def _lscp(dem: Points, present, pairs: Pairs, n_old: int, p, search: dict, within: str):
    P = dem.amount
    covered_old = present[:, :n_old].getnnz(axis=1) > 0
    need = np.flatnonzero(~covered_old & (P > 0))
    a = present[:, n_old:].tocsr()[need]
    lost = need[np.diff(a.indptr) == 0]
    if len(lost):
        raise DataError(f"lscp: {named('demand point', [show(v) for v in dem.ids[lost]])} "
                        f"{'is' if len(lost) == 1 else 'are'} {within} of no candidate or existing "
                        "site, so no set of sites covers everyone; enlarge the radius, add candidates or "
                        "drop the point")
    if len(need) == 0:
        return np.zeros(a.shape[1], bool), "Optimal", 0.0
    sol = _cover_all(a, search)
    return sol.x > 0.5, sol.status, sol.gap


def _result(model, dem, cand, sites, pairs, cover, n_old, chosen, status, gap, p, radius, seconds) -> LocationResult:
    """Recompute every figure from the chosen sites: each demand point's nearest open site."""
    is_open = np.r_[np.ones(n_old, bool), chosen]
    P = dem.amount
    use = is_open[pairs.j]
    i, j, d = pairs.i[use], pairs.j[use], pairs.cost[use]
    first = _nearest(i, d)
    site, cost = np.full(len(dem), -1), np.full(len(dem), np.nan)
    site[i[first]], cost[i[first]] = j[first], d[first]
    covered = (site >= 0) & (cost <= (radius if radius is not None else np.inf))
    total, covered_pop = float(P.sum()), float(P[covered].sum())
    if cover is None:  # pmedian without a radius: the population assigned to each new site
        new = site >= n_old
        cover = np.bincount(site[new] - n_old, weights=P[new], minlength=len(cand))
    objective = {"mclp": covered_pop, "pmedian": float(np.nansum(P * cost)), "lscp": float(chosen.sum())}[model]
    cands = pd.DataFrame({"id": cand.ids, "selected": chosen.astype(int), "covered_population": cover})
    names = sites.ids.to_numpy(dtype=object)
    pts = pd.DataFrame({"id": dem.ids, "population": P, "site": np.where(site >= 0, names[site], None),
                        "cost": cost, "covered": covered.astype(int)})
    return LocationResult(model, cands, pts, objective, covered_pop, total, int(chosen.sum()), status, gap,
                          p, radius, n_old, seconds)
