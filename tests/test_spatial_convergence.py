"""σ-convergence by hand and β-convergence against statsmodels OLS run here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from healthalloc.data import DataError, load_china_provinces
from healthalloc.spatial import beta_convergence, sigma_convergence

BEDS = "beds_per_1000_people"
DOCTORS = "physicians_per_1000_people"


@pytest.fixture(scope="module")
def provinces():
    return load_china_provinces()


def wide(data, column):
    return data.pivot(index="province_code", columns="year", values=column)


# --------------------------------------------------------------------------- σ


def test_sigma_by_hand(provinces):
    res = sigma_convergence(provinces, BEDS, by="year", unit="province_code")
    table = res.to_frame().set_index("year")
    for year in (2014, 2018, 2023):
        y = provinces.loc[provinces.year == year, BEDS].to_numpy()
        sd = np.sqrt(((y - y.mean()) ** 2).sum() / (len(y) - 1))
        logs = np.log(y)
        sd_log = np.sqrt(((logs - logs.mean()) ** 2).sum() / (len(y) - 1))
        assert table.loc[year, "cv"] == pytest.approx(sd / y.mean(), rel=1e-12)
        assert table.loc[year, "sd_log"] == pytest.approx(sd_log, rel=1e-12)
        assert table.loc[year, "n"] == 31
    summary = res.summary().iloc[0]
    slope = np.polyfit(table.index.to_numpy(float), table["cv"].to_numpy(), 1)[0]
    assert summary["cv_trend"] == pytest.approx(slope, rel=1e-10)
    assert summary["cv_first"] == table["cv"].iloc[0]


def test_sigma_within_regions(provinces):
    res = sigma_convergence(provinces, BEDS, by="year", unit="province_code", group="region")
    table = res.to_frame()
    assert list(table.columns) == ["year", "group", "n", "mean", "sd", "cv", "sd_log"]
    assert list(pd.unique(table["group"])) == ["east", "central", "west", "all"]
    west = provinces[(provinces.region == "west") & (provinces.year == 2020)][BEDS]
    row = table[(table.group == "west") & (table.year == 2020)].iloc[0]
    assert row["cv"] == pytest.approx(west.std() / west.mean(), rel=1e-12) and row["n"] == 12


def test_sigma_leaves_sd_log_empty_for_non_positive_values(provinces):
    shifted = provinces.assign(centered=provinces[BEDS] - 6)
    with pytest.warns(UserWarning, match="sd_log is left empty"):
        res = sigma_convergence(shifted, "centered", by="year", unit="province_code")
    assert res.table["sd_log"].isna().all() and res.table["cv"].notna().all()


def test_sigma_needs_units_to_stay_in_one_group(provinces):
    moved = provinces.copy()
    moved.loc[(moved.province_code == 110000) & (moved.year == 2020), "region"] = "central"
    with pytest.raises(DataError, match="units 110000 change 'region' between periods"):
        sigma_convergence(moved, BEDS, by="year", unit="province_code", group="region")


# --------------------------------------------------------------------------- β


def test_absolute_beta_equals_statsmodels_ols(provinces):
    res = beta_convergence(provinces, BEDS, by="year", unit="province_code")
    y = wide(provinces, BEDS)
    growth = (np.log(y[2023]) - np.log(y[2014])) / 9
    fit = sm.OLS(growth.to_numpy(), sm.add_constant(np.log(y[2014]).to_numpy())).fit()
    assert res.beta == pytest.approx(fit.params[1], rel=1e-10)
    assert res.std_error == pytest.approx(fit.bse[1], rel=1e-10)
    assert res.p_value == pytest.approx(fit.pvalues[1], rel=1e-8)
    assert res.r2 == pytest.approx(fit.rsquared, rel=1e-10)
    assert res.nobs == 31 and res.T == 9 and res.kind == "absolute"
    lam = -np.log(1 + 9 * fit.params[1]) / 9
    assert res.speed == pytest.approx(lam, rel=1e-10)
    assert res.half_life == pytest.approx(np.log(2) / lam, rel=1e-10)
    assert res.beta < 0  # beds per 1,000: lower provinces grew faster


def test_conditional_beta_with_a_control_equals_ols(provinces):
    res = beta_convergence(provinces, BEDS, by="year", unit="province_code", controls=[DOCTORS],
                           cov_type="HC1")
    y, x = wide(provinces, BEDS), wide(provinces, DOCTORS)
    X = sm.add_constant(np.column_stack([np.log(y[2014]), x[2014]]))
    fit = sm.OLS(((np.log(y[2023]) - np.log(y[2014])) / 9).to_numpy(), X).fit(cov_type="HC1")
    np.testing.assert_allclose(res.estimates.to_numpy(), fit.params, rtol=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy(), fit.bse, rtol=1e-10)
    np.testing.assert_allclose(res.p_values.to_numpy(), fit.pvalues, rtol=1e-8)
    assert list(res.estimates.index) == ["const", "ln_y0", DOCTORS] and res.kind == "conditional"
    assert list(res.summary().columns) == ["estimate", "std_error", "t", "p_value", "ci_low", "ci_high"]
    for old, new in (("se", "std_error"), ("p", "p_value"), ("params", "estimates"), ("bse", "std_errors"),
                     ("pvalues", "p_values")):  # the older names still read, for one release
        with pytest.warns(FutureWarning, match=rf"BetaConvergence\.{old} is now \.{new}"):
            older = getattr(res, old)
        assert older is getattr(res, new)


def test_panel_two_way_fixed_effects_beta_equals_the_within_estimator(provinces):
    res = beta_convergence(provinces, BEDS, by="year", unit="province_code", model="panel",
                           effects="twoway")
    logs = np.log(wide(provinces, BEDS))
    growth = logs.diff(axis=1).iloc[:, 1:].to_numpy()
    start = logs.iloc[:, :-1].to_numpy()

    def demean(a):  # balanced panel: two-way within transformation
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean()

    g, s = demean(growth).ravel(), demean(start).ravel()
    assert res.beta == pytest.approx((s @ g) / (s @ s), rel=1e-9)
    assert res.nobs == 279 and res.T == 1 and res.kind == "conditional"
    assert res.speed == pytest.approx(-np.log(1 + res.beta), rel=1e-12)
    pooled = beta_convergence(provinces, BEDS, by="year", unit="province_code", model="panel")
    fit = sm.OLS(growth.ravel(), sm.add_constant(start.ravel())).fit()
    assert pooled.beta == pytest.approx(fit.params[1], rel=1e-10) and pooled.kind == "absolute"


def test_speed_is_undefined_when_one_plus_beta_t_is_not_positive():
    rng = np.random.default_rng(0)
    y0 = rng.uniform(1, 10, 20)
    yT = np.exp(np.log(y0) + 10 * (0.5 - 0.25 * np.log(y0)))  # β = −0.25, T = 10: 1 + βT < 0
    data = pd.DataFrame({"unit": np.tile(np.arange(20), 2), "year": np.repeat([2000, 2010], 20),
                         "y": np.r_[y0, yT]})
    with pytest.warns(UserWarning, match="λ is undefined"):
        res = beta_convergence(data, "y", by="year", unit="unit")
    assert res.beta == pytest.approx(-0.25) and np.isnan(res.speed) and np.isnan(res.half_life)


def test_beta_errors(provinces):
    bad = provinces.copy()
    bad.loc[(bad.province_code == 540000) & (bad.year == 2019), BEDS] = 0
    with pytest.raises(DataError, match=r"non-positive values in unit 540000/2019 \(0\); β-convergence takes logarithms"):
        beta_convergence(bad, BEDS, by="year", unit="province_code")
    with pytest.raises(DataError, match="at least two periods"):
        beta_convergence(provinces[provinces.year == 2020], BEDS, by="year", unit="province_code")
    with pytest.raises(ValueError, match="fixed effects need model='panel'"):
        beta_convergence(provinces, BEDS, by="year", unit="province_code", effects="unit")
    missing = provinces.copy()
    missing.loc[3, DOCTORS] = np.nan
    with pytest.raises(DataError, match=f"'{DOCTORS}' has missing"):
        beta_convergence(missing, BEDS, by="year", unit="province_code", controls=[DOCTORS])
