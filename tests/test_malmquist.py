"""Malmquist index against DEAP 2.1 example 4 and DataEnvelopmentAnalysis.jl, plus invariants."""

from __future__ import annotations

import doctest
import importlib
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from conftest import dea_jl, linprog_radial
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from healthalloc.data.validate import DataError
from healthalloc.efficiency.malmquist import DISTANCES, INDICES, malmquist
from healthalloc.solver import SolverError

malmquist_module = importlib.import_module("healthalloc.efficiency.malmquist")

COLUMNS = ["unit", "period_from", "period_to", *INDICES]

# --- DEAP 2.1 example 4 (output orientation, 5 firms × 3 years) ------------------------------
# From ../shared/data/dea_benchmarks/deap_eg4_*.csv (see SOURCES.md there): the data are
# reconstructed from the published distances; the expected values are DEAP's printed
# EG4-out.txt (3 decimals; DEAP prints 0.5625 as 0.563 and as 0.562, hence atol 1e-3).

EG4_DATA = """year,firm,y,x
1,1,1,2
1,2,2,4
1,3,3,3
1,4,4,5
1,5,5,6
2,1,1,2
2,2,3,4
2,3,4,3
2,4,3,5
2,5,5,5
3,1,1,2
3,2,3,4
3,3,4,3
3,4,3,5
3,5,5,5
"""

EG4_DISTANCES = """year,firm,crs_te_rel_tech_t_minus_1,crs_te_rel_tech_t,crs_te_rel_tech_t_plus_1,vrs_te
1,1,,0.500,0.375,1.000
1,2,,0.500,0.375,0.545
1,3,,1.000,0.750,1.000
1,4,,0.800,0.600,0.923
1,5,,0.833,0.625,1.000
2,1,0.500,0.375,0.375,1.000
2,2,0.750,0.563,0.563,0.667
2,3,1.333,1.000,1.000,1.000
2,4,0.600,0.450,0.450,0.600
2,5,1.000,0.750,0.750,1.000
3,1,0.375,0.375,,1.000
3,2,0.563,0.563,,0.667
3,3,1.000,1.000,,1.000
3,4,0.450,0.450,,0.600
3,5,0.750,0.750,,1.000
"""

EG4_MALMQUIST = """year,firm,effch,techch,pech,sech,tfpch
2,1,0.750,1.333,1.000,0.750,1.000
2,2,1.125,1.333,1.222,0.920,1.500
2,3,1.000,1.333,1.000,1.000,1.333
2,4,0.562,1.333,0.650,0.865,0.750
2,5,0.900,1.333,1.000,0.900,1.200
2,mean,0.844,1.333,0.955,0.883,1.125
3,1,1.000,1.000,1.000,1.000,1.000
3,2,1.000,1.000,1.000,1.000,1.000
3,3,1.000,1.000,1.000,1.000,1.000
3,4,1.000,1.000,1.000,1.000,1.000
3,5,1.000,1.000,1.000,1.000,1.000
3,mean,1.000,1.000,1.000,1.000,1.000
all,mean,0.918,1.155,0.977,0.940,1.061
"""

DEAP_TOL = 1e-3
TOL = 1e-6


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(StringIO(text))


def eg4(orientation: str = "output"):
    return malmquist(_csv(EG4_DATA), ["x"], ["y"], unit="firm", by="year",
                     orientation=orientation)


def test_deap_eg4_distances():
    expected = _csv(EG4_DISTANCES)
    got = eg4().distances
    assert list(got.columns) == ["unit", "period", *DISTANCES]
    keys = expected[["year", "firm"]].to_numpy().tolist()
    assert got[["period", "unit"]].to_numpy().tolist() == keys
    want = expected.drop(columns=["year", "firm"]).to_numpy()
    np.testing.assert_allclose(got[list(DISTANCES)].to_numpy(), want, atol=DEAP_TOL)


