"""DEA speed: input-oriented CRS radial scores for every unit, healthalloc against peers.

Every method answers the same question -- the Farrell input efficiency θ of each unit
against the CRS technology spanned by all n units (no slacks) -- so the times compare
like with like and the scores can be checked against each other:

* ``healthalloc.efficiency.dea(df, ..., slacks=False)``   the table API users call;
* ``healthalloc.efficiency.models.radial(...).score``     the array API under it
  (the difference is the table overhead: validation, result frames, peers);
* a plain ``scipy.optimize.linprog(method="highs")`` loop, one LP per unit over all n
  columns (what most DEA scripts do);
* a plain ``highspy`` loop: one model built once, θ's coefficients and the output-row
  bounds changed per unit, re-run (the natural hand-written HiGHS version);
* the PyPI peers ``pyDEA``, ``Pyfrontier`` and ``deapack``, each through its own
  CRS input-oriented radial model (installed only in the benchmark environment).

Beside them, ``dea()`` with its defaults (slacks; for VRS also scale efficiency) under VRS
and under CRS on the same data, at ``RTS_SIZES`` units (method key ``vrs_vs_crs``): the
target is VRS within 2× of CRS.

Slow methods are bounded: a method whose full run is estimated to take longer than
``--budget`` seconds is timed on the first k units (each still evaluated against all n
units) and its full time extrapolated linearly as ``setup + n × per-unit``; such rows
say so in the ``mode`` column.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import SHARED_BENCHMARKS, package_version  # noqa: E402  (the harness: benchmarks/run.py)

TITLE = "DEA speed: CRS input-oriented radial scores, all units; VRS beside CRS"

#: Seed of the synthetic data sets (numpy default_rng).
SEED = 20240917
#: Synthetic sizes of a full run and of ``--quick``.
SIZES = (1_000, 5_000, 20_000)
QUICK_SIZES = (1_000,)
#: Sizes of the VRS-beside-CRS rows (``--sizes`` replaces them too) and of ``--quick``.
RTS_SIZES = (20_000, 100_000)
QUICK_RTS_SIZES = (5_000,)
#: Method key of those rows for ``--methods``.
RTS_KEY = "vrs_vs_crs"
#: The data R ``Benchmarking`` was timed on (3.5 s for these 3,000 units).
REAL_FILE = SHARED_BENCHMARKS / "timing_dea_data_n3000.csv"
R_BENCHMARKING_SECONDS = 3.5
INPUTS = ["x1", "x2"]
OUTPUTS = ["y1", "y2"]
#: Repeats of the fast methods (median reported); slow methods get fewer.
REPEATS = 5
#: Units of the first, short probe of a slow method.
PROBE_UNITS = 10


# --------------------------------------------------------------------------- data


def make_data(n: int, seed: int = SEED) -> pd.DataFrame:
    """n units, inputs x ~ U(1, 100), outputs y_r = x_r^0.5 · exp(−|N(0, 0.3)|)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.0, 100.0, size=(n, 2))
    Y = np.sqrt(X) * np.exp(-np.abs(rng.normal(0.0, 0.3, size=(n, 2))))
    df = pd.DataFrame(np.c_[X, Y], columns=INPUTS + OUTPUTS)
    df.index = pd.Index([f"u{i}" for i in range(n)], name="unit")
    return df


@dataclass
class Dataset:
    name: str
    df: pd.DataFrame

    @property
    def X(self) -> np.ndarray:
        return self.df[INPUTS].to_numpy(float)

    @property
    def Y(self) -> np.ndarray:
        return self.df[OUTPUTS].to_numpy(float)

    @property
    def n(self) -> int:
        return len(self.df)


# --------------------------------------------------------------------------- methods
#
# Each method is ``run(ds, k) -> scores``: θ of the first k units, each against all n
# units (``k=None``: all units through the library's ordinary entry point). All set-up
# (model building, data conversion) happens inside and is timed.


def _healthalloc_table(ds: Dataset, k=None):
    from healthalloc.efficiency import dea

    res = dea(ds.df, INPUTS, OUTPUTS, rts="crs", orientation="input", slacks=False)
    return res.efficiency.to_numpy()


def _healthalloc_table_slacks(ds: Dataset, k=None):
    from healthalloc.efficiency import dea

    res = dea(ds.df, INPUTS, OUTPUTS, rts="crs", orientation="input", slacks=True)
    return res.efficiency.to_numpy()


