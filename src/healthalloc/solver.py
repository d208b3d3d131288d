"""The one solver layer: every optimization in healthalloc goes through HiGHS here.

Analyses build their model as arrays (a sparse constraint matrix, bounds, costs) and call
:func:`solve_lp` (DEA), :func:`solve_milp` (location models: integer columns, time limit,
reported gap) or :func:`solve_qp` (a convex quadratic objective); nothing else imports
:mod:`highspy`. Convex QPs with only bounds and equality rows (capacity re-allocation) go to
:func:`solve_box_qp`, a proximal primal-dual active-set method on sparse factorizations whose
answer is checked against the KKT conditions, with :func:`solve_qp` as its fall-back.

A MILP is sized before it is built (:func:`check_size`: rows, columns, non-zeros and the
memory HiGHS is estimated to need, against the memory available); its search shows
progress lines on a terminal (:func:`healthalloc.engine.show_progress`) and stops at the
time limit or on Ctrl-C with the best solution found and its gap.

Conventions follow HiGHS: ``row_lower <= A @ x <= row_upper`` and
``col_lower <= x <= col_upper``, infinite bounds as ``numpy.inf``. The problem is a
minimization; the row duals ``y`` satisfy ``reduced_cost = c - A.T @ y``.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import highspy
import numpy as np
import scipy.sparse as sp

from healthalloc.data.messages import named
from healthalloc.engine import ENGINE, progress_bar

INF = highspy.kHighsInf

#: Seconds of search of every MILP unless told otherwise: the default ``time_limit`` of
#: :mod:`healthalloc.optimize`, its command line and its study analyses (a report must end).
TIME_LIMIT = 60.0

#: Peak memory of HiGHS' presolve and branch and cut, in bytes per non-zero of the
#: constraint matrix and per row or column: fitted to peak resident memory under HiGHS 1.16
#: of p-median models of 100 to 800 towns of ``china_cities`` (4.3 to 4.9 kB per assignment
#: variable, which brings a row, a column and three non-zeros; flat after the root node)
#: and of MCLP models of up to 2.9 million non-zeros (150 to 220 B per non-zero).
BYTES_PER_NONZERO = 200
BYTES_PER_LINE = 2_000
#: Share of the available memory a model may be estimated to need: the estimate is a typical
#: peak, not a bound, and other programs share the machine.
MEMORY_SHARE = 0.75


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


def available_memory() -> float:
    """Bytes of memory available now: ``MemAvailable`` of ``/proc/meminfo``, else the free
    physical pages (:func:`os.sysconf`), else infinite (unknown)."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return math.inf


@dataclass(frozen=True)
class ModelSize:
    """Rows, columns and constraint-matrix non-zeros of a MILP."""

    rows: int
    columns: int
    nonzeros: int

    @property
    def memory(self) -> float:
        """Estimated peak bytes of HiGHS on this model (``BYTES_PER_NONZERO``, ``BYTES_PER_LINE``)."""
        return BYTES_PER_NONZERO * self.nonzeros + BYTES_PER_LINE * (self.rows + self.columns)


def memory_budget() -> float:
    """Bytes a model may be estimated to need: ``MEMORY_SHARE`` of :func:`available_memory`."""
    return MEMORY_SHARE * available_memory()


def check_size(size: ModelSize, what: str, shrink: str, *, about: bool = False) -> None:
    """ValueError when ``size`` is estimated to need more than :func:`memory_budget`.

    The message gives the model's size (``about``: extrapolated), the estimate, the
    memory available, and ``shrink``: the options that make the model smaller.
    """
    available = available_memory()
    if size.memory <= MEMORY_SHARE * available:
        return
    approx = "about " if about else ""
    raise ValueError(f"{what}: too large for the memory of this machine: {approx}{size.columns:,} variables, "
                     f"{size.rows:,} constraints and {size.nonzeros:,} non-zeros, an estimated {_bytes(size.memory)} "
                     f"for HiGHS, above {MEMORY_SHARE:.0%} of the {_bytes(available)} available. Shrink it: {shrink}")


