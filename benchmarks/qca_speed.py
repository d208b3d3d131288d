"""fsQCA speed: truth table and complex, parsimonious and intermediate solutions.

Data: the two files R ``QCA`` 3.23 was timed on (``timing_qca_data_k10_n200.csv``,
``_k14_n200.csv``: 200 cases, conditions ``C1…Ck`` ~ Beta(0.4, 0.4), outcome
``Y = max(min(C1, C2), min(C3, C4))``) and the same rule drawn here, seeded, with k = 20
(and k = 16 unless ``--quick``). Settings: ``incl_cut = 0.8``, ``pri_cut = 0.5``,
directional expectations "present" for every condition. Target: ``solve`` (all three
solutions) under 0.5 s on the two R files.

Methods, side by side in the same run:

* healthalloc: ``truth_table`` then ``minimize`` (complex), ``minimize`` (parsimonious)
  and the intermediate models, each timed, and ``solve`` (all three) as the total;
* ``setqca`` (PyPI, benchmark environment only): ``FSQCA(...).fit`` builds the complete
  truth table and minimizes the three solution types with classical Quine–McCluskey over
  all remainders. It runs in a subprocess stopped after ``--budget`` seconds.

R ``QCA``'s times are quoted from shared/data/SOURCES.md (not re-measured here): truth
table about 0.2 s; parsimonious 16 s (k = 10) and 44 s (k = 14); complex did not finish
in 200 s. The ``note`` column says whether setqca found the same models as healthalloc
(setqca keeps, among tied minimal covers, only those with the fewest literals, so a
subset is expected where R ``QCA`` reports several models).

    python benchmarks/qca_speed.py [--quick] [--budget 150] [--repeats 5]
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TITLE = "fsQCA speed: truth table, complex, parsimonious and intermediate solutions"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import SHARED_BENCHMARKS, package_version  # noqa: E402  (the harness: benchmarks/run.py)

HERE = Path(__file__).resolve().parent
REAL = SHARED_BENCHMARKS
REAL_FILES = ("timing_qca_data_k10_n200.csv", "timing_qca_data_k14_n200.csv")
#: Seed and sizes of the generated data sets (numpy default_rng).
SEED = 20240917
GENERATED_K = (16, 20)
QUICK_GENERATED_K = (20,)
N_CASES = 200
INCL_CUT, PRI_CUT = 0.8, 0.5
#: Seconds ``solve`` may take on each R timing file.
TARGET_S = 0.5
REPEATS = 5
#: R QCA 3.23 seconds from SOURCES.md (None: did not finish in 200 s).
R_QCA = {
    "timing_qca_data_k10_n200.csv": {"truth table": 0.2, "parsimonious": 16.0, "complex": None},
    "timing_qca_data_k14_n200.csv": {"truth table": 0.2, "parsimonious": 44.0, "complex": None},
}
KINDS = ("complex", "parsimonious", "intermediate")


def make_data(k: int, n: int = N_CASES, seed: int = SEED) -> pd.DataFrame:
    """The rule of the R timing files: Beta(0.4, 0.4) rounded to 3 decimals, 0.5 → 0.501."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.beta(0.4, 0.4, size=(n, k)), 3)
    X[X == 0.5] = 0.501
    df = pd.DataFrame(X, columns=[f"C{j + 1}" for j in range(k)])
    df["Y"] = np.maximum(np.minimum(X[:, 0], X[:, 1]), np.minimum(X[:, 2], X[:, 3]))
    return df


@dataclass
class Row:
    dataset: str
    k: int
    method: str
    label: str
    version: str = ""
    mode: str = "full"
    repeats: int = 0
    median_s: float = float("nan")
    ratio: float = float("nan")
    models: str = ""
    status: str = "ok"
    note: str = ""



def _models(expressions) -> list[list[str]]:
    """Models as sorted lists of term strings (order-free comparison)."""
    return sorted(sorted(e.split(" + ")) for e in expressions)


# --------------------------------------------------------------------------- healthalloc


def _healthalloc(df: pd.DataFrame, repeats: int) -> tuple[dict[str, float], dict[str, list]]:
    """Median seconds per step and the models found (expressions per solution type)."""
    from healthalloc.qca.solutions import minimize, solve
    from healthalloc.qca.truthtable import truth_table

    X, Y = df.drop(columns="Y"), df["Y"]
    dir_exp = dict.fromkeys(X.columns, 1)
    steps: dict[str, list[float]] = {s: [] for s in ("truth table", *KINDS, "all (solve)")}
    # the intermediate step is minimize(..., dir_exp=...): it includes its parsimonious models
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        tt = truth_table(X, Y, incl_cut=INCL_CUT, pri_cut=PRI_CUT)
        t1 = time.perf_counter()
        minimize(tt, include_remainders=False)
        t2 = time.perf_counter()
        minimize(tt, include_remainders=True)
        t3 = time.perf_counter()
        minimize(tt, include_remainders=True, dir_exp=dir_exp)
        t4 = time.perf_counter()
        sol = solve(truth_table(X, Y, incl_cut=INCL_CUT, pri_cut=PRI_CUT), dir_exp=dir_exp)
        t5 = time.perf_counter()
        for step, dt in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            steps[step].append(dt)
    found = {kind: _models(m.expression for m in getattr(sol, kind)) for kind in KINDS}
    return {s: float(np.median(v)) for s, v in steps.items()}, found


# --------------------------------------------------------------------------- setqca


