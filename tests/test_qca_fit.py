"""Parameters of fit against R QCA's pof() (Cebotari & Vink data) and their invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import reference
from healthalloc.qca.fit import necessity, sufficiency, unique_coverage

TOL = 1e-3  # R prints 3 decimals


@pytest.fixture(scope="module")
def cvf() -> pd.DataFrame:
    return pd.read_csv(reference("qca/cebotari_vink_CVF.csv"), index_col=0)


def _expected(name: str, columns: int) -> pd.DataFrame:
    """The leading columns of an expected-values file ."""
    return pd.read_csv(reference(name), usecols=range(columns), index_col=False)


def test_sufficiency_matches_r_pof(cvf):
    expected = _expected("qca/cebotari_vink_sufficiency_expected.csv", 6)
    conds = cvf[expected["condition"]].to_numpy()
    incl, pri, cov = sufficiency(conds, cvf["PROTEST"])
    np.testing.assert_allclose(incl, expected["inclS"], atol=TOL)
    np.testing.assert_allclose(pri, expected["PRI"], atol=TOL)
    np.testing.assert_allclose(cov, expected["covS"], atol=TOL)
    np.testing.assert_allclose(unique_coverage(conds, cvf["PROTEST"]), expected["covU"], atol=TOL)


def test_necessity_matches_r_pof_for_conditions_and_negations(cvf):
    expected = _expected("qca/cebotari_vink_necessity_expected.csv", 5)
    sets = np.column_stack([
        1 - cvf[c[1:]] if c.startswith("~") else cvf[c] for c in expected["condition"]
    ])
    incl, ron, cov = necessity(sets, cvf["PROTEST"])
    np.testing.assert_allclose(incl, expected["inclN"], atol=TOL)
    np.testing.assert_allclose(ron, expected["RoN"], atol=TOL)
    np.testing.assert_allclose(cov, expected["covN"], atol=TOL)


def test_one_set_gives_floats_and_matches_the_formulas():
    x = np.array([0.2, 0.9, 0.6])
    y = np.array([0.3, 0.8, 0.1])
    incl, pri, cov = sufficiency(x, y)
    assert isinstance(incl, float)
    both = np.minimum(x, y).sum()  # 0.2 + 0.8 + 0.1
    low = np.minimum(np.minimum(x, y), 1 - y).sum()  # 0.2 + 0.2 + 0.1
    assert incl == pytest.approx(both / x.sum())
    assert pri == pytest.approx((both - low) / (x.sum() - low))
    assert cov == pytest.approx(both / y.sum())
    inclN, ron, covN = necessity(x, y)
    assert inclN == pytest.approx(both / y.sum())
    assert covN == pytest.approx(both / x.sum())
    assert ron == pytest.approx((1 - x).sum() / (1 - np.minimum(x, y)).sum())


def test_empty_set_gives_nan_without_warning():
    incl, pri, cov = sufficiency(np.zeros((3, 1)), np.array([0.1, 0.2, 0.3]))
    assert np.isnan(incl[0]) and np.isnan(pri[0]) and cov[0] == 0


@pytest.mark.parametrize("X, Y, message", [
    (np.zeros((3, 2)), np.zeros(4), "4 cases"),
    (np.full(3, 1.2), np.zeros(3), r"\[0, 1\]"),
    (np.zeros(3), np.zeros((3, 1)), "one set"),
])
def test_bad_shapes_and_values_are_refused(X, Y, message):
    with pytest.raises(ValueError, match=message):
        sufficiency(X, Y)


memberships = arrays(float, st.tuples(st.integers(2, 30), st.integers(1, 4)),
                     elements=st.floats(0, 1, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(memberships, st.data())
def test_fit_lies_in_unit_interval_and_suf_nec_are_dual(X, data):
    y = data.draw(arrays(float, X.shape[0], elements=st.floats(0, 1, allow_nan=False)))
    incl, pri, cov = sufficiency(X, y)
    inclN, ron, covN = necessity(X, y)
    for v in (incl, pri, cov, inclN, ron, covN):
        v = v[~np.isnan(v)]
        assert ((v >= -1e-12) & (v <= 1 + 1e-12)).all()
    np.testing.assert_allclose(incl, covN, equal_nan=True)
    np.testing.assert_allclose(cov, inclN, equal_nan=True)
    covU = unique_coverage(X, y)
    if y.sum() > 0:
        union = sufficiency(X.max(axis=1), y)[2]
        assert covU.sum() <= union + 1e-9
        assert (covU >= -1e-12).all() and (covU <= cov + 1e-12).all()
