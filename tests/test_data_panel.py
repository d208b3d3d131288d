"""check_panel / Panel: units × periods, balanced or not, and every message of its checks."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data import DataError, Panel, UnknownNameError, check_panel, read_table
from healthalloc.data.panel import unit_column


@pytest.fixture
def beds() -> pd.DataFrame:
    return pd.DataFrame({
        "province": ["Beijing", "Hebei", "Tibet"] * 2,
        "year": [2015] * 3 + [2014] * 3,
        "beds": [110.0, 320.0, 22.0, 100.0, 300.0, 20.0],
        "pop": [21.5, 74.5, 3.3, 21.0, 74.0, 3.2],
    })


def _error(df, columns=("beds", "pop"), **kw) -> str:
    with pytest.raises(DataError) as info:
        check_panel(df, list(columns), **kw)
    return str(info.value)


def test_a_balanced_panel(beds):
    p = check_panel(beds, ["beds", "pop"], unit="province", by="year", balanced=True)
    assert isinstance(p, Panel) and p.balanced
    assert p.units.tolist() == ["Beijing", "Hebei", "Tibet"] and p.units.name == "unit"
    assert p.periods.tolist() == [2014, 2015] and p.periods.name == "year"
    assert p.period.tolist() == [1, 1, 1, 0, 0, 0]
    wide = p.wide("beds")
    assert wide.loc["Hebei"].tolist() == [300.0, 320.0] and wide.columns.name == "year"
    np.testing.assert_array_equal(p.values(), beds[["beds", "pop"]].to_numpy())
    assert p.by_period("pop")[2014].tolist() == [21.0, 74.0, 3.2]


def test_an_unbalanced_panel_is_accepted_unless_balance_is_required(beds):
    gap = beds.drop(index=4)
    p = check_panel(gap, "beds", unit="province", by="year")
    assert not p.balanced and np.isnan(p.wide("beds").loc["Hebei", 2014])
    assert _error(gap, unit="province", by="year", balanced=True) == (
        "the panel is unbalanced: no row for unit Hebei/2014; every unit needs a row in every period")


def test_a_cross_section_has_one_period():
    p = check_panel(pd.DataFrame({"x": [1, 2]}, index=["a", "b"]), "x")
    assert p.periods.tolist() == ["all"] and p.balanced
    assert p.wide("x")["all"].tolist() == [1.0, 2.0] and p.units.tolist() == ["a", "b"]


def test_units_by_row_label(beds):
    p = check_panel(beds.set_index("province"), "beds", by="year", balanced=True)
    assert p.units.tolist() == ["Beijing", "Hebei", "Tibet"] and p.balanced
    twice = beds.set_index("province").iloc[[0, 1, 0]]
    assert _error(twice, ["beds"]) == (
        "the row labels name units more than once: Beijing in rows 1 and 3; pass unit= a column of "
        "unique unit names")


def test_duplicate_units_and_unit_period_rows(beds):
    beds.loc[4, "province"] = "Beijing"
    assert _error(beds, unit="province", by="year") == (
        "columns 'province', 'year' have duplicate unit–period rows: Beijing/2014 in rows 4 and 5")
    assert _error(beds, unit="province") == (
        "column 'province' has duplicate units: Beijing in rows 1, 4 and 5 and Tibet in rows 3 and 6")


def test_unknown_columns_are_suggested_with_the_source(beds):
    with pytest.raises(UnknownNameError, match=r"^b\.csv: unknown column 'bed'; did you mean 'beds'\?$"):
        check_panel(beds, "bed", unit="province", source="b.csv")


def test_a_semicolon_separated_file_is_explained():
    one_column = pd.DataFrame({"province;beds": ["x"]})
    assert _error(one_column, ["beds"]) == (
        "unknown column 'beds'; the table is one column named 'province;beds': the file looks "
        "semicolon-separated; save it as a comma-separated CSV (or read it with sep=';')")


def test_columns_on_another_sheet_are_pointed_to(tmp_path, beds):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["see Data"]}).to_excel(writer, sheet_name="Notes", index=False)
        beds.to_excel(writer, sheet_name="Data", index=False)
    assert "they are on sheet 'Data' of book.xlsx" in _error(read_table(path), unit="province")


def test_non_numeric_values_name_unit_and_period(beds):
    beds["beds"] = beds["beds"].astype(object)
    beds.loc[[1, 5], "beds"] = ["n/a", "1,2"]
    assert _error(beds, unit="province", by="year") == (
        "column 'beds' has non-numeric values in units Hebei/2015 ('n/a') and Tibet/2014 ('1,2')")
    assert _error(beds) == "column 'beds' has non-numeric values in rows 2 ('n/a') and 6 ('1,2')"


def test_numeric_text_is_accepted(beds):
    p = check_panel(beds.astype({"beds": str}), "beds")
    assert p.values("beds").dtype == np.float64


def test_missing_and_infinite_values_unit_ids_and_periods(beds):
    beds.loc[0, "beds"] = np.nan
    beds.loc[2, "pop"] = np.inf
    assert _error(beds, unit="province", by="year", source="b.csv") == (
        "b.csv: column 'beds' has missing or infinite values in unit Beijing/2015; "
        "column 'pop' has missing or infinite values in unit Tibet/2015")
    clean = beds.fillna(1.0).replace(np.inf, 1.0)
    clean.loc[1, "province"] = None
    clean["year"] = clean["year"].astype(float)
    clean.loc[3, "year"] = np.nan
    assert _error(clean, unit="province", by="year") == (
        "column 'province' has missing or infinite values in row 2; "
        "column 'year' has missing periods in unit Beijing/missing")


def test_signs_with_and_without_reasons(beds):
    beds.loc[[1, 3], "pop"] = [0.0, -2.0]
    beds.loc[5, "beds"] = -1.0
    assert _error(beds, unit="province", by="year", positive={"pop": "population must be > 0"},
                  nonnegative=["beds"]) == (
        "column 'pop' has non-positive values in units Hebei/2015 (0) and Beijing/2014 (-2); "
        "population must be > 0; column 'beds' has negative values in unit Tibet/2014 (-1)")


def test_values_only_of_checked_columns(beds):
    with pytest.raises(ValueError, match="were not checked"):
        check_panel(beds, "beds").values("pop")


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6).flatmap(lambda n: st.integers(1, 5).flatmap(lambda t: st.tuples(
        st.permutations(range(n * t)),
        st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=n * t, max_size=n * t),
        st.just((n, t)),
    )))
)
def test_a_balanced_panels_wide_table_round_trips(case):
    order, values, (n, t) = case
    long = pd.DataFrame({
        "unit": np.repeat([f"u{i}" for i in range(n)], t),
        "period": np.tile(np.arange(2000, 2000 + t), n),
        "v": values,
    }).iloc[list(order)]
    p = check_panel(long, "v", unit="unit", by="period", balanced=True)
    wide = p.wide("v")
    assert p.balanced and wide.shape == (n, t) and not wide.isna().any(axis=None)
    back = wide.stack().rename("v").reset_index()
    merged = long.merge(back, on=["unit", "period"], suffixes=("", "_wide"))
    assert len(merged) == n * t
    np.testing.assert_array_equal(merged["v"].to_numpy(), merged["v_wide"].to_numpy())


# the one unit= rule ----------------------------------------------------------------------

@pytest.mark.parametrize("frame, exclude, expected", [
    (pd.DataFrame({"city": ["A", "B"], "beds": [1.0, 2.0]}), (), "city"),      # names first
    (pd.DataFrame({"city": ["A", "A"], "beds": [1.0, 2.0]}), (), None),        # not unique
    (pd.DataFrame({"city": ["A", None], "beds": [1.0, 2.0]}), (), None),       # a gap
    (pd.DataFrame({"code": [11, 12], "beds": [1.0, 2.0]}), (), None),          # numbers
    (pd.DataFrame({"city": ["A", "B"], "beds": [1.0, 2.0]}), ("city",), None),  # a role
    (pd.DataFrame({"city": ["A", "B"]}, index=["x", "y"]), (), None),          # named rows
    (pd.DataFrame(index=range(2)), (), None),
])
def test_unit_column_rule(frame, exclude, expected):
    assert unit_column(frame, exclude=exclude) == expected
    assert unit_column(frame, "given") == "given"


def test_every_analysis_takes_the_same_default_unit(beds):
    from healthalloc.data import load_cst_hospitals
    from healthalloc.efficiency import dea
    from healthalloc.equity import equity

    hospitals = load_cst_hospitals()
    assert hospitals.columns[0] == "hospital"
    named = dea(hospitals, ["doctors", "nurses"], ["outpatients", "inpatients"], unit="hospital")
    guessed = dea(hospitals, ["doctors", "nurses"], ["outpatients", "inpatients"])
    pd.testing.assert_series_equal(guessed.efficiency, named.efficiency)
    one = beds[beds.year == 2015].reset_index(drop=True)
    assert list(equity(one, "beds", "pop").units["unit"]) == ["Beijing", "Hebei", "Tibet"]
    assert list(check_panel(one.drop(columns="province"), "beds").labels) == [0, 1, 2]


def test_the_command_line_names_units_by_the_same_rule(tmp_path, capsys):
    from healthalloc.cli import main
    from healthalloc.data import load_cst_hospitals

    hospitals = load_cst_hospitals()
    hospitals.to_csv(tmp_path / "h.csv", index=False)
    hospitals.drop(columns="hospital").to_csv(tmp_path / "nameless.csv", index=False)
    run = ["dea", "--inputs", "doctors,nurses", "--outputs", "outpatients,inpatients", "-o"]
    assert main([run[0], str(tmp_path / "h.csv"), *run[1:], str(tmp_path / "a.csv")]) == 0
    assert main([run[0], str(tmp_path / "nameless.csv"), *run[1:], str(tmp_path / "b.csv")]) == 0
    assert pd.read_csv(tmp_path / "a.csv")["unit"].tolist() == hospitals["hospital"].tolist()
    assert pd.read_csv(tmp_path / "b.csv")["unit"].tolist() == list(range(len(hospitals)))


def test_a_text_period_column_is_never_taken_for_the_unit():
    p = check_panel(pd.DataFrame({"year": ["2014", "2015"], "beds": [1.0, 2.0]}), "beds", by="year")
    assert list(p.labels) == [0, 1] and list(p.periods) == ["2014", "2015"]
