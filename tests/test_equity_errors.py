"""Bad input to the equity indices: one DataError naming the columns and rows at fault."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from healthalloc.data import DataError, UnknownNameError
from healthalloc.equity import agglomeration, concentration_index, equity, gini, theil


@pytest.fixture
def panel() -> pd.DataFrame:
    return pd.DataFrame({
        "province": ["Beijing", "Hebei", "Tibet"] * 2,
        "year": [2014] * 3 + [2015] * 3,
        "beds": [100.0, 300.0, 20.0, 110.0, 320.0, 22.0],
        "pop": [21.0, 74.0, 3.2, 21.5, 74.5, 3.3],
        "km2": [16411.0, 188568.0, 1200000.0] * 2,
        "region": ["east", "east", "west"] * 2,
    })


def run(df, **kw):
    return equity(df, "beds", "pop", area="km2", group="region", by="year", unit="province", **kw)


def test_zero_or_negative_population(panel):
    panel.loc[[1, 5], "pop"] = [0.0, -3.0]
    with pytest.raises(DataError, match=r"column 'pop' has non-positive values in units "
                       r"Hebei/2014 \(0\) and Tibet/2015 \(-3\); population and area must be > 0"):
        run(panel)


def test_zero_area(panel):
    panel.loc[0, "km2"] = 0
    with pytest.raises(DataError, match=r"column 'km2' has non-positive values in unit Beijing/2014"):
        run(panel)


def test_negative_resource(panel):
    panel.loc[2, "beds"] = -1
    with pytest.raises(DataError, match=r"column 'beds' has negative values in unit Tibet/2014 "
                       r"\(-1\); resources must be ≥ 0"):
        run(panel)


def test_missing_and_non_numeric_values(panel):
    panel["beds"] = panel["beds"].astype(object)
    panel.loc[3, "beds"] = np.nan
    panel.loc[4, "pop"] = np.inf
    with pytest.raises(DataError, match=r"column 'beds' has missing or infinite values in unit "
                       r"Beijing/2015; column 'pop' has missing or infinite values in unit Hebei/2015"):
        run(panel)
    panel.loc[3, "beds"] = "n/a"
    with pytest.raises(DataError, match=r"column 'beds' has non-numeric values in unit "
                       r"Beijing/2015 \('n/a'\)"):
        run(panel)


def test_rows_are_numbered_without_a_unit_column(panel):
    panel.loc[[1, 4], "pop"] = 0
    with pytest.raises(DataError, match=r"non-positive values in rows 2 \(0\) and 5 \(0\)"):
        gini(panel, "beds", "pop", by="year")


def test_missing_group_labels(panel):
    panel.loc[4, "region"] = None
    with pytest.raises(DataError, match=r"column 'region' has missing group labels in unit "
                       r"Hebei/2015; every unit needs a group"):
        run(panel)


def test_missing_periods(panel):
    panel["year"] = panel["year"].astype(float)
    panel.loc[0, "year"] = np.nan
    with pytest.raises(DataError, match=r"column 'year' has missing periods in unit Beijing/missing"):
        run(panel)


def test_mismatched_lengths(panel):
    with pytest.raises(DataError, match=r"area has 3 values but the table has 6 rows"):
        equity(panel, "beds", "pop", area=[1.0, 2.0, 3.0])
    with pytest.raises(DataError, match=r"group has 5 values but the table has 6 rows"):
        theil(panel, "beds", "pop", group=pd.Series(["a"] * 5))


def test_unknown_columns_are_suggested(panel):
    with pytest.raises(UnknownNameError, match=r"unknown column 'bed'; did you mean 'beds'\?"):
        equity(panel, "bed", "pop")
    with pytest.raises(KeyError, match=r"unknown columns 'Pop' \(did you mean 'pop'\?\), 'gdp'"):
        concentration_index(panel, "beds", "Pop", "gdp")


def test_duplicate_unit_period_rows(panel):
    panel.loc[4, "province"] = "Beijing"
    with pytest.raises(DataError, match=r"duplicate unit–period rows: Beijing/2015 in rows 4 and 5"):
        run(panel)


def test_a_period_without_resources(panel):
    panel.loc[panel.year == 2015, "beds"] = 0
    with pytest.raises(DataError, match=r"column 'beds' sums to 0 in period 2015"):
        agglomeration(panel, "beds", "pop", "km2", by="year")


@pytest.mark.parametrize("population_unit, shown", [  # the declaration's messages
    (0, "> 0, got 0"), (-1000, "> 0, got -1000"), (np.float64(0.0), "> 0, got 0"), (np.nan, "a finite number, got nan"),
    (np.inf, "a finite number, got inf"), ("1000", "a number, got '1000'"), (True, "a number, got True"),
])
def test_population_unit_must_be_a_positive_number(panel, population_unit, shown):
    message = "population_unit must be "
    with pytest.raises(ValueError, match=re.escape(message + shown) + "$"):
        run(panel, population_unit=population_unit)
    with pytest.raises(ValueError, match=message):
        agglomeration(panel, "beds", "pop", "km2", by="year", population_unit=population_unit)


def test_population_unit_scales_the_densities(panel):
    per_thousand = run(panel).units
    per_ten_thousand = run(panel, population_unit=np.int64(10_000)).units
    np.testing.assert_allclose(per_ten_thousand["per_population"], 10 * per_thousand["per_population"])
    np.testing.assert_allclose(per_ten_thousand["hrdi"], np.sqrt(10) * per_thousand["hrdi"])
