"""check_dea_data / check_columns / numeric_matrix: every check, its order and its message."""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data import (
    DataError,
    UnknownNameError,
    check_columns,
    check_dea_data,
    load_cst_hospitals,
    load_deap_eg4,
    numeric_matrix,
    read_table,
)
from healthalloc.cli import main
from healthalloc.data.messages import MAX_LISTED

INPUTS, OUTPUTS = ["doctors", "nurses"], ["outpatients", "inpatients"]


@pytest.fixture
def hospitals() -> pd.DataFrame:
    return load_cst_hospitals()


def _error(df, inputs=INPUTS, outputs=OUTPUTS, **kw) -> str:
    with pytest.raises(DataError) as info:
        check_dea_data(df, inputs, outputs, source="h.csv", **kw)
    return str(info.value)


def test_clean_data_pass(hospitals):
    check_dea_data(hospitals, INPUTS, OUTPUTS, unit="hospital", source="h.csv")
    check_dea_data(load_deap_eg4(), "x", "y", unit="firm", by="year")


# 1. unknown columns -------------------------------------------------------------------


def test_unknown_column_is_named_with_a_suggestion(hospitals):
    message = _error(hospitals, ["doctors", "nurse"], OUTPUTS, unit="hospital")
    assert message == "h.csv: unknown column 'nurse'; did you mean 'nurses'?"


def test_unknown_columns_in_every_role_are_all_named(hospitals):
    with pytest.raises(UnknownNameError) as info:
        check_dea_data(hospitals, ["Doctors"], ["visits"], unit="hosp", by="year", source="h.csv")
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert message.startswith("h.csv: unknown columns ")
    assert "'Doctors' (did you mean 'doctors'?)" in message
    assert "'hosp' (did you mean 'hospital'?)" in message
    assert "'visits'" in message and "'year'" in message


def test_check_columns_alone(hospitals):
    check_columns(hospitals, "doctors")
    with pytest.raises(UnknownNameError, match=r"^unknown column 'zzz'$"):
        check_columns(hospitals, ["doctors", "zzz"])


# 2. roles -----------------------------------------------------------------------------


def test_a_column_in_two_roles(hospitals):
    message = _error(hospitals, INPUTS, ["outpatients", "doctors"], unit="hospital")
    assert message == "h.csv: column 'doctors' is used more than once (as input and output)"


def test_unit_as_input(hospitals):
    assert "column 'hospital' is used more than once (as input and unit)" in _error(
        hospitals, ["hospital"], OUTPUTS, unit="hospital"
    )


# 3. nothing to work with --------------------------------------------------------------


def test_no_inputs_no_outputs_no_rows(hospitals):
    assert _error(hospitals, [], OUTPUTS) == "h.csv: no inputs given"
    assert _error(hospitals, INPUTS, []) == "h.csv: no outputs given"
    assert _error(hospitals.iloc[:0]) == "h.csv: the table has no rows"


# 4. non-numeric cells -----------------------------------------------------------------


def test_non_numeric_cells_are_named_with_their_values(hospitals):
    df = hospitals.astype({"nurses": object})
    df.loc[2, "nurses"] = "1,200"
    df.loc[7, "nurses"] = "n/a"
    assert _error(df, unit="hospital") == (
        "h.csv: column 'nurses' has non-numeric values in units C ('1,200') and H ('n/a')"
    )
    assert _error(df) == _error(df, unit="hospital")  # a first column of unique text names the units
    nameless = df.drop(columns="hospital")
    assert _error(nameless).endswith("column 'nurses' has non-numeric values in rows 3 ('1,200') and 8 ('n/a')")


def test_numeric_text_is_accepted(hospitals):
    df = hospitals.astype({"doctors": str})
    check_dea_data(df, INPUTS, OUTPUTS, unit="hospital")


# 5. missing values --------------------------------------------------------------------


def test_missing_and_infinite_cells_are_named(hospitals):
    df = hospitals.astype({"doctors": float, "inpatients": float})
    df.loc[1, "doctors"] = np.nan
    df.loc[4, "inpatients"] = np.inf
    assert _error(df, unit="hospital") == (
        "h.csv: column 'doctors' has missing or infinite values in unit B; "
        "column 'inpatients' has missing or infinite values in unit E"
    )