def _bytes(n: float) -> str:
    """``n`` bytes as ``"20.4 GB"``, ``"72 kB"``..."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


@dataclass(frozen=True)
class MILPSolution:
    """Best integer solution of a MILP, with HiGHS' status and optimality gap.

    ``gap`` is HiGHS' relative MIP gap ``|objective − bound| / |objective|`` (0 when proven
    optimal); ``bound`` the best dual bound; ``optimal`` False when the time limit or Ctrl-C
    ended the search with a feasible but unproven solution (``status`` says which).
    """

    x: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    optimal: bool


#: ``progress`` of :func:`solve_milp` as a function: called with the seconds, the incumbent,
#: the bound (both as ``shown``) and the relative gap when one of them has changed, at most
#: every ``PROGRESS_EVERY`` seconds.
Progress = Callable[[float, float, float, float], object]
#: The ``progress`` keyword of the functions that solve MILPs: a progress line, or a :data:`Progress` function.
PROGRESS = replace(ENGINE["progress"], help="show the MILP's incumbent, bound and gap (default: when stderr is "
                   "a terminal), or a function called with them", objects=(Callable,))


def solve_milp(c: np.ndarray, A: sp.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray,
               col_lower: np.ndarray, col_upper: np.ndarray, integrality: np.ndarray, *,
               time_limit: float | None = None, mip_rel_gap: float | None = None, start: np.ndarray | None = None,
               progress: bool | Progress | None = None, shown: Callable[[float], float] | None = None,
               offset: float = 0.0) -> MILPSolution:
    """Minimize ``c @ x + offset`` over the bounds with ``x[integrality]`` whole numbers (HiGHS branch and cut).

    The returned objective is checked against ``c @ x + offset``: HiGHS 1.16 can keep a
    feasible ``start`` with a wrong objective and call it optimal (seen on an LSCP with
    costs and quotas), so a solution whose objective disagrees is solved again without
    the start.

    Parameters
    ----------
    integrality : array of bool
        True for each integer column.
    time_limit : float, optional
        Seconds of search; at the limit the best solution found is returned with
        ``optimal=False`` and its gap (and a warning says so). Ctrl-C (in the main thread)
        ends the search the same way, with status ``Interrupted by user``, at HiGHS' next
        check: between nodes, so a long root LP of a large model is finished first.
    mip_rel_gap : float, optional
        Stop at this relative gap (HiGHS' default 1e-4).
    start : array, optional
        A feasible solution to start from (the first incumbent).
    offset : float
        A constant added to the objective (so that HiGHS' relative gap is of the whole objective).
    progress : bool, function or None
        One line with the incumbent, bound and gap, updated during the search, shown per
        :func:`healthalloc.engine.show_progress` (by default only when stderr is a
        terminal); a function (:data:`Progress`) is called instead of a line.
    shown : function, optional
        The objective as shown in progress lines (e.g. unscaled), from HiGHS' ``c @ x``.

    Raises
    ------
    SolverError
        Infeasible or unbounded, or no integer solution found within the time limit.
    KeyboardInterrupt
        Ctrl-C before any integer solution was found.
    """
    lp = _model(c, A, row_lower, row_upper, col_lower, col_upper)
    lp.offset_ = float(offset)
    integrality = np.asarray(integrality, dtype=bool)
    if integrality.shape != (lp.num_col_,):
        raise ValueError(f"integrality needs one flag per column ({lp.num_col_}), got {integrality.size}")
    lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
                       for f in integrality]
    h = _highs()
    for option, value in {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap}.items():
        if value is not None:
            h.setOptionValue(option, float(value))
    h.passModel(lp)
    if start is not None:
        first = highspy.HighsSolution()
        first.col_value = np.asarray(start, float)
        h.setSolution(first)
    interrupted = _search(h, progress, shown or (lambda v: v))
    model_status = h.getModelStatus()
    status = h.modelStatusToString(model_status)
    info = h.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        if interrupted:
            raise KeyboardInterrupt
        limit = f" within the time limit of {time_limit:g} s" if model_status == highspy.HighsModelStatus.kTimeLimit else ""
        raise SolverError(f"HiGHS found no integer solution{limit}: {status}", status=status)
    x = np.asarray(h.getSolution().col_value)
    if start is not None and not math.isclose(float(np.asarray(c, float) @ x) + offset, info.objective_function_value,
                                              rel_tol=1e-7, abs_tol=1e-9):
        return solve_milp(c, A, row_lower, row_upper, col_lower, col_upper, integrality, time_limit=time_limit,
                          mip_rel_gap=mip_rel_gap, progress=progress, shown=shown, offset=offset)
    gap = max(float(info.mip_gap), 0.0) if np.isfinite(info.mip_gap) else math.inf
    optimal = model_status == highspy.HighsModelStatus.kOptimal
    if not optimal:
        why = "Ctrl-C" if interrupted else f"the time limit of {time_limit:g} s" if time_limit else status
        shown_gap = f"gap {gap:.2%}" if math.isfinite(gap) else "no bound yet"
        warnings.warn(f"the search was stopped by {why} before the solution was proven optimal: the best "
                      f"solution found is kept (status {status!r}, {shown_gap})", stacklevel=3)
    return MILPSolution(x=x, objective=info.objective_function_value,
                        bound=info.mip_dual_bound, gap=gap, status=status, optimal=optimal)


#: Seconds between two updates of a progress line.
PROGRESS_EVERY = 0.5


def _search(h: highspy.Highs, progress: bool | Progress | None, shown: Callable[[float], float]) -> bool:
    """Run HiGHS on a worker thread; Ctrl-C (SIGINT in the main thread, handled here for the
    time of the search) asks HiGHS to stop at its next check (its interrupt callbacks), which
    keeps the best solution. Shows progress on the way; True when Ctrl-C stopped the search."""
    stop, done = threading.Event(), threading.Event()
    bar = None if callable(progress) else progress_bar(progress, desc="MILP", bar_format="{desc} {elapsed}{postfix}")
    report = progress if callable(progress) else None if bar.disable else (
        lambda seconds, incumbent, bound, gap: bar.set_postfix_str(
            f"incumbent {incumbent:.6g}, " + (f"bound {bound:.6g}, gap {gap:.2%}" if math.isfinite(gap) else
                                              "no bound yet")))
    last: list = [-math.inf, None]  # time and figures of the last report

    def check(event) -> None:
        out = event.data_out
        if report is not None and event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            figures = (shown(out.mip_primal_bound), shown(out.mip_dual_bound), out.mip_gap)
            if figures != last[1] and time.monotonic() - last[0] >= PROGRESS_EVERY:
                last[:] = time.monotonic(), figures
                report(out.running_time, *figures)
        if stop.is_set():
            event.interrupt()

    def run() -> None:
        try:
            h.run()
        finally:
            done.set()

    for callback in (h.cbMipInterrupt, h.cbSimplexInterrupt, h.cbIpmInterrupt):
        callback.subscribe(check)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) if main else None
    try:
        threading.Thread(target=run, name="highs", daemon=True).start()
        while not done.wait(0.1):
            pass
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()
    return stop.is_set()


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


# -- convex QPs with box bounds and equality rows: a primal-dual active-set method --------------

#: Relative tolerance of the KKT check of :func:`solve_box_qp`'s answer (see :func:`kkt_residuals`).
KKT_TOL = 1e-9
#: Iterations of the primal-dual active-set method before :func:`solve_box_qp` falls back to HiGHS.
BOX_QP_ITERATIONS = 50
#: Proximal regularisation ``ρ`` of :func:`solve_box_qp`, relative to ``H``'s largest diagonal
#: entry (and its dual counterpart ``ρ_y``, relative to ``max |A|² / max Hᵢᵢ``): each
#: subproblem is strictly convex and its reduced KKT matrix quasi-definite, whatever ``H``.
REGULARISATION = 1e-6
#: While the active sets do not settle, ``ρ`` and ``ρ_y`` grow a hundredfold up to this (a
#: better conditioned subproblem, slower proximal steps), before one variable changes at a time.
REGULARISATION_MAX = 1e-2
#: The regularisation of the polishing solve (:func:`_polish`), relative as ``ρ``, and its
#: refinement steps at most.
POLISH = 1e-10
REFINEMENTS = 10
#: Proximal steps at most (each one solve, with the last factorization while the active sets stay).
PROXIMAL_STEPS = 200


@dataclass(frozen=True)
class KKTResiduals:
    """How far a point is from the KKT conditions of ``min ½ xᵀHx + gᵀx`` s.t. ``A x = b``,
    ``l ≤ x ≤ u``, each relative (see :func:`kkt_residuals`)."""

    primal: float
    stationarity: float
    complementarity: float

    def ok(self, tol: float = KKT_TOL) -> bool:
        """Whether every residual is at most ``tol``."""
        return max(self.primal, self.stationarity, self.complementarity) <= tol


def kkt_residuals(H, g, A, b, lower, upper, x, y) -> KKTResiduals:
    """The KKT residuals of ``x`` with row duals ``y`` (HiGHS' sign: ``λ = Hx + g − Aᵀy``).

    With ``λ`` split into bound multipliers ``z_l = max(λ, 0)`` and ``z_u = max(−λ, 0)``:

    * primal: ``‖Ax − b‖∞`` relative to ``max(‖b‖∞, ‖|A||x|‖∞)``, and the largest bound
      violation relative to the scale of ``x`` (``‖x‖∞``, the finite bounds, at least 1e-300);
    * stationarity: the part of ``λ`` no bound can carry (``z_l`` where ``l = −∞``, ``z_u``
      where ``u = +∞``), relative to the scale of the gradient (``‖g‖∞``, ``‖Hx‖∞``, ``‖Aᵀy‖∞``);
    * complementarity: ``max(z_l (x − l) + z_u (u − x))`` over finite bounds, relative to the
      product of both scales.

    All three are 0 exactly at a KKT point, which for a convex QP is an optimum.
    """
    H, A = sp.csr_matrix(H), sp.csr_matrix(A)
    g, b, l, u, x, y = (np.asarray(v, float) for v in (g, b, lower, upper, x, y))
    Hx, Aty = H @ x, A.T @ y
    lam = Hx + g - Aty
    tiny = np.finfo(float).tiny
    bounds = np.r_[l[np.isfinite(l)], u[np.isfinite(u)]]
    xscale = max(np.abs(x).max(initial=0), np.abs(bounds).max(initial=0), tiny)
    gscale = max(np.abs(g).max(initial=0), np.abs(Hx).max(initial=0), np.abs(Aty).max(initial=0), tiny)
    rscale = max(np.abs(b).max(initial=0), (abs(A) @ np.abs(x)).max(initial=0), tiny)
    violation = np.maximum(np.maximum(l - x, x - u), 0).max(initial=0)
    primal = max(np.abs(A @ x - b).max(initial=0) / rscale, violation / xscale)
    zl, zu = np.maximum(lam, 0), np.maximum(-lam, 0)
    unbacked = np.where(np.isfinite(l), 0, zl) + np.where(np.isfinite(u), 0, zu)
    with np.errstate(invalid="ignore"):
        slack = np.where(np.isfinite(l), zl * (x - l), 0) + np.where(np.isfinite(u), zu * (u - x), 0)
    return KKTResiduals(primal=float(primal), stationarity=float(unbacked.max(initial=0) / gscale),
                        complementarity=float(np.abs(slack).max(initial=0) / (gscale * xscale)))


@dataclass(frozen=True)
class QPSolution(LPSolution):
    """A :class:`LPSolution` of :func:`solve_box_qp`: which method gave it (``"active set"`` or
    ``"HiGHS"``), its iterations, the KKT residuals of the answer, and why the active-set
    answer was not kept when HiGHS gave it (``fallback``, empty otherwise)."""

    method: str = "active set"
    iterations: int = 0
    kkt: KKTResiduals | None = None
    fallback: str = ""


class _NoAnswer(RuntimeError):
    """The active-set method ended without an answer (the message says why)."""


def solve_box_qp(H: sp.spmatrix, g: np.ndarray, A_eq: sp.spmatrix, b_eq: np.ndarray, lower: np.ndarray,
                 upper: np.ndarray, *, max_iter: int = BOX_QP_ITERATIONS, tol: float = KKT_TOL) -> QPSolution:
    """Minimize ``½ xᵀHx + gᵀx`` subject to ``A_eq x = b_eq`` and ``lower ≤ x ≤ upper``.

    ``H`` is symmetric positive semidefinite (sparse; semidefiniteness is not checked beyond
    its diagonal); bounds may be infinite. Solved by the primal-dual active-set method
    (Hintermüller, Ito & Kunisch 2002) inside proximal steps: each step minimizes the
    objective plus ``ρ/2 ‖x − xₖ‖²`` (and the dual ``ρ_y/2 ‖y − yₖ‖²``, see
    :data:`REGULARISATION`), which is strictly convex even where ``H`` is singular, and the
    steps converge to an optimum of the QP itself (the proximal point method). In a step, the
    variables held at a bound are fixed there, the reduced KKT system of the others and the
    equality rows is solved with a sparse LU factorization, the bound multipliers of the held
    ones follow; then every free variable beyond a bound is held at it and every held one
    whose multiplier has the wrong sign is freed, until there is none. Where a step's optimum
    is not yet the QP's, the QP's own reduced KKT system on its active sets is solved from it
    (:func:`_polish`); that usually ends the method after the first step. The method may
    cycle where ``H`` is not an M-matrix: while the number of such infeasibilities has not
    fallen for ``SAFE_STEPS`` iterations, ``ρ`` grows (:data:`REGULARISATION_MAX`), and once
    it is at its largest only the variable of largest index changes (Júdice & Pires 1994,
    after Murty's least-index rule, which ends for positive definite matrices). Each change
    of the active sets costs one sparse factorization, instead of the dense reduced Hessian
    of HiGHS' active-set QP solver; a proximal step that keeps them, one solve.

    The answer is kept when its :func:`kkt_residuals` are all at most ``tol``; otherwise (no
    answer within ``max_iter`` changes of the active sets or ``PROXIMAL_STEPS`` steps, a
    failed factorization, infeasible bounds, a negative diagonal entry of ``H``) the problem
    is solved by :func:`solve_qp` (HiGHS), and :attr:`QPSolution.fallback` says why.
    Raises :class:`SolverError` when HiGHS finds no optimum either.
    """
    H, A = sp.csc_matrix(H, dtype=float), sp.csr_matrix(A_eq, dtype=float)
    g, b = np.asarray(g, float), np.atleast_1d(np.asarray(b_eq, float))
    n = g.size
    l, u = np.broadcast_to(np.asarray(lower, float), (n,)), np.broadcast_to(np.asarray(upper, float), (n,))
    if H.shape != (n, n) or A.shape[1] != n or b.shape != (A.shape[0],):
        raise ValueError(f"{n} columns in g but H is {H.shape[0]} × {H.shape[1]}, A_eq {A.shape[0]} × {A.shape[1]} "
                         f"and b_eq has {b.size} entries")
    try:
        if (l > u).any() or np.isnan(l).any() or np.isnan(u).any():
            raise _NoAnswer("a lower bound above its upper bound")
        x, y, iterations = _active_set(H, g, A, b, l, u, max_iter, tol)
        check = kkt_residuals(H, g, A, b, l, u, x, y)
        if not check.ok(tol):
            raise _NoAnswer(f"its answer fails the KKT check at {tol:g}: {check}")
    except (_NoAnswer, RuntimeError, np.linalg.LinAlgError) as exc:
        k = A.shape[0]  # HiGHS 1.16 calls some bounded QPs without rows unbounded: one empty row
        sol = solve_qp(g, H, A if k else sp.csr_matrix((1, n)), b if k else [0.0], b if k else [0.0], l, u)
        y = sol.row_dual[:k]
        return QPSolution(sol.x, y, sol.objective, sol.status, method="HiGHS",
                          kkt=kkt_residuals(H, g, A, b, l, u, sol.x, y), fallback=f"active set: {exc}")
    return QPSolution(x, y, float(0.5 * x @ (H @ x) + g @ x), "Optimal", iterations=iterations, kkt=check)


#: Iterations of block changes without fewer infeasibilities before :func:`solve_box_qp`
#: changes one variable at a time.
SAFE_STEPS = 3
#: A free variable is beyond its bound, or a held one's multiplier of the wrong sign, when by
#: more than this share of ``tol`` times the scale of ``x`` (or of the gradient): less is
#: rounding, and within the KKT check once ``x`` is clipped to its bounds.
ROUNDING = 0.1


def _active_set(H: sp.csc_matrix, g, A: sp.csr_matrix, b, l, u, max_iter: int, tol: float) -> tuple:
    """The proximal primal-dual active-set iterations of :func:`solve_box_qp`: ``(x, y, iterations)``
    with ``iterations`` the changes of the active sets."""
    n, k = g.size, A.shape[0]
    diag = H.diagonal()
    if (diag < 0).any():
        raise _NoAnswer("H has a negative diagonal entry: not positive semidefinite")
    tiny = np.finfo(float).tiny
    c = max(float(diag.max(initial=0)), tiny)
    scale, scale_y = c, max(float(abs(A).max()) ** 2 if A.nnz else 1.0, tiny) / c
    relative = REGULARISATION
    fixed = l == u
    at_lo, at_hi = fixed.copy(), np.zeros(n, bool)  # all free at first
    bounds = np.abs(np.r_[l[np.isfinite(l)], u[np.isfinite(u)]])
    A_csc, A_t = A.tocsc(), A.T.tocsr()
    centre, centre_y = np.clip(np.zeros(n), l, u), np.zeros(k)
    best, patience, iterations, factored, polished = n + 1, SAFE_STEPS, 0, (None, None), None
    for _ in range(max_iter + PROXIMAL_STEPS):
        state = np.packbits(at_lo).tobytes() + np.packbits(at_hi).tobytes()
        held, free = np.flatnonzero(at_lo | at_hi), np.flatnonzero(~(at_lo | at_hi))
        rho, rho_y = relative * scale, relative * scale_y
        if factored[0] != state:
            iterations += 1
            if iterations > max_iter:
                raise _NoAnswer(f"no answer within {max_iter} changes of the active sets")
            H_free, A_free = H[:, free], A_csc[:, free]
            K = sp.bmat([[H_free[free] + rho * sp.identity(free.size), A_free.T], [A_free, -rho_y * sp.identity(k)]],
                        format="csc")
            factored = state, _factorize(K)
        x = np.where(at_lo, l, np.where(at_hi, u, 0.0))
        rhs = np.r_[-g[free] - H[free][:, held] @ x[held] + rho * centre[free],
                    b - A_csc[:, held] @ x[held] - rho_y * centre_y]
        z = factored[1](rhs)
        x[free], y = z[:free.size], -z[free.size:]
        lam = H @ x + g - A_t @ y + rho * (x - centre)
        x_tol = ROUNDING * tol * max(np.abs(x).max(initial=0), bounds.max(initial=0), tiny)
        g_tol = ROUNDING * tol * max(np.abs(g).max(initial=0), np.abs(lam - g).max(initial=0), tiny)
        below, above = ~(at_lo | at_hi) & (x < l - x_tol), ~(at_lo | at_hi) & (x > u + x_tol)
        leave = ~fixed & ((at_lo & (lam < -g_tol)) | (at_hi & (lam > g_tol)))
        wrong = below | above | leave
        count = int(wrong.sum())
        if not count:  # the proximal step's optimum: the QP's, or the centre of the next step
            x = np.clip(x, l, u)
            if kkt_residuals(H, g, A, b, l, u, x, y).ok(tol):
                return x, y, iterations
            if polished != state:  # the QP's own KKT system on these active sets, from here
                polished = state
                polish = _polish(H, g, A_csc, A_t, b, free, x, y, scale * POLISH, scale_y * POLISH)
                if polish is not None and kkt_residuals(H, g, A, b, l, u, *polish).ok(tol):
                    return *polish, iterations
            centre, centre_y, best, patience = x, -y, n + 1, SAFE_STEPS
            continue
        if count < best:
            best, patience = count, SAFE_STEPS
        elif patience:
            patience -= 1
        elif relative < REGULARISATION_MAX:  # a better conditioned subproblem, from the same centre
            relative, factored = min(100 * relative, REGULARISATION_MAX), (None, None)
            best, patience = n + 1, SAFE_STEPS
            continue
        else:  # one change only: the variable of largest index
            last = np.flatnonzero(wrong)[-1]
            wrong = np.zeros(n, bool)
            wrong[last] = True
        at_lo = (at_lo & ~(leave & wrong)) | (below & wrong)
        at_hi = (at_hi & ~(leave & wrong)) | (above & wrong)
    raise _NoAnswer(f"no answer within {PROXIMAL_STEPS} proximal steps")


def _polish(H, g, A_csc, A_t, b, free, x, y, delta: float, delta_y: float):
    """``(x, y)`` moved to solve the QP's reduced KKT system with the variables not in ``free``
    where they are (no proximal term): the correction solves it, regularised by ``delta`` and
    ``delta_y`` and refined towards it unregularised (after OSQP's solution polishing: Stellato
    et al. 2020), so that rounding amplified by ``1/delta`` is of the small residual only.
    None when it leaves the free variables' bounds or is not finite."""
    k = A_csc.shape[0]
    H_free, A_free = H[:, free][free], A_csc[:, free]
    K = sp.bmat([[H_free, A_free.T], [A_free, sp.csr_matrix((k, k))]], format="csc")
    solve = _factorize(sp.csc_matrix(K + sp.diags(np.r_[np.full(free.size, delta), np.full(k, -delta_y)])))
    r = np.r_[-g[free] - (H @ x)[free] + (A_t @ y)[free], b - A_csc @ x]
    step = solve(r)
    for _ in range(REFINEMENTS):
        rest = r - K @ step
        if np.abs(rest).max(initial=0) <= 1e-3 * np.abs(r).max(initial=0):
            break
        step = step + solve(rest)
    x, y = x.copy(), y - step[free.size:]
    x[free] += step[:free.size]
    return (x, y) if np.isfinite(step).all() else None


def _factorize(K: sp.csc_matrix) -> Callable[[np.ndarray], np.ndarray]:
    """A solver of ``K z = r`` for a quasi-definite ``K`` (a proximal reduced KKT matrix), with
    one step of iterative refinement: a sparse LU factorization, symmetric and without
    pivoting (a quasi-definite matrix factorizes so in any order: about as fast as a
    Cholesky factorization), or with SuperLU's threshold partial pivoting where that fails."""
    from scipy.sparse.linalg import splu

    try:
        lu = splu(K, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options=dict(SymmetricMode=True))
    except RuntimeError:  # a zero pivot (rounding)
        lu = splu(K, permc_spec="COLAMD")

    def solve(r: np.ndarray) -> np.ndarray:
        z = lu.solve(r)
        z = z + lu.solve(r - K @ z)
        if not np.isfinite(z).all():
            raise _NoAnswer("the reduced KKT system has no finite solution")
        return z

    return solve
