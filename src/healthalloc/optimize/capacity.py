"""Capacity optimization: re-allocate a fixed total among existing sites for the most equal access.

Maximal accessibility equality (Wang & Tang 2013): choose capacities ``Sⱼ`` with
``Σⱼ Sⱼ = T`` (default: today's total) and ``Lⱼ ≤ Sⱼ ≤ Uⱼ`` to

    minimize  Σᵢ Pᵢ (Aᵢ − Ā)²,    Ā = Σᵢ Pᵢ Aᵢ / Σᵢ Pᵢ,

with ``A = M S`` the accessibility of a floating catchment method, from access's public
operator (:func:`healthalloc.access.fca_operator`): ``Mᵢⱼ = Lᵢⱼ / Dⱼ``, linear in ``S``
for fixed demand potentials ``Dⱼ`` (exact for 2SFCA, E2SFCA, 3SFCA and M2SFCA; for
Huff-2SFCA the choice probabilities are held at today's capacities). The sums run over the demand points with
a site in reach: the others have ``A = 0`` whatever the allocation (they are reported by
the accessibility warning), and including them would only reward wasting capacity. For the
same reason sites with no demand in reach keep their capacity (with a warning): capacity
moved there would reach no one and lower every ``Aᵢ`` and ``Ā`` alike. With them fixed,
``Ā = (T − their capacity) / ΣP`` is the same for every allocation.

``objective="variance"`` is the convex QP above in the capacities alone. Its Hessian is
``2 (Mᵀ diag(P) M − ΣP a aᵀ)`` with ``Ā = a S``; where ``Ā`` is the same for every
allocation, the rank-one term is dropped and the sparse ``2 Mᵀ diag(P) M`` (non-zero for
sites sharing demand) is passed to the solver (:func:`healthalloc.solver.solve_box_qp`;
HiGHS' QP solver for the start of the integer heuristic). Where it is not (M2SFCA, whose access step
weights distance again, so that ``Σ Pᵢ Aᵢ`` depends on where the capacity is), the mean
enters as one more, free, variable ``μ``: ``Σᵢ Pᵢ (Aᵢ − μ)²`` is minimized over ``μ`` at
``μ = Ā``, and its Hessian stays sparse but for one row. Either is scaled: capacities in units of ``T/m`` and
the Hessian divided by its largest diagonal entry, so its entries are at most 1 (as posed,
with populations in the thousands, they are near 1e-6 and HiGHS' QP solver stalls).

Scaling is exact: ``M``, ``P`` and the capacities are divided by powers of two before any
product is formed, so the model HiGHS solves is the same, bit for bit, when the population
or the capacities are multiplied by a power of two, and the allocation scales exactly
with them; the objective is summed in units of the mean accessibility, so its squares
neither overflow nor underflow. Inputs whose accessibility unit ``T / ΣP`` or objective
unit ``T² / ΣP`` lies outside ``UNIT_RANGE`` are refused, naming the total (or capacity
column) and the population column.

Solver noise: a capacity within ``NOISE × T`` of its lower or upper bound is set to the
bound, so a site the optimum leaves empty holds exactly 0; a change (after − before) within
``NOISE`` times the larger of the two values is exactly 0 in every table.

With
``integer=True`` (whole beds) the QP optimum is rounded (largest remainders, keeping ``T``)
and improved by moving one unit between two sites while that lowers the objective: a local
optimum, reported as such (HiGHS has no mixed-integer QP).
``objective="shortfall"`` is the linear variant: minimize the largest shortfall
``maxᵢ (Ā − Aᵢ)``; with ``integer=True`` an exact MILP. With ``integer=True``, sites whose
capacity is fixed (lower = upper bound, or no demand in reach) keep it as given, fraction
and all; the others share the whole part of what is left of ``T`` (a fraction left over is
not allocated, with a warning), and ``T`` is reported as allocated: ``Σ Sⱼ = T`` exactly.

Bounds may also be shares of today's capacity: ``a Sⱼ ≤ Sⱼ' ≤ b Sⱼ`` (``lower_share``,
``upper_share``), the tighter of a share and an absolute bound holding. Without a lower
bound the most equal allocation often empties sites; the result counts them (``n_closed``)
and the capacity moved (``Σⱼ |Sⱼ' − Sⱼ| / 2``), and a warning names them.

Where today's allocation meets the total and the bounds and its objective is within
``KEEP`` of the optimum's (it is already optimal, as far as the solver can tell), it is
kept, and the status says so: an equally good allocation is never "found" by closing sites.

References
----------
Wang, F. & Tang, Q. (2013). Planning toward equal accessibility to services: a quadratic
programming approach. *Environment and Planning B* 40(2), 195–212.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from healthalloc.access import COLUMNS
from healthalloc.access import PARAMS as ACCESS
from healthalloc.access import Points, access_equity, demand_supply, fca_operator, kernel, place_namer, resolve_decay
from healthalloc.data.messages import listing, show
from healthalloc.data.validate import DataError
from healthalloc.params import Param, Params, declared
from healthalloc.report import figures as draw
from healthalloc.report.tables import format_amount, format_number
from healthalloc.result import Result
from healthalloc.solver import (INF, PROGRESS, TIME_LIMIT, ModelSize, check_size, solve_box_qp, solve_lp, solve_milp,
                               solve_qp)

__all__ = ["OBJECTIVES", "PARAMS", "CapacityModel", "CapacityResult", "capacity_model", "optimize_capacity"]

OBJECTIVES = ("variance", "shortfall")
"""``variance``: Σ Pᵢ (Aᵢ − Ā)² (QP); ``shortfall``: the largest Ā − Aᵢ (LP)."""

#: The parameters of :func:`optimize_capacity` beyond the accessibility method's, from which
#: ``healthalloc optimize capacity`` and the study analysis ``capacity`` are generated.
PARAMS = Params(
    Param("total", None, "capacity T to allocate (default: today's total)", kind=(int, float), low=0,
          low_open=True, metavar="T"),
    Param("lower", None, "supply column of per-site lower bounds", kind=str, flag="--min", metavar="COL",
          objects=(float, int, np.ndarray)),
    Param("upper", None, "supply column of per-site upper bounds", kind=str, flag="--max", metavar="COL",
          objects=(float, int, np.ndarray)),
    Param("lower_share", None, "every site keeps at least this share of its current capacity: S' ≥ a·S (with "
          "--min, the tighter bound holds)", kind=float, low=0, metavar="A"),
    Param("upper_share", None, "no site gets more than this share of its current capacity: S' ≤ b·S (with "
          "--max, the tighter bound holds)", kind=float, low=0, metavar="B"),
    Param("objective", "variance", "variance: Σ P (A − Ā)², a QP; shortfall: the largest Ā − A, an LP",
          choices=OBJECTIVES),
    Param("integer", False, "whole units (beds)"),
    Param("time_limit", TIME_LIMIT, "seconds for the integer shortfall MILP, then (as on Ctrl-C) the best solution "
          "found, with its gap (library: None for no limit)", kind=(int, float), low=0, low_open=True, metavar="S"),
)

#: Largest number of sites for the integer variance heuristic (it holds an m × m Hessian).
MAX_INTEGER_SITES = 3000
#: What makes the integer shortfall MILP smaller, for the message refusing one too large.
SHRINK = ("a smaller catchment (fewer demand–site pairs), fewer demand points (aggregated), or integer=False "
          "(--no-integer: an LP)")
#: Relative tolerance of solver noise (see the module docstring).
NOISE = 1e-9
#: Today's allocation is kept when its objective is within this share of the optimum's (or of
#: the objective's unit, ``T² / ΣP`` or ``T / ΣP``): no site is closed for no gain.
KEEP = 1e-7
#: Units of accessibility (T / ΣP) and of the variance objective (T² / ΣP) that are handled:
#: values up to 1e±50 times a unit stay normal floating point numbers.
UNIT_RANGE = (1e-250, 1e250)


def change(before, after):
    """``after − before``, exactly 0 where within ``NOISE`` times the larger of the two values."""
    before, after = np.asarray(before, float), np.asarray(after, float)
    with np.errstate(invalid="ignore"):  # inf − inf (Theil L with unreachable demand) is NaN, as in pandas
        diff = after - before
    return np.where(np.abs(diff) <= NOISE * np.maximum(np.abs(before), np.abs(after)), 0.0, diff)


def _power_of_two(x: float) -> float:
    """The power of two in ``(x, 2x]`` (1 for ``x`` ≤ 0): dividing by it is exact."""
    return math.ldexp(1.0, math.frexp(x)[1]) if x > 0 else 1.0


@dataclass(frozen=True)
class CapacityModel:
    """Accessibility as a linear function of capacity, over the demand points in reach.

    Attributes
    ----------
    matrix : sparse matrix
        ``M`` (served demand points × sites): ``A = M @ S``.
    population : ndarray
        ``Pᵢ`` of the served demand points.
    served : ndarray of bool
        Which demand points (of the whole table) have a site in reach and population.
    """

    matrix: sp.csr_matrix
    population: np.ndarray
    served: np.ndarray

    @property
    def idle(self) -> np.ndarray:
        """Which sites have no served demand point in reach (their capacity serves no one)."""
        return self.matrix.getnnz(axis=0) == 0

    @property
    def mean_row(self) -> np.ndarray:
        """``a`` with ``Ā = a @ S``."""
        w, _ = self._weights()
        return np.asarray(self.matrix.T @ w).ravel() / w.sum()

    def access(self, capacity: np.ndarray) -> np.ndarray:
        """``A = M S`` of the served demand points."""
        return self.matrix @ np.asarray(capacity, float)

    def _weights(self) -> tuple[np.ndarray, float]:
        """``P / u`` and ``u``, a power of two at or above the largest ``Pᵢ``."""
        unit = _power_of_two(self.population.max())
        return self.population / unit, unit

    def objective(self, capacity: np.ndarray) -> float:
        """``Σᵢ Pᵢ (Aᵢ − Ā)²``, summed in units of a power of two near the largest ``Aᵢ``."""
        a = self.access(capacity)
        w, p_unit = self._weights()
        a_unit = _power_of_two(np.abs(a).max())
        dev = a / a_unit - w @ (a / a_unit) / w.sum()
        return float((w @ dev**2) * (a_unit * (a_unit * p_unit)))

    def shortfall(self, capacity: np.ndarray) -> float:
        """``maxᵢ (Ā − Aᵢ)``."""
        a = self.access(capacity)
        w, _ = self._weights()
        return float((w @ a / w.sum() - a).max())

    @property
    def fixed_mean(self) -> bool:
        """Whether ``Ā`` is the same for every allocation of the sites with demand in reach
        (``a`` constant over them: every method whose two steps share their weights)."""
        a = self.mean_row[self.matrix.getnnz(axis=0) > 0]
        return bool(a.size == 0 or np.ptp(a) <= 1e-12 * np.abs(a).max())

    def gram(self, mean: bool = False) -> sp.csc_matrix:
        """``2 Mᵀ diag(P) M`` divided by its largest diagonal entry (entries at most 1), formed
        from ``M`` and ``P`` divided by powers of two (no overflow or underflow on the way);
        with ``mean``, bordered by the free mean ``μ``: ``[[MᵀWM, −MᵀW1], [−1ᵀWM, Σ W]]``,
        the Hessian of ``Σᵢ Wᵢ ((M S)ᵢ − μ)²``."""
        w, _ = self._weights()
        M = self.matrix / _power_of_two(abs(self.matrix).max())
        G = M.T @ sp.diags(w) @ M
        if mean:
            column = -sp.csr_matrix(M.T @ w).T
            G = sp.bmat([[G, column], [column.T, sp.csr_matrix([[w.sum()]])]])
        G = sp.csc_matrix(G)
        return G / max(float(G.diagonal().max()), np.finfo(float).tiny)

    def hessian(self) -> np.ndarray:
        """``H`` (dense, m × m) with ``objective(S) = ½ Sᵀ H S``."""
        weighted = self.matrix.T @ sp.diags(self.population) @ self.matrix
        a = self.mean_row
        return 2 * (weighted.toarray() - self.population.sum() * np.outer(a, a))


def capacity_model(dem: Points, sup: Points, method: str, decay, od=None) -> CapacityModel:
    """The :class:`CapacityModel` of checked demand and supply (capacities as of today)."""
    M = fca_operator(kernel(dem, sup, method, decay, od)).matrix
    served = (np.diff(M.indptr) > 0) & (dem.amount > 0)
    return CapacityModel(M[served], dem.amount[served], served)


@dataclass(frozen=True)
class CapacityResult(Result):
    """A re-allocation of capacity and how it changes accessibility.

    Attributes
    ----------
    method, objective : str
        The accessibility method and the objective (``variance`` or ``shortfall``).
    integer : bool
        Whole units.
    sites : DataFrame
        ``id``, ``capacity_before``, ``capacity_after``, ``change``, ``lower``, ``upper``.
    points : DataFrame
        Served demand points: ``id``, ``population``, ``access_before``, ``access_after``.
    total : float
        ``T``.
    objective_before, objective_after : float
        The objective's value today and after (``Σ Pᵢ (Aᵢ − Ā)²`` in (capacity per
        person)² × persons, or the largest shortfall in capacity per person).
    equity_before, equity_after : dict
        :func:`healthalloc.access.access_equity` of both allocations (threshold: today's mean).
    status : str
        Solver status (``Optimal``; ``local optimum`` for the integer variance heuristic).
    gap : float
        Relative MIP gap (0 for continuous models and proven optima).
    model : CapacityModel
        The linear model ``A = M S``.
    """

    method: str
    objective: str
    integer: bool
    sites: pd.DataFrame
    points: pd.DataFrame
    total: float
    objective_before: float
    objective_after: float
    equity_before: dict
    equity_after: dict
    status: str
    gap: float
    model: CapacityModel

    @property
    def capacity(self) -> pd.Series:
        """The new capacity per site id."""
        return self.sites.set_index("id")["capacity_after"]

    @property
    def closed(self) -> np.ndarray:
        """Which sites held capacity today and hold none after."""
        return ((self.sites["capacity_before"] > 0) & (self.sites["capacity_after"] == 0)).to_numpy()

    @property
    def n_closed(self) -> int:
        """How many sites that held capacity today hold none after."""
        return int(self.closed.sum())

    @property
    def capacity_moved(self) -> float:
        """``Σⱼ |Sⱼ' − Sⱼ| / 2`` (capacity units): what leaves some sites for others (changes
        within solver noise count 0)."""
        return float(self.sites["change"].abs().sum() / 2)

    def to_frame(self) -> pd.DataFrame:
        """One row per site: ``id``, ``capacity_before``, ``capacity_after``, ``change``, ``lower``, ``upper``."""
        return self.sites.copy()

    def summary_dict(self) -> dict:
        """The figures of the ``.summary.json`` file of ``healthalloc optimize capacity``."""
        return {"method": self.method, "objective": self.objective, "integer": self.integer,
                "total": self.total, "objective_before": self.objective_before,
                "objective_after": self.objective_after, "gini_before": self.equity_before["gini"],
                "gini_after": self.equity_after["gini"], "theil_t_before": self.equity_before["theil_t"],
                "theil_t_after": self.equity_after["theil_t"], "status": self.status, "gap": self.gap,
                "n_closed": self.n_closed, "capacity_moved": self.capacity_moved}

    def summary(self) -> pd.DataFrame:
        """Before/after table: objective, mean accessibility, Gini, Theil L and T, share below today's mean."""
        rows = [("objective", self.objective_before, self.objective_after)]
        rows += [(k, self.equity_before[k], self.equity_after[k])
                 for k in ("mean", "gini", "theil_l", "theil_t", "share_below")]
        frame = pd.DataFrame(rows, columns=["measure", "before", "after"])
        frame["change"] = change(frame["before"], frame["after"])
        return frame

    def plot(self, top: int = 30):
        """Capacity before and after of the ``top`` sites with the largest change."""
        from healthalloc.report.figures.bars import bars

        sites = self.sites.set_index("id")
        changed = sites.loc[sites["change"].abs().sort_values(ascending=False).index[:top]]
        return bars(changed[["capacity_before", "capacity_after"]].set_axis(["before", "after"], axis=1),
                    title=f"Capacity before and after ({self.objective})", xlabel="capacity")

    def reading(self) -> str:
        """The total re-allocated, and how the Gini and the share below today's mean move."""
        eq0, eq1 = self.equity_before, self.equity_after
        today = float(self.sites["capacity_before"].sum())
        total = ("the total unchanged" if change(today, self.total) == 0
                 else f"the total from {format_amount(today)} today to {format_amount(self.total)}")
        return (f"Re-allocating {format_amount(self.total)} units among {len(self.sites):,} sites ({self.status}) "
                f"moves the Gini of accessibility from {format_number(eq0['gini'])} to {format_number(eq1['gini'])} "
                f"and the share below "
                f"today's mean from {eq0['share_below']:.0%} to {eq1['share_below']:.0%}, {total}.")

    def figures(self, demand: pd.DataFrame | None = None, supply: pd.DataFrame | None = None) -> dict:
        """Given the ``demand`` and ``supply`` tables (``id``, ``lon``, ``lat``), the map of
        accessibility after the re-allocation."""
        if demand is None or supply is None:
            return {}
        points = self.points.merge(demand[["id", "lon", "lat"]], on="id")
        sites = supply.assign(capacity=self.sites["capacity_after"].to_numpy())
        return {"map_after": ("Accessibility after re-allocation; triangles: sites (size: new capacity).",
                              lambda: draw.access_map(points, sites, value="access_after",
                                                      title="Accessibility after re-allocation"))}


