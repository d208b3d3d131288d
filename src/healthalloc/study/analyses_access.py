"""Registrations of the accessibility and optimization analyses for study files.

The study's data set holds the demand points (roles ``unit``, ``population`` and
``coordinates`` = [lon, lat]); the sites come from an embedded data set or a file named by
``supply`` (and ``candidates``, ``existing``), a path relative to the study file (or
``{source = FILE, sheet = NAME, encoding = ENC}``), with columns ``supply_id``,
``capacity`` and ``supply_coordinates``. A supply whose data set is labelled SYNTHETIC (``china_facilities_synthetic``) is flagged in the report.
"""

from __future__ import annotations

import pandas as pd

from healthalloc.access import PARAMS, accessibility
from healthalloc.data.datasets import DATASETS
from healthalloc.data.validate import DataError
from healthalloc.optimize import locate, optimize_capacity, plan
from healthalloc.optimize.capacity import PARAMS as CAPACITY_PARAMS
from healthalloc.optimize.location import PARAMS as LOCATION_PARAMS
from healthalloc.optimize.scenario import PLAN
from healthalloc.params import REQUIRED, Param, Params
from healthalloc.report.section import Section
from healthalloc.study.registry import Context, register
from healthalloc.study.spec import read_source

DEMAND = Params(Param("unit", role="unit"), Param("population", role="population"),
                Param("coordinates", role="coordinates", many=True))
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


def _source(ctx: Context, value: str | dict) -> tuple[pd.DataFrame, bool]:
    """The table a key names (:func:`~healthalloc.study.spec.read_source`); True when it is a
    SYNTHETIC embedded data set."""
    frame, embedded = read_source(value, ctx.study_dir)
    return frame, embedded is not None and "SYNTHETIC" in DATASETS[embedded].title


def _demand(ctx: Context) -> pd.DataFrame:
    r = ctx.roles
    lon, lat = r["coordinates"]
    return pd.DataFrame({"id": ctx.data[r["unit"]], "population": ctx.data[r["population"]],
                         "lon": ctx.data[lon], "lat": ctx.data[lat]})


def _sites(ctx: Context, key: str, notes: list[str], capacity: bool = True) -> pd.DataFrame:
    """The site table named by option ``key`` in the library's columns (id, capacity, lon, lat);
    its id and coordinate columns are options ``candidates_*`` for candidates, else ``supply_*``.
    A SYNTHETIC one adds a note to ``notes``."""
    o = ctx.options
    table, synthetic = _source(ctx, o[key])
    prefix = "candidates" if key == "candidates" else "supply"
    lon, lat = o[f"{prefix}_coordinates"]
    names = {o[f"{prefix}_id"]: "id", lon: "lon", lat: "lat"} | ({o["capacity"]: "capacity"} if capacity else {})
    missing = [c for c in names if c not in table.columns]
    if missing:
        raise ValueError(f"{ctx.name}: {key} {o[key]!r} has no column(s) {missing}")
    if synthetic:
        notes.append(f"The {key} ({o[key]}) is a SYNTHETIC facility layer (seeded; only provincial totals "
                     "and seats are real): the figures illustrate the method, they are not findings.")
    return table.rename(columns=names)[list(names.values())]


def _method(ctx: Context) -> dict:
    return {p.name: ctx.options[p.name] for p in PARAMS}


@register("access", title="Spatial accessibility",
          params=DEMAND + SITES + PARAMS + Params(Param("threshold", None, "accessibility below which people "
                                                                        "count as under-served", kind=float)),
          exports=("access",))
def _access(ctx: Context) -> Section:
    """Floating catchment accessibility of every demand point, its equity, and a map."""
    notes: list[str] = []
    res = accessibility(_demand(ctx), _sites(ctx, "supply", notes), **_method(ctx), **ctx.engine)
    summary = res.summary(ctx.options["threshold"])
    sec = res.section(ctx.name, f"Spatial accessibility ({res.method}, {summary['decay'].iloc[0]})")
    sec.notes += notes
    sec.add_table("access", res.to_frame(),
                  "Accessibility (capacity per person in reach) of every demand point.")
    sec.add_table("sites", res.sites, "Supply-to-demand ratio Rⱼ and demand potential Dⱼ of every site.")
    sec.add_table("summary", summary, "Equity of accessibility (population-weighted Gini and Theil).")
    sec.exports["access"] = res.access
    return sec


@register("capacity", title="Capacity optimization",
          params=DEMAND + SITES + PARAMS + Params(
              *CAPACITY_PARAMS))
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
                            integer=o["integer"], time_limit=o["time_limit"], **bounds)
    sec = res.section(ctx.name, "Capacity optimization (maximal accessibility equality)", demand=demand,
                      supply=supply)
    sec.notes += notes
    sec.add_table("before_after", res.summary(),
                  f"Objective ({res.objective}) and equity of accessibility, before and after.")
    sec.add_table("allocation", res.to_frame(), "Capacity of every site before and after, with its bounds.")
    sec.add_table("access", res.points, "Accessibility of the served demand points before and after.")
    return sec


@register("location", title="Location optimization",
          params=DEMAND + CANDIDATES + Params(
                                 Param("existing", None, "embedded data set or file of existing sites", kind=str,
                                       source=True),
                                 Param("supply_id", "id", "id column of the site tables", kind=str),
                                 Param("supply_coordinates", ["lon", "lat"], "lon, lat columns", kind=str, many=True),
                                 *LOCATION_PARAMS))
def _location(ctx: Context) -> Section:
    """MCLP, p-median or LSCP: where to open new facilities."""
    o, notes, demand = ctx.options, [], _demand(ctx)
    cand = _sites(ctx, "candidates", notes, capacity=False)
    existing = _sites(ctx, "existing", notes, capacity=False) if o["existing"] else None
    res = locate(demand, cand, model=o["model"], p=o["p"], radius=o["radius"], existing=existing,
                 time_limit=o["time_limit"])
    sec = res.section(ctx.name, f"Location optimization ({o['model']})", demand=demand, candidates=cand)
    sec.notes += notes
    sec.add_table("summary", res.summary(),
                  "Model, objective, covered population, status and optimality gap.")
    sec.add_table("candidates", res.to_frame(),
                  "Every candidate: selected (1/0) and the population within its radius.")
    return sec


@register("scenario", title="Planning scenario",
          params=DEMAND + SITES + PARAMS + CANDIDATES + Params(
              *(PLAN[name] for name in ("p", "radius", "added", "integer", "time_limit"))))
def _scenario(ctx: Context) -> Section:
    """Two-step planning: site new facilities (MCLP), size them for equal access, compare before/after."""
    o, notes = ctx.options, []
    res = plan(_demand(ctx), _sites(ctx, "supply", notes), _sites(ctx, "candidates", notes, capacity=False),
               p=o["p"], added=o["added"], radius=o["radius"], integer=o["integer"], time_limit=o["time_limit"],
               **_method(ctx))
    sec = res.section(ctx.name, "Planning scenario: new sites, sized for equal accessibility")
    sec.notes += notes
    sec.add_table("before_after", res.scenario.comparison,
                  "Capacity, accessibility, equity and coverage before and after the plan.")
    sec.add_table("new_sites", res.supply_after[res.supply_after["new"] == 1].reset_index(drop=True),
                  "The selected sites and their capacity.")
    sec.add_table("access", res.scenario.points, "Accessibility of every demand point before and after.")
    return sec
