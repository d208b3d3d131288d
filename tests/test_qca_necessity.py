"""Necessity: consistency (inclN), coverage (covN) and relevance (RoN) for Y and ~Y.

References: R ``QCA`` 3.23's ``pof()`` on Cebotari & Vink's fuzzy data (``pof.html``) and
seed 000's Table 5 (Guangxi), recomputed from its Tables 2 and 3.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import reference
from healthalloc.data import DataError, UnknownNameError, load_guangxi_2022, load_guangxi_calibration
from healthalloc.qca import fit
from healthalloc.qca.calibrate import CalibrationWarning, calibrate_table
from healthalloc.qca.necessity import CUT_TOLERANCE, SkewnessWarning, necessity

QCA = "qca"
pytestmark = pytest.mark.filterwarnings("ignore::healthalloc.qca.necessity.SkewnessWarning")


def _cebotari_vink():
    data = pd.read_csv(reference(f"{QCA}/cebotari_vink_CVF.csv"), index_col="case")
    return necessity(data.drop(columns="PROTEST"), data["PROTEST"])


# -- R QCA: Cebotari & Vink (2013) ----------------------------------------------------------


def test_cebotari_vink_matches_r_qca_pof_for_conditions_and_negations():
    expected = pd.read_csv(reference(f"{QCA}/cebotari_vink_necessity_expected.csv"))
    got = _cebotari_vink().table["PROTEST"].loc[expected["condition"]]
    diff = got[["inclN", "RoN", "covN"]].to_numpy() - expected[["inclN", "RoN", "covN"]].to_numpy()
    assert np.abs(diff).max() < 1e-3  # printed to 3 decimals: max difference 0.0005


def test_cebotari_vink_matches_r_qca_pof_for_the_negated_outcome():
    """``pof(conds, 1 - PROTEST)`` in QCA 3.23's ``pof.html``."""
    expected = pd.DataFrame(
        [[0.618, 0.682, 0.580], [0.574, 0.760, 0.623], [0.784, 0.436, 0.529],
         [0.335, 0.776, 0.470], [0.932, 0.622, 0.693]],
        index=["DEMOC", "ETHFRACT", "GEOCON", "POLDIS", "NATPRIDE"],
        columns=["inclN", "RoN", "covN"],
    )  # fmt: skip
    got = _cebotari_vink().table["~PROTEST"].loc[expected.index, expected.columns]
    np.testing.assert_allclose(got, expected, atol=5e-4 + 1e-12)


def test_cebotari_vink_necessary_flags_and_sufficiency_duals():
    result = _cebotari_vink()
    flagged = result.to_frame().query("necessary")[["condition", "outcome"]]
    assert flagged.values.tolist() == [["GEOCON", "PROTEST"], ["NATPRIDE", "~PROTEST"]]
    # inclN(A ⊇ Y) is covS(A ⊆ Y) and covN is inclS: R's pof(relation = "suf") figures
    suf = pd.read_csv(reference(f"{QCA}/cebotari_vink_sufficiency_expected.csv"))
    got = result.table["PROTEST"].loc[suf["condition"]]
    np.testing.assert_allclose(got["inclN"], suf["covS"], atol=5e-4 + 1e-12)
    np.testing.assert_allclose(got["covN"], suf["inclS"], atol=5e-4 + 1e-12)


def test_tidy_frame_and_summary_layout():
    result = _cebotari_vink()
    tidy = result.to_frame()
    assert tidy.columns.tolist() == ["condition", "outcome", "consistency", "coverage", "ron", "necessary"]
    assert tidy["outcome"].tolist() == ["PROTEST"] * 10 + ["~PROTEST"] * 10
    assert tidy["condition"].tolist()[:4] == ["DEMOC", "~DEMOC", "ETHFRACT", "~ETHFRACT"]
    row = tidy.query("condition == 'GEOCON' and outcome == 'PROTEST'").iloc[0]
    assert (round(row.consistency, 3), round(row.coverage, 3), round(row.ron, 3)) == (0.904, 0.624, 0.492)
    text = result.to_text()
    assert "GEOCON         0.904*   0.624" in text
    assert "necessary (consistency ≥ 0.9): GEOCON for PROTEST (RoN 0.492) and NATPRIDE for ~PROTEST" in text
    assert result.table.columns.names == ["outcome", "statistic"]


# -- seed 000: Table 5 from Tables 2 and 3 --------------------------------------------------


