"""DEA window analysis (Charnes et al. 1985).

Identity: each window's scores equal plain :func:`dea` on that window's pooled data (every
unit in every period a separate unit), on deaR's ``EconomyLong`` panel (Wang & Lan 2011; 31
provinces, 2005–2009); tolerance 1e-9 (the same LPs by two code paths). Plain DEA is itself
checked against DEAP 2.1 and R Benchmarking in ``test_dea.py``.
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

from conftest import run_cli
from healthalloc.efficiency import cross_efficiency, dea, malmquist, window_dea
from healthalloc.study import run_study

ECONOMY = Path(__file__).parent / "reference" / "efficiency" / "economy_wang_lan_2011.csv"
INPUTS, OUTPUTS = ["capital", "labor"], ["giov"]


@pytest.fixture(scope="module")
def economy():
    return pd.read_csv(ECONOMY)


@pytest.mark.parametrize("rts, orientation", [("crs", "input"), ("vrs", "output")])
def test_each_window_is_plain_dea_of_the_pooled_window(economy, rts, orientation):
    res = window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=3, rts=rts,
                     orientation=orientation)
    scores = res.to_frame()
    assert list(scores.columns) == ["unit", "window", "year", "efficiency"]
    assert sorted(scores["window"].unique()) == [2005, 2006, 2007]
    assert len(scores) == 3 * 3 * 31  # windows × periods per window × units
    for start in (2005, 2006, 2007):
        pooled = economy[economy["year"].between(start, start + 2)]
        pooled = pooled.assign(dmu=pooled["province"] + "@" + pooled["year"].astype(str))
        plain = dea(pooled, INPUTS, OUTPUTS, unit="dmu", rts=rts, orientation=orientation).efficiency
        ours = scores[scores["window"] == start]
        ours = pd.Series(ours["efficiency"].to_numpy(), index=ours["unit"] + "@" + ours["year"].astype(str))
        np.testing.assert_allclose(ours.loc[plain.index], plain, rtol=1e-9, atol=1e-9)


def test_summaries_and_layout(economy):
    res = window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=2)
    scores = res.to_frame()
    by_window = res.summary()
    assert list(by_window.index) == [2005, 2006, 2007, 2008]
    np.testing.assert_allclose(by_window["mean_efficiency"], scores.groupby("window")["efficiency"].mean())
    assert (by_window["evaluations"] == 62).all()
    periods = res.period_means()
    assert periods.loc[2005, "evaluations"] == 31 and periods.loc[2006, "evaluations"] == 62  # in 1 and 2 windows
    layout = res.layout()
    assert layout.shape == (4 * 31, 5)
    assert layout.loc[("Beijing", 2006), 2007] == scores.query("unit == 'Beijing' and window == 2006 and year == 2007"
                                                               )["efficiency"].item()
    assert np.isnan(layout.loc[("Beijing", 2006), 2005])  # 2005 is not in the window from 2006
    assert "windows of 2 periods" in res.reading()
    assert set(res.tables()) == {"results", "summary", "periods", "layout"}


def test_window_of_one_period_is_dea_per_period(economy):
    res = window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=1)
    plain = dea(economy, INPUTS, OUTPUTS, unit="province", by="year").efficiency
    ours = res.to_frame().set_index(["unit", "year"])["efficiency"]
    np.testing.assert_allclose(ours.loc[plain.index], plain, rtol=1e-9, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 5), st.integers(1, 5), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_scores_are_efficiencies_and_every_window_has_its_frontier(T, width, n, seed):
    """Scores lie in (0, 1], each window has a unit on its frontier, and a wider pool never scores higher
    (the window from a period holds the narrower window from that period)."""
    width = min(width, T)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"u": np.tile(np.arange(n), T), "t": np.repeat(np.arange(T), n),
                       "x": rng.uniform(1, 10, T * n), "y": rng.uniform(1, 10, T * n)})
    wide = window_dea(df, ["x"], ["y"], unit="u", by="t", window=width).to_frame()
    assert ((wide["efficiency"] > 0) & (wide["efficiency"] <= 1 + 1e-9)).all()
    assert (wide.groupby("window")["efficiency"].max() > 1 - 1e-9).all()
    narrow = window_dea(df, ["x"], ["y"], unit="u", by="t", window=1).to_frame()
    both = wide.merge(narrow, on=["unit", "t"], suffixes=("", "_alone"))
    assert (both["efficiency"] <= both["efficiency_alone"] + 1e-9).all()


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_same_numbers_on_every_engine(economy, engine):
    serial = window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=3)
    other = window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=3, engine=engine, workers=2)
    pd.testing.assert_frame_equal(serial.to_frame(), other.to_frame(), check_exact=True)


def test_bad_input(economy):
    with pytest.raises(ValueError, match="window 6 is longer than the 5 periods in 'year'"):
        window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=6)
    with pytest.raises(ValueError, match="window must be ≥ 1"):
        window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=0)
    with pytest.raises(KeyError, match="did you mean 'year'"):
        window_dea(economy, INPUTS, OUTPUTS, unit="province", by="yaer", window=2)


def test_command_line_contract(user, economy, capsys):
    """``healthalloc dea … --window W --by PERIOD``: one row per unit, window and period, with ``window``
    (the window's first period) and ``efficiency``."""
    economy.to_csv("economy.csv", index=False)
    code, out, err = run_cli(["dea", "economy.csv", "--unit", "province", "--by", "year", "--inputs",
                              "capital,labor", "--outputs", "giov", "--window", "3", "--rts", "vrs", "--quiet",
                              "-o", "windows.csv"], capsys)
    assert code == 0, err
    table = pd.read_csv("windows.csv")
    assert list(table.columns) == ["unit", "window", "year", "efficiency"]
    expected = window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=3, rts="vrs").to_frame()
    np.testing.assert_allclose(table["efficiency"], expected["efficiency"], rtol=1e-12)
    assert "windows of 3 periods" in out


