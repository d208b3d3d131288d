"""The one solver layer: every linear program in healthalloc goes through HiGHS here.

Analyses build their model as arrays (a sparse constraint matrix, bounds, costs) and
call :func:`solve_lp`; nothing else imports :mod:`highspy`.

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


class SolverError(RuntimeError):
    """HiGHS ended without an optimal solution."""


@dataclass(frozen=True)
class LPSolution:
    """Primal values, row duals and status of one solved LP."""

    x: np.ndarray
    row_dual: np.ndarray
    objective: float
    status: str


def solve_lp(
    c: np.ndarray,
    A: sp.spmatrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    *,
    presolve: bool = True,
) -> LPSolution:
    """Minimize ``c @ x`` subject to row and column bounds with HiGHS' dual simplex.

    ``presolve=False`` saves time on many small independent blocks (DEA families).
    Raises :class:`SolverError` unless HiGHS reports an optimal solution; the message
    carries HiGHS' model status (``Infeasible``, ``Unbounded``, ...).
    """
    A = sp.csc_matrix(A)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_, lp.col_upper_ = np.asarray(col_lower, float), np.asarray(col_upper, float)
    lp.row_lower_, lp.row_upper_ = np.asarray(row_lower, float), np.asarray(row_upper, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    h = _highs()
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("presolve", "on" if presolve else "off")
    h.passModel(lp)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS did not find an optimal solution: {status}")
    sol = h.getSolution()
    return LPSolution(
        x=np.asarray(sol.col_value),
        row_dual=np.asarray(sol.row_dual),
        objective=h.getInfo().objective_function_value,
        status=status,
    )