def _seed000():
    data = load_guangxi_2022()
    anchors = load_guangxi_calibration()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)  # X7's anchors are in yuan
        memberships = calibrate_table(data, anchors, unit="city").memberships
    memberships.columns = anchors["code"].tolist()
    return memberships, necessity(memberships, "Y")


def _table5() -> pd.DataFrame:
    return pd.read_csv(reference(f"{QCA}/seed000_table5_necessity.csv")).set_index(["outcome", "condition"])


def test_table5_cannot_be_matched_digit_for_digit_its_outcome_has_another_size():
    """Why Table 5's figures differ from a recomputation on Tables 2 and 3.

    Σmin(X, Y) = inclN·ΣY = covN·ΣX, so for a condition and its negation inclN/covN are
    ΣX/ΣY and (n − ΣX)/ΣY, whose sum is n/ΣY. Every pair in Table 5 gives the same ΣY =
    6.20 (memberships rounded to 2 decimals, as fsQCA 3.0 prints them). Calibrating
    Table 2's efficiencies with Table 3's anchors gives ΣY = 7.11 (7.09–7.15 for ±3
    log-odds, 2-decimal rounding or exact percentile anchors): the paper's outcome
    memberships were not those of its printed data and anchors.
    """
    t5 = _table5()["consistency"] / _table5()["coverage"]
    for outcome in ("Y", "~Y"):
        ratios = t5.loc[outcome]
        implied = [14 / (ratios[f"X{k}"] + ratios[f"~X{k}"]) for k in range(1, 8)]
        size = 6.20 if outcome == "Y" else 14 - 6.20
        np.testing.assert_allclose(implied, size, atol=5e-3)
    memberships, _ = _seed000()
    assert memberships["Y"].sum() == pytest.approx(7.112, abs=1e-3)


def test_table5_x7_is_out_of_every_city_because_its_anchors_are_in_yuan():
    """Table 2 prints per-capita health expenditure in 10⁴ yuan (0.1, 0.2), Table 3 its
    anchors in yuan (906–1,554): every city is fully out of X7, so ~X7 is trivially
    necessary (consistency 1, RoN 0) where the paper reports 0.5855 and 0.6410."""
    memberships, result = _seed000()
    assert (memberships["X7"] == 0).all()
    for outcome in ("Y", "~Y"):
        row = result.table[outcome]
        assert row.loc["~X7", "inclN"] == pytest.approx(1.0) and row.loc["~X7", "RoN"] == 0.0
        assert row.loc["~X7", "necessary"] and row.loc["X7", "inclN"] == 0.0
        assert np.isnan(row.loc["X7", "covN"])  # X7 is empty


def test_table5_conclusions_for_x1_to_x6_are_reproduced():
    """What Table 2 + Table 3 do reproduce for X1–X6 (X7 see above):

    * no condition or negation reaches 0.9 for Y or ~Y (the paper's conclusion);
    * the two most consistent for Y are X2 then X1, and for ~Y ~X2 then ~X1;
    * for each of X1–X6, whether the condition or its negation is the more consistent
      superset agrees with the paper for both Y and ~Y (12 of 12).

    The figures themselves differ by up to 0.18 (see the outcome-size test above).
    """
    _, result = _seed000()
    t5 = _table5()
    ours = result.to_frame().set_index(["outcome", "condition"])
    six = [c for k in range(1, 7) for c in (f"X{k}", f"~X{k}")]
    for outcome in ("Y", "~Y"):
        mine, paper = ours.loc[outcome].loc[six], t5.loc[outcome].loc[six]
        assert not mine["necessary"].any() and (paper["consistency"] < 0.9).all()
        top = mine["consistency"].nlargest(2).index.tolist()
        assert top == paper["consistency"].nlargest(2).index.tolist()
        assert top == (["X2", "X1"] if outcome == "Y" else ["~X2", "~X1"])
        for k in range(1, 7):
            assert (mine.loc[f"X{k}", "consistency"] > mine.loc[f"~X{k}", "consistency"]) == (
                paper.loc[f"X{k}", "consistency"] > paper.loc[f"~X{k}", "consistency"]
            )
        gap = (mine[["consistency", "coverage"]] - paper[["consistency", "coverage"]]).abs()
        assert 0.1 < gap.max().max() < 0.19


def test_seed000_skewness_flags_the_empty_x7():
    memberships, _ = _seed000()
    with pytest.warns(SkewnessWarning, match=r"'X7' \(0 of 14 cases\)"):
        result = necessity(memberships, "Y")
    assert result.skewness.loc["X7", "share_in"] == 0.0 and result.skewness.loc["X7", "skewed"]
    assert result.skewness["skewed"].sum() == 1
    assert result.skewness.loc["Y", "cases_in"] == 7


