"""The p-median at scale (issue 18 part 5): the radius formulation with Lagrangian bound and
interchange start (used beyond ``DENSE_PAIRS`` pairs) equals the ReVelle–Swain MILP and
enumeration; a 400 × 400 instance is solved to a proven gap quickly."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthalloc.optimize import pmedian as pmedian_module
from healthalloc.optimize import locate


def _instance(seed: int, n: int, m: int, existing: bool = False):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"id": [f"d{i}" for i in range(n)], "lon": rng.uniform(100, 104, n),
                           "lat": rng.uniform(24, 28, n), "population": rng.integers(0, 5000, n).astype(float)})
    demand.loc[0, "population"] = 100.0
    cand = pd.DataFrame({"id": [f"c{j}" for j in range(m)], "lon": rng.uniform(100, 104, m),
                         "lat": rng.uniform(24, 28, m), "cost": rng.integers(1, 6, m).astype(float),
                         "region": [f"r{g}" for g in rng.integers(0, 2, m)]})
    old = pd.DataFrame({"id": ["e0"], "lon": [102.0], "lat": [26.0]}) if existing else None
    return demand, cand, old


@pytest.fixture
def radius_path(monkeypatch):
    """Every p-median through the radius formulation (no dense MILP)."""
    monkeypatch.setattr(pmedian_module, "DENSE_PAIRS", -1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), p=st.integers(1, 3), existing=st.booleans(),
       radius=st.sampled_from([None, 150.0, 250.0]))
def test_radius_formulation_equals_enumeration(radius_path, seed, p, existing, radius):
    demand, cand, old = _instance(seed, 25, 8, existing)
    try:
        res = locate(demand, cand, model="pmedian", p=p, radius=radius, existing=old, progress=False)
    except Exception as exc:  # a point out of every radius: the dense formulation refuses alike
        pmedian_module.DENSE_PAIRS = 200_000
        with pytest.raises(type(exc)):
            locate(demand, cand, model="pmedian", p=p, radius=radius, existing=old, progress=False)
        return
    sites = cand if old is None else pd.concat([old, cand[["id", "lon", "lat"]]])
    from healthalloc.access import costs, points

    dem = points(demand, "demand", "population")
    pts = points(sites, "sites", None)
    pairs = costs(dem, pts, radius if radius is not None else 20_016.0, None).pairs(0, len(dem))
    D = np.full((len(dem), len(pts)), np.inf)
    D[pairs.i, pairs.j] = pairs.cost
    P, n_old = dem.amount, 0 if old is None else 1
    best = min(float(np.nansum(np.where(P > 0, P * D[:, list(range(n_old)) + [n_old + c for c in combo]]
                                        .min(axis=1), 0)))
               for combo in itertools.combinations(range(len(cand)), p))
    assert res.status == "Optimal" and res.objective == pytest.approx(best, rel=1e-4)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("limits", [{}, {"cost": "cost", "budget": 12.0},
                                    {"region": "region", "quotas": pd.DataFrame(
                                        {"region": ["r0"], "min_sites": [1], "max_sites": [2]})}])
def test_radius_formulation_equals_dense_milp_on_medium_instances(monkeypatch, seed, limits):
    """80 demand points, 40 candidates, p = 5 (budgets and quotas as well): the same optimum."""
    demand, cand, old = _instance(100 + seed, 80, 40, seed % 2 == 1)
    dense = locate(demand, cand, model="pmedian", p=5, existing=old, progress=False, **limits)
    monkeypatch.setattr(pmedian_module, "DENSE_PAIRS", -1)
    fast = locate(demand, cand, model="pmedian", p=5, existing=old, progress=False, **limits)
    assert dense.status == fast.status == "Optimal"
    assert fast.objective == pytest.approx(dense.objective, rel=1e-4)


def test_interchange_reaches_a_local_optimum_no_worse_than_greedy():
    demand, cand, _ = _instance(7, 120, 60)
    P = demand["population"].to_numpy()
    from healthalloc.access import costs, points

    dem, pts = points(demand, "demand", "population"), points(cand, "sites", None)
    pairs = costs(dem, pts, 20_016.0, None).pairs(0, len(dem))
    keep = P[pairs.i] > 0
    demand_rows = np.flatnonzero(P > 0)
    lv = pmedian_module._Levels(np.searchsorted(demand_rows, pairs.i[keep]), pairs.j[keep], pairs.cost[keep],
                                 P[demand_rows])
    limits = pmedian_module.Limits.free(len(cand))
    limits = pmedian_module.replace(limits, p=6)
    start = pmedian_module._median_start(lv, 0, limits, None, None)
    D = np.full((len(demand_rows), len(cand)), np.inf)
    D[lv.row, lv.j] = lv.d
    w = lv.weight
    cost = (w * D[:, start].min(axis=1)).sum()
    S = np.flatnonzero(start)
    for r in S:  # no single swap improves
        for j in np.flatnonzero(~start):
            T = np.r_[np.setdiff1d(S, [r]), j]
            assert (w * D[:, T].min(axis=1)).sum() >= cost * (1 - 1e-9)


def test_400_by_400_is_solved_to_a_proven_gap_quickly(radius_path):
    demand, cand, _ = _instance(11, 400, 400)
    t0 = time.perf_counter()
    res = locate(demand, cand, model="pmedian", p=20, progress=False, time_limit=60)
    assert res.gap <= 0.01 and res.n_selected == 20
    assert time.perf_counter() - t0 < 60


def _levels(demand, cand):
    from healthalloc.access import costs, points

    dem, pts = points(demand, "demand", "population"), points(cand, "sites", None)
    pairs = costs(dem, pts, 20_016.0, None).pairs(0, len(dem))
    P = dem.amount
    keep, rows = P[pairs.i] > 0, np.flatnonzero(P > 0)
    return pmedian_module._Levels(np.searchsorted(rows, pairs.i[keep]), pairs.j[keep], pairs.cost[keep], P[rows])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(1, 4), steps=st.sampled_from([1, 5, 40, 20_000]))
def test_lagrangian_bound_and_reduction_keep_the_optimum(seed, p, steps):
    """At any number of steps the bound is below the enumerated optimum, its sites cost what is
    said, and the sites the reduction closes (opens) leave an optimum within reach."""
    demand, cand, _ = _instance(seed, 30, 9)
    lv = _levels(demand, cand)
    limits = pmedian_module.replace(pmedian_module.Limits.free(len(cand)), p=p)
    start = pmedian_module._median_start(lv, 0, limits, None, None)
    upper = lv.total(start)
    saved = pmedian_module.LAGRANGIAN_STEPS
    pmedian_module.LAGRANGIAN_STEPS = steps
    try:
        dual = pmedian_module._lagrangian(lv, 0, limits, upper, start, None)
    finally:
        pmedian_module.LAGRANGIAN_STEPS = saved
    costs = {combo: lv.total(np.isin(np.arange(len(cand)), combo))
             for combo in itertools.combinations(range(len(cand)), p)}
    best = min(costs.values())
    assert dual.lower <= best * (1 + 1e-9)
    assert dual.cost == pytest.approx(lv.total(dual.is_open)) and dual.cost <= upper
    shut, fixed, reduced = pmedian_module._reduce(lv, 0, p, dual, upper, start)
    allowed = [v for combo, v in costs.items()
               if not shut[list(combo)].any() and set(np.flatnonzero(fixed)) <= set(combo)]
    assert (min(allowed) if allowed else np.inf) <= best * (1 + 1e-9) or upper <= best * (1 + 1e-9)
    if reduced is not None and allowed:  # the reduced pairs cost the allowed sites alike
        combo = min((c for c in costs if costs[c] == min(allowed)))
        assert reduced.total(np.isin(np.arange(len(cand)), combo)) == pytest.approx(min(allowed))


@pytest.mark.parametrize("steps", [1, 30, 100])
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("limits", [{}, {"cost": "cost", "budget": 12.0},
                                    {"region": "region", "quotas": pd.DataFrame(
                                        {"region": ["r0"], "min_sites": [1], "max_sites": [2]})}])
def test_reduced_radius_formulation_equals_dense_milp(monkeypatch, seed, limits, steps):
    """A Lagrangian stopped early leaves a gap: the reduced radius formulation closes it to the
    dense MILP's optimum (budgets and quotas as well)."""
    demand, cand, old = _instance(200 + seed, 80, 40, seed % 2 == 1)
    dense = locate(demand, cand, model="pmedian", p=5, existing=old, progress=False, **limits)
    monkeypatch.setattr(pmedian_module, "DENSE_PAIRS", -1)
    monkeypatch.setattr(pmedian_module, "LAGRANGIAN_STEPS", steps)
    fast = locate(demand, cand, model="pmedian", p=5, existing=old, progress=False, **limits)
    assert dense.status == fast.status == "Optimal"
    assert fast.objective == pytest.approx(dense.objective, rel=1e-4)
