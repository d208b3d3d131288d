"""Efficiency beyond DEA (issue 21): SFA, the Simar–Wilson (2007) bootstrap and the DEA–Tobit,
beside the R-free peers a Python user would pick.

* ``sfa``: ``healthalloc.efficiency.sfa.sfa`` (Cobb–Douglas production frontier, 2 inputs;
  half-normal, truncated-normal, exponential) on Coelli's FRONTIER 4.1 example (60 firms,
  ``tests/reference/efficiency/front41.csv``) and on seeded synthetic data (n = 100, 1,000,
  10,000), against pySFA (``pysfa.SFA.SFA(y, X).optimize()``: half-normal, BFGS), PanelSFA
  (``CrossSectionalSFA().fit``: half-normal, L-BFGS-B) and Makieła's
  ``stochastic-frontier-analysis`` (``sf_model.fit``: half-normal and exponential). ``max
  |Δ|`` is the largest difference of the frontier coefficients β from healthalloc's,
  ``loglik Δ`` that of the maximised log-likelihood (peer − healthalloc).
* ``simar-wilson``: ``second_stage(..., method="simar-wilson")`` on 300 units (2 inputs, 2
  outputs, 2 covariates, data drawn like Simar & Wilson's 2007 Monte Carlo), Algorithm 1
  (VRS input DEA scores given, L2 = 2,000) and Algorithm 2 (inputs and outputs given, L1 =
  100, L2 = 2,000), serial and on 1 and 2 worker processes (pool start included; the
  replicates must be identical). No Python package on PyPI does Simar & Wilson (2007); the
  peer is what a user would write: py4etrics' ``Truncreg`` (statsmodels, Nelder–Mead) for
  the truncated regression and a loop of parametric-bootstrap refits, timed on 20
  replications and extrapolated to 2,000. R ``rDEA::dea.env.robust`` where ``Rscript`` loads
  it.
* ``tobit``: ``second_stage(..., method="tobit", lower=0, upper=None)`` on Fair's affairs
  data (601 people, 451 censored at 0; R AER's published fit) against py4etrics' ``Tobit``.

    python benchmarks/efficiency_speed.py [--quick] [--repeats 5] [--sizes 100,1000]
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Row, median_time, package_version  # noqa: E402  (the harness: benchmarks/run.py)

TITLE = "Efficiency beyond DEA: SFA, the Simar–Wilson bootstrap and the DEA–Tobit, beside Python peers"

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "reference" / "efficiency"
SIZES, QUICK_SIZES = (100, 1_000, 10_000), (100, 1_000)
SEED = 20261207
#: Synthetic frontier: ln y = 1 + 0.3 ln x1 + 0.5 ln x2 + v − u, v ~ N(0, 0.2²), u ~ |N(0, 0.4²)|.
BETA, SIGMA_V, SIGMA_U = (1.0, 0.3, 0.5), 0.2, 0.4
#: Simar & Wilson (2007) Monte Carlo: z ~ N(2, 2²), δ = β'(1, z) + ε ≥ 1, ε ~ N(0, 1) truncated.
SW_UNITS, SW_BETA, SW_SIGMA = 300, (0.5, 0.5, 0.5), 1.0
SW_L1, SW_L2, QUICK_L2 = 100, 2_000, 200
#: Replications of the hand-written py4etrics bootstrap that are timed (then extrapolated).
DIY_REPS = 20
R_SCRIPT = """\
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(rDEA))
d <- read.csv(args[1])
set.seed(1)
r <- dea.env.robust(X = d[, c("x1", "x2")], Y = d[, c("y1", "y2")], Z = d[, c("z1", "z2")], model = "input",
                    RTS = "variable", L1 = as.integer(args[2]), L2 = as.integer(args[3]), alpha = 0.05)