def _healthalloc_table_1blas(ds: Dataset, k=None):
    """dea() with the BLAS pool (numpy's OpenBLAS) limited to one thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _healthalloc_table(ds)


def _healthalloc_array(ds: Dataset, k=None):
    from healthalloc.efficiency.models import radial

    X, Y = ds.X, ds.Y
    return radial(X, Y, X, Y, rts="crs", orientation="input", slacks=False).score


def _linprog_loop(ds: Dataset, k=None):
    """min θ  s.t.  Σ_j λ_j x_j ≤ θ x_o,  Σ_j λ_j y_j ≥ y_o,  λ ≥ 0 — one linprog per unit."""
    from scipy.optimize import linprog

    X, Y = ds.X, ds.Y
    n, m = X.shape
    s = Y.shape[1]
    k = n if k is None else k
    c = np.zeros(n + 1)
    c[0] = 1.0
    A = np.zeros((m + s, n + 1))
    A[:m, 1:] = X.T
    A[m:, 1:] = -Y.T
    b = np.zeros(m + s)
    bounds = [(None, None)] + [(0, None)] * n
    theta = np.empty(k)
    for o in range(k):
        A[:m, 0] = -X[o]
        b[m:] = -Y[o]
        res = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs")
        if res.status != 0:
            raise RuntimeError(f"linprog failed for unit {o}: {res.message}")
        theta[o] = res.fun
    return theta


def _highspy_loop(ds: Dataset, k=None):
    """One highspy model; per unit change θ's column and the output-row bounds, re-run."""
    import highspy

    X, Y = ds.X, ds.Y
    n, m = X.shape
    s = Y.shape[1]
    k = n if k is None else k
    inf = highspy.kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # columns: θ, λ_1..λ_n; rows: m inputs (≤ 0), s outputs (≥ y_o)
    A = np.zeros((m + s, n + 1))
    A[:m, 0] = -X[0]
    A[:m, 1:] = X.T
    A[m:, 1:] = Y.T
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n + 1, m + s
    lp.col_cost_ = np.r_[1.0, np.zeros(n)]
    lp.col_lower_ = np.r_[-inf, np.zeros(n)]
    lp.col_upper_ = np.full(n + 1, inf)
    lp.row_lower_ = np.r_[np.full(m, -inf), Y[0]]
    lp.row_upper_ = np.r_[np.zeros(m), np.full(s, inf)]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, (n + 2) * (m + s), m + s, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(m + s, dtype=np.int32), n + 1)
    lp.a_matrix_.value_ = A.T.ravel()
    h.passModel(lp)
    theta = np.empty(k)
    for o in range(k):
        for i in range(m):
            h.changeCoeff(i, 0, -X[o, i])
        for r in range(s):
            h.changeRowBounds(m + r, Y[o, r], inf)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS: {h.modelStatusToString(h.getModelStatus())} for unit {o}")
        theta[o] = h.getInfo().objective_function_value
    return theta


def _pydea(ds: Dataset, k=None):
    """pyDEA 1.6: envelopment model (CRS, input), solved with pulp's default CBC per unit.

    pyDEA pickles every unit's λ into ``./tmp/``, so it runs in a temporary directory.
    """
    with tempfile.TemporaryDirectory(prefix="bench-pydea-") as work, contextlib.chdir(work):
        return _pydea_run(ds, k)


def _pydea_run(ds: Dataset, k):
    from pyDEA.core.data_processing.input_data import InputData
    from pyDEA.core.data_processing.parameters import Parameters
    from pyDEA.core.utils.model_factory import add_input_and_output_categories, create_model

    import pulp

    if pulp.LpSolverDefault is not None:  # keep CBC's log off the terminal
        pulp.LpSolverDefault.msg = False
    params = Parameters()
    # Parameters.update_parameter() (and the parameter-file reader behind pyDEA's GUI and
    # command line) validate values with the regex r'\S.*|(?iLmsux)', which Python >= 3.7
    # rejects ("bad inline flags: cannot use 'L' flag with a str pattern"); so the values
    # are set directly, exactly as update_parameter would store them.
    params.params.update({
        "DEA_FORM": "env", "RETURN_TO_SCALE": "CRS", "ORIENTATION": "input",
        "INPUT_CATEGORIES": "; ".join(INPUTS), "OUTPUT_CATEGORIES": "; ".join(OUTPUTS),
    })
    data = InputData()
    values = ds.df[INPUTS + OUTPUTS]
    for name, row in zip(values.index, values.to_numpy(float)):
        for cat, v in zip(INPUTS + OUTPUTS, row):
            data.add_coefficient(str(name), cat, float(v))
    add_input_and_output_categories(params, data)
    model = create_model(params, data)
    codes = data.DMU_codes_in_added_order
    if k is None:
        sol = model.run()
    else:  # the body of ModelBase.run() for the first k units only
        model._create_lp()
        sol = model._create_solution()
        codes = codes[:k]
        for code in codes:
            model.run_for_one_DMU(code, sol)
    return np.array([sol.get_efficiency_score(c) for c in codes])


