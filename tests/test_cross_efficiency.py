"""DEA cross-efficiency (Sexton et al. 1986; Doyle & Green 1994).

Data: Golany & Roll (1989), 13 units, 3 inputs, 2 outputs, as deaR ships it
(``Golany_Roll_1989``, the data of ``cross_efficiency``'s documented examples;
``tests/reference/efficiency/golany_roll_1989.csv``). deaR's documentation prints no output,
so the numbers are checked by independent computation: the CCR envelopment scores of
:func:`dea` (itself checked against DEAP and Benchmarking) for the diagonal, and each rater's
secondary-goal optimum (Doyle & Green's aggregate formulation, deaR's "Method III"), which is
unique even where the weights are not, solved here with ``scipy.optimize.linprog``.
Tolerance 1e-6: two LP solvers at their default tolerances.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from conftest import assert_refused, run_cli
from healthalloc.efficiency import cross_efficiency, dea

GOLANY_ROLL = Path(__file__).parent / "reference" / "efficiency" / "golany_roll_1989.csv"
INPUTS, OUTPUTS = ["x1", "x2", "x3"], ["y1", "y2"]
TOL = 1e-6


@pytest.fixture(scope="module")
def golany_roll():
    return pd.read_csv(GOLANY_ROLL)


def aggregate_optimum(X, Y, d, theta, sense):
    """Doyle & Green's secondary goal for rater d: min (sense=1) or max (sense=−1) u·Σ_{k≠d} y_k
    s.t. v·Σ_{k≠d} x_k = 1, u·y_d = θ v·x_d, u·y_j ≤ v·x_j, u, v ≥ 0."""
    m = X.shape[1]
    ox, oy = X.sum(0) - X[d], Y.sum(0) - Y[d]
    res = linprog(sense * np.r_[np.zeros(m), oy], A_ub=np.c_[-X, Y], b_ub=np.zeros(len(X)),
                  A_eq=np.vstack([np.r_[ox, np.zeros(Y.shape[1])], np.r_[-theta * X[d], Y[d]]]), b_eq=[1, 0],
                  method="highs")
    assert res.status == 0
    return sense * res.fun


def peers_ratio(res, X, Y, d):
    """The peers' aggregate efficiency u·Σ_{k≠d} y_k / v·Σ_{k≠d} x_k with rater d's weights."""
    w = res.weights.iloc[d].to_numpy()
    v, u = w[:X.shape[1]], w[X.shape[1]:]
    return u @ (Y.sum(0) - Y[d]) / (v @ (X.sum(0) - X[d]))


@pytest.mark.parametrize("secondary", ["simple", "aggressive", "benevolent"])
def test_diagonal_is_ccr_efficiency(golany_roll, secondary):
    res = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary=secondary)
    ccr = dea(golany_roll, INPUTS, OUTPUTS, unit="dmu", rts="crs").efficiency
    np.testing.assert_allclose(np.diag(res.matrix), ccr.loc[res.matrix.index], atol=TOL)
    assert (res.matrix.to_numpy() <= 1 + TOL).all() and (res.matrix.to_numpy() >= 0).all()
    # nobody rates a unit higher than it rates itself: the column maximum is the diagonal
    np.testing.assert_allclose(res.matrix.max(axis=0), np.diag(res.matrix), atol=TOL)


def test_secondary_goals_against_independent_lps(golany_roll):
    X, Y = golany_roll[INPUTS].to_numpy(float), golany_roll[OUTPUTS].to_numpy(float)
    aggressive = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="aggressive")
    benevolent = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="benevolent")
    theta = aggressive.efficiency.to_numpy()
    for d in range(len(X)):
        low = aggregate_optimum(X, Y, d, theta[d], 1)
        high = aggregate_optimum(X, Y, d, theta[d], -1)
        assert peers_ratio(aggressive, X, Y, d) == pytest.approx(low, rel=TOL)
        assert peers_ratio(benevolent, X, Y, d) == pytest.approx(high, rel=TOL)
    # the goals bound each rater's aggregate rating of the peers, not every single rating: on these data the
    # mean is lower under aggressive weights, while DMU_5, DMU_7, DMU_11 and DMU_12 fare better under them
    agg, ben = (r.to_frame().set_index("unit")["cross_efficiency"] for r in (aggressive, benevolent))
    assert agg.mean() < ben.mean()
    assert list(agg.index[agg > ben]) == ["DMU_5", "DMU_7", "DMU_11", "DMU_12"]


def test_means_follow_deaR(golany_roll):
    """deaR's ``e`` (selfapp = TRUE) is the column mean; without self-appraisal the diagonal is left out;
    the maverick index is (θ − e) / e."""
    res = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="benevolent")
    table = res.to_frame().set_index("unit")
    E = res.matrix.to_numpy()
    np.testing.assert_allclose(table["cross_efficiency"], E.mean(axis=0))
    np.testing.assert_allclose(table["peer_appraisal"], [np.delete(E[:, j], j).mean() for j in range(len(E))])
    np.testing.assert_allclose(table["maverick"], (table["efficiency"] - table["cross_efficiency"])
                               / table["cross_efficiency"])
    assert table["rank"].min() == 1 and table["cross_efficiency"].idxmax() == table["rank"].idxmin()
    assert set(res.tables()) == {"results", "summary", "matrix"}
    assert "mean cross-efficiency is" in res.reading()


@settings(max_examples=20, deadline=None)
@given(st.integers(3, 8), st.integers(0, 2**32 - 1))
def test_aggressive_never_rates_peers_above_benevolent(n, seed):
    """For every rater, the peers' aggregate efficiency is lowest under aggressive weights, highest under
    benevolent ones, and any optimal (simple) weights fall between; the diagonal stays θ."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.uniform(1, 10, n), "x2": rng.uniform(1, 10, n), "y1": rng.uniform(1, 10, n),
                       "y2": rng.uniform(1, 10, n)})
    X, Y = df[["x1", "x2"]].to_numpy(), df[["y1", "y2"]].to_numpy()
    runs = {s: cross_efficiency(df, ["x1", "x2"], ["y1", "y2"], secondary=s)
            for s in ("aggressive", "simple", "benevolent")}
    for d in range(n):
        low, mid, high = (peers_ratio(runs[s], X, Y, d) for s in ("aggressive", "simple", "benevolent"))
        assert low <= mid + TOL and mid <= high + TOL
    for res in runs.values():
        np.testing.assert_allclose(np.diag(res.matrix), runs["simple"].efficiency, atol=TOL)


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_same_numbers_on_every_engine(golany_roll, engine, monkeypatch):
    """Raters in chunks of 4: several tasks, the same matrix as one task on any engine."""
    whole = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="aggressive")
    monkeypatch.setattr(importlib.import_module("healthalloc.efficiency.cross"), "RATERS_PER_TASK", 4)
    serial = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="aggressive")
    other = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="aggressive", engine=engine,
                             workers=2)
    pd.testing.assert_frame_equal(serial.matrix, whole.matrix, check_exact=True)
    pd.testing.assert_frame_equal(serial.matrix, other.matrix, check_exact=True)