print(r$beta_hat_hat)
"""
AFFAIRS = ["age", "yearsmarried", "religiousness", "occupation", "rating"]


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(func, repeats: int):
    """(median wall s, mean CPU s per call over the warm-up and the repeats, last result); the
    warm-up call is not in the wall time."""
    c0 = _cpu()
    wall, out = median_time(lambda _: func(), None, repeats)
    return wall, (_cpu() - c0) / (repeats + 1), out


def frontier_data(n: int, seed: int = SEED) -> pd.DataFrame:
    """n firms, inputs x ~ U(1, 100), output from the Cobb–Douglas frontier of ``BETA``."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.0, 100.0, size=(n, 2))
    ln_y = BETA[0] + np.log(x) @ BETA[1:] + rng.normal(0, SIGMA_V, n) - np.abs(rng.normal(0, SIGMA_U, n))
    return pd.DataFrame({"output": np.exp(ln_y), "capital": x[:, 0], "labour": x[:, 1]})


def sw_data(n: int = SW_UNITS, seed: int = SEED) -> pd.DataFrame:
    """n units whose Farrell input distance δ ≥ 1 follows Simar & Wilson's truncated regression
    on two covariates: outputs y ~ U(1, 10), frontier input level (y1 + y2)^1.25 split by an
    angle ω ~ U(0.1, π/2 − 0.1), observed inputs = frontier inputs × δ."""
    from scipy.stats import truncnorm

    rng = np.random.default_rng(seed)
    z = rng.normal(2.0, 2.0, size=(n, 2))
    mean = SW_BETA[0] + z @ SW_BETA[1:]
    delta = mean + truncnorm.rvs((1 - mean) / SW_SIGMA, np.inf, scale=SW_SIGMA, random_state=rng)
    y = rng.uniform(1.0, 10.0, size=(n, 2))
    omega = rng.uniform(0.1, np.pi / 2 - 0.1, n)
    level = (y.sum(axis=1) ** 1.25 * delta)[:, None]
    x = level * np.column_stack([np.cos(omega), np.sin(omega)])
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y1": y[:, 0], "y2": y[:, 1], "z1": z[:, 0], "z2": z[:, 1]})


# --- SFA -------------------------------------------------------------------------------


def _peers_sfa(distribution: str):
    """(key, label, distribution, fit(y, X1) -> (β, ln L)) of the Python SFA peers; X1 has the
    intercept column first."""
    def pysfa(y, X1):
        from pysfa.SFA import SFA

        res = SFA(y, X1[:, 1:]).optimize()
        return res.x[:-1], -res.fun

    def panelsfa(y, X1):
        from panelsfa import CrossSectionalSFA

        m = CrossSectionalSFA().fit(X1, y)
        return m.coef_, m.log_likelihood_

    def makiela(option):
        def fit(y, X1):
            from sfa import sf_model

            m = sf_model.fit(X1, y, len(y), sfa_opt=option)
            return m.params_ml[:X1.shape[1]], m.l_max
        return fit

    peers = {"half-normal": [("pysfa", "pySFA SFA(y, X).optimize()", "pysfa", pysfa),
                             ("panelsfa", "PanelSFA CrossSectionalSFA().fit", "panelsfa", panelsfa),
                             ("makiela_sfa", "stochastic-frontier-analysis sf_model.fit (nhn)",
                              "stochastic-frontier-analysis", makiela(2))],
             "exponential": [("makiela_sfa", "stochastic-frontier-analysis sf_model.fit (nex)",
                              "stochastic-frontier-analysis", makiela(1))]}
    return peers.get(distribution, [])


