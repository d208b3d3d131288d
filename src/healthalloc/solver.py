"""The one solver layer: every optimization in healthalloc goes through HiGHS here.

Analyses build their model as arrays (a sparse constraint matrix, bounds, costs) and call
:func:`solve_lp` (DEA), :func:`solve_milp` (location models: integer columns, time limit,
reported gap) or :func:`solve_qp` (capacity re-allocation: a convex quadratic objective);
nothing else imports :mod:`highspy`.

Conventions follow HiGHS: ``row_lower <= A @ x <= row_upper`` and
``col_lower <= x <= col_upper``, infinite bounds as ``numpy.inf``. The problem is a
minimization; the row duals ``y`` satisfy ``reduced_cost = c - A.T @ y``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache

import highspy
import numpy as np
import scipy.sparse as sp

from healthalloc.data.messages import named

INF = highspy.kHighsInf


@cache
def _silence_banner() -> None:
    """HiGHS prints a banner on stdout (from C++) when the first model is created."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _highs() -> highspy.Highs:
    _silence_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


#: Settings tried in turn, each on top of the last, when the dual simplex ends without an
#: optimum: on a nearly degenerate model (a DEA LP whose optimum the data meet only to
#: the solver's tolerance) it can stop with status Unknown or a wrong "Infeasible".
RETRIES = (("presolve", "on"), ("simplex_strategy", 4))  # 4: primal simplex


class SolverError(RuntimeError):
    """HiGHS ended without an optimal solution.

    ``status`` is HiGHS' model status (``"Infeasible"``, ...) when known; ``units`` holds
    the positions of the units whose LP failed, when the LP is one of a family of per-unit
    problems (DEA), so that callers can name them.
    """

    def __init__(self, message: str, *, status: str | None = None, units=()):
        super().__init__(message)
        self.status = status
        self.units = tuple(int(u) for u in units)

    def __reduce__(self):
        return _rebuild_solver_error, (type(self), self.args[0], self.status, self.units)

    def at(self, units) -> SolverError:
        """The same error for the units at positions ``units`` (of a larger family)."""
        return SolverError(str(self), status=self.status, units=units)

    def naming(self, names, context: str = "") -> SolverError:
        """The message followed by ``context`` and the failed units' ``names``."""
        listed = f" for {named('unit', list(names))}" if len(names) else ""
        return SolverError(f"{self}{context}{listed}", status=self.status)


def _rebuild_solver_error(cls, message, status, units):
    return cls(message, status=status, units=units)


@dataclass(frozen=True)
class LPSolution:
    """Primal values, row duals and status of one solved LP."""

    x: np.ndarray
    row_dual: np.ndarray
    objective: float
    status: str


def _optimum(h: highspy.Highs, what: str = "") -> LPSolution:
    """The solved model's optimum, or :class:`SolverError` with HiGHS' model status."""
    status = h.modelStatusToString(h.getModelStatus())
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS did not find an optimal solution{what}: {status}", status=status)
    sol = h.getSolution()
    return LPSolution(
        x=np.asarray(sol.col_value),
        row_dual=np.asarray(sol.row_dual),
        objective=h.getInfo().objective_function_value,
        status=status,
    )