@declared(ACCESS + PARAMS + Params(PROGRESS) + COLUMNS,
          data=("demand", "supply", "od"))
def optimize_capacity(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    method: str = "2sfca",
    catchment: float | None = None,
    decay: str | None = None,
    steps=None,
    beta: float | None = None,
    od: pd.DataFrame | None = None,
    total: float | None = None,
    lower: str | float | np.ndarray | None = None,
    upper: str | float | np.ndarray | None = None,
    lower_share: float | None = None,
    upper_share: float | None = None,
    objective: str = "variance",
    integer: bool = False,
    time_limit: float | None = TIME_LIMIT,
    progress: bool | None = None,
    unit: str = "id",
    population: str = "population",
    capacity: str = "capacity",
    lon: str = "lon",
    lat: str = "lat",
) -> CapacityResult:
    """Re-allocate capacity among the sites to equalize accessibility (Wang & Tang 2013).

    Parameters
    ----------
    demand, supply, od : DataFrame
        As in :func:`healthalloc.access.accessibility`.
    lower, upper : str, float or array, optional
        Bounds ``Lⱼ``, ``Uⱼ`` per site: a supply column, one number for all, or one per
        site (default 0 and unbounded); with ``lower_share`` ``a`` and ``upper_share`` ``b``
        the bounds are ``max(Lⱼ, a·Sⱼ)`` and ``min(Uⱼ, b·Sⱼ)`` (``Sⱼ``: today's capacity).
    integer : bool
        Whole units (beds): sites whose capacity is fixed (lower = upper, or no demand in
        reach) keep theirs as given; the others' bounds are rounded inwards and they share
        the whole part of what is left of ``T`` (a fraction left over is not allocated,
        with a warning); the reported ``total`` is what is allocated.

    Returns
    -------
    CapacityResult

    Raises
    ------
    DataError
        Bad tables or bounds (naming the sites), or bounds that cannot meet ``T``: the
        message names the binding constraint (lower bounds summing above ``T``, upper
        bounds summing below it, a site whose lower bound exceeds its upper bound,
        ``upper_share`` below ``lower_share``);
        population 0 everywhere; capacity 0 everywhere without ``total``; a total and
        population whose units leave ``UNIT_RANGE`` (see the module docstring).

    Warns
    -----
    UserWarning
        Capacity 0 at every site (with ``total``): the equity measures before are NaN.
        Sites with no demand in reach (they keep their capacity); with ``integer``, a
        fraction of ``T`` left unallocated; sites with capacity today set to 0 (closed).
    """
    dem, sup = demand_supply(demand, supply, od, population=population, capacity=capacity, unit=unit, lon=lon,
                             lat=lat)
    if not (dem.amount > 0).any():
        raise DataError(f"demand: {population} is 0 at every demand point: there is no accessibility to equalize")
    before = sup.amount
    if not (before > 0).any():
        if total is None:
            raise DataError(f"supply: {capacity} is 0 at every site and no total was given: nothing to "
                            "re-allocate (give the capacity to allocate: total=, --total)")
        warnings.warn(f"supply: {capacity} is 0 at every site: accessibility before is 0 everywhere, so the Gini "
                      "and Theil indices before are undefined (NaN)", stacklevel=2)
    model = capacity_model(dem, sup, method, resolve_decay(method, catchment, decay, steps, beta), od)
    if not model.served.any():
        raise DataError("no demand point with population has a site in reach: nothing to equalize")
    source = f"supply column {capacity!r}" if total is None else "total"
    total = float(before.sum() if total is None else total)
    _check_units(total, float(model.population.sum()), objective, source, f"demand column {population!r}")
    lo, hi = _bounds(supply, sup, lower, "lower", 0.0), _bounds(supply, sup, upper, "upper", math.inf)
    if lower_share is not None and upper_share is not None and upper_share < lower_share:
        raise DataError(f"infeasible: upper_share {upper_share:g} is below lower_share {lower_share:g}: no site can "
                        f"keep at least {lower_share:g} and at most {upper_share:g} times its capacity (sites "
                        f"{listing([show(i) for i in sup.ids[before > 0]])})")
    if lower_share is not None:
        lo = np.maximum(lo, lower_share * before)
    if upper_share is not None:
        hi = np.minimum(hi, upper_share * before)
    idle = model.idle
    if idle.any():  # capacity there reaches no one: moving it in would only dilute everyone's access
        lo, hi = np.where(idle, before, lo), np.where(idle, before, hi)
        warnings.warn(f"{idle.sum()} site(s) have no demand in reach and keep their capacity "
                      f"({format_amount(before[idle].sum())} in all): "
                      f"{listing(map(place_namer(sup.ids), sup.ids[idle]))}",
                      stacklevel=2)
    if integer:
        total, lo, hi = _whole(total, lo, hi)
    _check_feasible(sup, total, lo, hi)
    if objective == "variance":
        after, status, gap = _variance(model, total, lo, hi, integer)
        if integer:
            after, status = _improve_integer(model, after, total, lo, hi)
        value, unit = model.objective, total * total / model.population.sum()
    else:
        after, status, gap = _shortfall(model, total, lo, hi, integer, dict(time_limit=time_limit, progress=progress))
        value, unit = model.shortfall, total / model.population.sum()
    if _feasible(before, total, lo, hi, integer) and value(before) <= value(after) + KEEP * max(
            abs(value(before)), abs(value(after)), unit):
        after, status = before, f"{status}; today's allocation kept: no better one found"
    a0, a1 = model.access(before), model.access(after)
    eq0 = access_equity(a0, model.population)
    eq1 = access_equity(a1, model.population, eq0["mean"])
    sites = pd.DataFrame({"id": sup.ids, "capacity_before": before, "capacity_after": after + 0.0,  # no −0
                          "change": change(before, after), "lower": lo, "upper": hi})
    pts = pd.DataFrame({"id": dem.ids[model.served], "population": model.population,
                        "access_before": a0, "access_after": a1})
    result = CapacityResult(method, objective, integer, sites, pts, total, value(before), value(after),
                            eq0, eq1, status, gap, model)
    if result.n_closed:
        warnings.warn(f"{result.n_closed} of the {int((before > 0).sum())} sites with capacity today are set to 0 "
                      f"(closed): {listing(map(place_namer(sup.ids), sup.ids[result.closed]))}; to keep every site "
                      "open, give a lower bound as a share of today's capacity (lower_share=, --lower-share, e.g. 0.5)",
                      stacklevel=3)  # the caller of declared()'s wrapper
    return result


