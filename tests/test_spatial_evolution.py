"""Kernel density curves and Markov chains, against computations made here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import gaussian_kde

from healthalloc.data import DataError, load_china_provinces
from healthalloc.spatial import kernel_density, province_weights, spatial_markov

BEDS = "beds_per_1000_people"


@pytest.fixture(scope="module")
def provinces():
    return load_china_provinces()


@pytest.fixture(scope="module")
def w_nearest():
    with pytest.warns(UserWarning):
        return province_weights(islands="nearest")


# --------------------------------------------------------------------------- density


def test_density_curves_share_a_grid_and_match_scipy(provinces):
    kd = kernel_density(provinces, BEDS, by="year", unit="province_code", grid=400)
    frame = kd.to_frame()
    assert list(frame.columns) == ["year", "x", "density"] and len(frame) == 4000
    for year in (2014, 2023):
        y = provinces.loc[provinces.year == year, BEDS].to_numpy()
        curve = frame[frame.year == year]
        np.testing.assert_allclose(curve["x"], kd.grid)
        np.testing.assert_allclose(curve["density"], gaussian_kde(y)(kd.grid), rtol=1e-12)
        assert np.trapezoid(curve["density"], curve["x"]) == pytest.approx(1, abs=1e-3)
        h = len(y) ** (-1 / 5) * y.std(ddof=1)  # Scott's rule
        assert kd.bandwidth[year] == pytest.approx(h, rel=1e-12)
    summary = kd.summary()
    assert summary.loc[2023, "peak_x"] == kd.grid[np.argmax(kd.density[2023])]
    assert summary.loc[2023, "peak_x"] > summary.loc[2014, "peak_x"]  # beds rose
    assert list(summary.columns) == ["bandwidth", "peak_x", "peak_density", "width", "peaks"]


def test_density_counts_two_peaks_of_a_bimodal_sample():
    y = np.r_[np.linspace(0, 1, 20), np.linspace(5, 6, 20)]
    kd = kernel_density(pd.DataFrame({"y": y}), "y", bw_method=0.2)
    assert kd.summary().loc["all", "peaks"] == 2


def test_density_needs_variation(provinces):
    with pytest.raises(DataError, match="at least two different values"):
        kernel_density(provinces.assign(one=1.0), "one", by="year", unit="province_code")


# --------------------------------------------------------------------------- Markov


def test_classic_and_spatial_markov_by_counting(provinces, w_nearest):
    res = spatial_markov(provinces, BEDS, w_nearest, by="year", unit="province_code")
    y = provinces.pivot(index="province_code", columns="year", values=BEDS).loc[w_nearest.ids]
    Y = y.to_numpy()
    cut = np.quantile(Y, [0.25, 0.5, 0.75])  # pooled quartiles
    np.testing.assert_allclose(res.cutoffs, cut)
    cls = np.searchsorted(cut, Y, side="left")  # class 0..3: value ≤ upper bound
    counts = np.zeros((4, 4))
    for t in range(Y.shape[1] - 1):
        np.add.at(counts, (cls[:, t], cls[:, t + 1]), 1)
    np.testing.assert_array_equal(res.transitions.to_numpy(), counts)
    np.testing.assert_allclose(res.p.to_numpy(), counts / counts.sum(axis=1, keepdims=True))
    lag = w_nearest.w.full()[0] @ Y
    lag_cls = np.searchsorted(np.quantile(lag, [0.25, 0.5, 0.75]), lag, side="left")
    conditional = np.zeros((4, 4, 4))
    for t in range(Y.shape[1] - 1):
        np.add.at(conditional, (lag_cls[:, t], cls[:, t], cls[:, t + 1]), 1)
    np.testing.assert_array_equal(res.T.to_numpy().reshape(4, 4, 4), conditional)
    assert res.T.to_numpy().sum() == 31 * 9
    np.testing.assert_allclose(res.s.sum(), 1)


def test_markov_tables_are_tidy(provinces, w_nearest):
    res = spatial_markov(provinces, BEDS, w_nearest, by="year", unit="province_code",
                         relative=True, fixed=False, classes=3)
    with pytest.warns(FutureWarning, match=r"spatial_markov\(k=\.\.\.\) is now classes="):  # giddy's name, still read
        older = spatial_markov(provinces, BEDS, w_nearest, by="year", unit="province_code", relative=True,
                               fixed=False, k=3)
    pd.testing.assert_frame_equal(older.to_frame(), res.to_frame())
    frame = res.to_frame()
    assert list(frame.columns) == ["matrix", "lag_class", "from_class", "to_class",
                                   "transitions", "probability"]
    assert len(frame) == 9 + 27 and frame.loc[frame.matrix == "classic", "lag_class"].isna().all()
    sums = frame.groupby(["matrix", "lag_class", "from_class"], dropna=False)["probability"].sum()
    assert np.all(np.isclose(sums, 1) | np.isclose(sums, 0))
    table = res.summary()
    assert table.index.names == ["lag_class", "from_class"] and "n" in table.columns
    assert table.loc[("all", 1), "n"] == res.transitions.loc[1].sum()
    assert res.cutoffs is None and 0 <= res.Q_p_value <= 1


def test_markov_needs_two_periods(provinces, w_nearest):
    with pytest.raises(DataError, match="at least two periods"):
        spatial_markov(provinces[provinces.year == 2014], BEDS, w_nearest, by="year",
                       unit="province_code")
