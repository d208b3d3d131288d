"""Malmquist–Luenberger (Chung, Färe & Grosskopf 1997) and global Malmquist–Luenberger (Oh 2010)
indices on the directional distance function with bad outputs.

Reference: the indices' formulas applied to directional distances from an independent LP
(``ddf_lp`` in ``test_undesirable.py``, scipy's linprog) on a seeded simulated panel (labelled
as simulated: 12 units, 4 periods, 2 inputs, 1 good and 1 bad output), to 1e-8; and
DataEnvelopmentAnalysis.jl's ``malmluen`` test expectations (CRS, g = (0, y, −b)) for the
units where its bad-output inequality binds, as Chung et al.'s equality does. Identities:
ml = mleffch × mltech; the global index is circular (the product of adjacent indices equals the
direct comparison); β ≥ 0 against the own period's technology.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import dea_jl, run_cli
from test_undesirable import ddf_lp

from healthalloc.efficiency.luenberger import luenberger

TOL = 1e-8
IO = (["x1", "x2"], ["y"], ["b"])


def _malmluen(line: int) -> tuple[pd.DataFrame, dict]:
    """DataEnvelopmentAnalysis.jl's malmluen test at ``line``: its panel (one input x, good output y, bad
    output b per period) and the expectation."""
    data = dea_jl()
    sets = {d["id"]: d for d in data["datasets"]}
    test = next(t for t in data["tests"] if t["file"] == "malmluen.jl" and t["line"] == line)
    refs = {k[0]: v for k, v in test["data_refs"].items()}  # 'X[:,:,t]' → X: one dataset per period
    frames = [pd.DataFrame({"unit": [f"DMU{i + 1}" for i in range(len(sets[refs["X"][t]]["value"]))], "t": t,
                            **{c.lower(): np.ravel(sets[refs[c][t]]["value"]) for c in "XYB"}})
              for t in range(len(refs["X"]))]
    return pd.concat(frames, ignore_index=True), test


@pytest.mark.parametrize("line, index", [(27, "ml"), (29, "mleffch"), (30, "mltech"), (72, "ml"), (78, "mleffch"),
                                         (83, "mltech")])
def test_dea_jl_malmluen(line, index):
    """DEA.jl's deaenv (Aparicio, Pastor & Zofío 2023) bounds the bad outputs by Bλ ≤ (1 − β)b where Chung et
    al. (1997) ask Bλ = (1 − β)b (weak disposability). The two agree where DEA.jl's bad-output slack is zero:
    DMU3–DMU5 of its example (DMU2's period-1 score is 0.4 there with a bad slack of 1, 0 here; DMU1 and DMU2's
    cross-period LPs differ the same way or are infeasible here). Tolerance: DEA.jl's test's (default
    isapprox, rtol ≈ 1.5e-8; atol 1e-5 for the three-period lines)."""
    df, test = _malmluen(line)
    with pytest.warns(RuntimeWarning, match="indices are NaN"):
        res = luenberger(df, ["x"], ["y"], ["b"], unit="unit", by="t")
    got = res.indices.pivot(index="unit", columns="period_from", values=index).loc[["DMU3", "DMU4", "DMU5"]]
    expected = np.asarray(test["expected"], float).reshape(len(got.index) + 2, -1)[2:]
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1.5e-8, atol=test["tolerance"].get("atol", 0.0))


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Simulated: inputs drawn uniformly, outputs a noisy Cobb–Douglas of them growing 5% a period,
    the bad output about a fifth of the good one."""
    rng = np.random.default_rng(21)
    rows = []
    for t in range(4):
        x = rng.uniform(5, 20, (12, 2))
        y = 1.05 ** t * x[:, 0] ** 0.5 * x[:, 1] ** 0.4 * rng.uniform(0.6, 1.0, 12)
        b = y * rng.uniform(0.18, 0.22, 12)
        rows.append(pd.DataFrame({"unit": [f"h{i}" for i in range(12)], "year": 2015 + t, "x1": x[:, 0],
                                  "x2": x[:, 1], "y": y, "b": b}))
    return pd.concat(rows, ignore_index=True)


def _arrays(panel, year):
    part = panel[panel["year"] == year]
    return tuple(part[c].to_numpy(float) for c in IO)


def _d(panel, data_years, frontier_years, o):
    """1 + β of unit o's data in ``data_years`` (one year) against the pooled technology of ``frontier_years``."""
    X, G, B = _arrays(panel, data_years)
    ref = [_arrays(panel, y) for y in frontier_years]
    Xr, Gr, Br = (np.vstack([r[i] for r in ref]) for i in range(3))
    return 1 + ddf_lp(X, G, B, o, "crs", Xr, Gr, Br)