def _bounds(frame: pd.DataFrame, sup: Points, value, which: str, default: float) -> np.ndarray:
    """Per-site bounds from a column, a number or an array; DataError naming bad sites."""
    if value is None:
        return np.full(len(sup), default)
    if isinstance(value, str):
        if value not in frame.columns:
            raise DataError(f"supply: no {which}-bound column {value!r}")
        numbers = pd.to_numeric(frame[value], errors="coerce").to_numpy(float)
    else:
        numbers = np.broadcast_to(np.asarray(value, float), (len(sup),)).copy()
    bad = np.isnan(numbers) | (numbers < 0)
    if bad.any():
        raise DataError(f"supply: {which} bounds must be numbers ≥ 0; not at id "
                        f"{listing([f'{show(i)} ({show(v)})' for i, v in zip(sup.ids[bad], numbers[bad])])}")
    return numbers


def _check_units(total: float, population: float, objective: str, source: str, column: str) -> None:
    """DataError naming the total's source and the population column when the unit of
    accessibility (``T / ΣP``) or of the variance objective (``T² / ΣP``) leaves ``UNIT_RANGE``."""
    access = total / population
    units = {"accessibility": ("total / population", access)}
    if objective == "variance":
        units["the objective Σ P (A − Ā)²"] = ("total² / population", total * access)
    for what, (formula, unit) in units.items():
        if not UNIT_RANGE[0] <= unit <= UNIT_RANGE[1]:
            raise DataError(f"{source} ({total:g} in all) and {column} ({population:g} in all) put {what} in "
                            f"units of {formula} = {unit:.3g}, outside {UNIT_RANGE[0]:g} to {UNIT_RANGE[1]:g} where "
                            "its values stay floating point numbers; give them in other units (e.g. thousands)")


