"""Registrations of the accessibility and optimization analyses for study files.

The study's data set holds the demand points (roles ``unit``, ``population`` and
``coordinates`` = [lon, lat]); the sites come from an embedded data set or a file named by
``supply`` (and ``candidates``, ``existing``), a path relative to the study file (or
``{source = FILE, sheet = NAME, encoding = ENC}``), with columns ``supply_id``,
``capacity`` and ``supply_coordinates``. A supply whose data set is labelled SYNTHETIC (``china_facilities_synthetic``) is flagged in the report.
"""

from __future__ import annotations

import math

import pandas as pd

from healthalloc.access import PARAMS, access_map, accessibility
from healthalloc.data.datasets import DATASETS
from healthalloc.data.validate import DataError
from healthalloc.optimize import locate, optimize_capacity, plan
from healthalloc.optimize.capacity import PARAMS as CAPACITY_PARAMS
from healthalloc.optimize.capacity import change
from healthalloc.optimize.location import PARAMS as LOCATION_PARAMS
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
P = Param("p", REQUIRED, "new sites to open", kind=int, low=1)
RADIUS = Param("radius", REQUIRED, "coverage radius (km)", kind=float, low=0, low_open=True)
TIME_LIMIT = LOCATION_PARAMS["time_limit"]  # the solvers' one default limit (60 s), as on the command line
INTEGER = CAPACITY_PARAMS["integer"]


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


def _sites(ctx: Context, key: str, sec: Section | None = None, capacity: bool = True) -> pd.DataFrame:
    """The site table named by option ``key`` in the library's columns (id, capacity, lon, lat);
    its id and coordinate columns are options ``candidates_*`` for candidates, else ``supply_*``."""
    o = ctx.options
    table, synthetic = _source(ctx, o[key])
    prefix = "candidates" if key == "candidates" else "supply"
    lon, lat = o[f"{prefix}_coordinates"]
    names = {o[f"{prefix}_id"]: "id", lon: "lon", lat: "lat"} | ({o["capacity"]: "capacity"} if capacity else {})
    missing = [c for c in names if c not in table.columns]
    if missing:
        raise ValueError(f"{ctx.name}: {key} {o[key]!r} has no column(s) {missing}")
    if synthetic and sec is not None:
        sec.add_note(f"The {key} ({o[key]}) is a SYNTHETIC facility layer (seeded; only provincial totals "
                     "and seats are real): the figures illustrate the method, they are not findings.")
    return table.rename(columns=names)[list(names.values())]


def _method(ctx: Context) -> dict:
    return {p.name: ctx.options[p.name] for p in PARAMS}


def _equity_reading(row: pd.Series) -> str:
    if not row["mean"] > 0:
        return "nobody has a site in reach, so accessibility is 0 everywhere and its inequality undefined"
    return (f"population-weighted mean accessibility {row['mean']:.4g} per person, Gini {row['gini']:.3f}, "
            f"{row['share_below']:.0%} of the population below the mean")


@register("access", title="Spatial accessibility",
          params=DEMAND + SITES + PARAMS + Params(Param("threshold", None, "accessibility below which people "
                                                                        "count as under-served", kind=float)),
          exports=("access",))
def _access(ctx: Context) -> Section:
    """Floating catchment accessibility of every demand point, its equity, and a map."""
    sec = Section(ctx.name, "", "")
    res = accessibility(_demand(ctx), _sites(ctx, "supply", sec), **_method(ctx), **ctx.engine)
    summary = res.summary(ctx.options["threshold"])
    row = summary.iloc[0]
    sec.title = f"Spatial accessibility ({res.method}, {row['decay']})"
    sec.reading = (f"Over {row['demand_points']:,} demand points: {_equity_reading(row)}; "
                   f"{row['unreachable_population']:.1%} of the population has no site in reach.")
    sec.add_table("access", res.to_frame(),
                  "Accessibility (capacity per person in reach) of every demand point.")
    sec.add_table("sites", res.sites, "Supply-to-demand ratio Rⱼ and demand potential Dⱼ of every site.")
    sec.add_table("summary", summary, "Equity of accessibility (population-weighted Gini and Theil).")
    sec.add_figure("map", res.plot(),
                   "Accessibility of the demand points; triangles: sites (size: capacity).")
    sec.exports["access"] = res.access
    return sec


@register("capacity", title="Capacity optimization",
          params=DEMAND + SITES + PARAMS + Params(
              *CAPACITY_PARAMS))