def _sfa_rows(opts, wanted, log) -> list[dict]:
    import warnings

    from healthalloc.efficiency.sfa import sfa

    sets = [("front41 (60 firms)", pd.read_csv(REFERENCE / "front41.csv"))]
    sets += [(f"synthetic n={n:,}", frontier_data(n)) for n in (opts.sizes or (QUICK_SIZES if opts.quick else SIZES))]
    rows = []
    for name, df in sets:
        y = np.log(df["output"].to_numpy())
        X1 = np.column_stack([np.ones(len(df)), np.log(df[["capital", "labour"]].to_numpy())])
        repeats = opts.repeats or (3 if len(df) > 1_000 else 5)
        log(f"  {name}: load average {os.getloadavg()[0]:.2f}")
        for distribution in ("half-normal", "truncated-normal", "exponential"):
            task = f"SFA {distribution}"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. a BHHH fallback; the fit is what is timed
                base, cpu, res = _timed(lambda: sfa(df, "output", ["capital", "labour"], distribution=distribution),
                                        repeats)
            ours = res.coefficients.estimate.to_numpy()[:X1.shape[1]], res.loglik
            rows.append(_row(name, task, "healthalloc_sfa", f"healthalloc sfa(distribution={distribution!r})",
                             package_version("healthalloc"), repeats, base, cpu, base, 0.0, 0.0, log))
            for key, label, dist, fit in _peers_sfa(distribution):
                if wanted and key not in wanted:
                    continue
                version = package_version(dist)
                if version == "not installed":
                    rows.append(asdict(Row(name, task, key, label, version, status="not installed")))
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    wall, cpu, (beta, loglik) = _timed(lambda: fit(y, X1), repeats)
                rows.append(_row(name, task, key, label, version, repeats, wall, cpu, base,
                                 float(np.abs(np.asarray(beta) - ours[0]).max()), float(loglik - ours[1]), log))
    return rows


def _row(dataset, task, method, label, version, repeats, wall, cpu, base, diff, loglik_diff, log,
         mode="warm", note="") -> dict:
    ratio = wall / base if base else float("nan")
    log(f"    {task:<22} {label:<52} {wall:9.4f} s  cpu {cpu:8.3f} s  ×{ratio:7.2f}  max|Δ| {diff:.1e}")
    return asdict(Row(dataset, task, method, label, version, repeats, wall, ratio, diff, "ok", mode, note)) | {
        "cpu_s": cpu, "loglik_diff": loglik_diff}


# --- Simar–Wilson ----------------------------------------------------------------------


def _diy_simar_wilson(dist: np.ndarray, Z: np.ndarray, reps: int, seed: int = SEED):
    """Algorithm 1 as a Python user would write it with py4etrics: the truncated regression of
    the distances > 1 on Z, then ``reps`` parametric-bootstrap refits; (β̂, σ̂, draws)."""
    from py4etrics.truncreg import Truncreg
    from scipy.stats import truncnorm

    keep = dist > 1 + 1e-6
    y, Zk = dist[keep], Z[keep]
    fit = Truncreg(y, Zk, left=1.0).fit(disp=0).params
    beta, sigma = fit[:-1], np.exp(fit[-1])
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(reps):
        mean = Zk @ beta
        star = mean + truncnorm.rvs((1 - mean) / sigma, np.inf, scale=sigma, random_state=rng)
        draws.append(Truncreg(star, Zk, left=1.0).fit(disp=0, start_params=None).params)
    return beta, sigma, np.array(draws)


def _sw_rows(opts, wanted, log) -> list[dict]:
    from healthalloc.efficiency import dea
    from healthalloc.efficiency.second_stage import second_stage

    df = sw_data()
    df["efficiency"] = dea(df, ["x1", "x2"], ["y1", "y2"], rts="vrs", slacks=False, progress=False).efficiency.to_numpy()
    l2 = QUICK_L2 if opts.quick else SW_L2
    repeats = opts.repeats or 3
    name = f"synthetic n={SW_UNITS} (Simar–Wilson)"
    log(f"  {name}: load average {os.getloadavg()[0]:.2f}")
    rows = []
    algorithms = {1: dict(score="efficiency"), 2: dict(inputs=["x1", "x2"], outputs=["y1", "y2"], bias_bootstrap=SW_L1)}
    for algorithm, given in algorithms.items():
        task = f"SW Algorithm {algorithm}"
        key = f"sw_alg{algorithm}"
        base = None
        for engine, workers in (("serial", None), ("processes", 1), ("processes", 2)):
            if wanted and key not in wanted:
                break
            wall, cpu, res = _timed(lambda: second_stage(
                df, ["z1", "z2"], method="simar-wilson", algorithm=algorithm, n_boot=l2, seed=1, progress=False,
                engine=engine, workers=workers, **given), repeats)
            base = base or (wall, res)
            diff = float(np.abs(res.replicates - base[1].replicates).max())
            label = f"second_stage(algorithm={algorithm}, engine={engine!r}" + (f", workers={workers})" if workers else ")")
            mode = f"L1 = {SW_L1}, L2 = {l2}" if algorithm == 2 else f"L2 = {l2}"
            rows.append(_row(name, task, key, label, package_version("healthalloc"), repeats, wall, cpu, base[0], diff, float("nan"),
                             log, mode, note="max |Δ| over the bootstrap replicates vs serial"))
        if algorithm == 1 and (not wanted or "py4etrics_truncreg" in wanted):
            rows.append(_diy_row(df, name, task, base, l2, log))
    if not wanted or "r_rdea" in wanted:
        rows.append(_r_row(df, name, l2, next((r["median_s"] for r in rows if r["method"] == "sw_alg2"), None), log))
    return rows