def test_deap_eg4_indices_and_means():
    expected = _csv(EG4_MALMQUIST)
    res = eg4()
    firms = expected[expected["firm"] != "mean"]
    assert res.indices[["period_to", "unit"]].astype(str).to_numpy().tolist() == \
        firms[["year", "firm"]].to_numpy().tolist()
    assert (res.indices["period_from"] == res.indices["period_to"] - 1).all()
    np.testing.assert_allclose(res.indices[list(INDICES)].to_numpy(),
                               firms[list(INDICES)].to_numpy(), atol=DEAP_TOL)
    # DEAP's annual means and the overall mean row
    means = expected[expected["firm"] == "mean"].set_index("year")[list(INDICES)]
    summary = res.summary()
    assert summary.index.tolist() == ["1→2", "2→3", "overall"]
    np.testing.assert_allclose(summary.to_numpy(), means.to_numpy(), atol=DEAP_TOL)
    np.testing.assert_allclose(res.overall().to_numpy(), means.loc["all"].to_numpy(), atol=DEAP_TOL)
    period_means = res.period_means()
    assert period_means[["period_from", "period_to"]].to_numpy().tolist() == [[1, 2], [2, 3]]
    np.testing.assert_allclose(period_means[list(INDICES)].to_numpy(), means.iloc[:2].to_numpy(),
                               atol=DEAP_TOL)


def test_eg4_input_orientation_shares_crs_indices():
    """Under CRS θ = 1/φ, so only the VRS-based pech and sech depend on the orientation."""
    out, inp = eg4("output").indices, eg4("input").indices
    for col in ("effch", "techch", "tfpch"):
        np.testing.assert_allclose(inp[col], out[col], rtol=1e-9)
    assert not np.allclose(inp["pech"], out["pech"])  # firm 2: 5/6 (input) vs 1.222 (output)
    np.testing.assert_allclose(inp["pech"] * inp["sech"], inp["effch"], rtol=1e-9)


# --- DataEnvelopmentAnalysis.jl test/malmquist.jl -------------------------------------------
# DEA.jl's default malmquist(X, Y): input orientation, CRS, geometric-mean reference period.
# Its M, EC and TC are our tfpch, effch and techch. Its test file checks CRS only; with
# rts = :VRS it would solve all four distances (cross-period ones too) under VRS, which is
# not DEAP's decomposition, so our pech/sech have no DEA.jl counterpart.

JL_QUANTITY = {"prodchange(mprod)": "tfpch", "prodchange(mprod3)": "tfpch",
               "prodchange(mprod, :EC)": "effch", "prodchange(mprod3, :EC)": "effch",
               "prodchange(mprod, :TC)": "techch", "prodchange(mprod3, :TC)": "techch"}
JL_TESTS = [t for t in dea_jl()["tests"] if t["file"] == "malmquist.jl"]


def _jl_panel(test: dict) -> pd.DataFrame:
    """DEA.jl's X[:, :, t], Y[:, :, t] slices as a long panel (units 1.., periods 1..)."""
    sets = {d["id"]: np.asarray(d["value"], float) for d in dea_jl()["datasets"]}
    xs, ys = test["data_refs"]["X[:,:,t]"], test["data_refs"]["Y[:,:,t]"]
    return pd.concat([
        pd.DataFrame({"dmu": np.arange(1, len(sets[x]) + 1), "t": t + 1,
                      "x": sets[x], "y": sets[y]})
        for t, (x, y) in enumerate(zip(xs, ys))
    ])


def test_dea_jl_expectations_are_all_used():
    assert sorted(JL_QUANTITY) == sorted({t["quantity"] for t in JL_TESTS}) and len(JL_TESTS) == 6


@pytest.mark.parametrize("orientation", ["input", "output"])
@pytest.mark.parametrize("test", JL_TESTS, ids=lambda t: f"line{t['line']}")
def test_matches_dea_jl(test, orientation):
    # DEA.jl's own test file also asserts that orient = :Output gives the same numbers
    assert test["model_call"] == "malmquist(X, Y)"
    res = malmquist(_jl_panel(test), ["x"], ["y"], unit="dmu", by="t", orientation=orientation)
    column = JL_QUANTITY[test["quantity"]]
    got = res.indices.pivot(index="unit", columns="period_from", values=column)
    expected = np.asarray(test["expected"], float).reshape(got.shape)
    # the 3-period expectations are printed to 7 decimals
    np.testing.assert_allclose(got.to_numpy(), expected, atol=TOL)


# --- result tables --------------------------------------------------------------------------

