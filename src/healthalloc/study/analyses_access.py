"""Registrations of the accessibility and optimization analyses for study files.

The study's data set holds the demand points (roles ``unit``, ``population`` and
``coordinates`` = [lon, lat], and ``region`` for a per-region table); the sites come from an
embedded data set or a file named by ``supply`` (and ``candidates``, ``existing``), a path
relative to the study file (or ``{source = FILE, sheet = NAME, encoding = ENC}``), with
columns ``supply_id``, ``capacity`` and ``supply_coordinates``. ``od`` names a travel-cost
table (``origin, destination, cost``) the same way, ``quotas`` a table of regional quotas.
A supply whose data set is labelled SYNTHETIC (``china_facilities_synthetic``) is flagged
in the report. Every key is the library's keyword and reaches it unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from healthalloc.access import PARAMS, REGION, accessibility
from healthalloc.data.datasets import DATASETS
from healthalloc.data.validate import DataError
from healthalloc.optimize import locate, optimize_capacity, plan, tradeoff
from healthalloc.optimize.capacity import PARAMS as CAPACITY_PARAMS
from healthalloc.optimize.location import PARAMS as LOCATION_PARAMS
from healthalloc.optimize.scenario import DERIVED, PLAN
from healthalloc.params import REQUIRED, Param, Params
from healthalloc.report.section import Section
from healthalloc.study.registry import Context, register
from healthalloc.study.spec import read_source

DEMAND = Params(Param("unit", role="unit"), Param("population", role="population"),
                Param("coordinates", role="coordinates", many=True),
                Param("label", "name", "column naming the demand points (in the study's data) and the sites (in the "
                      "site tables): a column 'name' beside their ids in the tables, where a table has it", kind=str))
SITES = Params(Param("supply", REQUIRED, "embedded data set or file of the sites", kind=str, source=True),
               Param("supply_id", "id", "id column of the site tables", kind=str),
               Param("capacity", "capacity", "capacity column of the supply (beds, physicians)", kind=str),
               Param("supply_coordinates", ["lon", "lat"], "lon, lat columns of the site tables", kind=str,
                     many=True))
CANDIDATES = Params(Param("candidates", REQUIRED, "embedded data set or file of candidate sites", kind=str,
                          source=True),
                    Param("candidates_id", "id", "id column of the candidates", kind=str),
                    Param("candidates_coordinates", ["lon", "lat"], "lon, lat columns of the candidates", kind=str,
                          many=True))
#: The demand's region column, a role (its column is checked before anything runs).
REGIONS = Params(replace(REGION, role="region"))
OD = Params(Param("od", None, "embedded data set or file of travel costs (origin: demand unit, destination: site "
                  "id, cost: the unit of catchment and radius), replacing the coordinates", kind=str, source=True))
#: The siting keys of locate and plan: declared study=False in the library until a study passed
#: them; these analyses pass them on, so they are offered here.
SITING = ("cost", "budget", "region", "quotas")


def _source(ctx: Context, value: str | dict) -> tuple[pd.DataFrame, bool]:
    """The table a key names (:func:`~healthalloc.study.spec.read_source`); True when it is a
    SYNTHETIC embedded data set."""
    frame, embedded = read_source(value, ctx.study_dir)
    return frame, embedded is not None and "SYNTHETIC" in DATASETS[embedded].title


def _demand(ctx: Context, *columns: str | None) -> pd.DataFrame:
    """The demand points (id, population, lon, lat), with the role ``region`` as column
    ``region`` and the data's own ``columns`` (a tier column) where it has them."""
    r = ctx.roles
    lon, lat = r["coordinates"]
    frame = pd.DataFrame({"id": ctx.data[r["unit"]], "population": ctx.data[r["population"]],
                          "lon": ctx.data[lon], "lat": ctx.data[lat]})
    frame = frame.assign(region=ctx.data[r["region"]]) if r.get("region") else frame
    return frame.assign(**{c: ctx.data[c] for c in columns if c is not None and c in ctx.data.columns})


