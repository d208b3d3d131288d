"""Regional comparison: descriptive statistics, Kruskal–Wallis and Holm-adjusted
Mann–Whitney tests against scipy and a Holm adjustment written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from healthalloc.data import DataError, load_china_provinces
from healthalloc.spatial import compare_groups

BEDS = "beds_per_1000_people"


@pytest.fixture(scope="module")
def provinces():
    return load_china_provinces()


def holm(p: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values."""
    order = np.argsort(p)
    m = len(p)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order]).clip(max=1)
    out = np.empty(m)
    out[order] = adjusted
    return out


def test_descriptives_by_region_and_year(provinces):
    res = compare_groups(provinces, BEDS, "region", by="year")
    table = res.to_frame()
    assert list(table.columns) == ["year", "group", "n", "mean", "sd", "median", "min", "max"]
    assert table.loc[table.year == 2023, "group"].tolist() == ["east", "central", "west", "all"]
    east = provinces.loc[(provinces.year == 2023) & (provinces.region == "east"), BEDS]
    row = table[(table.year == 2023) & (table.group == "east")].iloc[0]
    assert (row["n"], row["min"], row["max"]) == (11, east.min(), east.max())
    assert row["mean"] == pytest.approx(east.mean()) and row["sd"] == pytest.approx(east.std(ddof=1))
    assert row["median"] == pytest.approx(east.median())
    every = table[(table.year == 2023) & (table.group == "all")].iloc[0]
    assert every["n"] == 31


def test_kruskal_wallis_and_pairwise_equal_scipy(provinces):
    res = compare_groups(provinces, BEDS, "region", by="year", pairwise=True)
    for year in (2014, 2023):
        part = provinces[provinces.year == year]
        groups = [part.loc[part.region == r, BEDS] for r in ("east", "central", "west")]
        h, p = stats.kruskal(*groups)
        row = res.kruskal.set_index("year").loc[year]
        assert row["H"] == pytest.approx(h, rel=1e-12) and row["p_value"] == pytest.approx(p, rel=1e-12)
        assert (row["df"], row["groups"], row["n"]) == (2, 3, 31)
        pairs = res.pairwise[res.pairwise.year == year]
        want = [stats.mannwhitneyu(groups[a], groups[b], alternative="two-sided")
                for a, b in ((0, 1), (0, 2), (1, 2))]
        np.testing.assert_allclose(pairs["U"], [w.statistic for w in want])
        np.testing.assert_allclose(pairs["p_value"], [w.pvalue for w in want], rtol=1e-12)
        np.testing.assert_allclose(pairs["p_adjusted"], holm(pairs["p_value"].to_numpy()), rtol=1e-12)
    summary = res.summary()
    assert list(summary.columns) == ["east", "central", "west", "all", "H", "p_value"]
    assert summary.loc[2023, "p_value"] < 0.01  # regions differ in 2023


@settings(max_examples=40, deadline=None)
@given(p=st.lists(st.floats(1e-6, 1), min_size=1, max_size=8))
def test_holm_adjustment_property(p):
    from healthalloc.spatial.compare import _adjust

    got = _adjust(np.array(p), "holm")
    np.testing.assert_allclose(got, holm(np.array(p)), rtol=1e-12)
    assert np.all(got >= np.array(p) - 1e-15) and np.all(got <= 1)


def test_cross_section_and_other_groups():
    data = pd.DataFrame({"g": list("bbaacc"), "v": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    res = compare_groups(data, "v", "g", pairwise=True, p_adjust="bonferroni")
    assert res.describe["group"].tolist() == ["b", "a", "c", "all"]  # first appearance
    assert "period" not in res.kruskal.columns and len(res.pairwise) == 3
    np.testing.assert_allclose(res.pairwise["p_adjusted"], np.minimum(res.pairwise["p_value"] * 3, 1))
    assert res.summary().index.tolist() == ["all"]


def test_identical_values_warn_and_give_nan():
    data = pd.DataFrame({"g": list("aabb"), "v": [1.0] * 4})
    with pytest.warns(UserWarning, match="Kruskal–Wallis test undefined"):
        res = compare_groups(data, "v", "g")
    assert np.isnan(res.kruskal["H"].iloc[0])


def test_bad_input_is_named(provinces):
    bad = provinces.copy()
    bad.loc[5, BEDS] = np.nan
    with pytest.raises(DataError, match=f"'{BEDS}' has missing or infinite values in row 6"):
        compare_groups(bad, BEDS, "region", by="year")
    with pytest.raises(KeyError, match="unknown column 'regin'; did you mean 'region'"):
        compare_groups(provinces, BEDS, "regin")
    with pytest.raises(ValueError, match="p_adjust must be one of"):
        compare_groups(provinces, BEDS, "region", p_adjust="sidak")