def _pyfrontier(ds: Dataset, k=None):
    """Pyfrontier 1.1.1: EnvelopDEA("CRS", "in"); it always solves a slack LP too."""
    if k is None:
        from Pyfrontier.frontier_model import EnvelopDEA

        model = EnvelopDEA("CRS", "in")
        model.fit(ds.X, ds.Y)
        return np.array([r.score for r in model.results])
    # the body of EnvelopDEA.fit for the first k units only (n_jobs=1 does exactly this)
    from Pyfrontier.domain import DMUSet
    from Pyfrontier.solver import EnvelopeSolver

    solver = EnvelopeSolver("in", "CRS", DMUSet(ds.X, ds.Y, np.nan), [], n_jobs=1)
    return np.array([solver._solve_problem(o).score for o in range(k)])


class _FirstUnits:
    """A ``deapack.DEAData`` whose evaluation loop stops after the first k units.

    deapack's ``RadialDEA`` loops ``for observation in range(data.n_dmus)`` and gets
    each unit's reference set from ``build_reference_plan(data)``; the plan is built from
    the full data (patched below), so every unit is still evaluated against all n. The
    scores equal those of the first k units of a full ``fit`` (checked in the README).
    """

    def __init__(self, data, k):
        self._full, self._k = data, k

    @property
    def n_dmus(self):
        return self._k

    def __getattr__(self, name):
        return getattr(self._full, name)


def _deapack(ds: Dataset, k=None):
    """deapack 2.0.1: RadialDEA(orientation="input", returns_to_scale="crs", compute_slacks=False)."""
    from deapack import DEAData
    from deapack.models import radial as dr

    data = DEAData.from_frame(ds.df.reset_index(), inputs=INPUTS, outputs=OUTPUTS, dmu="unit")
    model = dr.RadialDEA(orientation="input", returns_to_scale="crs", compute_slacks=False)
    if k is None:
        res = model.fit(data)
        return res.summary_frame["efficiency"].to_numpy(float)
    orig = dr.build_reference_plan

    def plan_on_all_units(d, *a, **kw):
        plan = orig(d._full, *a, **kw)
        return dataclasses.replace(plan, base_size_by_observation=plan.base_size_by_observation[:k])

    dr.build_reference_plan = plan_on_all_units
    try:
        res = model.fit(_FirstUnits(data, k))
    finally:
        dr.build_reference_plan = orig
    return res.summary_frame["efficiency"].to_numpy(float)[:k]


@dataclass(frozen=True)
class Method:
    key: str
    label: str
    run: Callable
    slow: bool  # bounded by the budget, timed on a subset when needed
    package: str | None = None  # distribution name of a peer, for its version
    note: str = ""