def _py4etrics() -> tuple[str, str | None]:
    """(version, why it cannot run or None): py4etrics 0.1.9 imports a statsmodels module that
    statsmodels 0.15 removed."""
    version = package_version("py4etrics")
    if version == "not installed":
        return version, version
    try:
        importlib.import_module("py4etrics.base_for_models")
    except ImportError as err:
        return version, f"does not import with statsmodels {package_version('statsmodels')}: {err}"
    return version, None


def _diy_row(df, name, task, base, l2, log) -> dict:
    version, why = _py4etrics()
    label = "py4etrics Truncreg + a bootstrap loop (hand-written)"
    if why:
        return asdict(Row(name, task, "py4etrics_truncreg", label, version, status=why))
    dist = 1 / np.minimum(df["efficiency"].to_numpy(), 1.0)
    Z = np.column_stack([np.ones(len(df)), df[["z1", "z2"]].to_numpy()])
    _diy_simar_wilson(dist, Z, 1)  # warm-up: imports
    timings = []
    for reps in (0, DIY_REPS):  # the fit alone, then with DIY_REPS refits
        c0, t0 = _cpu(), time.perf_counter()
        beta, sigma, _ = _diy_simar_wilson(dist, Z, reps)
        timings.append(np.array([time.perf_counter() - t0, _cpu() - c0]))
    wall, cpu = timings[0] + l2 * (timings[1] - timings[0]) / DIY_REPS
    ours = base[1].coefficients.estimate.to_numpy() if base else np.full(len(beta) + 1, np.nan)
    diff = float(np.abs(np.r_[beta, sigma] - ours).max())
    return _row(name, task, "py4etrics_truncreg", label, version, 1, wall, cpu, base[0] if base else None, diff,
                float("nan"), log, f"extrapolated from {DIY_REPS} replications to {l2}",
                note="max |Δ| of (β̂, σ̂) vs healthalloc")


def _r_row(df, name, l2, base, log) -> dict:
    """R rDEA's Algorithm 2 as an ``Rscript`` process, where R and rDEA are installed."""
    label, task = "R rDEA::dea.env.robust (Rscript)", "SW Algorithm 2"
    if shutil.which("Rscript") is None:
        return asdict(Row(name, task, "r_rdea", label, "", status="not installed (no Rscript)"))
    with tempfile.TemporaryDirectory() as tmp:
        path, script = Path(tmp) / "sw.csv", Path(tmp) / "sw.R"
        df.to_csv(path, index=False)
        script.write_text(R_SCRIPT)
        argv = ["Rscript", str(script), str(path), str(SW_L1), str(l2)]
        probe = subprocess.run(argv, capture_output=True, text=True)  # untimed; also says why it cannot run
        if probe.returncode:
            why = (probe.stderr.strip().splitlines() or ["?"])[-1]
            return asdict(Row(name, task, "r_rdea", label, "", status=f"not run: {why}"))
        wall, cpu, _ = _timed(lambda: subprocess.run(argv, check=True, capture_output=True), 1)
    return _row(name, task, "r_rdea", label, "rDEA", 1, wall, cpu, base, float("nan"), float("nan"), log,
                f"L1 = {SW_L1}, L2 = {l2}, whole process")


# --- Tobit -----------------------------------------------------------------------------