def _check_feasible(sup: Points, total: float, lo: np.ndarray, hi: np.ndarray) -> None:
    """DataError naming the binding constraint when no allocation meets the bounds and ``T``."""
    crossed = lo > hi
    if crossed.any():
        cells = [f"{show(i)} ({show(a)} > {show(b)})" for i, a, b in zip(sup.ids[crossed], lo[crossed], hi[crossed])]
        raise DataError(f"infeasible: lower bound above upper bound at site {listing(cells)}")
    if not (math.isfinite(total) and total > 0):
        raise DataError(f"infeasible: the total capacity must be > 0, got {show(total)}")
    if lo.sum() > total * (1 + 1e-12):
        raise DataError(f"infeasible: the lower bounds sum to {lo.sum():g}, above the total {total:g} "
                        "(binding constraint: Σ S = T with S ≥ lower)")
    if hi.sum() < total * (1 - 1e-12):
        raise DataError(f"infeasible: the upper bounds sum to {hi.sum():g}, below the total {total:g} "
                        "(binding constraint: Σ S = T with S ≤ upper)")


def _whole(total: float, lo: np.ndarray, hi: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Whole units: sites whose capacity is fixed (lower = upper, as for sites with no demand in
    reach) keep it as it is; the others' bounds are rounded inwards and they share the whole
    part of what the fixed sites leave of ``total``, which becomes the total (a fraction left
    over is said in a warning)."""
    fixed = lo == hi
    kept = float(lo[fixed].sum())
    movable = math.floor(total - kept + 1e-9)
    if total - kept - movable > 1e-9:
        warnings.warn(f"integer: {total - kept - movable:g} of the total {total:g} is less than one whole unit and "
                      f"is not allocated; the total is {movable + kept:g} ({movable:g} in whole units"
                      + (f", {kept:g} kept by sites whose capacity is fixed)" if kept else ")"), stacklevel=3)
    lo = np.where(fixed, lo, np.ceil(lo - 1e-9) + 0.0)  # + 0.0: no −0 written for a bound 0
    return movable + kept, lo, np.where(fixed, hi, np.floor(hi + 1e-9))


def _feasible(S: np.ndarray, total: float, lo: np.ndarray, hi: np.ndarray, integer: bool) -> bool:
    """Whether ``S`` meets the total and the bounds (and, with ``integer``, is whole where not fixed)."""
    whole = not integer or bool((S[lo < hi] == np.round(S[lo < hi])).all())
    return whole and bool((S >= lo).all() and (S <= hi).all()) and abs(S.sum() - total) <= NOISE * total


def _variance(model: CapacityModel, total: float, lo, hi, integer: bool = False) -> tuple[np.ndarray, str, float]:
    """The QP in x = S / s (s: a power of two near T / m) with the Hessian :meth:`CapacityModel.gram`:
    continuous, by the primal-dual active-set method of :func:`solve_box_qp` (which falls back
    to HiGHS when its answer fails the KKT check); with ``integer`` (the start of the unit
    moves), by HiGHS' QP solver as before."""
    m = model.matrix.shape[1]
    s = _power_of_two(total / m)
    free = int(not model.fixed_mean)  # the mean μ as a variable (M2SFCA), in A's scaled unit
    rows = sp.csr_matrix(np.r_[np.ones(m), np.zeros(free)][None, :])
    col_lo = np.r_[lo / s, np.full(free, -INF)]
    col_hi = np.r_[np.where(np.isfinite(hi), hi / s, INF), np.full(free, INF)]
    if integer:
        sol = solve_qp(np.zeros(m + free), model.gram(mean=bool(free)), rows, [total / s], [total / s], col_lo, col_hi)
    else:
        sol = solve_box_qp(model.gram(mean=bool(free)), np.zeros(m + free), rows, [total / s], col_lo, col_hi)
    return _tidy(sol.x[:m] * s, total, lo, hi), sol.status, 0.0


def _shortfall(model: CapacityModel, total: float, lo, hi, integer: bool, search: dict) -> tuple[np.ndarray, str, float]:
    """The LP/MILP: columns y (S / s_S), μ (Ā / s_A), z (largest shortfall / s_A), with s_S and
    s_A powers of two near T / m and T / ΣP."""
    n, m = model.matrix.shape
    s_S = 1.0 if integer else _power_of_two(total / m)  # whole units stay whole
    s_A = _power_of_two(total / model.population.sum())
    M = model.matrix * (s_S / s_A)
    A = sp.vstack([
        sp.hstack([-M, np.ones((n, 1)), -np.ones((n, 1))]),                       # μ − M y − z ≤ 0
        sp.hstack([sp.csr_matrix(-(s_S / s_A) * model.mean_row), sp.csr_matrix([[1.0, 0.0]])]),  # μ − a y = 0
        sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, 2))]),  # Σ y = T / s_S
    ]).tocsc()
    row_lo = np.r_[np.full(n, -INF), 0.0, total / s_S]
    row_hi = np.r_[np.zeros(n), 0.0, total / s_S]
    col_lo = np.r_[lo / s_S, -INF, -INF]
    col_hi = np.r_[np.where(np.isfinite(hi), hi / s_S, INF), INF, INF]
    cost = np.r_[np.zeros(m + 1), 1.0]
    if integer:
        check_size(ModelSize(*A.shape, A.nnz), "capacity (integer shortfall)", SHRINK)
        movable = lo < hi  # fixed sites keep a fractional capacity (see _whole)
        sol = solve_milp(cost, A, row_lo, row_hi, col_lo, col_hi, np.r_[movable, False, False],
                         shown=lambda v: v * s_A, **search)
        return np.where(movable, np.round(sol.x[:m]), lo), sol.status, sol.gap
    lp = solve_lp(cost, A, row_lo, row_hi, col_lo, col_hi)
    return _tidy(lp.x[:m] * s_S, total, lo, hi), lp.status, 0.0


