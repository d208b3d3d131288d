"""Equity speed: Gini and group-decomposed Theil on a county panel, healthalloc against peers.

Data: ``n`` counties (3,000 by default) × 20 years, seeded (``numpy.random.default_rng``):
population ~ lognormal (median ≈ 270,000), beds = population × a county level ~ Gamma
(mean 5 per 1,000) drifting by year, each county in one of 31 provinces (the decomposition
groups). A second data set gives every county the same population ("equal weights"),
where population-weighted and unweighted indices coincide and PySAL can be checked.

Tasks and methods (``--methods`` keys):

* Gini by population per year: ``healthalloc_gini`` (``equity.gini(..., by="year")``,
  the reference of the task's ratios), ``pandas_apply`` (a hand-written
  ``groupby("year").apply`` of Brown's formula, what a script would do) and
  ``pysal_gini`` (``inequality.gini.Gini`` per year: **unweighted**, so it answers the
  same question only on the equal-weights data);
* Theil GE(0) and GE(1) decomposed by province per year: ``healthalloc_theil``
  (``equity.theil(..., group="province", by="year")``), ``pandas_apply`` (groupby
  year, then province) and ``pysal_theild`` (``inequality.theil.TheilD`` on the
  counties × years matrix: unweighted Theil T only; no GE(0));
* everything at once: ``healthalloc_equity`` (``equity.equity`` with area, group, by
  and unit: both Gini coefficients, both Theil indices decomposed, Lorenz curves,
  contributions and the per-unit HRDI/HRAD/PAD table).

``max |Δ|`` is the largest absolute difference from healthalloc's value over all years
(and parts of the decomposition). PySAL's inputs (a per-year vector, a balanced matrix)
are prepared outside the timing; healthalloc's times include checking the table.

    python benchmarks/equity_speed.py [--sizes 3000] [--repeats 7]
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TITLE = "Equity speed: Gini and province-decomposed Theil, 3,000 counties × 20 years"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Row, median_time, package_version  # noqa: E402  (the harness: benchmarks/run.py)

HERE = Path(__file__).resolve().parent
SEED = 20240917
COUNTIES = 3_000
YEARS = 20
PROVINCES = 31
REPEATS = 7


def make_data(n: int = COUNTIES, years: int = YEARS, *, equal_weights: bool = False,
              seed: int = SEED) -> pd.DataFrame:
    """A tidy county × year panel: ``county, province, year, pop, beds, km2``."""
    rng = np.random.default_rng(seed)
    pop = rng.lognormal(np.log(270_000), 0.8, n)
    level = rng.gamma(4.0, 5e-3 / 4.0, n)
    drift = rng.normal(1.0, 0.03, (years, n)).cumprod(axis=0)
    df = pd.DataFrame({
        "county": np.tile(np.arange(n), years),
        "province": np.tile(rng.integers(0, PROVINCES, n), years),
        "year": np.repeat(np.arange(2004, 2004 + years), n),
        "pop": np.tile(np.full(n, 270_000.0) if equal_weights else pop, years),
        "km2": np.tile(rng.lognormal(np.log(2_000), 1.0, n), years),
    })
    df["beds"] = np.round(df["pop"] * np.tile(level, years) * drift.ravel())
    return df


# --------------------------------------------------------------------------- methods


def _healthalloc_gini(df):
    from healthalloc.equity import gini

    return gini(df, "beds", "pop", by="year")["gini"].to_numpy()


def _healthalloc_theil(df):
    from healthalloc.equity import theil

    t = theil(df, "beds", "pop", group="province", by="year")
    return t[["theil_t", "theil_t_between", "theil_t_within", "theil_l", "theil_l_between",
              "theil_l_within"]].to_numpy()


def _healthalloc_equity(df):
    from healthalloc.equity import equity

    res = equity(df, "beds", "pop", area="km2", group="province", by="year", unit="county")
    return res.to_frame()[["gini_population", "theil_t"]].to_numpy()


def _brown(part):
    order = np.argsort(part["beds"].to_numpy() / part["pop"].to_numpy())
    p = part["pop"].to_numpy()[order] / part["pop"].sum()
    y = part["beds"].to_numpy()[order] / part["beds"].sum()
    Y = np.cumsum(y)
    return 1 - np.sum(p * (Y + Y - y))


def _pandas_gini(df):
    return df.groupby("year").apply(_brown, include_groups=False).to_numpy()


def _theil_year(part):
    p, y = part["pop"] / part["pop"].sum(), part["beds"] / part["beds"].sum()
    g = part["province"]
    P, Y = p.groupby(g).sum(), y.groupby(g).sum()
    pg, yg = p / g.map(P), y / g.map(Y)
    within_t = (y * np.log(yg / pg)).sum()  # Σ_g Y_g Σ (yg ln(yg/pg))
    within_l = (p * np.log(pg / yg)).sum()
    between_t, between_l = (Y * np.log(Y / P)).sum(), (P * np.log(P / Y)).sum()
    return [between_t + within_t, between_t, within_t, between_l + within_l, between_l, within_l]


def _pandas_theil(df):
    return np.array(df.groupby("year").apply(_theil_year, include_groups=False).tolist())


def _pysal_gini_inputs(df):
    return [part.to_numpy() for _, part in df.groupby("year")["beds"]]


def _pysal_gini(vectors):
    from inequality.gini import Gini

    return np.array([Gini(v).g for v in vectors])


def _pysal_theil_inputs(df):
    wide = df.pivot(index="county", columns="year", values="beds")
    partition = df.drop_duplicates("county").set_index("county")["province"].reindex(wide.index)
    return wide.to_numpy(), partition.to_numpy()


def _pysal_theild(inputs):
    from inequality.theil import TheilD

    y, partition = inputs
    d = TheilD(y, partition)
    return np.c_[d.T, d.bg, d.wg]


@dataclass(frozen=True)
class Method:
    key: str
    task: str
    label: str
    run: object
    prepare: object = None  # untimed input preparation (PySAL's arrays)
    package: str | None = None
    equal_weights_only: bool = False


METHODS = (
    Method("healthalloc_gini", "gini", "healthalloc equity.gini(by='year')", _healthalloc_gini,
           package="healthalloc"),
    Method("pandas_apply", "gini", "pandas groupby(year).apply(Brown's formula)", _pandas_gini,
           package="pandas"),
    Method("pysal_gini", "gini", "PySAL inequality.gini.Gini per year (unweighted)", _pysal_gini,
           _pysal_gini_inputs, "inequality", equal_weights_only=True),
    Method("healthalloc_theil", "theil", "healthalloc equity.theil(group='province', by='year')",
           _healthalloc_theil, package="healthalloc"),
    Method("pandas_apply", "theil", "pandas groupby(year) → groupby(province) (GE(0), GE(1))",
           _pandas_theil, package="pandas"),
    Method("pysal_theild", "theil", "PySAL inequality.theil.TheilD, counties × years (unweighted T)",
           _pysal_theild, _pysal_theil_inputs, "inequality", equal_weights_only=True),
    Method("healthalloc_equity", "all", "healthalloc equity.equity(area, group, by, unit): everything",
           _healthalloc_equity, package="healthalloc"),
)
REFERENCE = {"gini": "healthalloc_gini", "theil": "healthalloc_theil", "all": "healthalloc_equity"}




def _time(meth: Method, df: pd.DataFrame, repeats: int) -> tuple[float, np.ndarray]:
    seconds, out = median_time(meth.run, meth.prepare(df) if meth.prepare else df, repeats)
    return seconds, np.asarray(out, dtype=float)


def _compare(meth: Method, values: np.ndarray, ref: np.ndarray) -> float:
    """Largest difference from healthalloc's values over the columns both compute."""
    if meth.key == "pysal_theild":  # T, between, within of Theil T = healthalloc's first three
        ref = ref[:, :3]
    return float(np.max(np.abs(values.reshape(ref.shape) - ref)))


