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
from healthalloc.data.messages import did_you_mean, listing, named, show
from healthalloc.data.validate import DataError, check_columns, check_nonnegative
from healthalloc.params import Param, Params, declared
from healthalloc.report import figures as draw
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
        return (f"{s['n_selected']} new site(s) ({s['status']}, {gap}); "
                f"{s['coverage']:.1%} of the population within {self.radius or '—'} km of an open site."
                + self._cost_reading())

    def _cost_reading(self) -> str:
        if self.total_cost is None:
            return ""
        budget = f" (budget {self.budget:,.6g})" if self.budget is not None else ""
        per = (f"{self.newly_covered / self.total_cost:,.4g} persons newly covered per unit of cost"
               if self.total_cost > 0 else f"{self.newly_covered:,.6g} persons newly covered at no cost")
        return f" The new sites cost {self.total_cost:,.6g} in all{budget}: {per}."

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
    limits = _limits(candidates, cand.ids, p, cost, budget, region, quotas)
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


# -- the planner's limits: budget and regional quotas ---------------------------------------------

#: The columns of a quotas table.
QUOTA_COLUMNS = ("region", "min_sites", "max_sites")


@dataclass(frozen=True)
class Limits:
    """What the new sites ``xⱼ`` must respect: ``Σ xⱼ = p`` (None: free), ``Σ cⱼ xⱼ ≤ budget``
    (None: no budget), and per region ``g`` (``region[j]``, a position in ``names``)
    ``low[g] ≤ Σ_{j in g} xⱼ ≤ high[g]``. ``priced``: the costs come from a cost column."""

    p: int | None
    cost: np.ndarray
    budget: float | None
    priced: bool
    region: np.ndarray
    names: tuple
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def free(cls, m: int) -> Limits:
        """No limit on ``m`` candidates."""
        return cls(None, np.zeros(m), None, False, np.zeros(m, int), (), np.zeros(1), np.full(1, np.inf))

    @property
    def bounded(self) -> np.ndarray:
        """Per region: whether a quota bounds it."""
        return (self.low > 0) | np.isfinite(self.high)

    @property
    def plain(self) -> bool:
        """Only ``p``, as before budgets and quotas."""
        return self.budget is None and not self.bounded.any()

    def counts(self, chosen: np.ndarray) -> np.ndarray:
        return np.bincount(self.region[chosen], minlength=len(self.low))

    def rows(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """The limits as rows over the candidates: ``lo ≤ S @ x ≤ hi`` (the budget row scaled to 1)."""
        m = len(self.cost)
        rows, lo, hi = [], [], []
        if self.p is not None:
            rows, lo, hi = [np.ones(m)], [self.p], [self.p]
        if self.budget is not None:
            rows, lo, hi = rows + [self.cost / self.budget], lo + [-np.inf], hi + [1.0]
        for g in np.flatnonzero(self.bounded):
            rows, lo, hi = rows + [(self.region == g).astype(float)], lo + [self.low[g]], hi + [self.high[g]]
        return (sp.csr_matrix(np.reshape(rows, (len(rows), m))), np.asarray(lo, float), np.asarray(hi, float))

    def room(self, chosen: np.ndarray) -> np.ndarray:
        """Candidates that may join ``chosen``: within ``p``, the budget and every region's
        maximum, leaving enough of ``p`` for the regions still short of their minimum."""
        counts = self.counts(chosen)
        ok = ~chosen & (counts[self.region] < self.high[self.region])
        if self.budget is not None:
            ok &= self.cost[chosen].sum() + self.cost <= self.budget * (1 + 1e-12)
        if self.p is not None:
            short = np.maximum(self.low - counts, 0)
            ok &= short.sum() - (short[self.region] > 0) <= self.p - chosen.sum() - 1
        return ok

    def swaps(self, chosen: np.ndarray) -> np.ndarray:
        """Which swaps keep the limits: per candidate ``j`` (rows) and selected site ``r``
        (columns, in order), whether ``chosen`` with ``j`` in and ``r`` out meets them."""
        S = np.flatnonzero(chosen)
        ok = np.repeat(~chosen[:, None], len(S), axis=1)
        if self.budget is not None:
            ok &= self.cost[chosen].sum() - self.cost[S][None, :] + self.cost[:, None] <= self.budget * (1 + 1e-12)
        if self.bounded.any():
            counts, into, out = self.counts(chosen), self.region[:, None], self.region[S][None, :]
            ok &= (into == out) | ((counts[into] < self.high[into]) & (counts[out] > self.low[out]))
        return ok

    def allows(self, chosen: np.ndarray) -> bool:
        counts = self.counts(chosen)
        return bool((self.p is None or chosen.sum() == self.p)
                    and (self.budget is None or self.cost[chosen].sum() <= self.budget * (1 + 1e-9))
                    and (counts >= self.low).all() and (counts <= self.high).all())

    def value(self, gain: np.ndarray) -> np.ndarray:
        """``gain`` per unit of cost (with costs; a free site first)."""
        if not self.priced:
            return gain
        return gain / np.maximum(self.cost, 1e-12 * max(float(self.cost.max()), 1.0))

    def cheapest(self) -> np.ndarray:
        """The cheapest new sites within ``p`` and the quotas (budget aside): each region's
        minimum from its cheapest candidates, then up to ``p`` the cheapest with room."""
        chosen = np.zeros(len(self.cost), bool)
        for j in np.argsort(self.cost, kind="stable"):
            if self.counts(chosen)[self.region[j]] < self.low[self.region[j]]:
                chosen[j] = True
        for j in np.argsort(self.cost, kind="stable"):
            if self.p is not None and chosen.sum() < self.p and not chosen[j] \
                    and self.counts(chosen)[self.region[j]] < self.high[self.region[j]]:
                chosen[j] = True
        return chosen

    def described(self) -> str:
        """``"within p = 3, the budget of 100 and the quotas"``."""
        parts = [f"p = {self.p}"] * (self.p is not None) + ["the quotas"] * bool(self.bounded.any())
        if self.budget is not None:
            parts.insert(len(parts) - bool(self.bounded.any()), f"the budget of {self.budget:g}")
        return f"within {listing(parts)}" if parts else ""

    def check(self) -> None:
        """DataError, naming the regions, when ``p``, the quotas and the budget cannot all be met."""
        size = np.bincount(self.region, minlength=len(self.low))
        few = np.flatnonzero(self.low > size)
        if len(few):
            raise DataError(f"quotas: {self._regions(few)} {'asks' if len(few) == 1 else 'ask'} for more new sites "
                            f"(min_sites) than {'it has' if len(few) == 1 else 'they have'} candidates")
        least, most = self.low.sum(), np.minimum(self.high, size).sum()
        if self.p is not None and least > self.p:
            raise DataError(f"quotas: min_sites add up to {least:g} new sites ({self._regions(self.low > 0)}), more "
                            f"than p = {self.p}")
        if self.p is not None and most < self.p:
            raise DataError(f"quotas: at most {most:g} new sites fit within max_sites "
                            f"({self._regions(np.isfinite(self.high))}), fewer than p = {self.p}")
        if self.budget is not None:
            spent = float(self.cost[self.cheapest()].sum())
            if spent > self.budget * (1 + 1e-9):
                which = (f"the cheapest {self.p} new sites" if self.p is not None else "the cheapest new sites")
                quota = f" meeting the quotas of {self._regions(self.low > 0)}" if (self.low > 0).any() else ""
                raise DataError(f"budget: {which}{quota} cost {spent:g}, above the budget of {self.budget:g}")

    def _regions(self, which: np.ndarray) -> str:
        labels = np.asarray(self.names, dtype=object)[which]
        return named("region", [show(v) for v in labels])


def _limits(frame: pd.DataFrame, ids: pd.Index, p, cost, budget, region, quotas) -> Limits:
    """The :class:`Limits` of the candidates' ``cost`` and ``region`` columns and the quotas."""
    costs = np.zeros(len(ids))
    if cost is not None:
        check_columns(frame, cost, source="candidates")
        costs = check_nonnegative(frame[cost], column=cost, source="candidates", label=lambda k: f"id {show(ids[k])}")
    codes, names, low, high = _regions(frame, ids, region, quotas)
    return Limits(p, costs, None if budget is None else float(budget), cost is not None, codes, names, low, high)


def _label(value) -> str:
    """A region as text: ``3.0`` and ``3`` as ``"3"`` (a column with an empty cell reads as floats)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _regions(frame: pd.DataFrame, ids: pd.Index, region, quotas) -> tuple[np.ndarray, tuple, np.ndarray, np.ndarray]:
    """Each candidate's region (a position in the names), the names, and the quotas' bounds per region."""
    if region is None:
        if quotas is not None:
            raise DataError("quotas: they need region, the column of the candidates naming each one's region")
        free = Limits.free(len(ids))
        return free.region, free.names, free.low, free.high
    check_columns(frame, region, source="candidates")
    raw = frame[region].reset_index(drop=True)
    missing = raw.isna().to_numpy()
    if missing.any():
        raise DataError(f"candidates: {region} is missing at {named('id', [show(v) for v in ids[missing]])}")
    codes, names = pd.factorize(raw.map(_label))
    names = tuple(names)
    if quotas is None:
        return codes, names, np.zeros(len(names)), np.full(len(names), np.inf)
    return (codes, names, *_quotas(quotas, names, region))


def _quotas(table, names: tuple, region: str) -> tuple[np.ndarray, np.ndarray]:
    """The quotas table's ``min_sites`` and ``max_sites`` per region of ``names`` (0 and ∞ where empty or absent)."""
    if not isinstance(table, pd.DataFrame):
        from healthalloc.data.io import read_table

        table = read_table(table, text=("region",))
    check_columns(table, QUOTA_COLUMNS, source="quotas")
    empty = np.flatnonzero(table["region"].isna())
    if len(empty):
        raise DataError(f"quotas: region is empty at {named('row', [k + 1 for k in empty])}")
    regions = [_label(v) for v in table["region"]]
    twice = sorted({r for r in regions if regions.count(r) > 1})
    if twice:
        raise DataError(f"quotas: {named('region', [show(r) for r in twice])} listed more than once")
    unknown = [r for r in regions if r not in names]
    if unknown:
        hint = did_you_mean(unknown[0], names)
        raise DataError(f"quotas: {named('region', [show(r) for r in unknown])} not found in the candidates' "
                        f"{region} column" + (f"; {hint}" if hint else f" (its regions: {listing(map(show, names))})"))
    at = [names.index(r) for r in regions]
    low, high = np.zeros(len(names)), np.full(len(names), np.inf)
    low[at], high[at] = _counts(table["min_sites"], regions, 0.0), _counts(table["max_sites"], regions, np.inf)
    over = np.flatnonzero(low > high)
    if len(over):
        raise DataError(f"quotas: min_sites is above max_sites for {named('region', [show(names[g]) for g in over])}")
    return low, high


def _counts(raw: pd.Series, regions: list[str], empty: float) -> np.ndarray:
    """A quota column as numbers (``empty`` where a cell is empty); DataError naming the regions of
    cells that are not whole numbers ≥ 0."""
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    given = raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    bad = given & ~(np.isfinite(values) & (values >= 0) & (np.mod(values, 1) == 0))
    if bad.any():
        cells = [f"region {show(r)} ({show(v)})" for r, v, b in zip(regions, raw, bad) if b]
        raise DataError(f"quotas: {raw.name} must be whole numbers ≥ 0 or empty; not at {listing(cells)}")
    return np.where(given, values, empty)


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
    if model == "pmedian" and pairs <= DENSE_PAIRS:  # Σ_j z_ij = 1, z_ij ≤ x_j, Σ x_j = p
        return ModelSize(rows + pairs + 1, n_old + m_new + pairs, 3 * pairs + m_new)
    if model == "pmedian":  # the pairs, held while the radius formulations (sized as they grow) are solved
        return ModelSize(rows, n_old + m_new, pairs)
    return ModelSize(rows, m_new, pairs)  # Σ a_ij x_j ≥ 1


def _grow(limits: Limits, gain: Callable[[np.ndarray], np.ndarray], warm: np.ndarray | None = None):
    """A greedy start: new sites added one at a time for the largest ``gain(chosen)`` (per unit of
    cost, with costs) that the limits still allow, from ``warm`` when given: up to ``p``, or
    (``p`` None) while one gains or a region is short of its minimum. None unless the sites
    meet the limits (then from nothing, if from ``warm``)."""
    chosen = np.zeros(len(limits.cost), bool) if warm is None else warm.copy()
    while (ok := limits.room(chosen)).any():
        g = gain(chosen)
        if limits.p is None:
            ok &= (g > 0) | (limits.counts(chosen) < limits.low)[limits.region]
            if not ok.any():
                break
        chosen[int(np.argmax(np.where(ok, limits.value(g), -np.inf)))] = True
    if limits.allows(chosen):
        return chosen
    return None if warm is None else _grow(limits, gain)


def _covers(a: sp.csr_matrix, weight: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``gain(chosen)``: per column of ``a`` (rows × sites), the ``weight`` of the rows it covers
    that ``chosen`` leaves uncovered."""
    by_site = a.T.tocsr()
    return lambda chosen: by_site @ (weight * (a @ chosen.astype(float) == 0))


def _nearest(i: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Positions of the cheapest pair of every row present in ``i``."""
    order = np.lexsort((d, i))
    return order[np.r_[True, np.diff(i[order]) > 0]] if len(order) else order


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
    x0 = _grow(limits, _covers(a, weight), warm)
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


#: Pairs up to which the p-median is the ReVelle–Swain MILP (one variable per pair: the
#: tightest, solved fast while small); beyond, the radius formulation of :func:`_radius_search`.
DENSE_PAIRS = 200_000


def _pmedian(pb: _Problem, limits: Limits, search: dict, warm: np.ndarray | None):
    P, n_old = pb.dem.amount, pb.n_old
    demand = np.flatnonzero(P > 0)
    lost = demand[np.diff(pb.present.indptr)[demand] == 0]
    if len(lost):
        raise DataError(f"pmedian: {named('demand point', [show(v) for v in pb.dem.ids[lost]])} "
                        f"{'has' if len(lost) == 1 else 'have'} no site {pb.within}")
    if len(pb.pairs.i) <= DENSE_PAIRS:
        return _dense_median(pb, limits, search, warm)
    keep = P[pb.pairs.i] > 0
    lv = _Levels(np.searchsorted(demand, pb.pairs.i[keep]), pb.pairs.j[keep], pb.pairs.cost[keep], P[demand])
    deadline = None if search.get("time_limit") is None else time.monotonic() + search["time_limit"]
    chosen = _median_start(lv, n_old, limits, warm, deadline)
    try:
        return _radius_search(lv, n_old, limits, chosen, search, deadline)
    except SolverError as exc:
        if exc.status != "Infeasible":
            raise
        raise _too_few(pb, limits, search) from None


def _dense_median(pb: _Problem, limits: Limits, search: dict, warm: np.ndarray | None):
    """ReVelle & Swain (1970): ``z`` per pair (see the module docstring)."""
    P, present, n_old = pb.dem.amount, pb.present, pb.n_old
    m_all = present.shape[1]
    demand = np.flatnonzero(P > 0)
    keep = P[pb.pairs.i] > 0
    i, j, d = pb.pairs.i[keep], pb.pairs.j[keep], pb.pairs.cost[keep]
    k = len(i)
    scale = max(float((P[i] * d).mean()), 1e-12) if k else 1.0
    z = m_all + np.arange(k)  # columns: x (every site; existing fixed at 1), then z (one per pair)
    row = np.searchsorted(demand, i)
    assign = sp.csr_matrix((np.ones(k), (row, z)), shape=(len(demand), m_all + k))
    link = sp.csr_matrix((np.r_[np.ones(k), -np.ones(k)], (np.r_[np.arange(k), np.arange(k)], np.r_[z, j])),
                         shape=(k, m_all + k))                          # z_ij − x_j ≤ 0
    S, s_lo, s_hi = limits.rows()                                       # over the new x_j: p, budget, quotas
    new = sp.hstack([sp.csr_matrix((S.shape[0], n_old)), S, sp.csr_matrix((S.shape[0], k))])
    A = sp.vstack([assign, link, new]).tocsc()
    lo = np.r_[np.ones(len(demand)), np.full(k, -np.inf), s_lo]
    hi = np.r_[np.ones(len(demand)), np.zeros(k), s_hi]
    col_lo = np.r_[np.ones(n_old), np.zeros(m_all - n_old + k)]
    try:
        sol = solve_milp(np.r_[np.zeros(m_all), P[i] * d / scale], A, lo, hi, col_lo, np.ones(m_all + k),
                         np.r_[np.ones(m_all, bool), np.zeros(k, bool)],
                         start=_greedy_median(row, j, d, P[i], n_old, limits, warm), shown=lambda v: v * scale,
                         **search)
    except SolverError as exc:
        if exc.status != "Infeasible":
            raise
        raise _too_few(pb, limits, search) from None
    return sol.x[n_old:m_all] > 0.5, sol.status, sol.gap


def _greedy_median(row, j, d, weight, n_old: int, limits: Limits, warm: np.ndarray | None) -> np.ndarray | None:
    """A p-median start (x, then z per pair): new sites added by :func:`_grow` for the largest
    saving in ``Σ weight × cost``, each row then assigned to its nearest open site; None when
    a row is left without an open site in reach."""
    new = j >= n_old
    unassigned = 2 * float(d.max()) + 1  # the cost of a row with no open site, while choosing
    base = np.full(row.max() + 1, unassigned)
    np.minimum.at(base, row[~new], d[~new])
    chosen = _grow(limits, _savings(base, row[new], j[new] - n_old, d[new], weight[new]), warm)
    if chosen is None:
        return None
    is_open = np.r_[np.ones(n_old, bool), chosen]
    use = np.flatnonzero(is_open[j])
    if len(np.unique(row[use])) < len(base):
        return None
    z = np.zeros(len(row))
    z[use[_nearest(row[use], d[use])]] = 1.0
    return np.r_[is_open, z]


class _Levels:
    """The p-median's pairs by demand row and cost, grouped into levels: the distinct costs
    ``D_r0 < D_r1 < … < D_r(K−1)`` of each row ``r`` (Cornuéjols et al. 1980; Elloumi 2010).
    Attributes: per pair ``row``, ``j`` (site), ``d`` (cost), ``level`` (global level id);
    per level ``of`` (its row), ``cost``; per row ``first`` (its first level), ``count``
    (its levels ``K``), ``weight`` (population)."""

    def __init__(self, row: np.ndarray, j: np.ndarray, d: np.ndarray, weight: np.ndarray):
        order = np.lexsort((d, row))
        self.row, self.j, self.d, self.weight = row[order], j[order], d[order], weight
        starts = np.r_[True, (np.diff(self.row) != 0) | (np.diff(self.d) != 0)] if len(order) else np.zeros(0, bool)
        self.level = np.cumsum(starts) - 1
        self.of, self.cost = self.row[starts], self.d[starts]
        self.first = np.searchsorted(self.of, np.arange(len(weight)))
        self.count = np.diff(np.r_[self.first, len(self.of)])

    def nearest(self, is_open: np.ndarray, unreached: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the cost to the nearest open site (``unreached`` if none) and its level (``count`` if none)."""
        at = np.flatnonzero(is_open[self.j])
        first = at[np.r_[True, np.diff(self.row[at]) > 0]] if len(at) else at
        d1, lev = np.full(len(self.weight), unreached), self.count.copy()
        d1[self.row[first]], lev[self.row[first]] = self.d[first], self.level[first] - self.first[self.row[first]]
        return d1, lev

    def total(self, is_open: np.ndarray) -> float:
        """``Σ weight × cost to the nearest open site`` (infinite when a row has none)."""
        return float(self.weight @ self.nearest(is_open)[0])


def _median_start(lv: _Levels, n_old: int, limits: Limits, warm: np.ndarray | None, deadline) -> np.ndarray | None:
    """A p-median start: new sites added by :func:`_grow` for the largest saving in ``Σ weight
    × cost`` (from ``warm`` when given), then improved by :func:`_interchange`; None when
    a row is left without an open site in reach."""
    row, j, d = lv.row, lv.j, lv.d
    new = j >= n_old
    base = np.full(len(lv.weight), 2 * float(d.max()) + 1)  # a row with no open site in reach, while choosing
    np.minimum.at(base, row[~new], d[~new])
    chosen = _grow(limits, _savings(base, row[new], j[new] - n_old, d[new], lv.weight[row[new]]), warm)
    if chosen is None or not np.isfinite(lv.total(np.r_[np.ones(n_old, bool), chosen])):
        return None
    return _interchange(lv, n_old, limits, chosen, deadline)


#: Share of the time limit the interchange heuristic may take before the MILP.
INTERCHANGE_SHARE = 0.25
#: Largest ``candidates × open new sites`` matrix of swap gains the interchange builds.
INTERCHANGE_CELLS = 1 << 24


def _interchange(lv: _Levels, n_old: int, limits: Limits, chosen: np.ndarray, deadline) -> np.ndarray:
    """Teitz & Bart (1968) vertex substitution with the fast gains of Whitaker (1983): while
    some swap of an open new site for a closed candidate (within the limits) lowers the
    total cost, make the best one. Per row with nearest open cost ``d1`` (site ``f1``) and
    second ``d2``, swapping ``j`` in for ``r`` gains ``Σᵢ wᵢ (d1 − dᵢⱼ)⁺ − Σ_{f1=r} wᵢ
    (min(dᵢⱼ, d2) − d1)⁺``."""
    row, j, d, w = lv.row, lv.j, lv.d, lv.weight
    m = len(chosen)
    if chosen.sum() * m > INTERCHANGE_CELLS:
        return chosen
    stop = None if deadline is None else time.monotonic() + INTERCHANGE_SHARE * (deadline - time.monotonic())
    big = 2 * float(d.max()) + 1  # the cost of a row with no open site
    chosen = chosen.copy()
    new = j >= n_old
    while stop is None or time.monotonic() < stop:
        is_open = np.r_[np.ones(n_old, bool), chosen]
        at = np.flatnonzero(is_open[j])
        head = np.r_[True, np.diff(row[at]) > 0]
        second = at[np.r_[False, ~head[1:] & head[:-1]]]
        d1, f1, d2 = np.full(len(w), big), np.full(len(w), -1), np.full(len(w), big)
        d1[row[at[head]]], f1[row[at[head]]], d2[row[second]] = d[at[head]], j[at[head]], d[second]
        closed = new & ~is_open[j]
        gain = np.bincount(j[closed] - n_old, weights=(w[row] * np.maximum(d1[row] - d, 0))[closed], minlength=m)
        S = np.flatnonzero(chosen)
        slot = np.full(m, -1)
        slot[S] = np.arange(len(S))
        mine = f1 >= n_old  # rows served by a new site
        r_of = np.where(mine, slot[np.maximum(f1 - n_old, 0)], -1)
        loss = np.bincount(r_of[mine], weights=(w * (d2 - d1))[mine], minlength=len(S))
        q = np.flatnonzero(closed & mine[row] & (d < d2[row]))
        back = np.bincount((j[q] - n_old) * len(S) + r_of[row[q]], minlength=m * len(S),
                           weights=w[row[q]] * (d2[row[q]] - np.maximum(d[q], d1[row[q]]))).reshape(m, len(S))
        profit = np.where(limits.swaps(chosen), gain[:, None] - loss[None, :] + back, -np.inf)
        k = int(np.argmax(profit))
        if not profit.size or profit.flat[k] <= 1e-9 * float(w @ d1):
            break
        chosen[k // len(S)], chosen[S[k % len(S)]] = True, False
    return chosen


#: Levels kept at first beyond each row's level in the start: those within this factor of its cost.
LEVEL_SLACK = 1.5


def _radius_search(lv: _Levels, n_old: int, limits: Limits, chosen: np.ndarray | None, search: dict, deadline):
    """The p-median solved exactly through truncated radius formulations (García, Labbé &
    Marín 2011). Row ``r`` keeps its first ``L_r`` levels; ``z_rk`` (k < L_r) is 1 when no
    open site is within ``D_rk``: minimize ``Σ_r w_r (D_r0 + Σ_k (D_r(k+1) − D_rk) z_rk)``
    subject to ``z_r0 + Σ_{level 0} xⱼ ≥ 1``, ``z_rk − z_r(k−1) + Σ_{level k} xⱼ ≥ 0`` and the
    limits; ``z_r(K−1) = 0`` where every level is kept. Dropping the later terms (all ≥ 0)
    makes each truncated model a relaxation, so its bound is a bound of the p-median; a
    solution with every ``z_r(L−1) = 0`` costs what the model says and is optimal. Else
    the rows it leaves beyond their levels get levels up to their cost in it (so it stays
    feasible at its true cost) and the model is solved again, from the best solution so far.

    With ``p`` given, the Lagrangian bound (:func:`_lagrangian`) comes first: its own sites
    may be the better start (then improved by :func:`_interchange`), and when it leaves a gap
    its reduction (:func:`_reduce`) shrinks the model: sites it proves closed go, sites it
    proves open are fixed, and each row keeps only the pairs up to its nearest fixed site."""
    m_all = n_old + len(limits.cost)
    tolerance = search.get("mip_rel_gap") or 1e-4
    is_open = None if chosen is None else np.r_[np.ones(n_old, bool), chosen]
    best = math.inf if is_open is None else lv.total(is_open)
    lower, shut, fixed = -math.inf, np.zeros(m_all - n_old, bool), np.zeros(m_all - n_old, bool)
    if is_open is not None and limits.p:
        dual = _lagrangian(lv, n_old, limits, best, is_open, deadline)
        lower = dual.lower
        if dual.cost < best:  # the relaxation's sites, to a local optimum of the interchange
            found = _interchange(lv, n_old, limits, dual.is_open[n_old:], deadline)
            is_open = np.r_[np.ones(n_old, bool), found]
            best = lv.total(is_open)
        if best - lower <= tolerance * abs(best):
            return is_open[n_old:], "Optimal", _gap(best, lower)
        if deadline is not None and deadline - time.monotonic() < 1.0:
            return is_open[n_old:], "Time limit reached", _gap(best, lower)
        shut, fixed, reduced = _reduce(lv, n_old, limits.p, dual, best, is_open)
        if reduced is None:  # a row every site of which is closed: no solution is cheaper
            return is_open[n_old:], "Optimal", 0.0
        lv, ceiling = reduced, best  # bounds of the reduced model hold for solutions cheaper than the ceiling
    else:
        ceiling = math.inf
    if is_open is None:
        keep = np.minimum(lv.count, 2)
    else:  # the levels within LEVEL_SLACK × the start's cost, and at least up to the start's
        d1, lev = lv.nearest(is_open)
        within = np.bincount(lv.of[lv.cost <= (d1 * LEVEL_SLACK)[lv.of]], minlength=len(lv.weight))
        keep = np.minimum(np.maximum(within, lev + 1), lv.count)
    while True:
        try:
            sol = _truncated(lv, n_old, m_all, keep, is_open, limits, search, deadline, shut, fixed)
        except SolverError as exc:
            if exc.status != "Infeasible" or not math.isfinite(ceiling):
                raise
            return is_open[n_old:], "Optimal", 0.0  # nothing within the reduction: the start is optimal
        x = np.r_[np.ones(n_old, bool), sol.x[n_old:m_all] > 0.5]
        value = lv.total(x)
        if value < best:
            best, is_open = value, x
        lower = max(lower, min(sol.bound, ceiling))
        lev = lv.nearest(x)[1]
        short = lev >= keep  # nearest open site beyond the kept levels
        gap = _gap(best, lower)
        if gap <= tolerance:
            return is_open[n_old:], "Optimal", gap
        if not short.any() or not sol.optimal:  # x costs what the model says, or the time is up
            return is_open[n_old:], sol.status, gap
        keep = np.where(short, np.minimum(np.maximum(2 * keep, lev + 1), lv.count), keep)


def _gap(best: float, lower: float) -> float:
    """``(best − lower) / best``, at least 0 (0 when ``best`` is)."""
    return max((best - lower) / abs(best), 0.0) if best else 0.0


#: Share of the time left that the Lagrangian bound may take, its most subgradient steps, and
#: the steps without a better bound after which the step size is halved.
LAGRANGIAN_SHARE, LAGRANGIAN_STEPS, LAGRANGIAN_PATIENCE = 0.5, 20_000, 100


@dataclass(frozen=True)
class _Dual:
    """What the Lagrangian relaxation of :func:`_lagrangian` found: its best bound ``lower``
    with the per-site ``rho`` there (new sites of least ``rho`` make up its solution), and the
    cheapest sites it met within the limits (``is_open``, every site; the start's when none is
    cheaper) with their ``cost``."""

    lower: float
    rho: np.ndarray
    is_open: np.ndarray | None
    cost: float


def _lagrangian(lv: _Levels, n_old: int, limits: Limits, upper: float, is_open: np.ndarray, deadline) -> _Dual:
    """A lower bound of the p-median with ``p`` new sites (any budget or quotas relaxed): the
    Lagrangian relaxation of the assignment rows (Cornuéjols, Fisher & Nemhauser 1977;
    Beasley 1993), ``L(λ) = Σᵣ λᵣ + Σ_{j open} ρⱼ`` with ``ρⱼ = Σᵣ min(0, wᵣ dᵣⱼ − λᵣ)``, the
    existing sites and the ``p`` new ones of least ``ρ`` open. Every ``L(λ)`` is a bound (it
    tends to the LP bound); ``λ`` by subgradient steps from the costs of ``is_open`` (cost
    ``upper``): Polyak's, to the best cost known, halved after ``LAGRANGIAN_PATIENCE`` steps
    without a better bound. A step reads only the pairs with ``wᵣ dᵣⱼ < λᵣ`` (a prefix of each
    row, found by one binary search), so thousands take seconds. The relaxation's own sites
    are costed as it goes: when each row has exactly one open site below its ``λᵣ`` they cost
    ``L(λ)`` and are optimal. The best bound is recomputed over every pair at the end."""
    n, m_all, p = len(lv.weight), n_old + len(limits.cost), limits.p
    row, j = lv.row, lv.j
    wd = lv.weight[row] * lv.d  # ascending within each row
    head = np.searchsorted(row, np.arange(n))
    size = np.diff(np.r_[head, len(row)])
    top = 2 * np.maximum(wd[head + size - 1], np.finfo(float).tiny)
    key = row + wd / top[row]  # ascending: one search finds each row's prefix below λ
    rows = np.arange(n)
    lam = lv.weight * lv.nearest(is_open)[0]
    best_sites, best_cost = is_open, upper
    stop = None if deadline is None else time.monotonic() + LAGRANGIAN_SHARE * (deadline - time.monotonic())
    best, best_lam, mu, stall = -math.inf, lam, 2.0, 0
    for step in range(LAGRANGIAN_STEPS):
        # each row's pairs below λ and one more (the key's rounding; the bound returned is recomputed exactly)
        count = np.minimum(np.searchsorted(key, rows + np.minimum(lam / top, 0.75), side="right") + 1 - head, size)
        at = np.repeat(head - np.r_[0, np.cumsum(count)[:-1]], count) + np.arange(count.sum())
        r, diff = row[at], np.minimum(wd[at] - lam[row[at]], 0.0)
        rho = np.bincount(j[at], weights=diff, minlength=m_all)
        pick = np.r_[np.ones(n_old, bool), np.zeros(m_all - n_old, bool)]
        if p:
            pick[n_old + np.argpartition(rho[n_old:], p - 1)[:p]] = True
        value = float(lam.sum() + rho[pick].sum())
        if value > best:
            best, best_lam, stall = value, lam, 0
        elif (stall := stall + 1) >= LAGRANGIAN_PATIENCE:
            mu, stall = mu / 2, 0
        g = 1.0 - np.bincount(r, weights=(diff < 0) & pick[j[at]], minlength=n)
        norm = float(g @ g)
        if (norm == 0 or step % 50 == 0) and limits.allows(pick[n_old:]):
            cost = lv.total(pick)
            if cost < best_cost:
                best_sites, best_cost = pick, cost
        if (norm == 0 or mu < 1e-4 or best_cost - best <= 1e-6 * abs(best_cost)
                or (stop is not None and time.monotonic() > stop)):
            break
        lam = np.maximum(lam + mu * (best_cost - value) / norm * g, 0.0)
    rho = np.bincount(j, weights=np.minimum(wd - best_lam[row], 0.0), minlength=m_all)  # every pair: exact
    new = rho[n_old:]
    lower = float(best_lam.sum() + rho[:n_old].sum() + (np.partition(new, p - 1)[:p].sum() if p else 0.0))
    return _Dual(lower, rho, best_sites, best_cost)


def _reduce(lv: _Levels, n_old: int, p: int, dual: _Dual, upper: float, is_open: np.ndarray):
    """Lagrangian reduction: new sites the bound proves closed (``shut``) or open (``fixed``) in
    every solution cheaper than ``upper``, and the pairs still of use. With ``j`` forced into
    (out of) the relaxation's solution, its bound rises by ``ρⱼ`` less the largest ``ρ`` of the
    ``p`` chosen (the least not chosen, less ``ρⱼ``); above ``upper``, no cheaper solution has
    ``j`` open (closed). A row's pairs beyond its nearest site known open are never used."""
    rho = dual.rho[n_old:]
    order = np.argsort(rho, kind="stable")
    inside = np.zeros(len(rho), bool)
    inside[order[:p]] = True
    margin = 1e-9 * abs(upper)
    last, after = rho[order[p - 1]], rho[order[p]] if p < len(rho) else math.inf
    shut = ~inside & (dual.lower + rho - last > upper + margin) & ~is_open[n_old:]
    fixed = inside & (dual.lower - rho + after > upper + margin)
    known = np.r_[np.ones(n_old, bool), fixed]
    reach = np.full(len(lv.weight), np.inf)
    np.minimum.at(reach, lv.row[known[lv.j]], lv.d[known[lv.j]])
    use = ~np.r_[np.zeros(n_old, bool), shut][lv.j] & (lv.d <= reach[lv.row])
    if len(np.unique(lv.row[use])) < len(lv.weight):  # a row with every site closed
        return shut, fixed, None
    return shut, fixed, _Levels(lv.row[use], lv.j[use], lv.d[use], lv.weight)


def _truncated(lv: _Levels, n_old: int, m_all: int, keep: np.ndarray, is_open, limits: Limits, search: dict,
               deadline, shut: np.ndarray, fixed: np.ndarray):
    """The radius formulation of :func:`_radius_search` keeping the first ``keep[r]`` levels of
    each row, solved from ``is_open`` (when given), the new sites ``shut`` closed and ``fixed`` open."""
    rank = np.arange(len(lv.of)) - lv.first[lv.of]
    kept = np.flatnonzero(rank < keep[lv.of])  # global level ids, in row order
    k = len(kept)
    pos = np.full(len(lv.of), -1)
    pos[kept] = np.arange(k)
    last = rank[kept] == keep[lv.of[kept]] - 1
    full = last & (keep[lv.of[kept]] == lv.count[lv.of[kept]])
    w = lv.weight[lv.of[kept]]
    step = np.where(full, 0.0, lv.cost[np.minimum(kept + 1, len(lv.of) - 1)] - lv.cost[kept])
    offset = float(lv.weight @ lv.cost[lv.first])
    scale = float((w * step).sum()) / len(lv.weight) or 1.0  # the objective's unit: ~ a row's share
    use = np.flatnonzero(pos[lv.level] >= 0)  # pairs at kept levels
    S, s_lo, s_hi = limits.rows()
    size = ModelSize(k + S.shape[0], m_all + k, len(use) + 2 * k + S.nnz)
    check_size(size, "pmedian", SHRINK)
    chain = np.flatnonzero(rank[kept] > 0)  # z_rk − z_r(k−1)
    A = sp.vstack([sp.csr_matrix((np.r_[np.ones(len(use)), np.ones(k), -np.ones(len(chain))],
                                  (np.r_[pos[lv.level[use]], np.arange(k), chain],
                                   np.r_[lv.j[use], m_all + np.arange(k), m_all + chain - 1])), shape=(k, m_all + k)),
                   sp.hstack([sp.csr_matrix((S.shape[0], n_old)), S, sp.csr_matrix((S.shape[0], k))])]).tocsc()
    lo = np.r_[(rank[kept] == 0).astype(float), s_lo]
    hi = np.r_[np.full(k, np.inf), s_hi]
    col_lo = np.r_[np.ones(n_old), fixed, np.zeros(k)].astype(float)
    col_hi = np.r_[np.ones(n_old), ~shut, np.where(full, 0.0, 1.0)].astype(float)
    start = None
    if is_open is not None:
        d1 = lv.nearest(is_open)[0]
        start = np.r_[is_open, d1[lv.of[kept]] > lv.cost[kept]].astype(float)
    left = dict(search)
    if deadline is not None:
        left["time_limit"] = max(deadline - time.monotonic(), 1e-3)
    sol = solve_milp(np.r_[np.zeros(m_all), w * step / scale], A, lo, hi, col_lo, col_hi,
                     np.r_[np.ones(m_all, bool), np.zeros(k, bool)], start=start, offset=offset / scale,
                     shown=lambda v: v * scale, **left)
    return replace(sol, objective=sol.objective * scale, bound=sol.bound * scale)


def _savings(base: np.ndarray, row, site, d, weight) -> Callable[[np.ndarray], np.ndarray]:
    """``gain(chosen)`` of the p-median greedy: per candidate ``site``, ``Σ weight × (cost now −
    cost to it)`` over its pairs; the cost now (``base``: to the existing sites) follows the
    sites opened since the last call."""
    best, opened = base.copy(), None

    def saving(chosen: np.ndarray) -> np.ndarray:
        nonlocal best, opened
        if opened is None or (opened & ~chosen).any():
            best, opened = base.copy(), np.zeros(len(chosen), bool)
        for s in np.flatnonzero(chosen & ~opened):
            at = site == s
            np.minimum.at(best, row[at], d[at])
        opened = chosen.copy()
        return np.bincount(site, weights=weight * np.maximum(best[row] - d, 0), minlength=len(chosen))

    return saving


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
    x0 = _grow(limits, _covers(a, np.ones(n)))
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
    first = _nearest(i, d)
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
        shown = (lambda v: f"{v:.1%}") if self.model == "mclp" else (lambda v: f"{v:,.4g}")
        return (f"{self.measure.capitalize()}: {shown(first['objective'])} at {self.by} = {first[self.by]:g}, "
                f"{shown(last['objective'])} at {self.by} = {last[self.by]:g} ({len(self.table)} solves).")

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
    base = _limits(candidates, cand.ids, None, cost, None, region, quotas)
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
