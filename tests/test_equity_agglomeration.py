"""HRDI, agglomeration degrees and the one-call analysis on a hand-checked example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthalloc.equity import agglomeration, equity

# Three units; totals R = 1,000 beds, P = 1,000,000 people, A = 2,000 km².
#   unit  beds  people   km²   beds/1000 people  beds/km²  HRDI = √(both)
#   A      600  200,000   100   3.0               6.0       √18   = 4.242641
#   B      300  300,000   900   1.0               1/3       √(1/3) = 0.577350
#   C      100  500,000  1000   0.2               0.1       √0.02 = 0.141421
# shares  beds 0.6 0.3 0.1; people 0.2 0.3 0.5; area 0.05 0.45 0.5, so
#   HRAD = 0.6/0.05 = 12, 0.3/0.45 = 2/3, 0.1/0.5 = 0.2
#   PAD  = 0.2/0.05 = 4,  0.3/0.45 = 2/3, 0.5/0.5 = 1
#   HRAD/PAD = 3, 1, 0.2 (= beds share / people share)
# Gini by population: per-capita order C, B, A; X = 0.5, 0.8, 1; Y = 0.1, 0.4, 1:
#   G = 1 − [0.5·0.1 + 0.3·(0.4 + 0.1) + 0.2·(1 + 0.4)] = 1 − 0.48 = 0.52
# Gini by area: per-km² order C, B, A; area shares 0.5, 0.45, 0.05; same Y:
#   G = 1 − [0.5·0.1 + 0.45·0.5 + 0.05·1.4] = 1 − 0.345 = 0.655
# theil_l = 0.2 ln(0.2/0.6) + 0.3 ln 1 + 0.5 ln(0.5/0.1) = 0.584997
# theil_t = 0.6 ln(0.6/0.2) + 0 + 0.1 ln(0.1/0.5) = 0.498223
HAND = pd.DataFrame({"unit": ["A", "B", "C"], "beds": [600, 300, 100],
                     "people": [200_000, 300_000, 500_000], "km2": [100, 900, 1000]})


def test_hrdi_and_agglomeration_by_hand():
    got = agglomeration(HAND, "beds", "people", "km2", unit="unit").set_index("unit")
    np.testing.assert_allclose(got.per_population, [3.0, 1.0, 0.2])
    np.testing.assert_allclose(got.per_km2, [6.0, 1 / 3, 0.1])
    np.testing.assert_allclose(got.hrdi, [np.sqrt(18), np.sqrt(1 / 3), np.sqrt(0.02)])
    np.testing.assert_allclose(got.hrad, [12, 2 / 3, 0.2])
    np.testing.assert_allclose(got.pad, [4, 2 / 3, 1])
    np.testing.assert_allclose(got.hrad_pad, [3, 1, 0.2])


def test_hrdi_per_10000_people_is_sqrt_10_times_larger():
    per_1000 = agglomeration(HAND, "beds", "people", "km2")
    per_10000 = agglomeration(HAND, "beds", "people", "km2", population_unit=10_000)
    np.testing.assert_allclose(per_10000.hrdi, np.sqrt(10) * per_1000.hrdi)
    np.testing.assert_allclose(per_10000.per_population, 10 * per_1000.per_population)


def test_equity_by_hand():
    res = equity(HAND, "beds", "people", area="km2", unit="unit")
    row = res.to_frame().iloc[0]
    assert list(res.to_frame().columns) == ["gini_population", "gini_area", "theil_l", "theil_t"]
    assert row.gini_population == pytest.approx(0.52)
    assert row.gini_area == pytest.approx(0.655)
    assert row.theil_l == pytest.approx(0.2 * np.log(1 / 3) + 0.5 * np.log(5))
    assert row.theil_t == pytest.approx(0.6 * np.log(3) + 0.1 * np.log(0.2))
    assert res.contributions is None
    assert res.lorenz.groupby("basis", sort=False).size().to_dict() == {"population": 4, "area": 4}
    assert res.units["hrad"].tolist() == pytest.approx([12, 2 / 3, 0.2])


def test_units_without_area_have_only_per_capita_columns():
    res = equity(HAND, "beds", "people")
    assert list(res.units.columns) == ["unit", "population_share", "resource_share", "per_population"]
    assert "gini_area" not in res.to_frame()
    assert res.lorenz["basis"].unique().tolist() == ["population"]


def test_roles_may_be_arrays_aligned_with_the_rows():
    areas = np.array([100, 900, 1000])
    by_array = equity(HAND.drop(columns="km2"), "beds", "people", area=areas, group=["x", "x", "y"])
    by_column = equity(HAND.assign(g=["x", "x", "y"]), "beds", "people", area="km2", group="g")
    pd.testing.assert_frame_equal(by_array.to_frame(), by_column.to_frame())
    assert by_array.area == "area" and by_column.area == "km2"
