"""Embedded data for accessibility examples: GeoNames places, prefecture seats and the
SYNTHETIC facility layer (regenerated from its seed, provincial totals exact)."""

from __future__ import annotations

import pandas as pd
import pytest

from healthalloc.data.datasets import (load_china_cities, load_china_provinces, load_prefecture_geography,
                                       load_synthetic_facilities)
from healthalloc.data.facilities import synthetic_facilities


def test_cities_and_prefectures():
    cities = load_china_cities()
    assert len(cities) == 2105 and cities["geonameid"].is_unique
    assert cities["province_code"].nunique() == 31
    assert cities.loc[cities["name"] == "Nanning", "province_en"].item() == "Guangxi"
    assert cities["lon"].between(73, 136).all() and cities["lat"].between(18, 54).all()
    pref = load_prefecture_geography()
    assert len(pref) == 370 and pref["adcode"].is_unique


def test_synthetic_layer_is_reproducible_and_keeps_the_real_totals():
    shipped = load_synthetic_facilities()
    pd.testing.assert_frame_equal(shipped, synthetic_facilities(), check_dtype=False)
    beds = load_china_provinces().query("year == 2023").set_index("province_code")["medical_health_beds"]
    totals = shipped.groupby("province_code")["beds"].sum()
    assert totals.to_dict() == beds.to_dict()
    assert shipped["id"].is_unique and (shipped["beds"] >= 0).all()
    other = synthetic_facilities(seed=1)
    assert other.groupby("province_code")["beds"].sum().to_dict() == beds.to_dict()
    assert not other["beds"].equals(shipped["beds"]) or len(other) != len(shipped)


@pytest.mark.parametrize("name, needle", [("china_cities", "CC BY 4.0"),
                                          ("china_facilities_synthetic", "SYNTHETIC")])
def test_dictionary_says_licence_and_synthetic(name, needle):
    from healthalloc.data.datasets import describe

    assert needle in describe(name)