def run(opts, log=print) -> dict:
    """Time every method on the weighted and the equal-weights panel."""
    sizes = opts.sizes or [COUNTIES]
    repeats = opts.repeats or REPEATS
    methods = [m for m in METHODS if not opts.methods or m.key in opts.methods
               or m.key == REFERENCE[m.task]]
    rows = []
    for n in sizes:
        for equal in (False, True):
            name = f"{n:,} counties × {YEARS} years" + (", equal weights" if equal else "")
            df = make_data(n, equal_weights=equal)
            log(f"  {name} ({len(df):,} rows, {PROVINCES} provinces)")
            ref: dict[str, tuple[float, np.ndarray]] = {}
            for meth in methods:
                if meth.equal_weights_only and not equal:
                    continue
                row = Row(name, meth.task, meth.key, meth.label, package_version(meth.package))
                try:
                    row.median_s, values = _time(meth, df, repeats)
                    row.repeats = repeats
                    if meth.key == REFERENCE[meth.task]:
                        ref[meth.task] = row.median_s, values
                    ref_time, ref_values = ref[meth.task]
                    row.ratio = row.median_s / ref_time
                    row.max_abs_diff = _compare(meth, values, ref_values)
                except ModuleNotFoundError as exc:
                    row.status = f"not installed ({exc.name})"
                rows.append(row)
                log(f"    {meth.task:<6} {meth.key:<20} {row.median_s * 1e3:9.1f} ms  "
                    f"x{row.ratio:7.2f}  max|Δ| {row.max_abs_diff:.1e}  {row.status}")
    table = pd.DataFrame([asdict(r) for r in rows])
    return {"table": table, "checks": _checks(table), "notes": NOTES}


def _checks(table: pd.DataFrame) -> list[str]:
    ok = table[table.status == "ok"]
    out = []
    for _, r in ok[ok.method.str.startswith("pysal")].iterrows():
        out.append(f"{r.label} on {r.dataset}: agrees with healthalloc to {r.max_abs_diff:.1e} "
                   f"(target ≤ 1e-12): {'MET' if r.max_abs_diff <= 1e-12 else 'NOT MET'}")
    theil = ok[(ok.method == "healthalloc_theil") & ~ok.dataset.str.contains("equal")]
    for _, r in theil.iterrows():
        out.append(f"Theil decomposition on {r.dataset}: {r.median_s * 1e3:.0f} ms "
                   f"(target < 100 ms): {'MET' if r.median_s < 0.1 else 'NOT MET'}")
    return out


NOTES = [
    "PySAL's Gini and Theil are unweighted (each county weighs 1/n): on the weighted panel they "
    "answer a different question, so they are timed and checked on the equal-weights panel only.",
    "PySAL's TheilD computes Theil T (GE(1)) and its decomposition, not GE(0); its inputs (a "
    "counties × years matrix, a partition vector) are prepared outside the timing.",
    "healthalloc's times include validating the table (unknown columns, missing values, signs, "
    "duplicates) and building the result tables.",
]


if __name__ == "__main__":  # same as: python benchmarks/run.py equity [options]
    import run as harness

    sys.exit(harness.main(["equity", *sys.argv[1:]]))
