"""Stochastic frontiers: the likelihoods against numerical integration, the standard errors
against second differences, recovery of known frontiers from simulated data, identities
(cost = production of the reciprocal, units of measurement, pooling) and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from healthalloc.data.validate import DataError
from healthalloc.efficiency.sfa import _Frontier, sfa


def simulate(distribution: str, n: int, seed: int, *, cost: bool = False, z: bool = False) -> pd.DataFrame:
    """ln y = 1 + 0.4 ln x1 + 0.5 ln x2 + v ∓ u, σ_v = 0.15; u half-normal (σ_u = 0.3),
    truncated normal (μ = 0.2, σ_u = 0.3), exponential (mean 0.25), or with z: N⁺(0.1 + 0.5 z, 0.3²)."""
    rng = np.random.default_rng(seed)
    x1, x2, zz = rng.uniform(1, 10, n), rng.uniform(1, 10, n), rng.uniform(0, 1, n)
    mu = 0.1 + 0.5 * zz if z else 0.2 if distribution == "truncated-normal" else 0.0
    if distribution == "exponential":
        u = rng.exponential(0.25, n)
    else:
        lower = -mu / 0.3
        u = stats.truncnorm.rvs(lower, np.inf, loc=mu, scale=0.3, size=n, random_state=rng)
    v = rng.normal(0, 0.15, n)
    log_y = 1 + 0.4 * np.log(x1) + 0.5 * np.log(x2) + v + (u if cost else -u)
    return pd.DataFrame({"firm": [f"f{i}" for i in range(n)], "y": np.exp(log_y), "x1": x1, "x2": x2, "z": zz})


def _density(e: float, distribution: str, sv: float, su: float, mu: float) -> float:
    """f(e) of e = v − u by numerical integration over u (independent of the closed forms)."""
    if distribution == "exponential":
        fu = lambda u: np.exp(-u / su) / su  # noqa: E731
    else:
        fu = lambda u: stats.norm.pdf(u, mu, su) / stats.norm.sf(0, mu, su)  # noqa: E731
    return integrate.quad(lambda u: stats.norm.pdf(e + u, 0, sv) * fu(u), 0, np.inf, epsabs=1e-13)[0]


@pytest.mark.parametrize("distribution, mu", [("half-normal", 0.0), ("truncated-normal", 0.35),
                                              ("truncated-normal", -0.4), ("exponential", 0.0)])
def test_log_likelihood_equals_the_convolution_integrated_numerically(distribution, mu):
    """Closed forms of ALS (1977), Stevenson (1980), Meeusen–van den Broeck (1977) against
    quad of ∫φ_v(e + u) f_u(u) du, to 1e-8 relative."""
    e = np.array([-0.9, -0.3, 0.0, 0.25, 0.7])
    sv, su = 0.2, 0.35
    X = np.ones((e.size, 1))
    if distribution == "exponential":
        model, theta = _Frontier(e, X, None, 1.0, True), np.array([0.0, np.log(sv), np.log(su)])
    else:
        Z = None if distribution == "half-normal" else np.ones((e.size, 1))
        s2, g = sv ** 2 + su ** 2, su ** 2 / (sv ** 2 + su ** 2)
        model = _Frontier(e, X, Z, 1.0, False)
        theta = np.array([0.0, *([mu] if Z is not None else []), np.log(s2), np.log(g / (1 - g))])
    ours = model.scores(theta)[0]
    numeric = np.log([_density(x, distribution, sv, su, mu) for x in e])
    np.testing.assert_allclose(ours, numeric, rtol=1e-8)


@pytest.mark.parametrize("distribution, determinants", [("half-normal", False), ("truncated-normal", False),
                                                        ("exponential", False), ("truncated-normal", True)])
def test_scores_are_the_gradient_of_the_log_likelihood(distribution, determinants):
    """Analytic scores against central differences of the log-likelihood (1e-6 relative)."""
    data = simulate(distribution, 50, 3, z=determinants)
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(50), np.log(data.x1), np.log(data.x2)])
    Z = np.column_stack([np.ones(50), data.z]) if determinants else np.ones((50, 1)) \
        if distribution == "truncated-normal" else None
    model = _Frontier(np.log(data.y.to_numpy()), X, Z, -1.0, distribution == "exponential")
    theta = np.r_[1, 0.4, 0.5, rng.normal(0, 0.3, model.size - 3)]
    numeric = [(model.scores(theta + h)[0].sum() - model.scores(theta - h)[0].sum()) / 2e-6
               for h in np.eye(theta.size) * 1e-6]
    np.testing.assert_allclose(model.scores(theta)[1].sum(axis=0), numeric, rtol=1e-6, atol=1e-6)


def test_standard_errors_are_the_inverse_hessian_by_second_differences():
    """Std. errors of β, σ², γ against the inverse of the Hessian of ln L in (β, σ², γ) by
    second differences of the log-likelihood alone (no scores), to 1e-4 relative."""
    data = simulate("half-normal", 200, 5)
    res = sfa(data, "y", ["x1", "x2"], unit="firm")
    X = np.column_stack([np.ones(200), np.log(data.x1), np.log(data.x2)])
    model = _Frontier(np.log(data.y.to_numpy()), X, None, 1.0, False)

    def loglik(p):
        return model.scores(np.r_[p[:3], np.log(p[3]), np.log(p[4] / (1 - p[4]))])[0].sum()

    est = res.coefficients.estimate.to_numpy()
    k, h = est.size, 1e-4 * np.maximum(1, np.abs(est))
    H = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            a, b = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            H[i, j] = (loglik(est + a + b) - loglik(est + a - b) - loglik(est - a + b) + loglik(est - a - b)) / (
                4 * h[i] * h[j])
    np.testing.assert_allclose(res.coefficients.std_error, np.sqrt(np.diag(np.linalg.inv(-H))), rtol=1e-4)
    assert not res.bhhh


@pytest.mark.parametrize("distribution, cost, z", [("half-normal", False, False), ("half-normal", True, False),
                                                   ("exponential", False, False), ("truncated-normal", False, True)])
def test_simulated_frontiers_are_recovered(distribution, cost, z):
    """3,000 draws (fixed seed): β, δ and γ within 3 of their standard errors of the truth
    (γ = σ_u²/σ² as simulated), mean efficiency within 0.04 of E[exp(−u)] (the intercept's
    sampling error, up to 0.07 here, moves every E[u|ε] with it)."""
    data = simulate(distribution, 3000, 11, cost=cost, z=z)
    res = sfa(data, "y", ["x1", "x2"], unit="firm", distribution=distribution, cost=cost,
              determinants=["z"] if z else None)
    su2 = 0.25 ** 2 if distribution == "exponential" else 0.09
    truth = {"(Intercept)": 1, "log(x1)": 0.4, "log(x2)": 0.5, "gamma": su2 / (su2 + 0.15 ** 2)}
    if z:
        truth |= {"Z_(Intercept)": 0.1, "Z_z": 0.5}
    table = res.coefficients.set_index("term").loc[list(truth)]
    assert (np.abs(table.estimate - pd.Series(truth)) < 3 * table.std_error).all(), table
    assert res.units.efficiency.mean() == pytest.approx(_mean_exp_u(distribution, data, z), abs=0.04)


def _mean_exp_u(distribution: str, data: pd.DataFrame, z: bool) -> float:
    """E[exp(−u)] of the simulated inefficiency, by its closed form."""
    if distribution == "exponential":
        return 1 / (1 + 0.25)
    mu = 0.1 + 0.5 * data.z.to_numpy() if z else np.zeros(len(data))
    s = 0.3
    return float(np.mean(np.exp(-mu + s ** 2 / 2) * stats.norm.cdf(mu / s - s) / stats.norm.cdf(mu / s)))


def test_a_cost_frontier_is_the_production_frontier_of_the_reciprocal():
    """ln C = x'β + v + u is −ln C = x'(−β) + v − u: the production frontier of 1/C has −β, the
    same σ², γ, log-likelihood and efficiencies (1e-6)."""
    data = simulate("half-normal", 300, 2, cost=True)
    cost = sfa(data, "y", ["x1", "x2"], unit="firm", cost=True)
    prod = sfa(data.assign(y=1 / data.y), "y", ["x1", "x2"], unit="firm")
    a, b = cost.coefficients.set_index("term"), prod.coefficients.set_index("term")
    np.testing.assert_allclose(a.estimate.iloc[:3], -b.estimate.iloc[:3], rtol=1e-6, atol=1e-8)
    shared = ["sigma2", "gamma"]
    np.testing.assert_allclose(a.loc[shared, "estimate"], b.loc[shared, "estimate"], rtol=1e-6)
    assert cost.loglik == pytest.approx(prod.loglik, rel=1e-9)
    np.testing.assert_allclose(cost.units.efficiency, prod.units.efficiency, atol=1e-6)


def test_units_of_measurement_move_only_the_intercept():
    """Inputs in thousands (Cobb–Douglas): the intercept shifts by Σβ ln 1000, nothing else (1e-6)."""
    data = simulate("half-normal", 300, 4)
    base = sfa(data, "y", ["x1", "x2"], unit="firm")
    scaled = sfa(data.assign(x1=data.x1 / 1000, x2=data.x2 / 1000), "y", ["x1", "x2"], unit="firm")
    a, b = base.coefficients.estimate.to_numpy(), scaled.coefficients.estimate.to_numpy()
    assert b[0] == pytest.approx(a[0] + (a[1] + a[2]) * np.log(1000), rel=1e-6)
    np.testing.assert_allclose(a[1:], b[1:], rtol=1e-5)
    np.testing.assert_allclose(base.units.efficiency, scaled.units.efficiency, atol=1e-6)


def test_a_pooled_panel_is_the_cross_section_of_its_rows():
    """With by, every unit-period is one observation: the estimates of the same rows without by
    (1e-9), and OUT keeps the period column."""
    data = simulate("half-normal", 120, 6)
    panel = data.assign(firm=[f"f{i % 40}" for i in range(120)], year=np.repeat([2021, 2022, 2023], 40))
    pooled = sfa(panel, "y", ["x1", "x2"], unit="firm", by="year")
    flat = sfa(data, "y", ["x1", "x2"], unit="firm")
    np.testing.assert_allclose(pooled.coefficients.estimate, flat.coefficients.estimate, rtol=1e-9)
    assert list(pooled.units.columns) == ["unit", "efficiency", "year", "efficiency_jlms", "inefficiency"]
    assert pooled.nobs == 120


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(25, 80),
       distribution=st.sampled_from(["half-normal", "truncated-normal", "exponential"]))
def test_efficiencies_lie_in_0_1_and_the_lr_statistic_is_non_negative(seed, n, distribution):
    """Any data: 0 < exp(−E[u|ε]) ≤ E[exp(−u)|ε] ≤ 1 (Jensen; 1e-7 for rounding where γ → 0 and
    u | ε collapses to 0), LR ≥ 0, 0 ≤ p ≤ 1, γ in [0, 1]."""
    data = simulate("half-normal", n, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = sfa(data, "y", ["x1", "x2"], unit="firm", distribution=distribution)
    eff, jlms = res.units.efficiency, res.units.efficiency_jlms
    assert ((0 < jlms) & (jlms <= eff + 1e-7) & (eff <= 1)).all()
    assert res.lr_statistic >= 0 and 0 <= res.lr_p_value <= 1 and 0 <= res.gamma <= 1


def test_wrong_skewness_warns_and_the_frontier_is_ols():
    """Residuals skewed the wrong way (u added to a production frontier): a warning, γ → 0, LR = 0, p = 1."""
    data = simulate("half-normal", 400, 8, cost=True)
    with pytest.warns(UserWarning, match="skewed the wrong way"):
        res = sfa(data, "y", ["x1", "x2"], unit="firm")
    assert res.gamma < 1e-3 and res.lr_statistic == pytest.approx(0, abs=1e-6)
    assert res.lr_p_value == pytest.approx(1, abs=1e-3)
    assert res.units.efficiency.min() > 0.99


def test_result_tables_and_reading():
    res = sfa(simulate("half-normal", 100, 1), "y", ["x1", "x2"], unit="firm", form="translog")
    assert list(res.coefficients.columns) == ["term", "estimate", "std_error", "z", "p_value"]
    assert list(res.coefficients.term) == ["(Intercept)", "log(x1)", "log(x2)", "0.5*log(x1)^2", "log(x1):log(x2)",
                                           "0.5*log(x2)^2", "sigma2", "gamma"]
    summary = res.summary_json()
    assert {"loglik", "sigma2", "gamma", "lambda", "lr_test_statistic", "lr_test_p_value", "nobs"} <= summary.keys()
    assert summary["lambda"] == pytest.approx(np.sqrt(res.gamma / (1 - res.gamma)), rel=1e-9)
    assert res.reading().startswith("A translog production frontier with half-normal inefficiency (100 observations)")
    assert set(res.figures()) == {"ranked", "density"} and set(res.tables()) == {"results", "coefficients", "summary"}


@pytest.mark.parametrize("change, error, message", [
    ({"x1": 0.0}, DataError, r"non-positive.*SFA takes logs of the output and inputs"),
    ({"y": -1.0}, DataError, r"non-positive"),
])
def test_values_that_cannot_be_logged_are_refused(change, error, message):
    data = simulate("half-normal", 30, 0)
    column, value = next(iter(change.items()))
    data.loc[3, column] = value
    with pytest.raises(error, match=message):
        sfa(data, "y", ["x1", "x2"], unit="firm")


def test_bad_arguments_are_refused_in_one_line():
    data = simulate("half-normal", 30, 0)
    with pytest.raises(ValueError, match="distribution must be one of half-normal, truncated-normal, exponential"):
        sfa(data, "y", ["x1", "x2"], distribution="gamma")
    with pytest.raises(ValueError, match="cannot go with distribution='exponential'"):
        sfa(data, "y", ["x1", "x2"], distribution="exponential", determinants=["z"])
    with pytest.raises(ValueError, match="must be different columns"):
        sfa(data, "y", ["x1", "x1"])
    with pytest.raises(DataError, match="cannot identify a translog frontier"):
        sfa(data.head(6), "y", ["x1", "x2"], form="translog")
    with pytest.raises(DataError, match="duplicate|more than one row"):
        sfa(pd.concat([data, data.head(1)]), "y", ["x1", "x2"], unit="firm")


def _panel(units: int, periods: int, seed: int, eta: float) -> pd.DataFrame:
    """u_it = exp(−η(t − T)) u_i with u_i ~ N⁺(0, 0.3²), v ~ N(0, 0.15²), the frontier of simulate()."""
    rng = np.random.default_rng(seed)
    n = units * periods
    unit, t = np.repeat(np.arange(units), periods), np.tile(np.arange(1, periods + 1), units)
    u = np.abs(rng.normal(0, 0.3, units))[unit] * np.exp(-eta * (t - periods))
    x1, x2 = rng.uniform(1, 10, n), rng.uniform(1, 10, n)
    log_y = 1 + 0.4 * np.log(x1) + 0.5 * np.log(x2) + rng.normal(0, 0.15, n) - u
    return pd.DataFrame({"firm": [f"f{i}" for i in unit], "year": 2000 + t, "y": np.exp(log_y), "x1": x1, "x2": x2})


def test_panel_likelihood_equals_the_integral_over_the_units_u():
    """Battese & Coelli (1992): a unit's likelihood ∫ Πₜ φ_v(e_t + h_t u) f_u(u) du by quad
    (1e-8 relative), for half-normal and truncated-normal u_i and η ≠ 0."""
    from healthalloc.efficiency.sfa import _Panel

    e = np.array([-0.4, 0.1, -0.2, 0.05])
    distance = np.array([-3.0, -2.0, -1.0, 0.0])
    sv, su, eta = 0.2, 0.35, 0.15
    s2, g = sv ** 2 + su ** 2, su ** 2 / (sv ** 2 + su ** 2)
    for mu in (None, 0.3):
        Z = None if mu is None else np.ones((4, 1))
        model = _Panel(e, np.ones((4, 1)), Z, 1.0, False, np.zeros(4, dtype=int), distance, True)
        theta = np.array([0.0, *([] if mu is None else [mu]), eta, np.log(s2), np.log(g / (1 - g))])
        h = np.exp(-eta * distance)
        m = mu or 0.0
        density = integrate.quad(lambda u: np.prod(stats.norm.pdf(e + h * u, 0, sv)) * stats.norm.pdf(u, m, su)
                                 / stats.norm.sf(0, m, su), 0, np.inf, epsabs=1e-14)[0]
        assert model.loglik(theta)[0] == pytest.approx(np.log(density), rel=1e-8)


def test_one_period_per_unit_time_invariant_is_the_cross_section():
    """Every unit seen once: u_i is u_it, and the panel model is the cross-section's (1e-6)."""
    data = simulate("half-normal", 150, 9).assign(year=2020)
    panel = sfa(data, "y", ["x1", "x2"], unit="firm", by="year", panel="time-invariant")
    flat = sfa(data, "y", ["x1", "x2"], unit="firm")
    np.testing.assert_allclose(panel.coefficients.estimate, flat.coefficients.estimate, rtol=1e-5)
    assert panel.loglik == pytest.approx(flat.loglik, rel=1e-9)
    np.testing.assert_allclose(panel.units.efficiency, flat.units.efficiency, atol=1e-6)


