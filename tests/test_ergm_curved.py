"""Curved gwesp, gwdsp and gw*degree (``fixed=FALSE``).

The fit equals R ergm 4.12.0's curved gwesp fit of faux.mesa.high with Grade and Race
homophily within MCMC tolerance (tests/reference/README.md says where the numbers come
from). The estimation is also checked by (a) identities with the fixed-decay terms: at any α
the curved statistics weighted by η(θ, α) are θ times the fixed term (statistics, change
statistics), and the curved fit's θ̂ is the fixed-decay fit at its α̂ (MPLE: exactly, against
a profile maximized by scipy; MCMC-MLE: within Monte Carlo error); (b) recovery of (θ, α)
from a network simulated from the model. Names and histogram counts are ergm's published
ones (its ``tests/testthat/test-term-gw-sp.R``, ``test-term-Offset.R``, ``test-term-Sum.R``).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from conftest import reference
from test_ergm_cli import ergm_cli
from test_ergm_reference import load
from test_ergm_terms import _network

from healthalloc.data import DataError
from healthalloc.mobility import network_from_edges
from healthalloc.mobility.ergm import Control, ergm
from healthalloc.mobility.ergm.curved import gw_weights
from healthalloc.mobility.ergm.fit import Model, _convergence
from healthalloc.mobility.ergm.simulate import run_chains
from healthalloc.mobility.ergm.terms import State, dyads

CURVED = {False: ["gwesp(0.5, fixed=FALSE)", "gwdsp(fixed=FALSE)", "gwdegree(1.5, fixed=FALSE)"],
          True: ["gwesp(0.5, fixed=FALSE)", "gwdsp(0.2, fixed=FALSE)", "gwidegree(fixed=FALSE)",
                 "gwodegree(0.7, fixed=FALSE, cutoff=30)"]}


def fixed_twin(formula: str, decay: float) -> str:
    """The fixed-decay term of a curved one: ``gwesp(0.5, fixed=FALSE)`` → ``gwesp(α, fixed=TRUE)``."""
    return f"{formula.split('(')[0]}({decay!r}, fixed=TRUE)"


def toggled(A: np.ndarray, a: int, b: int, on: bool, directed: bool) -> State:
    B = A.copy()
    B[a, b] = on
    if not directed:
        B[b, a] = on
    return State(B, directed)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 9), density=st.floats(0.1, 0.8), directed=st.booleans(),
       which=st.integers(0, 3), theta=st.floats(-2, 2), decay=st.floats(0.05, 3))
def test_change_statistics_are_differences_and_weighted_by_eta_give_the_fixed_term(seed, n, density, directed,
                                                                                  which, theta, decay):
    """Δ = g(y⁺) − g(y⁻) for every dyad, vectorized and one at a time (exact, integer counts);
    Δ'η(θ, α) = θ·Δ_fixed(α) and g'η(θ, α) = θ·g_fixed(α) (identity, rtol 1e-9)."""
    formula = CURVED[directed][which % len(CURVED[directed])]
    net = _network(seed, n, density, directed)
    model, twin = Model(net, formula), Model(net, fixed_twin(formula, decay))
    (term,) = model.terms
    A = model.observed
    t, h = dyads(n, directed)
    change = model.change(State(A.copy(), directed), t, h)
    st_ = State(A.copy(), directed)
    for k, (a, b) in enumerate(zip(t, h)):
        diff = model.stats(toggled(A, a, b, True, directed)) - model.stats(toggled(A, a, b, False, directed))
        np.testing.assert_array_equal(change[k], diff)
        np.testing.assert_array_equal(term.change1(st_, a, b), diff)
    eta = model.map.eta([theta, decay])
    np.testing.assert_allclose(change @ eta, theta * twin.change(State(A.copy(), directed), t, h)[:, 0],
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(model.stats(st_) @ eta, theta * twin.stats(st_)[0], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("theta, decay", [(1.3, 0.0), (-0.7, 0.4), (2.0, 3.5), (0.5, 40.0)])
def test_jacobian_equals_central_differences_of_eta(theta, decay):
    """∂η/∂(θ, α) against central differences (step 1e-6, tolerance 1e-6 relative); at α = 0
    the one-sided difference. For large α, η_k → θ·k (no overflow)."""
    model = Model(_network(3, 12, 0.3, False), "edges + gwesp(fixed=FALSE)")
    psi = np.array([-1.0, theta, decay])
    J = model.map.jacobian(psi)
    for j in range(3):
        step = np.zeros(3)
        step[j] = 1e-6
        lower = psi - step if psi[j] - 1e-6 >= model.map.lower[j] else psi
        numeric = (model.map.eta(psi + step) - model.map.eta(lower)) / (psi[j] + 1e-6 - lower[j])
        np.testing.assert_allclose(J[:, j], numeric, rtol=1e-5, atol=1e-6)
    if decay > 30:
        np.testing.assert_allclose(gw_weights(decay, np.arange(1, 11)), np.arange(1, 11), rtol=1e-12)


# ergm's test-term-gw-sp.R, "GWESP OTP test" (its lines 131–140) and "GWDSP OTP test" (42–51), 1-based ids
ESP_NET = pd.DataFrame({"from": [1, 2, 1, 3, 1, 5, 6, 8, 10, 10, 9], "to": [2, 4, 3, 4, 4, 6, 8, 5, 7, 9, 7]})
DSP_NET = pd.DataFrame({"from": [1, 2, 1, 3, 5, 6, 8, 10, 10, 9], "to": [2, 4, 3, 4, 6, 8, 5, 7, 9, 7]})


@pytest.mark.parametrize("edges, term, counts", [(ESP_NET, "gwesp", [1, 1, 0, 0]), (DSP_NET, "gwdsp", [4, 1, 0, 0])])
def test_histograms_and_names_match_ergms_published_counts(edges, term, counts):
    """``summary(net ~ dgwesp(fixed=F, type="OTP"))[1:4]`` = 1, 1, 0, 0 and ``dgwdsp`` 4, 1, 0, 0
    (exact); statistic names ``esp.OTP#k`` (test-term-gw-sp.R line 119), K = n − 2 = 8."""
    net = network_from_edges(edges, pd.DataFrame({"id": range(1, 11)}))
    model = Model(net, f"{term}(fixed=FALSE)")
    assert model.coef_names == [f"{term[2:]}.OTP#{k}" for k in range(1, 9)]
    assert model.param_names == [f"{term}.OTP", f"{term}.OTP.decay"]
    np.testing.assert_array_equal(model.stats(State(model.observed.copy(), True))[:4], counts)


