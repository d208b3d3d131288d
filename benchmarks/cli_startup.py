"""Command-line start-up: whole-process times of ``healthalloc --help``, ``healthalloc dea
--help`` and a small ``healthalloc dea`` run (the 12 hospitals of Cooper, Seiford & Tone,
VRS), each as a new process, as a user waits for them.

Targets: ``--help`` under 0.3 s, the small run under 1 s.

    python benchmarks/cli_startup.py [--repeats 7]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd

TITLE = "Command-line start-up: --help and a 12-unit DEA run as whole processes"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Row, package_version  # noqa: E402  (the harness: benchmarks/run.py)

REPEATS = 7
TARGETS = {"help": 0.3, "dea_help": 0.3, "dea_run": 1.0}


def _time(argv: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def run(opts, log) -> dict:
    from healthalloc.data import load_cst_hospitals

    exe = str(Path(sys.executable).parent / "healthalloc")
    repeats = opts.repeats or REPEATS
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "hospitals.csv"
        load_cst_hospitals().to_csv(data, index=False)
        commands = {
            "help": [exe, "--help"],
            "dea_help": [exe, "dea", "--help"],
            "dea_run": [exe, "dea", str(data), "--unit", "hospital", "--inputs", "doctors,nurses",
                        "--outputs", "outpatients,inpatients", "--rts", "vrs"],
        }
        rows, checks = [], []
        for task, argv in commands.items():
            seconds = _time(argv, repeats)
            log(f"{task}: {seconds:.3f} s")
            rows.append(Row("cst_12_hospitals" if task == "dea_run" else "-", task, "healthalloc",
                            {"help": "healthalloc --help", "dea_help": "healthalloc dea --help",
                             "dea_run": "healthalloc dea (12 units)"}[task], package_version("healthalloc"), repeats,
                            seconds, 1.0, mode="cold process"))
            verdict = "meets" if seconds < TARGETS[task] else "misses"
            checks.append(f"{task}: {seconds:.3f} s {verdict} the {TARGETS[task]} s target")
    return {"table": pd.DataFrame([asdict(r) for r in rows]), "checks": checks, "notes": []}


if __name__ == "__main__":  # same as: python benchmarks/run.py cli [options]
    import run as harness

    sys.exit(harness.main(["cli", *sys.argv[1:]]))