def _sites(ctx: Context, key: str, notes: list[str], capacity: bool = True, keep: tuple = ()) -> pd.DataFrame:
    """The site table named by option ``key`` in the library's columns (id, capacity, lon, lat),
    and the columns ``keep`` names (a tier, cost or region column) as they are; its id and
    coordinate columns are options ``candidates_*`` for candidates, else ``supply_*``. A
    SYNTHETIC one adds a note to ``notes``."""
    o = ctx.options
    table, synthetic = _source(ctx, o[key])
    prefix = "candidates" if key == "candidates" else "supply"
    lon, lat = o[f"{prefix}_coordinates"]
    names = {o[f"{prefix}_id"]: "id", lon: "lon", lat: "lat"} | ({o["capacity"]: "capacity"} if capacity else {})
    names |= {c: c for c in keep if c is not None and c not in names}
    missing = [c for c in names if c not in table.columns]
    if missing:
        raise DataError(f"{ctx.name}: {key} {o[key]!r} has no column(s) {missing}; its columns: "
                        f"{', '.join(map(str, table.columns))}")
    if synthetic:
        notes.append(f"The {key} ({o[key]}) is a SYNTHETIC facility layer (seeded; only provincial totals "
                     "and seats are real): the figures illustrate the method, they are not findings.")
    return table.rename(columns=names)[list(names.values())]


def _named(ctx: Context, sec: Section, *keys: str) -> Section:
    """``sec`` with a ``name`` column beside each table's ``id``: option ``label``'s column of the
    study's data (the demand points) and of the site tables options ``keys`` name, where they have it."""
    o, column = ctx.options, ctx.options["label"]
    tables = [(ctx.data, ctx.roles["unit"])] + [
        (_source(ctx, o[key])[0], o["candidates_id" if key == "candidates" else "supply_id"])
        for key in keys if o[key] is not None]
    names = {i: n for table, unit in tables if column in table.columns for i, n in zip(table[unit], table[column])}
    for key, frame in sec.tables.items():
        if "id" in frame.columns and "name" not in frame.columns and frame["id"].isin(names).any():
            frame = frame.copy()
            frame.insert(frame.columns.get_loc("id") + 1, "name", frame["id"].map(names))
            sec.tables[key] = frame
    return sec


def _method(ctx: Context) -> dict:
    """The accessibility method keys, and the OD table when the analysis takes ``od``."""
    return {p.name: ctx.options[p.name] for p in PARAMS} | ({"od": _od(ctx)} if "od" in ctx.options else {})


def _od(ctx: Context) -> pd.DataFrame | None:
    """The travel-cost table ``od`` names, or None."""
    return None if ctx.options["od"] is None else _source(ctx, ctx.options["od"])[0]


def _region(ctx: Context) -> dict:
    """``region="region"`` when the study sets the role (see :func:`_demand`)."""
    return {"region": "region"} if ctx.roles.get("region") else {}


TIER = Param("tier", None, "column of the supply (and of the study's data, where it has one) naming each site's "
             "tier: accessibility per tier; catchment may then be a table {tier = d₀}", kind=str)


@register("access", title="Spatial accessibility",
          params=DEMAND + REGIONS + SITES + PARAMS + OD + Params(
              TIER, Param("threshold", None, "accessibility below which people count as under-served", kind=float)),
          exports=("access",))
def _access(ctx: Context) -> Section:
    """Floating catchment accessibility of every demand point, its equity (per region with the
    role ``region``), and a map."""
    notes: list[str] = []
    tier = ctx.options["tier"]
    res = accessibility(_demand(ctx, tier), _sites(ctx, "supply", notes, keep=(tier,)), **_method(ctx),
                        tier=tier, **_region(ctx), **ctx.engine)
    summary = res.summary(ctx.options["threshold"])
    sec = res.section(ctx.name, f"Spatial accessibility ({res.method}, {summary['decay'].iloc[0]})")
    sec.notes += notes
    sec.add_table("access", res.to_frame(),
                  "Accessibility (capacity per person in reach) of every demand point.")
    sec.add_table("sites", res.sites, "Supply-to-demand ratio Rⱼ and demand potential Dⱼ of every site.")
    sec.add_table("summary", summary, "Equity of accessibility (population-weighted Gini and Theil"
                  + ("; the Theil T between and within regions)." if res.region else ")."))
    if res.region:
        sec.add_table("regions", res.regions(), "Accessibility per region: population, mean, Gini and Theil T.")
    sec.exports["access"] = res.access
    return _named(ctx, sec, "supply")


