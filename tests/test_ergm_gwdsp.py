"""gwdsp, geometrically weighted dyadwise shared partners: its change statistic is the
difference of its network statistic, which is a brute-force count of the DSP
distribution; R ergm's published values (its tests, ``tests/testthat/test-term-gw-sp.R``)
on faux.mesa.high and a small directed network; an MPLE equal to statsmodels' logistic
regression on brute-force change statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ergm_reference import load
from test_ergm_terms import _network

from healthalloc.data import DataError
from healthalloc.mobility import network_from_edges
from healthalloc.mobility.ergm import ergm
from healthalloc.mobility.ergm.fit import Model
from healthalloc.mobility.ergm.terms import State, dyads

# ergm's small directed test network (test-term-gw-sp.R, "GWDSP OTP test"), 1-based ids
SMALL_DIRECTED = pd.DataFrame({"from": [1, 2, 1, 3, 5, 6, 8, 10, 10, 9], "to": [2, 4, 3, 4, 6, 8, 5, 7, 9, 7]})


def dsp_counts(A: np.ndarray, directed: bool) -> np.ndarray:
    """DSP_k for k = 0, 1, …, n − 1: pairs i < j (directed: ordered i ≠ j) with k nodes l,
    i – l – j (directed: i → l → j), counted one pair at a time."""
    n = len(A)
    pairs = [(i, j) for i in range(n) for j in range(n) if (i != j if directed else i < j)]
    return np.bincount([np.count_nonzero(A[i] & A[:, j]) for i, j in pairs], minlength=n)


def gwdsp_brute(A: np.ndarray, directed: bool, decay: float) -> float:
    """e^α Σ_k (1 − (1 − e^−α)^k) DSP_k from :func:`dsp_counts`."""
    counts = dsp_counts(A, directed)
    k = np.arange(len(counts))
    return float(np.exp(decay) * ((1 - (1 - np.exp(-decay)) ** k) * counts).sum())


def stat(model: Model, A: np.ndarray) -> np.ndarray:
    return model.stats(State(A.copy(), model.directed))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 9), density=st.floats(0.1, 0.8), directed=st.booleans(),
       decay=st.sampled_from([0, 0.25, 0.5, 1.7]))
def test_change_statistics_are_differences_of_network_statistics(seed, n, density, directed, decay):
    model = Model(_network(seed, n, density, directed), f"gwdsp({decay}, fixed=TRUE)")
    A, (term,) = model.observed, model.terms
    t, h = dyads(n, directed)
    change = model.change(State(A.copy(), directed), t, h)[:, 0]    # many dyads: one matrix product
    for k, (a, b) in enumerate(zip(t, h)):
        on, off = A.copy(), A.copy()
        on[a, b], off[a, b] = True, False
        if not directed:
            on[b, a], off[b, a] = True, False
        diff = (stat(model, on) - stat(model, off))[0]
        assert change[k] == pytest.approx(diff, abs=1e-9), f"dyad {a}->{b}"
        few = term.change(State(A.copy(), directed), t[k:k + 1], h[k:k + 1])[0, 0]  # the rows needed
        assert few == pytest.approx(diff, abs=1e-9)
        assert term.change1(State(A.copy(), directed), int(a), int(b))[0] == pytest.approx(diff, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), directed=st.booleans())
def test_sampler_change_follows_toggles(seed, directed):
    """change1 reads the two-path counts State.toggle keeps current: after toggles it
    equals the vectorized change computed afresh."""
    model = Model(_network(seed, 8, 0.3, directed), "gwdsp(0.5, fixed=TRUE)")
    state = State(model.observed.copy(), directed)
    state.two_paths()
    t, h = dyads(8, directed)
    rng = np.random.default_rng(seed)
    for k in rng.integers(0, len(t), size=20):
        state.toggle(int(t[k]), int(h[k]))
    (term,) = model.terms
    fresh = term.change(State(state.A.copy(), directed), t, h)[:, 0]
    np.testing.assert_allclose([term.change1(state, int(a), int(b))[0] for a, b in zip(t, h)], fresh, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 12), density=st.floats(0.0, 1.0), directed=st.booleans(),
       decay=st.sampled_from([0, 0.1, 0.5, 2.0]))
def test_network_statistic_is_the_brute_force_dsp_sum(seed, n, density, directed, decay):
    model = Model(_network(seed, n, density, directed), f"gwdsp({decay}, fixed=TRUE)")
    assert stat(model, model.observed)[0] == pytest.approx(gwdsp_brute(model.observed, directed, decay), abs=1e-9)


def test_faux_mesa_high_matches_ergms_published_summary_and_mple():
    """test-term-gw-sp.R, "DSP Undirect tests": dsp#1..6 = 431, 75, 23, 1, 1, 0;
    gwdsp.fixed.0.1 = 540.7445 (printed to 4 decimals); MPLE edges −4.89690639,
    gwdsp.fixed.0.1 0.06665661."""
    net = load("faux_mesa_high", False)
    model = Model(net, "gwdsp(0.1, fixed=TRUE)")
    counts = dsp_counts(model.observed, False)
    np.testing.assert_array_equal(counts[1:7], [431, 75, 23, 1, 1, 0])
    assert counts[7:].sum() == 0
    ours = stat(model, model.observed)[0]
    from_published = np.exp(0.1) * sum((1 - (1 - np.exp(-0.1)) ** k) * c
                                       for k, c in enumerate([431, 75, 23, 1, 1], start=1))
    assert ours == pytest.approx(from_published, abs=1e-6)
    assert ours == pytest.approx(540.7445, abs=5e-5)
    fit = ergm(net, "edges + gwdsp(0.1, fixed=TRUE)", estimate="MPLE")
    assert fit.method == "MPLE" and list(fit.coef.index) == ["edges", "gwdsp.fixed.0.1"]
    np.testing.assert_allclose(fit.coef.to_numpy(), [-4.89690639, 0.06665661], atol=1e-6)


def test_small_directed_network_matches_ergms_published_otp_values():
    """test-term-gw-sp.R, "GWDSP OTP test": DSP_1..4 = 4, 1, 0, 0; gwdsp.OTP.fixed.0.1 =
    5.095163; MPLE coefficient −1.2014723."""
    net = network_from_edges(SMALL_DIRECTED, pd.DataFrame({"id": range(1, 11)}), directed=True)
    model = Model(net, "gwdsp(0.1, fixed=TRUE)")
    assert model.coef_names == ["gwdsp.OTP.fixed.0.1"]
    counts = dsp_counts(model.observed, True)
    np.testing.assert_array_equal(counts[1:5], [4, 1, 0, 0])
    assert counts[5:].sum() == 0
    assert stat(model, model.observed)[0] == pytest.approx(5.095163, abs=1e-6)
    fit = ergm(net, "edges + gwdsp(0.1, fixed=TRUE)", estimate="MPLE")
    assert fit.coef["gwdsp.OTP.fixed.0.1"] == pytest.approx(-1.2014723, abs=1e-6)


def test_florentine_mple_is_the_logistic_regression_on_brute_force_change_statistics():
    net = load("florentine_marriage", False)
    fit = ergm(net, "edges + gwdsp(0.5, fixed=TRUE)", estimate="MPLE")
    A = Model(net, "edges").observed
    t, h = dyads(net.n, False)
    delta = []
    for a, b in zip(t, h):
        on, off = A.copy(), A.copy()
        on[a, b] = on[b, a] = True
        off[a, b] = off[b, a] = False
        delta.append(gwdsp_brute(on, False, 0.5) - gwdsp_brute(off, False, 0.5))
    X = np.column_stack([np.ones(len(t)), delta])
    logit = sm.Logit(A[t, h].astype(float), X).fit(disp=0, tol=1e-12)
    assert fit.method == "MPLE" and list(fit.coef.index) == ["edges", "gwdsp.fixed.0.5"]
    np.testing.assert_allclose(fit.coef.to_numpy(), logit.params, atol=1e-6)


@pytest.mark.parametrize("formula, names", [
    ("gwdsp(0.5, fixed=TRUE)", ["gwdsp.fixed.0.5"]),
    ("gwdsp(decay=1)", ["gwdsp.fixed.1"]),
    ("gwesp(0.25, fixed=TRUE) + gwdsp(0.25, fixed=TRUE)", ["gwesp.fixed.0.25", "gwdsp.fixed.0.25"]),
])
def test_labels_are_ergms(formula, names):
    assert Model(_network(1, 6, 0.5, False), formula).coef_names == names


def test_curved_gwdsp_has_ergms_names_and_fixed_gwdsp_needs_a_decay():
    """``gwdsp(fixed=FALSE)``: statistics dsp.OTP#1 … dsp.OTP#(n − 2), parameters gwdsp.OTP and
    gwdsp.OTP.decay (ergm's InitErgmTerm.dgw_sp.R); its estimation is tests/test_ergm_curved.py's."""
    net = _network(1, 6, 0.5, True)
    model = Model(net, "gwdsp(0.5, fixed=FALSE)")
    assert model.coef_names == [f"dsp.OTP#{k}" for k in range(1, 5)]
    assert model.param_names == ["gwdsp.OTP", "gwdsp.OTP.decay"]
    with pytest.raises(DataError, match="gwdsp needs the argument 'decay'"):
        Model(net, "gwdsp")