def _setqca_worker(path: str) -> None:
    """Subprocess body: fit setqca on ``path``, print seconds and models as JSON."""
    from setqca import FSQCA

    df = pd.read_csv(path)
    conds = [c for c in df.columns if c != "Y"]
    t0 = time.perf_counter()
    res = FSQCA(consistency=INCL_CUT, pri=PRI_CUT,
                directional_expectations=dict.fromkeys(conds, "+")).fit(df, outcome="Y", conditions=conds)
    seconds = time.perf_counter() - t0
    found = {ours: _models(s.expression(res.conditions) for s in res.solutions(theirs))
             for ours, theirs in zip(KINDS, ("conservative", "parsimonious", "intermediate"))}
    print(json.dumps({"seconds": seconds, "models": found}))


def _setqca(path: Path, budget: float) -> tuple[float | None, dict | None, str]:
    """(seconds, models, status) of one setqca run in a subprocess limited to ``budget`` s."""
    try:
        done = subprocess.run([sys.executable, __file__, "--setqca-worker", str(path)],
                              capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired:
        return None, None, f"did not finish in {budget:g} s (stopped)"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        status = "not installed" if "No module named 'setqca'" in last else f"failed ({last[:150]})"
        return None, None, status
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["seconds"], out["models"], "ok"


def _agreement(ours: dict, theirs: dict) -> str:
    parts = []
    for kind in KINDS:
        a = {tuple(m) for m in ours[kind]}
        b = {tuple(m) for m in theirs[kind]}
        word = ("same" if a == b else f"subset ({len(b)} of {len(a)})" if b < a
                else f"differs ({len(b)} vs {len(a)} models)")
        parts.append(f"{kind}: {word}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- run


def _datasets(opts) -> list[tuple[str, pd.DataFrame, Path | None]]:
    out = []
    if not getattr(opts, "no_real", False):
        out += [(name, pd.read_csv(REAL / name), REAL / name) for name in REAL_FILES if (REAL / name).exists()]
    ks = QUICK_GENERATED_K if opts.quick else GENERATED_K
    out += [(f"generated k={k} n={N_CASES}", make_data(k), None) for k in ks]
    return out


def run(opts, log=print) -> dict:
    """Run the fsQCA benchmark; returns ``{"table": DataFrame, "checks": [...], "notes": [...]}``."""
    repeats = opts.repeats or REPEATS
    methods = opts.methods or ["healthalloc", "setqca"]
    rows: list[Row] = []
    checks: list[str] = []
    version = package_version("healthalloc")
    _healthalloc(make_data(6, 40, seed=1), 1)  # warm-up: imports, first numpy calls
    with tempfile.TemporaryDirectory() as tmp:
        for name, df, path in _datasets(opts):
            k = df.shape[1] - 1
            log(f"  {name} ({len(df)} cases, {k} conditions)")
            times, ours = _healthalloc(df, repeats)
            total = times["all (solve)"]
            for step, seconds in times.items():
                rows.append(Row(name, k, f"healthalloc {step}", f"healthalloc {step}", version,
                                repeats=repeats, median_s=seconds, ratio=seconds / total,
                                models=json.dumps(ours[step]) if step in KINDS else ""))
                log(f"    healthalloc {step:<14} {seconds:8.3f} s")
            pars = ours["parsimonious"]
            found = f"{'= C1*C2 + C3*C4 only' if pars == [['C1*C2', 'C3*C4']] else f'= {pars}'}"
            if name not in R_QCA:
                checks.append(f"{name}: healthalloc all three solutions in {total:.2f} s (R QCA derives "
                              f"no intermediate solution beyond 19 conditions); parsimonious {found}")
            else:
                checks.append(f"{name}: healthalloc all three solutions in {total:.2f} s "
                              f"(target < {TARGET_S:g} s): {'MET' if total < TARGET_S else 'NOT MET'}; "
                              f"parsimonious {found}")
                for step, seconds in R_QCA[name].items():
                    rows.append(Row(name, k, f"R QCA {step}", f"R QCA 3.23 {step} (SOURCES.md)", "3.23",
                                    mode="reference, not re-measured",
                                    median_s=float("nan") if seconds is None else seconds,
                                    ratio=float("nan") if seconds is None else seconds / total,
                                    status="ok" if seconds is not None else "did not finish in 200 s"))
            if "setqca" in methods:
                if path is None:
                    path = Path(tmp) / f"{name.replace(' ', '_')}.csv"
                    df.to_csv(path, index=False)
                seconds, theirs, status = _setqca(path, opts.budget)
                row = Row(name, k, "setqca", "setqca FSQCA.fit (all three)", package_version("setqca"),
                          repeats=1, status=status)
                if seconds is not None:
                    row.median_s, row.ratio = seconds, seconds / total
                    row.note = _agreement(ours, theirs)
                rows.append(row)
                log(f"    setqca FSQCA.fit     {row.median_s:8.3f} s  {status}  {row.note}")
    table = pd.DataFrame([asdict(r) for r in rows])
    notes = ["setqca keeps only the tied minimal covers with the fewest literals (at most 256); "
             "R QCA and healthalloc report every cover with the fewest prime implicants.",
             "R QCA figures are quoted from shared/data/SOURCES.md, measured on the same class of "
             "machine (2 cores), not re-measured here."]
    return {"table": table, "checks": checks, "notes": notes}


if __name__ == "__main__":  # same as: python benchmarks/run.py qca [options]
    import run as harness

    sys.exit(harness.main(["qca", *sys.argv[1:]]))
