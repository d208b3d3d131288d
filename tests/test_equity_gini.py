"""Gini coefficients, Lorenz curves and the concentration index against direct formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.equity import concentration_index, gini, lorenz


def mean_difference_gini(resource, weight):
    """Direct O(n²) weighted mean difference Σ_i Σ_j p_i p_j |r_i − r_j| / (2 r̄)."""
    p = weight / weight.sum()
    r = resource / weight
    mean = (p * r).sum()
    return (p[:, None] * p[None, :] * np.abs(r[:, None] - r[None, :])).sum() / (2 * mean)


def fractional_rank(x, p):
    """ρ_i = Σ_{x_j < x_i} p_j + Σ_{x_j = x_i} p_j / 2, by brute force."""
    return np.array([p[x < xi].sum() + p[x == xi].sum() / 2 for xi in x])


def covariance_concentration(resource, population, ranking):
    """C = 2 cov_p(h, ρ) / μ with numpy's weighted covariance."""
    p = population / population.sum()
    h = resource / population
    rho = fractional_rank(ranking, p)
    cov = np.cov(h, rho, aweights=p, bias=True)[0, 1]
    return 2 * cov / np.average(h, weights=p)


def table(resource, weight, **extra):
    return pd.DataFrame({"r": resource, "w": weight, **extra})


positive = st.floats(0.01, 1e6, allow_nan=False, allow_infinity=False)
nonnegative = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)
units = st.integers(1, 40)


@st.composite
def resources(draw):
    n = draw(units)
    w = np.array(draw(st.lists(positive, min_size=n, max_size=n)))
    r = np.array(draw(st.lists(nonnegative, min_size=n, max_size=n)))
    r[draw(st.integers(0, n - 1))] += 1.0  # a positive total
    return r, w


@pytest.mark.parametrize("n", [2, 5, 31, 200, 1000])
def test_gini_equals_the_weighted_mean_difference(n):
    rng = np.random.default_rng(n)
    r, w = rng.gamma(2.0, 50.0, n), rng.lognormal(10, 1, n)
    r[rng.random(n) < 0.1] = 0.0  # some units without the resource
    got = gini(table(r, w), "r", "w")["gini"].iloc[0]
    assert got == pytest.approx(mean_difference_gini(r, w), abs=1e-12)


def test_gini_by_hand():
    # beds 10 and 30 for two equal populations: r = 0.1, 0.3, r̄ = 0.2;
    # Lorenz points (0.5, 0.25), (1, 1): G = 1 − [0.5 (0.25 + 0) + 0.5 (1 + 0.25)] = 0.25.
    assert gini(table([10, 30], [100, 100]), "r", "w")["gini"].iloc[0] == pytest.approx(0.25)


@settings(max_examples=200, deadline=None)
@given(resources(), st.floats(1e-3, 1e3), st.floats(1e-3, 1e3))
def test_gini_bounds_and_scale_invariance(data, a, b):
    r, w = data
    g = gini(table(r, w), "r", "w")["gini"].iloc[0]
    assert 0 <= g < 1
    assert g <= 1 - (w / w.sum()).min() + 1e-12  # all in the smallest unit: G = 1 − p_min
    scaled = gini(table(a * r, b * w), "r", "w")["gini"].iloc[0]
    assert scaled == pytest.approx(g, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(positive, min_size=1, max_size=40), st.floats(1e-3, 1e3))
def test_gini_is_zero_for_equal_per_capita(weights, level):
    w = np.array(weights)
    assert gini(table(level * w, w), "r", "w")["gini"].iloc[0] == pytest.approx(0, abs=1e-12)


def test_gini_panel_is_each_period_alone():
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"year": np.repeat([2021, 2020, 2022], 50), "r": rng.gamma(2, 1, 150),
                       "w": rng.lognormal(0, 1, 150)}).sample(frac=1, random_state=1)
    got = gini(df, "r", "w", by="year")
    assert list(got.columns) == ["year", "gini"]
    assert got["year"].tolist() == [2020, 2021, 2022]
    for year, g in zip(got["year"], got["gini"]):
        part = df[df["year"] == year]
        assert g == pytest.approx(mean_difference_gini(part["r"].to_numpy(), part["w"].to_numpy()),
                                  abs=1e-12)


def test_lorenz_points():
    # per capita: c 0.2, b 1, a 3 (ascending); population shares 0.5, 0.3, 0.2 and
    # resource shares 0.1, 0.3, 0.6.
    df = pd.DataFrame({"unit": ["a", "b", "c"], "r": [600, 300, 100], "w": [200, 300, 500]})
    curve = lorenz(df, "r", "w", unit="unit")
    assert pd.isna(curve["unit"].iloc[0]) and curve["unit"].iloc[1:].tolist() == ["c", "b", "a"]
    np.testing.assert_allclose(curve["cumulative_weight"], [0, 0.5, 0.8, 1.0])
    np.testing.assert_allclose(curve["cumulative_resource"], [0, 0.1, 0.4, 1.0])


@settings(max_examples=100, deadline=None)
@given(resources())
def test_lorenz_is_convex_below_the_diagonal_and_gives_the_gini(data):
    r, w = data
    curve = lorenz(table(r, w), "r", "w")
    x, y = curve["cumulative_weight"].to_numpy(), curve["cumulative_resource"].to_numpy()
    assert (x[0], y[0]) == (0, 0) and x[-1] == pytest.approx(1) and y[-1] == pytest.approx(1)
    assert np.all(y <= x + 1e-12)
    order = curve["unit"].iloc[1:].to_numpy(int)  # units (the index) in curve order
    assert sorted(order) == list(range(len(r)))
    assert np.all(np.diff((r / w)[order]) >= 0)  # slopes ascend: the curve is convex
    brown = 1 - np.sum(np.diff(x) * (y[1:] + y[:-1]))
    assert brown == pytest.approx(gini(table(r, w), "r", "w")["gini"].iloc[0], abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_concentration_index_equals_the_covariance_formula(seed):
    rng = np.random.default_rng(seed)
    n = 60
    r, w = rng.gamma(2, 10, n), rng.lognormal(3, 1, n)
    ranking = rng.integers(0, 15, n).astype(float)  # many ties
    got = concentration_index(table(r, w, gdp=ranking), "r", "w", "gdp")["concentration_index"].iloc[0]
    assert got == pytest.approx(covariance_concentration(r, w, ranking), abs=1e-12)
    assert -1 < got < 1


@settings(max_examples=100, deadline=None)
@given(resources())
def test_concentration_index_by_the_resource_itself_is_the_gini(data):
    r, w = data
    df = table(r, w, per_capita=r / w)
    c = concentration_index(df, "r", "w", "per_capita")["concentration_index"].iloc[0]
    assert c == pytest.approx(gini(df, "r", "w")["gini"].iloc[0], abs=1e-12)


def test_concentration_index_changes_sign_with_the_ranking():
    rng = np.random.default_rng(3)
    r, w, gdp = rng.gamma(2, 10, 40), rng.lognormal(3, 1, 40), rng.normal(size=40)
    df = table(r, w, gdp=gdp, poverty=-gdp)
    rich = concentration_index(df, "r", "w", "gdp")["concentration_index"].iloc[0]
    poor = concentration_index(df, "r", "w", "poverty")["concentration_index"].iloc[0]
    assert rich == pytest.approx(-poor, abs=1e-12)
