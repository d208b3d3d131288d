"""Global Moran's I and LISA: closed forms computed here, esda on the same weights,
seeded permutations, bad input, and the 31-province panel end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data import DataError, load_china_provinces
from healthalloc.spatial import adjacency_weights, moran, moran_local, province_weights

LINE = pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 4]})  # units 1-2-3-4 in a row
BEDS = "beds_per_1000_people"


def rook_lattice(rows: int, cols: int) -> pd.DataFrame:
    """Pairs of a rows × cols rook lattice, cells numbered row by row."""
    pairs = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    pairs += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return pd.DataFrame(pairs, columns=["a", "b"])


def binary_matrix(pairs: pd.DataFrame, n: int) -> np.ndarray:
    W = np.zeros((n, n))
    for a, b in pairs.itertuples(index=False):
        W[a, b] = W[b, a] = 1.0
    return W


def moran_closed_form(y: np.ndarray, W: np.ndarray) -> float:
    """I = (n / S0) zᵀWz / zᵀz."""
    z = y - y.mean()
    return len(y) / W.sum() * (z @ W @ z) / (z @ z)


def variance_normal(W: np.ndarray) -> float:
    """Var[I] under normality (Cliff & Ord 1981): (n²S1 − nS2 + 3S0²)/((n² − 1)S0²) − E[I]²."""
    n = len(W)
    s0 = W.sum()
    s1 = 0.5 * ((W + W.T) ** 2).sum()
    s2 = ((W.sum(axis=1) + W.sum(axis=0)) ** 2).sum()
    return (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - 1 / (n - 1) ** 2


@pytest.fixture(scope="module")
def provinces():
    return load_china_provinces()


@pytest.fixture(scope="module")
def w_nearest():
    with pytest.warns(UserWarning, match=r"Hainan \(460000\) to Guangxi \(450000\)"):
        return province_weights(islands="nearest")


# --------------------------------------------------------------------------- global


def test_moran_by_hand_on_a_line_of_four():
    """z = (−1.5, −0.5, 0.5, 1.5), zᵀz = 5. Binary: S0 = 6, zᵀWz = 2.5, I = 4/6 · 2.5/5 = 1/3.
    Row-standardized: S0 = 4, zᵀWz = 2, I = 4/4 · 2/5 = 0.4."""
    data = pd.DataFrame({"unit": [1, 2, 3, 4], "y": [1.0, 2.0, 3.0, 4.0]})
    res = moran(data, "y", adjacency_weights(LINE, transform="b"), unit="unit", permutations=0)
    assert res.I["all"] == pytest.approx(1 / 3)
    assert res.EI["all"] == pytest.approx(-1 / 3)
    assert moran(data, "y", adjacency_weights(LINE), unit="unit", permutations=0).I["all"] == \
        pytest.approx(0.4)


@pytest.mark.parametrize("transform", ["r", "b"])
def test_moran_equals_the_closed_form_on_a_lattice(transform):
    pairs = rook_lattice(4, 5)
    rng = np.random.default_rng(3)
    y = rng.normal(size=20) + np.arange(20) / 5  # a trend: positive autocorrelation
    res = moran(pd.DataFrame({"y": y}), "y", adjacency_weights(pairs, transform=transform),
                permutations=0)
    W = binary_matrix(pairs, 20)
    if transform == "r":
        W = W / W.sum(axis=1, keepdims=True)
    assert res.I["all"] == pytest.approx(moran_closed_form(y, W), rel=1e-12)
    assert res.seI_norm["all"] ** 2 == pytest.approx(variance_normal(W), rel=1e-12)
    z = (res.I["all"] + 1 / 19) / np.sqrt(variance_normal(W))
    assert res.z_norm["all"] == pytest.approx(z, rel=1e-12)


def test_moran_equals_esda_on_the_same_weights(provinces, w_nearest):
    from esda import Moran

    res = moran(provinces, BEDS, w_nearest, unit="province_code", by="year", permutations=0)
    for year in (2014, 2019, 2023):
        y = provinces[provinces.year == year].set_index("province_code").loc[w_nearest.ids, BEDS]
        m = Moran(y.to_numpy(), w_nearest.w, permutations=0)
        assert res.I[year] == pytest.approx(m.I, rel=1e-12)
        assert res.p_norm[year] == pytest.approx(m.p_norm, rel=1e-12)
        assert res.p_rand[year] == pytest.approx(m.p_rand, rel=1e-12)


def test_permutation_p_values_are_reproducible_and_leave_numpy_alone(provinces, w_nearest):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = moran(provinces, BEDS, w_nearest, unit="province_code", by="year", seed=7)
    b = moran(provinces, BEDS, w_nearest, unit="province_code", by="year", seed=7)
    pd.testing.assert_series_equal(a.p_sim, b.p_sim)
    pd.testing.assert_series_equal(a.z_sim, b.z_sim)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    one_year = moran(provinces[provinces.year == 2020], BEDS, w_nearest, unit="province_code", seed=7)
    assert one_year.p_sim["all"] == a.p_sim[2020]  # a period's p_sim does not depend on others
    assert ((a.p_sim * 1000) % 1 < 1e-9).all() and a.permutations == 999  # (larger + 1)/1000


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(0.01, 100), shift=st.floats(-100, 100), seed=st.integers(0, 1000))
def test_moran_is_invariant_to_positive_affine_changes(scale, shift, seed):
    pairs = rook_lattice(3, 4)
    y = np.random.default_rng(seed).normal(size=12)
    sw = adjacency_weights(pairs)
    base = moran(pd.DataFrame({"y": y}), "y", sw, permutations=0).I["all"]
    moved = moran(pd.DataFrame({"y": y * scale + shift}), "y", sw, permutations=0).I["all"]
    assert moved == pytest.approx(base, rel=1e-7, abs=1e-9)
    assert -1.5 < base < 1.5


# --------------------------------------------------------------------------- local


def test_lisa_equals_an_independent_numpy_computation(provinces, w_nearest):
    res = moran_local(provinces, BEDS, w_nearest, unit="province_code", by="year", seed=1)
    W = w_nearest.w.full()[0]  # rows in w_nearest.ids order, row-standardized
    for year in (2014, 2023):
        y = provinces[provinces.year == year].set_index("province_code").loc[w_nearest.ids, BEDS]
        z = (y.to_numpy() - y.mean()) / y.std(ddof=0)
        lag = W @ z
        Ii = (len(z) - 1) * z * lag / (z @ z)
        got = res.Ii.xs(year, level="year").loc[w_nearest.ids]
        np.testing.assert_allclose(got.to_numpy(), Ii, rtol=1e-10)
        np.testing.assert_allclose(res.lag.xs(year, level="year").loc[w_nearest.ids], lag, rtol=1e-10)
        quadrant = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
        assert res.quadrant.xs(year, level="year").loc[w_nearest.ids].tolist() == quadrant.tolist()
    significant = res.p_sim < 0.05
    assert (res.cluster[significant] == res.quadrant[significant]).all()
    assert (res.cluster[~significant] == "not significant").all()


def test_lisa_is_reproducible_with_a_seed_and_tidy(provinces, w_nearest):
    a = moran_local(provinces, BEDS, w_nearest, unit="province_code", by="year", seed=5,
                    permutations=199)
    b = moran_local(provinces, BEDS, w_nearest, unit="province_code", by="year", seed=5,
                    permutations=199)
    pd.testing.assert_series_equal(a.p_sim, b.p_sim)
    frame = a.to_frame()
    assert list(frame.columns) == ["unit", "year", BEDS, "z", "lag", "Ii", "EI_sim", "z_sim",
                                   "p_sim", "q", "quadrant", "cluster"]
    assert len(frame) == 310 and frame["p_sim"].between(1 / 200, 1).all()
    counts = a.summary()
    assert list(counts.columns) == ["HH", "LH", "LL", "HL", "not significant"]
    assert (counts.sum(axis=1) == 31).all()
    listed = a.summary(units=True).loc[2023, "HH"].split(";")
    assert set(map(int, listed)) == set(frame.query("year == 2023 and cluster == 'HH'")["unit"])


def test_lisa_alpha_and_permutations_are_checked(provinces, w_nearest):
    with pytest.raises(ValueError, match="permutations must be ≥ 1, got 0"):
        moran_local(provinces, BEDS, w_nearest, unit="province_code", by="year", permutations=0)
    with pytest.raises(ValueError, match=r"alpha must be > 0 and < 1, got 5"):
        moran_local(provinces, BEDS, w_nearest, unit="province_code", by="year", alpha=5)


# --------------------------------------------------------------------------- bad input


def test_missing_values_are_named_by_unit_and_period(provinces, w_nearest):
    bad = provinces.copy()
    bad.loc[(bad.province_code == 460000) & (bad.year == 2015), BEDS] = np.nan
    with pytest.raises(DataError, match=f"column '{BEDS}' has missing or infinite values in unit 460000/2015"):
        moran(bad, BEDS, w_nearest, unit="province_code", by="year")


def test_unbalanced_and_duplicate_rows_are_named(provinces, w_nearest):
    gap = provinces.drop(provinces.index[(provinces.province_code == 110000) & (provinces.year == 2016)])
    with pytest.raises(DataError, match="unbalanced: no row for unit 110000/2016"):
        moran(gap, BEDS, w_nearest, unit="province_code", by="year")
    twice = pd.concat([provinces, provinces.iloc[[0]]])
    with pytest.raises(DataError, match="duplicate unit–period rows: 110000/2014 in rows 1 and 311"):
        moran(twice, BEDS, w_nearest, unit="province_code", by="year")


def test_units_missing_from_data_or_weights_are_named(provinces, w_nearest):
    without_tibet = provinces[provinces.province_code != 540000]
    with pytest.raises(DataError, match="units 540000 are in the weights but not in the data"):
        moran(without_tibet, BEDS, w_nearest, unit="province_code", by="year")
    extra = pd.concat([provinces, provinces[provinces.province_code == 110000].assign(province_code=710000)])
    with pytest.raises(DataError, match="units 710000 are in the data but not in the weights"):
        moran_local(extra, BEDS, w_nearest, unit="province_code", by="year")


def test_a_constant_value_is_an_error(provinces, w_nearest):
    flat = provinces.assign(one=1.0)
    with pytest.raises(DataError, match="one value for every unit in periods 2014"):
        moran(flat, "one", w_nearest, unit="province_code", by="year")


def test_islands_dropped_by_the_weights_leave_the_data(provinces):
    with pytest.warns(UserWarning, match="islands='drop'"):
        sw = province_weights(islands="drop")
    res = moran(provinces, BEDS, sw, unit="province_code", by="year", permutations=0)
    assert res.n == 30
    y = provinces[provinces.year == 2023].set_index("province_code").loc[sw.ids, BEDS].to_numpy()
    assert res.I[2023] == pytest.approx(moran_closed_form(y, sw.w.full()[0]), rel=1e-12)


# --------------------------------------------------------------------------- the province panel


def test_province_beds_moran_per_year(provinces, w_nearest):
    """Beds per 1,000 people, 31 provinces, rook contiguity with Hainan–Guangxi (nearest)."""
    res = moran(provinces, BEDS, w_nearest, unit="province_code", by="year", seed=2024)
    W = w_nearest.w.full()[0]
    for year, I in res.I.items():
        y = provinces[provinces.year == year].set_index("province_code").loc[w_nearest.ids, BEDS]
        assert I == pytest.approx(moran_closed_form(y.to_numpy(), W), rel=1e-12)
    expected = {2014: 0.21485, 2015: 0.26440, 2016: 0.27045, 2017: 0.30662, 2018: 0.34527,
                2019: 0.30597, 2020: 0.29985, 2021: 0.29674, 2022: 0.27322, 2023: 0.22663}
    np.testing.assert_allclose(res.I.loc[list(expected)], list(expected.values()), atol=1e-5)
    assert (res.p_norm < 0.05).all() and (res.p_sim < 0.05).all()
    table = res.to_frame()
    assert list(table.columns) == ["year", "n", "I", "EI", "seI_norm", "z_norm", "p_norm",
                                   "z_rand", "p_rand", "EI_sim", "seI_sim", "z_sim", "p_sim"]
    assert "Global Moran's I" in str(res) and len(res.summary()) == 10