# -- properties -----------------------------------------------------------------------------


@st.composite
def fuzzy_data(draw):
    n = draw(st.integers(2, 25))
    k = draw(st.integers(1, 4))
    unit = st.floats(0, 1, allow_nan=False)
    X = draw(hnp.arrays(float, (n, k), elements=unit))
    y = draw(hnp.arrays(float, n, elements=unit).filter(lambda v: 0 < v.sum() < n))
    return pd.DataFrame(X, columns=[f"C{j}" for j in range(k)]), pd.Series(y, name="Y")


@given(fuzzy_data())
def test_parameters_of_fit_lie_in_the_unit_interval(data):
    X, y = data
    table = necessity(X, y).table
    for outcome in ("Y", "~Y"):
        values = table[outcome][["inclN", "RoN", "covN"]].to_numpy()
        finite = values[np.isfinite(values)]
        assert ((finite >= -1e-12) & (finite <= 1 + 1e-12)).all()
        assert np.isfinite(table[outcome]["inclN"]).all()  # ΣY > 0 and Σ(1 − Y) > 0


@given(fuzzy_data())
def test_necessity_of_a_for_y_is_sufficiency_of_y_for_a(data):
    X, y = data
    table = necessity(X, y).table["Y"]
    for c in X.columns:
        incl_s, _, cov_s = fit.sufficiency(X[c].to_numpy(), y.to_numpy())
        dual_incl, _, _ = fit.sufficiency(y.to_numpy(), X[c].to_numpy())
        assert table.loc[c, "inclN"] == pytest.approx(cov_s, nan_ok=True)
        assert table.loc[c, "inclN"] == pytest.approx(dual_incl, nan_ok=True)
        assert table.loc[c, "covN"] == pytest.approx(incl_s, nan_ok=True)


@given(fuzzy_data(), st.floats(0.5, 1.0))
def test_negations_are_one_minus_and_flags_follow_the_threshold(data, threshold):
    X, y = data
    table = necessity(X, y, threshold=threshold).table
    negated = necessity(1 - X, y, negations=False, threshold=threshold).table
    for c in X.columns:
        pd.testing.assert_series_equal(table.loc[f"~{c}"], negated.loc[c], check_names=False)
    for outcome in ("Y", "~Y"):
        expected = table[outcome]["inclN"] >= threshold - CUT_TOLERANCE
        np.testing.assert_array_equal(table[outcome]["necessary"], expected)


@given(fuzzy_data())
def test_a_superset_of_the_outcome_is_fully_consistent(data):
    X, y = data
    superset = pd.DataFrame({"S": np.maximum(X.iloc[:, 0], y)})
    assert necessity(superset, y).table.loc["S", ("Y", "inclN")] == pytest.approx(1.0)


# -- input checks -----------------------------------------------------------------------------


def test_bad_memberships_name_the_cases():
    X = pd.DataFrame({"A": [0.2, 1.4, 0.7], "B": [0.1, 0.5, 0.9]}, index=["p", "q", "r"])
    y = pd.Series([0.3, 0.8, 0.6], index=X.index, name="Y")
    with pytest.raises(DataError, match=r"'A' has memberships outside \[0, 1\] in case q; calibrate"):
        necessity(X, y)
    with pytest.raises(DataError, match=r"'Y' has missing or infinite values in case r"):
        necessity(X.clip(upper=1), y.where(y != 0.6))
    with pytest.raises(DataError, match=r"case s only in the outcome"):
        necessity(X.clip(upper=1), y.rename({"r": "s"}))
    with pytest.raises(DataError, match=r"the outcome has 2 cases but the conditions have 3"):
        necessity(X.clip(upper=1).reset_index(drop=True), pd.Series([0.1, 0.2]))
    with pytest.raises(UnknownNameError, match=r"'Z'"):
        necessity(X.clip(upper=1), "Z")
    with pytest.raises(ValueError, match=r"threshold must be > 0 and ≤ 1, got 90"):
        necessity(X.clip(upper=1), y, threshold=90)


def test_outcome_is_aligned_by_case_name():
    X = pd.DataFrame({"A": [0.2, 0.9, 0.7]}, index=["p", "q", "r"])
    y = pd.Series([0.6, 0.8, 0.1], index=["r", "q", "p"], name="Y")  # another order
    got = necessity(X, y).table.loc["A", ("Y", "inclN")]
    assert got == pytest.approx((0.1 + 0.8 + 0.6) / 1.5)
