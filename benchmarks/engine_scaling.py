"""Engine scaling: the Simar–Wilson DEA bootstrap on serial, processes and a Dask cluster.

``dea_bootstrap(df, inputs, outputs, rts="crs", orientation="input", n_boot=B, seed=1,
engine=..., workers=w)`` on n = 2,000 synthetic units (the data of ``dea_speed.py``:
2 inputs, 2 outputs), B = 2,000 replications (``--quick``: 100), run

* ``serial``: in this process;
* ``processes`` with 1 and 2 workers: a ``ProcessPoolExecutor`` started for the call;
* ``dask`` with 1 and 2 workers: a Dask ``LocalCluster`` of single-threaded worker
  processes started and closed for the call.

Each time is the whole call as a user waits for it: starting the pool or cluster, the DEA
estimates, the replications (in chunks of ``REPLICATIONS_PER_TASK``) and shutting down;
``start s`` is the start and shutdown alone. ``speedup`` is serial time / this time.
The replicates must be identical on every engine (``max |Δθ|`` = 0).

    python benchmarks/engine_scaling.py [--quick] [--sizes 2000] [--repeats 1]
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dea_speed import INPUTS, OUTPUTS, make_data

TITLE = "Engine scaling: DEA bootstrap (Simar–Wilson, CRS input), serial vs processes vs Dask"

HERE = Path(__file__).resolve().parent
#: Units of the data set, and replications of a full and a ``--quick`` run.
SIZES = (2_000,)
N_BOOT, QUICK_N_BOOT = 2_000, 100
SEED = 1
#: (engine, workers) timed, the first being the reference.
CONFIGS = (("serial", 1), ("processes", 1), ("processes", 2), ("dask", 1), ("dask", 2))


@dataclass
class Row:
    dataset: str
    n: int
    n_boot: int
    method: str
    label: str
    workers: int
    repeats: int = 0
    start_s: float = float("nan")
    median_s: float = float("nan")
    cpu_s: float = float("nan")
    ratio: float = float("nan")
    speedup: float = float("nan")
    max_abs_diff: float = float("nan")
    status: str = "ok"
    note: str = ""


def _cpu() -> float:
    """CPU seconds of this process and its finished children (pool and cluster workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _bootstrap(df: pd.DataFrame, n_boot: int, engine: str, workers: int) -> np.ndarray:
    from healthalloc.efficiency import dea_bootstrap

    return dea_bootstrap(df, INPUTS, OUTPUTS, rts="crs", orientation="input", n_boot=n_boot,
                         seed=SEED, progress=False, engine=engine,
                         workers=None if engine == "serial" else workers).replicates


def _start(engine: str, workers: int) -> float:
    """Seconds to start and shut down the engine without work."""
    from healthalloc.engine import get_executor

    t0 = time.perf_counter()
    with get_executor(engine, workers=None if engine == "serial" else workers):
        pass
    return time.perf_counter() - t0


def _time(row: Row, df: pd.DataFrame, engine: str, repeats: int) -> np.ndarray:
    """Fill in the row's timings; returns the replicates."""
    row.start_s = _start(engine, row.workers)
    times, cpu = [], []
    for _ in range(repeats):
        c0, t0 = _cpu(), time.perf_counter()
        out = _bootstrap(df, row.n_boot, engine, row.workers)
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
    row.repeats, row.median_s, row.cpu_s = repeats, float(np.median(times)), float(np.median(cpu))
    return out


def run(opts, log=print) -> dict:
    """Run the benchmark; returns ``{"table": DataFrame, "checks": [...], "notes": [...]}``."""
    import distributed  # noqa: F401  (imported here, not inside the first Dask timing)

    n_boot = QUICK_N_BOOT if opts.quick else N_BOOT
    repeats = opts.repeats or 1
    rows: list[Row] = []
    for n in opts.sizes or SIZES:
        df = make_data(n)
        _bootstrap(df.head(100), 2, "serial", 1)  # warm-up: imports, HiGHS
        log(f"  synthetic n={n}: {n_boot} replications, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f}")
        ref, ref_time = None, float("nan")
        for engine, workers in CONFIGS:
            row = Row(f"synthetic n={n}", n, n_boot, f"{engine} {workers}",
                      f"engine={engine!r}" + ("" if engine == "serial" else f", workers={workers}"),
                      workers)
            try:
                out = _time(row, df, engine, repeats)
            except Exception as exc:  # reported in the table, the other engines still run
                row.status = f"failed ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
            else:
                if ref is None:
                    ref, ref_time = out, row.median_s
                row.max_abs_diff = float(np.abs(out - ref).max())
                row.ratio, row.speedup = row.median_s / ref_time, ref_time / row.median_s
                row.note = f"start + shutdown {row.start_s:.2f} s"
            rows.append(row)
            log(f"    {row.label:<32} {row.median_s:8.2f} s  cpu {row.cpu_s:8.2f} s  "
                f"speedup {row.speedup:5.2f}  start {row.start_s:5.2f} s  "
                f"max|Δ| {row.max_abs_diff:.1e}  {row.status}")
    table = pd.DataFrame([asdict(r) for r in rows])
    return {"table": table, "checks": _checks(table), "notes": _notes(table)}


def _checks(table: pd.DataFrame) -> list[str]:
    ok = table[table.status == "ok"]
    out = [f"replicates identical on every engine and worker count: "
           f"{'YES' if len(ok) == len(table) and (ok.max_abs_diff == 0).all() else 'NO'}"]
    two = ok[ok.workers == 2]
    for _, r in two.iterrows():
        out.append(f"{r.dataset}, {r.label}: {r.speedup:.2f}x the serial speed "
                   f"({r.median_s:.1f} s vs {r.median_s * r.speedup:.1f} s)")
    return out


def _notes(table: pd.DataFrame) -> list[str]:
    return [f"{os.cpu_count()} CPUs: 2 workers can at most halve the time; other jobs on the "
            "machine make wall times noisy (see the load averages above), cpu s less so.",
            "Times include starting and shutting down the pool or cluster (start s), which "
            "a user pays on every call that does not pass a shared Executor."]


def main(argv=None) -> int:
    import run as harness  # benchmarks/run.py: shared options, tables and machine header

    opts = harness.parse_args(argv)
    info = harness.machine()
    res = run(opts)
    print(harness.console(res["table"]))
    for line in res["checks"]:
        print(f"  target: {line}")
    opts.out.mkdir(parents=True, exist_ok=True)
    res["table"].to_csv(opts.out / "engine.csv", index=False)
    (opts.out / "engine.md").write_text(
        harness.markdown(res["table"], TITLE, info, res["checks"], res["notes"]))
    print(f"  wrote {opts.out / 'engine.csv'} and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
