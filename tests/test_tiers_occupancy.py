"""Bed occupancy gaps of the tier structure: hand-computed gaps, group means and tests on a
small hand-made table (the embedded province panel has no occupancy column), seed 003's
published national rates, and the command line's added columns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data import DataError
from healthalloc.tiers import tiers

from conftest import assert_refused, run_cli

MEASURES = {"beds": ("hb", "pb")}

# Row a: seed 003, Fig. 3 (China 2021): high-tier hospitals 78.2 %, primary care 52.1 %.
# The others are made up so that every mean and test is easy to compute by hand.
TABLE = pd.DataFrame({
    "area": ["a", "b", "c", "d"],
    "hb": [100.0, 80, 60, 40], "pb": [20.0, 40, 60, 80],
    "occ_h": [78.2, 90.0, 85.0, 70.0], "occ_p": [52.1, 40.0, 60.0, 65.0],
    "g": ["port", "port", "inland", "inland"],
})


def test_gaps_are_high_minus_primary_in_points_after_the_existing_columns():
    out = tiers(TABLE, MEASURES, unit="area", occupancy="occ_h:occ_p").to_frame()
    assert list(out.columns) == ["unit", "beds_high", "beds_primary", "beds_high_share",
                                 "occupancy_high", "occupancy_primary", "occupancy_gap"]
    # seed 003, Fig. 3: 78.2 − 52.1 = 26.1 points (to 1e-9)
    assert out["occupancy_gap"].iloc[0] == pytest.approx(26.1, abs=1e-9)
    np.testing.assert_allclose(out["occupancy_gap"], [26.1, 50.0, 25.0, 5.0], atol=1e-9)


def test_fractions_are_read_as_percent():
    fractions = TABLE.assign(occ_h=TABLE["occ_h"] / 100, occ_p=TABLE["occ_p"] / 100)
    percent = tiers(TABLE, MEASURES, unit="area", occupancy=("occ_h", "occ_p")).to_frame()
    read = tiers(fractions, MEASURES, unit="area", occupancy=("occ_h", "occ_p")).to_frame()
    pd.testing.assert_frame_equal(read, percent, rtol=1e-12)
    # a rate over 100 % (an overfull hospital) as a fraction: still fractions, ≤ 2
    over = fractions.assign(occ_h=[1.05, 0.9, 0.85, 0.7])
    assert tiers(over, MEASURES, unit="area", occupancy="occ_h:occ_p").to_frame()["occupancy_high"].iloc[0] == \
        pytest.approx(105.0, rel=1e-12)


def test_group_means_and_tests_by_hand():
    res = tiers(TABLE, MEASURES, unit="area", group="g", occupancy="occ_h:occ_p", permutations=20000, seed=5)
    groups = res.groups.set_index("group")
    assert list(res.groups.columns) == ["group", "n", "beds_high_share", "occupancy_high", "occupancy_primary",
                                        "occupancy_gap"]
    # hand: port (78.2 + 90)/2 = 84.1, (52.1 + 40)/2 = 46.05, gap 38.05; inland 77.5, 62.5, 15
    assert groups.loc["port", ["occupancy_high", "occupancy_primary", "occupancy_gap"]].tolist() == \
        pytest.approx([84.1, 46.05, 38.05], abs=1e-9)
    assert groups.loc["inland", ["occupancy_high", "occupancy_primary", "occupancy_gap"]].tolist() == \
        pytest.approx([77.5, 62.5, 15.0], abs=1e-9)
    assert res.trend["occupancy_gap"].iloc[0] == pytest.approx((26.1 + 50 + 25 + 5) / 4, abs=1e-9)
    test = res.tests.set_index("measure").loc["occupancy_gap"]
    # both port gaps exceed both inland gaps: U = 4, exact two-sided p = 2 · 1/C(4,2) = 1/3
    assert test["mannwhitney_p"] == pytest.approx(1 / 3, abs=1e-12)
    # the 6 splits of 2 + 2 give mean-gap differences ±23.05, ±21.95, ±1.95: exact p = 2/6;
    # 20,000 draws: within 4 standard errors
    assert abs(test["permutation_p"] - 1 / 3) < 4 * np.sqrt((1 / 3) * (2 / 3) / 20000)
    # the beds test is unchanged by adding occupancy (same seed, same draws)
    plain = tiers(TABLE, MEASURES, unit="area", group="g", permutations=20000, seed=5).tests
    pd.testing.assert_frame_equal(res.tests.iloc[:1], plain)
    summary = res.summary_json()
    assert summary["occupancy_gap"]["mannwhitney_p"] == pytest.approx(1 / 3, abs=1e-12)
    assert summary["occupancy_gap"]["groups"] == ["port", "inland"]
    assert "(gap 26.5 points)" in res.reading()
    assert res.summary().set_index("measure").loc["occupancy_gap", "mean_gap"] == pytest.approx(26.525, abs=1e-9)


def test_three_groups_test_the_gaps_with_kruskal_wallis():
    from scipy import stats

    data = pd.concat([TABLE, TABLE.assign(area=list("efgh"), g="third", occ_p=TABLE["occ_p"] - 10)])
    res = tiers(data, MEASURES, unit="area", group="g", occupancy="occ_h:occ_p")
    gap = data["occ_h"] - data["occ_p"]
    expected = stats.kruskal(*(gap[data["g"] == g] for g in ("port", "inland", "third"))).pvalue
    assert res.tests.set_index("measure").loc["occupancy_gap", "kruskal_p"] == pytest.approx(expected, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 120), st.floats(0, 120)), min_size=2, max_size=12))
def test_gap_invariants(rates):
    """The gap is high − primary, swapping the tiers negates it, and the mean gap is the
    difference of the means."""
    high, primary = (np.array(x) for x in zip(*rates))
    if max(high.max(), primary.max()) <= 2:  # would be read as fractions
        high, primary = high + 3, primary + 3
    data = pd.DataFrame({"u": [f"u{i}" for i in range(len(high))], "h": 1.0, "p": 1.0, "oh": high, "op": primary})
    res = tiers(data, {"m": ("h", "p")}, unit="u", occupancy="oh:op")
    swapped = tiers(data, {"m": ("h", "p")}, unit="u", occupancy="op:oh")
    np.testing.assert_allclose(res.units["occupancy_gap"], high - primary, atol=1e-9)
    np.testing.assert_allclose(swapped.units["occupancy_gap"], -(high - primary), atol=1e-9)
    assert res.trend["occupancy_gap"].iloc[0] == pytest.approx(high.mean() - primary.mean(), abs=1e-9)


def test_bad_occupancy_is_refused_plainly():
    with pytest.raises(ValueError, match=r"occupancy must name two columns as HIGH:PRIMARY, got 'occ_h'"):
        tiers(TABLE, MEASURES, unit="area", occupancy="occ_h")
    with pytest.raises(DataError, match=r"unknown column 'occ_x'"):
        tiers(TABLE, MEASURES, unit="area", occupancy="occ_x:occ_p")
    with pytest.raises(DataError, match=r"column 'occ_p' has negative values in unit c \(-1\).*occupancy rates"):
        tiers(TABLE.assign(occ_p=[52.1, 40, -1, 65]), MEASURES, unit="area", occupancy="occ_h:occ_p")
    with pytest.raises(DataError, match=r"occ_h.*unit b"):
        tiers(TABLE.assign(occ_h=[78.2, np.nan, 85, 70]), MEASURES, unit="area", occupancy="occ_h:occ_p")


def test_cli_adds_the_occupancy_columns(user, capsys):
    TABLE.to_csv("areas.csv", index=False)
    argv = ["tiers", "areas.csv", "--unit", "area", "--measure", "beds=hb:pb", "--group", "g",
            "--occupancy", "occ_h:occ_p", "--permutations", "999", "-o", "out.csv"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    table = pd.read_csv("out.csv")
    assert list(table.columns) == ["unit", "beds_high", "beds_primary", "beds_high_share", "occupancy_high",
                                   "occupancy_primary", "occupancy_gap"]
    np.testing.assert_allclose(table["occupancy_gap"], [26.1, 50.0, 25.0, 5.0], atol=1e-9)
    groups = pd.read_csv("out.groups.csv")
    assert list(groups.columns) == ["group", "n", "beds_high_share", "occupancy_high", "occupancy_primary",
                                    "occupancy_gap"]
    assert groups["occupancy_gap"].tolist() == pytest.approx([38.05, 15.0], abs=1e-9)
    summary = json.loads(open("out.summary.json", encoding="utf-8").read())
    assert summary["occupancy_gap"]["mannwhitney_p"] == pytest.approx(1 / 3, abs=1e-9)
    assert "mean bed occupancy 80.8 % in the high tier and 54.3 % in primary care (gap 26.5 points)" in out
    assert_refused([*argv[:-2], "-o", "bad.csv", "--occupancy", "occ_h"], r"occupancy must name two columns",
                   user, capsys)
