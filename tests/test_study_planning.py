"""Study analyses reach everything the library takes: regions, tiers and OD tables in access;
shares and OD in capacity; costs, budgets, regions, quotas, OD and a trade-off in location;
budgets, quotas, regions and DEA before/after in the plan. Each study gives the numbers of
the direct library call."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthalloc.access import accessibility
from healthalloc.data import read_table
from healthalloc.optimize import locate, optimize_capacity, plan, tradeoff
from healthalloc.study import run_study

ROLES = {"unit": "town", "population": "people", "coordinates": ["x", "y"]}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(11)
    n, m, k = 120, 10, 20
    towns = pd.DataFrame({"town": np.arange(n), "people": rng.integers(1000, 50000, n),
                          "x": rng.uniform(107, 109, n), "y": rng.uniform(22, 24, n),
                          "prov": rng.choice(["north", "south", "west"], n)})
    hosp = pd.DataFrame({"id": [f"h{j}" for j in range(m)], "beds": rng.integers(50, 800, m).astype(float),
                         "lon": rng.uniform(107, 109, m), "lat": rng.uniform(22, 24, m),
                         "level": rng.choice(["primary", "hospital"], m)})
    cand = pd.DataFrame({"id": [f"c{j}" for j in range(k)], "lon": rng.uniform(107, 109, k),
                         "lat": rng.uniform(22, 24, k), "price": rng.integers(1, 10, k).astype(float),
                         "prov": rng.choice(["north", "south", "west"], k)})
    sites = pd.concat([hosp[["id", "lon", "lat"]], cand[["id", "lon", "lat"]]])
    od = pd.DataFrame([(t.town, s.id, 100 * np.hypot(t.x - s.lon, t.y - s.lat) * rng.uniform(1.1, 1.6))
                       for t in towns.itertuples() for s in sites.itertuples()],
                      columns=["origin", "destination", "cost"])
    quotas = pd.DataFrame({"region": ["north", "south", "west"], "min_sites": [1, None, None],
                           "max_sites": [None, 1, 2]})
    out = {}
    for name, frame in (("towns", towns), ("hosp", hosp), ("cand", cand), ("od", od), ("quotas", quotas)):
        out[name] = tmp_path / f"{name}.csv"
        frame.to_csv(out[name], index=False)
    return out


def _run(files, tmp_path, *analyses) -> dict:
    study = {"data": {"source": str(files["towns"])}, "roles": ROLES, "analyses": list(analyses)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, tmp_path / "out", progress=False)
    return {sec.name: sec for sec in result.sections}


def _demand(files, region: bool = False) -> pd.DataFrame:
    towns = read_table(files["towns"])
    frame = pd.DataFrame({"id": towns["town"], "population": towns["people"], "lon": towns["x"], "lat": towns["y"]})
    return frame.assign(region=towns["prov"]) if region else frame


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def test_access_with_regions_tiers_and_an_od_table_equals_the_library(files, tmp_path):
    sec = _run(files, tmp_path, {"type": "access", "supply": str(files["hosp"]), "capacity": "beds",
                                 "method": "e2sfca", "catchment": {"primary": 60.0, "hospital": 150.0},
                                 "tier": "level", "od": str(files["od"]), "region": "prov"})["access"]
    hosp = read_table(files["hosp"]).rename(columns={"beds": "capacity"})[["id", "capacity", "lon", "lat", "level"]]
    res = _quiet(accessibility, _demand(files, region=True), hosp, method="e2sfca",
                 catchment={"primary": 60.0, "hospital": 150.0}, tier="level", od=read_table(files["od"]),
                 region="region")
    pd.testing.assert_frame_equal(sec.tables["access"], res.to_frame())
    pd.testing.assert_frame_equal(sec.tables["regions"], res.regions())
    assert set(sec.tables["regions"]["region"]) == {"north", "south", "west"}
    assert {"theil_between", "theil_within"} <= set(sec.tables["summary"].columns)


def test_capacity_with_shares_and_an_od_table_equals_the_library(files, tmp_path):
    sec = _run(files, tmp_path, {"type": "capacity", "supply": str(files["hosp"]), "capacity": "beds",
                                 "method": "2sfca", "catchment": 120.0, "od": str(files["od"]),
                                 "lower_share": 0.8, "upper_share": 1.5})["capacity"]
    hosp = read_table(files["hosp"]).rename(columns={"beds": "capacity"})[["id", "capacity", "lon", "lat"]]
    res = _quiet(optimize_capacity, _demand(files), hosp, method="2sfca", catchment=120.0,
                 od=read_table(files["od"]), lower_share=0.8, upper_share=1.5)
    pd.testing.assert_frame_equal(sec.tables["allocation"], res.to_frame())
    after = sec.tables["allocation"]
    assert (after["capacity_after"] >= 0.8 * after["capacity_before"] - 1e-6).all()
    assert (after["capacity_after"] <= 1.5 * after["capacity_before"] + 1e-6).all()


@pytest.mark.parametrize("model", ["mclp", "pmedian"])
def test_location_with_costs_budget_quotas_od_and_a_tradeoff_equals_the_library(files, tmp_path, model):
    keys = {"model": model, "p": 4, "radius": 40.0 if model == "mclp" else None, "cost": "price", "budget": 15.0,
            "region": "prov"}
    entry = {"type": "location", "candidates": str(files["cand"]), "existing": str(files["hosp"]),
             "quotas": str(files["quotas"]), "od": str(files["od"]), "tradeoff": [5.0, 10.0, 20.0],
             **{k: v for k, v in keys.items() if v is not None}}
    sec = _run(files, tmp_path, entry)["location"]
    cand = read_table(files["cand"])[["id", "lon", "lat", "price", "prov"]]
    existing = read_table(files["hosp"])[["id", "lon", "lat"]]
    common = dict(existing=existing, od=read_table(files["od"]), quotas=read_table(files["quotas"]))
    res = locate(_demand(files), cand, **keys, **common)
    drop = ["seconds"]
    pd.testing.assert_frame_equal(sec.tables["summary"].drop(columns=drop), res.summary().drop(columns=drop))
    pd.testing.assert_frame_equal(sec.tables["candidates"], res.to_frame())
    assert res.total_cost <= 15.0 and sum(res.sites_by_region.values()) == res.n_selected
    curve = tradeoff(_demand(files), cand, model=model, budgets=[5.0, 10.0, 20.0], radius=keys["radius"],
                     cost="price", region="prov", **common)
    pd.testing.assert_frame_equal(sec.tables["tradeoff"], curve.to_frame())
    assert "tradeoff" in sec.figures and "solves" in sec.reading


def test_a_tradeoff_without_a_budget_varies_p(files, tmp_path):
    sec = _run(files, tmp_path, {"type": "location", "candidates": str(files["cand"]), "model": "mclp", "p": 2,
                                 "radius": 30.0, "tradeoff": [1, 2, 3]})["location"]
    curve = tradeoff(_demand(files), read_table(files["cand"])[["id", "lon", "lat"]], p=[1, 2, 3], radius=30.0)
    pd.testing.assert_frame_equal(sec.tables["tradeoff"], curve.to_frame())
    assert sec.tables["tradeoff"]["objective"].is_monotonic_increasing


def test_the_plan_with_budget_quotas_regions_and_efficiency_equals_the_library(files, tmp_path):
    sec = _run(files, tmp_path, {"type": "scenario", "supply": str(files["hosp"]), "capacity": "beds",
                                 "candidates": str(files["cand"]), "method": "2sfca", "catchment": 60.0,
                                 "p": 3, "radius": 30.0, "added": 600.0, "cost": "price", "budget": 12.0,
                                 "quotas": str(files["quotas"]), "region": "prov", "inputs": ["beds"],
                                 "outputs": ["demand_potential"]})["scenario"]
    hosp = read_table(files["hosp"]).rename(columns={"beds": "capacity"})[["id", "capacity", "lon", "lat"]]
    cand = read_table(files["cand"]).rename(columns={"prov": "region"})[["id", "lon", "lat", "price", "region"]]
    res = _quiet(plan, _demand(files, region=True), hosp, cand, p=3, added=600.0, radius=30.0, method="2sfca",
                 catchment=60.0, cost="price", budget=12.0, quotas=read_table(files["quotas"]), region="region",
                 inputs=["capacity"], outputs=["demand_potential"])
    pd.testing.assert_frame_equal(sec.tables["before_after"], res.scenario.comparison)
    pd.testing.assert_frame_equal(sec.tables["regions"], res.scenario.regions())
    pd.testing.assert_frame_equal(sec.tables["efficiency"], res.scenario.efficiency)
    assert res.location.total_cost <= 12.0 and res.location.sites_by_region.get("south", 0) <= 1
    measures = set(sec.tables["before_after"]["measure"])
    assert {"theil_between", "theil_within", "mean_efficiency"} <= measures
    assert "cost" in sec.reading


def test_plan_says_a_site_left_empty_is_not_opened_and_not_that_it_closed():
    # a well-served cluster (its own large hospital) and a bare one; both candidates add coverage,
    # the sizing gives all the added beds to the bare cluster
    demand = pd.DataFrame({"id": ["a1", "a2", "b1", "b2"], "population": [1000, 1000, 1000, 1000],
                           "lon": [100.0, 100.05, 104.0, 104.05], "lat": [30.0, 30.0, 30.0, 30.0]})
    supply = pd.DataFrame({"id": ["h"], "capacity": [5000.0], "lon": [100.02], "lat": [30.2]})
    cand = pd.DataFrame({"id": ["ca", "cb"], "lon": [100.02, 104.02], "lat": [30.0, 30.0]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = plan(demand, supply, cand, p=2, added=100.0, radius=10.0, method="2sfca", catchment=40.0)
    messages = [str(w.message) for w in caught]
    assert list(res.supply_after.loc[res.supply_after["new"] == 1, "id"]) == ["cb"]
    assert any("not opened" in m and "ca" in m for m in messages)
    assert not any("set to 0" in m for m in messages), messages


def test_plan_names_dea_columns_the_candidates_lack():
    demand = pd.DataFrame({"id": ["a"], "population": [10], "lon": [100.0], "lat": [30.0]})
    supply = pd.DataFrame({"id": ["h"], "capacity": [5.0], "visits": [3.0], "lon": [100.0], "lat": [30.0]})
    cand = pd.DataFrame({"id": ["c"], "lon": [100.1], "lat": [30.0]})
    with pytest.raises(ValueError, match="candidates have no column visits"):
        plan(demand, supply, cand, p=1, added=5.0, radius=30.0, catchment=30.0, inputs=["capacity"],
             outputs=["visits"])


@pytest.mark.parametrize(("share", "closes"), [(0.8, False), (None, True)])
def test_the_capacity_section_counts_sites_closed_and_capacity_moved(files, tmp_path, share, closes):
    entry = {"type": "capacity", "supply": str(files["hosp"]), "capacity": "beds", "method": "2sfca",
             "catchment": 60.0}
    sec = _run(files, tmp_path, entry | ({"lower_share": share} if share else {}))["capacity"]
    sites = sec.tables["allocation"]
    [row] = sec.tables["closures"].to_dict("records")
    assert row["capacity_moved"] == pytest.approx(sites["change"].abs().sum() / 2)
    assert row["n_closed"] == ((sites["capacity_before"] > 0) & (sites["capacity_after"] == 0)).sum()
    assert (row["n_closed"] > 0) == closes


def test_the_seed002_example_plans_within_a_budget_per_region_with_its_tradeoff_and_efficiency():
    import tomllib

    raw = tomllib.loads((Path(__file__).resolve().parents[1] / "examples" / "seed002.toml").read_text("utf-8"))
    by_type = {a["type"]: a for a in raw["analyses"]}
    assert {"budget", "cost", "region", "tradeoff"} <= set(by_type["location"])
    assert {"budget", "cost", "region", "inputs", "outputs"} <= set(by_type["scenario"])
    assert (by_type["capacity"]["lower_share"], by_type["capacity"]["upper_share"]) == (0.8, 1.5)
    assert "region" in raw["analyses"][0]