@register("capacity", title="Capacity optimization",
          params=DEMAND + SITES + PARAMS + OD + Params(*CAPACITY_PARAMS))
def _capacity(ctx: Context) -> Section:
    """Re-allocate a fixed total among the sites for the most equal accessibility (Wang & Tang 2013)."""
    o, notes, demand = ctx.options, [], _demand(ctx)
    supply = _sites(ctx, "supply", notes)
    source, _ = _source(ctx, o["supply"])
    missing = [f"{k} = {o[k]!r}" for k in ("lower", "upper") if o[k] is not None and o[k] not in source.columns]
    if missing:
        raise DataError(f"{ctx.name}: supply {o['supply']!r} has no column {' or '.join(missing)} (the "
                        f"{'bound' if len(missing) == 1 else 'bounds'} per site); its columns: "
                        f"{', '.join(map(str, source.columns))}")
    bounds = {k: source[o[k]].to_numpy() for k in ("lower", "upper") if o[k] is not None}
    res = optimize_capacity(demand, supply, **_method(ctx), total=o["total"], objective=o["objective"],
                            lower_share=o["lower_share"], upper_share=o["upper_share"], integer=o["integer"],
                            time_limit=o["time_limit"], **bounds)
    sec = res.section(ctx.name, "Capacity optimization (maximal accessibility equality)", demand=demand,
                      supply=supply)
    sec.notes += notes
    sec.add_table("before_after", res.summary(),
                  f"Objective ({res.objective}) and equity of accessibility, before and after.")
    sec.add_table("allocation", res.to_frame(), "Capacity of every site before and after, with its bounds.")
    sec.add_table("closures", pd.DataFrame([{"n_closed": res.n_closed, "capacity_moved": res.capacity_moved}]),
                  "Sites with capacity today that the plan sets to 0, and the capacity moved between sites "
                  "(Σ|after − before| / 2).")
    sec.add_table("access", res.points, "Accessibility of the served demand points before and after.")
    return _named(ctx, sec, "supply")


def _quotas(ctx: Context) -> pd.DataFrame | None:
    """The table of regional quotas ``quotas`` names, or None."""
    return None if ctx.options["quotas"] is None else _source(ctx, ctx.options["quotas"])[0]


@register("location", title="Location optimization",
          params=DEMAND + CANDIDATES + Params(
                                 Param("existing", None, "embedded data set or file of existing sites", kind=str,
                                       source=True),
                                 Param("supply_id", "id", "id column of the site tables", kind=str),
                                 Param("supply_coordinates", ["lon", "lat"], "lon, lat columns", kind=str, many=True),
                                 *(replace(p, study=True) if p.name in SITING else p for p in LOCATION_PARAMS),
                                 Param("tradeoff", None, "values of p (or, with a budget, budgets) for a trade-off "
                                       "table and figure: the objective of each, solved in turn (mclp, pmedian)",
                                       kind=(int, float), low=0, many=True)) + OD)
