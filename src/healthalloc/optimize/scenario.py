"""Scenarios: before/after tables of an allocation, and two-step planning (site, then size).

:func:`scenario` measures two supply tables (today's and a planned one) on the same
demand: accessibility by the chosen floating catchment method (each recomputed in full,
so Huff-2SFCA's probabilities follow the new capacities), population coverage within a
radius, the population-weighted Gini and Theil indices of accessibility, the share of the
population below today's mean and, where the sites carry DEA inputs and outputs, their
efficiency on one common frontier (both scenarios' sites pooled, the re-allocated capacity
replacing its input column; outputs as given in each table). Seed 002's claim — a planned
allocation lowers inequality and raises efficiency without changing the total — is then
one table.

:func:`plan` sites ``p`` new facilities among candidates by the MCLP (existing sites open),
then sizes them with ``added`` capacity for the most equal accessibility (existing
capacities fixed; :func:`~healthalloc.optimize.optimize_capacity`), and compares the
result with today's supply through :func:`scenario`. A chosen site with no demand in reach
of the accessibility method, or one the sizing leaves empty (its capacity within the
solver-noise tolerance ``NOISE × T`` of 0, see :mod:`~healthalloc.optimize.capacity`), is
not opened: it is left out of the planned supply and of every count, coverage included,
and the added capacity all goes to the sites opened.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from healthalloc.access import COLUMNS
from healthalloc.access import PARAMS as ACCESS
from healthalloc.access import (REGION, AccessResult, access_equity, access_regions, accessibility, costs,
                                demand_supply, place_namer, resolve_decay)
from healthalloc.data.messages import listing
from healthalloc.efficiency import dea
from healthalloc.data.validate import DataError
from healthalloc.optimize.capacity import PARAMS as CAPACITY
from healthalloc.optimize.capacity import CapacityResult, capacity_model, change, optimize_capacity
from healthalloc.optimize.location import PARAMS as LOCATION
from healthalloc.optimize.location import LocationResult, locate
from healthalloc.params import REQUIRED, Param, Params, declared
from healthalloc.report.tables import format_amount, format_number
from healthalloc.result import Result
from healthalloc.solver import PROGRESS, TIME_LIMIT

__all__ = ["PLAN", "PlanResult", "SCENARIO", "ScenarioResult", "plan", "scenario"]

#: The parameters of :func:`scenario`.
SCENARIO = ACCESS + Params(
    Param("radius", None, "coverage radius (default: the catchment, or the last step's bound)", kind=(int, float),
          low=0, low_open=True, metavar="R"),
    Param("inputs", None, "DEA input columns of the supply tables (capacity may be one): the sites' efficiency "
          "before and after",
          role="inputs", many=True),
    Param("outputs", None, "DEA output columns of the supply tables (demand_potential, where a table lacks it: "
          "each site's demand potential Dⱼ in that scenario)", role="outputs", many=True),
) + COLUMNS + Params(REGION)

#: The parameters of :func:`plan` (the siting step's costs, budget and quotas as :func:`locate`'s;
#: study files offer them, as the study's ``scenario`` analysis passes them on).
PLAN = Params(
    replace(LOCATION["p"], default=REQUIRED, help="new sites to open (at most, with a budget)"),
    Param("added", REQUIRED, "capacity to give the new sites in all", kind=(int, float), low=0, low_open=True),
    replace(LOCATION["radius"], default=REQUIRED, help="MCLP coverage radius (km)"),
    *(replace(LOCATION[name], study=True) for name in ("cost", "budget", "quotas")),
    replace(REGION, help="demand column of regions: the per-region table and the Theil T between and within "
            "regions, before and after; when the candidates have the column too, the new sites are counted "
            "per region (and bounded by quotas)"),
    SCENARIO["inputs"], SCENARIO["outputs"],
) + ACCESS + Params(CAPACITY["integer"], LOCATION["time_limit"], PROGRESS) + COLUMNS

#: Output columns :func:`scenario` computes itself when a supply table lacks them: the demand
#: potential Dⱼ of each site (the population it serves, as the accessibility method counts it).
DERIVED = ("demand_potential",)


@dataclass(frozen=True)
class ScenarioResult(Result):
    """Before/after comparison of two supply tables on the same demand.

    Attributes
    ----------
    comparison : DataFrame
        What :meth:`summary` returns: ``measure``, ``before``, ``after``, ``change``: total capacity, sites
        (with capacity > 0), mean accessibility (population-weighted), Gini, Theil L and T,
        share of the population below today's mean, unreachable population share, coverage
        within the radius (of sites with capacity > 0), with regions the Theil T between and
        within them (``theil_between``, ``theil_within``) and, with DEA columns, mean
        efficiency (of the sites with every input > 0 and some output > 0). Changes within the solver-noise tolerance are 0
        (:func:`~healthalloc.optimize.capacity.change`).
    points : DataFrame
        ``id``, ``population``, ``access_before``, ``access_after``, ``change``.
    sites : DataFrame
        ``id``, ``capacity_before``, ``capacity_after`` (missing where a site is absent).
    efficiency : DataFrame or None
        ``id``, ``efficiency_before``, ``efficiency_after`` (common VRS input-oriented frontier).
    before, after : AccessResult
        The two accessibility analyses (for maps; with ``region``, :meth:`regions`).
    """

    comparison: pd.DataFrame
    points: pd.DataFrame
    sites: pd.DataFrame
    efficiency: pd.DataFrame | None
    before: AccessResult
    after: AccessResult

    def to_frame(self) -> pd.DataFrame:
        """One row per demand point: ``id``, ``population``, ``access_before``, ``access_after``, ``change``."""
        return self.points.copy()

    def summary(self) -> pd.DataFrame:
        """The before/after table (see ``comparison``)."""
        return self.comparison.copy()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``results`` (demand points), ``summary``, ``sites`` and, with DEA, ``efficiency``, with
        regions ``regions``."""
        out = super().tables() | {"sites": self.sites}
        out |= {} if self.efficiency is None else {"efficiency": self.efficiency}
        return out | {"regions": self.regions()} if self.before.region else out

    def regions(self) -> pd.DataFrame:
        """One row per region: ``region``, ``population``, ``mean_access_before``, ``mean_access_after``,
        ``gini_before``, ``gini_after``, ``theil_t_before``, ``theil_t_after`` (within the region) and
        ``change`` (of the mean accessibility, capacity per person), so a planner sees which regions gain."""
        keys = ["region", "population"]
        parts = [res.regions()[[*keys, "mean_access", "gini", "theil_t"]] for res in (self.before, self.after)]
        table = parts[0].merge(parts[1], on=keys, suffixes=("_before", "_after"))
        table = table[keys + [f"{c}_{w}" for c in ("mean_access", "gini", "theil_t") for w in ("before", "after")]]
        return table.assign(change=change(table["mean_access_before"], table["mean_access_after"]))

    def plot(self):
        """The equity measures (Gini, Theil L and T, share below today's mean; and coverage) before and
        after; measures without a finite value (Theil L with unreachable demand) are left out."""
        from healthalloc.report.figures.bars import bars

        shares = ["gini", "theil_l", "theil_t", "share_below", "unreachable_population", "coverage"]
        table = self.comparison.set_index("measure").reindex(shares)[["before", "after"]]
        table = table[np.isfinite(table).all(axis=1)]
        return bars(table, title="Equity of accessibility before and after the scenario")