def test_parameter_names_are_ergms():
    """``param_names(ergm_model(~triangle + gwesp(0, fixed=T) + gwesp(fixed=F, cutoff=3)))`` is
    triangle, gwesp.fixed.0, gwesp, gwesp.decay (test-term-Offset.R line 34); ``gwesp()``'s
    statistics are esp#1 … (test-term-Sum.R line 16); gwdegree's gwdegree#k and gwdegree.decay
    (ergm's InitErgmTerm.R, .gwdegree_impl)."""
    net = _network(2, 8, 0.2, False)
    model = Model(net, "triangle + gwesp(0, fixed=T) + gwesp(fixed=F, cutoff=3) + gwdegree(fixed=FALSE)")
    assert model.param_names == ["triangle", "gwesp.fixed.0", "gwesp", "gwesp.decay", "gwdegree", "gwdegree.decay"]
    assert model.coef_names == ["triangle", "gwesp.fixed.0", "esp#1", "esp#2", "esp#3"] + [
        f"gwdegree#{k}" for k in range(1, 8)]  # K = min(30, n − 1)


def test_mple_is_the_fixed_mple_at_the_profile_maximum():
    """ergm's MPLE of a curved model maximizes the pseudo-likelihood over (θ, α) together. The
    profile — the fixed-decay MPLE's log pseudo-likelihood as a function of α, maximized by
    scipy's bounded Brent search — gives the same α̂ (±1e-4), and the fixed-decay MPLE at α̂ the
    same θ̂ and pseudo-log-likelihood (±1e-4); AIC counts the decay (3 parameters)."""
    net = load("faux_mesa_high", False)
    fit = ergm(net, "edges + gwesp(0.5, fixed=FALSE)", estimate="MPLE")
    assert list(fit.coef.index) == ["edges", "gwesp", "gwesp.decay"] and fit.method == "MPLE"

    def minus_profile(decay):
        return -ergm(net, f"edges + gwesp({float(decay)!r}, fixed=TRUE)", estimate="MPLE").loglik

    best = minimize_scalar(minus_profile, bounds=(0.05, 3.0), method="bounded", options={"xatol": 1e-6})
    assert fit.coef["gwesp.decay"] == pytest.approx(best.x, abs=1e-4)
    assert fit.loglik == pytest.approx(-best.fun, abs=1e-6)
    at = ergm(net, f"edges + gwesp({float(fit.coef['gwesp.decay'])!r}, fixed=TRUE)", estimate="MPLE")
    np.testing.assert_allclose(fit.coef.iloc[:2], at.coef, atol=1e-4)
    assert fit.n_params == 3 and fit.aic == pytest.approx(-2 * fit.loglik + 6)
    assert (fit.std_error > 0).all()


