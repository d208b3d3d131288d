"""The one solver layer: every optimization in healthalloc goes through HiGHS here.

Analyses build their model as arrays (a sparse constraint matrix, bounds, costs) and call
:func:`solve_lp` (DEA), :func:`solve_milp` (location models: integer columns, time limit,
reported gap) or :func:`solve_qp` (capacity re-allocation: a convex quadratic objective);
nothing else imports :mod:`highspy`.

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