def test_study_analyses_equal_the_library(economy, tmp_path):
    """The study's ``window``, ``cross_efficiency`` (rated at the last period by default) and global
    ``malmquist`` analyses give the direct calls' numbers."""
    economy.to_csv(tmp_path / "economy.csv", index=False)
    study = {"data": {"source": str(tmp_path / "economy.csv")},
             "roles": {"unit": "province", "period": "year", "inputs": INPUTS, "outputs": OUTPUTS},
             "analyses": [{"type": "window", "window": 2}, {"type": "cross_efficiency", "secondary": "benevolent"},
                          {"type": "malmquist", "reference": "global"}]}
    sections = {s.name: s for s in run_study(study, tmp_path / "out", progress=False).sections}
    windows = window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=2)
    pd.testing.assert_frame_equal(sections["window"].tables["layout"], windows.layout().reset_index())
    last = economy[economy["year"] == 2009]
    cross = cross_efficiency(last, INPUTS, OUTPUTS, unit="province", secondary="benevolent")
    pd.testing.assert_frame_equal(sections["cross_efficiency"].tables["cross_efficiency"], cross.to_frame())
    assert "2009" in sections["cross_efficiency"].title
    glob = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference="global")
    pd.testing.assert_frame_equal(sections["malmquist"].tables["indices"], glob.to_frame())
    assert {"trend", "chained"} <= set(sections["malmquist"].figures)


def test_result_convention(economy, tmp_path):
    from matplotlib.figure import Figure

    res = window_dea(economy, INPUTS, OUTPUTS, unit="province", by="year", window=3)
    fig = res.plot()
    assert isinstance(fig, Figure) and fig.axes[0].lines
    assert set(res.figures()) == {"windows"}
    sheets = pd.read_excel(res.to_excel(tmp_path / "w.xlsx"), sheet_name=None)
    assert list(sheets) == list(res.tables())
    np.testing.assert_allclose(sheets["layout"].drop(columns=["unit", "window"]),
                               res.layout().to_numpy(), equal_nan=True)
    assert "<table" in res._repr_html_()


def test_docstring_example_runs_as_written():
    """The example's scores, by hand: visits per bed are 1, 0.5 | 2, 0.5 | 3, 1 (A, B per year); a window's
    frontier is its best ratio (2 for 2014–15, 3 for 2015–16)."""
    assert doctest.testmod(importlib.import_module("healthalloc.efficiency.window")).failed == 0
