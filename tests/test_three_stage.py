"""Three-stage DEA (Fried et al. 2002).

No published worked example with its data was found, so each stage is checked on its own:
stage 1 and 3 equal plain DEA (on the original and on the adjusted inputs); stage 2's slack
frontier equals the half-normal cost frontier's likelihood (Aigner, Lovell & Schmidt 1977)
maximized independently by scipy; the adjustment follows its formula; and on data whose
environment wastes inputs, stage 3 ranks the units closer to their true managerial
efficiency than stage 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from healthalloc.data import DataError
from healthalloc.efficiency import dea
from healthalloc.efficiency.three_stage import three_stage


def harsh_environment(n: int = 60, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Units on the frontier y = √(x₁x₂) less their inefficiency u, whose inputs a harsh
    environment z inflates (×(1 + 0.8z), ×(1 + 0.5z)); returns the data and exp(−u)."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(0, 1, n)
    u = np.abs(rng.normal(0, 0.3, n))
    x1, x2 = rng.uniform(5, 10, n), rng.uniform(5, 10, n)
    data = pd.DataFrame({"unit": [f"u{i}" for i in range(n)], "x1": x1 * (1 + 0.8 * z), "x2": x2 * (1 + 0.5 * z),
                         "y": np.sqrt(x1 * x2) * np.exp(-u), "z": z})
    return data, np.exp(-u)


def als_cost_frontier(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """(β, σ², γ) maximizing Σ ln 2 − ln σ + ln φ(ε/σ) + ln Φ(ελ/σ), ε = y − Xβ, λ = σ_u/σ_v
    (the half-normal cost frontier), by scipy from OLS and a grid of λ."""
    def minus(p):
        beta, s, lam = p[:-2], np.exp(p[-2]), np.exp(p[-1])
        e = y - X @ beta
        return -np.sum(np.log(2) - np.log(s) + stats.norm.logpdf(e / s) + stats.norm.logcdf(e * lam / s))

    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    best = None
    for log_lambda in (-2.0, -1.0, 0.0, 1.0, 2.0):  # the likelihood has local maxima: start over a grid
        start = np.r_[beta, np.log(np.std(y - X @ beta) * 1.5), log_lambda]
        fit = optimize.minimize(minus, start, method="Nelder-Mead",
                                options={"maxiter": 20000, "xatol": 1e-10, "fatol": 1e-12})
        fit = optimize.minimize(minus, fit.x, method="BFGS", options={"gtol": 1e-8})
        best = fit if best is None or fit.fun < best.fun else best
    beta, s2, lam2 = best.x[:-2], np.exp(2 * best.x[-2]), np.exp(2 * best.x[-1])
    return np.r_[beta, s2, lam2 / (1 + lam2)]


def test_each_stage_equals_its_independent_computation():
    data, _ = harsh_environment()
    res = three_stage(data, ["x1", "x2"], ["y"], ["z"], progress=False)
    first = dea(data, ["x1", "x2"], ["y"], rts="vrs", progress=False).to_frame()
    np.testing.assert_allclose(res.to_frame().efficiency_stage1, first.efficiency, atol=1e-9)
    X = np.column_stack([np.ones(len(data)), data.z])
    frontiers = res.slack_frontiers.set_index(["slack", "term"]).estimate
    for column in ("x1", "x2"):
        slack = data[column] - first[f"target_{column}"]
        expected = als_cost_frontier(slack.to_numpy(), X)
        np.testing.assert_allclose(frontiers[column].to_numpy(), expected, rtol=1e-4, atol=1e-6)
        fitted = X @ frontiers[column].iloc[:2].to_numpy()
        environment = res.adjustments.set_index("unit")[f"environment_{column}"].to_numpy()
        np.testing.assert_allclose(environment, fitted.max() - fitted, atol=1e-9)
        assert (res.adjustments[f"noise_{column}"] >= 0).all() and res.adjustments[f"noise_{column}"].min() == 0
    adjusted = data.assign(**{c: res.to_frame()[f"adjusted_{c}"].to_numpy() for c in ("x1", "x2")})
    third = dea(adjusted, ["x1", "x2"], ["y"], rts="vrs", progress=False).to_frame()
    np.testing.assert_allclose(res.to_frame().efficiency_stage3, third.efficiency, atol=1e-9)


def test_stage_3_is_closer_to_the_true_managerial_efficiency():
    """The environment's coefficient on each slack is positive and significant (p < 0.01), and
    the CRS efficiency's Spearman correlation with exp(−u) rises (stage 1: 0.669, stage 3:
    0.884 on this draw)."""
    data, true = harsh_environment()
    res = three_stage(data, ["x1", "x2"], ["y"], ["z"], progress=False)
    z = res.slack_frontiers[res.slack_frontiers.term == "z"]
    assert (z.estimate > 0).all() and (z.p_value < 0.01).all()
    table = res.to_frame()
    before = stats.spearmanr(table.crs_efficiency_stage1, true)[0]
    after = stats.spearmanr(table.crs_efficiency_stage3, true)[0]
    assert after > before + 0.1
    assert "moves from" in res.reading() and set(res.figures()) == {"stages"}


def test_the_same_on_processes():
    data, _ = harsh_environment(30, 2)
    serial = three_stage(data, ["x1", "x2"], ["y"], ["z"], progress=False)
    pooled = three_stage(data, ["x1", "x2"], ["y"], ["z"], progress=False, engine="processes", workers=2)
    pd.testing.assert_frame_equal(serial.to_frame(), pooled.to_frame())


def test_an_input_without_slack_is_left_alone():
    data, _ = harsh_environment(20, 3)
    data["x3"] = 1.0  # the same for every unit: never a slack under VRS
    with pytest.warns(UserWarning, match="no unit has a slack in x3"):
        res = three_stage(data, ["x1", "x2", "x3"], ["y"], ["z"], progress=False)
    assert (res.to_frame().adjusted_x3 == 1.0).all()


@pytest.mark.parametrize("environment, message", [(["x1"], "are inputs or outputs"), (["w"], "w")])
def test_bad_environments_are_refused(environment, message):
    data, _ = harsh_environment(20)
    with pytest.raises((ValueError, DataError, KeyError), match=message):
        three_stage(data, ["x1", "x2"], ["y"], environment)


@pytest.mark.parametrize("value, message", [("x", r"non-numeric values in unit u3 \('x'\)"), (1e300, "too large")])
def test_a_bad_environment_value_is_one_clear_error(value, message):
    data, _ = harsh_environment(20)
    data["z"] = data["z"].astype(object)
    data.loc[3, "z"] = value
    with pytest.raises(DataError, match=message):
        three_stage(data, ["x1", "x2"], ["y"], ["z"], progress=False)
