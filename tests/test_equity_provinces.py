"""The embedded 31-province panel end to end: beds by population and area, by region, 2014–2023."""

from __future__ import annotations

import numpy as np
import pytest

from healthalloc.data import load_china_provinces, load_province_geography
from healthalloc.equity import equity

CONTRACT = ["year", "gini_population", "gini_area", "theil_l", "theil_t", "theil_l_between",
            "theil_l_within", "theil_t_between", "theil_t_within"]


@pytest.fixture(scope="module")
def provinces():
    geo = load_province_geography()[["adcode", "polygon_area_km2"]]
    return load_china_provinces().merge(geo, left_on="province_code", right_on="adcode",
                                        how="left", validate="many_to_one")


@pytest.fixture(scope="module")
def beds(provinces):
    return equity(provinces, "medical_health_beds", "permanent_population", area="polygon_area_km2",
                  group="region", by="year", unit="province_en")


def test_one_row_per_year_with_the_contract_columns(beds):
    table = beds.to_frame()
    assert list(table.columns) == CONTRACT
    assert table["year"].tolist() == list(range(2014, 2024))
    assert table.notna().all().all()


def test_values_are_in_plausible_ranges(beds):
    t = beds.to_frame()
    # Jin et al. (2015) report 0.070 (population) and 0.639 (area) for 2013 beds.
    assert t.gini_population.between(0.06, 0.10).all()
    assert t.gini_area.between(0.60, 0.66).all()
    assert t.theil_l.between(0.005, 0.02).all() and t.theil_t.between(0.005, 0.02).all()
    np.testing.assert_allclose(t.theil_l_between + t.theil_l_within, t.theil_l, atol=1e-14)
    np.testing.assert_allclose(t.theil_t_between + t.theil_t_within, t.theil_t, atol=1e-14)
    # GE(0) and GE(1) agree closely when inequality is this small (both ≈ half the squared CV)
    np.testing.assert_allclose(t.theil_l, t.theil_t, rtol=0.1)


def test_regional_contributions(beds):
    c = beds.contributions
    assert len(c) == 30 and c.group.unique().tolist() == ["east", "central", "west"]
    assert c.groupby("year").units.sum().eq(31).all()
    share = c.set_index(["year", "group"]).population_share
    assert share.loc[(2023, "east")] == pytest.approx(0.43, abs=0.02)
    summary = beds.summary()
    total = c.groupby("year").theil_l_contribution.sum() + summary.theil_l_between_contribution
    np.testing.assert_allclose(total, 1, atol=1e-12)


def test_unit_table_matches_the_source_densities(beds, provinces):
    units = beds.units.merge(provinces, left_on=["year", "unit"], right_on=["year", "province_en"])
    assert len(units) == 310
    # the source's beds_per_1000_people, rounded to 4 decimals from rounded counts
    np.testing.assert_allclose(units.per_population, units.beds_per_1000_people, atol=1e-4)
    totals = provinces.groupby("year")[["medical_health_beds", "permanent_population"]].sum()
    national = 1000 * totals.medical_health_beds / totals.permanent_population
    # HRAD/PAD = beds per person relative to the whole country
    np.testing.assert_allclose(units.hrad_pad, units.per_population / units.year.map(national))
    beijing = units.set_index(["unit", "year"]).loc[("Beijing", 2023)]
    assert beijing.hrad > 5 and beijing.pad > 5  # dense capital
    tibet = units.set_index(["unit", "year"]).loc[("Tibet", 2023)]
    assert tibet.hrad < 0.1 and tibet.pad < 0.1


def test_lorenz_curves_for_both_bases(beds):
    lor = beds.lorenz
    assert list(lor.columns) == ["year", "basis", "point", "unit", "cumulative_weight",
                                 "cumulative_resource"]
    assert len(lor) == 2 * 10 * 32
    ends = lor[lor.point == 31]
    np.testing.assert_allclose(ends[["cumulative_weight", "cumulative_resource"]], 1, atol=1e-12)


def test_summary_prints_settings(beds):
    text = str(beds)
    assert text.startswith("Equity of 'medical_health_beds' (population 'permanent_population', "
                           "area 'polygon_area_km2', group 'region', by 'year')")
    assert "theil_l_within_contribution" in text