def test_mcmle_theta_is_the_fixed_fit_at_its_decay():
    """At the curved MLE (θ̂, α̂), θ̂ is also the MLE of the fixed-decay model at α̂ (its score in
    θ is the same equation): the two MCMC-MLE fits agree within 3 combined MCMC standard
    errors plus 0.05. AIC counts 3 parameters; log-likelihood at least the edges-only one."""
    net = load("florentine_business", False)
    fit = ergm(net, "edges + gwesp(0.5, fixed=FALSE)", seed=3)
    assert fit.converged and fit.method == "MCMLE"
    assert list(fit.coef.index) == ["edges", "gwesp", "gwesp.decay"]
    assert fit.n_params == 3 and fit.aic == pytest.approx(-2 * fit.loglik + 6)
    at = ergm(net, f"edges + gwesp({float(fit.coef['gwesp.decay']):.4f}, fixed=TRUE)", seed=4)
    for name, fixed in zip(["edges", "gwesp"], at.coef.index):
        tol = 3 * np.hypot(fit.mcmc_se[name], at.mcmc_se[fixed]) + 0.05
        assert fit.coef[name] == pytest.approx(at.coef[fixed], abs=tol), name
    assert fit.loglik >= fit.loglik_bound


def test_curved_gwesp_equals_r_ergm_on_faux_mesa_high():
    """``faux.mesa.high ~ edges + nodematch("Grade") + nodematch("Race") + gwesp(0.25,
    fixed=FALSE)`` against R ergm 4.12.0 (mean of 9 seeded fits, tests/reference/README.md).
    Within MCMC tolerance: each estimate within 4 combined Monte Carlo standard deviations
    (ours, R's between seeds); standard errors within 15% (both include MCMC error); the
    log-likelihood within 4 of R's seed standard deviations (0.6224) of R's −867.7615. Started
    from our own MPLE, not R's ``init``."""
    ref = pd.read_csv(reference("network/ergm_curved_faux_mesa_high.csv")).set_index("term")
    fit = ergm(load("faux_mesa_high", False),
               "edges + nodematch('Grade') + nodematch('Race') + gwesp(0.25, fixed=FALSE)", seed=1,
               engine="processes", progress=False)
    assert fit.converged and list(fit.coef.index) == list(ref.index)
    tolerance = 4 * np.hypot(fit.mcmc_se[ref.index], ref.seed_sd)
    assert (np.abs(fit.coef[ref.index] - ref.estimate) <= tolerance).all(), fit.to_frame()
    np.testing.assert_allclose(fit.std_error[ref.index], ref.std_error, rtol=0.15)
    assert fit.loglik == pytest.approx(-867.7615, abs=4 * 0.6224)


def test_known_parameters_are_recovered_from_a_simulated_network():
    """A network drawn from edges −3, gwesp 1, decay 0.5 (n = 30, 50,000 sampler steps from one
    tie; 129 ties) is fitted back to within 3 standard errors of each true value (it lands
    within 1.2)."""
    truth = np.array([-3.0, 1.0, 0.5])
    nodes = pd.DataFrame({"id": range(30)})
    model = Model(network_from_edges(pd.DataFrame({"from": [0], "to": [1]}), nodes, directed=False),
                  "edges + gwesp(fixed=FALSE)")
    drawn = run_chains(model, model.map.eta(truth), model.observed, draws=1, interval=1, burnin=50_000,
                       seed=12).networks[0]
    t, h = np.nonzero(np.triu(drawn))
    net = network_from_edges(pd.DataFrame({"from": t, "to": h}), nodes, directed=False)
    back = ergm(net, "edges + gwesp(0.5, fixed=FALSE)", seed=5, control=Control(sample_size=512))
    assert back.converged
    assert (np.abs(back.coef.to_numpy() - truth) <= 3 * back.std_error.to_numpy()).all(), back.to_frame()