@declared(SCENARIO, data=("demand", "before", "after", "od"))
def scenario(
    demand: pd.DataFrame,
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    method: str = "2sfca",
    catchment: float | None = None,
    decay: str | None = None,
    steps=None,
    beta: float | None = None,
    od: pd.DataFrame | None = None,
    radius: float | None = None,
    inputs: list[str] | None = None,
    outputs: list[str] | None = None,
    unit: str = "id",
    population: str = "population",
    capacity: str = "capacity",
    lon: str = "lon",
    lat: str = "lat",
    region: str | None = None,
) -> ScenarioResult:
    """Compare today's supply (``before``) with a planned one (``after``) on the same demand.

    Parameters
    ----------
    demand, before, after, od : DataFrame
        As in :func:`healthalloc.access.accessibility`; ``before`` and ``after`` are
        supply tables (sites may differ: new sites, closed sites).

    Warns
    -----
    UserWarning
        Capacity 0 at every site of ``before``: its equity measures are undefined (NaN);
        the accessibility of ``after`` warns of its own gaps (population or capacity 0
        everywhere, demand out of reach).
    """
    columns = dict(unit=unit, population=population, capacity=capacity, lon=lon, lat=lat)
    kwargs = dict(method=method, catchment=catchment, decay=decay, steps=steps, beta=beta, od=od, region=region,
                  **columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same gaps are warned about by the caller's own analyses
        res0 = accessibility(demand, before, **kwargs)
    res1 = accessibility(demand, after, **kwargs)
    reach = radius if radius is not None else res0.decay.reach
    p0, p1 = res0.points, res1.points
    if (p0["population"] > 0).any() and not (before[capacity] > 0).any():  # said by res1 for after and demand
        warnings.warn(f"before: {capacity} is 0 at every site: accessibility before is 0 everywhere, so the Gini "
                      "and Theil indices before are undefined (NaN)", stacklevel=2)
    eq0 = access_equity(p0["access"].to_numpy(), p0["population"].to_numpy())
    eq1 = access_equity(p1["access"].to_numpy(), p1["population"].to_numpy(), eq0["mean"])
    pop = p0["population"].to_numpy()
    rows = [("capacity", before[capacity].sum(), after[capacity].sum()),
            ("sites", float((before[capacity] > 0).sum()), float((after[capacity] > 0).sum()))]
    rows += [(f"access_{k}" if k == "mean" else k, eq0[k], eq1[k])
             for k in ("mean", "gini", "theil_l", "theil_t", "share_below")]
    if region is not None:  # the Theil T between and within regions
        parts = [access_regions(p["access"], p["population"], p["region"])[0] for p in (p0, p1)]
        rows += [(k, parts[0][k], parts[1][k]) for k in ("theil_between", "theil_within")]
    rows += [("unreachable_population", _share(pop, p0["n_sites"] == 0), _share(pop, p1["n_sites"] == 0))]
    rows += [("coverage", *(_coverage(demand, supply, reach, od, columns) for supply in (before, after)))]
    efficiency = None
    if inputs and outputs:
        tables = [_derived(table, res, [*inputs, *outputs]) for table, res in ((before, res0), (after, res1))]
        efficiency = _efficiency(*tables, inputs, outputs, unit)
        rows += [("mean_efficiency", efficiency["efficiency_before"].mean(), efficiency["efficiency_after"].mean())]
    summary = pd.DataFrame(rows, columns=["measure", "before", "after"])
    summary["change"] = change(summary["before"], summary["after"])
    pts = pd.DataFrame({"id": p0["id"], "population": pop, "access_before": p0["access"].to_numpy(),
                        "access_after": p1["access"].to_numpy()})
    pts["change"] = change(pts["access_before"], pts["access_after"])
    sites = pd.merge(before[[unit, capacity]].rename(columns={unit: "id", capacity: "capacity_before"}),
                     after[[unit, capacity]].rename(columns={unit: "id", capacity: "capacity_after"}),
                     on="id", how="outer", sort=False)
    return ScenarioResult(summary, pts, sites, efficiency, res0, res1)


def _share(pop: np.ndarray, mask) -> float:
    return float(pop[np.asarray(mask)].sum() / pop.sum()) if pop.sum() else float("nan")


def _coverage(demand, supply, reach, od, columns) -> float:
    """Share of the population within ``reach`` of a site with capacity > 0."""
    dem, sup = demand_supply(demand, supply, od, **columns)
    sup = sup.subset(sup.amount > 0)
    covered = np.zeros(len(dem), bool)
    covered[costs(dem, sup, reach, od).pairs().i] = True
    return _share(dem.amount, covered)


def _derived(supply: pd.DataFrame, res: AccessResult, columns: list[str]) -> pd.DataFrame:
    """``supply`` with the :data:`DERIVED` columns it lacks, from its accessibility ``res``
    (whose site rows follow the supply's)."""
    return supply.assign(**{c: res.sites[c].to_numpy() for c in DERIVED if c in columns and c not in supply})


def _efficiency(before, after, inputs, outputs, unit) -> pd.DataFrame:
    """VRS input-oriented DEA of both scenarios' sites on one pooled frontier (sites with
    every input > 0 and some output > 0 only: one serving no one has no efficiency, NaN)."""
    pooled = pd.concat([before.assign(_scenario="before"), after.assign(_scenario="after")], ignore_index=True)
    pooled = pooled[(pooled[inputs] > 0).all(axis=1) & (pooled[outputs] > 0).any(axis=1)]
    pooled["_unit"] = pooled["_scenario"] + ":" + pooled[unit].astype(str)
    eff = dea(pooled, inputs, outputs, unit="_unit", rts="vrs", orientation="input", slacks=False).efficiency
    pooled["efficiency"] = pooled["_unit"].map(eff)
    wide = pooled.pivot_table(index=unit, columns="_scenario", values="efficiency", sort=False)
    wide = wide.reindex(columns=["before", "after"]).add_prefix("efficiency_")
    return wide.reset_index().rename(columns={unit: "id"}).rename_axis(columns=None)


@dataclass(frozen=True)
class PlanResult(Result):
    """Two-step planning: where to open new sites, how big, and what changes.

    Attributes
    ----------
    location : LocationResult
        The MCLP choice of new sites.
    capacity : CapacityResult
        The sizing of the chosen sites (existing capacities fixed; 0 where not opened).
    scenario : ScenarioResult
        Today's supply against today's plus the opened sites.
    supply_after : DataFrame
        The planned supply table (existing and opened sites, ``new`` = 1 for new ones).
    added : float
        The capacity the opened sites get in all (``added``, less a fraction of a unit with
        ``integer``).
    """

    location: LocationResult
    capacity: CapacityResult
    scenario: ScenarioResult
    supply_after: pd.DataFrame
    added: float

    @property
    def n_opened(self) -> int:
        """New sites opened (chosen by the MCLP, with demand in reach and given capacity)."""
        return int((self.supply_after["new"] == 1).sum())

    def to_frame(self) -> pd.DataFrame:
        """The demand points before and after (:meth:`ScenarioResult.to_frame`)."""
        return self.scenario.to_frame()

    def summary(self) -> pd.DataFrame:
        """The before/after table (:meth:`ScenarioResult.summary`)."""
        return self.scenario.summary()

    def reading(self) -> str:
        """Sites opened, and how coverage and the Gini of accessibility move; with costs, what the
        sites chosen cost (and the budget)."""
        table = self.scenario.comparison.set_index("measure")
        where = self.location
        cost = "" if where.total_cost is None else (
            f" The {where.n_selected} site(s) chosen cost {format_amount(where.total_cost)} in all"
            + ("." if where.budget is None else f" (budget {format_amount(where.budget)})."))
        return (f"Opening {self.n_opened} site(s) with {format_amount(self.added)} units raises coverage within "
                f"{self.location.radius:g} km from {table.loc['coverage', 'before']:.1%} to "
                f"{table.loc['coverage', 'after']:.1%} and moves the Gini of accessibility from "
                f"{format_number(table.loc['gini', 'before'])} to {format_number(table.loc['gini', 'after'])}." + cost)

    def figures(self) -> dict:
        """Accessibility before the plan, and its change (after − before, on a scale centred on 0)
        with the new sites: two maps of the level would look alike where the change is small."""
        before = self.scenario.before
        return {"map_before": ("Accessibility before the plan; triangles: sites.",
                               lambda: before.plot(title="Accessibility before the plan")),
                "map_change": ("Change in accessibility (after − before; red: lower, blue: higher); "
                               "triangles: the new sites.", self.change_map)}

    def change_map(self):
        """Demand points coloured by the change in accessibility (after − before, capacity per person),
        diverging about 0, with the new sites on top."""
        from healthalloc.report.figures import access_map

        points = self.scenario.after.points[["lon", "lat", "population"]].assign(
            change=self.scenario.points["change"].to_numpy())
        new = self.scenario.after.sites[(self.supply_after["new"] == 1).to_numpy()]
        return access_map(points, new, value="change", centre=0.0, sites_label="new sites",
                          label="change in accessibility (capacity per person)",
                          title="Change in accessibility, after − before the plan")


@declared(PLAN, data=("demand", "supply", "candidates"))
def plan(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    p: int,
    added: float,
    radius: float,
    cost: str | None = None,
    budget: float | None = None,
    quotas: pd.DataFrame | None = None,
    region: str | None = None,
    inputs: list[str] | None = None,
    outputs: list[str] | None = None,
    method: str = "2sfca",
    catchment: float | None = None,
    decay: str | None = None,
    steps=None,
    beta: float | None = None,
    integer: bool = False,
    time_limit: float | None = TIME_LIMIT,
    progress: bool | None = None,
    unit: str = "id",
    population: str = "population",
    capacity: str = "capacity",
    lon: str = "lon",
    lat: str = "lat",
) -> PlanResult:
    """Site ``p`` new facilities (MCLP, existing sites open), then size them with ``added`` capacity.

    ``method`` to ``beta`` set the accessibility of the sizing step and of the comparison; for
    Huff-2SFCA the new sites' choice probabilities are taken at an equal split of ``added``.
    ``cost``, ``budget`` and ``quotas`` bound the siting step as in :func:`locate`; ``region``
    and the DEA ``inputs`` and ``outputs`` go to the comparison (:func:`scenario`).

    Parameters
    ----------
    demand, supply : DataFrame
        As in :func:`healthalloc.access.accessibility`; the supply carries the DEA columns
        named (``demand_potential`` may be left to :func:`scenario`).
    candidates : DataFrame
        ``id``, ``lon``, ``lat`` of candidate sites (ids distinct from the supply's), with the
        ``cost`` and ``region`` columns and the DEA columns other than the capacity when named.

    Raises
    ------
    DataError
        No chosen site has demand in reach (the added capacity would serve no one); DEA
        columns missing from the supply or the candidates; what :func:`locate` refuses.

    Warns
    -----
    UserWarning
        Chosen sites with no demand in reach, and those the sizing leaves empty, named:
        they are not opened.
    """
    if not added > 0:
        raise ValueError(f"added must be a capacity > 0, got {added!r}")
    if p < 1:
        raise ValueError(f"p = {p} new sites leaves the added capacity of {added:g} nowhere to go; give p ≥ 1")
    if integer and math.floor(added + 1e-9) < 1:
        raise ValueError(f"added = {added:g} is less than one whole unit: with integer there is nothing to give the "
                         "new sites; give added ≥ 1 or integer=False")
    points = dict(unit=unit, population=population, lon=lon, lat=lat)
    access = dict(method=method, catchment=catchment, decay=decay, steps=steps, beta=beta, capacity=capacity,
                  **points)
    dea_columns = _dea_columns(supply, candidates, inputs, outputs, capacity) if inputs and outputs else []
    sited = region if region is not None and region in candidates.columns else None
    where = locate(demand, candidates, model="mclp", p=p, radius=radius, cost=cost, budget=budget, region=sited,
                   quotas=quotas, existing=supply, time_limit=time_limit, progress=progress, **points)
    old = supply[[unit, capacity, lon, lat, *dea_columns]]
    chosen = candidates[candidates[unit].isin(where.selected)][[unit, lon, lat, *dea_columns]]
    new = _reached(demand, old, chosen, added, resolve_decay(method, catchment, decay, steps, beta), access)
    sites = pd.concat([old.assign(new=0), new.assign(new=1)], ignore_index=True)
    fixed = sites[capacity].where(sites["new"] == 0)
    with warnings.catch_warnings():  # a chosen site left empty is not opened: said below, not as a closure
        warnings.filterwarnings("ignore", r".* sites with capacity today are set to 0", UserWarning)
        sized = optimize_capacity(demand, sites, total=float(old[capacity].sum() + added),
                                  lower=fixed.fillna(0).to_numpy(), upper=fixed.fillna(np.inf).to_numpy(),
                                  integer=integer, **access)
    after = sites.assign(**{capacity: sized.sites["capacity_after"].to_numpy()})
    empty = (after["new"] == 1) & (after[capacity] == 0)
    if empty.any():
        named = map(place_namer(after[unit]), after.loc[empty, unit])
        warnings.warn(f"{empty.sum()} of the {len(new)} sites chosen by the MCLP get no capacity when sized for "
                      f"equal accessibility and are not opened: {listing(named)}",
                      stacklevel=2)
        after = after[~empty].reset_index(drop=True)
    compare = scenario(demand, old, after, radius=radius, region=region, inputs=inputs, outputs=outputs, **access)
    gini = compare.comparison.set_index("measure").loc["gini", ["before", "after"]]
    if gini["after"] > gini["before"] + 1e-9:  # the MCLP sites maximize coverage, not equality
        warnings.warn(f"the plan raises the Gini of accessibility from {gini['before']:.3f} to {gini['after']:.3f}: "
                      "the sites that add most coverage are not where capacity is scarcest (try other "
                      "candidates, a larger p or radius, or re-allocate the existing capacity too)", stacklevel=2)
    return PlanResult(where, sized, compare, after, float(sized.total - old[capacity].sum()))


def _dea_columns(supply, candidates, inputs: list[str], outputs: list[str], capacity: str) -> list[str]:
    """The DEA columns the sites carry into the comparison (all but the capacity and the
    :data:`DERIVED` ones); one missing from the supply or the candidates is a DataError."""
    columns = [c for c in dict.fromkeys([*inputs, *outputs]) if c != capacity and c not in DERIVED]
    for name, table in (("supply", supply), ("candidates", candidates)):
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise DataError(f"plan: the {name} have no column {listing(missing)} (DEA inputs and outputs of every "
                            f"site, new ones included; {', '.join(DERIVED)} is computed when a table lacks it)")
    return columns


def _reached(demand, old, chosen, added: float, decay, access: dict) -> pd.DataFrame:
    """The chosen sites with demand in reach of the accessibility method, each given an equal
    share of ``added`` for a start; the others are named in a warning (not opened), and none
    reached is a DataError."""
    capacity, method = access["capacity"], access["method"]
    trial = pd.concat([old, chosen.assign(**{capacity: added / len(chosen)})], ignore_index=True)
    dem, sup = demand_supply(demand, trial, **{k: access[k] for k in ("unit", "population", "capacity", "lon", "lat")})
    idle = capacity_model(dem, sup, method, decay).idle[len(old):]
    ids = list(map(place_namer(chosen[access["unit"]]), chosen[access["unit"]][idle]))
    if idle.all():
        raise DataError(f"plan: no demand point is in reach ({method}, {decay.reach:g} km) of the "
                        f"{'site' if len(ids) == 1 else 'sites'} chosen by the MCLP, {listing(ids)}: the added "
                        f"capacity would serve no one; widen the catchment or give other candidates")
    if idle.any():
        warnings.warn(f"{idle.sum()} of the {len(chosen)} sites chosen by the MCLP have no demand in reach "
                      f"({method}, {decay.reach:g} km) and are not opened; the added capacity goes to the others: "
                      f"{listing(ids)}", stacklevel=3)
    return chosen[~idle].assign(**{capacity: added / (~idle).sum()})
