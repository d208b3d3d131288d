"""M2SFCA (Delamater 2013) through the public FCA operator: accessibility against the
formula computed densely, the operator against the chunked computation for every method,
and capacity optimization for M2SFCA against brute force over whole allocations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.access import (METHODS, accessibility, demand_supply, fca_operator, great_circle, kernel,
                                make_decay, resolve_decay)
from healthalloc.optimize import optimize_capacity

from test_optimize_capacity import _instance, _quiet


@pytest.mark.parametrize("decay", ["gaussian", "step"])
def test_m2sfca_is_delamaters_formula(decay):
    demand, supply = _instance(3, n=60, m=6, spread=1.2)
    options = {"decay": decay, "catchment": 60} if decay == "gaussian" else {"steps": "20:1,40:0.6,60:0.2"}
    res = _quiet(accessibility, demand, supply, method="m2sfca", **options)
    d = great_circle(demand["lon"].to_numpy()[:, None], demand["lat"].to_numpy()[:, None],
                     supply["lon"].to_numpy()[None], supply["lat"].to_numpy()[None])
    w = make_decay(decay, catchment=60, steps=options.get("steps"))(d.ravel()).reshape(d.shape)
    P, S = demand["population"].to_numpy(), supply["capacity"].to_numpy()
    D = P @ w
    expected = (w * w) @ np.divide(S, D, out=np.zeros_like(S), where=D > 0)
    np.testing.assert_allclose(res.access.to_numpy(), expected, rtol=1e-12, atol=0)
    # Delamater's point: capacity far from its users counts less, so Σ P A < Σ S here
    assert P @ res.access.to_numpy() < S[D > 0].sum()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(METHODS))
def test_the_operator_gives_the_accessibility_of_every_method(seed, method):
    demand, supply = _instance(seed, n=30, m=5, spread=1.0)
    decay = resolve_decay(method, 70.0, None, None, None)
    dem, sup = demand_supply(demand, supply)
    operator = fca_operator(kernel(dem, sup, method, decay))
    res = _quiet(accessibility, demand, supply, method=method, catchment=70.0)
    np.testing.assert_allclose(operator.matrix @ sup.amount, res.access.to_numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(operator.potential, res.sites["demand_potential"].to_numpy(), rtol=1e-12)


def test_capacity_optimization_for_m2sfca_against_brute_force():
    demand, supply = _instance(11, n=40, m=3, spread=0.8)
    total = 24
    res = _quiet(optimize_capacity, demand, supply, method="m2sfca", catchment=80, total=total)
    P = demand["population"].to_numpy()

    def objective(allocation) -> float:
        """Σ P (A − Ā)² over the points in reach, from the chunked accessibility (not the operator)."""
        res = _quiet(accessibility, demand, supply.assign(capacity=allocation), method="m2sfca", catchment=80)
        served = res.points["n_sites"].to_numpy() > 0
        a, p = res.access.to_numpy()[served], P[served]
        return float(p @ (a - p @ a / p.sum()) ** 2)

    best = min(objective(np.array([a, b, total - a - b], float))
               for a in range(total + 1) for b in range(total + 1 - a))
    assert res.objective_after <= best * (1 + 1e-9)
    assert res.objective_after == pytest.approx(objective(res.sites["capacity_after"].to_numpy()), rel=1e-9)
    assert res.objective_after < res.objective_before
