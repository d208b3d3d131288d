"""The sampler's fast paths: neighbour sets and GWESP change statistics kept current through
toggles, the matrix-product GWESP change for many dyads, seeded gwesp fits on every engine,
and the MCMC-MLE progress bar of ``healthalloc ergm``."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ergm_terms import _network

from healthalloc.cli import main
from healthalloc.mobility.ergm import Control, ergm
from healthalloc.mobility.ergm.fit import Model
from healthalloc.mobility.ergm.terms import State, dyads

NET = reference("network")


def _gwesp_stat(A: np.ndarray, decay: float, directed: bool) -> float:
    """GWESP by its definition, counted by loops (independent of terms.py): e^α Σ over ties
    i → j of 1 − (1 − e^−α)^k, k = #{l: i → l → j} (undirected: each tie once, k common
    neighbours)."""
    n, total = len(A), 0.0
    for i in range(n):
        for j in range(n):
            if A[i, j] and (directed or i < j):
                k = sum(1 for m in range(n) if A[i, m] and A[m, j])
                total += np.exp(decay) * (1 - (1 - np.exp(-decay)) ** k)
    return total


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 10), density=st.floats(0.1, 0.8), directed=st.booleans(),
       decay=st.sampled_from([0.0, 0.25, 0.5, 1.5]))  # 0: r = 0, where 0 ** -1 once gave NaN
def test_gwesp_changes_after_toggles_are_differences_of_the_statistic(seed, n, density, directed, decay):
    """After random toggles, the sampler's change1 (neighbour sets), the change of one dyad
    (rows of A @ A) and of every dyad (matrix products) all equal the difference of the
    statistic counted by loops, to 1e-9; the neighbour sets equal A's rows and columns."""
    model = Model(_network(seed, n, density, directed), f"gwesp({decay}, fixed=TRUE)")
    (term,) = model.terms
    state = State(model.observed.copy(), directed)
    out, inn = state.neighbours()
    t, h = dyads(n, directed)
    rng = np.random.default_rng(seed)
    for k in rng.integers(0, len(t), size=3 * n):
        state.toggle(int(t[k]), int(h[k]))
    A = state.A
    assert out == [set(np.flatnonzero(row)) for row in A] and inn == [set(np.flatnonzero(col)) for col in A.T]
    every = term.change(State(A.copy(), directed), t, h)[:, 0]
    for k, (a, b) in enumerate(zip(t.tolist(), h.tolist())):
        on, off = A.copy(), A.copy()
        on[a, b], off[a, b] = True, False
        if not directed:
            on[b, a], off[b, a] = True, False
        want = _gwesp_stat(on, decay, directed) - _gwesp_stat(off, decay, directed)
        assert term.change1(state, a, b)[0] == pytest.approx(want, abs=1e-9)
        assert every[k] == pytest.approx(want, abs=1e-9)
        one = term.change(State(A.copy(), directed), np.array([a]), np.array([b]))[0, 0]
        assert one == pytest.approx(want, abs=1e-9)


@pytest.mark.filterwarnings("ignore:MCMC-MLE did not converge")
def test_seeded_gwesp_fit_is_the_same_on_every_engine():
    net = _network(7, 16, 0.25, True)
    control = Control(sample_size=64, interval=40, bridges=2, bridge_size=32, max_iter=3)
    formula = "edges + mutual + gwesp(0.5, fixed=TRUE)"
    a = ergm(net, formula, seed=9, control=control)
    b = ergm(net, formula, seed=9, control=control, engine="processes")
    c = ergm(net, formula, seed=9, control=control)
    pd.testing.assert_series_equal(a.coef, b.coef)
    pd.testing.assert_series_equal(a.coef, c.coef)
    assert a.loglik == b.loglik or (np.isnan(a.loglik) and np.isnan(b.loglik))


def test_ergm_progress_bar_on_a_terminal_unless_quiet(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    args = ["ergm", "--nodes", str(NET / "sampson_samplk3_nodes.csv"), "--edges",
            str(NET / "sampson_samplk3_edges.csv"), "--directed", "--formula", "edges + mutual", "--seed", "3",
            "--sample-size", "128", "--interval", "60"]
    assert main([*args, "-o", str(tmp_path / "a.csv"), "--quiet"]) == 0
    assert "MCMC-MLE" not in capsys.readouterr().err
    assert main([*args, "-o", str(tmp_path / "b.csv")]) == 0
    err = capsys.readouterr().err
    assert "MCMC-MLE: 100%" in err and "log-likelihood: bridge 16 of 16" in err
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv"))
