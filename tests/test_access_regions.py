"""Accessibility by region: the per-region table and the population-weighted Theil T of access
decomposed between and within regions (Theil 1967; Shorrocks 1980), in the library, the
command line and the before/after scenario."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assert_refused, run_cli, snapshot
from healthalloc.access import access_equity, access_regions, accessibility
from healthalloc.data.validate import DataError
from healthalloc.optimize import scenario

FIRST = ["region", "population", "mean_access", "gini"]
THEIL = ("theil_t", "theil_between", "theil_within")


def _direct(a, p, g):
    """T, between and within written term by term from the definitions (0 ln 0 = 0)."""
    xln = (lambda x, r: 0.0 if x == 0 else x * math.log(r))
    P = sum(p)
    mean = sum(pi * ai for pi, ai in zip(p, a)) / P
    T = sum(xln(pi / P * ai / mean, ai / mean) for pi, ai in zip(p, a))
    between = within = 0.0
    for label in set(g):
        idx = [i for i in range(len(a)) if g[i] == label]
        Pg = sum(p[i] for i in idx)
        if Pg == 0:
            continue
        mg = sum(p[i] * a[i] for i in idx) / Pg
        between += xln(Pg / P * mg / mean, mg / mean)
        if mg > 0:
            Tg = sum(xln(p[i] / Pg * a[i] / mg, a[i] / mg) for i in idx)
            within += Pg / P * mg / mean * Tg
    return T, between, within


def _dense_gini(a, p):
    """Population-weighted mean difference over twice the mean."""
    a, p = np.asarray(a, float), np.asarray(p, float)
    w = p / p.sum()
    return float((w[:, None] * w[None, :] * np.abs(a[:, None] - a[None, :])).sum() / (2 * (w @ a)))


points = st.lists(st.tuples(st.one_of(st.just(0.0), st.floats(1e-4, 1e3)), st.one_of(st.just(0.0), st.floats(1, 1e5)),
                            st.sampled_from("abcd")), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(points)
def test_between_plus_within_is_T_and_equals_the_direct_computation(rows):
    a, p, g = map(list, zip(*rows))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray numpy warnings, also at ā = 0
        out, table = access_regions(a, p, g)
    if not sum(pi * ai for pi, ai in zip(p, a)) > 0:
        assert all(math.isnan(out[k]) for k in THEIL)
        return
    assert out["theil_between"] + out["theil_within"] == pytest.approx(out["theil_t"], abs=1e-12)
    assert [out[k] for k in THEIL] == pytest.approx(_direct(a, p, g), rel=1e-10, abs=1e-12)
    assert out["theil_t"] >= -1e-12 and out["theil_between"] >= -1e-12
    reached = table["access_share"] > 0
    assert (table.loc[reached, "access_share"] * table.loc[reached, "theil_t"]).sum() == pytest.approx(
        out["theil_within"], abs=1e-12)
    for label, gini in zip(table["region"], table["gini"]):
        part = [(ai, pi) for ai, pi, gi in zip(a, p, g) if gi == label and pi > 0]
        if any(ai > 0 for ai, _ in part):
            assert gini == pytest.approx(_dense_gini(*zip(*part)), abs=1e-12)
        else:
            assert math.isnan(gini)


def test_equal_access_has_no_inequality():
    out, table = access_regions([0.5] * 6, [10, 20, 30, 40, 50, 0], list("aabbcc"))
    assert out == pytest.approx({"theil_t": 0, "theil_between": 0, "theil_within": 0}, abs=1e-15)
    assert table["theil_t"].tolist() == pytest.approx([0, 0, 0], abs=1e-15)
    assert table["gini"].tolist() == pytest.approx([0, 0, 0], abs=1e-15)


def test_equal_regional_means_are_all_within():
    out, _ = access_regions([1, 3, 2, 2], [1, 1, 1, 1], list("aabb"))
    assert out["theil_between"] == pytest.approx(0, abs=1e-15)
    assert out["theil_within"] == pytest.approx(out["theil_t"]) and out["theil_t"] > 0


def test_all_access_zero_is_undefined():
    out, table = access_regions([0, 0, 0], [1, 2, 3], list("aab"))
    assert all(math.isnan(out[k]) for k in THEIL)
    assert table["mean_access"].tolist() == [0, 0] and table["theil_t"].isna().all()


@pytest.fixture
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n, m = 80, 6
    demand = pd.DataFrame({"id": [f"d{k}" for k in range(n)], "population": rng.integers(0, 5000, n),
                           "lon": rng.uniform(104, 105, n), "lat": rng.uniform(30, 31, n),
                           "county": rng.choice(["east", "west", "north", "south"], n)})
    supply = pd.DataFrame({"id": [f"s{k}" for k in range(m)], "capacity": rng.integers(10, 300, m),
                           "lon": rng.uniform(104, 105, m), "lat": rng.uniform(30, 31, m)})
    return demand, supply


def _access(demand, supply, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # demand out of reach
        return accessibility(demand, supply, method="e2sfca", catchment=35, **kwargs)


def test_regions_table_equals_groupby(tables):
    demand, supply = tables
    res = _access(demand, supply, region="county")
    table = res.regions()
    assert list(table.columns[:4]) == FIRST
    pts = res.points.assign(weighted=lambda f: f["access"] * f["population"])
    grouped = pts.groupby("region")
    expected = pd.DataFrame({"population": grouped["population"].sum(),
                             "mean_access": grouped["weighted"].sum() / grouped["population"].sum(),
                             "gini": grouped.apply(lambda f: _dense_gini(f["access"], f["population"]),
                                                   include_groups=False),
                             "n_points": grouped.size()})
    expected["population_share"] = expected["population"] / pts["population"].sum()
    expected["access_share"] = grouped["weighted"].sum() / pts["weighted"].sum()
    got = table.set_index("region")
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_names=False, check_dtype=False,
                                  rtol=1e-12)
    assert res.points["region"].tolist() == demand["county"].tolist()


def test_summary_decomposes_T_and_matches_one_region(tables):
    demand, supply = tables
    plain = _access(demand, supply)
    res = _access(demand, supply, region="county")
    row = res.summary().iloc[0]
    assert row["theil_between"] + row["theil_within"] == pytest.approx(row["theil_t"], abs=1e-12)
    assert row["theil_t"] == pytest.approx(plain.summary().iloc[0]["theil_t"], rel=1e-12)
    a, p, g = (res.points[c].tolist() for c in ("access", "population", "region"))
    assert [row[k] for k in THEIL] == pytest.approx(_direct(a, p, g), rel=1e-10)
    one = _access(demand.assign(county="all"), supply, region="county")
    single = one.regions().iloc[0]
    eq = access_equity(plain.points["access"], plain.points["population"])
    assert single["gini"] == pytest.approx(eq["gini"], rel=1e-12)
    assert single["theil_t"] == pytest.approx(eq["theil_t"], rel=1e-12)
    assert one.summary().iloc[0]["theil_between"] == pytest.approx(0, abs=1e-15)
    assert "between regions" in res.reading() and "regions" in res.tables()


def test_without_region_nothing_changes(tables):
    demand, supply = tables
    plain, res = _access(demand, supply), _access(demand, supply, region="county")
    pd.testing.assert_frame_equal(plain.to_frame(), res.to_frame())
    assert list(plain.summary().columns) == [c for c in res.summary().columns if c not in THEIL[1:]]
    assert "region" not in plain.points and "regions" not in plain.tables()
    with pytest.raises(ValueError, match="region="):
        plain.regions()


def test_regions_per_tier(tables):
    demand, supply = tables
    supply = supply.assign(level=["a", "b"] * 3)
    res = _access(demand, supply, tier="level", region="county")
    table = res.regions()
    assert list(table.columns[:4]) == FIRST and table.columns[-1] == "tier"
    for tier, part in res.points.groupby("tier"):
        own = access_regions(part["access"], part["population"], part["region"])[1]
        pd.testing.assert_frame_equal(table[table["tier"] == tier].drop(columns="tier").reset_index(drop=True), own)
    assert len(res.summary()) == 2 and res.summary()["theil_between"].notna().all()


def test_missing_region_names_the_demand_points(tables):
    demand, supply = tables
    demand.loc[[3, 11], "county"] = None
    with pytest.raises(DataError, match="county is missing at demand points 'd3' and 'd11'"):
        _access(demand, supply, region="county")


def test_unknown_region_column(tables):
    demand, supply = tables
    with pytest.raises(DataError, match="unknown column 'contry'; did you mean 'county'"):
        _access(demand, supply, region="contry")
    with pytest.raises(ValueError, match="region must be a text"):
        _access(demand, supply, region=3)


def test_all_access_zero_keeps_the_existing_warning(tables):
    demand, supply = tables
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = accessibility(demand, supply.assign(capacity=0), method="2sfca", catchment=35, region="county")
    assert [str(w.message).split(":")[0] for w in caught] == ["supply"]
    assert all(math.isnan(res.summary().iloc[0][k]) for k in THEIL)


# the command line


@pytest.fixture
def files(tables, tmp_path: Path) -> Path:
    folder = tmp_path / "user"
    folder.mkdir()
    for name, frame in zip(("demand", "supply"), tables):
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def _argv(folder: Path, *more) -> list[str]:
    return ["access", "--demand", str(folder / "demand.csv"), "--supply", str(folder / "supply.csv"),
            "--method", "2sfca", "--catchment", "35", *map(str, more)]


def test_cli_region_writes_the_regions_and_summary(files, capsys):
    out = files / "access.csv"
    code, stdout, err = run_cli(_argv(files, "--region", "county", "-o", out), capsys)
    assert code == 0, err
    regions = pd.read_csv(files / "access.regions.csv")
    assert list(regions.columns[:4]) == FIRST and len(regions) == 4
    summary = json.loads((files / "access.summary.json").read_text())
    assert set(THEIL) <= set(summary)
    assert summary["theil_between"] + summary["theil_within"] == pytest.approx(summary["theil_t"], abs=1e-12)
    table = pd.read_csv(out)
    a, p, g = table["access"].tolist(), table["population"].tolist(), pd.read_csv(files / "demand.csv")["county"]
    assert [summary[k] for k in THEIL] == pytest.approx(_direct(a, p, g.tolist()), rel=1e-9)
    assert "access.regions.csv" in stdout and "access.summary.json" in stdout


def test_cli_without_region_writes_no_new_files(files, capsys):
    code, _, err = run_cli(_argv(files, "-o", files / "access.csv"), capsys)
    assert code == 0, err
    assert sorted(p.name for p in files.iterdir()) == ["access.csv", "demand.csv", "supply.csv"]


def test_cli_prints_the_regional_table(files, capsys):
    code, stdout, err = run_cli(_argv(files, "--region", "county"), capsys)
    assert code == 0, err
    assert "mean_access" in stdout and "theil_between" in stdout and "theil_within" in stdout
    assert sorted(p.name for p in files.iterdir()) == ["demand.csv", "supply.csv"]


def test_cli_overwrite_is_all_or_nothing(files, capsys):
    (files / "access.regions.csv").write_text("mine\n")
    assert_refused(_argv(files, "--region", "county", "-o", files / "access.csv"), "access.regions.csv.*--overwrite",
                   files, capsys)
    assert not (files / "access.csv").exists()
    code, _, err = run_cli(_argv(files, "--region", "county", "-o", files / "access.csv", "--overwrite"), capsys)
    assert code == 0, err
    assert list(pd.read_csv(files / "access.regions.csv").columns[:4]) == FIRST
    before = snapshot(files)
    code, _, err = run_cli(_argv(files, "--region", "county", "-o", files / "access.csv"), capsys)
    assert code == 2 and snapshot(files) == before


def test_cli_region_errors(files, capsys):
    assert_refused(_argv(files, "--region", "contry", "-o", files / "a.csv"), "unknown column 'contry'", files,
                   capsys)
    demand = pd.read_csv(files / "demand.csv")
    demand.loc[5, "county"] = None
    demand.to_csv(files / "demand.csv", index=False)
    assert_refused(_argv(files, "--region", "county", "-o", files / "a.csv"), "county is missing at demand point 'd5'",
                   files, capsys)


# before and after


def test_scenario_regions_before_and_after(tables):
    demand, supply = tables
    after = supply.assign(capacity=supply["capacity"].to_numpy()[::-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = scenario(demand, supply, after, method="e2sfca", catchment=35, region="county")
        plain = scenario(demand, supply, after, method="e2sfca", catchment=35)
    table = res.regions()
    assert list(table.columns[:2]) == ["region", "population"]
    for when, acc in (("before", res.before), ("after", res.after)):
        own = acc.regions().set_index("region")
        for c in ("mean_access", "gini", "theil_t"):
            assert table.set_index("region")[f"{c}_{when}"].equals(own[c])
    assert table["change"].to_numpy() == pytest.approx(table["mean_access_after"] - table["mean_access_before"])
    measures = res.comparison.set_index("measure")
    assert measures.loc["theil_between", "before"] + measures.loc["theil_within", "before"] == pytest.approx(
        measures.loc["theil_t", "before"], abs=1e-12)
    assert plain.comparison["measure"].tolist() == [m for m in res.comparison["measure"] if m not in THEIL[1:]]
    pd.testing.assert_frame_equal(plain.comparison, res.comparison[~res.comparison["measure"].isin(THEIL[1:])]
                                  .reset_index(drop=True))
    assert "regions" in res.tables() and "regions" not in plain.tables()