def _tobit_rows(opts, wanted, log) -> list[dict]:
    from healthalloc.efficiency.second_stage import second_stage

    df = pd.read_csv(REFERENCE / "affairs.csv")
    name, task = "affairs (601, 451 censored at 0)", "Tobit"
    repeats = opts.repeats or 5
    log(f"  {name}: load average {os.getloadavg()[0]:.2f}")
    wall, cpu, res = _timed(lambda: second_stage(df, AFFAIRS, score="affairs", lower=0.0, upper=None), repeats)
    ours = res.coefficients.estimate.to_numpy()
    rows = [_row(name, task, "healthalloc_tobit", "healthalloc second_stage(method='tobit')",
                 package_version("healthalloc"),
                 repeats, wall, cpu, wall, 0.0, 0.0, log)]
    if wanted and "py4etrics_tobit" not in wanted:
        return rows
    version, why = _py4etrics()
    if why:
        return rows + [asdict(Row(name, task, "py4etrics_tobit", "py4etrics Tobit", version, status=why))]
    from py4etrics.tobit import Tobit

    y = df["affairs"].to_numpy()
    Z = np.column_stack([np.ones(len(df)), df[AFFAIRS].to_numpy(float)])
    cens = np.where(y <= 0, -1, 0)
    wall, cpu, fit = _timed(lambda: Tobit(y, Z, cens=cens, left=0).fit(disp=0), repeats)
    theirs = np.r_[fit.params[:-1], np.exp(fit.params[-1])]
    rows.append(_row(name, task, "py4etrics_tobit", "py4etrics Tobit(y, Z, cens, left=0).fit()", version, repeats,
                     wall, cpu, rows[0]["median_s"], float(np.abs(theirs - ours).max()),
                     float(fit.llf - res.loglik), log))
    return rows


# --- the harness's entry point -----------------------------------------------------------


def run(opts, log=print) -> dict:
    wanted = set(opts.methods) if getattr(opts, "methods", None) else None
    rows = _sfa_rows(opts, wanted, log) + _sw_rows(opts, wanted, log) + _tobit_rows(opts, wanted, log)
    table = pd.DataFrame(rows)
    return {"table": table, "checks": _checks(table), "notes": _notes(table)}


def _checks(table: pd.DataFrame) -> list[str]:
    ok = table[table.status == "ok"]
    out = []
    peers = ok[~ok.method.str.startswith(("healthalloc", "sw_"))]
    for (task, method), sel in peers.groupby(["task", "method"], sort=False):
        loglik = sel.loglik_diff.abs().max()
        out.append(f"{task}, {sel.label.iloc[0]}: max |Δ| {sel.max_abs_diff.max():.1e}"
                   + (f", max |Δ ln L| {loglik:.1e}" if loglik == loglik else "")
                   + f", × healthalloc {sel.ratio.min():.2g}–{sel.ratio.max():.2g} over {len(sel)} data set(s)")
    sw = ok[ok.method.str.startswith("sw_")]
    if len(sw):
        out.append(f"Simar–Wilson replicates identical on every engine: {'YES' if (sw.max_abs_diff == 0).all() else 'NO'}")
        for task, sel in sw.groupby("task", sort=False):
            two = sel[sel.label.str.contains("workers=2")]
            if len(two):
                out.append(f"{task}: 2 workers {two.median_s.iloc[0]:.2f} s against serial "
                           f"{sel.median_s.iloc[0]:.2f} s (× {two.ratio.iloc[0]:.2f})")
    return out


def _notes(table: pd.DataFrame) -> list[str]:
    notes = ["No package on PyPI implements Simar & Wilson (2007) (searched: simar, truncated regression, "
             "two-stage/second-stage DEA); sw2023 is Simar & Wilson's 2023 multiple-output SFA, another model.",
             "pystoned 0.7.5 (GPL-3) has no parametric SFA (its authors' SFA is pySFA, timed here); its "
             "closest overlap, CNLS + StoNED, needs MOSEK (a commercial licence) or the NEOS server (network) "
             "and is not timed (see benchmarks/README.md)."]
    notes += [f"{r.label} on {r.dataset}: {r.status}" for _, r in table[table.status != "ok"].iterrows()]
    return notes


if __name__ == "__main__":  # same as: python benchmarks/run.py efficiency [options]
    import run as harness

    sys.exit(harness.main(["efficiency", *sys.argv[1:]]))
