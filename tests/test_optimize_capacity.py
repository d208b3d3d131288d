"""healthalloc.optimize capacity re-allocation (Wang & Tang 2013): KKT conditions, brute
force, integer and shortfall variants, scaling, infeasible bounds; scenarios and planning."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data.validate import DataError
from healthalloc.optimize import optimize_capacity, plan, scenario


def _instance(seed, n=80, m=8, spread=1.5):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"id": np.arange(n), "population": rng.integers(500, 8000, n).astype(float),
                           "lon": rng.uniform(104, 104 + spread, n), "lat": rng.uniform(30, 30 + spread, n)})
    supply = pd.DataFrame({"id": [f"s{k}" for k in range(m)], "capacity": rng.integers(5, 200, m).astype(float),
                           "lon": rng.uniform(104, 104 + spread, m), "lat": rng.uniform(30, 30 + spread, m)})
    return demand, supply


def _quiet(func, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kw)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(["2sfca", "e2sfca", "3sfca", "huff2sfca"]))
def test_qp_optimum_meets_its_kkt_conditions(seed, method):
    demand, supply = _instance(seed)
    cap = supply["capacity"].to_numpy()
    lower, upper = 0.5 * cap, 1.6 * cap
    res = _quiet(optimize_capacity, demand, supply, method=method, catchment=60, lower=lower, upper=upper)
    S = res.sites["capacity_after"].to_numpy()
    assert S.sum() == pytest.approx(cap.sum(), rel=1e-9)
    assert (S >= lower - 1e-6).all() and (S <= upper + 1e-6).all()
    H = res.model.hessian()
    g = H @ S  # gradient of Σ P (A − Ā)²
    tol = 1e-6 * np.abs(H).sum(axis=1).max() * S.max()
    lower, upper = res.sites["lower"].to_numpy(), res.sites["upper"].to_numpy()  # sites nobody reaches: fixed
    fixed = upper - lower <= 1e-9 * cap
    at_lo, at_hi = (S <= lower + 1e-6 * cap) & ~fixed, (S >= upper - 1e-6 * cap) & ~fixed
    free = ~at_lo & ~at_hi & ~fixed
    lam = np.median(g[free]) if free.any() else None
    if lam is not None:
        assert np.abs(g[free] - lam).max() <= tol
        assert (g[at_lo] >= lam - tol).all()   # would gain by leaving its lower bound otherwise
        assert (g[at_hi] <= lam + tol).all()
    assert res.objective_after <= res.objective_before * (1 + 1e-9)
    assert res.objective_after == pytest.approx(res.model.objective(S))


def test_qp_and_integer_variant_against_brute_force():
    demand, supply = _instance(11, n=40, m=3, spread=0.8)
    total = 30
    res = _quiet(optimize_capacity, demand, supply, method="e2sfca", catchment=80, total=total)
    whole = _quiet(optimize_capacity, demand, supply, method="e2sfca", catchment=80, total=total, integer=True)
    model = res.model
    best = min(model.objective(np.array([a, b, total - a - b], float))
               for a in range(total + 1) for b in range(total + 1 - a))
    grid = min(model.objective(np.array([a, b, 1 - a - b]) * total)
               for a in np.linspace(0, 1, 301) for b in np.linspace(0, 1, 301) if a + b <= 1)
    assert res.objective_after <= grid * (1 + 1e-9)
    assert res.objective_after <= best
    assert whole.objective_after == pytest.approx(best, rel=1e-12)
    assert whole.sites["capacity_after"].tolist() == [round(v) for v in whole.sites["capacity_after"]]
    assert "local optimum" in whole.status


def test_shortfall_variants_against_brute_force():
    demand, supply = _instance(5, n=40, m=3, spread=0.8)
    total = 24
    lp = _quiet(optimize_capacity, demand, supply, method="2sfca", catchment=80, total=total, objective="shortfall")
    milp = _quiet(optimize_capacity, demand, supply, method="2sfca", catchment=80, total=total,
                  objective="shortfall", integer=True)
    model = lp.model
    best = min(model.shortfall(np.array([a, b, total - a - b], float))
               for a in range(total + 1) for b in range(total + 1 - a))
    assert lp.objective_after <= best + 1e-12
    assert milp.objective_after == pytest.approx(best, rel=1e-7)
    assert milp.status == "Optimal" and milp.gap <= 1e-4


def test_solution_does_not_depend_on_the_population_unit():
    """Populations in persons or in 10,000s: the scaled QP gives the same capacities."""
    demand, supply = _instance(3, n=300, m=25, spread=3)
    a = _quiet(optimize_capacity, demand, supply, method="e2sfca", catchment=90)
    b = _quiet(optimize_capacity, demand.assign(population=demand["population"] / 1e4), supply,
               method="e2sfca", catchment=90)
    assert a.status == b.status == "Optimal"
    assert b.sites["capacity_after"].to_numpy() == pytest.approx(a.sites["capacity_after"].to_numpy(),
                                                                  rel=1e-4, abs=1e-4)
    assert a.equity_after["gini"] < a.equity_before["gini"]


def test_infeasible_bounds_name_the_binding_constraint():
    demand, supply = _instance(1)
    total = supply["capacity"].sum()
    with pytest.raises(DataError, match=r"lower bounds sum to .* above the total .*Σ S = T with S ≥ lower"):
        _quiet(optimize_capacity, demand, supply, catchment=60, lower=total / 4)
    with pytest.raises(DataError, match=r"upper bounds sum to .* below the total .*Σ S = T with S ≤ upper"):
        _quiet(optimize_capacity, demand, supply, catchment=60, upper=1.0)
    lower = np.zeros(len(supply))
    lower[2] = 50
    upper = np.full(len(supply), total)
    upper[2] = 10
    with pytest.raises(DataError, match=r"lower bound above upper bound at site 's2' \(50 > 10\)"):
        _quiet(optimize_capacity, demand, supply, catchment=60, lower=lower, upper=upper)
    with pytest.raises(DataError, match="no lower-bound column 'min_beds'"):
        _quiet(optimize_capacity, demand, supply, catchment=60, lower="min_beds")
    with pytest.raises(ValueError, match="objective must be one of"):
        _quiet(optimize_capacity, demand, supply, catchment=60, objective="range")


def test_scenario_and_plan():
    demand, supply = _instance(8, n=200, m=10, spread=2)
    res = _quiet(optimize_capacity, demand, supply, method="2sfca", catchment=50)
    after = supply.assign(capacity=res.sites["capacity_after"].to_numpy())
    sc = _quiet(scenario, demand, supply, after, method="2sfca", catchment=50)
    table = sc.comparison.set_index("measure")
    assert table.loc["capacity", "change"] == pytest.approx(0, abs=1e-6)
    assert table.loc["gini", "after"] < table.loc["gini", "before"]
    rng = np.random.default_rng(2)
    candidates = pd.DataFrame({"id": [f"c{k}" for k in range(15)], "lon": rng.uniform(104, 106, 15),
                               "lat": rng.uniform(30, 32, 15)})
    planned = _quiet(plan, demand, supply, candidates, p=3, added=120, radius=25, method="2sfca", catchment=50)
    new = planned.supply_after[planned.supply_after["new"] == 1]
    sized = planned.capacity.sites.set_index("id")["capacity_after"]
    chosen = set(planned.location.selected)
    assert len(chosen) == 3 and set(new["id"]) == {c for c in chosen if sized[c] > 0}  # empty ones not opened
    assert (new["capacity"] > 0).all() and all(sized[c] == 0 for c in chosen - set(new["id"]))
    assert planned.supply_after["capacity"].sum() == pytest.approx(supply["capacity"].sum() + 120)
    old = planned.supply_after[planned.supply_after["new"] == 0]
    assert old["capacity"].to_numpy() == pytest.approx(supply["capacity"].to_numpy())


def test_sites_without_demand_keep_their_capacity():
    """Capacity moved to a site nobody reaches would shrink every Aᵢ (and the variance) for nothing."""
    demand, supply = _instance(6)
    supply = pd.concat([supply, pd.DataFrame({"id": ["far"], "capacity": [40.0], "lon": [120.0], "lat": [40.0]})],
                       ignore_index=True)
    with pytest.warns(UserWarning, match="1 site.*keep their capacity \\(40 in all\\): 'far'"):
        res = optimize_capacity(demand, supply, method="e2sfca", catchment=60)
    after = res.sites.set_index("id")["capacity_after"]
    assert after["far"] == pytest.approx(40)
    assert res.equity_after["mean"] == pytest.approx(res.equity_before["mean"], rel=1e-9)


def test_scenario_dea_on_a_pooled_frontier():
    demand, supply = _instance(9, n=150, m=10, spread=2)
    rng = np.random.default_rng(1)
    supply = supply.assign(staff=supply["capacity"] * rng.uniform(0.5, 1.5, 10),
                           visits=supply["capacity"] * rng.uniform(50, 100, 10))
    after = supply.assign(capacity=supply["capacity"].sum() / 10)
    sc = _quiet(scenario, demand, supply, after, method="2sfca", catchment=60, inputs=["capacity", "staff"],
                outputs=["visits"])
    eff = sc.efficiency.set_index("id")
    assert list(eff.columns) == ["efficiency_before", "efficiency_after"] and len(eff) == 10
    assert ((eff > 0) & (eff <= 1 + 1e-9)).all().all()
    assert eff.to_numpy().max() == pytest.approx(1)  # one frontier for both scenarios
    table = sc.comparison.set_index("measure")
    assert table.loc["mean_efficiency", "before"] == pytest.approx(eff["efficiency_before"].mean())