METHODS = (
    Method("healthalloc", "healthalloc dea() [table API]", _healthalloc_table, False,
           "healthalloc"),
    Method("healthalloc_array", "healthalloc models.radial() [array API]", _healthalloc_array,
           False, "healthalloc"),
    Method("healthalloc_1blas", "healthalloc dea() [1 BLAS thread]", _healthalloc_table_1blas,
           False, "threadpoolctl", "threadpoolctl.threadpool_limits(1, 'blas') around dea(); "
           "version column is threadpoolctl's"),
    Method("healthalloc_slacks", "healthalloc dea(slacks=True) [+ phase-2 slacks]",
           _healthalloc_table_slacks, False, "healthalloc",
           "for reference: also solves the max-slack phase, as Pyfrontier always does"),
    Method("highspy_loop", "plain highspy loop (1 model, re-run per unit)", _highspy_loop,
           True, "highspy"),
    Method("linprog_loop", "plain scipy linprog(method='highs') loop", _linprog_loop, True,
           "scipy"),
    Method("deapack", "deapack RadialDEA (CRS, input, no slacks)", _deapack, True, "deapack"),
    Method("pyfrontier", "Pyfrontier EnvelopDEA('CRS','in')", _pyfrontier, True,
           "pyfrontier", "pulp + CBC subprocess, 2 LPs per unit (score + slacks, no option "
           "to skip); scores rounded to 6 decimals"),
    Method("pydea", "pyDEA 1.6 envelopment (CRS, input)", _pydea, True, "pyDEA",
           "its parameter API fails on Python 3.11 (re.error: bad inline flags: cannot use "
           "'L' flag with a str pattern), bypassed by setting the parameters dict; "
           "pulp + CBC subprocess per unit (pulp's default solver, log off)"),
)
REFERENCE = "healthalloc"


# --------------------------------------------------------------------------- timing



