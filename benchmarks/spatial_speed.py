"""Spatial speed: Moran's I with 999 permutations on 3,000 units, healthalloc against PySAL.

Data: ``n`` points (3,000 by default) drawn uniformly over China's bounding box
(lon 73–135°E, lat 18–53°N) with ``numpy.random.default_rng(SEED)``; the value has a
west–east and south–north trend plus noise, so it is clearly autocorrelated. Weights:
the 8 nearest neighbours by great-circle distance, row-standardized.

Tasks and methods (``--methods`` keys):

* weights: ``healthalloc_knn`` (``spatial.knn_weights(points, 8)``: checks the points,
  wraps the result) against ``libpysal_knn`` (``libpysal.weights.KNN.from_array(xy, k=8,
  radius=6371.0088)`` then ``transform = "r"``);
* moran, global Moran's I with 999 permutations: ``healthalloc_moran``
  (``spatial.moran(df, "y", weights, unit="unit", seed=1)``: the table in, checked and
  aligned to the weights; the reference of the ratios), ``esda_moran`` (``esda.Moran(y,
  w, permutations=999)`` on an aligned array, what a PySAL script runs) and
  ``numpy_vectorized`` (the 999 permuted I values as one sparse × dense product: what the
  statistic costs without esda's Python loop over permutations; its draws differ, so only
  I is compared);
* lisa, local Moran with 999 conditional permutations: ``healthalloc_lisa``
  (``spatial.moran_local``: Iᵢ by esda without permutations, the conditional
  randomization in numpy, ``spatial.crand``) and ``esda_moran_local``
  (``esda.Moran_Local``, its numba kernel already compiled), both warm; and each in a
  fresh Python process, imports and the first call included (what one CLI run pays):
  ``healthalloc_lisa_cold`` (the reference of the cold ratios) and
  ``esda_moran_local_cold`` (numba compilation included).

``max |Δ|`` is the largest absolute difference from healthalloc's I (or Iᵢ). The draws of
the two LISA kernels differ, so their ``p_sim`` agree in distribution only: the note of
``esda_moran_local`` gives the largest difference in Monte Carlo standard errors.

    python benchmarks/spatial_speed.py [--sizes 3000,10000] [--repeats 5]
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TITLE = "Spatial speed: Moran's I and LISA, 999 permutations, 3,000 units (kNN k = 8)"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Row, median_time, package_version  # noqa: E402  (the harness: benchmarks/run.py)

HERE = Path(__file__).resolve().parent
SEED = 20240917
UNITS = 3_000
K = 8
PERMUTATIONS = 999
REPEATS = 5
#: Target of the global statistic on 3,000 units, seconds.
TARGET_MORAN_S = 1.0


@dataclass
class Case:
    """The data of one size: a table, its points, the weights and aligned arrays."""

    df: pd.DataFrame
    points: pd.DataFrame

    def __post_init__(self):
        from healthalloc.spatial import knn_weights

        self.weights = knn_weights(self.points, K)
        self.y = self.df.set_index("unit").loc[self.weights.ids, "y"].to_numpy()


def make_case(n: int = UNITS, seed: int = SEED) -> Case:
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(73, 135, n), rng.uniform(18, 53, n)
    units = [f"u{i:05d}" for i in range(n)]
    df = pd.DataFrame({"unit": units, "y": 0.05 * lon + 0.1 * lat + rng.normal(0, 1, n)})
    return Case(df, pd.DataFrame({"lon": lon, "lat": lat}, index=pd.Index(units, name="unit")))


# --------------------------------------------------------------------------- methods


def _healthalloc_knn(case: Case):
    from healthalloc.spatial import knn_weights

    return [len(n) for n in knn_weights(case.points, K).w.neighbors.values()]


def _libpysal_knn(case: Case):
    from libpysal.weights import KNN

    w = KNN.from_array(case.points.to_numpy(), k=K, ids=list(case.points.index), radius=6371.0088)
    w.transform = "r"
    return [len(n) for n in w.neighbors.values()]


def _healthalloc_moran(case: Case):
    from healthalloc.spatial import moran

    res = moran(case.df, "y", case.weights, unit="unit", permutations=PERMUTATIONS, seed=1)
    return [res.I["all"], res.p_sim["all"]]


def _esda_moran(case: Case):
    from esda import Moran

    np.random.seed(1)
    m = Moran(case.y, case.weights.w, permutations=PERMUTATIONS)
    return [m.I, m.p_sim]


def _numpy_vectorized(case: Case):
    W = case.weights.w.sparse.tocsr()
    z = case.y - case.y.mean()
    rng = np.random.default_rng(1)
    Z = np.column_stack([z, rng.permuted(np.tile(z[:, None], PERMUTATIONS), axis=0)])
    stats = len(z) / W.sum() * np.einsum("ij,ij->j", Z, W @ Z) / (z @ z)
    larger = (stats[1:] >= stats[0]).sum()
    larger = min(larger, PERMUTATIONS - larger)
    return [stats[0], (larger + 1) / (PERMUTATIONS + 1)]


def _healthalloc_lisa(case: Case):
    from healthalloc.spatial import moran_local

    res = moran_local(case.df, "y", case.weights, unit="unit", permutations=PERMUTATIONS, seed=1)
    return np.r_[res.Ii.loc[case.weights.ids], res.p_sim.loc[case.weights.ids]]


def _esda_moran_local(case: Case):
    import warnings

    from esda import Moran_Local

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # crand's note on its future `alternative`
        lm = Moran_Local(case.y, case.weights.w, permutations=PERMUTATIONS, seed=1)
    return np.r_[lm.Is, lm.p_sim]


#: A first LISA call in a fresh process, on the benchmark's points and kNN weights.
COLD = """
import time, warnings
t0 = time.perf_counter()
import numpy as np
{imports}
from libpysal.weights import KNN
rng = np.random.default_rng({seed})
xy = np.c_[rng.uniform(73, 135, {n}), rng.uniform(18, 53, {n})]
w = KNN.from_array(xy, k={k}, radius=6371.0088)
y = 0.05 * xy[:, 0] + rng.normal(0, 1, {n})
t1 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    {call}
print(time.perf_counter() - t0, time.perf_counter() - t1)
"""
COLD_CALLS = {
    "healthalloc_lisa_cold": (
        "import pandas as pd\nfrom healthalloc.spatial import moran_local",
        "moran_local(pd.DataFrame({{'y': y}}), 'y', w, permutations={p}, seed=1)"),
    "esda_moran_local_cold": (
        "from esda import Moran_Local", "Moran_Local(y, w, permutations={p}, seed=1)"),
}


def _cold_lisa(key: str, n: int) -> tuple[float, float]:
    """Seconds of a first LISA call in a fresh process: (with imports, call only)."""
    imports, call = COLD_CALLS[key]
    code = COLD.format(imports=imports, call=call.format(p=PERMUTATIONS), seed=SEED, n=n, k=K)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total, call_s = map(float, out.stdout.split())
    return total, call_s


def _p_sim_agreement(ours: np.ndarray, theirs: np.ndarray) -> str:
    """Largest |Δ p_sim| in standard errors of a difference of two binomial estimates
    (plus one draw, for p near 0), and how many units each finds significant."""
    mean = (ours + theirs) / 2
    se = np.sqrt(2 * mean * (1 - mean) / PERMUTATIONS) + 1 / (PERMUTATIONS + 1)
    return (f"p_sim vs healthalloc: max |Δ| {np.max(np.abs(ours - theirs)):.3f}, "
            f"max |Δ|/SE {np.max(np.abs(ours - theirs) / se):.2f}, units at p < 0.05 "
            f"{(theirs < 0.05).sum()} vs {(ours < 0.05).sum()} (different draws)")


@dataclass(frozen=True)
class Method:
    key: str
    task: str
    label: str
    run: object
    package: str | None = None


METHODS = (
    Method("healthalloc_knn", "weights", "healthalloc spatial.knn_weights(points, 8)",
           _healthalloc_knn, "healthalloc"),
    Method("libpysal_knn", "weights", "libpysal KNN.from_array(radius=R), transform 'r'",
           _libpysal_knn, "libpysal"),
    Method("healthalloc_moran", "moran", "healthalloc spatial.moran(df, 'y', w, unit=..., seed=1)",
           _healthalloc_moran, "healthalloc"),
    Method("esda_moran", "moran", "esda.Moran(y, w, permutations=999)", _esda_moran, "esda"),
    Method("numpy_vectorized", "moran", "numpy: 999 permutations as one sparse × dense product",
           _numpy_vectorized, "numpy"),
    Method("healthalloc_lisa", "lisa", "healthalloc spatial.moran_local (numpy crand)",
           _healthalloc_lisa, "healthalloc"),
    Method("esda_moran_local", "lisa", "esda.Moran_Local(y, w, permutations=999, seed=1)",
           _esda_moran_local, "esda"),
)
REFERENCE = {"weights": "healthalloc_knn", "moran": "healthalloc_moran", "lisa": "healthalloc_lisa"}
#: Cold-process LISA rows, the first the reference of their ratios: (label, package).
COLD_METHODS = {
    "healthalloc_lisa_cold": ("healthalloc spatial.moran_local, first call in a fresh process",
                              "healthalloc"),
    "esda_moran_local_cold": ("esda.Moran_Local, first call in a fresh process (numba compiles)",
                              "esda"),
}




def _time(meth: Method, case: Case, repeats: int) -> tuple[float, np.ndarray]:
    seconds, out = median_time(meth.run, case, repeats)  # warm-up includes numba compilation
    return seconds, np.asarray(out, dtype=float)


def run(opts, log=print) -> dict:
    """Time every method on each size; the cold LISA calls once per size."""
    import warnings

    sizes = opts.sizes or [UNITS]
    repeats = opts.repeats or REPEATS
    methods = [m for m in METHODS if not opts.methods or m.key in opts.methods
               or m.key == REFERENCE[m.task]]
    rows = []
    for n in sizes:
        name = f"{n:,} random points, kNN k={K}"
        case = make_case(n)
        log(f"  {name}")
        ref: dict[str, tuple[float, np.ndarray]] = {}
        for meth in methods:
            row = Row(name, meth.task, meth.key, meth.label, package_version(meth.package), repeats)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                row.median_s, values = _time(meth, case, repeats)
            if meth.key == REFERENCE[meth.task]:
                ref[meth.task] = row.median_s, values
            ref_time, ref_values = ref[meth.task]
            row.ratio = row.median_s / ref_time
            first = {"moran": slice(0, 1), "lisa": slice(0, n)}.get(meth.task, slice(None))
            row.max_abs_diff = float(np.max(np.abs(values[first] - ref_values[first])))  # not p_sim
            if meth.key == "esda_moran":
                row.note = f"p_sim {values[1]:.3f} vs healthalloc {ref_values[1]:.3f} (same seed)"
            if meth.key == "esda_moran_local":
                row.note = _p_sim_agreement(ref_values[n:], values[n:])
            rows.append(row)
            log(f"    {meth.task:<8} {meth.key:<20} {row.median_s * 1e3:9.1f} ms  x{row.ratio:6.2f}  "
                f"max|Δ| {row.max_abs_diff:.1e}")
        cold_ref = None
        for key, (label, package) in COLD_METHODS.items():
            if opts.methods and key not in opts.methods:
                continue
            total, call = _cold_lisa(key, n)
            cold_ref = cold_ref or total
            rows.append(Row(name, "lisa", key, label, package_version(package), 1, total,
                            total / cold_ref, mode="cold process",
                            note=f"{call:.2f} s in the call itself, the rest imports and weights"))
            log(f"    lisa     {key:<20} {total:9.1f} s  x{total / cold_ref:6.2f}  "
                f"(call {call:.2f} s)")
    table = pd.DataFrame([asdict(r) for r in rows])
    return {"table": table, "checks": _checks(table), "notes": NOTES}


def _checks(table: pd.DataFrame) -> list[str]:
    out = []
    ha = table[(table.method == "healthalloc_moran") & table.dataset.str.startswith(f"{UNITS:,} ")]
    if len(ha):
        t = ha.median_s.iloc[0]
        out.append(f"Moran's I, {UNITS:,} units, 999 permutations: {t:.3f} s (target ≤ "
                   f"{TARGET_MORAN_S:g} s): {'MET' if t <= TARGET_MORAN_S else 'NOT MET'}")
    esda = table[table.method == "esda_moran"]
    for _, r in esda.iterrows():
        out.append(f"{r.dataset}: I agrees with esda to {r.max_abs_diff:.1e} (target ≤ 1e-12): "
                   f"{'MET' if r.max_abs_diff <= 1e-12 else 'NOT MET'}")
    return out


NOTES = [
    "healthalloc's Moran functions call esda: the difference from esda is the table layer "
    "(checking the value column, matching units to the weights, building result tables).",
    "esda.Moran draws its permutations from numpy's global generator: healthalloc seeds it "
    "for the call and restores it afterwards, so with the same seed p_sim is identical.",
    "esda.Moran_Local's conditional randomization is compiled by numba on its first call in "
    "each process (no cache); healthalloc's moran_local runs it in numpy (spatial.crand) and "
    "calls esda without permutations, so nothing is compiled: the 'cold process' rows show "
    "what a single CLI run pays with each.",
    "The LISA kernels draw differently (numpy default_rng against esda's numba stream): Iᵢ "
    "agree to rounding, p_sim in distribution (see the esda_moran_local note).",
]


if __name__ == "__main__":  # same as: python benchmarks/run.py spatial [options]
    import run as harness

    sys.exit(harness.main(["spatial", *sys.argv[1:]]))
