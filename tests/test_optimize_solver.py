"""The MILP and QP entry points of the solver layer (healthalloc.solver.solve_milp, solve_qp)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from healthalloc.solver import SolverError, solve_milp, solve_qp

INF = np.inf


def test_milp_knapsack_and_status():
    # max 5x + 4y  s.t.  6x + 4y ≤ 24, x + 2y ≤ 6, x, y ≥ 0 integer  →  x = 4, y = 0 (LP optimum 3, 1.5)
    sol = solve_milp(np.array([-5.0, -4.0]), sp.csr_matrix([[6.0, 4.0], [1.0, 2.0]]), [-INF, -INF], [24, 6],
                     [0, 0], [INF, INF], [True, True], time_limit=10)
    assert sol.x == pytest.approx([4, 0]) and sol.objective == pytest.approx(-20)
    assert sol.optimal and sol.status == "Optimal" and sol.gap == 0


def test_milp_time_limit_keeps_the_best_solution_and_its_gap():
    rng = np.random.default_rng(0)
    n, m = 60, 40  # a random set-covering instance: hard enough not to be proven optimal in 0.05 s
    A = sp.csr_matrix((rng.random((n, m)) < 0.15).astype(float))
    keep = np.diff(A.indptr) > 0
    A = A[keep]
    try:
        sol = solve_milp(rng.uniform(1, 2, m), A, np.ones(A.shape[0]), np.full(A.shape[0], INF), np.zeros(m),
                         np.ones(m), np.ones(m, bool), time_limit=0.05)
    except SolverError as exc:  # no integer solution within the limit: said so
        assert "no integer solution" in str(exc)
        return
    assert (A @ sol.x >= 1 - 1e-9).all()
    assert sol.optimal == (sol.status == "Optimal")
    assert sol.optimal or (sol.status == "Time limit reached" and sol.gap >= 0)


def test_milp_infeasible_and_bad_shapes():
    with pytest.raises(SolverError, match="no integer solution: Infeasible"):
        solve_milp(np.ones(1), sp.csr_matrix([[1.0]]), [2], [2], [0], [1], [True])
    with pytest.raises(ValueError, match="integrality needs one flag per column"):
        solve_milp(np.ones(2), sp.csr_matrix([[1.0, 1.0]]), [0], [1], [0, 0], [1, 1], [True])


def test_qp_projection():
    # min (x − 1)² + (y − 2)²  s.t.  x + y = 1  →  (0, 1)
    sol = solve_qp(np.array([-2.0, -4.0]), sp.diags([2.0, 2.0]), sp.csr_matrix([[1.0, 1.0]]), [1], [1],
                   [-INF, -INF], [INF, INF])
    assert sol.x == pytest.approx([0, 1], abs=1e-7) and sol.objective == pytest.approx(-3)
    with pytest.raises(ValueError, match="Q must be 2 × 2"):
        solve_qp(np.zeros(2), sp.identity(3), sp.csr_matrix([[1.0, 1.0]]), [1], [1], [0, 0], [1, 1])
    with pytest.raises(SolverError, match="QP: Infeasible"):
        solve_qp(np.zeros(2), sp.identity(2), sp.csr_matrix([[1.0, 1.0]]), [3], [3], [0, 0], [1, 1])
