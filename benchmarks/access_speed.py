"""Accessibility and location speed: E2SFCA and MCLP, healthalloc against PySAL ``access`` and ``spopt``.

Data (seeded, ``numpy.random.default_rng``): demand points and sites uniform on a square
of longitude/latitude about 30.5° N (the density of sites fixed so that a demand point
has about 45 sites within 60 km, as in the issue's 100,000 × 2,000 case with 4.5 M pairs
in reach); populations ~ U(100, 10,000), capacities ~ U(10, 1,000).

Tasks and methods (``--methods`` keys):

* E2SFCA, step decay 20:1, 40:0.68, 60:0.22 (km; a 60 km catchment):
  ``healthalloc`` (``access.accessibility(..., method="e2sfca")`` from coordinates: the
  sparse great-circle pairs and both sums, the reference of the ratios),
  ``scipy_sums`` (the two sums alone on the prepared sparse weight matrix, what a script
  on ``scipy.sparse`` would do) and ``pysal_access`` (``access.Access(...)
  .enhanced_two_stage_fca`` on the same pairs as a long cost table, prepared outside the
  timing);
* MCLP, radius 10 km, p = 5 % of the candidates: ``healthalloc_mclp``
  (``optimize.locate(model="mclp")`` with a time limit) and ``spopt_mclp``
  (``spopt.locate.MCLP.from_cost_matrix(...).solve(PULP_CBC_CMD)`` on the dense cost
  matrix, build and solve timed together).

``max |Δ|``: largest absolute difference of accessibility from healthalloc's (E2SFCA), or
of the covered population (MCLP). One repeat for the large cases; the E2SFCA peers run up
to ``PEERS_UP_TO`` demand points.

    python benchmarks/access_speed.py [--quick] [--sizes 100000] [--methods healthalloc,pysal_access]
"""

from __future__ import annotations

import sys
import time
import tracemalloc
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

TITLE = "Accessibility (E2SFCA) and location (MCLP) speed"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Row, median_time, package_version  # noqa: E402  (the harness: benchmarks/run.py)

SEED = 20240917
STEPS = "20:1,40:0.68,60:0.22"
SITES_PER_KM2 = 2000 / 503_000  # 45 sites within 60 km
#: (demand points, sites) of the E2SFCA cases; the last is the issue's target case.
E2SFCA_SIZES = [(100_000, 2_000), (1_000_000, 10_000)]
#: (demand points, candidates) of the MCLP cases; spopt runs on the first only.
MCLP_SIZES = [(5_000, 500), (50_000, 2_000)]
QUICK = {"e2sfca": [(20_000, 500)], "mclp": [(2_000, 200)]}
TIME_LIMIT = 120.0
#: Largest E2SFCA case the peers run on (beyond, their long cost table needs several GB).
PEERS_UP_TO = 200_000


