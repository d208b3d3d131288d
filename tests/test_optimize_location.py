"""healthalloc.optimize.locate: MCLP, p-median and LSCP against exhaustive enumeration,
existing sites, errors; cross-check against spopt where it is installed."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.access import great_circle
from healthalloc.data.validate import DataError
from healthalloc.optimize import locate


def _instance(seed, n=40, m=8):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"id": np.arange(n), "population": rng.integers(0, 1000, n).astype(float),
                           "lon": rng.uniform(100, 101.5, n), "lat": rng.uniform(25, 26.5, n)})
    cand = pd.DataFrame({"id": [f"c{k}" for k in range(m)], "lon": rng.uniform(100, 101.5, m),
                         "lat": rng.uniform(25, 26.5, m)})
    existing = pd.DataFrame({"id": ["e0"], "lon": [100.75], "lat": [25.75]})
    return demand, cand, existing


def _costs(demand, sites):
    return great_circle(demand["lon"].to_numpy()[:, None], demand["lat"].to_numpy()[:, None],
                        sites["lon"].to_numpy()[None], sites["lat"].to_numpy()[None])


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(1, 3), radius=st.floats(10, 60), with_existing=st.booleans())
def test_mclp_and_pmedian_match_enumeration(seed, p, radius, with_existing):
    demand, cand, existing = _instance(seed)
    old = existing if with_existing else None
    sites = pd.concat([existing, cand]) if with_existing else cand
    D = _costs(demand, sites)
    P = demand["population"].to_numpy()
    k0 = 1 if with_existing else 0
    combos = [list(range(k0)) + [k0 + c for c in combo] for combo in itertools.combinations(range(len(cand)), p)]
    mclp = locate(demand, cand, model="mclp", p=p, radius=radius, existing=old)
    assert mclp.objective == pytest.approx(max(P[(D[:, c] <= radius).any(axis=1)].sum() for c in combos))
    assert mclp.n_selected == p and mclp.status == "Optimal"
    pmed = locate(demand, cand, model="pmedian", p=p, existing=old)
    assert pmed.objective == pytest.approx(min((P * D[:, c].min(axis=1)).sum() for c in combos), rel=1e-6)
    assert pmed.covered_population == pytest.approx(P.sum())


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), with_existing=st.booleans())
def test_lscp_matches_enumeration(seed, with_existing):
    demand, cand, existing = _instance(seed, n=25, m=7)
    D = _costs(demand, pd.concat([existing, cand]))
    radius = float(np.sort(D[:, 1:], axis=1)[:, 0].max()) + 1e-6  # every point coverable by a candidate
    old = existing if with_existing else None
    res = locate(demand, cand, model="lscp", radius=radius, existing=old)
    need = (demand["population"] > 0).to_numpy().copy()
    if with_existing:
        need = need & (D[:, 0] > radius)
    fewest = next(k for k in range(len(cand) + 1)
                  if any((D[need][:, [1 + c for c in combo]] <= radius).any(axis=1).all()
                         for combo in itertools.combinations(range(len(cand)), k)))
    assert res.n_selected == fewest == res.objective
    assert res.covered_population == pytest.approx(demand["population"].sum())


def test_outputs_and_summary():
    demand, cand, existing = _instance(4)
    res = locate(demand, cand, model="mclp", p=2, radius=30, existing=existing, time_limit=10)
    assert list(res.to_frame().columns[:2]) == ["id", "selected"]
    assert set(res.to_frame()["selected"]) <= {0, 1}
    summary = res.summary_dict()
    assert {"model", "objective", "covered_population", "n_selected", "status", "gap"} <= set(summary)
    assert summary["covered_population"] == res.points.loc[res.points["covered"] == 1, "population"].sum()
    assert res.points["site"].notna().sum() == (res.points["cost"].notna()).sum()


def test_errors_name_what_is_wrong():
    demand, cand, existing = _instance(2)
    far = pd.concat([demand, pd.DataFrame({"id": [999], "population": [10.0], "lon": [110.0], "lat": [35.0]})])
    with pytest.raises(DataError, match="lscp: demand point 999 is within the radius of no candidate"):
        locate(far, cand, model="lscp", radius=120)
    with pytest.raises(DataError, match="pmedian: demand point 999 has no site within the radius"):
        locate(far, cand, model="pmedian", p=1, radius=300)
    with pytest.raises(ValueError, match="mclp needs p"):
        locate(demand, cand, model="mclp", radius=30)
    with pytest.raises(ValueError, match="mclp needs a radius"):
        locate(demand, cand, model="mclp", p=1)
    with pytest.raises(ValueError, match="p = 9 new sites but only 8 candidates"):
        locate(demand, cand, model="pmedian", p=9)
    with pytest.raises(ValueError, match="lscp finds the fewest sites itself"):
        locate(demand, cand, model="lscp", p=2, radius=30)
    with pytest.raises(DataError, match="id 'c1' is both an existing site and a candidate"):
        locate(demand, cand, model="mclp", p=1, radius=30, existing=cand.iloc[[1]])
    with pytest.raises(ValueError, match="model must be one of"):
        locate(demand, cand, model="pcenter", p=1, radius=30)


def test_against_spopt():
    """spopt's MCLP, p-median and LSCP (CBC) on the same cost matrix; skipped where spopt is not installed."""
    locate_spopt = pytest.importorskip("spopt.locate")
    import pulp

    demand, cand, _ = _instance(9, n=60, m=10)
    D = _costs(demand, cand)
    P = demand["population"].to_numpy()
    solver = pulp.PULP_CBC_CMD(msg=False)

    def chosen(model):
        return [k for k, clients in enumerate(model.fac2cli) if len(clients)]

    ours = locate(demand, cand, model="mclp", p=3, radius=30)
    theirs = locate_spopt.MCLP.from_cost_matrix(D, P, service_radius=30, p_facilities=3).solve(solver)
    assert ours.objective == pytest.approx(P[(D[:, chosen(theirs)] <= 30).any(axis=1)].sum())
    ours = locate(demand, cand, model="pmedian", p=3)
    theirs = locate_spopt.PMedian.from_cost_matrix(D, P, p_facilities=3).solve(solver)
    assert ours.objective == pytest.approx((P * D[:, chosen(theirs)].min(axis=1)).sum(), rel=1e-6)
    served = demand[demand["population"] > 0]
    radius = float(np.sort(D[P > 0], axis=1)[:, 0].max()) + 1e-6
    ours = locate(served, cand, model="lscp", radius=radius)
    theirs = locate_spopt.LSCP.from_cost_matrix(D[P > 0], radius).solve(solver)
    assert ours.n_selected == len(chosen(theirs))


