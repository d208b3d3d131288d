"""Floating catchment area accessibility: 2SFCA, E2SFCA, 3SFCA, Huff-2SFCA and M2SFCA.

Demand points ``i`` (population ``Pᵢ``), sites ``j`` (capacity ``Sⱼ``), decay weights
``wᵢⱼ = w(dᵢⱼ)`` (zero beyond the catchment, see :mod:`healthalloc.access.decay`). Each
method is a sparse selection matrix ``K`` for the demand step and ``L`` for the access
step (``L = K`` but for M2SFCA); then

    Dⱼ = Σᵢ Pᵢ Kᵢⱼ   (demand potential),   Rⱼ = Sⱼ / Dⱼ,   Aᵢ = Σⱼ Lᵢⱼ Rⱼ,

so that ``A = L diag(1/D) S`` is linear in the capacities: :func:`fca_operator` gives that
matrix, which capacity optimization solves over. Per method,

=============  ==============================================================  ==========================
``2sfca``      ``Kᵢⱼ = [dᵢⱼ ≤ d₀]``                                             Luo & Wang (2003)
``e2sfca``     ``Kᵢⱼ = wᵢⱼ``                                                   Luo & Qi (2009)
``3sfca``      ``Kᵢⱼ = Gᵢⱼ wᵢⱼ``, ``Gᵢⱼ = wᵢⱼ / Σₖ wᵢₖ``                       Wan, Zou & Sternberg (2012)
``huff2sfca``  ``Kᵢⱼ = Probᵢⱼ = Sⱼ wᵢⱼ / Σₖ Sₖ wᵢₖ``                         Luo (2014)
``m2sfca``     ``Kᵢⱼ = wᵢⱼ``, ``Lᵢⱼ = wᵢⱼ²``                                   Delamater (2013)
=============  ==============================================================  ==========================

``Aᵢ`` is capacity per person (beds per person when ``S`` counts beds). Because
``Σᵢ Pᵢ Aᵢ = Σⱼ Rⱼ Dⱼ`` when ``L = K``, the population-weighted accessibility adds up to
the capacity of the sites with demand in reach: all of it for Huff-2SFCA (its
probabilities of each demand point sum to 1) and for 2SFCA when every site has demand in
reach. M2SFCA weights the access step by distance once more, so that capacity far from
its users counts less and the total falls short of the supply where the system is
configured suboptimally.

Sites with no demand in reach get ``Rⱼ = 0`` and demand points with no site in reach
``Aᵢ = 0``; both are reported (a warning and :attr:`AccessResult.idle_sites`,
:attr:`AccessResult.unreachable`), never divided by zero. ``K`` depends on each demand
point's own row only, so the demand points are processed in chunks (two passes: the
potentials ``Dⱼ``, then ``Aᵢ``) on any engine of :mod:`healthalloc.engine`, with identical
results: the chunks are fixed by ``chunk_size`` and their partial sums added in order.

References
----------
Luo, W. & Wang, F. (2003). Measures of spatial accessibility to health care in a GIS
environment: synthesis and a case study in the Chicago region. *Environment and Planning
B* 30(6), 865–884.
Luo, W. & Qi, Y. (2009). An enhanced two-step floating catchment area (E2SFCA) method.
*Health & Place* 15(4), 1100–1107.
Wan, N., Zou, B. & Sternberg, T. (2012). A three-step floating catchment area method for
analyzing spatial access to health services. *International Journal of Geographical
Information Science* 26(6), 1073–1089.
Luo, J. (2014). Integrating the Huff model and floating catchment area methods to analyze
spatial access to healthcare services. *Transactions in GIS* 18(3), 436–448.
Delamater, P. L. (2013). Spatial accessibility in suboptimally configured health care
systems: a modified two-step floating catchment area (M2SFCA) metric. *Health & Place*
24, 30–43.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from healthalloc.access.points import Points, costs, demand_supply, place_namer
from healthalloc.access.decay import DECAY, Decay, make_decay
from healthalloc.access.distance import GreatCircle, ODCosts, od_costs
from healthalloc.access.result import AccessResult
from healthalloc.data.messages import listing, named, rows, show
from healthalloc.data.validate import DataError, check_columns, id_column, id_positions
from healthalloc.engine import ENGINE, Executor, get_executor
from healthalloc.params import Param, Params, declared
from healthalloc.report.tables import format_amount

__all__ = ["CHUNK_SIZE", "COLUMNS", "METHODS", "PARAMS", "REGION", "FCA", "FCAOperator", "Kernel", "accessibility", "fca", "fca_operator",
           "kernel", "resolve_decay"]

METHODS = ("2sfca", "e2sfca", "3sfca", "huff2sfca", "m2sfca")
"""The floating catchment area methods."""

CHUNK_SIZE = 50_000
"""Demand points per task."""

PARAMS = Params(
    Param("method", "2sfca", "floating catchment method", choices=METHODS),
    Param("catchment", None, "largest cost in reach d₀: km, or the unit of the od costs (with tier, a dict "
          "{tier: d₀} gives each tier its own; required except with steps)", kind=float,
          low=0, low_open=True, metavar="C", objects=(dict,)),
    DECAY,
    Param("steps", None, "zones of the step decay, e.g. 10:1,20:0.68,30:0.22", kind=str, metavar="B:W,...",
          objects=(list, tuple)),
    Param("beta", None, "β of the power and exponential decays", kind=float, low=0, low_open=True, metavar="B"),
)
"""The method parameters shared by :func:`accessibility`, the capacity optimization, the
command line and study files."""

COLUMNS = Params(
    Param("unit", "id", "id column of the demand and site tables", kind=str, aliases=("id",), metavar="COL"),
    Param("population", "population", "population column of the demand (persons)", kind=str, metavar="COL"),
    Param("capacity", "capacity", "capacity column of the sites (beds, physicians)", kind=str, metavar="COL"),
    Param("lon", "lon", "longitude column of the demand and site tables (degrees)", kind=str, metavar="COL"),
    Param("lat", "lat", "latitude column of the demand and site tables (degrees)", kind=str, metavar="COL"),
)
"""The columns of the demand and site tables, as :func:`~healthalloc.access.points.demand_supply` reads them."""

REGION = Param("region", None, "demand column of regions: a per-region table and the Theil T of access decomposed "
               "between and within regions", kind=str, metavar="COL")
"""The demand's region column of :func:`accessibility` and :func:`~healthalloc.optimize.scenario`."""