def _location(ctx: Context) -> Section:
    """MCLP, p-median or LSCP: where to open new facilities; with ``tradeoff``, the objective
    over a grid of p or budgets (:func:`~healthalloc.optimize.tradeoff`)."""
    o, notes, demand = ctx.options, [], _demand(ctx)
    cand = _sites(ctx, "candidates", notes, capacity=False, keep=(o["cost"], o["region"]))
    existing = _sites(ctx, "existing", notes, capacity=False) if o["existing"] else None
    siting, od = {k: o[k] for k in ("cost", "budget", "region")} | {"quotas": _quotas(ctx)}, _od(ctx)
    res = locate(demand, cand, model=o["model"], p=o["p"], radius=o["radius"], existing=existing, od=od,
                 time_limit=o["time_limit"], **siting)
    sec = res.section(ctx.name, f"Location optimization ({o['model']})", demand=demand, candidates=cand)
    sec.notes += notes
    sec.add_table("summary", res.summary(),
                  "Model, objective, covered population, status and optimality gap.")
    sec.add_table("candidates", res.to_frame(),
                  "Every candidate: selected (1/0) and the population within its radius.")
    if o["tradeoff"] is not None:
        by = {"budgets": o["tradeoff"]} if o["budget"] is not None else {"p": o["tradeoff"]}
        curve = tradeoff(demand, cand, model=o["model"], radius=o["radius"], existing=existing, od=od,
                         time_limit=o["time_limit"], **{k: v for k, v in siting.items() if k != "budget"}, **by)
        sec.reading += " " + curve.reading()
        for key, (caption, draw) in curve.figures().items():
            sec.add_figure(key, draw(), caption)
        sec.add_table("tradeoff", curve.to_frame(), f"{curve.measure.capitalize()} against {curve.by}: one solve "
                      "per value, with the total cost, the sites opened and the optimality gap.")
    return _named(ctx, sec, "candidates", "existing")


#: The DEA columns of the plan's sites: columns of the supply and the candidates (not roles of the
#: study's data, which holds the demand).
DEA_COLUMNS = tuple(replace(PLAN[name], role=None) for name in ("inputs", "outputs"))


@register("scenario", title="Planning scenario",
          params=DEMAND + SITES + PARAMS + CANDIDATES + Params(
              *(PLAN[name] for name in ("p", "radius", "added", "cost", "budget", "quotas", "integer",
                                        "time_limit")),
              replace(PLAN["region"], role="region"), *DEA_COLUMNS))
def _scenario(ctx: Context) -> Section:
    """Two-step planning: site new facilities (MCLP, within a budget and regional quotas), size them
    for equal access, compare before/after (per region, and DEA efficiency on one pooled frontier)."""
    o, notes = ctx.options, []
    inputs, outputs = ([o["capacity"] if c == o["capacity"] else c for c in o[k] or []] for k in ("inputs", "outputs"))
    dea = [c for c in dict.fromkeys([*inputs, *outputs]) if c != o["capacity"] and c not in DERIVED]
    region = ctx.roles.get("region")
    table, _ = _source(ctx, o["candidates"])
    sited = region if region in table.columns and region != o["candidates_id"] else None
    candidates = _sites(ctx, "candidates", notes, capacity=False, keep=(o["cost"], sited, *dea))
    candidates = candidates.rename(columns={sited: "region"}) if sited else candidates
    named = {o["capacity"]: "capacity"}  # the supply's capacity column is the library's capacity
    res = plan(_demand(ctx), _sites(ctx, "supply", notes, keep=tuple(dea)), candidates, p=o["p"], added=o["added"],
               radius=o["radius"], cost=o["cost"], budget=o["budget"], quotas=_quotas(ctx),
               inputs=[named.get(c, c) for c in inputs] or None, outputs=[named.get(c, c) for c in outputs] or None,
               integer=o["integer"], time_limit=o["time_limit"], **_region(ctx), **_method(ctx))
    sec = res.section(ctx.name, "Planning scenario: new sites, sized for equal accessibility")
    sec.notes += notes
    sec.add_table("before_after", res.scenario.comparison,
                  "Capacity, accessibility, equity and coverage before and after the plan.")
    sec.add_table("new_sites", res.supply_after[res.supply_after["new"] == 1].reset_index(drop=True),
                  "The selected sites and their capacity.")
    if region:
        sec.add_table("regions", res.scenario.regions(), "Accessibility per region before and after the plan: "
                      "population, mean, Gini and Theil T within the region, and the change of the mean.")
    if res.scenario.efficiency is not None:
        sec.add_table("efficiency", res.scenario.efficiency, "DEA efficiency (VRS, input-oriented) of every site "
                      "before and after, on one frontier of both scenarios' sites.")
    sec.add_table("access", res.scenario.points, "Accessibility of every demand point before and after.")
    return _named(ctx, sec, "supply", "candidates")
