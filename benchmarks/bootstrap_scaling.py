"""DEA bootstrap speed: the Simar–Wilson bootstrap of issue 22, whole processes and in process.

Input-oriented VRS, seed 1, on Cooper, Seiford & Tone's 12 hospitals (``cst_hospitals``)
and on synthetic units of ``dea_speed.py`` (2 inputs, 2 outputs; n = 300 and 3,000):

* ``cli``: ``healthalloc dea FILE --rts vrs --bootstrap 2000 --seed 1 --quiet -o OUT`` as a new
  process (Python start-up and imports included), serial and with ``--engine processes
  --workers 2``; beside it R ``Benchmarking::dea.boot(X, Y, NREP = 2000, RTS = "vrs",
  ORIENTATION = "in")`` as an ``Rscript`` process reading the same CSV, where ``Rscript``
  and the Benchmarking package are installed (otherwise the row says so);
* ``in process``: ``dea_bootstrap(..., rts="vrs", n_boot=2000, seed=1)`` after a warm-up,
  serial and on 1 and 2 worker processes (pool start included); at 3,000 units 200
  replications, scaled to 2,000 (``mode`` says so).

``median s`` is the median wall time, ``cpu s`` the median CPU time of the process and its
children; ``ratio`` is a row's time over the serial healthalloc row of its data and kind.
The replicates of every engine must be identical (``max |Δ|`` = 0).

    python benchmarks/bootstrap_scaling.py [--quick] [--repeats 3] [--sizes 300,3000]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dea_speed import INPUTS, OUTPUTS, make_data  # noqa: E402
from run import Row, package_version  # noqa: E402  (the harness: benchmarks/run.py)

TITLE = "DEA bootstrap (Simar–Wilson, VRS input, 2,000 replications): whole processes and in process, beside R"

N_BOOT, QUICK_N_BOOT = 2_000, 200
#: Replications timed at sizes above this (then scaled to N_BOOT).
SCALED_ABOVE, SCALED_N_BOOT = 1_000, 200
SIZES = (300, 3_000)
REPEATS = 3
SEED = 1
HOSPITALS = ("cst_12_hospitals", "hospital", ["doctors", "nurses"], ["outpatients", "inpatients"])
#: Targets of issue 22 (seconds): whole process, and the bootstrap in process.
TARGETS = {("cst_12_hospitals", "cli"): 1.5, ("cst_12_hospitals", "in process"): 0.3,
           ("synthetic n=300", "cli"): 15.0}
#: What issue 22 measured for R Benchmarking 0.33 (lpSolveAPI) on this machine kind, whole
#: processes: for the notes only, never as a measurement of this run.
R_ISSUE_SECONDS = {"cst_12_hospitals": 1.9, "synthetic n=300": 155.0}
R_SCRIPT = """\
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(Benchmarking))
d <- read.csv(args[1])
X <- as.matrix(d[, strsplit(args[2], ",")[[1]]])
Y <- as.matrix(d[, strsplit(args[3], ",")[[1]]])
set.seed(1)
b <- dea.boot(X, Y, NREP = as.integer(args[4]), RTS = "vrs", ORIENTATION = "in")
write.csv(data.frame(bias_corrected = b$eff.bc), args[5], row.names = FALSE)
"""


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(func, repeats: int):
    """(median wall s, median CPU s, last result) of ``func()`` over ``repeats`` runs."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        c0, t0 = _cpu(), time.perf_counter()
        out = func()
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
    return statistics.median(walls), statistics.median(cpus), out


def _r_available() -> str | None:
    """Why R cannot be timed, or None when ``Rscript`` loads Benchmarking."""
    if shutil.which("Rscript") is None:
        return "not installed (no Rscript)"
    probe = subprocess.run(["Rscript", "-e", "library(Benchmarking)"], capture_output=True, text=True)
    return None if probe.returncode == 0 else "not installed (Rscript without the Benchmarking package)"


def _datasets(sizes) -> list[tuple[str, str, list[str], list[str], pd.DataFrame]]:
    from healthalloc.data import load_cst_hospitals

    name, unit, xs, ys = HOSPITALS
    out = [(name, unit, xs, ys, load_cst_hospitals()[[unit, *xs, *ys]])]
    for n in sizes:
        out.append((f"synthetic n={n}", "unit", INPUTS, OUTPUTS, make_data(n).reset_index()))
    return out


