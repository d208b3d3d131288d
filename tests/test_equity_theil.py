"""Population-weighted Theil indices GE(0) and GE(1) and their between/within decomposition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.equity import theil, theil_groups

PARTS = ["theil_l_between", "theil_l_within", "theil_t_between", "theil_t_within"]


def direct(r, w, g):
    """The definitions, group by group with pandas (independent of the vectorized code)."""
    df = pd.DataFrame({"p": w / w.sum(), "y": r / r.sum(), "g": g})
    total_l = (df.p * np.log(df.p / df.y)).sum()
    total_t = (df.y * np.log(df.y / df.p)).sum()
    between_l = within_l = between_t = within_t = 0.0
    for _, part in df.groupby("g"):
        P, Y = part.p.sum(), part.y.sum()
        pg, yg = part.p / P, part.y / Y
        between_l += P * np.log(P / Y)
        between_t += Y * np.log(Y / P)
        within_l += P * (pg * np.log(pg / yg)).sum()
        within_t += Y * (yg * np.log(yg / pg)).sum()
    return [total_l, total_t, between_l, within_l, between_t, within_t]


def random_panel(seed, n=300, periods=4, groups=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "year": np.repeat(np.arange(2020, 2020 + periods), n),
        "beds": rng.gamma(2.0, 100.0, n * periods) + 1e-3,
        "pop": rng.lognormal(11, 1, n * periods),
        "region": rng.choice(["east", "central", "west", "north"][:groups], n * periods),
    })


@pytest.mark.parametrize("seed", range(4))
def test_between_plus_within_is_the_total(seed):
    df = random_panel(seed)
    got = theil(df, "beds", "pop", group="region", by="year")
    assert list(got.columns) == ["year", "theil_l", "theil_t", *PARTS]
    np.testing.assert_allclose(got.theil_l_between + got.theil_l_within, got.theil_l, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.theil_t_between + got.theil_t_within, got.theil_t, rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_indices_equal_their_definitions(seed):
    df = random_panel(seed)
    got = theil(df, "beds", "pop", group="region", by="year")
    for year, row in got.set_index("year").iterrows():
        part = df[df.year == year]
        want = direct(part.beds.to_numpy(), part["pop"].to_numpy(), part.region.to_numpy())
        np.testing.assert_allclose(row[["theil_l", "theil_t", *PARTS]].to_numpy(float), want,
                                   rtol=1e-10, atol=1e-14)


def test_theil_by_hand():
    # beds 1, 2, 3, 6 (y = 1/12, 2/12, 3/12, 6/12) for four equal populations (p = 1/4):
    # theil_l = ¼ [ln 3 + ln 1.5 + ln 1 + ln 0.5] = ¼ ln 2.25 = 0.202733;
    # theil_t = (1/12) ln(1/3) + (2/12) ln(2/3) + 0 + (6/12) ln 2 = 0.187449.
    df = pd.DataFrame({"beds": [1, 2, 3, 6], "pop": [5, 5, 5, 5]})
    got = theil(df, "beds", "pop").iloc[0]
    assert got.theil_l == pytest.approx(np.log(2.25) / 4)
    assert got.theil_t == pytest.approx(np.log(1 / 3) / 12 + 2 * np.log(2 / 3) / 12 + np.log(2) / 2)


def test_equal_populations_give_the_unweighted_theil_t():
    # PySAL's inequality.theil.Theil: T = Σ s_i ln(n s_i), s_i = x_i / Σx (every unit weighs 1/n).
    rng = np.random.default_rng(11)
    x = rng.gamma(2, 1, 500)
    s = x / x.sum()
    got = theil(pd.DataFrame({"x": x, "pop": 1.0}), "x", "pop")["theil_t"].iloc[0]
    assert got == pytest.approx((s * np.log(len(x) * s)).sum(), abs=1e-12)


positive = st.floats(0.01, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.data(), st.integers(1, 30), st.floats(1e-3, 1e3), st.floats(1e-3, 1e3))
def test_theil_properties(data, n, a, b):
    r = np.array(data.draw(st.lists(positive, min_size=n, max_size=n)))
    w = np.array(data.draw(st.lists(positive, min_size=n, max_size=n)))
    g = data.draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n))
    got = theil(pd.DataFrame({"r": r, "w": w, "g": g}), "r", "w", group="g").iloc[0]
    assert (got >= -1e-12).all()  # every index and part is ≥ 0
    scaled = theil(pd.DataFrame({"r": a * r, "w": b * w, "g": g}), "r", "w", group="g").iloc[0]
    np.testing.assert_allclose(scaled, got, rtol=1e-9, atol=1e-12)
    equal = theil(pd.DataFrame({"r": a * w, "w": w, "g": g}), "r", "w", group="g").iloc[0]
    np.testing.assert_allclose(equal, 0, atol=1e-12)


def test_group_contributions_add_up_with_the_between_share():
    df = random_panel(5, groups=4)
    total = theil(df, "beds", "pop", group="region", by="year").set_index("year")
    groups = theil_groups(df, "beds", "pop", "region", by="year")
    assert list(groups.columns) == ["year", "group", "units", "population_share", "resource_share",
                                    "theil_l", "theil_t", "theil_l_contribution", "theil_t_contribution"]
    assert groups.group.unique().tolist() == df.region.unique().tolist()  # first appearance
    sums = groups.groupby("year")[["population_share", "resource_share", "units",
                                   "theil_l_contribution", "theil_t_contribution"]].sum()
    np.testing.assert_allclose(sums[["population_share", "resource_share"]], 1, atol=1e-12)
    assert (sums.units == 300).all()
    for name in ("theil_l", "theil_t"):
        np.testing.assert_allclose(sums[f"{name}_contribution"] + total[f"{name}_between"] / total[name],
                                   1, atol=1e-12)
    # within = Σ w_g T_g: P_g for GE(0), Y_g for GE(1)
    within_l = (groups.population_share * groups.theil_l).groupby(groups.year).sum()
    within_t = (groups.resource_share * groups.theil_t).groupby(groups.year).sum()
    np.testing.assert_allclose(within_l, total.theil_l_within, atol=1e-12)
    np.testing.assert_allclose(within_t, total.theil_t_within, atol=1e-12)


def test_a_group_missing_from_a_period_has_no_row():
    df = pd.DataFrame({"year": [1, 1, 1, 2, 2], "r": [1, 2, 3, 4, 5], "w": 1.0,
                       "g": ["a", "b", "b", "a", "a"]})
    groups = theil_groups(df, "r", "w", "g", by="year")
    assert groups[["year", "group"]].values.tolist() == [[1, "a"], [1, "b"], [2, "a"]]
    total = theil(df, "r", "w", group="g", by="year")
    assert total.theil_l_between.iloc[1] == pytest.approx(0, abs=1e-15)


def test_zero_resource_makes_theil_l_infinite_with_a_warning():
    df = pd.DataFrame({"county": ["A", "B", "C"], "year": 2020, "r": [0.0, 2.0, 3.0], "w": 1.0})
    with pytest.warns(UserWarning, match=r"theil_l \(GE\(0\)\) is infinite: unit A/2020 has zero"):
        got = theil(df, "r", "w", by="year", unit="county").iloc[0]
    assert got.theil_l == np.inf
    assert np.isfinite(got.theil_t) and got.theil_t > 0