def points(n: int, m: int, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` demand points and ``m`` sites on a square holding ``m`` sites at the fixed density."""
    rng = np.random.default_rng(seed)
    side_km = np.sqrt(m / SITES_PER_KM2)
    dlat = side_km / 111.2
    dlon = side_km / (111.2 * np.cos(np.radians(30.5)))
    lon0, lat0 = 104.0 - dlon / 2, 30.5 - dlat / 2
    demand = pd.DataFrame({"id": np.arange(n), "population": rng.uniform(100, 10_000, n),
                           "lon": lon0 + rng.uniform(0, dlon, n), "lat": lat0 + rng.uniform(0, dlat, n)})
    supply = pd.DataFrame({"id": np.arange(m), "capacity": rng.uniform(10, 1_000, m),
                           "lon": lon0 + rng.uniform(0, dlon, m), "lat": lat0 + rng.uniform(0, dlat, m)})
    return demand, supply


def _healthalloc(case):
    from healthalloc.access import accessibility

    demand, supply, _ = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return accessibility(demand, supply, method="e2sfca", steps=STEPS).points["access"].to_numpy()


def _prepared(demand, supply):
    """The weight matrix of the pairs in reach (shared by scipy_sums and pysal_access)."""
    from healthalloc.access import make_decay
    from healthalloc.access.points import costs, points as checked

    decay = make_decay("step", steps=STEPS)
    dem, sup = checked(demand, "demand", "population"), checked(supply, "supply", "capacity")
    pairs = costs(dem, sup, decay.reach).pairs()
    return pairs, decay(pairs.cost)


def _scipy_sums(case):
    import scipy.sparse as sp

    demand, supply, (pairs, w) = case
    W = sp.csr_matrix((w, (pairs.i, pairs.j)), shape=(len(demand), len(supply)))
    potential = W.T @ demand["population"].to_numpy()
    ratio = np.divide(supply["capacity"].to_numpy(), potential, out=np.zeros(len(supply)), where=potential > 0)
    return W @ ratio


def _pysal_access(case):
    from access import Access, weights

    demand, supply, (pairs, _) = case
    cost = pd.DataFrame({"origin": pairs.i, "dest": pairs.j, "cost": pairs.cost})
    acc = Access(demand_df=demand, demand_index="id", demand_value="population",
                 supply_df=supply, supply_index="id", supply_value="capacity",
                 cost_df=cost, cost_origin="origin", cost_dest="dest", cost_name="cost")
    out = acc.enhanced_two_stage_fca(name="e2sfca", weight_fn=weights.step_fn({20: 1, 40: 0.68, 60: 0.22}),
                                     max_cost=60)
    return out.reindex(demand["id"]).iloc[:, 0].fillna(0).to_numpy()


def _mclp(case):
    from healthalloc.optimize import locate

    demand, cand, p, radius = case
    return locate(demand, cand, model="mclp", p=p, radius=radius, time_limit=TIME_LIMIT)


def _spopt_mclp(case):
    import pulp
    from spopt.locate import MCLP

    from healthalloc.access import great_circle

    demand, cand, p, radius = case
    cost = great_circle(demand["lon"].to_numpy()[:, None], demand["lat"].to_numpy()[:, None],
                        cand["lon"].to_numpy()[None], cand["lat"].to_numpy()[None])
    model = MCLP.from_cost_matrix(cost, demand["population"].to_numpy(), service_radius=radius, p_facilities=p)
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=TIME_LIMIT))
    chosen = [k for k, clients in enumerate(model.fac2cli) if len(clients)]
    return float(demand["population"].to_numpy()[(cost[:, chosen] <= radius).any(axis=1)].sum())


E2SFCA = [("healthalloc", "healthalloc `accessibility(method='e2sfca')`", "", _healthalloc),
          ("scipy_sums", "the two sums on a prepared scipy.sparse matrix", "scipy", _scipy_sums),
          ("pysal_access", "PySAL access `enhanced_two_stage_fca`", "access", _pysal_access)]


def _peak_mb(func, arg) -> float:
    """Peak memory allocated through Python's allocators during one call (numpy included), MB."""
    tracemalloc.start()
    try:
        func(arg)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run(opts, log=print) -> dict:
    """Time E2SFCA and MCLP at each size."""
    wanted = (lambda key: not opts.methods or key in opts.methods or key in ("healthalloc", "healthalloc_mclp"))
    e2sfca = QUICK["e2sfca"] if opts.quick else ([(n, max(200, n // 100)) for n in opts.sizes] if opts.sizes
                                                 else E2SFCA_SIZES)
    mclp = QUICK["mclp"] if opts.quick else MCLP_SIZES
    rows, notes = [], list(NOTES)
    for n, m in e2sfca:
        demand, supply = points(n, m)
        name = f"E2SFCA {n:,} demand × {m:,} sites, 60 km"
        repeats = opts.repeats or (1 if n >= 500_000 else 3)
        peers = n <= PEERS_UP_TO
        prepared = _prepared(demand, supply) if peers else None
        log(f"  {name}" + (f" ({len(prepared[0].i):,} pairs in reach)" if peers else ""))
        ref = None
        for key, label, package, func in E2SFCA:
            if not wanted(key) or (key != "healthalloc" and not peers):
                continue
            row = Row(name, "e2sfca", key, label, package_version(package or None), repeats=repeats)
            try:
                row.median_s, values = median_time(func, (demand, supply, prepared), repeats)
                if ref is None:
                    ref = row.median_s, values
                row.ratio = row.median_s / ref[0]
                row.max_abs_diff = float(np.abs(values - ref[1]).max())
                if key == "healthalloc":
                    row.note = f"peak {_peak_mb(func, (demand, supply, prepared)):,.0f} MB traced"
            except ModuleNotFoundError as exc:
                row.status = f"not installed ({exc.name})"
            rows.append(row)
            log(f"    {key:<14} {row.median_s:9.3f} s  x{row.ratio:7.2f}  max|Δ| {row.max_abs_diff:.1e}  "
                f"{row.status} {row.note}")
    for n, m in mclp:
        demand, cand = points(n, m, seed=SEED + 1)
        cand = cand.drop(columns="capacity")
        p, radius = max(1, m // 20), 10.0
        name = f"MCLP {n:,} demand × {m:,} candidates, p = {p}, r = {radius:g} km"
        log(f"  {name}")
        ref = None
        for key, label, package in (("healthalloc_mclp", "healthalloc `locate(model='mclp')`", ""),
                                    ("spopt_mclp", "spopt `MCLP.from_cost_matrix().solve(CBC)`", "spopt")):
            if not wanted(key) or (key == "spopt_mclp" and n > MCLP_SIZES[0][0]):
                continue
            row = Row(name, "mclp", key, label, package_version(package or None), repeats=1)
            try:
                start = time.perf_counter()
                out = _mclp((demand, cand, p, radius)) if key == "healthalloc_mclp" else \
                    _spopt_mclp((demand, cand, p, radius))
                row.median_s = time.perf_counter() - start
                covered = out.covered_population if key == "healthalloc_mclp" else out
                if ref is None:
                    ref = row.median_s, covered
                    row.note = f"{out.status}, gap {out.gap:.2%}, solve {out.seconds:.1f} s"
                row.ratio = row.median_s / ref[0]
                row.max_abs_diff = abs(covered - ref[1])
            except ModuleNotFoundError as exc:
                row.status = f"not installed ({exc.name})"
            rows.append(row)
            log(f"    {key:<16} {row.median_s:9.2f} s  x{row.ratio:7.2f}  Δcovered {row.max_abs_diff:.1f}  "
                f"{row.status} {row.note}")
    table = pd.DataFrame([asdict(r) for r in rows])
    return {"table": table, "checks": _checks(table), "notes": notes}


def _checks(table: pd.DataFrame) -> list[str]:
    out = []
    target = table[(table.method == "healthalloc") & table.dataset.str.contains("1,000,000")]
    for _, r in target.iterrows():
        out.append(f"E2SFCA 1,000,000 × 10,000 in {r.median_s:.1f} s (target < 60 s): "
                   f"{'MET' if r.median_s < 60 else 'NOT MET'}")
    for _, r in table[(table.method == "pysal_access") & (table.status == "ok")].iterrows():
        out.append(f"PySAL access on {r.dataset}: {r.ratio:.1f}× healthalloc's time, max |Δ| {r.max_abs_diff:.1e}")
    return out


NOTES = [
    "healthalloc's E2SFCA time includes finding the pairs in reach (KD-tree on unit vectors, chunks of 50,000 "
    "demand points); scipy_sums and pysal_access start from those pairs, prepared outside the timing.",
    "Peak memory is what Python's allocators (numpy's included) traced during one call; it grows with the pairs "
    "of one chunk, not with the whole matrix.",
]


if __name__ == "__main__":
    from run import parse_args

    run(parse_args(["access", *sys.argv[1:]]))