def test_cli_fits_a_curved_model(tmp_path):
    out = tmp_path / "flo.csv"
    assert ergm_cli("florentine_marriage", "edges + gwesp(0.5, fixed=FALSE)", out, "--seed", "1") == 0
    table = pd.read_csv(out)
    assert list(table["term"]) == ["edges", "gwesp", "gwesp.decay"]
    assert table["estimate"].notna().all()


def test_a_toggle_past_the_cutoff_leaves_the_histogram():
    """Path a – b – c and d, cutoff 2: adding b – d takes b from degree 2 to 3 (out of the
    histogram, −1 in D_2) and d from 0 to 1 (+1 in D_1), by hand."""
    net = network_from_edges(pd.DataFrame({"from": ["a", "b"], "to": ["b", "c"]}),
                             pd.DataFrame({"id": ["a", "b", "c", "d"]}), directed=False)
    model = Model(net, "gwdegree(fixed=FALSE, cutoff=2)")
    st_ = State(model.observed.copy(), False)
    np.testing.assert_array_equal(model.stats(st_), [2, 1])
    np.testing.assert_array_equal(model.change(st_, np.array([1]), np.array([3]))[0], [1, -1])
    np.testing.assert_array_equal(model.terms[0].change1(st_, 1, 3), [1, -1])


@pytest.mark.parametrize("formula, message", [
    ("edges + gwesp(fixed=FALSE, cutoff=0)", r"term gwesp: cutoff must be a whole number ≥ 1, got 0"),
    ("edges + gwesp(fixed=FALSE, cutoff=2.5)", r"term gwesp: cutoff must be a whole number ≥ 1, got 2.5"),
    ("edges + gwdegree(fixed=FALSE, cutoff='x')", r"term gwdegree: cutoff must be a whole number ≥ 1, got 'x'"),
    ("edges + gwesp(-1, fixed=FALSE)", r"term gwesp: the starting decay must be ≥ 0 \(ergm's bound\), got -1"),
    ("edges + gwdegree(fixed=FALSE, cutoff=1)", r"term gwdegree: the network has a count of 2, past the cutoff 1"),
    ("edges + gwdegree(0.5, FALSE, 'x')", r"term gwdegree got arguments it does not take: 'x'"),
])
def test_bad_arguments_are_one_clear_error(formula, message):
    """A path a – b – c (b has degree 2) with bad curved-term arguments."""
    net = network_from_edges(pd.DataFrame({"from": ["a", "b"], "to": ["b", "c"]}),
                             pd.DataFrame({"id": ["a", "b", "c", "d"]}), directed=False)
    with pytest.raises(DataError, match=message):
        ergm(net, formula, estimate="MPLE", control=Control(sample_size=16))


def _gain(model: Model, psi, new, cov, target) -> float:
    """The log-normal approximation of the log-likelihood ratio, written out: δ'target − ½ δ'Σδ."""
    d = model.map.eta(new) - model.map.eta(psi)
    return float(d @ target - d @ cov @ d / 2)


@pytest.mark.parametrize("trust", [0.5, 5.0, 20.0])
def test_a_curved_step_raises_the_approximation_by_at_most_the_trust_region(trust):
    """A target far outside a narrow sample (Σ = 0.01·I + 0.01 on every pair) asks for a gain
    far past ``trust``: the step stops on the segment to the unbounded maximum where the
    approximation, computed by hand, equals ``trust`` (±1e-9 relative); with room to spare
    (trust 1e6) it is the maximum itself: the gradient J'(target − Σδ) is 0 (±1e-6) but for a
    decay held at its bound 0, which it pulls below."""
    model = Model(_network(3, 12, 0.3, False), "edges + gwesp(fixed=FALSE)")
    k = len(model.coef_names)
    cov = 0.01 * (np.eye(k) + np.ones((k, k)))
    target = np.linspace(3.0, 0.5, k)
    psi = np.array([-2.0, 0.5, 0.7])
    best = model.map.step(psi, cov, target, 1e6)
    d = model.map.eta(best) - model.map.eta(psi)
    grad, free = model.map.jacobian(best).T @ (target - cov @ d), best > model.map.lower
    np.testing.assert_allclose(grad[free], 0, atol=1e-6)
    assert (grad[~free] < 0).all()
    assert _gain(model, psi, best, cov, target) > trust
    bounded = model.map.step(psi, cov, target, trust)
    assert _gain(model, psi, bounded, cov, target) == pytest.approx(trust, rel=1e-9)
    along = (bounded - psi) / (best - psi)
    np.testing.assert_allclose(along, along[0], rtol=1e-9)
    assert 0 < along[0] < 1