@contextlib.contextmanager
def _quiet():
    """Silence Python warnings and C-level stdout/stderr chatter of the solvers."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with open(os.devnull, "w") as null, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (CBC runs as one)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(fn, *args, cpu_log: list | None = None):
    gc.collect()
    with _quiet():
        c0 = _cpu()
        t0 = time.perf_counter()
        out = fn(*args)
        t = time.perf_counter() - t0
        c = _cpu() - c0
    if cpu_log is not None:
        cpu_log.append(c)
    return t, np.asarray(out, dtype=float)


def _describe(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0][:200] if msg else ''}".rstrip(": ")


@dataclass
class Row:
    dataset: str
    n: int
    method: str
    label: str
    version: str
    mode: str = ""
    units_timed: int = 0
    repeats: int = 0
    median_s: float = float("nan")
    cpu_s: float = float("nan")
    ratio: float = float("nan")
    max_abs_diff: float = float("nan")
    status: str = "ok"
    note: str = ""


def _time_method(meth: Method, ds: Dataset, opts, ref: np.ndarray | None, log):
    """Time one method on one data set; returns the row and the scores it computed."""
    row = Row(ds.name, ds.n, meth.key, meth.label, package_version(meth.package))
    n = ds.n
    scores = np.array([])
    try:
        if not meth.slow:
            reps = opts.repeats or (REPEATS if n <= 5_000 else 3)
            times, cpu = [], []
            for _ in range(reps):
                t, scores = _timed(meth.run, ds, None, cpu_log=cpu)
                times.append(t)
            row.mode, row.units_timed, row.repeats = "full", n, reps
            row.median_s, row.cpu_s = float(np.median(times)), float(np.median(cpu))
        else:
            k0 = min(PROBE_UNITS, n)
            cpu0: list = []
            t0, scores = _timed(meth.run, ds, k0, cpu_log=cpu0)
            est = t0 / k0 * n
            log(f"    probe {meth.key}: {k0} units in {t0:.2f} s -> full run ~{est:.0f} s")
            if est <= opts.budget:
                reps = opts.repeats or (3 if est < 10 else 1)
                times, cpu = [], []
                for _ in range(reps):
                    t, scores = _timed(meth.run, ds, None, cpu_log=cpu)
                    times.append(t)
                row.mode, row.units_timed, row.repeats = "full", n, reps
                row.median_s, row.cpu_s = float(np.median(times)), float(np.median(cpu))
            else:
                # first k units against all n, k limited so the subset takes ≲ subset_budget
                k = int(min(opts.subset, n, max(k0, opts.subset_budget / (t0 / k0))))
                if k > k0:
                    reps = 3 if t0 / k0 * k < 5 else 1
                    times, cpu = [], []
                    for _ in range(reps):
                        t, scores = _timed(meth.run, ds, k, cpu_log=cpu)
                        times.append(t)
                    tk = float(np.median(times))
                    per_unit = max((tk - t0) / (k - k0), 0.0)
                    setup = max(t0 - k0 * per_unit, 0.0)
                    row.median_s = setup + n * per_unit
                    ck = float(np.median(cpu))
                    cpu_unit = max((ck - cpu0[0]) / (k - k0), 0.0)
                    row.cpu_s = max(cpu0[0] - k0 * cpu_unit, 0.0) + n * cpu_unit
                    row.mode = (f"extrapolated: first {k} units vs all {n} in {tk:.2f} s "
                                f"(setup {setup:.2f} s + {per_unit * 1e3:.2f} ms/unit)")
                else:
                    k, reps, tk = k0, 1, t0
                    row.median_s = t0 / k0 * n
                    row.cpu_s = cpu0[0] / k0 * n
                    row.mode = f"extrapolated: first {k} units vs all {n} in {tk:.2f} s"
                row.units_timed, row.repeats = k, reps
        if ref is not None and len(scores):
            if not np.all(np.isfinite(scores)):
                row.note = "non-finite scores returned"
            row.max_abs_diff = float(np.nanmax(np.abs(scores - ref[: len(scores)])))
        if meth.note:
            row.note = "; ".join(filter(None, [row.note, meth.note]))
    except ModuleNotFoundError as exc:
        row.status = f"not installed ({_describe(exc)})"
    except Exception as exc:  # a peer that cannot run is reported, never fatal
        row.status = f"failed ({_describe(exc)})"
        if opts.verbose:
            traceback.print_exc()
    return row, scores


def _datasets(opts) -> list[Dataset]:
    sizes = opts.sizes if opts.sizes else (QUICK_SIZES if opts.quick else SIZES)
    out = [Dataset(f"synthetic n={n}", make_data(n)) for n in sizes]
    if not opts.no_real and REAL_FILE.exists():
        df = pd.read_csv(REAL_FILE)
        df.index = pd.Index([f"u{i}" for i in range(len(df))], name="unit")
        out.append(Dataset(REAL_FILE.name, df[INPUTS + OUTPUTS]))
    return sorted(out, key=lambda d: d.n)


def _dea_defaults(rts: str) -> Callable:
    def run(ds: Dataset, k=None):
        from healthalloc.efficiency import dea

        return dea(ds.df, INPUTS, OUTPUTS, rts=rts, progress=False).efficiency.to_numpy()

    return run


def vrs_beside_crs(opts, log=print) -> list[Row]:
    """``dea()`` with its defaults (input orientation, slacks; VRS adds scale efficiency)
    under CRS and under VRS on the same data; ``ratio`` is VRS time / CRS time."""
    sizes = opts.sizes or (QUICK_RTS_SIZES if opts.quick else RTS_SIZES)
    with _quiet():
        _dea_defaults("vrs")(Dataset("warm-up", make_data(300, seed=1)))
    rows = []
    for n in sizes:
        ds = Dataset(f"synthetic n={n}, VRS vs CRS", make_data(n))
        log(f"  {ds.name}")
        crs_s = float("nan")
        for rts in ("crs", "vrs"):
            extra = ", scale efficiency" if rts == "vrs" else ""
            row = Row(ds.name, n, f"healthalloc_{rts}_defaults",
                      f"healthalloc dea(rts='{rts}') [slacks{extra}]", package_version("healthalloc"))
            try:
                reps = opts.repeats or (3 if n <= 20_000 else 1)
                times, cpu = [], []
                for _ in range(reps):
                    times.append(_timed(_dea_defaults(rts), ds, cpu_log=cpu)[0])
                row.mode, row.units_timed, row.repeats = "full", n, reps
                row.median_s, row.cpu_s = float(np.median(times)), float(np.median(cpu))
            except Exception as exc:  # reported in the table, never fatal
                row.status = f"failed ({_describe(exc)})"
            crs_s = row.median_s if rts == "crs" else crs_s
            row.ratio = row.median_s / crs_s
            rows.append(row)
            log(f"    {row.method:<24} {row.median_s:10.3f} s  cpu {row.cpu_s:8.2f} s  "
                f"x{row.ratio:5.2f}  {row.status}")
    return rows


def run(opts, log=print) -> dict:
    """Run the DEA benchmark; returns ``{"table": DataFrame, "notes": [...], "checks": [...]}``."""
    methods = [m for m in METHODS if not opts.methods or m.key in opts.methods]
    if REFERENCE not in {m.key for m in methods}:
        methods.insert(0, next(m for m in METHODS if m.key == REFERENCE))
    # warm up imports and HiGHS once per method, so no timing pays for them
    # (a failure here is ignored: the timed runs report it)
    warm = Dataset("warm-up", make_data(60, seed=1))
    for meth in methods:
        with contextlib.suppress(Exception), _quiet():
            meth.run(warm, None if not meth.slow else 3)
    rows: list[Row] = []
    if not opts.no_real and not REAL_FILE.exists():
        log(f"  {REAL_FILE} not found: the real data set is skipped")
    for ds in _datasets(opts):
        log(f"  {ds.name} ({ds.n} units, {len(INPUTS)} inputs, {len(OUTPUTS)} outputs)")
        ref = None
        ref_time = float("nan")
        for meth in methods:
            row, scores = _time_method(meth, ds, opts, ref, log)
            if meth.key == REFERENCE and row.status == "ok":
                ref, ref_time = scores, row.median_s
                row.max_abs_diff = 0.0
            row.ratio = row.median_s / ref_time if row.status == "ok" else float("nan")
            rows.append(row)
            log(f"    {meth.key:<20} {row.median_s:10.3f} s  x{row.ratio:9.1f}  "
                f"diff {row.max_abs_diff:.1e}  {row.status}  {row.mode if row.mode != 'full' else ''}")
    if not opts.methods or RTS_KEY in opts.methods:
        rows += vrs_beside_crs(opts, log)
    table = pd.DataFrame([r.__dict__ for r in rows])
    return {"table": table, "checks": _targets(table), "notes": _notes(table)}


def _targets(table: pd.DataFrame) -> list[str]:
    """The targets of benchmarks/README.md, checked against this run."""
    out = []

    def get(dataset_prefix, method):
        sel = table[table.dataset.str.startswith(dataset_prefix) & (table.method == method)
                    & (table.status == "ok")]
        return sel.iloc[0] if len(sel) else None

    ha, lp = get("synthetic n=5000", REFERENCE), get("synthetic n=5000", "linprog_loop")
    if ha is not None and lp is not None:
        r = lp.median_s / ha.median_s
        out.append(f"n=5,000: {r:.0f}x faster than the plain linprog loop "
                   f"(target >= 50x): {'MET' if r >= 50 else 'NOT MET'}")
    ha = get(REAL_FILE.name, REFERENCE)
    if ha is not None:
        out.append(f"{REAL_FILE.name}: {ha.median_s:.3f} s = "
                   f"{R_BENCHMARKING_SECONDS / ha.median_s:.1f}x faster than R Benchmarking's "
                   f"{R_BENCHMARKING_SECONDS} s (target <= 0.35 s): "
                   f"{'MET' if ha.median_s <= 0.35 else 'NOT MET'}")
    one = get(REAL_FILE.name, "healthalloc_1blas")
    if one is not None:
        out.append(f"{REAL_FILE.name} with 1 BLAS thread: {one.median_s:.3f} s = "
                   f"{R_BENCHMARKING_SECONDS / one.median_s:.1f}x faster than R Benchmarking")
    ha = get("synthetic n=20000", REFERENCE)
    if ha is not None:
        out.append(f"n=20,000: {ha.median_s:.2f} s (target < 20 s on 2 cores): "
                   f"{'MET' if ha.median_s < 20 else 'NOT MET'}")
    for n in table.loc[table.method == "healthalloc_vrs_defaults", "n"]:
        crs, vrs = (get(f"synthetic n={n}, VRS vs CRS", f"healthalloc_{r}_defaults")
                    for r in ("crs", "vrs"))
        if crs is not None and vrs is not None:
            cpu = vrs.cpu_s / crs.cpu_s
            out.append(f"n={n:,}: VRS dea() {vrs.ratio:.2f}x CRS in wall time ({vrs.median_s:.1f} "
                       f"s), {cpu:.2f}x in CPU time (target <= 2x): "
                       f"{'MET' if max(vrs.ratio, cpu) <= 2 else 'NOT MET'}")
    return out


def _notes(table: pd.DataFrame) -> list[str]:
    notes = []
    bad = table[table.status != "ok"].drop_duplicates("method")
    for _, r in bad.iterrows():
        notes.append(f"{r.label}: {r.status}")
    off = table[(table.status == "ok") & (table.max_abs_diff > 1e-6)]
    for _, r in off.iterrows():
        notes.append(f"{r.label} on {r.dataset}: scores differ from healthalloc by up to "
                     f"{r.max_abs_diff:.2e}")
    return notes
