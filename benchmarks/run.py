"""Entry point of ``make bench``: run the registered benchmarks, print and save their tables.

    python benchmarks/run.py                      # every benchmark, full sizes
    python benchmarks/run.py --quick              # small sizes only (a minute or two)
    python benchmarks/run.py dea --sizes 1000,5000 --methods healthalloc,linprog_loop
    python benchmarks/run.py --list

A benchmark is a module in this folder with ``TITLE`` and ``run(opts, log) -> dict`` that
returns ``{"table": DataFrame, "checks": [str], "notes": [str]}``; add it to
``BENCHMARKS`` below. Results go to ``benchmarks/results/<name>.csv`` and ``.md``
(git-ignored), with the machine and package versions in the Markdown header.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: The seeded data sets the R reference packages were timed on (``shared/`` sits beside
#: the repository).
SHARED_BENCHMARKS = HERE.parents[1] / "shared" / "data" / "benchmarks"

#: name -> module in benchmarks/, run in this order. A listed module whose file is not
#: there yet is skipped with a message.
BENCHMARKS = {
    "dea": "dea_speed",
    "bootstrap": "bootstrap_scaling",
    "qca": "qca_speed",
    "equity": "equity_speed",
    "spatial": "spatial_speed",
    "engine": "engine_scaling",
    "cli": "cli_startup",
    "access": "access_speed",
    "ergm": "ergm_speed",
    "capacity": "capacity_speed",
    "location": "location_speed",
    "efficiency": "efficiency_speed",
}


def available(name: str) -> bool:
    return (HERE / f"{BENCHMARKS[name]}.py").exists()


@dataclass
class Row:
    """One timed method on one data set: a row of a benchmark's results table."""

    dataset: str
    task: str
    method: str
    label: str
    version: str
    repeats: int = 0
    median_s: float = float("nan")
    ratio: float = float("nan")
    max_abs_diff: float = float("nan")
    status: str = "ok"
    mode: str = "warm"
    note: str = ""