def test_a_linear_step_is_the_closed_form_whatever_the_trust_region():
    """Without a curved term the step is Σ⁻¹·target (ergm's closed form, which its trust region
    never bounded), exact to rounding."""
    model = Model(_network(3, 12, 0.3, False), "edges + triangle")
    cov, target = np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([30.0, -10.0])
    np.testing.assert_allclose(model.map.step(np.zeros(2), cov, target, 0.1), np.linalg.solve(cov, target))


def test_the_convergence_statistic_is_hotellings_t2_of_the_estimating_functions():
    """T² = s'(J'VJ)⁻¹s with s = J'(g_obs − mean) and V the covariance of the mean by 8 batch
    means per chain, computed here by hand (rtol 1e-9); a gap orthogonal to the columns of J
    (the histogram not matched, the likelihood equations solved, as at a curved MLE) gives
    T² = 0 (to 1e-20) and p = 1, though the raw statistics' T² is large."""
    rng = np.random.default_rng(0)
    model = Model(_network(3, 12, 0.3, False), "edges + gwesp(fixed=FALSE, cutoff=4)")
    J = model.map.jacobian([-2.0, 0.8, 0.6])
    stats = [rng.normal(size=(64, 5)) + np.arange(5), rng.normal(size=(64, 5)) + np.arange(5)]
    batches = np.concatenate([s.reshape(8, 8, 5).mean(axis=1) for s in stats])
    V = np.cov(batches, rowvar=False) * 8 / 128
    gap = np.array([0.4, -0.2, 0.3, 0.1, -0.5])
    chains = SimpleNamespace(stats=stats)
    s = J.T @ gap
    assert float(_convergence(chains, gap, J).split()[1]) == pytest.approx(s @ np.linalg.solve(J.T @ V @ J, s),
                                                                           rel=1e-3)  # printed to 3 digits
    null = np.linalg.svd(J.T)[2][-1]  # J'·null = 0
    assert float(_convergence(chains, 3 * null, J).split()[1]) < 1e-20
    assert _convergence(chains, 3 * null, J).endswith("(p 1)")
    assert float(_convergence(chains, 3 * null, np.eye(5)).split()[1]) > 10


def test_trust_region_must_be_positive():
    with pytest.raises(ValueError, match="trust_region must be > 0, got 0"):
        Control(trust_region=0)


def test_a_sampled_network_past_the_cutoff_has_its_counts_left_out():
    """The star a – b, a – c, a – d with cutoff 2 (the observed path a – b – c is within it):
    a's degree 3 is out of the histogram, b, c, d have degree 1 (by hand); the statistics agree
    with the sum of the change statistics of adding the ties one by one from the empty network
    (the sampler's bookkeeping), not a refusal (only the observed network's are refused)."""
    net = network_from_edges(pd.DataFrame({"from": ["a", "b"], "to": ["b", "c"]}),
                             pd.DataFrame({"id": ["a", "b", "c", "d"]}), directed=False)
    model = Model(net, "gwdegree(fixed=FALSE, cutoff=2)")
    star = np.zeros((4, 4), dtype=bool)
    star[0, 1:] = star[1:, 0] = True
    np.testing.assert_array_equal(model.stats(State(star, False)), [3, 0])
    st_, total = State(np.zeros((4, 4), dtype=bool), False), np.zeros(2)
    for h in (1, 2, 3):
        total += model.terms[0].change1(st_, 0, h)
        st_ = toggled(st_.A, 0, h, True, False)
    np.testing.assert_array_equal(total, [3, 0])
