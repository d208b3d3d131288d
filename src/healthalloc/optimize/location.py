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
    Up to ``DENSE_PAIRS`` pairs this MILP (one ``z`` per pair) is solved as it stands.
    Beyond, without one variable per pair: a start from the greedy solution improved by
    vertex substitution (Teitz & Bart 1968, with the fast swap gains of Whitaker 1983); with
    ``p`` given, a lower bound from the Lagrangian relaxation of the assignment rows
    (Cornuéjols, Fisher & Nemhauser 1977; Beasley 1993), whose own sites are costed as
    candidates and which, when it leaves a gap, proves sites closed or open (Lagrangian
    reduction) and drops the pairs beyond each point's nearest site known open; then the
    radius formulation (Cornuéjols, Nemhauser & Wolsey 1980; Elloumi 2010), truncated at
    per-point cut-offs and extended until no point is served beyond them (García, Labbé &
    Marín 2011), solved by HiGHS. The 2,105 × 2,105 embedded towns with ``p = 50`` are
    proven optimal by the Lagrangian alone, in about 20 s.
``lscp`` (location set covering; Toregas et al. 1971)
    minimize ``Σⱼ xⱼ`` (with opening costs ``cⱼ``: ``Σⱼ cⱼ xⱼ``) subject to
    ``Σⱼ aᵢⱼ xⱼ ≥ 1`` for every populated demand point not covered by an existing site;
    one that no candidate covers is an error naming it.

Planners' limits on the new sites join every model as rows over ``x``: a budget
``Σⱼ cⱼ xⱼ ≤ B`` (mclp, pmedian; with a budget and no ``p`` the number of sites is free)
and regional quotas ``l_g ≤ Σ_{j in region g} xⱼ ≤ u_g``. Quotas that cannot be met
together with ``p`` or the budget are refused before solving, naming the regions.

The reported ``objective`` is the covered population (mclp), the population-weighted
total cost (pmedian, persons × km) or the number of new sites (lscp; with costs, their
total cost), recomputed from the chosen sites; ``status`` and ``gap`` are HiGHS' (the time limit, 60 s by default, or
Ctrl-C may end the search with a feasible, unproven solution and a positive gap); beyond
``DENSE_PAIRS`` the gap is ``(cost − bound) / cost`` with the best of the Lagrangian and
HiGHS' bounds, and the status ``Optimal`` once it is within HiGHS' tolerance (1e-4). Each
search starts from a greedy solution (sites added one at a time for the largest gain, per
unit of cost with costs, among those the budget and quotas still allow), so there is
usually one to report.

:func:`tradeoff` solves one model over a grid of ``p`` or budgets: the pairs are read
once and each solve starts from the previous solution, extended greedily.

Only pairs no farther than the demand point's nearest existing site are read into a model
(a farther site is never its nearest open one, and a point an existing site covers needs
no new one). The model is sized from them before it is built
(:func:`healthalloc.solver.check_size`): one too large for the memory is refused with its
size and what shrinks it.

References
----------
Beasley, J. E. (1993). Lagrangean heuristics for location problems. *European Journal of
Operational Research* 65(3), 383–399.
Church, R. & ReVelle, C. (1974). The maximal covering location problem. *Papers of the
Regional Science Association* 32, 101–118.
Cornuéjols, G., Fisher, M. L. & Nemhauser, G. L. (1977). Location of bank accounts to
optimize float. *Management Science* 23(8), 789–810.
Cornuéjols, G., Nemhauser, G. L. & Wolsey, L. A. (1980). A canonical representation of simple
plant location problems and its applications. *SIAM Journal on Algebraic and Discrete
Methods* 1(3), 261–272.
Elloumi, S. (2010). A computational study for the p-median problem. *Electronic Notes in
Discrete Mathematics* 36, 455–462.
García, S., Labbé, M. & Marín, A. (2011). Solving large p-median problems with a radius
formulation. *INFORMS Journal on Computing* 23(4), 546–556.
Hakimi, S. L. (1964). Optimum locations of switching centers and the absolute centers and
medians of a graph. *Operations Research* 12(3), 450–459.
ReVelle, C. & Swain, R. (1970). Central facilities location. *Geographical Analysis* 2(1), 30–42.
Teitz, M. B. & Bart, P. (1968). Heuristic methods for estimating the generalized vertex
median of a weighted graph. *Operations Research* 16(5), 955–961.
Toregas, C., Swain, R., ReVelle, C. & Bergman, L. (1971). The location of emergency
service facilities. *Operations Research* 19(6), 1363–1373.
Whitaker, R. A. (1983). A fast algorithm for the greedy interchange for large-scale
clustering and median location problems. *INFOR* 21(2), 95–108.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from healthalloc.access import COLUMNS, Pairs, Points, costs, points
from healthalloc.data.messages import named, show
from healthalloc.data.validate import DataError
from healthalloc.optimize import pmedian
from healthalloc.optimize.siting import SHRINK, Limits, grow, nearest, siting_limits
from healthalloc.params import Param, Params, declared
from healthalloc.report import figures as draw
from healthalloc.report.tables import format_amount, format_number
from healthalloc.result import Result
from healthalloc.solver import (PROGRESS, TIME_LIMIT, MILPSolution, ModelSize, SolverError, check_size, memory_budget,
                               solve_milp)