def package_version(dist: str | None) -> str:
    """Installed version of a distribution, "" for none, "not installed" when missing."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist) if dist else ""
    except PackageNotFoundError:
        return "not installed"


def median_time(func, arg, repeats: int):
    """``(median seconds, last result)`` of ``func(arg)`` over ``repeats`` runs, after one
    untimed warm-up call (imports and first-call costs are not timed)."""
    import gc
    import statistics

    func(arg)
    times, out = [], None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        out = func(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _ints(text: str) -> list[int]:
    return [int(v.replace("_", "")) for v in text.split(",") if v.strip()]


def _names(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("benchmarks", nargs="*", metavar="NAME",
                   help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    p.add_argument("--quick", action="store_true", help="small sizes only")
    p.add_argument("--sizes", type=_ints, default=None,
                   help="comma-separated problem sizes, e.g. 1000,5000")
    p.add_argument("--no-real", action="store_true",
                   help="skip the real data files (shared/data/benchmarks)")
    p.add_argument("--methods", type=_names, default=None,
                   help="comma-separated method keys (default: all)")
    p.add_argument("--repeats", type=int, default=None,
                   help="repeats per timing (default: 5 for fast methods, fewer for slow ones)")
    p.add_argument("--budget", type=float, default=150.0,
                   help="seconds a slow method may take for a full run; beyond it it is "
                        "timed on a subset and extrapolated (default 150)")
    p.add_argument("--subset", type=int, default=200,
                   help="units in the subset of an extrapolated timing (default 200)")
    p.add_argument("--subset-budget", type=float, default=60.0,
                   help="seconds a subset timing may take; fewer units are used for very "
                        "slow methods (default 60)")
    p.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    p.add_argument("--verbose", action="store_true", help="print tracebacks of failures")
    opts = p.parse_args(argv)
    unknown = set(opts.benchmarks) - set(BENCHMARKS)
    if unknown:
        p.error(f"unknown benchmark(s) {sorted(unknown)}; known: {sorted(BENCHMARKS)}")
    return opts


def machine() -> dict[str, str]:
    from importlib.metadata import version

    info = {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "processor": _cpu_model(),
        "load": _load(),
        "source": _source_state(),
    }
    for dist in ("healthalloc", "numpy", "scipy", "pandas", "highspy"):
        try:
            info[dist] = version(dist)
        except Exception:
            info[dist] = "?"
    return info


def _source_state() -> str:
    """Commit of the work tree and whether the package source differs from it."""
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True,
                              text=True, check=True).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "src")
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + (" + uncommitted changes in src/" if dirty else "")


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _fmt(v) -> str:
    if isinstance(v, float):
        if v != v:
            return ""
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 0.01:
            return f"{v:.3g}" if abs(v) < 1 else f"{v:.2f}"
        return f"{v:.1e}"
    return str(v)


SHOW = [("dataset", "data"), ("label", "method"), ("version", "version"),
        ("median_s", "median s"), ("cpu_s", "cpu s"), ("ratio", "× healthalloc"), ("max_abs_diff", "max |Δθ|"),
        ("repeats", "reps"), ("mode", "timing"), ("status", "status"), ("note", "note")]


def markdown(table, title: str, info: dict, checks: list[str], notes: list[str]) -> str:
    cols = [c for c, _ in SHOW if c in table]
    heads = [h for c, h in SHOW if c in table]
    lines = [f"# {title}", "",
             f"Measured {info['date']} on {info['cpus']} CPUs ({info['processor']}), "
             f"Python {info['python']}, healthalloc {info['healthalloc']} "
             f"(source {info['source']}), numpy {info['numpy']}, "
             f"scipy {info['scipy']}, pandas {info['pandas']}, highspy {info['highspy']}. "
             f"Load average at start {info['load']}, at end {_load()}. `median s` is wall "
             "time; `cpu s` is CPU time of the process and its solver subprocesses.", "",
             "| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for _, r in table.iterrows():
        lines.append("| " + " | ".join(_fmt(r[c]).replace("|", "/") for c in cols) + " |")
    if checks:
        lines += ["", "Targets:", ""] + [f"- {c}" for c in checks]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def console(table) -> str:
    cols = [c for c, _ in SHOW if c in table and c not in ("note", "version")]
    heads = [h for c, h in SHOW if c in cols]
    cells = [[_fmt(r[c]) for c in cols] for _, r in table.iterrows()]
    width = [max(len(h), *(len(row[i]) for row in cells)) if cells else len(h)
             for i, h in enumerate(heads)]
    width = [min(w, 60) for w in width]
    out = ["  ".join(h.ljust(w) for h, w in zip(heads, width))]
    out.append("  ".join("-" * w for w in width))
    for row in cells:
        out.append("  ".join(v[:w].ljust(w) for v, w in zip(row, width)))
    return "\n".join(out)


def main(argv=None) -> int:
    opts = parse_args(argv)
    if opts.list:
        for name, mod in BENCHMARKS.items():
            title = importlib.import_module(mod).TITLE if available(name) else "(not there yet)"
            print(f"{name:10} benchmarks/{mod}.py  {title}")
        return 0
    names = opts.benchmarks or list(BENCHMARKS)
    failed = []
    info = machine()
    opts.out.mkdir(parents=True, exist_ok=True)
    print(f"healthalloc benchmarks — {info['date']}, {info['cpus']} CPUs ({info['processor']}), "
          f"Python {info['python']}, load average {info['load']}")
    for name in names:
        if not available(name):
            print(f"\n== {name}: skipped, benchmarks/{BENCHMARKS[name]}.py is not there")
            continue
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(BENCHMARKS[name])
            print(f"\n== {name}: {mod.TITLE}")
            res = mod.run(opts, log=lambda msg: print(msg, flush=True))
        except Exception:  # one broken benchmark does not stop the others
            traceback.print_exc()
            print(f"== {name}: FAILED (traceback above)")
            failed.append(name)
            continue
        table = res["table"]
        print(f"\n{console(table)}")
        for line in res.get("checks", []):
            print(f"  target: {line}")
        for line in res.get("notes", []):
            print(f"  note: {line}")
        table.to_csv(opts.out / f"{name}.csv", index=False)
        (opts.out / f"{name}.md").write_text(
            markdown(table, mod.TITLE, info, res.get("checks", []), res.get("notes", [])))
        print(f"  wrote {opts.out / (name + '.csv')} and .md ({time.perf_counter() - t0:.0f} s)")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
