"""Truth tables against R QCA's printed ones (Lipset crisp and fuzzy), invariants, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import reference
from healthalloc.data.validate import DataError
from healthalloc.qca.truthtable import TruthTable, truth_table

TOL = 1e-3


def lipset(name: str) -> tuple[pd.DataFrame, pd.Series]:
    df = pd.read_csv(reference(f"qca/{name}.csv"), index_col=0)
    return df.drop(columns="SURV"), df["SURV"]


def printed_truth_table(after: str) -> pd.DataFrame:
    """The truth table R printed after the line ``after`` in qca_package_example_outputs.txt."""
    lines = reference("qca/qca_package_example_outputs.txt").read_text().splitlines()
    start = lines.index(after)
    header = next(i for i in range(start, len(lines)) if lines[i].split()[:1] == ["DEV"])
    rows = []
    for line in lines[header + 1 :]:
        parts = line.split()
        if not parts or not parts[0].isdigit():
            break
        rows.append({"row": int(parts[0]), "OUT": int(parts[6]), "n": int(parts[7]),
                     "incl": float(parts[8]), "PRI": float(parts[9]), "cases": tuple(parts[10].split(","))})
    return pd.DataFrame(rows).set_index("row")


def test_lipset_crisp_matches_r_printed_truth_table():
    X, Y = lipset("lipset_LC")
    tt = truth_table(X, Y, incl_cut=1, pri_cut=0)
    expected = printed_truth_table("print(ttLC, show.cases = TRUE)")
    assert list(tt.table.index) == list(expected.index) == [1, 2, 5, 6, 22, 23, 24, 31, 32]
    assert tt.table["OUT"].tolist() == expected["OUT"].tolist()
    assert tt.table["n"].tolist() == expected["n"].tolist()
    np.testing.assert_allclose(tt.table["incl"], expected["incl"], atol=TOL)
    np.testing.assert_allclose(tt.table["PRI"], expected["PRI"], atol=TOL)
    assert tt.table["cases"].tolist() == expected["cases"].tolist()
    assert tt.positive == (22, 24, 32)
    assert tt.negative == (1, 2, 5, 6, 23, 31)
    assert not tt.table["contradiction"].any()


@pytest.mark.parametrize("negate", [False, True])
def test_lipset_fuzzy_matches_r_truth_table(negate):
    X, Y = lipset("lipset_LF")
    tt = truth_table(X, Y, incl_cut=0.8, pri_cut=0, negate_outcome=negate)
    expected = pd.read_csv(reference("qca/lipset_LF_truthtable_expected.csv"))
    expected = expected[expected["outcome"] == ("~SURV" if negate else "SURV")].set_index("row")
    assert tt.outcome == ("~SURV" if negate else "SURV")
    assert list(tt.table.index) == list(expected.index)
    assert tt.table["OUT"].tolist() == expected["OUT"].tolist()
    assert tt.table["n"].tolist() == expected["n"].tolist()
    np.testing.assert_allclose(tt.table["incl"], expected["incl"], atol=TOL)
    np.testing.assert_allclose(tt.table["PRI"], expected["PRI"], atol=TOL)
    assert tt.table["cases"].tolist() == [tuple(c.split(";")) for c in expected["cases"]]
    assert tt.table[list(X.columns)].loc[22].tolist() == [1, 0, 1, 0, 1]
    assert tt.n_remainders == 23


def test_contradictions_flag_cases_on_the_other_side_of_the_outcome():
    X, Y = lipset("lipset_LF")
    tt = truth_table(X, Y, incl_cut=0.8, pri_cut=0)
    # row 24 (FR, SE) is negative although both survived (SURV 0.95)
    assert tt.table.loc[24, "OUT"] == 0
    assert tt.table["contradiction"][tt.table["contradiction"]].index.tolist() == [24]


def test_cases_at_crossover_are_dropped_with_a_warning_naming_them():
    X, Y = lipset("lipset_LF")
    X = X.copy()
    X.loc["AU", "URB"] = 0.5
    X.loc["EE", "STB"] = 0.5
    X.loc["EE", "IND"] = 0.5
    with pytest.warns(UserWarning, match=r"AU \(URB\).*EE \(IND, STB\)"):
        tt = truth_table(X, Y, incl_cut=0.8, pri_cut=0)
    in_rows = {c for cases in tt.table["cases"] for c in cases}
    assert "AU" not in in_rows and "EE" not in in_rows
    assert tt.table["n"].sum() == 16
    assert 23 not in tt.table.index and 6 not in tt.table.index  # AU's and EE's rows emptied


def test_n_cut_makes_thin_rows_remainders():
    X, Y = lipset("lipset_LC")
    tt = truth_table(X, Y, incl_cut=1, pri_cut=0, n_cut=2)
    thin = tt.table.index[tt.table["n"] < 2].tolist()
    assert thin == [6, 23, 31]
    assert tt.table.loc[thin, "OUT"].isna().all()
    assert set(thin).isdisjoint(tt.positive + tt.negative)
    rem = tt.remainders()
    assert set(thin) <= set(rem.index)
    assert len(rem) == tt.n_remainders == 32 - 6
    row = rem.loc[23].tolist()  # 23 − 1 = 10110
    assert row == [1, 0, 1, 1, 0]


def test_remainders_are_the_unobserved_rows():
    X, Y = lipset("lipset_LC")
    tt = truth_table(X, Y, incl_cut=1, pri_cut=0)
    rem = tt.remainders()
    assert sorted(set(rem.index) | set(tt.table.index)) == list(range(1, 33))
    assert set(rem.index).isdisjoint(tt.table.index)
    ids = 1 + (rem.to_numpy() * (2 ** np.arange(4, -1, -1))).sum(axis=1)
    assert (ids == rem.index).all()


def test_too_many_remainders_are_refused_not_built():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(0.05, 0.95, (10, 25)), columns=[f"C{i}" for i in range(25)])
    tt = truth_table(X, pd.Series(rng.uniform(size=10)), incl_cut=0.8, pri_cut=0.5)
    assert tt.n_remainders == 2**25 - len(tt.table)
    with pytest.raises(ValueError, match="too many to list"):
        tt.remainders()


def test_printing_and_frame():
    X, Y = lipset("lipset_LC")
    tt = truth_table(X, Y, incl_cut=1, pri_cut=0, n_cut=2)
    text = str(tt)
    assert "incl.cut = 1" in text and "GR,PT,ES" in text and "?" in text
    assert tt.to_frame().loc[32, "cases"] == "BE,CZ,NL,UK"
    assert isinstance(tt, TruthTable) and tt.conditions == ("DEV", "URB", "LIT", "IND", "STB")


@pytest.mark.parametrize("change, message", [
    (lambda X, Y: (X.assign(DEV=X["DEV"] * 2), Y), r"'DEV' must hold memberships in \[0, 1\].*case BE = 2"),
    (lambda X, Y: (X, Y.drop("UK")), "no value for cases UK"),
    (lambda X, Y: (X.assign(URB=np.nan), Y), "'URB' must hold"),
    (lambda X, Y: (X.iloc[:, []], Y), "non-empty"),
])
def test_bad_input_names_what_is_wrong(change, message):
    X, Y = change(*lipset("lipset_LC"))
    with pytest.raises(DataError, match=message):
        truth_table(X, Y)


def test_bad_cuts_are_refused():
    X, Y = lipset("lipset_LC")
    with pytest.raises(ValueError, match="incl_cut must be ≥ 0 and ≤ 1, got 1.5"):
        truth_table(X, Y, incl_cut=1.5)
    with pytest.raises(ValueError, match="n_cut must be ≥ 1, got 0"):
        truth_table(X, Y, n_cut=0)


@settings(max_examples=50, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 25), st.integers(1, 6)),
              elements=st.sampled_from([0.0, 0.1, 0.3, 0.45, 0.55, 0.8, 1.0])), st.data())
def test_rows_cases_and_fit_follow_the_definitions(values, data):
    n, k = values.shape
    y = data.draw(arrays(float, n, elements=st.floats(0, 1, allow_nan=False)))
    X = pd.DataFrame(values, columns=[f"C{j}" for j in range(k)], index=[f"c{i}" for i in range(n)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tt = truth_table(X, pd.Series(y, index=X.index, name="Y"), incl_cut=0.8, pri_cut=0.5)
    for row, cases in tt.table["cases"].items():
        for case in cases:
            corner = (X.loc[case] > 0.5).astype(int).to_numpy()
            assert row == 1 + int("".join(map(str, corner)), 2)
        member = np.min(np.where(tt.table.loc[row, X.columns].to_numpy(bool), values, 1 - values), axis=1)
        both = np.minimum(member, y).sum()
        assert tt.table.loc[row, "incl"] == pytest.approx(both / member.sum())
    assert tt.table["n"].sum() == n
    ok = (tt.table["incl"] >= 0.8) & (tt.table["PRI"] >= 0.5)
    assert set(tt.table.index[ok]) == set(tt.positive)