def run(opts, log=print) -> dict:
    from healthalloc.efficiency import dea_bootstrap

    exe = str(Path(sys.executable).parent / "healthalloc")
    n_boot = QUICK_N_BOOT if opts.quick else N_BOOT
    repeats = opts.repeats or REPEATS
    wanted = set(opts.methods) if getattr(opts, "methods", None) else None
    r_missing = _r_available()
    rows = []

    def add(dataset, task, method, label, version, reps, wall, cpu, ref, mode="", diff=float("nan"),
            status="ok", note=""):
        rows.append(asdict(Row(dataset, task, method, label, version, reps, wall, wall / ref if ref else float("nan"),
                               diff, status, mode, note)) | {"cpu_s": cpu, "n_boot": n_boot})
        log(f"    {task:<10} {label:<44} {wall:9.2f} s  cpu {cpu:8.2f} s  {status} {mode}")

    with tempfile.TemporaryDirectory() as tmp:
        for dataset, unit, xs, ys, df in _datasets(opts.sizes or SIZES):
            n = len(df)
            log(f"  {dataset}: load average {os.getloadavg()[0]:.2f}")
            path = Path(tmp) / f"{dataset.replace(' ', '_').replace('=', '')}.csv"
            df.to_csv(path, index=False)
            scaled = n > SCALED_ABOVE
            boots = SCALED_N_BOOT if scaled else n_boot
            factor = n_boot / boots
            mode = f"{boots} replications × {factor:g}" if scaled else f"{boots} replications"
            # in process: serial, then 1 and 2 worker processes (pool start-up included)
            base = None
            dea_bootstrap(df.head(min(n, 60)), xs, ys, unit=unit, rts="vrs", n_boot=5, seed=SEED)  # warm-up
            for engine, workers in (("serial", None), ("processes", 1), ("processes", 2)):
                key = f"in_process_{engine}{workers or ''}"
                if wanted and key not in wanted:
                    continue
                wall, cpu, reps = _timed(lambda: dea_bootstrap(
                    df, xs, ys, unit=unit, rts="vrs", n_boot=boots, seed=SEED, progress=False, engine=engine,
                    workers=workers).replicates, 1 if scaled else repeats)
                base = base if base is not None else (wall * factor, reps)
                add(dataset, "in process", key, f"dea_bootstrap(engine={engine!r}"
                    + (f", workers={workers})" if workers else ")"), package_version("healthalloc"),
                    1 if scaled else repeats, wall * factor, cpu * factor, base[0], mode,
                    float(np.abs(reps - base[1]).max()))
            if scaled:
                continue
            # whole processes, as a user waits for them
            cli_base = None
            for extra, key in (([], "cli_serial"), (["--engine", "processes", "--workers", "2"], "cli_processes2")):
                if wanted and key not in wanted:
                    continue
                argv = [exe, "dea", str(path), "--unit", unit, "--inputs", ",".join(xs), "--outputs", ",".join(ys),
                        "--rts", "vrs", "--bootstrap", str(n_boot), "--seed", str(SEED), "--quiet",
                        "-o", str(Path(tmp) / f"{key}.csv"), "--overwrite", *extra]
                subprocess.run(argv, check=True, capture_output=True)  # untimed: the files in the page cache
                wall, cpu, _ = _timed(lambda: subprocess.run(argv, check=True, capture_output=True), repeats)
                cli_base = cli_base or wall
                add(dataset, "cli", key, "healthalloc dea --bootstrap " + " ".join(extra), package_version("healthalloc"),
                    repeats, wall, cpu, cli_base, f"{n_boot} replications, whole process")
            if wanted and "r_benchmarking" not in wanted:
                continue
            if r_missing:
                add(dataset, "cli", "r_benchmarking", "R Benchmarking::dea.boot (Rscript)", "", 0, float("nan"),
                    float("nan"), cli_base, status=r_missing)
                continue
            script = Path(tmp) / "boot.R"
            script.write_text(R_SCRIPT)
            argv = ["Rscript", str(script), str(path), ",".join(xs), ",".join(ys), str(n_boot),
                    str(Path(tmp) / "r.csv")]
            wall, cpu, _ = _timed(lambda: subprocess.run(argv, check=True, capture_output=True), repeats)
            r_bc = pd.read_csv(Path(tmp) / "r.csv")["bias_corrected"].mean()
            add(dataset, "cli", "r_benchmarking", "R Benchmarking::dea.boot (Rscript)", _r_version(), repeats,
                wall, cpu, cli_base, f"{n_boot} replications, whole process", note=f"mean bias-corrected {r_bc:.4f}")
    table = pd.DataFrame(rows)
    return {"table": table, "checks": _checks(table), "notes": _notes(table)}


def _r_version() -> str:
    out = subprocess.run(["Rscript", "-e", "cat(as.character(packageVersion('Benchmarking')))"],
                         capture_output=True, text=True)
    return out.stdout.strip()


def _checks(table: pd.DataFrame) -> list[str]:
    out = []
    ok = table[(table.status == "ok") & (table.n_boot == N_BOOT)]  # the targets are for 2,000 replications
    for (dataset, task), target in TARGETS.items():
        sel = ok[(ok.dataset == dataset) & (ok.task == task) & (ok.method != "r_benchmarking")]
        if len(sel):
            best = sel.loc[sel.median_s.idxmin()]
            out.append(f"{dataset}, {task}: {best.median_s:.2f} s wall ({best.cpu_s:.2f} s CPU; {best.label}) "
                       f"against the {target:g} s target: {'MET' if best.median_s < target else 'NOT MET'}")
    for dataset in ok.dataset.unique():
        r = ok[(ok.dataset == dataset) & (ok.method == "r_benchmarking")]
        ours = ok[(ok.dataset == dataset) & (ok.task == "cli") & (ok.method != "r_benchmarking")]
        if len(r) and len(ours):
            ratio = r.median_s.iloc[0] / ours.median_s.min()
            out.append(f"{dataset}: R Benchmarking / healthalloc = {ratio:.1f} (target ≥ 10 at 300 units, > 1 "
                       f"on the 12 hospitals)")
    same = ok.max_abs_diff.dropna()
    out.append(f"replicates identical on every engine: {'YES' if (same == 0).all() else 'NO'}")
    return out


def _notes(table: pd.DataFrame) -> list[str]:
    notes = [f"R Benchmarking 0.33 as measured in issue 22 (not this run): {s:g} s on {d}"
             for d, s in R_ISSUE_SECONDS.items()]
    notes += [f"{r.label} on {r.dataset}: {r.status}" for _, r in table[table.status != "ok"].iterrows()]
    return notes


if __name__ == "__main__":  # same as: python benchmarks/run.py bootstrap [options]
    import run as harness

    sys.exit(harness.main(["bootstrap", *sys.argv[1:]]))