def _capacity(ctx: Context) -> Section:
    """Re-allocate a fixed total among the sites for the most equal accessibility (Wang & Tang 2013)."""
    o = ctx.options
    sec = Section(ctx.name, "Capacity optimization (maximal accessibility equality)", "")
    supply = _sites(ctx, "supply", sec)
    source, _ = _source(ctx, o["supply"])
    missing = [f"{k} = {o[k]!r}" for k in ("lower", "upper") if o[k] is not None and o[k] not in source.columns]
    if missing:
        raise DataError(f"{ctx.name}: supply {o['supply']!r} has no column {' or '.join(missing)} (the "
                        f"{'bound' if len(missing) == 1 else 'bounds'} per site); its columns: "
                        f"{', '.join(map(str, source.columns))}")
    bounds = {k: source[o[k]].to_numpy() for k in ("lower", "upper") if o[k] is not None}
    res = optimize_capacity(_demand(ctx), supply, **_method(ctx), total=o["total"], objective=o["objective"],
                            integer=o["integer"], time_limit=o["time_limit"], **bounds)
    eq0, eq1 = res.equity_before, res.equity_after
    today = float(res.sites["capacity_before"].sum())
    total = ("the total unchanged" if change(today, res.total) == 0
             else f"the total from {today:,.6g} today to {res.total:,.6g}")
    sec.reading = (f"Re-allocating {res.total:,.6g} units among {len(res.sites)} sites ({res.status}) moves the "
                   f"Gini of accessibility from {eq0['gini']:.3f} to {eq1['gini']:.3f} and the share below "
                   f"today's mean from {eq0['share_below']:.0%} to {eq1['share_below']:.0%}, {total}.")
    sec.add_table("before_after", res.summary(),
                  f"Objective ({res.objective}) and equity of accessibility, before and after.")
    sec.add_table("allocation", res.to_frame(), "Capacity of every site before and after, with its bounds.")
    sec.add_table("access", res.points, "Accessibility of the served demand points before and after.")
    points = res.points.merge(_demand(ctx)[["id", "lon", "lat"]], on="id")
    sites = supply.assign(capacity=res.sites["capacity_after"].to_numpy())
    sec.add_figure("map_after", access_map(points, sites, value="access_after",
                                           title="Accessibility after re-allocation"),
                   "Accessibility after re-allocation; triangles: sites (size: new capacity).")
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
    o = ctx.options
    sec = Section(ctx.name, f"Location optimization ({o['model']})", "")
    cand = _sites(ctx, "candidates", sec, capacity=False)
    existing = _sites(ctx, "existing", sec, capacity=False) if o["existing"] else None
    demand = _demand(ctx)
    res = locate(demand, cand, model=o["model"], p=o["p"], radius=o["radius"], existing=existing,
                 time_limit=o["time_limit"])
    s = res.summary_dict()
    gap = f"gap {s['gap']:.2%}" if math.isfinite(s["gap"]) else "no bound"  # stopped before HiGHS had a bound
    sec.reading = (f"{s['n_selected']} new site(s) ({s['status']}, {gap}); "
                   f"{s['coverage']:.1%} of the population within {o['radius'] or '—'} km of an open site.")
    sec.add_table("summary", res.summary(),
                  "Model, objective, covered population, status and optimality gap.")
    sec.add_table("candidates", res.to_frame(),
                  "Every candidate: selected (1/0) and the population within its radius.")
    chosen = cand[cand["id"].isin(res.selected)].assign(capacity=1.0)
    points = res.points.merge(demand[["id", "lon", "lat"]], on="id")
    sec.add_figure("map", access_map(points, chosen, value="covered", label="covered (1) or not (0)",
                                     title="Selected sites and covered demand", cmap="RdYlBu"),
                   "Demand points covered by an open site; triangles: the selected new sites.")
    return sec


@register("scenario", title="Planning scenario",
          params=DEMAND + SITES + PARAMS + CANDIDATES + Params(
              P, RADIUS,
              Param("added", REQUIRED, "capacity to give the new sites", kind=float, low=0, low_open=True),
              INTEGER, TIME_LIMIT))
def _scenario(ctx: Context) -> Section:
    """Two-step planning: site new facilities (MCLP), size them for equal access, compare before/after."""
    o = ctx.options
    sec = Section(ctx.name, "Planning scenario: new sites, sized for equal accessibility", "")
    res = plan(_demand(ctx), _sites(ctx, "supply", sec), _sites(ctx, "candidates", sec, capacity=False),
               p=o["p"], added=o["added"], radius=o["radius"], integer=o["integer"], time_limit=o["time_limit"],
               **_method(ctx))
    table = res.scenario.comparison.set_index("measure")
    sec.reading = (f"Opening {res.n_opened} site(s) with {res.added:,.6g} units raises coverage within "
                   f"{o['radius']:g} km from {table.loc['coverage', 'before']:.1%} to "
                   f"{table.loc['coverage', 'after']:.1%} and moves the Gini of accessibility from "
                   f"{table.loc['gini', 'before']:.3f} to {table.loc['gini', 'after']:.3f}.")
    sec.add_table("before_after", res.scenario.comparison,
                  "Capacity, accessibility, equity and coverage before and after the plan.")
    sec.add_table("new_sites", res.supply_after[res.supply_after["new"] == 1].reset_index(drop=True),
                  "The selected sites and their capacity.")
    sec.add_table("access", res.scenario.points, "Accessibility of every demand point before and after.")
    for when, result in (("before", res.scenario.before), ("after", res.scenario.after)):
        sec.add_figure(f"map_{when}", result.plot(title=f"Accessibility {when} the plan"),
                       f"Accessibility {when} the plan; triangles: sites.")
    return sec
