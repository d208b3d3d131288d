"""The convex box-and-equality QP of the solver layer (healthalloc.solver.solve_box_qp, issue 18
part 5): its answer equals HiGHS' QP solver and scipy's minimize on random convex instances
(semidefinite Hessians, infinite, finite and fixed bounds), meets the KKT conditions, falls
back to HiGHS when forced or when it cannot answer; and the capacity QP that uses it equals
the HiGHS path."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from healthalloc.optimize import capacity, optimize_capacity
from healthalloc.solver import SolverError, kkt_residuals, solve_box_qp, solve_qp
from test_optimize_capacity import _instance

INF = np.inf


def _random_qp(seed: int, n: int, rank: int | None = None, rows: int = 1, density: float = 0.5):
    """A bounded convex QP: ``H = BᵀB`` (singular when ``rank < n``, made sparse by zeroing
    ``B``'s entries, none of its columns empty), equality rows none of them empty, bounds of
    every kind around a feasible point, ``g`` in the range of ``H``
    and ``Aᵀ`` but for the variables with both bounds finite (so the QP has an optimum)."""
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(rank or n, n)) * (rng.random((rank or n, n)) < density)
    B[np.arange(n) % (rank or n), np.arange(n)] += 1.0  # no empty column (HiGHS 1.16 may call that unbounded)
    H = sp.csc_matrix(B.T @ B)
    kind = rng.integers(0, 5, n)  # 0 free, 1 lower only, 2 upper only, 3 both, 4 fixed
    point = rng.normal(size=n)
    lo = np.where(np.isin(kind, [1, 3]), point - rng.uniform(0, 2, n), -INF)
    hi = np.where(np.isin(kind, [2, 3]), point + rng.uniform(0, 2, n), INF)
    lo, hi = np.where(kind == 4, point, lo), np.where(kind == 4, point, hi)
    A = rng.normal(size=(rows, n)) * (rng.random((rows, n)) < 0.8)
    A[np.arange(rows), rng.integers(0, n, rows)] += 1.0  # no empty row
    A = sp.csr_matrix(A)
    boxed = np.isin(kind, [3, 4])
    g = H @ rng.normal(size=n) + A.T @ rng.normal(size=rows) + np.where(boxed, rng.normal(size=n) * 3, 0)
    return H, g, A, A @ point, lo, hi


def _objective(H, g, x):
    return 0.5 * x @ (H @ x) + g @ x


def _highs(H, g, A, b, lo, hi):
    if not A.shape[0]:  # HiGHS 1.16 calls some of these unbounded without a row
        A, b = sp.csr_matrix((1, H.shape[0])), np.zeros(1)
    return solve_qp(g, H, A, b, b, lo, hi)


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-7 * max(1.0, abs(a), abs(b), scale)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), rows=st.integers(0, 3),
       singular=st.booleans(), density=st.sampled_from([0.2, 0.6, 1.0]))
def test_equals_highs_on_random_convex_instances(seed, n, rows, singular, density):
    rank = max(1, n // 2) if singular else None
    H, g, A, b, lo, hi = _random_qp(seed, n, rank, rows, density)
    ref = _highs(H, g, A, b, lo, hi)
    sol = solve_box_qp(H, g, A, b, lo, hi)
    check = kkt_residuals(H, g, A, b, lo, hi, sol.x, sol.row_dual)
    assert check == sol.kkt
    if sol.method == "active set":  # (a rare dense singular instance goes to HiGHS: see the rate below)
        assert check.ok()
    else:
        assert sol.fallback.startswith("active set: ") and check.ok(1e-6)
    assert (sol.x >= lo).all() and (sol.x <= hi).all()
    assert np.abs(A @ sol.x - b).max(initial=0) <= 1e-9 * max(1.0, np.abs(b).max(initial=0))
    assert sol.objective == pytest.approx(_objective(H, g, sol.x), rel=1e-12, abs=1e-12)
    scale = np.abs(g).max(initial=0) * np.abs(sol.x).max(initial=0) + abs(_objective(H, 0 * g, sol.x))
    assert _close(sol.objective, ref.objective, scale), (sol.objective, ref.objective)
    # the optimum is unique where H is definite: the points agree as well
    if not singular and np.linalg.eigvalsh(H.toarray()).min() > 1e-3 * np.abs(H).max():
        assert np.allclose(sol.x, ref.x, atol=1e-5 * max(1.0, np.abs(ref.x).max()))


def test_the_active_set_method_answers_nearly_always():
    # 200 seeded instances, half of them with a singular H: each one the fall-back solves costs
    # HiGHS' time (6 s instead of 0.6 s for the capacity QP at 2,000 sites)
    rng = np.random.default_rng(1)
    methods = []
    for singular in (False, True):
        for _ in range(100):
            n = int(rng.integers(1, 31))
            H, g, A, b, lo, hi = _random_qp(int(rng.integers(2**32)), n, max(1, n // 2) if singular else None,
                                            int(rng.integers(0, 4)), float(rng.choice([0.2, 0.6, 1.0])))
            sol = solve_box_qp(H, g, A, b, lo, hi)
            assert sol.kkt.ok() or sol.method == "HiGHS"
            methods.append(sol.method)
    assert methods.count("active set") >= 196


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4), rows=st.integers(0, 1))
def test_equals_scipy_minimize_on_tiny_instances(seed, n, rows):
    H, g, A, b, lo, hi = _random_qp(seed, n, rows=rows, density=1.0)
    H = H + 0.1 * sp.identity(n, format="csc")  # definite: scipy's SLSQP finds the one optimum
    sol = solve_box_qp(H, g, A, b, lo, hi)
    assert sol.method == "active set", sol.fallback
    Hd, Ad = H.toarray(), A.toarray()
    start = np.clip(np.zeros(n), lo, hi)
    ref = minimize(lambda x: _objective(Hd, g, x), start, jac=lambda x: Hd @ x + g, method="SLSQP",
                   bounds=list(zip(np.where(np.isfinite(lo), lo, None), np.where(np.isfinite(hi), hi, None))),
                   constraints=[{"type": "eq", "fun": lambda x: Ad @ x - b, "jac": lambda x: Ad}] if rows else [],
                   options={"ftol": 1e-14, "maxiter": 500})
    assume(ref.success)  # SLSQP's own line search can fail ("positive directional derivative"): no reference
    assert sol.objective <= ref.fun + 1e-8 * max(1.0, abs(ref.fun))
    assert sol.objective == pytest.approx(ref.fun, rel=1e-6, abs=1e-6)
    assert sol.x == pytest.approx(ref.x, rel=1e-4, abs=1e-4)


def test_kkt_residuals_measure_each_condition():
    # min ½ (x² + y²) − x − y  s.t.  x + y = 1, 0 ≤ x ≤ 0.25, y ≥ 0  →  (0.25, 0.75), row dual −0.25
    H, g, A, b, lo, hi = sp.identity(2), np.array([-1.0, -1.0]), sp.csr_matrix([[1.0, 1.0]]), [1.0], [0, 0], [0.25, INF]
    sol = solve_box_qp(H, g, A, b, lo, hi)
    assert sol.x == pytest.approx([0.25, 0.75]) and sol.row_dual == pytest.approx([-0.25])
    assert sol.kkt.ok(1e-10)
    assert kkt_residuals(H, g, A, b, lo, hi, [0.3, 0.7], [-0.3]).primal == pytest.approx(0.05 / 0.7)
    # stationarity: x strictly inside, with a multiplier no bound carries (y has no upper bound)
    assert kkt_residuals(H, g, A, b, lo, hi, [0.2, 0.8], [-0.1]).stationarity == pytest.approx(0.1)
    # complementarity: the multiplier of x's upper bound with x off that bound
    off = kkt_residuals(H, g, A, b, lo, hi, [0.2, 0.8], [-0.2])  # λ = (−0.6, 0)
    assert off.stationarity == 0 and off.complementarity > 0.01 and not off.ok()


def test_highs_is_the_fallback_when_forced():
    H, g, A, b, lo, hi = _random_qp(3, 20, rows=2)
    ref = _highs(H, g, A, b, lo, hi)
    for forced in (dict(max_iter=0), dict(tol=0.0)):  # no iterations; a KKT check nothing passes
        sol = solve_box_qp(H, g, A, b, lo, hi, **forced)
        assert sol.method == "HiGHS" and sol.fallback.startswith("active set: ")
        assert sol.x == pytest.approx(ref.x) and sol.objective == pytest.approx(ref.objective)
        assert sol.kkt == kkt_residuals(H, g, A, b, lo, hi, ref.x, ref.row_dual) and sol.kkt.ok(1e-6)
    assert "within 0 changes of the active sets" in solve_box_qp(H, g, A, b, lo, hi, max_iter=0).fallback
    assert "proximal steps" in solve_box_qp(H, g, A, b, lo, hi, tol=0.0).fallback


def test_what_the_active_set_method_cannot_solve_goes_to_highs():
    A = sp.csr_matrix([[1.0, 1.0]])
    with pytest.raises(SolverError, match="QP: Infeasible"):  # bounds that cannot meet the row
        solve_box_qp(sp.identity(2), np.zeros(2), A, [3], [0, 0], [1, 1])
    with pytest.raises(SolverError):  # crossed bounds
        solve_box_qp(sp.identity(2), np.zeros(2), A, [1], [0, 1], [1, 0])
    with pytest.raises(SolverError):  # not convex: HiGHS refuses it too
        solve_box_qp(sp.diags([1.0, -1.0]), np.zeros(2), A, [1], [0, 0], [1, 1])
    with pytest.raises(ValueError, match="H is 3 × 3"):
        solve_box_qp(sp.identity(3), np.zeros(2), A, [1], [0, 0], [1, 1])


def test_singular_hessians_duplicated_and_zero():
    # two identical sites (equal columns): a line of optima; HiGHS and the active set agree on the value
    B = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    H, g, A = sp.csc_matrix(B.T @ B), np.array([-1.0, -1.0, -3.0]), sp.csr_matrix(np.ones((1, 3)))
    sol = solve_box_qp(H, g, A, [2.0], np.zeros(3), np.full(3, INF))
    ref = _highs(H, g, A, [2.0], np.zeros(3), np.full(3, INF))
    assert sol.method == "active set" and sol.kkt.ok() and sol.objective == pytest.approx(ref.objective)
    # H = 0: a linear program over the box and the row
    sol = solve_box_qp(sp.csc_matrix((3, 3)), np.array([1.0, 2.0, 3.0]), A, [2.0], np.zeros(3), np.ones(3))
    assert sol.x == pytest.approx([1, 1, 0]) and sol.objective == pytest.approx(3)


def test_no_rows_and_free_variables():
    # unconstrained: the Newton step; then the box alone
    H, g = sp.csc_matrix([[2.0, 1.0], [1.0, 2.0]]), np.array([-3.0, 0.0])
    sol = solve_box_qp(H, g, sp.csr_matrix((0, 2)), [], [-INF, -INF], [INF, INF])
    assert sol.x == pytest.approx(np.linalg.solve(H.toarray(), -g)) and sol.iterations == 1
    sol = solve_box_qp(H, g, sp.csr_matrix((0, 2)), [], [-INF, 0.5], [1.0, INF])
    assert sol.x == pytest.approx([1.0, 0.5]) and sol.kkt.ok()


def _quiet(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optimize_capacity(*args, **kw)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(["2sfca", "e2sfca", "m2sfca", "huff2sfca"]),
       shares=st.sampled_from([{}, {"lower_share": 0.5, "upper_share": 2.0}, {"upper_share": 1.3}]))
def test_capacity_qp_equals_the_highs_path(seed, method, shares):
    demand, supply = _instance(seed, n=90, m=12)
    res = _quiet(demand, supply, method=method, catchment=60, **shares)
    used = []

    def forced(*args, **kw):
        sol = solve_box_qp(*args, **kw, max_iter=0)
        used.append(sol.method)
        return sol

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(capacity, "solve_box_qp", forced)
        ref = _quiet(demand, supply, method=method, catchment=60, **shares)
    assert used == ["HiGHS"]
    unit = res.total**2 / res.model.population.sum()
    assert res.objective_after == pytest.approx(ref.objective_after, rel=1e-7, abs=1e-9 * unit)
    assert res.objective_after <= ref.objective_after + 1e-9 * unit
    assert res.capacity.sum() == pytest.approx(ref.capacity.sum(), rel=1e-12)
    assert (res.sites.capacity_after >= res.sites.lower).all() and (res.sites.capacity_after <= res.sites.upper).all()


def test_integer_capacity_keeps_highs(monkeypatch):
    demand, supply = _instance(5, n=60, m=6)
    monkeypatch.setattr(capacity, "solve_box_qp", lambda *a, **k: pytest.fail("the integer path changed solver"))
    res = _quiet(demand, supply, method="2sfca", catchment=60, integer=True)
    assert (res.capacity == res.capacity.round()).all()
