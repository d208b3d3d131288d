"""DEA against published results (DEA.jl, DEAP 2.1) and an independent linprog oracle."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import dea_jl_case, frame, linprog_radial, reference
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from healthalloc.data.validate import DataError
from healthalloc.efficiency import dea
from healthalloc.efficiency.models import radial, sbm

TOL = 1e-6

FLS = pd.read_csv(reference("fls_11dmu_radial_expected.csv"))


def fls(**kw):
    return dea(FLS, ["x1", "x2"], ["y"], unit="dmu", **kw)


# --- DataEnvelopmentAnalysis.jl, test/dea.jl (FLS 11-DMU data) -------------------------

RADIAL_CASES = [  # (line of efficiency test, rts, orientation, slack X line, slack Y line, peers line)
    (18, "crs", "input", 41, 52, 29),
    (65, "crs", "output", 88, 99, 76),
    (110, "vrs", "input", 133, 144, 121),
    (165, "vrs", "output", 188, 199, 176),
]


@pytest.mark.parametrize("eff_line,rts,orientation,sx_line,sy_line,peers_line", RADIAL_CASES)
def test_radial_matches_dea_jl(eff_line, rts, orientation, sx_line, sy_line, peers_line):
    test, d = dea_jl_case("dea.jl", eff_line)
    sol = radial(d["X"], d["Y"], d["X"], d["Y"], rts=rts, orientation=orientation)
    np.testing.assert_allclose(sol.score, test["expected"], atol=TOL)
    for line, got in ((sx_line, sol.slack_x), (sy_line, sol.slack_y)):
        expected = np.asarray(dea_jl_case("dea.jl", line)[0]["expected"]).reshape(got.shape)
        np.testing.assert_allclose(got, expected, atol=TOL)
    # DEA.jl reports λ of its radial phase, ours come from the slack phase: they agree
    # wherever there is no slack (a unit with slack has several optimal λ in phase 1)
    peers = np.asarray(dea_jl_case("dea.jl", peers_line)[0]["expected"])
    no_slack = (sol.slack_x.sum(axis=1) + sol.slack_y.sum(axis=1)) < TOL
    np.testing.assert_allclose(sol.lambdas.toarray()[no_slack], peers[no_slack], atol=TOL)
    # our λ reproduce the targets: Σλx = θx − s⁻ (or x − s⁻), Σλy = y + s⁺ (or φy + s⁺)
    lam = sol.lambdas.toarray()
    fx, fy = (sol.score[:, None], 1.0) if orientation == "input" else (1.0, sol.score[:, None])
    np.testing.assert_allclose(lam @ d["X"], d["X"] * fx - sol.slack_x, atol=TOL)
    np.testing.assert_allclose(lam @ d["Y"], d["Y"] * fy + sol.slack_y, atol=TOL)


@pytest.mark.parametrize("line,orientation,col", [(327, "input", None), (337, "output", None)])
def test_radial_strong_disposability_example(line, orientation, col):
    test, d = dea_jl_case("dea.jl", line)
    sol = radial(d["X"], d["Y"], d["X"], d["Y"], rts="vrs", orientation=orientation)
    np.testing.assert_allclose(sol.score, test["expected"], atol=TOL)
    sx = dea_jl_case("dea.jl", line + 1)[0]["expected"]
    sy = dea_jl_case("dea.jl", line + 2)[0]["expected"]
    np.testing.assert_allclose(sol.slack_x.ravel(), sx, atol=TOL)
    np.testing.assert_allclose(sol.slack_y.ravel(), sy, atol=TOL)


def test_fls_table_api_and_output_conventions():
    out = fls(orientation="output")
    np.testing.assert_allclose(out.phi, FLS["crs_output_phi"], atol=TOL)
    np.testing.assert_allclose(out.efficiency, 1 / FLS["crs_output_phi"], atol=TOL)
    inp = fls(rts="vrs")
    np.testing.assert_allclose(inp.efficiency, FLS["vrs_input_theta"], atol=TOL)
    np.testing.assert_allclose(inp.slacks["y"], FLS["vrs_input_slack_y"], atol=TOL)
    assert inp.phi is None


# --- DataEnvelopmentAnalysis.jl, test/deaerg.jl: ERG = SBM (Tone 2001) -------------------

@pytest.mark.parametrize("eff_line,rts", [(16, "crs"), (39, "vrs")])
def test_sbm_matches_dea_jl_erg(eff_line, rts):
    test, d = dea_jl_case("deaerg.jl", eff_line)
    sol = sbm(d["X"], d["Y"], d["X"], d["Y"], rts=rts)
    np.testing.assert_allclose(sol.score, test["expected"], atol=1e-4)
    sx = np.asarray(dea_jl_case("deaerg.jl", eff_line + 12)[0]["expected"]).reshape(sol.slack_x.shape)
    sy = np.asarray(dea_jl_case("deaerg.jl", eff_line + 13)[0]["expected"]).reshape(sol.slack_y.shape)
    # our slacks give the score by Tone's formula and the λ reproduce the targets
    rho = (1 - (sol.slack_x / d["X"]).mean(axis=1)) / (1 + (sol.slack_y / d["Y"]).mean(axis=1))
    np.testing.assert_allclose(rho, sol.score, atol=1e-9)
    lam = sol.lambdas.toarray()
    np.testing.assert_allclose(lam @ d["X"], d["X"] - sol.slack_x, atol=1e-9)
    np.testing.assert_allclose(lam @ d["Y"], d["Y"] + sol.slack_y, atol=1e-9)
    # slacks are not unique for unit 3 under CRS (λ₂ = 2 with s⁺ = 2, or λ₂ = 1.6 with
    # s⁻ = 1.6, both ρ = 0.8); DEA.jl prints some slacks to 3-4 decimals (9.412, 2.647)
    unique = np.arange(len(sx)) != (2 if rts == "crs" else -1)
    np.testing.assert_allclose(sol.slack_x[unique], sx[unique], atol=1e-3)
    np.testing.assert_allclose(sol.slack_y[unique], sy[unique], atol=1e-3)


def test_sbm_targets_are_sbm_efficient():
    _, d = dea_jl_case("deaerg.jl", 39)
    sol = sbm(d["X"], d["Y"], d["X"], d["Y"], rts="vrs")
    tx, ty = d["X"] - sol.slack_x, d["Y"] + sol.slack_y
    again = sbm(tx, ty, tx, ty, rts="vrs")
    np.testing.assert_allclose(again.score, 1.0, atol=1e-6)


# --- DEAP 2.1 example 1 ------------------------------------------------------------------

def test_deap_example_1():
    data = pd.read_csv(reference("deap_eg1_data.csv"))
    exp = pd.read_csv(reference("deap_eg1_expected.csv"), dtype={"peers": str, "peer_weights": str})
    res = dea(data, ["x1", "x2"], ["y"], unit="firm")
    table = res.to_frame()
    np.testing.assert_allclose(table["efficiency"], exp["crs_input_te"], atol=1e-3)
    np.testing.assert_allclose(table["slack_x1"], exp["input_slack_x1"], atol=1e-3)
    np.testing.assert_allclose(table["slack_x2"], exp["input_slack_x2"], atol=1e-3)
    for v in ("y", "x1", "x2"):
        np.testing.assert_allclose(table[f"target_{v}"], exp[f"target_{v}"], atol=1e-3)
    for got_p, got_w, want_p, want_w in zip(table["peers"], table["peer_weights"],
                                            exp["peers"], exp["peer_weights"]):
        got = dict(zip(got_p.split(";"), map(float, got_w.split(";"))))
        want = dict(zip(want_p.split(";"), map(float, want_w.split(";"))))
        assert got.keys() == want.keys()
        for k in want:
            assert got[k] == pytest.approx(want[k], abs=1e-3)
    assert res.summary()["efficient"].iloc[0] == 2
    assert res.summary()["mean_efficiency"].iloc[0] == pytest.approx(0.810, abs=1e-3)


# --- independent oracle: every model × rts × orientation -----------------------------------

def _random(n=30, m=2, s=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 100, (n, m))
    Y = rng.uniform(1, 10, (n, s)) * np.sqrt(X.mean(axis=1, keepdims=True))
    return X, Y


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_radial_against_linprog(rts, orientation):
    X, Y = _random(seed=1)
    got = radial(X, Y, X, Y, rts=rts, orientation=orientation, slacks=False).score
    want = [linprog_radial(X, Y, o, rts=rts, orientation=orientation) for o in range(len(X))]
    np.testing.assert_allclose(got, want, atol=TOL)


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_super_efficiency_against_linprog(rts, orientation):
    X, Y = _random(n=25, seed=2)
    want = np.array([linprog_radial(X, Y, o, rts=rts, orientation=orientation, exclude_self=True)
                     for o in range(len(X))])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = radial(X, Y, X, Y, rts=rts, orientation=orientation, exclude=np.arange(len(X))).score
    np.testing.assert_allclose(got, want, atol=TOL)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert bool(caught) == bool(np.isnan(want).any())


def test_super_efficiency_infeasible_units_are_named():
    df, xs, ys = frame(FLS[["x1", "x2"]].to_numpy(), FLS[["y"]].to_numpy())
    with pytest.warns(RuntimeWarning, match="infeasible"):
        res = dea(df, xs, ys, unit="unit", rts="vrs", model="super")
    assert res.efficiency.isna().sum() == 1
    np.testing.assert_allclose(res.efficiency["u1"], FLS["vrs_input_theta"][1], atol=TOL)


def test_large_problem_needs_column_generation():
    """More units than one block and a frontier the screen does not find at once."""
    X, Y = _random(n=700, m=3, s=2, seed=3)
    got = radial(X, Y, X, Y, rts="vrs", orientation="input", slacks=False).score
    check = np.arange(0, 700, 37)
    want = [linprog_radial(X, Y, o, rts="vrs") for o in check]
    np.testing.assert_allclose(got[check], want, atol=TOL)


def _steep_frontier(seed):
    """Random data where two units almost tie on the best output (input orientation) or
    on the smallest input (output orientation), a sliver below the solver's tolerance
    apart: the VRS frontier there is nearly vertical and the LP duals exceed 10⁶."""
    rng = np.random.default_rng(seed)
    X, Y = rng.random((600, 2)), rng.random((600, 2))
    gap = rng.uniform(1e-8, 6e-8) * Y.mean()
    if seed % 2:
        top, near = np.argsort(Y[:, 0])[[-1, -2]]
        Y[near, 0] = Y[top, 0] - gap
        X[near] = rng.uniform(0.01, 0.2, 2)
    else:
        top, near = np.argsort(X[:, 0])[[0, 1]]
        X[near, 0] = X[top, 0] + gap * X.mean() / Y.mean()
        Y[near] = rng.uniform(0.8, 1.5, 2)
    return X, Y, top, "input" if seed % 2 else "output"


@pytest.mark.parametrize("seed,rts",
                         [(49, "vrs"), (50, "vrs"), (50, "ndrs"), (49, "nirs"), (51, "nirs")])
def test_nearly_vertical_frontier(seed, rts):
    """Used to give a wrong score (an elastic column cheaper than the true dual) and then
    abort the slack phase with "Infeasible" for the whole run."""
    X, Y, top, orientation = _steep_frontier(seed)
    res = radial(X, Y, X, Y, rts=rts, orientation=orientation)
    check = np.r_[top, np.arange(0, 600, 41)]
    want = [linprog_radial(X, Y, o, rts=rts, orientation=orientation) for o in check]
    np.testing.assert_allclose(res.score[check], want, atol=TOL)


def test_solver_failure_names_the_unit(monkeypatch):
    import healthalloc.efficiency._envelopment as engine
    from healthalloc.solver import SolverError, solve_lp

    X, Y = _random(n=40, seed=6)
    df, xs, ys = frame(X, Y)
    marker = Y[7, 0] / Y[:, 0].mean()  # unit u7's output bound in its (rescaled) LP

    def failing(c, A, row_lower, *args, **kwargs):
        if np.isclose(row_lower, marker, rtol=1e-12).any():
            raise SolverError("HiGHS did not find an optimal solution: Unknown", status="Unknown")
        return solve_lp(c, A, row_lower, *args, **kwargs)

    monkeypatch.setattr(engine, "solve_lp", failing)
    with pytest.raises(SolverError, match=r"\(Unknown\) for unit u7$"):
        dea(df, xs, ys, unit="unit", rts="vrs")


# --- scale efficiency, returns to scale, panels ---------------------------------------------

def test_scale_efficiency_and_rts_rule():
    X, Y = _random(n=40, seed=4)
    df, xs, ys = frame(X, Y)
    res = dea(df, xs, ys, unit="unit", rts="vrs")
    crs = np.array([linprog_radial(X, Y, o) for o in range(len(X))])
    vrs = np.array([linprog_radial(X, Y, o, rts="vrs") for o in range(len(X))])
    nirs = np.array([linprog_radial(X, Y, o, rts="nirs") for o in range(len(X))])
    np.testing.assert_allclose(res.scale["crs_efficiency"], crs, atol=TOL)
    np.testing.assert_allclose(res.scale["scale_efficiency"], crs / vrs, atol=TOL)
    want = np.where(np.isclose(crs, vrs, atol=1e-6), "crs",
                    np.where(np.isclose(nirs, vrs, atol=1e-6), "drs", "irs"))
    assert list(res.scale["rts"]) == list(want)
    assert {"irs", "drs"} <= set(want)  # the example exercises both branches


def test_panel_uses_each_periods_frontier():
    X, Y = _random(n=40, seed=5)
    df, xs, ys = frame(X, Y)
    df["unit"] = [f"u{i % 20}" for i in range(40)]
    df["year"] = np.repeat([2014, 2015], 20)
    res = dea(df, xs, ys, unit="unit", by="year", rts="vrs")
    for year, part in df.groupby("year"):
        alone = dea(part, xs, ys, unit="unit", rts="vrs").efficiency
        np.testing.assert_allclose(res.efficiency.xs(year, level="year"), alone, atol=1e-9)
    table = res.to_frame()
    assert list(table.columns[:3]) == ["unit", "year", "efficiency"]
    assert list(table["year"]) == list(df["year"])  # rows keep the input order
    assert res.summary().index.tolist() == [2014, 2015]


def test_to_frame_columns_and_redundancy():
    X, Y = _random(n=15, seed=6)
    df, xs, ys = frame(X, Y)
    t = dea(df, xs, ys, unit="unit", rts="vrs").to_frame()
    expected = (["unit", "efficiency"] + [f"slack_{v}" for v in xs + ys]
                + [f"target_{v}" for v in xs + ys] + [f"redundancy_{v}" for v in xs]
                + [f"shortfall_{v}" for v in ys]
                + ["peers", "peer_weights", "crs_efficiency", "scale_efficiency", "rts"])
    assert list(t.columns) == expected
    np.testing.assert_allclose(t["redundancy_x1"], (df["x1"] - t["target_x1"]) / df["x1"])
    assert (t["redundancy_x1"] >= -1e-9).all() and (t["shortfall_y1"] >= -1e-9).all()


def test_summary_by_group():
    X, Y = _random(n=12, seed=7)
    df, xs, ys = frame(X, Y)
    df["region"] = ["east", "west", "central"] * 4
    res = dea(df, xs, ys, unit="unit")
    summ = res.summary("region")
    assert summ["units"].sum() == 12
    for region, row in summ.iterrows():
        mask = (df["region"] == region).to_numpy()
        assert row["mean_efficiency"] == pytest.approx(res.efficiency[mask].mean())


# --- properties -----------------------------------------------------------------------------

positive = arrays(float, st.tuples(st.integers(4, 12), st.just(4)),
                  elements=st.floats(1.0, 100.0, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(data=positive, rts=st.sampled_from(["crs", "vrs"]),
       orientation=st.sampled_from(["input", "output"]),
       scale=st.floats(1e-3, 1e3), col=st.integers(0, 3))
def test_scores_bounded_and_unit_invariant(data, rts, orientation, scale, col):
    X, Y = data[:, :2], data[:, 2:]
    base = radial(X, Y, X, Y, rts=rts, orientation=orientation, slacks=False).score
    te = base if orientation == "input" else 1 / base
    assert np.all(te > 0) and np.all(te <= 1 + 1e-9)
    assert np.isclose(te.max(), 1.0)
    data2 = data.copy()
    data2[:, col] *= scale
    X2, Y2 = data2[:, :2], data2[:, 2:]
    again = radial(X2, Y2, X2, Y2, rts=rts, orientation=orientation, slacks=False).score
    np.testing.assert_allclose(again, base, rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(data=positive, rts=st.sampled_from(["crs", "vrs"]), shrink=st.floats(0.1, 0.95),
       which=st.integers(0, 3))
def test_dominated_unit_changes_no_score(data, rts, shrink, which):
    X, Y = data[:, :2], data[:, 2:]
    base = radial(X, Y, X, Y, rts=rts, slacks=False).score
    j = which % len(X)
    X2 = np.vstack([X, X[j] / shrink])  # more input
    Y2 = np.vstack([Y, Y[j] * shrink])  # less output
    again = radial(X2, Y2, X2, Y2, rts=rts, slacks=False).score
    np.testing.assert_allclose(again[:-1], base, atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(data=positive, rts=st.sampled_from(["crs", "vrs"]),
       orientation=st.sampled_from(["input", "output"]))
def test_targets_are_efficient(data, rts, orientation):
    X, Y = data[:, :2], data[:, 2:]
    df, xs, ys = frame(X, Y)
    t = dea(df, xs, ys, unit="unit", rts=rts, orientation=orientation).targets
    TX, TY = t[xs].to_numpy(), t[ys].to_numpy()
    again = radial(TX, TY, X, Y, rts=rts, orientation=orientation, slacks=False).score
    np.testing.assert_allclose(again, 1.0, atol=1e-6)


# --- errors ---------------------------------------------------------------------------------

def test_small_data_warnings_name_the_numbers():
    X, Y = _random(n=10, seed=7)
    df, xs, ys = frame(X, Y)
    with pytest.warns(UserWarning, match=r"DEA with 10 units for 2 inputs and 2 outputs: "
                                         r"fewer than the rule of thumb .* = 12"):
        dea(df, xs, ys, unit="unit")
    with pytest.warns(UserWarning, match="DEA with a single unit in period 1"):
        dea(df.assign(t=[0] * 9 + [1]), xs, ys, unit="unit", by="t")
    many, xs, ys = frame(*_random(n=30, seed=7))
    with pytest.warns(UserWarning, match="output 'y2' is zero for every unit"):
        dea(many.assign(y2=0.0), xs, ys, unit="unit")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dea(many, xs, ys, unit="unit")


def test_progress_bar_only_when_asked(capsys):
    dea(FLS, ["x1", "x2"], ["y"], unit="dmu")
    assert capsys.readouterr().err == ""
    dea(FLS, ["x1", "x2"], ["y"], unit="dmu", progress=True)
    assert "DEA: 100%" in capsys.readouterr().err


def test_bad_arguments():
    with pytest.raises(ValueError, match="rts must be one of"):
        fls(rts="variable")
    with pytest.raises(ValueError, match="orientation must be one of"):
        fls(orientation="both")
    with pytest.raises(ValueError, match="model must be one of"):
        fls(model="fdh")


def test_bad_data_is_reported_by_name():
    bad = FLS.copy()
    bad.loc[3, "x2"] = 0
    with pytest.raises(DataError, match="x2"):
        dea(bad, ["x1", "x2"], ["y"], unit="dmu")
    with pytest.raises(DataError, match="x3"):
        dea(FLS, ["x1", "x3"], ["y"], unit="dmu")


def test_duplicated_index_without_unit_column():
    twice = pd.concat([FLS, FLS])
    with pytest.raises(DataError, match="more than once"):
        dea(twice, ["x1", "x2"], ["y"])
