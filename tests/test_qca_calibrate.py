"""Calibration: the logistic direct method (R QCA / Ragin), crisp cuts, percentile anchors.

References: R ``QCA`` 3.23's ``calibrate`` (behaviour in shared/docs/REFERENCE-BEHAVIOURS.md),
its Lipset data (LR raw, LC/LM crisp, LF fuzzy) and seed 000's Tables 2–3 (Guangxi).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import reference
from healthalloc.data import DataError, UnknownNameError, load_guangxi_2022, load_guangxi_calibration
from healthalloc.qca.calibrate import (
    ANCHOR_COLUMNS,
    CROSSOVER_ADJUSTED,
    LOG_ODDS,
    RAGIN_LOG_ODDS,
    SENSITIVITY_PERCENTILES,
    CalibrationWarning,
    calibrate,
    calibrate_percentiles,
    calibrate_table,
    calibrated,
)

QCA = "qca"
# Expected warnings are asserted with pytest.warns where they are the point of a test.
pytestmark = pytest.mark.filterwarnings("ignore::healthalloc.qca.calibrate.CalibrationWarning")


def _lipset(name: str) -> pd.DataFrame:
    return pd.read_csv(reference(f"{QCA}/lipset_{name}.csv"), index_col="case")


def _closed_form(x: float, e: float, c: float, i: float, log_odds: float) -> float:
    """Direct method written out independently: one side of the crossover at a time."""
    if (x - c) * (i - c) >= 0:
        odds = (x - c) * log_odds / (i - c)
    else:
        odds = (x - c) * log_odds / (c - e)
    return math.exp(odds) / (1 + math.exp(odds))


anchors = st.tuples(
    st.floats(-1e3, 1e3), st.floats(0.1, 1e3), st.floats(0.1, 1e3)
).map(lambda t: (t[0], t[0] + t[1], t[0] + t[1] + t[2]))


# -- the direct method --------------------------------------------------------------------


@given(anchors)
def test_memberships_at_the_anchors_are_005_05_095(abc):
    e, c, i = abc
    np.testing.assert_allclose(calibrate([e, c, i], abc), [0.05, 0.5, 0.95], atol=1e-12)
    # reversed anchors: a decreasing set, full membership at the low end
    np.testing.assert_allclose(calibrate([i, c, e], (i, c, e)), [0.05, 0.5, 0.95], atol=1e-12)


@given(anchors)
def test_ragins_three_log_odds_give_0047_and_0953(abc):
    e, c, i = abc
    m = calibrate([e, c, i], abc, log_odds=RAGIN_LOG_ODDS)
    np.testing.assert_allclose(m, [1 / (1 + math.e**3), 0.5, 1 / (1 + math.e**-3)], atol=1e-12)
    assert round(m[0], 4) == 0.0474 and round(m[2], 4) == 0.9526


@given(anchors, st.lists(st.floats(-5e3, 5e3), min_size=2, max_size=30))
def test_increasing_sets_are_monotone_and_decreasing_sets_mirror_them(abc, xs):
    e, c, i = abc
    x = np.sort(xs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        up = calibrate(x, (e, c, i))
        down = calibrate(-x, (-e, -c, -i))
    assert np.all(np.diff(up) >= 0)
    assert np.all((up >= 0) & (up <= 1))
    np.testing.assert_allclose(down, up, atol=1e-12)


@pytest.mark.parametrize("log_odds", [LOG_ODDS, RAGIN_LOG_ODDS])
@pytest.mark.parametrize("x", [3.3, 4.0, 4.97, 5.9, 7.51, 8.9])
def test_direct_method_matches_the_closed_form(x, log_odds):
    e, c, i = 3.65, 4.97, 7.51  # seed 000's anchors for per-capita GDP
    assert calibrate([x], (e, c, i), log_odds=log_odds)[0] == pytest.approx(
        _closed_form(x, e, c, i, log_odds), abs=1e-12
    )


def test_default_log_odds_is_r_qcas_idm_095():
    assert LOG_ODDS == pytest.approx(math.log(19))


def test_memberships_beyond_1e4_of_0_or_1_are_set_to_0_or_1_as_r_does():
    e, c, i = 0.0, 1.0, 2.0
    # x at log-odds ±9.3 (membership 1 − 9.1e-5) and ±8.9 (1 − 1.4e-4)
    far, near = 1 + 9.3 / LOG_ODDS, 1 + 8.9 / LOG_ODDS
    m = calibrate([2 - far, 2 - near, near, far], (e, c, i))
    assert m[0] == 0.0 and m[3] == 1.0
    assert 0 < m[1] < 2e-4 and 1 - 2e-4 < m[2] < 1


def test_named_anchors_and_series_in_series_out():
    x = pd.Series([3.3, 4.97, 9.2], index=["Hechi", "Wuzhou?", "Fangchenggang"], name="gdp")
    by_letter = calibrate(x, {"i": 7.51, "c": 4.9, "e": 3.65})
    by_name = calibrate(x, {"full_membership": 7.51, "crossover": 4.9, "full_nonmembership": 3.65})
    pd.testing.assert_series_equal(by_letter, by_name)
    assert by_letter.index.tolist() == x.index.tolist() and by_letter.name == "gdp"
    assert isinstance(calibrate([1.0, 2.0, 3.0], (1, 2, 3)), np.ndarray)


# -- Lipset: R QCA's LR (raw) → LC, LM (crisp) and LF (fuzzy) -----------------------------


def test_crisp_calibration_reproduces_lipset_lc_and_lm():
    """Thresholds from R QCA's ``?Lipset``: DEV 550 (and 850 for LM), URB 50 %, LIT 75 %,
    IND 30 %, STB 1 below 10 cabinets, SURV 1 when positive."""
    lr, lc, lm = _lipset("LR"), _lipset("LC"), _lipset("LM")
    for column, cut in {"DEV": 550, "URB": 50, "LIT": 75, "IND": 30, "SURV": 0}.items():
        np.testing.assert_array_equal(calibrate(lr[column], cut, type="crisp"), lc[column])
    np.testing.assert_array_equal(1 - calibrate(lr["STB"], 10, type="crisp"), lc["STB"])
    np.testing.assert_array_equal(calibrate(lr["DEV"], [550, 850], type="crisp"), lm["DEV"])


# R QCA's documentation does not state the fuzzy anchors behind LF. The anchors below were
# recovered from LR/LF: their crossovers are ?Lipset's crisp thresholds (STB's 9.5 splits
# 9 and 10 cabinets; SURV's 0 splits negative from positive), and with Ragin's ±3 log-odds
# and LF's 2-decimal rounding they reproduce every LF value exactly.
LIPSET_LF_ANCHORS = {  # variable: (e, c, i)
    "DEV": (400, 550, 900),
    "URB": (25, 50, 65),
    "LIT": (50, 75, 90),
    "IND": (20, 30, 40),
    "STB": (15, 9.5, 5),  # number of cabinets: fewer is more stable (a decreasing set)
    "SURV": (-9, 0, 10),
}


def test_direct_calibration_reproduces_lipset_lf():
    lr, lf = _lipset("LR"), _lipset("LF")
    ragin = calibrate_table(lr, LIPSET_LF_ANCHORS, log_odds=RAGIN_LOG_ODDS).memberships
    pd.testing.assert_frame_equal(ragin.round(2), lf, check_dtype=False)
    # R's default idm = 0.95 (log-odds 2.944) is a different calibration: within 0.01 of LF
    r_default = calibrate_table(lr, LIPSET_LF_ANCHORS).memberships
    assert (r_default - lf).abs().max().max() < 0.0085
    assert (r_default.round(2) - lf).abs().max().max() == pytest.approx(0.01)


def test_anchor_table_and_dict_agree():
    lr = _lipset("LR")
    table = pd.DataFrame(
        [(v, i, c, e) for v, (e, c, i) in LIPSET_LF_ANCHORS.items()], columns=list(ANCHOR_COLUMNS)
    ).assign(code=list("ABCDEF"))  # extra columns are ignored
    from_table, from_dict = calibrate_table(lr, table), calibrate_table(lr, LIPSET_LF_ANCHORS)
    pd.testing.assert_frame_equal(from_table.memberships, from_dict.memberships)
    pd.testing.assert_frame_equal(from_table.anchors, from_dict.anchors)
    assert list(from_table.anchors.columns) == list(ANCHOR_COLUMNS)


# -- seed 000 (Guangxi 2022): Table 3's percentile anchors --------------------------------

# Half the printed precision of Table 2's data (1 decimal; efficiency 3 decimals): a
# percentile under linear interpolation moves by at most this when every value moves by it.
# Table 3 rounds anchors to 2 decimals, adding 0.005.
DATA_HALF_UNIT = {
    "gdp_per_capita": 0.05,
    "urbanization_rate": 0.05,
    "population_agglomeration": 0.05,
    "public_budget_expenditure": 0.05,
    "health_expenditure_ratio": 0.05,
    "average_wage": 0.05,
    "efficiency": 0.0005,
}


def _table3() -> pd.DataFrame:
    return load_guangxi_calibration().set_index("variable")


def test_percentile_anchors_reproduce_table3_within_the_rounding_of_table2():
    """X1–X6 and Y: every anchor of Table 3 is within the rounding of the printed data.

    numpy's default (linear interpolation, R's quantile type 7, Excel's PERCENTILE.INC)
    fits; e.g. type 6 (SPSS, ``method="weibull"``) does not. X7 cannot be reproduced: its
    data are printed as 0.1/0.2 (10⁴ yuan) and its anchors in yuan (see the next test).
    """
    columns = list(DATA_HALF_UNIT)
    expected = _table3().loc[columns, ["full_membership", "crossover", "full_nonmembership"]]
    data = load_guangxi_2022()
    for method, fits in (("linear", True), ("weibull", False)):
        _, found = calibrate_percentiles(data, columns, method=method, unit="city")
        gap = (found.set_index("variable") - expected).abs()
        bound = pd.Series(DATA_HALF_UNIT) + 0.005
        assert gap.le(bound, axis=0).all().all() == fits, method
    # the largest gap, in per-capita GDP's full membership (7.475 vs 7.51), is 0.035
    assert gap.max().max() > 0.5  # weibull's 85th percentile of GDP is 8.525


def test_percentile_anchors_of_per_capita_health_expenditure_are_not_ordered():
    data = load_guangxi_2022()
    with pytest.raises(DataError, match=r"'health_expenditure_per_capita'.*2 distinct values"):
        calibrate_percentiles(data, "health_expenditure_per_capita")


def test_sensitivity_percentiles_widen_and_narrow_the_anchors():
    data, columns = load_guangxi_2022(), list(DATA_HALF_UNIT)
    narrow, default, wide = (
        calibrate_percentiles(data, columns, p).anchors.set_index("variable")
        for p in (SENSITIVITY_PERCENTILES[0], (0.85, 0.5, 0.1), SENSITIVITY_PERCENTILES[1])
    )
    assert (narrow["full_membership"] <= default["full_membership"]).all()
    assert (default["full_membership"] <= wide["full_membership"]).all()
    assert (narrow["full_nonmembership"] >= default["full_nonmembership"]).all()
    assert (default["full_nonmembership"] >= wide["full_nonmembership"]).all()
    pd.testing.assert_series_equal(narrow["crossover"], wide["crossover"])


def test_reversed_percentiles_are_refused_and_decreasing_sets_named():
    data = load_guangxi_2022()
    with pytest.raises(DataError, match=r"percentiles 0.1, 0.5, 0.85 are not in the order.*decreasing"):
        calibrate_percentiles(data, "gdp_per_capita", (0.1, 0.5, 0.85), unit="city")
    both = ["gdp_per_capita", "average_wage"]
    up = calibrate_percentiles(data, both, unit="city")
    down = calibrate_percentiles(data, both, decreasing=["gdp_per_capita"], unit="city")
    np.testing.assert_allclose(down.memberships["gdp_per_capita"], 1 - up.memberships["gdp_per_capita"], atol=1e-12)
    pd.testing.assert_series_equal(down.memberships["average_wage"], up.memberships["average_wage"])
    row = down.anchors.set_index("variable").loc["gdp_per_capita"]
    assert row["full_membership"] < row["crossover"] < row["full_nonmembership"]
    with pytest.raises(DataError, match="decreasing names 'wage'"):
        calibrate_percentiles(data, both, decreasing=["wage"], unit="city")


def test_calibrated_data_are_checked_and_kept():
    df = pd.DataFrame({"city": ["a", "b", "c"], "A": [0.0, 0.5, 1.0], "B": [1, 0, 1]})
    cal = calibrated(df, ["A", "B"], unit="city")
    pd.testing.assert_frame_equal(cal.memberships, df.set_index("city").astype(float))
    assert cal.anchors.empty and list(cal.anchors.columns) == list(ANCHOR_COLUMNS)
    assert cal.crossover_cases[["variable", "case"]].values.tolist() == [["A", "b"]]
    assert calibrated(df, "A", unit="city", adjust_crossover=True).memberships.loc["b", "A"] == 0.501
    with pytest.raises(DataError, match=r"'A' is given as calibrated but holds values outside \[0, 1\] "
                                        r"in case c \(1.2\)"):
        calibrated(df.assign(A=[0.1, 0.2, 1.2]), ["A", "B"], unit="city")
    with pytest.raises(DataError, match=r"'B'.* in rows 1 and 3 \(-1, 2\)"):
        calibrated(df.assign(B=[-1, 0, 2]), ["A", "B"])
    with pytest.raises(DataError, match="'B' has missing"):
        calibrated(df.assign(B=[np.nan, 0, 1]), ["B"])


def test_table3_anchors_outside_the_data_range_warn_for_health_expenditure_per_capita():
    with pytest.warns(CalibrationWarning) as caught:
        cal = calibrate_table(load_guangxi_2022(), load_guangxi_calibration(), unit="city")
    messages = [str(w.message) for w in caught if w.category is CalibrationWarning]
    assert len(messages) == 1  # all other anchors lie inside their data
    assert "'health_expenditure_per_capita'" in messages[0]
    assert "0.1 to 0.2" in messages[0] and "1554.03" in messages[0]
    assert "every case lies below the crossover" in messages[0]
    assert (cal.memberships["health_expenditure_per_capita"] == 0).all()
    assert cal.memberships.index.name == "city" and cal.memberships.shape == (14, 8)


# -- cases at the crossover ---------------------------------------------------------------


def test_cases_at_the_crossover_warn_and_can_be_adjusted():
    data = load_guangxi_2022()
    anchors = {"urbanization_rate": (45.44, 50.0, 63.35)}  # Hezhou's urbanization is 50.0 %
    with pytest.warns(CalibrationWarning, match=r"case Hezhou of 'urbanization_rate' lies at the crossover 50"):
        plain = calibrate_table(data, anchors, unit="city")
    assert plain.memberships.loc["Hezhou", "urbanization_rate"] == 0.5
    with pytest.warns(CalibrationWarning, match=r"set from 0.5 to 0.501 \(adjust_crossover=True\)"):
        adjusted = calibrate_table(data, anchors, unit="city", adjust_crossover=True)
    assert adjusted.memberships.loc["Hezhou", "urbanization_rate"] == CROSSOVER_ADJUSTED
    others = adjusted.memberships.drop(index="Hezhou")
    pd.testing.assert_frame_equal(others, plain.memberships.drop(index="Hezhou"))
    assert adjusted.crossover_cases.to_dict("records") == [
        {"variable": "urbanization_rate", "case": "Hezhou", "raw": 50.0, "membership": 0.501}
    ]


def test_calibration_unpacks_into_memberships_and_anchors():
    memberships, anchors = calibrate_percentiles(load_guangxi_2022(), ["efficiency"], unit="city")
    assert memberships.columns.tolist() == ["efficiency"]
    assert anchors["variable"].tolist() == ["efficiency"]


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "thresholds, problem",
    [
        ((1, 2, 2), "crossover 2, full membership 2"),  # equal anchors
        ((1, 3, 2), "crossover 3, full membership 2"),  # crossover not in between
        ((2, 2, 2), "full non-membership 2"),
    ],
)
def test_anchors_must_be_strictly_ordered(thresholds, problem):
    with pytest.raises(DataError, match=rf"anchors of 'gdp' are not strictly ordered: .*{problem}"):
        calibrate([1.0, 2.0, 3.0], thresholds, name="gdp")


def test_anchor_table_errors_name_the_variable():
    data = load_guangxi_2022()
    bad = load_guangxi_calibration()
    bad.loc[1, "crossover"] = 70.0
    with pytest.raises(DataError, match=r"anchors of 'urbanization_rate' are not strictly ordered"):
        calibrate_table(data, bad)
    bad = load_guangxi_calibration()
    bad.loc[0, "full_membership"] = np.nan
    with pytest.raises(DataError, match=r"full membership anchor of 'gdp_per_capita' is missing"):
        calibrate_table(data, bad)
    twice = load_guangxi_calibration().iloc[[0, 7, 7]]
    with pytest.raises(DataError, match=r"more than one row for 'efficiency'$"):
        calibrate_table(data, twice)
    with pytest.raises(UnknownNameError, match=r"'gdp_per_capta'; did you mean 'gdp_per_capita'"):
        calibrate_table(data, {"gdp_per_capta": (3.65, 4.97, 7.51)})


def test_non_numeric_and_missing_values_name_the_cases():
    data = load_guangxi_2022().astype({"average_wage": object})
    data.loc[data["city"] == "Baise", "average_wage"] = "n/a"
    data.loc[data["city"] == "Hechi", "gdp_per_capita"] = np.nan
    with pytest.raises(DataError, match=r"'average_wage' has non-numeric values in case Baise \('n/a'\)"):
        calibrate_table(data, {"average_wage": (4.64, 8.33, 9.25)}, unit="city")
    with pytest.raises(DataError, match=r"'gdp_per_capita' has missing or infinite values in case Hechi"):
        calibrate_table(data, {"gdp_per_capita": (3.65, 4.97, 7.51)}, unit="city")
    with pytest.raises(DataError, match=r"'x' has missing or infinite values in rows 2 and 3"):
        calibrate([1.0, None, np.inf], (0, 1, 2))


def test_bad_options_are_errors():
    with pytest.raises(DataError, match="three anchors"):
        calibrate([1.0], (0, 1))
    with pytest.raises(ValueError, match="log_odds must be > 0, got 0"):
        calibrate([1.0], (0, 1, 2), log_odds=0)
    with pytest.raises(ValueError, match="type must be one of fuzzy, crisp; got 'fuzy'"):
        calibrate([1.0], (0, 1, 2), type="fuzy")
    with pytest.raises(ValueError, match=r"percentiles must be ≥ 0 and ≤ 1, got 85"):
        calibrate_percentiles(load_guangxi_2022(), "efficiency", (85, 50, 10))