def test_a_missing_unit_id_is_named_by_row_number(hospitals):
    df = hospitals.copy()
    df.loc[3, "hospital"] = None
    assert _error(df, unit="hospital") == "h.csv: column 'hospital' has missing or infinite values in row 4"


# 6. duplicates ------------------------------------------------------------------------


def test_duplicate_units(hospitals):
    df = hospitals.copy()
    df.loc[5, "hospital"] = "B"
    assert _error(df, unit="hospital") == "h.csv: column 'hospital' has duplicate units: B in rows 2 and 6"


def test_duplicate_unit_period_rows():
    panel = load_deap_eg4()
    df = pd.concat([panel, panel.iloc[[6]]], ignore_index=True)
    message = _error(df, ["x"], ["y"], unit="firm", by="year")
    assert message == "h.csv: columns 'firm', 'year' have duplicate unit–period rows: 2/2 in rows 7 and 16"


def test_the_same_unit_in_several_periods_is_no_duplicate_with_by():
    panel = load_deap_eg4()
    assert "duplicate units: 1 in rows 1, 6 and 11" in _error(panel, ["x"], ["y"], unit="firm")
    check_dea_data(panel, ["x"], ["y"], unit="firm", by="year")


# 7-9. signs ---------------------------------------------------------------------------


def test_non_positive_inputs_are_named_with_values(hospitals):
    df = hospitals.copy()
    df.loc[0, "doctors"] = 0
    df.loc[3, "doctors"] = -2
    df.loc[11, "nurses"] = 0
    assert _error(df, unit="hospital") == (
        "h.csv: column 'doctors' has non-positive values in units A (0) and D (-2); "
        "column 'nurses' has non-positive values in unit L (0); DEA needs every input > 0"
    )


def test_negative_outputs(hospitals):
    df = hospitals.astype({"inpatients": float})
    df.loc[9, "inpatients"] = -0.5
    assert _error(df) == (
        "h.csv: column 'inpatients' has negative values in unit J (-0.5); DEA needs every output ≥ 0"
    )
    assert "in row 10 (-0.5)" in _error(df.drop(columns="hospital"))


def test_units_with_all_outputs_zero(hospitals):
    df = hospitals.copy()
    df.loc[[2, 6], OUTPUTS] = 0
    df.loc[8, "outpatients"] = 0  # one zero output is fine
    assert _error(df, unit="hospital") == (
        "h.csv: units C and G have all outputs zero (columns 'outpatients' and 'inpatients'); "
        "DEA needs some output > 0"
    )


def test_unit_period_labels_in_messages():
    panel = load_deap_eg4()
    panel.loc[7, "x"] = 0
    assert "in unit 3/2 (0)" in _error(panel, ["x"], ["y"], unit="firm", by="year")


# order and presentation ---------------------------------------------------------------


def test_checks_run_in_the_documented_order(hospitals):
    df = hospitals.astype({"nurses": object})
    df.loc[0, "doctors"] = 0  # non-positive input (check 7)
    df.loc[1, "hospital"] = "A"  # duplicate unit (check 6)
    df.loc[2, "nurses"] = "x"  # non-numeric (check 4)
    assert "non-numeric" in _error(df, unit="hospital")
    df.loc[2, "nurses"] = 1
    assert "duplicate units" in _error(df, unit="hospital")
    df.loc[1, "hospital"] = "B"
    assert "non-positive" in _error(df, unit="hospital")


def test_rows_are_positions_not_index_labels(hospitals):
    df = hospitals.set_index(pd.Index(range(100, 112)))
    df.loc[104, "doctors"] = 0
    assert "in row 5 (0)" in _error(df)


def test_without_source_there_is_no_file_prefix(hospitals):
    df = hospitals.copy()
    df.loc[0, "doctors"] = 0
    with pytest.raises(DataError, match=r"^column 'doctors'"):
        check_dea_data(df, INPUTS, OUTPUTS)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), bad=st.data())