def _panel(values: np.ndarray, m: int) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(T, n, m + s) array → long panel with columns unit, year, x1.., y1.."""
    T, n, k = values.shape
    xs = [f"x{i + 1}" for i in range(m)]
    ys = [f"y{i + 1}" for i in range(k - m)]
    df = pd.DataFrame(values.reshape(T * n, k), columns=xs + ys)
    df.insert(0, "unit", np.tile([f"u{i}" for i in range(n)], T))
    df.insert(1, "year", np.repeat(2014 + np.arange(T), n))
    return df, xs, ys


def _random_panel(T=4, n=8, m=2, s=2, seed=0):
    rng = np.random.default_rng(seed)
    return _panel(rng.uniform(1, 100, size=(T, n, m + s)), m)


def _gmean(values) -> np.ndarray:
    return np.exp(np.log(np.asarray(values, float)).mean(axis=0))


def test_means_cumulative_and_groups():
    df, xs, ys = _random_panel()
    df["region"] = df["unit"].map({f"u{i}": "east" if i < 3 else "west" for i in range(8)})
    res = malmquist(df, xs, ys, unit="unit", by="year")
    ind = res.to_frame()
    assert list(ind.columns) == COLUMNS and len(ind) == 3 * 8
    assert res.periods == (2014, 2015, 2016, 2017)
    # unit means: geometric mean over the unit's three transitions
    u3 = ind[ind["unit"] == "u3"]
    np.testing.assert_allclose(res.unit_means().loc["u3"], _gmean(u3[list(INDICES)]), rtol=1e-12)
    # overall = geometric mean of the period means = geometric mean of all rows (balanced)
    np.testing.assert_allclose(res.overall(), _gmean(ind[list(INDICES)]), rtol=1e-12)
    assert res.period_means().index.tolist() == ["2014→2015", "2015→2016", "2016→2017"]
    # cumulative: 1 at the base year, then running products
    cum = res.cumulative()
    assert list(cum.columns) == ["unit", "period", *INDICES] and len(cum) == 4 * 8
    assert (cum.loc[cum["period"] == 2014, list(INDICES)] == 1.0).all(axis=None)
    last = cum[(cum["unit"] == "u3") & (cum["period"] == 2017)][list(INDICES)].to_numpy()[0]
    np.testing.assert_allclose(last, u3[list(INDICES)].prod().to_numpy(), rtol=1e-12)
    # chained effch telescopes to TE(2017) / TE(2014)
    te = res.distances.set_index(["unit", "period"])["crs_te"]
    assert last[0] == pytest.approx(te["u3", 2017] / te["u3", 2014], rel=1e-12)
    # groups: a column of the data or a Series, same answer; "overall" row per group
    by_col = res.group_means("region")
    by_series = res.group_means(pd.Series({f"u{i}": "east" if i < 3 else "west" for i in range(8)}))
    pd.testing.assert_frame_equal(by_col, by_series)
    east = ind[ind["unit"].isin(["u0", "u1", "u2"])]
    np.testing.assert_allclose(by_col.loc[("east", "2015→2016")],
                               _gmean(east[east["period_from"] == 2015][list(INDICES)]), rtol=1e-12)
    np.testing.assert_allclose(by_col.loc[("west", "overall")],
                               _gmean(ind[~ind.index.isin(east.index)][list(INDICES)]), rtol=1e-12)
    one = res.group_means(pd.Series("all", index=[f"u{i}" for i in range(8)]))
    np.testing.assert_allclose(one.loc["all"].to_numpy(), res.summary().to_numpy(), rtol=1e-12)
    assert "overall" in str(res) and "2016→2017" in str(res)


def test_periods_sorted_and_row_order_irrelevant():
    df, xs, ys = _random_panel(T=3, seed=1)
    res = malmquist(df, xs, ys, unit="unit", by="year")
    shuffled = df.sample(frac=1.0, random_state=0)
    shuffled["year"] = shuffled["year"].astype(str)  # string periods sort too
    again = malmquist(shuffled, xs, ys, unit="unit", by="year")
    assert again.periods == ("2014", "2015", "2016")
    key = ["period_from", "unit"]
    a = res.indices.sort_values(key)[list(INDICES)].to_numpy()
    b = again.indices.sort_values(key)[list(INDICES)].to_numpy()
    np.testing.assert_allclose(b, a, rtol=1e-9)


def test_one_lp_family_per_frontier_and_rts(monkeypatch):
    """Each period's frontier is solved once under CRS (own and adjacent periods' data
    together) and once under VRS: 2T calls of the batched envelopment solver."""
    calls = []
    real = malmquist_module.models.radial
    monkeypatch.setattr(malmquist_module.models, "radial",
                        lambda Xe, *a, **kw: calls.append((len(Xe), kw["rts"]))
                        or real(Xe, *a, **kw))
    df, xs, ys = _random_panel(T=4, n=8)
    malmquist(df, xs, ys, unit="unit", by="year")
    expected = [(16, "crs"), (24, "crs"), (24, "crs"), (16, "crs")] + [(8, "vrs")] * 4
    assert sorted(calls) == sorted(expected)


def test_solver_failure_names_unit_and_period(monkeypatch):
    """A unit HiGHS fails on is named with its period (here: the 2nd unit of the data
    evaluated against the 2015 CRS frontier, i.e. the 2014 data's 2nd unit)."""
    real = malmquist_module.models.radial

    def failing(Xe, Ye, Xr, *args, **kwargs):
        if kwargs["rts"] == "crs" and len(Xe) == 24:
            raise SolverError("HiGHS did not solve the radial DEA LP (Unknown)",
                              status="Unknown", units=[1])
        return real(Xe, Ye, Xr, *args, **kwargs)

    monkeypatch.setattr(malmquist_module.models, "radial", failing)
    df, xs, ys = _random_panel(T=4, n=8)
    with pytest.raises(SolverError, match=r"\(Unknown\) for unit u1 \(2014\)$"):
        malmquist(df, xs, ys, unit="unit", by="year")


def test_docstring_example():
    assert doctest.testmod(malmquist_module).failed == 0


# --- properties -----------------------------------------------------------------------------

panels = st.integers(2, 4).flatmap(lambda T: st.integers(3, 7).flatmap(
    lambda n: arrays(float, (T, n, 4), elements=st.floats(1.0, 100.0, allow_nan=False))))


@settings(max_examples=30, deadline=None)
@given(values=panels, orientation=st.sampled_from(["input", "output"]),
       col=st.integers(0, 3), scale=st.floats(1e-3, 1e3))
def test_decomposition_and_unit_invariance(values, orientation, col, scale):
    df, xs, ys = _panel(values, 2)
    ind = malmquist(df, xs, ys, unit="unit", by="year", orientation=orientation).indices
    assert np.all(ind[list(INDICES)].to_numpy() > 0)
    np.testing.assert_allclose(ind["tfpch"], ind["effch"] * ind["techch"], rtol=1e-9)
    np.testing.assert_allclose(ind["effch"], ind["pech"] * ind["sech"], rtol=1e-9)
    # measuring one variable in other units (beds → thousand beds) changes no index
    df[(xs + ys)[col]] *= scale
    again = malmquist(df, xs, ys, unit="unit", by="year", orientation=orientation).indices
    np.testing.assert_allclose(again[list(INDICES)], ind[list(INDICES)], rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(values=st.integers(2, 4).flatmap(lambda T: st.integers(2, 6).flatmap(
    lambda n: arrays(float, (T, n, 2), elements=st.floats(1.0, 100.0, allow_nan=False)))))
def test_one_input_one_output_closed_form(values):
    """With one input and one output, CRS TE^a(b) = (y/x)_b / max_j (y/x)_{a,j}: the
    technical change is the growth of the best productivity ratio for every unit."""
    df, xs, ys = _panel(values, 1)
    res = malmquist(df, xs, ys, unit="unit", by="year")
    ratio = values[:, :, 1] / values[:, :, 0]  # (T, n)
    best = ratio.max(axis=1)
    np.testing.assert_allclose(res.indices["tfpch"], (ratio[1:] / ratio[:-1]).ravel(), rtol=1e-6)
    frontier_growth = np.repeat(best[1:] / best[:-1], ratio.shape[1])
    np.testing.assert_allclose(res.indices["techch"], frontier_growth, rtol=1e-6)
    nxt = res.distances["crs_te_next"].to_numpy().reshape(ratio.shape)[:-1]
    np.testing.assert_allclose(nxt, ratio[:-1] / best[1:, None], rtol=1e-6)


@settings(max_examples=15, deadline=None)
@given(values=st.integers(3, 8).flatmap(
    lambda n: arrays(float, (3, n, 4), elements=st.floats(1.0, 100.0, allow_nan=False))),
    orientation=st.sampled_from(["input", "output"]))
def test_matches_linprog_oracle(values, orientation):
    """Distances and indices from scipy's linprog, one LP per unit and frontier, with the
    formulas of the module docstring. Two inputs and two outputs: with one of each the
    base- and comparison-period technical changes coincide and would not test the
    geometric mean."""
    df, xs, ys = _panel(values, 2)
    res = malmquist(df, xs, ys, unit="unit", by="year", orientation=orientation)
    T, n = values.shape[:2]

    def te(a, b, rts="crs"):  # period-b data against the period-a frontier
        out = []
        for i in range(n):
            Z = np.vstack([values[a], values[b][i]])  # the evaluated unit last, left out
            phi = linprog_radial(Z[:, :2], Z[:, 2:], n, rts=rts, orientation=orientation,
                                 exclude_self=True)
            out.append(phi if orientation == "input" else 1 / phi)
        return np.array(out)

    dist = res.distances
    for t in range(T):
        got = dist[dist["period"] == 2014 + t]
        np.testing.assert_allclose(got["crs_te"], te(t, t), rtol=1e-6)
        np.testing.assert_allclose(got["vrs_te"], te(t, t, "vrs"), rtol=1e-6)
    for t in range(T - 1):
        got = res.indices[res.indices["period_from"] == 2014 + t]
        own0, own1 = te(t, t), te(t + 1, t + 1)
        np.testing.assert_allclose(got["effch"], own1 / own0, rtol=1e-6)
        techch = np.sqrt(te(t, t + 1) / own1 * own0 / te(t + 1, t))
        np.testing.assert_allclose(got["techch"], techch, rtol=1e-6)
        pech = te(t + 1, t + 1, "vrs") / te(t, t, "vrs")
        np.testing.assert_allclose(got["pech"], pech, rtol=1e-6)


# --- errors ---------------------------------------------------------------------------------

def test_unbalanced_panel_names_missing_pairs():
    df = _csv(EG4_DATA)
    gappy = df.drop(index=df.index[(df["year"] == 2) & df["firm"].isin([3, 5])])
    with pytest.raises(ValueError, match=r"balanced panel.*units 3 \(2\) and 5 \(2\)"):
        malmquist(gappy, ["x"], ["y"], unit="firm", by="year")
    with pytest.raises(ValueError, match="at least two periods"):
        malmquist(df[df["year"] == 1], ["x"], ["y"], unit="firm", by="year")


def test_bad_input():
    df = _csv(EG4_DATA)
    with pytest.raises(ValueError, match="orientation must be one of"):
        malmquist(df, ["x"], ["y"], unit="firm", by="year", orientation="both")
    with pytest.raises(DataError, match="duplicate unit–period rows"):
        malmquist(pd.concat([df, df.iloc[[4]]]), ["x"], ["y"], unit="firm", by="year")
    with pytest.raises(KeyError, match="did you mean 'year'"):
        malmquist(df, ["x"], ["y"], unit="firm", by="yaer")
    # a cross-period distance to a frontier where nobody produces an output is undefined
    new_output = df.assign(z=np.where((df["year"] == 2) & (df["firm"] == 1), 1.0, 0.0))
    with pytest.raises(ValueError, match=r"output 'z' is zero for every unit in 1 but not in 2; "
                       r"output 'z' is zero for every unit in 3 but not in 2"):
        malmquist(new_output, ["x"], ["y", "z"], unit="firm", by="year")
    res = eg4()
    with pytest.raises(ValueError, match="no group for units 4 and 5"):
        res.group_means(pd.Series({1: "a", 2: "a", 3: "b"}))
    varying = df.assign(region=np.where((df["firm"] == 2) & (df["year"] == 3), "b", "a"))
    res = malmquist(varying, ["x"], ["y"], unit="firm", by="year")
    with pytest.raises(ValueError, match="'region' changes over time for unit 2"):
        res.group_means("region")


def test_period_is_the_older_name_of_by():
    df = _csv(EG4_DATA)
    with pytest.warns(FutureWarning, match="now by="):
        old = malmquist(df, ["x"], ["y"], unit="firm", period="year", orientation="output")
    pd.testing.assert_frame_equal(old.indices, malmquist(df, ["x"], ["y"], unit="firm", by="year",
                                                         orientation="output").indices)
