"""Tier structure: shares, imbalance, pooled group shares and tests equal hand computations
on the embedded province panel; the command line writes exactly its contract."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from healthalloc.data import DataError, load_china_provinces
from healthalloc.tiers import permutation_p, tiers

from conftest import assert_refused, run_cli

BEDS = ("hospital_beds", "primary_healthcare_beds")
INST = ("hospitals", "primary_healthcare_institutions")
COASTAL = {"Liaoning", "Hebei", "Tianjin", "Shandong", "Jiangsu", "Shanghai", "Zhejiang", "Fujian", "Guangdong",
           "Guangxi", "Hainan"}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    data = load_china_provinces()
    return data.assign(coastal=np.where(data["province_en"].isin(COASTAL), "coastal", "inland"))


def test_shares_and_imbalance_equal_hand_computation(panel):
    res = tiers(panel, {"beds": BEDS, "institutions": INST}, unit="province_en", by="year",
                imbalance="institutions/beds")
    out = res.to_frame()
    assert list(out.columns) == ["unit", "year", "beds_high", "beds_primary", "beds_high_share", "institutions_high",
                                 "institutions_primary", "institutions_high_share", "imbalance_institutions_beds"]
    beds = panel["hospital_beds"] / (panel["hospital_beds"] + panel["primary_healthcare_beds"])
    inst = panel["hospitals"] / (panel["hospitals"] + panel["primary_healthcare_institutions"])
    np.testing.assert_allclose(out["beds_high_share"], beds, rtol=1e-12)
    np.testing.assert_allclose(out["institutions_high_share"], inst, rtol=1e-12)
    np.testing.assert_allclose(out["imbalance_institutions_beds"], inst / beds, rtol=1e-12)
    assert out["unit"].tolist() == panel["province_en"].tolist()
    # the same as a tuple
    same = tiers(panel, {"beds": BEDS, "institutions": INST}, unit="province_en", by="year",
                 imbalance=("institutions", "beds")).to_frame()
    pd.testing.assert_frame_equal(out, same)


def test_pooled_group_shares_and_trend_equal_hand_computation(panel):
    res = tiers(panel, {"beds": BEDS}, unit="province_en", by="year", group="region")
    assert list(res.groups.columns) == ["group", "n", "beds_high_share", "year"]
    for _, row in res.groups.iterrows():
        rows = panel[(panel["region"] == row["group"]) & (panel["year"] == row["year"])]
        assert row["n"] == len(rows)
        assert row["beds_high_share"] == pytest.approx(
            rows["hospital_beds"].sum() / (rows["hospital_beds"].sum() + rows["primary_healthcare_beds"].sum()),
            rel=1e-12)
    assert len(res.groups) == 30 and set(res.groups["group"]) == {"east", "central", "west"}
    y2023 = panel[panel["year"] == 2023]
    trend = res.trend.set_index("year")
    assert trend.loc[2023, "beds_high_share"] == pytest.approx(
        y2023["hospital_beds"].sum() / y2023[list(BEDS)].to_numpy().sum(), rel=1e-12)
    assert trend.loc[2023, "n"] == 31


def test_three_groups_give_kruskal_wallis(panel):
    res = tiers(panel, {"beds": BEDS}, unit="province_en", by="year", group="region")
    y = panel[panel["year"] == 2023]
    share = y["hospital_beds"] / (y["hospital_beds"] + y["primary_healthcare_beds"])
    expected = stats.kruskal(*(share[y["region"] == g] for g in ("east", "central", "west"))).pvalue
    row = res.tests[(res.tests["year"] == 2023)].iloc[0]
    assert row["kruskal_p"] == pytest.approx(expected, rel=1e-12)
    assert "mannwhitney_p" not in res.tests
    assert res.summary_json()["beds"]["kruskal_p"] == pytest.approx(expected, rel=1e-12)
    assert "Kruskal–Wallis" in res.reading()


def test_two_groups_mannwhitney_equals_scipy_and_permutation_is_close(panel):
    res = tiers(panel, {"beds": BEDS, "institutions": INST}, unit="province_en", by="year", group="coastal",
                permutations=4999, seed=3)
    assert list(res.tests.columns) == ["year", "measure", "groups", "mannwhitney_p", "permutation_p"]
    for (year, measure), row in res.tests.set_index(["year", "measure"]).iterrows():
        y = panel[panel["year"] == year]
        high, primary = {"beds": BEDS, "institutions": INST}[measure]
        share = y[high] / (y[high] + y[primary])
        coastal = y["coastal"] == "coastal"
        assert row["mannwhitney_p"] == pytest.approx(
            stats.mannwhitneyu(share[coastal], share[~coastal], alternative="two-sided").pvalue, rel=1e-12)
        assert 0 < row["permutation_p"] <= 1
    summary = res.summary_json()
    assert set(summary) == {"beds", "institutions"}
    assert set(summary["beds"]) >= {"mannwhitney_p", "permutation_p", "groups"}
    assert sorted(summary["beds"]["groups"]) == ["coastal", "inland"]


def _exact_permutation_p(high, primary, first) -> float:
    """Every split of the units into groups of the observed sizes: the exact two-sided p."""
    n, k = len(high), int(first.sum())

    def diff(idx):
        mask = np.zeros(n, bool)
        mask[list(idx)] = True
        return high[mask].sum() / (high[mask] + primary[mask]).sum() - \
            high[~mask].sum() / (high[~mask] + primary[~mask]).sum()

    observed = diff(np.flatnonzero(first))
    drawn = np.array([diff(idx) for idx in itertools.combinations(range(n), k)])
    return np.mean(np.abs(drawn) >= abs(observed) - 1e-12)


def test_permutation_p_within_monte_carlo_error_of_the_exact_p():
    high = np.array([50.0, 40, 42, 30, 20, 25, 10, 12])
    primary = np.array([10.0, 15, 12, 20, 30, 28, 40, 35])
    first = np.array([1, 1, 0, 1, 0, 0, 1, 0], bool)
    exact = _exact_permutation_p(high, primary, first)
    B = 20000
    p = permutation_p(high, primary, first, B, np.random.default_rng(7))
    assert abs(p - exact) < 4 * np.sqrt(exact * (1 - exact) / B) + 1 / B
    # seeded: the same seed, the same p through tiers()
    data = pd.DataFrame({"u": list("abcdefgh"), "h": high, "p": primary, "g": np.where(first, "A", "B")})
    one = tiers(data, {"m": ("h", "p")}, unit="u", group="g", seed=11).tests
    two = tiers(data, {"m": ("h", "p")}, unit="u", group="g", seed=11).tests
    pd.testing.assert_frame_equal(one, two)
    assert abs(one["permutation_p"].iloc[0] - exact) < 4 * np.sqrt(exact * (1 - exact) / 9999) + 1e-4


def test_zero_denominators_give_nan_and_a_warning_naming_the_units():
    data = pd.DataFrame({"u": ["a", "b", "c"], "h": [1.0, 0, 2], "p": [1.0, 0, 2], "h2": [0.0, 1, 1],
                         "p2": [3.0, 1, 1]})
    with pytest.warns(UserWarning, match=r"h \+ p is 0 for unit b") as caught:
        out = tiers(data, {"x": ("h", "p"), "y": ("h2", "p2")}, unit="u", imbalance="x/y").to_frame()
    assert np.isnan(out["x_high_share"].iloc[1]) and not np.isinf(out.select_dtypes("number")).any().any()
    assert np.isnan(out["imbalance_x_y"].iloc[0])  # y's share is 0 at a
    assert any("y_high_share is 0 for unit a" in str(w.message) for w in caught)
    assert out["imbalance_x_y"].iloc[2] == pytest.approx(1.0)


@pytest.mark.parametrize("column, value, message", [
    ("h", -1.0, r"column 'h' has negative values in unit b \(-1\)"),
    ("h", "many", r"h.*unit b|unit b.*h"),
])
def test_bad_amounts_are_a_data_error_naming_the_rows(column, value, message):
    data = pd.DataFrame({"u": ["a", "b"], "h": [1.0, 2.0], "p": [1.0, 1.0]}).astype({"h": object})
    data.loc[1, column] = value
    with pytest.raises(DataError, match=message):
        tiers(data, {"x": ("h", "p")}, unit="u")


def test_bad_arguments():
    data = pd.DataFrame({"u": ["a", "b"], "h": [1.0, 2.0], "p": [1.0, 1.0]})
    with pytest.raises(DataError, match=r"unknown column 'hh'"):
        tiers(data, {"x": ("hh", "p")}, unit="u")
    with pytest.raises(ValueError, match=r"imbalance: no measure 'z'"):
        tiers(data, {"x": ("h", "p")}, unit="u", imbalance="x/z")
    with pytest.raises(ValueError, match=r"measure 'x' must be two column names"):
        tiers(data, {"x": ("h",)}, unit="u")
    with pytest.raises(ValueError, match=r"permutations must be ≥ 1"):
        tiers(data, {"x": ("h", "p")}, unit="u", permutations=0)


def test_cli_contract(user, capsys, panel):
    panel.to_csv("provinces.csv", index=False)
    argv = ["tiers", "provinces.csv", "--unit", "province_en", "--by", "year",
            "--measure", "beds=hospital_beds:primary_healthcare_beds",
            "--measure", "institutions=hospitals:primary_healthcare_institutions",
            "--imbalance", "beds/institutions", "--group", "coastal", "--permutations", "999", "-o", "out.csv"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    assert sorted(p.name for p in user.iterdir()) == ["out.csv", "out.groups.csv", "out.summary.json",
                                                     "provinces.csv"]
    table = pd.read_csv("out.csv")
    assert list(table.columns) == ["unit", "year", "beds_high", "beds_primary", "beds_high_share",
                                   "institutions_high", "institutions_primary", "institutions_high_share",
                                   "imbalance_beds_institutions"]
    np.testing.assert_allclose(table["imbalance_beds_institutions"],
                               table["beds_high_share"] / table["institutions_high_share"], rtol=1e-12)
    groups = pd.read_csv("out.groups.csv")
    assert list(groups.columns) == ["group", "n", "beds_high_share", "institutions_high_share", "year"]
    summary = json.loads(open("out.summary.json", encoding="utf-8").read())
    assert set(summary) == {"beds", "institutions"}
    y = panel[panel["year"] == 2023]
    share = y["hospital_beds"] / (y["hospital_beds"] + y["primary_healthcare_beds"])
    coastal = y["coastal"] == "coastal"
    assert summary["beds"]["mannwhitney_p"] == pytest.approx(
        stats.mannwhitneyu(share[coastal], share[~coastal], alternative="two-sided").pvalue, rel=1e-9)
    assert 0 < summary["beds"]["permutation_p"] <= 1
    # existing files are replaced only with --overwrite
    assert_refused(argv, r"exists", user, capsys)
    code, _, err = run_cli([*argv, "--overwrite"], capsys)
    assert code == 0, err


def test_cli_zero_denominator_is_an_empty_cell_and_prints_without_output(user, capsys):
    pd.DataFrame({"area": ["a", "b"], "h": [0, 3], "p": [0, 1]}).to_csv("d.csv", index=False)
    code, out, err = run_cli(["tiers", "d.csv", "--unit", "area", "--measure", "m=h:p", "-o", "t.csv"], capsys)
    assert code == 0, err
    assert "warning: m: h + p is 0 for unit a" in err
    text = open("t.csv", encoding="utf-8").read()
    assert "inf" not in text and text.splitlines()[1] == "a,0.0,0.0,"
    code, out, err = run_cli(["tiers", "d.csv", "--unit", "area", "--measure", "m=h:p"], capsys)
    assert code == 0 and out.split()[:4] == ["unit", "m_high", "m_primary", "m_high_share"]
    assert not (user / "t.groups.csv").exists()


def test_cli_refuses_bad_input(user, capsys):
    pd.DataFrame({"area": ["a", "b"], "h": [-1, 3], "p": [0, 1]}).to_csv("d.csv", index=False)
    assert_refused(["tiers", "d.csv", "--unit", "area", "--measure", "m=h:p", "-o", "t.csv"],
                   r"d\.csv: column 'h' has negative values in unit a", user, capsys)
    assert_refused(["tiers", "d.csv", "--unit", "area", "--measure", "m=h"], r"expected NAME=HIGH:PRIMARY",
                   user, capsys)
    assert_refused(["tiers", "d.csv", "--unit", "area", "--measure", "m=h:p", "--measure", "m=p:h"],
                   r"--measure m is given twice", user, capsys)


def test_an_empty_table_and_a_share_of_nothing_are_said_plainly():
    with pytest.raises(DataError, match="the table has no rows"):
        tiers(pd.DataFrame({"unit": [], "h": [], "p": []}), {"beds": ("h", "p")}, unit="unit")
    with pytest.warns(UserWarning, match="beds_high_share left empty"):
        res = tiers(pd.DataFrame({"unit": ["a"], "h": [0], "p": [0]}), {"beds": ("h", "p")}, unit="unit")
    assert res.reading() == "The high tier's pooled share: beds undefined."
