"""Every ERGM term: its change statistic equals the difference of the network statistic
with the tie toggled, on random small networks (directed and undirected), vectorized and
one dyad at a time; and the names ergm prints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.mobility import network_from_edges
from healthalloc.mobility.ergm.fit import Model
from healthalloc.mobility.ergm.terms import TERMS, State, dyads

COMMON = ["edges", "nodecov('x')", "nodefactor('g')", "nodematch('g')", "nodematch('g', diff=TRUE)",
          "absdiff('x')", "absdiff('x', pow=2)", "edgecov('M')", "triangle", "ttriple", "ctriple",
          "gwesp(0.5, fixed=TRUE)", "gwdsp(0.5, fixed=TRUE)"]
DIRECTED = COMMON + ["nodeicov('x')", "nodeocov('x')", "nodeifactor('g')", "nodeofactor('g')", "mutual",
                     "gwidegree(0.7, fixed=TRUE)", "gwodegree(0.7, fixed=TRUE)", "istar(c(2, 3))",
                     "ostar(2)", "idegree(0:2)", "odegree(1)"]
UNDIRECTED = COMMON + ["gwdegree(0.7, fixed=TRUE)", "kstar(2:3)", "degree(c(0, 1, 3))"]


def test_every_term_is_covered():
    named = {spec.split("(")[0] for spec in DIRECTED + UNDIRECTED}
    assert named == set(TERMS)


def _network(seed: int, n: int, density: float, directed: bool):
    rng = np.random.default_rng(seed)
    A = rng.random((n, n)) < density
    np.fill_diagonal(A, False)
    if not directed:
        A = np.triu(A, 1)
    t, h = np.nonzero(A)
    nodes = pd.DataFrame({"id": range(n), "x": rng.normal(size=n).round(2), "g": rng.choice(["a", "B", "c"], n)})
    net = network_from_edges(pd.DataFrame({"from": t, "to": h}), nodes, directed=directed)
    M = rng.normal(size=(n, n))
    return net.with_covariate("M", M if directed else (M + M.T) / 2)   # undirected: one value per pair


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 9), density=st.floats(0.1, 0.7),
       directed=st.booleans())
def test_change_statistics_are_differences_of_network_statistics(seed, n, density, directed):
    net = _network(seed, n, density, directed)
    formula = " + ".join(DIRECTED if directed else UNDIRECTED)
    model = Model(net, formula)
    A = model.observed
    t, h = dyads(n, directed)
    change = model.change(State(A.copy(), directed), t, h)
    for k, (a, b) in enumerate(zip(t, h)):
        on, off = A.copy(), A.copy()
        on[a, b], off[a, b] = True, False
        if not directed:
            on[b, a], off[b, a] = True, False
        diff = model.stats(State(on, directed)) - model.stats(State(off, directed))
        np.testing.assert_allclose(change[k], diff, atol=1e-9, err_msg=f"dyad {a}->{b}")
        one = np.concatenate([np.atleast_1d(term.change1(State(A.copy(), directed), int(a), int(b)))
                              for term in model.terms])
        np.testing.assert_allclose(one, diff, atol=1e-9)


def test_directed_triangle_is_ttriple_plus_ctriple():
    net = _network(3, 8, 0.4, True)
    model = Model(net, "triangle + ttriple + ctriple")
    tri, tt, ct = model.stats(State(model.observed, True))
    assert tri == tt + ct


@pytest.mark.parametrize("formula, names", [
    ("nodefactor('g')", ["nodefactor.g.B", "nodefactor.g.c"]),           # 'a' < 'B' < 'c' as R sorts
    ("nodefactor('g', levels=TRUE)", ["nodefactor.g.a", "nodefactor.g.B", "nodefactor.g.c"]),
    ("nodematch(g, diff=T)", ["nodematch.g.a", "nodematch.g.B", "nodematch.g.c"]),
    ("nodematch('g')", ["nodematch.g"]),
    ("nodefactor('g', levels=-2)", ["nodefactor.g.a", "nodefactor.g.c"]),
    ("nodeifactor('g', levels=c(3, 1))", ["nodeifactor.g.a", "nodeifactor.g.c"]),
    ("nodematch('g', diff=TRUE, levels=c('c', 'B'))", ["nodematch.g.B", "nodematch.g.c"]),
    ("gwesp(0.5, fixed=TRUE) + istar(2:3)", ["gwesp.OTP.fixed.0.5", "istar2", "istar3"]),
    ("gwidegree(1, fixed=TRUE) + absdiff(x, pow=2) + edgecov(M)", ["gwideg.fixed.1", "absdiff2.x", "edgecov.M"]),
])
def test_coefficient_names_are_ergms(formula, names):
    assert Model(_network(1, 6, 0.5, True), formula).coef_names == names


def test_numeric_levels_sort_as_numbers():
    nodes = pd.DataFrame({"id": range(4), "grade": [10, 9, 12, 9]})
    net = network_from_edges(pd.DataFrame({"from": [0], "to": [1]}), nodes, directed=False)
    assert Model(net, "nodefactor('grade')").coef_names == ["nodefactor.grade.10", "nodefactor.grade.12"]


@pytest.mark.parametrize("directed", [True, False])
def test_two_path_counts_stay_current_through_toggles(directed):
    rng = np.random.default_rng(11)
    st = State(np.zeros((12, 12), dtype=bool), directed)
    st.two_paths()
    for _ in range(300):
        t, h = rng.choice(12, size=2, replace=False)
        st.toggle(*(sorted((int(t), int(h))) if not directed else (int(t), int(h))))
    A = st.A.astype(int)
    off = ~np.eye(12, dtype=bool)
    np.testing.assert_array_equal(st.S[off], (A @ A)[off])