def test_long_lists_are_capped(n, bad):
    positions = sorted(bad.draw(st.sets(st.integers(0, n - 1), min_size=1)))
    x = np.ones(n)
    x[positions] = 0
    df = pd.DataFrame({"x": x, "y": np.ones(n)})
    with pytest.raises(DataError) as info:
        check_dea_data(df, "x", "y")
    listed = re.search(r"in rows? (.*?); DEA", str(info.value)).group(1)
    named = [int(r) for r in re.findall(r"(\d+) \(0\)", listed)]
    assert named == [p + 1 for p in positions[:MAX_LISTED]]
    more = len(positions) - MAX_LISTED
    assert listed.endswith(f" and {more} more") == (more > 0)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(1e-6, 1e9), min_size=n, max_size=n),
            st.lists(st.floats(0, 1e9), min_size=n, max_size=n),
        )
    )
)
def test_positive_inputs_and_some_positive_output_always_pass(data):
    x, y = data
    y = [v if v > 0 else 1.0 for v in y]
    check_dea_data(pd.DataFrame({"x": x, "y": y}), ["x"], ["y"])


# numeric_matrix -----------------------------------------------------------------------


def test_numeric_matrix_is_float_in_column_order(hospitals):
    m = numeric_matrix(hospitals.astype({"doctors": str}), ["nurses", "doctors"])
    assert m.dtype == np.float64 and m.shape == (12, 2)
    np.testing.assert_array_equal(m, hospitals[["nurses", "doctors"]].to_numpy(float))


def test_numeric_matrix_checks_its_cells(hospitals):
    df = hospitals.astype({"doctors": object})
    df.loc[0, "doctors"] = "?"
    expected = r"^h\.csv: column 'doctors' has non-numeric values in unit A \('\?'\)$"
    with pytest.raises(DataError, match=expected):
        numeric_matrix(df, ["doctors"], unit="hospital", source="h.csv")
    df.loc[0, "doctors"] = None
    with pytest.raises(DataError, match=r"column 'doctors' has missing or infinite values in row 1"):
        numeric_matrix(df, "doctors")
    with pytest.raises(UnknownNameError, match="did you mean 'doctors'"):
        numeric_matrix(df, "doctor")


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "vertical bar")])
def test_a_one_column_table_with_separators_in_its_name_is_explained(hospitals, separator, name):
    header = separator.join(hospitals.columns)
    one_column = pd.DataFrame({header: ["x"]})
    with pytest.raises(UnknownNameError) as error:
        check_columns(one_column, ["doctors", "nurses"], source="h.csv")
    shown = repr(header[:57] + "...")
    assert str(error.value) == (
        f"h.csv: unknown columns 'doctors', 'nurses'; the table is one column named {shown}: the file "
        f"looks {name}-separated; save it as a comma-separated CSV (or read it with sep={separator!r})")


def test_columns_on_another_sheet_are_pointed_to(tmp_path, hospitals):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["see the data sheet"]}).to_excel(writer, sheet_name="Notes", index=False)
        hospitals.to_excel(writer, sheet_name="Data 2022", index=False)
    with pytest.raises(UnknownNameError) as error:
        check_dea_data(read_table(path), INPUTS, OUTPUTS, unit="hospital")
    assert str(error.value) == (
        "unknown columns 'doctors', 'nurses', 'outpatients', 'inpatients', 'hospital'; they are on "
        "sheet 'Data 2022' of book.xlsx, not on sheet 'Notes' that was read: pass --sheet 'Data 2022' "
        "(sheet = 'Data 2022' in a study, sheet= in read_table)")
    with pytest.raises(UnknownNameError, match=r"^unknown column 'beds'$"):
        check_columns(read_table(path, sheet="Data 2022"), ["doctors", "beds"])


@pytest.mark.parametrize("command", [
    ["dea", "--unit", "hospital", "--inputs", "doctors,nurses", "--outputs", "outpatients,inpatients"],
    ["equity", "--resource", "doctors", "--population", "nurses"],
])
def test_the_command_line_says_which_sheet_holds_the_columns(tmp_path, capsys, hospitals, command):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Sheet1")
        hospitals.to_excel(writer, sheet_name="Data", index=False)
    assert main([command[0], str(path), *command[1:]]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: unknown column")
    assert err.endswith("on sheet 'Data' of book.xlsx, not on sheet 'Sheet1' that was read: "
                        "pass --sheet Data (sheet = 'Data' in a study, sheet= in read_table)\n")
    assert main([command[0], str(path), "--sheet", "Data", *command[1:]]) == 0