def _tidy(S: np.ndarray, total: float, lo, hi) -> np.ndarray:
    """Remove the solver's noise: within the bounds, a capacity within ``NOISE × T`` of a bound
    on it, summing to ``total`` (the rest spread over the sites off their bounds)."""
    S = np.clip(S, lo, hi)
    tol = NOISE * total
    S = np.where(S - lo <= tol, lo, np.where(hi - S <= tol, hi, S))
    rest = total - S.sum()
    room = hi - S if rest > 0 else S - lo
    room = np.where(np.isfinite(room), room, total)
    free = room * ((S > lo) & (S < hi))  # each site moves in proportion to its room: no bound is crossed
    room = free if free.sum() >= abs(rest) else room
    return S + rest * room / room.sum() if room.sum() > 0 else S


def _improve_integer(model: CapacityModel, S: np.ndarray, total: float, lo, hi) -> tuple[np.ndarray, str]:
    """Round to whole units keeping ``total`` (largest remainders), then move one unit at a
    time from site a to site b while that lowers ``½ Sᵀ H S`` (``H``: :meth:`CapacityModel.gram`,
    the objective's Hessian up to a positive factor and the rank-one term, which no move
    keeping ``total`` changes): a local optimum."""
    m = len(S)
    if m > MAX_INTEGER_SITES:
        raise ValueError(f"the integer variance re-allocation handles at most {MAX_INTEGER_SITES} sites "
                         f"(got {m}); use objective='shortfall' (an exact MILP) or integer=False")
    whole = np.clip(np.floor(S + 1e-9), lo, hi)
    short = int(round(total - whole.sum()))
    room = np.flatnonzero(whole < hi)
    order = room[np.argsort(-(S - whole)[room], kind="stable")]
    whole[order[:short]] += 1
    H = model.gram().toarray()
    diag = np.diag(H)
    grad = H @ whole
    while True:
        # Δ(a → b) = g_b − g_a + ½ (H_aa + H_bb − 2 H_ab)
        delta = grad[None, :] - grad[:, None] + 0.5 * (diag[:, None] + diag[None, :] - 2 * H)
        delta[whole <= lo, :] = np.inf
        delta[:, whole >= hi] = np.inf
        np.fill_diagonal(delta, np.inf)
        a, b = np.unravel_index(np.argmin(delta), delta.shape)
        if not delta[a, b] < -1e-12 * max(1.0, abs(whole @ grad)):
            return whole, "local optimum (rounded QP optimum, improved by unit moves)"
        whole[a] -= 1
        whole[b] += 1
        grad += H[:, b] - H[:, a]