@dataclass(frozen=True)
class Kernel:
    """What every chunk needs: costs, population, capacity, method and decay."""

    costs: GreatCircle | ODCosts
    population: np.ndarray
    capacity: np.ndarray
    method: str
    decay: Decay

    def selection(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rows (from ``start``), columns and the values of ``K`` and ``L`` for demand rows
        ``start:stop`` (pairs with a positive decay weight; ``K`` may be 0 for Huff at empty sites)."""
        pairs = self.costs.pairs(start, stop)
        w = self.decay(pairs.cost)
        inside = w > 0
        i, j, w = pairs.i[inside], pairs.j[inside], w[inside]
        if self.method == "3sfca":
            k = w * w / np.bincount(i, w, minlength=stop - start)[i]
        elif self.method == "huff2sfca":
            sw = self.capacity[j] * w
            total = np.bincount(i, sw, minlength=stop - start)[i]
            k = np.divide(sw, total, out=np.zeros_like(sw), where=total > 0)
        else:
            k = w
        return i, j, k, (w * w if self.method == "m2sfca" else k)


@dataclass(frozen=True)
class FCA:
    """Arrays of one floating catchment computation.

    Attributes
    ----------
    access : ndarray
        ``Aᵢ`` per demand point (0 with no site in reach).
    ratio : ndarray
        ``Rⱼ`` per site (0 with no demand in reach).
    potential : ndarray
        ``Dⱼ = Σᵢ Pᵢ Kᵢⱼ`` per site.
    n_sites : ndarray
        Sites in reach (positive weight) of each demand point.
    n_demand : ndarray
        Populated demand points in reach of each site.
    n_pairs : int
        Pairs with a positive weight.
    """

    access: np.ndarray
    ratio: np.ndarray
    potential: np.ndarray
    n_sites: np.ndarray
    n_demand: np.ndarray
    n_pairs: int


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def _sums(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Float sums of ``values`` per ``index`` in ``range(n)`` (also without any pair in reach)."""
    return np.bincount(index, values, minlength=n).astype(float, copy=False)


def _potential_task(kern: Kernel, bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    start, stop = bounds
    i, j, k, _ = kern.selection(start, stop)
    m = len(kern.capacity)
    pop = kern.population[start:stop][i]
    return (_sums(j, pop * k, m), np.bincount(j, pop > 0, minlength=m).astype(np.int64),
            np.bincount(i, minlength=stop - start))


def _access_task(kern: Kernel, ratio: np.ndarray, bounds: tuple[int, int]) -> np.ndarray:
    start, stop = bounds
    i, j, _, access_weight = kern.selection(start, stop)
    return _sums(i, access_weight * ratio[j], stop - start)


def fca(kern: Kernel, *, chunk_size: int = CHUNK_SIZE, engine: str | Executor = "serial",
        scheduler: str | None = None, workers: int | None = None) -> FCA:
    """Run the two passes of ``kern`` over chunks of demand points on ``engine``."""
    n = len(kern.population)
    tasks = _chunks(n, chunk_size)
    with get_executor(engine, scheduler=scheduler, workers=workers) as ex:
        parts = ex.map(functools.partial(_potential_task, kern), tasks)
        potential = functools.reduce(np.add, (p[0] for p in parts))
        n_demand = functools.reduce(np.add, (p[1] for p in parts))
        n_sites = np.concatenate([p[2] for p in parts])
        ratio = np.divide(kern.capacity, potential, out=np.zeros_like(potential), where=potential > 0)
        access = np.concatenate(ex.map(functools.partial(_access_task, kern, ratio), tasks))
    return FCA(access, ratio, potential, n_sites, n_demand, int(n_sites.sum()))


@dataclass(frozen=True)
class FCAOperator:
    """Accessibility as a linear map of the capacities: ``A = matrix @ S``.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``L diag(1/D)`` (demand points × sites; columns of sites without demand in reach are 0).
    potential : ndarray
        ``Dⱼ`` per site.
    """

    matrix: sp.csr_matrix
    potential: np.ndarray


def fca_operator(kern: Kernel) -> FCAOperator:
    """The :class:`FCAOperator` of ``kern``: the same algebra as :func:`fca`, as one matrix
    (Huff-2SFCA's choice probabilities taken at the kernel's capacities)."""
    n, m = len(kern.population), len(kern.capacity)
    i, j, k, access_weight = kern.selection(0, n)
    potential = _sums(j, kern.population[i] * k, m)
    inverse = np.divide(1.0, potential, out=np.zeros_like(potential), where=potential > 0)
    return FCAOperator(sp.csr_matrix((access_weight * inverse[j], (i, j)), shape=(n, m)), potential)


def kernel(demand: Points, supply: Points, method: str, decay: Decay, od: pd.DataFrame | None = None) -> Kernel:
    """The :class:`Kernel` of checked demand and supply points."""
    return Kernel(costs(demand, supply, decay.reach, od), demand.amount, supply.amount, method, decay)


def resolve_decay(method: str, catchment: float | None, decay: str | None, steps, beta) -> Decay:
    """The decay of ``method``: plain 2SFCA is a one-zone step; the others default to gaussian."""
    PARAMS["method"].require(method)
    if method == "2sfca":
        if decay is not None or steps is not None or beta is not None:
            raise ValueError("2sfca counts every pair within the catchment equally (no decay, steps or "
                             "beta); use method e2sfca for a distance decay")
        if catchment is None:
            raise ValueError("2sfca needs a catchment (km, or the unit of the od costs)")
        return make_decay("step", catchment=catchment)
    return make_decay(decay or ("step" if steps is not None else "gaussian"), catchment=catchment,
                      steps=steps, beta=beta)


@declared(PARAMS + COLUMNS + ENGINE.without("progress") + Params(
    Param("tier", None, "site column of tiers (primary care, hospital…): accessibility per tier (a demand point "
          "is measured for its own tier only when the demand has the column too)", kind=str, metavar="COL"),
    REGION, Param("chunk_size", CHUNK_SIZE, "demand points per task", kind=int, low=1, cli=False, study=False)),
    data=("demand", "supply", "od"))
def accessibility(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    method: str = "2sfca",
    catchment: float | dict | None = None,
    decay: str | None = None,
    steps: str | list | None = None,
    beta: float | None = None,
    od: pd.DataFrame | None = None,
    unit: str = "id",
    population: str = "population",
    capacity: str = "capacity",
    lon: str = "lon",
    lat: str = "lat",
    tier: str | None = None,
    region: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> AccessResult:
    """Spatial accessibility of every demand point to the supply, by a floating catchment method.

    Parameters
    ----------
    demand : DataFrame
        One row per demand point: ``id``, ``population`` (persons, ≥ 0), and ``lon``,
        ``lat`` (degrees) unless ``od`` gives the costs.
    supply : DataFrame
        One row per site: ``id``, ``capacity`` (beds, physicians, ...; ≥ 0), ``lon``, ``lat``.
    od : DataFrame, optional
        ``origin, destination, cost`` (demand id, site id, cost): replaces the coordinates.

    Returns
    -------
    AccessResult

    Raises
    ------
    DataError
        Bad tables (see :func:`healthalloc.access.points.points`), an OD table naming
        unknown ids, or demand points without a region.
    ValueError
        Bad method, decay or parameters.

    Warns
    -----
    UserWarning
        Demand points with no site in reach (accessibility 0) and sites with no demand in
        reach; one warning instead when the population or the capacity is 0 everywhere, or
        no demand point has a site in reach (accessibility 0 everywhere).

    Examples
    --------
    >>> demand = pd.DataFrame({"id": ["a", "b"], "population": [100, 300],
    ...                        "lon": [104.0, 104.3], "lat": [30.0, 30.0]})
    >>> supply = pd.DataFrame({"id": ["h"], "capacity": [8], "lon": [104.1], "lat": [30.0]})
    >>> accessibility(demand, supply, method="2sfca", catchment=30).access.tolist()
    [0.02, 0.02]
    """
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a whole number ≥ 1, got {chunk_size!r}")
    dem, sup = demand_supply(demand, supply, od, population=population, capacity=capacity, unit=unit, lon=lon,
                             lat=lat)
    regions = None if region is None else _regions(demand, region, dem.ids)
    if tier is None:
        if isinstance(catchment, dict):
            raise ValueError("catchment per tier (a dict) needs tier=")
        groups = [(None, np.arange(len(dem)), np.arange(len(sup)), catchment)]
    else:
        groups = _tiers(demand, supply, tier, catchment)
        if od is not None:  # check every id once; each tier then reads its own pairs
            od_costs(od, dem.ids, sup.ids)
    parts, sites, decays = [], [], {}
    with get_executor(engine, scheduler=scheduler, workers=workers) as ex:
        for label, dem_rows, sup_rows, reach in groups:
            d = resolve_decay(method, reach, decay, steps, beta)
            decays[label] = d
            sub_d, sub_s = dem.subset(dem_rows), sup.subset(sup_rows)
            own = od if od is None or tier is None else _within(od, sub_d.ids, sub_s.ids)
            res = fca(kernel(sub_d, sub_s, method, d, own), chunk_size=chunk_size, engine=ex)
            parts.append(_frame(sub_d, label, tier, population=sub_d.amount, access=res.access,
                                n_sites=res.n_sites, **({} if regions is None else {"region": regions[dem_rows]})))
            sites.append(_frame(sub_s, label, tier, capacity=sub_s.amount, ratio=res.ratio,
                                demand_potential=res.potential, n_demand=res.n_demand))
    frame, site_frame = pd.concat(parts, ignore_index=True), pd.concat(sites, ignore_index=True)
    _warn_gaps(frame, site_frame, tier, population, capacity, max(d.reach for d in decays.values()))
    return AccessResult(method=method, decay=decays if tier else decays[None], points=frame,
                        sites=site_frame, tier=tier, region=region)


def _regions(demand: pd.DataFrame, region: str, ids: pd.Index) -> np.ndarray:
    """The ``region`` column of the demand; a demand point without one is a DataError naming it."""
    check_columns(demand, region, source="demand")
    missing = pd.isna(demand[region]).to_numpy()
    if missing.any():
        raise DataError(f"demand: {region} is missing at {named('demand point', [show(v) for v in ids[missing]])}")
    return demand[region].to_numpy()


def _tiers(demand, supply, tier, catchment):
    """(tier, demand rows, site rows, catchment) per tier of the supply, in sorted order."""
    check_columns(supply, tier, source="supply")
    labels = pd.Index(supply[tier])
    if labels.isna().any():
        raise DataError(f"supply: {tier} is missing at {rows(np.flatnonzero(labels.isna()).tolist())}")
    tiers = sorted(labels.unique(), key=str)
    if isinstance(catchment, dict):
        missing = [t for t in tiers if t not in catchment]
        if missing:
            raise ValueError(f"catchment has no entry for {named('tier', [show(t) for t in missing])}")
    own = tier in demand.columns
    if own:
        unknown = pd.Index(demand[tier]).difference(pd.Index(tiers))
        if len(unknown):
            raise DataError(f"demand: {named('tier', [show(t) for t in unknown])} "
                            f"{'has' if len(unknown) == 1 else 'have'} no supply")
    out = []
    for t in tiers:
        dem_rows = np.flatnonzero(demand[tier].to_numpy() == t) if own else np.arange(len(demand))
        reach = catchment[t] if isinstance(catchment, dict) else catchment
        out.append((t, dem_rows, np.flatnonzero(labels == t), reach))
    return out


def _within(od: pd.DataFrame, demand_ids: pd.Index, supply_ids: pd.Index) -> pd.DataFrame:
    """The rows of ``od`` from one of ``demand_ids`` to one of ``supply_ids`` (ids as written)."""
    return od[(id_positions(id_column(od["origin"]), demand_ids) >= 0)
              & (id_positions(id_column(od["destination"]), supply_ids) >= 0)]


def _frame(pts: Points, label, tier, **columns) -> pd.DataFrame:
    """``id``, (``tier``), ``columns`` and, with coordinates, ``lon``, ``lat`` of the points."""
    frame = pd.DataFrame({"id": pts.ids, **columns})
    if pts.lon is not None:
        frame["lon"], frame["lat"] = pts.lon, pts.lat
    if tier:
        frame.insert(1, "tier", label)
    return frame


def _warn_gaps(frame: pd.DataFrame, sites: pd.DataFrame, tier: str | None, population: str, capacity: str,
               reach: float) -> None:
    """One warning when nothing can be reached (no population, no capacity, no site within
    ``reach``), else one about demand without a site in reach and one about sites without
    demand in reach."""
    def label(f: pd.DataFrame, whole: pd.DataFrame) -> list[str]:  # rows of f named as places of whole, if they are
        name = place_namer(whole["id"])
        return [f"{name(a)}/{show(b)}" for a, b in zip(f["id"], f["tier"])] if tier else [name(a) for a in f["id"]]

    if not frame["population"].any():
        warnings.warn(f"demand: {population} is 0 at every demand point: no site has demand in reach, every "
                      "ratio and accessibility is 0 and the population-weighted mean, Gini and Theil are "
                      "undefined (NaN)", stacklevel=3)
        return
    if not sites["capacity"].any():
        warnings.warn(f"supply: {capacity} is 0 at every site: accessibility is 0 at every demand point "
                      "(Gini and Theil undefined, NaN)", stacklevel=3)
        return
    lost = frame[frame["n_sites"] == 0]
    if len(lost) == len(frame):
        warnings.warn(f"no demand point has a site in reach (a positive decay weight within {reach:g}, the "
                      "catchment: km, or the unit of the od costs; check the catchment, and beta or the step "
                      f"weights): accessibility is 0 at all {frame['id'].nunique()} demand points and every site "
                      "is idle (Gini and Theil undefined, NaN)", stacklevel=3)
        return
    if len(lost):
        total = frame["population"].sum()
        share = "" if tier or not total else f" ({lost['population'].sum() / total:.1%} of the population)"
        warnings.warn(f"{len(lost)} demand point(s){share} have no site in reach and accessibility 0: "
                      f"{listing(label(lost, frame))}", stacklevel=3)
    idle = sites[sites["n_demand"] == 0]
    if len(idle):
        warnings.warn(f"{len(idle)} site(s) have no demand in reach (ratio 0; their capacity of "
                      f"{format_amount(idle['capacity'].sum())} serves no one): {listing(label(idle, sites))}",
                      stacklevel=3)