def test_time_varying_panel_recovers_eta_and_efficiency_follows_it():
    """300 units × 5 years with η = 0.15: β, η and γ within 3 standard errors of the truth;
    with η > 0 every unit's efficiency rises year by year (u decays towards T)."""
    data = _panel(300, 5, 12, 0.15)
    res = sfa(data, "y", ["x1", "x2"], unit="firm", by="year", panel="time-varying")
    truth = {"(Intercept)": 1, "log(x1)": 0.4, "log(x2)": 0.5, "eta": 0.15, "gamma": 0.09 / (0.09 + 0.15 ** 2)}
    table = res.coefficients.set_index("term").loc[list(truth)]
    assert (np.abs(table.estimate - pd.Series(truth)) < 3 * table.std_error).all(), table
    assert res.coefficients.term.iloc[-3] == "eta" and res.restrictions == 2
    assert (res.units.groupby("unit")["efficiency"].diff().dropna() > 0).all()


def test_panel_models_need_a_period_and_a_normal_u():
    data = _panel(10, 3, 0, 0.0)
    with pytest.raises(ValueError, match="panel='time-varying' needs by"):
        sfa(data, "y", ["x1", "x2"], unit="firm", panel="time-varying")
    with pytest.raises(ValueError, match="panel='time-invariant' needs by .* half-normal or truncated-normal"):
        sfa(data, "y", ["x1", "x2"], unit="firm", by="year", panel="time-invariant", distribution="exponential")
    with pytest.raises(ValueError, match="panel must be one of pooled, time-invariant, time-varying"):
        sfa(data, "y", ["x1", "x2"], unit="firm", by="year", panel="fixed")