def test_bad_input(golany_roll):
    with pytest.raises(ValueError, match="secondary must be one of"):
        cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="neutral")
    with pytest.raises(KeyError, match="unknown column 'y'"):
        cross_efficiency(golany_roll, INPUTS, ["y"], unit="dmu")
    with pytest.raises(ValueError, match="cross-efficiency needs at least two units, got 1"):
        cross_efficiency(golany_roll.head(1), INPUTS, OUTPUTS, unit="dmu")


def test_command_line_writes_the_matrix_beside(user, golany_roll, capsys):
    golany_roll.to_csv("gr.csv", index=False)
    argv = ["dea", "gr.csv", "--unit", "dmu", "--inputs", "x1,x2,x3", "--outputs", "y1,y2", "--quiet"]
    code, out, err = run_cli([*argv, "--cross-efficiency", "benevolent", "-o", "scores.csv"], capsys)
    assert code == 0, err
    table, matrix = pd.read_csv("scores.csv"), pd.read_csv("scores.cross.csv")
    res = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="benevolent")
    np.testing.assert_allclose(table["cross_efficiency"], res.to_frame()["cross_efficiency"], rtol=1e-12)
    assert list(matrix.columns) == ["rater", *golany_roll["dmu"]]
    np.testing.assert_allclose(matrix.drop(columns="rater"), res.matrix, rtol=1e-12)
    assert "mean cross-efficiency is" in out
    # the matrix is a file of its own: an existing one is replaced only with --overwrite
    pd.read_csv("scores.cross.csv").to_csv("mine.cross.csv", index=False)
    assert_refused([*argv, "--cross-efficiency", "simple", "-o", "mine.csv"], "mine.cross.csv", user, capsys)


def test_result_convention(golany_roll, tmp_path):
    from matplotlib.figure import Figure

    res = cross_efficiency(golany_roll, INPUTS, OUTPUTS, unit="dmu", secondary="aggressive")
    fig = res.plot()
    assert isinstance(fig, Figure) and fig.axes[0].patches
    assert set(res.figures()) == {"cross"}
    sheets = pd.read_excel(res.to_excel(tmp_path / "c.xlsx"), sheet_name=None)
    assert list(sheets) == ["results", "summary", "matrix"]
    np.testing.assert_allclose(sheets["matrix"].drop(columns="rater"), res.matrix)
    assert "<table" in res._repr_html_()


def test_docstring_example_runs_as_written():
    """The example's matrix, by hand: A's aggressive weights put everything on visits (u = (0.05, 0), v = 0.05
    with v·Σ others' beds = 1), rating B 0.5 and C 0.2; B's are unique (u₁ = u₂ = 1/24), rating A and C 1."""
    assert doctest.testmod(importlib.import_module("healthalloc.efficiency.cross")).failed == 0
