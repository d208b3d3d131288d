"""DEA at the scale users bring: 20,000 and 50,000 units, every non-constant returns to
scale and both orientations, checked unit by unit against a plain linprog LP.

Each configuration evaluates a block of units (a random sample, plus the units with the
best output and the smallest input, where VRS frontiers can turn vertical) against the
technology of all n units, with slacks; a random ~20 of them are compared with the
envelopment LP solved on its own. Not timed; about a minute in all on two cores.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from healthalloc.efficiency.models import radial

TOL = 1e-6
#: Units evaluated per configuration (more than two pilots' worth, so the pilot-guided
#: start and several blocks are exercised) and units checked against linprog.
EVALUATED = 600
CHECKED = 20


def plain_lp(X, Y, o, rts, orientation):
    """θ (input) or φ (output) of unit o by one scipy linprog over all n columns."""
    n, m = X.shape
    s = Y.shape[1]
    inp = orientation == "input"
    own = np.r_[-X[o], np.zeros(s)] if inp else np.r_[np.zeros(m), Y[o]]
    A_ub = sp.hstack([sp.csr_matrix(own[:, None]), sp.csr_matrix(np.r_[X.T, -Y.T])])
    b_ub = np.r_[np.zeros(m), -Y[o]] if inp else np.r_[X[o], np.zeros(s)]
    ones = sp.csr_matrix(np.r_[0.0, np.ones(n)][None, :])
    A_eq = b_eq = None
    if rts == "vrs":
        A_eq, b_eq = ones, [1.0]
    elif rts == "nirs":
        A_ub, b_ub = sp.vstack([A_ub, ones]), np.r_[b_ub, 1.0]
    else:  # ndrs
        A_ub, b_ub = sp.vstack([A_ub, -ones]), np.r_[b_ub, -1.0]
    res = linprog(np.r_[1.0 if inp else -1.0, np.zeros(n)], A_ub=A_ub, b_ub=b_ub, A_eq=A_eq,
                  b_eq=b_eq, bounds=(0, None), method="highs", options={"presolve": False})
    assert res.status == 0, res.message
    return res.x[0]


@pytest.fixture(scope="module", params=[20_000, 50_000])
def data(request):
    """Uniform random data, with two near ties that make the frontier almost vertical
    (the next-best unit 3·10⁻⁸ short of the best output with small inputs, and 3·10⁻⁸
    above the smallest input with large outputs), as large samples produce by chance."""
    n = request.param
    rng = np.random.default_rng(n)
    X, Y = rng.random((n, 2)), rng.random((n, 2))
    top, near = np.argsort(Y[:, 0])[[-1, -2]]
    Y[near, 0], X[near] = Y[top, 0] - 3e-8, [0.05, 0.05]
    low, near = np.argsort(X[:, 1])[[0, 1]]
    X[near, 1], Y[near] = X[low, 1] + 3e-8, [0.99, 0.99]
    extremes = np.r_[Y.argmax(axis=0), X.argmin(axis=0)]
    evaluated = np.unique(np.r_[rng.choice(n, EVALUATED, replace=False), extremes])
    checked = np.unique(np.r_[rng.choice(evaluated, CHECKED - len(extremes), replace=False),
                              extremes])
    return X, Y, evaluated, np.searchsorted(evaluated, checked)


@pytest.mark.parametrize("orientation", ["input", "output"])
@pytest.mark.parametrize("rts", ["vrs", "nirs", "ndrs"])
def test_large_frontier_matches_plain_lp(data, rts, orientation):
    X, Y, evaluated, checked = data
    res = radial(X[evaluated], Y[evaluated], X, Y, rts=rts, orientation=orientation)
    assert np.isfinite(res.score).all()
    assert (res.slack_x >= 0).all() and (res.slack_y >= 0).all()
    want = [plain_lp(X, Y, o, rts, orientation) for o in evaluated[checked]]
    np.testing.assert_allclose(res.score[checked], want, atol=TOL)