def test_bhhh_standard_errors_where_the_hessian_is_not_negative_definite(monkeypatch):
    """A Hessian that is not positive definite (for −ln L) falls back to BHHH, (Σ gᵢgᵢ')⁻¹ of
    the per-observation scores, with a warning; σ² and γ by the delta method as before (1e-6)."""
    import healthalloc.efficiency.sfa as module

    data = simulate("half-normal", 200, 5)
    exact = sfa(data, "y", ["x1", "x2"], unit="firm")
    monkeypatch.setattr(module, "_hessian", lambda model, theta: -np.eye(theta.size))
    with pytest.warns(UserWarning, match="outer product of the scores"):
        res = sfa(data, "y", ["x1", "x2"], unit="firm")
    assert res.bhhh and res.summary_json()["std_errors"] == "bhhh"
    X = np.column_stack([np.ones(200), np.log(data.x1), np.log(data.x2)])
    model = _Frontier(np.log(data.y.to_numpy()), X, None, 1.0, False)
    est = exact.coefficients.estimate.to_numpy()
    theta = np.r_[est[:3], np.log(est[3]), np.log(est[4] / (1 - est[4]))]
    g = model.scores(theta)[1]
    covariance = np.linalg.inv(g.T @ g)
    np.testing.assert_allclose(res.coefficients.std_error.iloc[:3], np.sqrt(np.diag(covariance))[:3], rtol=1e-6)
    assert res.coefficients.std_error.iloc[3] == pytest.approx(est[3] * np.sqrt(covariance[3, 3]), rel=1e-6)


def test_an_ill_conditioned_translog_keeps_hessian_standard_errors():
    """A translog in large logs (the provinces' physicians and nurses, condition number ~1e9):
    the Hessian's differences are small enough to see it positive definite (no BHHH warning)."""
    from healthalloc.data import load_china_provinces

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        res = sfa(load_china_provinces(), "medical_health_beds", ["licensed_assistant_physicians", "registered_nurses"],
                  unit="province_en", by="year", form="translog", distribution="exponential")
    assert not res.bhhh and np.isfinite(res.coefficients.std_error).all()