def test_contemporaneous_equals_independent_lps(panel):
    """Where a cross-period LP is infeasible (a unit beyond the other period's frontier: moving
    along −g raises the bad output, which the weak disposability makes cost inputs), the
    independent LP is infeasible too and the index NaN; the global index has no such gaps."""
    with pytest.warns(RuntimeWarning, match="indices are NaN"):
        res = luenberger(panel, *IO, unit="unit", by="year")
    ind = res.indices.set_index(["unit", "period_from"])
    for t in (2015, 2017):
        for o in range(12):
            own_t, own_u = _d(panel, t, [t], o), _d(panel, t + 1, [t + 1], o)
            cross_tu, cross_ut = _d(panel, t + 1, [t], o), _d(panel, t, [t + 1], o)
            row = ind.loc[(f"h{o}", t)]
            np.testing.assert_allclose(row[["ml", "mleffch"]].to_numpy(float),
                                       [np.sqrt(own_t / cross_tu * cross_ut / own_u), own_t / own_u], atol=TOL)
    assert res.indices["ml"].notna().sum() >= 12
    np.testing.assert_allclose(res.indices["ml"], res.indices["mleffch"] * res.indices["mltech"], rtol=1e-12)
    assert (res.distances["beta"] >= -1e-9).all() and (res.distances["beta"].abs() < 1e-9).any()


def test_global_is_circular_and_equals_independent_lps(panel):
    res = luenberger(panel, *IO, unit="unit", by="year", reference="global")
    assert res.indices.notna().all().all()
    years = list(range(2015, 2019))
    wide = res.indices.pivot(index="unit", columns="period_from", values="ml")
    direct = res.distances.pivot(index="unit", columns="period", values="beta_global")
    chained = wide.prod(axis=1)
    np.testing.assert_allclose(chained, (1 + direct[2015]) / (1 + direct[2018]), rtol=1e-12)
    for o in (0, 7):
        expected = _d(panel, 2015, years, o) / _d(panel, 2018, years, o)
        assert chained[f"h{o}"] == pytest.approx(expected, abs=TOL)
    np.testing.assert_allclose(res.indices["ml"], res.indices["mleffch"] * res.indices["mltech"], rtol=1e-12)
    assert (res.distances["beta_global"] >= res.distances["beta"] - 1e-9).all()  # the pooled technology is larger


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_same_numbers_on_every_engine(panel, engine):
    serial = luenberger(panel, *IO, unit="unit", by="year", reference="global")
    other = luenberger(panel, *IO, unit="unit", by="year", reference="global", engine=engine, workers=2)
    pd.testing.assert_frame_equal(serial.to_frame(), other.to_frame(), check_exact=True)


def test_result_convention(panel):
    with pytest.warns(RuntimeWarning, match="indices are NaN"):  # this panel's infeasible cross-period LPs
        res = luenberger(panel, *IO, unit="unit", by="year")
    summary = res.summary()
    assert list(summary.index) == ["2015→2016", "2016→2017", "2017→2018", "overall"]
    by_hand = np.exp(np.log(res.indices.loc[res.indices["period_from"] == 2015, "ml"]).mean())
    assert summary.loc["2015→2016", "ml"] == pytest.approx(by_hand, rel=1e-12)
    assert f"{summary.loc['overall', 'ml']:.3f}" in res.reading()
    assert set(res.figures()) == {"trend"}
    assert "bad outputs b" in str(res)


def test_bad_input(panel):
    with pytest.raises(ValueError, match="column b listed both as an output and as undesirable"):
        luenberger(panel, ["x1", "x2"], ["y", "b"], ["b"], unit="unit", by="year")
    with pytest.raises(ValueError, match="balanced panel"):
        luenberger(panel.iloc[1:], *IO, unit="unit", by="year")
    with pytest.raises(ValueError, match="reference must be one of"):
        luenberger(panel, *IO, unit="unit", by="year", reference="sequential")


def test_command_line(user, panel, capsys):
    """``healthalloc dea … --undesirable b --luenberger global --unit U --by YEAR``: the indices table."""
    panel.to_csv("panel.csv", index=False)
    code, out, err = run_cli(["dea", "panel.csv", "--unit", "unit", "--by", "year", "--inputs", "x1,x2", "--outputs",
                              "y", "--undesirable", "b", "--luenberger", "global", "--quiet", "-o", "ml.csv"], capsys)
    assert code == 0, err
    table = pd.read_csv("ml.csv")
    expected = luenberger(panel, *IO, unit="unit", by="year", reference="global").to_frame()
    assert list(table.columns) == ["unit", "period_from", "period_to", "ml", "mleffch", "mltech"]
    np.testing.assert_allclose(table["ml"], expected["ml"], rtol=1e-9)
    assert "Malmquist–Luenberger" in out


def test_docstring_example_runs():
    """The example worked by hand: in 2014 A (10 visits, 2 infections) lies below B (20, 2); with
    λ_B = 1 − β (the infections' equality) 20(1 − β) ≥ 10(1 + β) gives β = 1/3; in 2015 A = B, β = 0:
    mleffch = (1 + 1/3) / 1 = 1.333, and both frontiers are B's, so mltech = 1."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module("healthalloc.efficiency.luenberger"))
    assert result.attempted > 0 and result.failed == 0