__all__ = ["MODELS", "PARAMS", "TRADEOFF", "LocationResult", "TradeoffResult", "locate", "tradeoff"]

MODELS = ("mclp", "pmedian", "lscp")
"""The location models."""

#: The parameters of :func:`locate`, from which ``healthalloc optimize location`` and the
#: study analysis ``location`` are generated.
PARAMS = Params(
    Param("model", "mclp", "location model: mclp, pmedian or lscp", choices=MODELS),
    Param("p", None, "new sites to open (mclp, pmedian: required unless a budget is given, which leaves the number "
          "free; 0 only with existing sites)", kind=int, low=0, metavar="P"),
    Param("radius", None, "coverage radius in km or the OD cost unit (mclp, lscp: required; pmedian: the largest "
          "assignment cost, default none)", kind=(int, float), low=0, low_open=True, metavar="R"),
    Param("cost", None, "column of the candidates with the cost of opening each site (finite, ≥ 0, any money "
          "unit): reported as total_cost; lscp then minimizes the total cost instead of the number of sites",
          kind=str, metavar="COLUMN"),
    Param("budget", None, "most the new sites may cost in all, in the unit of the cost column (mclp, pmedian; "
          "needs cost)", kind=(int, float), low=0, low_open=True, metavar="B"),
    Param("region", None, "column of the candidates naming the region of each (new sites are counted per region "
          "and bounded by the quotas)", kind=str, metavar="COLUMN"),
    Param("quotas", None, "table with columns region, min_sites, max_sites (an empty cell: unbounded) bounding the "
          "new sites of each region (needs region)", kind=str, source=True, objects=(pd.DataFrame, os.PathLike),
          metavar="FILE.csv"),
    Param("time_limit", TIME_LIMIT, "seconds for the solver, then (as on Ctrl-C) the best solution found, with its "
          "gap (library: None for no limit)", kind=(int, float), low=0, low_open=True, metavar="S"),
)

