"""The ``healthalloc equity`` command-line contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthalloc.cli import main
from healthalloc.data import load_china_provinces, load_province_geography
from healthalloc.equity import equity

ARGS = ["--resource", "medical_health_beds", "--population", "permanent_population"]
PARTS = ["theil_l_between", "theil_l_within", "theil_t_between", "theil_t_within"]


@pytest.fixture(scope="module")
def provinces_csv(tmp_path_factory) -> Path:
    geo = load_province_geography()[["adcode", "polygon_area_km2"]]
    data = load_china_provinces().merge(geo, left_on="province_code", right_on="adcode")
    path = tmp_path_factory.mktemp("data") / "provinces.csv"
    data.to_csv(path, index=False)
    return path


def test_writes_exactly_the_contract_columns(provinces_csv, tmp_path):
    out = tmp_path / "equity.csv"
    args = ["equity", str(provinces_csv), *ARGS, "--area", "polygon_area_km2", "--group", "region",
            "--by", "year", "--unit", "province_en", "-o", str(out)]
    assert main(args) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["year", "gini_population", "gini_area", "theil_l", "theil_t", *PARTS]
    assert len(table) == 10
    want = equity(pd.read_csv(provinces_csv), "medical_health_beds", "permanent_population",
                  area="polygon_area_km2", group="region", by="year").to_frame()
    np.testing.assert_allclose(table.drop(columns="year"), want.drop(columns="year"), rtol=1e-12)
    contributions = pd.read_csv(tmp_path / "equity_contributions.csv")
    assert list(contributions.columns[:2]) == ["year", "group"]
    assert {"population_share", "resource_share", "theil_l", "theil_t", "theil_l_contribution",
            "theil_t_contribution"} <= set(contributions.columns)
    assert len(contributions) == 30


@pytest.mark.parametrize("extra, columns", [
    ([], ["gini_population", "theil_l", "theil_t"]),
    (["--by", "year"], ["year", "gini_population", "theil_l", "theil_t"]),
    (["--by", "year", "--area", "polygon_area_km2"],
     ["year", "gini_population", "gini_area", "theil_l", "theil_t"]),
    (["--by", "year", "--group", "region"], ["year", "gini_population", "theil_l", "theil_t", *PARTS]),
])
def test_columns_follow_the_options(provinces_csv, tmp_path, extra, columns):
    out = tmp_path / "out.csv"
    data = pd.read_csv(provinces_csv)
    path = provinces_csv if "--by" in extra else tmp_path / "one_year.csv"
    if "--by" not in extra:
        data[data.year == 2023].to_csv(path, index=False)
    assert main(["equity", str(path), *ARGS, *extra, "-o", str(out)]) == 0
    assert list(pd.read_csv(out).columns) == columns
    assert (tmp_path / "out_contributions.csv").exists() == ("--group" in extra)


def test_xlsx_and_units_table(provinces_csv, tmp_path):
    out = tmp_path / "beds.xlsx"
    args = ["equity", str(provinces_csv), *ARGS, "--area", "polygon_area_km2", "--by", "year",
            "--unit", "province_en", "--units", "-o", str(out)]
    assert main(args) == 0
    assert len(pd.read_excel(out)) == 10
    units = pd.read_excel(tmp_path / "beds_units.xlsx")
    assert len(units) == 310
    assert {"unit", "per_population", "per_km2", "hrdi", "hrad", "pad", "hrad_pad"} <= set(units.columns)


def test_prints_without_output_file(provinces_csv, capsys):
    assert main(["equity", str(provinces_csv), *ARGS, "--by", "year", "--group", "region"]) == 0
    printed = capsys.readouterr().out
    assert "gini_population" in printed and "theil_l_contribution" in printed and "2023" in printed


def test_bad_input_is_a_one_line_error(provinces_csv, capsys):
    code = main(["equity", str(provinces_csv), "--resource", "beds", "--population",
                 "permanent_population"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "provinces.csv" in err and "unknown column 'beds'" in err
    assert "\n" not in err


def test_help_documents_the_contributions_file(capsys):
    with pytest.raises(SystemExit):
        main(["equity", "--help"])
    text = capsys.readouterr().out
    assert "_contributions" in text and "theil_l_between" in text and "example" in text


@pytest.mark.parametrize("value", ["0", "-1000", "nan", "inf", "per-1000"])
def test_population_unit_must_be_positive(provinces_csv, tmp_path, capsys, value):
    out = tmp_path / "equity.csv"
    with pytest.raises(SystemExit) as stop:
        main(["equity", str(provinces_csv), *ARGS, "--units", f"--population-unit={value}",
              "-o", str(out)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: argument --population-unit: ")
    assert {"0": "population_unit must be > 0, got 0", "-1000": "population_unit must be > 0, got -1000",
            "nan": "population_unit must be a finite number, got nan",
            "inf": "population_unit must be a finite number, got inf",
            "per-1000": "expected a number, got 'per-1000'"}[value] in err
    assert err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_population_unit_per_ten_thousand(provinces_csv, tmp_path):
    out = tmp_path / "equity.csv"
    assert main(["equity", str(provinces_csv), *ARGS, "--by", "year", "--units",
                 "--population-unit", "10000", "-o", str(out)]) == 0
    units = pd.read_csv(tmp_path / "equity_units.csv")
    data = pd.read_csv(provinces_csv)
    want = data["medical_health_beds"] / data["permanent_population"] * 10_000
    np.testing.assert_allclose(np.sort(units["per_population"]), np.sort(want))