def test_pmedian_without_radius_keeps_od_costs_of_any_size_and_fills_covered_population(user, capsys):
    # OD costs above 20016 (km round half the earth) were dropped: "demand point 'a' has no site in the od table";
    # covered_population was empty (NaN) for pmedian without a radius
    pd.DataFrame({"id": ["a", "b"], "population": [100, 300]}).to_csv("od_d.csv", index=False)
    pd.DataFrame({"id": ["h1", "h2"]}).to_csv("od_c.csv", index=False)
    pd.DataFrame({"origin": list("aabb"), "destination": ["h1", "h2", "h1", "h2"],
                  "cost": [30000, 50000, 40000, 10000]}).to_csv("od_big.csv", index=False)
    code, _, err = run_cli(["optimize", "location", "--demand", "od_d.csv", "--candidates", "od_c.csv", "--od",
                            "od_big.csv", "--model", "pmedian", "--p", "1", "-o", "l1.csv"], capsys)
    assert code == 0, err
    out = pd.read_csv("l1.csv").set_index("id")
    assert out["selected"].to_dict() == {"h1": 0, "h2": 1}  # 100 × 50000 + 300 × 10000 < 100 × 30000 + 300 × 40000
    assert out["covered_population"].to_dict() == {"h1": 0, "h2": 400}
    summary = json.loads(Path("l1.summary.json").read_text())
    assert summary["objective"] == 8_000_000 and summary["covered_population"] == 400