def _model(c, A, row_lower, row_upper, col_lower, col_upper) -> highspy.HighsLp:
    """A HiGHS LP of the arrays (column-wise constraint matrix), validated for shape."""
    A = sp.csc_matrix(A)
    n = A.shape[1]
    c = np.asarray(c, dtype=float)
    if c.shape != (n,) or len(col_lower) != n or len(col_upper) != n:
        raise ValueError(f"{n} columns in A but {c.size} costs, {len(col_lower)} lower and "
                         f"{len(col_upper)} upper column bounds")
    if len(row_lower) != A.shape[0] or len(row_upper) != A.shape[0]:
        raise ValueError(f"{A.shape[0]} rows in A but {len(row_lower)} lower and "
                         f"{len(row_upper)} upper row bounds")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, A.shape[0]
    lp.col_cost_ = c
    lp.col_lower_, lp.col_upper_ = np.asarray(col_lower, float), np.asarray(col_upper, float)
    lp.row_lower_, lp.row_upper_ = np.asarray(row_lower, float), np.asarray(row_upper, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    return lp


def _run(model, **options) -> highspy.Highs:
    """A HiGHS instance with ``options`` set that has solved ``model``."""
    h = _highs()
    for option, value in options.items():
        h.setOptionValue(option, value)
    h.passModel(model)
    h.run()
    return h


def solve_lp(c: np.ndarray, A: sp.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray,
             col_lower: np.ndarray, col_upper: np.ndarray, *, presolve: bool = True) -> LPSolution:
    """Minimize ``c @ x`` subject to row and column bounds with HiGHS' dual simplex.

    ``presolve=False`` saves time on many small independent blocks (DEA families). A
    model the dual simplex does not solve is solved again with the ``RETRIES`` settings.
    Raises :class:`SolverError` unless HiGHS reports an optimal solution; the message
    carries HiGHS' model status (``Infeasible``, ``Unbounded``, ...).
    """
    h = _run(_model(c, A, row_lower, row_upper, col_lower, col_upper), solver="simplex",
             presolve="on" if presolve else "off")
    for option, value in RETRIES:
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            break
        h.setOptionValue(option, value)
        h.clearSolver()
        h.run()
    return _optimum(h)


# -- mixed-integer and quadratic programs -------------------------------------------------------


@dataclass(frozen=True)
class MILPSolution:
    """Best integer solution of a MILP, with HiGHS' status and optimality gap.

    ``gap`` is HiGHS' relative MIP gap ``|objective − bound| / |objective|`` (0 when proven
    optimal); ``bound`` the best dual bound; ``optimal`` False when the time limit ended the
    search with a feasible but unproven solution.
    """

    x: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    optimal: bool


def solve_milp(c: np.ndarray, A: sp.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray,
               col_lower: np.ndarray, col_upper: np.ndarray, integrality: np.ndarray, *,
               time_limit: float | None = None, mip_rel_gap: float | None = None) -> MILPSolution:
    """Minimize ``c @ x`` over the bounds with ``x[integrality]`` whole numbers (HiGHS branch and cut).

    Parameters
    ----------
    integrality : array of bool
        True for each integer column.
    time_limit : float, optional
        Seconds of search; at the limit the best solution found is returned with
        ``optimal=False`` and its gap.
    mip_rel_gap : float, optional
        Stop at this relative gap (HiGHS' default 1e-4).

    Raises
    ------
    SolverError
        Infeasible or unbounded, or no integer solution found within the time limit.
    """
    lp = _model(c, A, row_lower, row_upper, col_lower, col_upper)
    integrality = np.asarray(integrality, dtype=bool)
    if integrality.shape != (lp.num_col_,):
        raise ValueError(f"integrality needs one flag per column ({lp.num_col_}), got {integrality.size}")
    lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
                       for f in integrality]
    limits = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap}
    h = _run(lp, **{k: float(v) for k, v in limits.items() if v is not None})
    model_status = h.getModelStatus()
    status = h.modelStatusToString(model_status)
    info = h.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        raise SolverError(f"HiGHS found no integer solution: {status}")
    return MILPSolution(
        x=np.asarray(h.getSolution().col_value),
        objective=info.objective_function_value,
        bound=info.mip_dual_bound,
        gap=max(float(info.mip_gap), 0.0) if np.isfinite(info.mip_gap) else float("inf"),
        status=status,
        optimal=model_status == highspy.HighsModelStatus.kOptimal,
    )


def solve_qp(c: np.ndarray, Q: sp.spmatrix, A: sp.spmatrix, row_lower: np.ndarray,
             row_upper: np.ndarray, col_lower: np.ndarray, col_upper: np.ndarray) -> LPSolution:
    """Minimize ``½ x @ Q @ x + c @ x`` subject to row and column bounds (HiGHS' QP solver).

    ``Q`` is the Hessian: symmetric positive semidefinite, sparse (its lower triangle is
    passed). Scale the model so that Q's entries and the bounds are near 1: HiGHS' QP
    solver may stall on entries far from 1. Raises :class:`SolverError` unless optimal.
    """
    lp = _model(c, A, row_lower, row_upper, col_lower, col_upper)
    Q = sp.csc_matrix(sp.tril(Q))
    if Q.shape != (lp.num_col_, lp.num_col_):
        raise ValueError(f"Q must be {lp.num_col_} × {lp.num_col_}, got {Q.shape[0]} × {Q.shape[1]}")
    Q.sort_indices()
    model = highspy.HighsModel()
    model.lp_ = lp
    model.hessian_.dim_ = lp.num_col_
    model.hessian_.format_ = highspy.HessianFormat.kTriangular
    model.hessian_.start_ = Q.indptr.astype(np.int32)
    model.hessian_.index_ = Q.indices.astype(np.int32)
    model.hessian_.value_ = Q.data.astype(float)
    return _optimum(_run(model), " of the QP")