_HALF_EARTH_KM = 20_016.0  # farther than any two points on the globe
#: Demand–site pairs read at a time (one chunk of demand points) while a model's pairs are gathered.
CHUNK_PAIRS = 1 << 20


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
    total_cost : float or None
        Opening cost of the selected new sites (None without a cost column).
    budget : float or None
        The budget (None without one).
    sites_by_region : dict
        Selected new sites per region of the candidates (empty without a region column).
    newly_covered : float
        Population covered by an open site but by no existing one (pmedian without a
        radius: in reach of a new site only).
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
    total_cost: float | None = None
    budget: float | None = None
    sites_by_region: dict = field(default_factory=dict)
    newly_covered: float = math.nan

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
                "p": self.p, "radius": self.radius, "n_existing": self.n_existing, "seconds": self.seconds,
                "total_cost": self.total_cost, "budget": self.budget, "sites_by_region": dict(self.sites_by_region)}

    def summary(self) -> pd.DataFrame:
        """:meth:`summary_dict` as a one-row table (NaN where the JSON has null; sites by region as text)."""
        cells = self.summary_dict() | {"sites_by_region": ", ".join(f"{r}: {n}" for r, n in self.sites_by_region.items())}
        return pd.DataFrame([{k: math.nan if v is None else v for k, v in cells.items()}])

    def plot(self):
        """The chosen sites as bars: the population of the demand points each one serves."""
        from healthalloc.report.figures.bars import bars

        served = self.points.groupby("site")["population"].sum().reindex(self.selected, fill_value=0)
        return bars(served.rename("population served").sort_values(ascending=False),
                    title=f"Chosen sites ({self.model}, {self.n_selected} new)")

    def reading(self) -> str:
        """New sites, the solver's status and gap, the population covered; with costs, their
        total and the population newly covered per unit of cost."""
        s = self.summary_dict()
        gap = f"gap {s['gap']:.2%}" if math.isfinite(s["gap"]) else "no bound"  # stopped before HiGHS had a bound
        radius = format_amount(self.radius) if self.radius else "—"
        return (f"{s['n_selected']} new site(s) ({s['status']}, {gap}); "
                f"{s['coverage']:.1%} of the population within {radius} km of an open site."
                + self._cost_reading())

    def _cost_reading(self) -> str:
        if self.total_cost is None:
            return ""
        budget = f" (budget {format_amount(self.budget)})" if self.budget is not None else ""
        per = (f"{format_number(self.newly_covered / self.total_cost, 'coefficient')} persons newly covered per "
               "unit of cost" if self.total_cost > 0 else
               f"{format_amount(self.newly_covered)} persons newly covered at no cost")
        return f" The new sites cost {format_amount(self.total_cost)} in all{budget}: {per}."

    def figures(self, demand: pd.DataFrame | None = None, candidates: pd.DataFrame | None = None) -> dict:
        """Given the ``demand`` and ``candidates`` tables (``id``, ``lon``, ``lat``), the map of
        covered demand and the selected sites."""
        if demand is None or candidates is None:
            return {}
        points = self.points.merge(demand[["id", "lon", "lat"]], on="id")
        chosen = candidates[candidates["id"].isin(self.selected)].assign(capacity=1.0)
        return {"map": ("Demand points covered by an open site; triangles: the selected new sites.",
                        lambda: draw.access_map(points, chosen, value="covered", label="demand points",
                                                categories={1: "covered", 0: "not covered"},
                                                sites_label="selected sites", cmap="tab10",
                                                title="Selected sites and covered demand"))}


@declared(PARAMS + Params(PROGRESS) + COLUMNS.without("capacity"),
          data=("demand", "candidates", "existing", "od"))
def locate(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    model: str = "mclp",
    p: int | None = None,
    radius: float | None = None,
    cost: str | None = None,
    budget: float | None = None,
    region: str | None = None,
    quotas: pd.DataFrame | None = None,
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
        ``id``, ``lon``, ``lat`` per candidate site, and the ``cost`` and ``region``
        columns when named (other columns are ignored).
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
        no site in reach (pmedian) or more such points than ``p`` new sites (or the budget
        and quotas) can reach (pmedian), named; costs missing, negative or infinite (named
        by candidate id); bad quotas, or quotas that ``p`` or the budget cannot meet (named
        by region).
    ValueError
        Bad model, p, radius or budget; ``p = 0`` without existing sites; a model too large
        for the memory (with its size and what shrinks it).
    """
    _check_settings(model, p, radius, cost, budget)
    dem, cand, old = _tables(demand, candidates, existing, od is None, unit, population, lon, lat)
    _check_p(model, p, len(cand), len(old))
    limits = siting_limits(candidates, cand.ids, p, cost, budget, region, quotas)
    limits.check()
    problem = _problem(model, dem, cand, old, radius, od, population)
    return _solve(model, problem, limits, dict(time_limit=time_limit, progress=progress))


def _check_settings(model: str, p, radius, cost, budget) -> None:
    """ValueError for settings the model cannot take."""
    if model == "lscp" and p is not None:
        raise ValueError("lscp finds the fewest sites itself; p is for mclp and pmedian")
    if model == "lscp" and budget is not None:
        raise ValueError("lscp finds the fewest (with cost: the cheapest) sites covering everyone itself; budget is "
                         "for mclp and pmedian")
    if budget is not None and cost is None:
        raise ValueError("budget needs cost, the column of the candidates' opening costs")
    free = p is None and budget is not None  # the budget bounds the number of sites
    if model != "lscp" and not free and (p is None or isinstance(p, bool) or not float(p).is_integer() or p < 0):
        raise ValueError(f"{model} needs p, the number of new sites (a whole number ≥ 0), or a budget, got {p!r}")
    if radius is None and model != "pmedian":
        raise ValueError(f"{model} needs a radius (km, or the unit of the od costs)")
    if radius is not None and not (math.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a finite cost > 0, got {radius!r}")


def _tables(demand, candidates, existing, coords: bool, unit, population, lon, lat) -> tuple[Points, Points, Points]:
    """The demand points, candidates and existing sites, checked."""
    dem = points(demand, "demand", population, unit=unit, lon=lon, lat=lat, coordinates=coords)
    cand = points(candidates, "candidates", None, unit=unit, lon=lon, lat=lat, coordinates=coords)
    old = (points(existing, "existing", None, unit=unit, lon=lon, lat=lat, coordinates=coords)
           if existing is not None else cand.subset(np.zeros(len(cand), bool)))
    both = old.ids.intersection(cand.ids)
    if len(both):
        raise DataError(f"{named('id', [show(v) for v in both])} {'is' if len(both) == 1 else 'are'} both "
                        "an existing site and a candidate; list each site once")
    return dem, cand, old


def _check_p(model: str, p: int | None, n_cand: int, n_old: int) -> None:
    if p is not None and p > n_cand:
        raise ValueError(f"p = {p} new sites but only {n_cand} candidates")
    if p == 0 and not n_old:
        raise ValueError(f"{model}: p = 0 new sites and no existing sites: no site would be open; give p ≥ 1 "
                         "or the existing sites")


@dataclass(frozen=True)
class _Problem:
    """What every model reads: the points, the pairs within reach (``present``: a demand × site
    matrix of them; sites: existing first, then the candidates) and how reach is worded."""

    dem: Points
    cand: Points
    sites: Points
    pairs: Pairs
    cover: np.ndarray | None
    present: sp.csr_matrix
    n_old: int
    within: str
    radius: float | None


def _problem(model: str, dem: Points, cand: Points, old: Points, radius, od, population: str) -> _Problem:
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
    return _Problem(dem, cand, sites, pairs, cover, present, len(old), within, radius)


def _solve(model: str, problem: _Problem, limits: Limits, search: dict, warm: np.ndarray | None = None):
    """The model solved within ``limits``, from ``warm`` (chosen candidates) when given."""
    start = time.perf_counter()
    solve = {"mclp": _mclp, "pmedian": _pmedian, "lscp": _lscp}[model]
    chosen, status, gap = solve(problem, limits, search, warm)
    return _result(model, problem, limits, chosen, status, gap, time.perf_counter() - start)


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
    if model == "pmedian" and pairs <= pmedian.DENSE_PAIRS:  # Σ_j z_ij = 1, z_ij ≤ x_j, Σ x_j = p
        return ModelSize(rows + pairs + 1, n_old + m_new + pairs, 3 * pairs + m_new)
    if model == "pmedian":  # the pairs, held while the radius formulations (sized as they grow) are solved
        return ModelSize(rows, n_old + m_new, pairs)
    return ModelSize(rows, m_new, pairs)  # Σ a_ij x_j ≥ 1


def _covers(a: sp.csr_matrix, weight: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``gain(chosen)``: per column of ``a`` (rows × sites), the ``weight`` of the rows it covers
    that ``chosen`` leaves uncovered."""
    by_site = a.T.tocsr()
    return lambda chosen: by_site @ (weight * (a @ chosen.astype(float) == 0))


def _mclp(pb: _Problem, limits: Limits, search: dict, warm: np.ndarray | None):
    P, n_old = pb.dem.amount, pb.n_old
    covered_old = pb.present[:, :n_old].getnnz(axis=1) > 0
    cover = pb.present[:, n_old:].tocsr()
    rows = np.flatnonzero(~covered_old & (P > 0) & (np.diff(cover.indptr) > 0))
    a = cover[rows]
    n, m = len(rows), a.shape[1]
    if limits.plain and (n == 0 or limits.p == 0):  # no candidate adds coverage: any p are optimal, the first
        return np.arange(m) < limits.p, "Optimal", 0.0
    if n == 0:
        return _cheapest(limits, search)
    S, s_lo, s_hi = limits.rows()
    A = sp.vstack([sp.hstack([-a, sp.identity(n)]),                      # y_i − Σ a_ij x_j ≤ 0
                   sp.hstack([S, sp.csr_matrix((S.shape[0], n))])]).tocsc()  # p, budget, quotas
    unit, base = P[rows].mean(), P[covered_old].sum()
    weight = P[rows] / unit
    x0 = grow(limits, _covers(a, weight), warm)
    sol = solve_milp(np.r_[np.zeros(m), -weight], A, np.r_[np.full(n, -np.inf), s_lo], np.r_[np.zeros(n), s_hi],
                     np.zeros(m + n), np.ones(m + n), np.r_[np.ones(m, bool), np.zeros(n, bool)],
                     start=None if x0 is None else np.r_[x0, a @ x0.astype(float) > 0],
                     shown=lambda v: base - unit * v, **search)
    return sol.x[:m] > 0.5, sol.status, sol.gap


def _cheapest(limits: Limits, search: dict):
    """Where no new site adds anything: the cheapest (without costs: fewest) within the limits."""
    S, lo, hi = limits.rows()
    m = len(limits.cost)
    if S.shape[0] == 0:
        return np.zeros(m, bool), "Optimal", 0.0
    sol = solve_milp(limits.cost if limits.priced else np.ones(m), S, lo, hi, np.zeros(m), np.ones(m),
                     np.ones(m, bool), **search)
    return sol.x > 0.5, sol.status, sol.gap


def _pmedian(pb: _Problem, limits: Limits, search: dict, warm: np.ndarray | None):
    P = pb.dem.amount
    demand = np.flatnonzero(P > 0)
    lost = demand[np.diff(pb.present.indptr)[demand] == 0]
    if len(lost):
        raise DataError(f"pmedian: {named('demand point', [show(v) for v in pb.dem.ids[lost]])} "
                        f"{'has' if len(lost) == 1 else 'have'} no site {pb.within}")
    try:
        return pmedian.solve(pb, limits, search, warm)
    except SolverError as exc:
        if exc.status != "Infeasible":
            raise
        raise _too_few(pb, limits, search) from None


def _too_few(pb: _Problem, limits: Limits, search: dict) -> DataError:
    """Why the p-median is infeasible: the demand points with no existing site in reach need
    more new sites than ``p`` (the fewest: an LSCP of their candidates), or than the budget
    and quotas allow, to each reach one."""
    P, n_old = pb.dem.amount, pb.n_old
    alone = np.flatnonzero((P > 0) & (pb.present[:, :n_old].getnnz(axis=1) == 0))
    them = 'it' if len(alone) == 1 else 'each of them'
    lead = (f"pmedian: {named('demand point', [show(v) for v in pb.dem.ids[alone]])} "
            f"{'has' if len(alone) == 1 else 'have'} no existing site {pb.within}, and ")
    if not limits.plain:
        return DataError(f"{lead}no choice of new sites {limits.described()} reaches {them}; raise the budget, "
                         "loosen the quotas, enlarge the radius or add candidates")
    fewest = int((_cover_all(pb.present[:, n_old:].tocsr()[alone], search).x > 0.5).sum())
    return DataError(f"{lead}reaching {them} takes at least {fewest} new site(s) but p = {limits.p}; raise p, "
                     "enlarge the radius or add candidates")


def _cover_all(a: sp.csr_matrix, search: dict, limits: Limits | None = None) -> MILPSolution:
    """The fewest (with costs: cheapest) columns of ``a`` covering every row within the limits
    (the LSCP MILP, from the greedy cover)."""
    n, m = a.shape
    limits = limits or Limits.free(m)
    S, lo, hi = limits.rows()
    x0 = grow(limits, _covers(a, np.ones(n)))
    start = x0 if x0 is not None and (a @ x0.astype(float) > 0).all() else None
    try:
        return solve_milp(limits.cost if limits.priced else np.ones(m), sp.vstack([a, S]).tocsc(),
                          np.r_[np.ones(n), lo], np.r_[np.full(n, np.inf), hi], np.zeros(m), np.ones(m),
                          np.ones(m, bool), start=start, **search)
    except SolverError as exc:
        if exc.status != "Infeasible":
            raise
        raise DataError(f"lscp: no choice of new sites {limits.described()} covers every populated demand point "
                        "that no existing site covers; loosen the quotas' max_sites, enlarge the radius or add "
                        "candidates") from None


def _lscp(pb: _Problem, limits: Limits, search: dict, warm: np.ndarray | None):
    P, n_old = pb.dem.amount, pb.n_old
    covered_old = pb.present[:, :n_old].getnnz(axis=1) > 0
    need = np.flatnonzero(~covered_old & (P > 0))
    a = pb.present[:, n_old:].tocsr()[need]
    lost = need[np.diff(a.indptr) == 0]
    if len(lost):
        raise DataError(f"lscp: {named('demand point', [show(v) for v in pb.dem.ids[lost]])} "
                        f"{'is' if len(lost) == 1 else 'are'} {pb.within} of no candidate or existing "
                        "site, so no set of sites covers everyone; enlarge the radius, add candidates or "
                        "drop the point")
    if len(need) == 0:
        return _cheapest(limits, search)
    sol = _cover_all(a, search, limits)
    return sol.x > 0.5, sol.status, sol.gap


def _result(model: str, pb: _Problem, limits: Limits, chosen, status, gap, seconds) -> LocationResult:
    """Recompute every figure from the chosen sites: each demand point's nearest open site."""
    n_old, pairs, P, radius = pb.n_old, pb.pairs, pb.dem.amount, pb.radius
    is_open = np.r_[np.ones(n_old, bool), chosen]
    use = is_open[pairs.j]
    i, j, d = pairs.i[use], pairs.j[use], pairs.cost[use]
    first = nearest(i, d)
    site, cost = np.full(len(P), -1), np.full(len(P), np.nan)
    site[i[first]], cost[i[first]] = j[first], d[first]
    reach = radius if radius is not None else np.inf
    covered = (site >= 0) & (cost <= reach)
    total, covered_pop = float(P.sum()), float(P[covered].sum())
    cover = pb.cover
    if cover is None:  # pmedian without a radius: the population assigned to each new site
        new = site >= n_old
        cover = np.bincount(site[new] - n_old, weights=P[new], minlength=len(pb.cand))
    spent = float(limits.cost[chosen].sum()) if limits.priced else None
    objective = {"mclp": covered_pop, "pmedian": float(np.nansum(P * cost)),
                 "lscp": float(chosen.sum()) if spent is None else spent}[model]
    cands = pd.DataFrame({"id": pb.cand.ids, "selected": chosen.astype(int), "covered_population": cover})
    names = pb.sites.ids.to_numpy(dtype=object)
    pts = pd.DataFrame({"id": pb.dem.ids, "population": P, "site": np.where(site >= 0, names[site], None),
                        "cost": cost, "covered": covered.astype(int)})
    old = np.full(len(P), np.inf)  # cost to the nearest existing site
    np.minimum.at(old, pairs.i[pairs.j < n_old], pairs.cost[pairs.j < n_old])
    by_region = dict(zip(limits.names, map(int, limits.counts(chosen)))) if limits.names else {}
    return LocationResult(model, cands, pts, objective, covered_pop, total, int(chosen.sum()), status, gap,
                          limits.p, radius, n_old, seconds, spent, limits.budget, by_region,
                          covered_pop - float(P[old <= reach].sum()))


# -- trade-off: the objective over a grid of p or budgets ----------------------------------------

#: The parameters of :func:`tradeoff`.
TRADEOFF = Params(
    Param("model", "mclp", "location model: mclp (objective: the share of the population covered) or pmedian "
          "(the population-weighted mean cost to the nearest open site)", choices=("mclp", "pmedian")),
    Param("p", None, "numbers of new sites, one solve each (give p or budgets)", kind=int, low=0, many=True),
    Param("budgets", None, "budgets, one solve each, in the unit of the cost column (give p or budgets; needs "
          "cost)", kind=(int, float), low=0, low_open=True, many=True),
    *(PARAMS[name] for name in ("radius", "cost", "region", "quotas", "time_limit")),
)


@dataclass(frozen=True)
class TradeoffResult(Result):
    """What each number of sites (or budget) achieves.

    Attributes
    ----------
    model : str
        ``mclp`` or ``pmedian``.
    by : str
        ``"p"`` or ``"budget"``: what varies.
    table : DataFrame
        One row per value, ascending: ``p`` or ``budget``, ``objective`` (mclp: the share of
        the population covered, 0–1; pmedian: the population-weighted mean cost to the
        nearest open site, km or the OD unit), ``total_cost`` (None without costs),
        ``n_selected``, ``gap``.
    results : tuple of LocationResult
        The solve of each row.
    """

    model: str
    by: str
    table: pd.DataFrame
    results: tuple

    @property
    def measure(self) -> str:
        return "coverage (share of the population)" if self.model == "mclp" else "mean cost to the nearest site"

    def to_frame(self) -> pd.DataFrame:
        """:attr:`table`."""
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """The first and last rows."""
        return self.table.iloc[[0, -1]].reset_index(drop=True)

    def plot(self):
        """The objective against ``p`` or the budget."""
        return draw.tradeoff_curve(self.table, x=self.by, share=self.model == "mclp", ylabel=self.measure,
                              title=f"Trade-off ({self.model})")

    def reading(self) -> str:
        """The objective at the smallest and largest value."""
        first, last = self.table.iloc[0], self.table.iloc[-1]
        shown = (lambda v: f"{v:.1%}") if self.model == "mclp" else format_amount
        return (f"{self.measure.capitalize()}: {shown(first['objective'])} at {self.by} = "
                f"{format_amount(first[self.by])}, {shown(last['objective'])} at {self.by} = "
                f"{format_amount(last[self.by])} ({len(self.table)} solves).")

    def figures(self) -> dict:
        return {"tradeoff": (f"{self.measure.capitalize()} against {self.by}.", self.plot)}


@declared(TRADEOFF + Params(PROGRESS) + COLUMNS.without("capacity"),
          data=("demand", "candidates", "existing", "od"))
def tradeoff(
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    model: str = "mclp",
    p: list[int] | None = None,
    budgets: list[float] | None = None,
    radius: float | None = None,
    cost: str | None = None,
    region: str | None = None,
    quotas: pd.DataFrame | None = None,
    existing: pd.DataFrame | None = None,
    od: pd.DataFrame | None = None,
    time_limit: float | None = TIME_LIMIT,
    progress: bool | None = None,
    unit: str = "id",
    population: str = "population",
    lon: str = "lon",
    lat: str = "lat",
) -> TradeoffResult:
    """:func:`locate` over a grid of ``p`` or of budgets, for a trade-off curve.

    The tables are checked and the pairs within reach read once; the values are solved in
    ascending order, each MILP starting from the previous solution extended greedily (the
    arrays of the MILP are rebuilt for each value, as :func:`healthalloc.solver.solve_milp`
    takes them). ``demand``, ``candidates``, ``existing`` and ``od`` as in :func:`locate`.

    Returns
    -------
    TradeoffResult

    Raises
    ------
    ValueError
        Neither or both of ``p`` and ``budgets``; what :func:`locate` refuses for any value.
    DataError
        As :func:`locate`, for any value.
    """
    if (p is None) == (budgets is None):
        raise ValueError("tradeoff needs p (a list of numbers of new sites) or budgets (a list), not both")
    by, values = ("p", sorted(p)) if p is not None else ("budget", sorted(budgets))
    for value in values:
        _check_settings(model, value if by == "p" else None, radius, cost, value if by == "budget" else None)
    dem, cand, old = _tables(demand, candidates, existing, od is None, unit, population, lon, lat)
    base = siting_limits(candidates, cand.ids, None, cost, None, region, quotas)
    grid = [replace(base, **{"p" if by == "p" else "budget": float(v) if by == "budget" else v}) for v in values]
    for limits in grid:
        _check_p(model, limits.p, len(cand), len(old))
        limits.check()
    problem = _problem(model, dem, cand, old, radius, od, population)
    results, warm = [], None
    for limits in grid:
        res = _solve(model, problem, limits, dict(time_limit=time_limit, progress=progress), warm)
        results.append(res)
        warm = res.candidates["selected"].to_numpy() == 1
    return TradeoffResult(model, by, _tradeoff_table(model, by, values, results), tuple(results))


def _tradeoff_table(model: str, by: str, values: list, results: list[LocationResult]) -> pd.DataFrame:
    """One row per solve: the value, the objective (coverage share or mean cost), total cost, sites, gap."""
    objective = [r.covered_population / r.total_population if model == "mclp" else r.objective / r.total_population
                 for r in results]
    return pd.DataFrame({by: values, "objective": objective, "total_cost": [r.total_cost for r in results],
                         "n_selected": [r.n_selected for r in results], "gap": [r.gap for r in results]})
