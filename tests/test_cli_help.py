"""``--help`` of every subcommand shows how to read its tables (--sheet, --encoding) and,
where it writes a file, --overwrite; and each option does what its help says."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from healthalloc.data import load_cst_hospitals

from conftest import assert_refused, run_cli

READS = [["dea"], ["malmquist"], ["sfa"], ["qca"], ["spatial"], ["equity"], ["tiers"], ["access"], ["optimize", "location"],
         ["optimize", "capacity"], ["network", "build"], ["network", "centrality"], ["ergm"]]
WRITES_A_FILE = [["dea"], ["malmquist"], ["sfa"], ["equity"], ["tiers"], ["access"], ["optimize", "location"], ["optimize", "capacity"],
                 ["network", "centrality"], ["ergm"], ["data", "export"]]
WRITES_A_FOLDER = [["run"], ["demo"], ["qca"], ["spatial"], ["network", "build"]]
HOSP = ["--unit", "hospital", "--inputs", "doctors,nurses", "--outputs", "outpatients,inpatients"]


def _help(words: list[str], capsys) -> str:
    code, out, _ = run_cli([*words, "--help"], capsys)
    assert code == 0
    return out


@pytest.mark.parametrize("words", READS, ids=" ".join)
def test_every_command_reading_tables_offers_sheet_and_encoding(words, capsys):
    text = _help(words, capsys)
    assert "--sheet" in text and "--encoding" in text


@pytest.mark.parametrize("words", WRITES_A_FILE, ids=" ".join)
def test_every_file_output_offers_overwrite(words, capsys):
    assert "--overwrite" in _help(words, capsys)


@pytest.mark.parametrize("words", WRITES_A_FOLDER, ids=" ".join)
def test_folder_outputs_replace_only_their_own_and_offer_no_overwrite(words, capsys):
    assert "--overwrite" not in _help(words, capsys)


def test_sheet_picks_the_sheet_and_the_hint_names_the_option(user, capsys):
    with pd.ExcelWriter("book.xlsx") as book:
        pd.DataFrame({"note": ["data on the next sheet"]}).to_excel(book, sheet_name="readme", index=False)
        load_cst_hospitals().to_excel(book, sheet_name="hospitals", index=False)
    assert_refused(["dea", "book.xlsx", *HOSP], r"on sheet 'hospitals' of book\.xlsx.*pass --sheet hospitals",
                   user, capsys)
    code, out, err = run_cli(["dea", "book.xlsx", *HOSP, "--sheet", "hospitals"], capsys)
    assert code == 0, err
    assert out.split()[0] == "unit"


def test_a_named_sheet_of_one_table_among_several(user, capsys):
    pd.DataFrame({"id": ["d1", "d2"], "population": [100, 300], "lon": [104.0, 104.3],
                  "lat": [30.0, 30.0]}).to_csv("d.csv", index=False)
    with pd.ExcelWriter("s.xlsx") as book:
        pd.DataFrame({"note": ["sites on the next sheet"]}).to_excel(book, sheet_name="readme", index=False)
        pd.DataFrame({"id": ["h"], "capacity": [8], "lon": [104.1], "lat": [30.0]}).to_excel(
            book, sheet_name="beds", index=False)
    argv = ["access", "--demand", "d.csv", "--supply", "s.xlsx", "--method", "2sfca", "--catchment", "30"]
    assert_refused(argv, r"pass --sheet supply=beds", user, capsys)
    code, out, err = run_cli([*argv, "--sheet", "supply=beds", "-o", "a.csv"], capsys)
    assert code == 0, err
    # 2SFCA by hand: 8 beds over the 400 people within 30 km of h
    assert pd.read_csv("a.csv")["access"].tolist() == pytest.approx([0.02, 0.02])


def test_encoding_reads_a_file_as_told(user, capsys):
    frame = load_cst_hospitals()
    frame["hospital"] = [f"医院{c}" for c in frame["hospital"]]
    frame.to_csv("h.csv", index=False, encoding="gbk")
    code, out, err = run_cli(["dea", "h.csv", *HOSP, "--encoding", "gbk", "-o", "s.csv"], capsys)
    assert code == 0, err
    assert pd.read_csv("s.csv")["unit"].iloc[0] == "医院A"
    assert "GB18030" not in err  # told, not guessed: nothing to say
    code, _, err = run_cli(["dea", "h.csv", *HOSP, "--encoding", "klingon"], capsys)
    assert code == 2 and "unknown encoding 'klingon'" in err


@pytest.mark.parametrize(("option", "message"), [
    (["--encoding", "dmand=utf-8"], r"--encoding dmand=utf-8: no table 'dmand' here; name one of demand, supply, od"),
    (["--encoding", "=gbk"], r"--encoding =gbk: no table '' here"),
    (["--sheet", "demand=Sheet1"], r"--sheet demand=Sheet1: d\.csv is not an \.xlsx workbook"),
])
def test_a_table_option_names_a_table_the_command_reads(user, capsys, option, message):
    pd.DataFrame({"id": ["d1"], "population": [100], "lon": [104.0], "lat": [30.0]}).to_csv("d.csv", index=False)
    pd.DataFrame({"id": ["h"], "capacity": [8], "lon": [104.1], "lat": [30.0]}).to_csv("s.csv", index=False)
    assert_refused(["access", "--demand", "d.csv", "--supply", "s.csv", "--method", "2sfca", "--catchment", "30",
                    *option], message, user, capsys)


def test_a_named_table_on_a_one_table_command_says_so(user, capsys):
    load_cst_hospitals().to_csv("h.csv", index=False)
    assert_refused(["dea", "h.csv", *HOSP, "--sheet", "data=x"], r"this command reads one table: give --sheet VALUE",
                   user, capsys)


def test_ids_written_as_text_in_a_workbook_keep_their_zeros(user, capsys):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["id", "population"])
    for row in (["01", 100], ["1", 300]):
        book.active.append(row)
    book.save("d.xlsx")
    pd.DataFrame({"id": ["h"], "capacity": [8]}).to_csv("s.csv", index=False)
    pd.DataFrame({"origin": ["01", "1"], "destination": ["h", "h"], "cost": [5, 5]}).to_csv("od.csv", index=False)
    code, out, err = run_cli(["access", "--demand", "d.xlsx", "--supply", "s.csv", "--od", "od.csv", "--method",
                              "2sfca", "--catchment", "10", "-o", "a.csv"], capsys)
    assert code == 0, err
    result = pd.read_csv("a.csv", dtype={"id": str})
    assert result["id"].tolist() == ["01", "1"] and result["access"].tolist() == pytest.approx([0.02, 0.02])


@pytest.mark.parametrize(("text", "message"), [
    ("id,population,lon,lat\na,100,104.0,30.0,\nb,300,104.3,30.0,\n", None),
    ("id,population,population,lon,lat\na,100,5,104.0,30.0\n", r"d\.csv: the header names column 'population' more"),
])
def test_trailing_commas_are_read_and_a_repeated_column_is_refused(user, capsys, text, message):
    Path("d.csv").write_text(text, encoding="utf-8")
    pd.DataFrame({"id": ["h"], "capacity": [8], "lon": [104.1], "lat": [30.0]}).to_csv("s.csv", index=False)
    argv = ["access", "--demand", "d.csv", "--supply", "s.csv", "--method", "2sfca", "--catchment", "50"]
    if message:
        assert_refused(argv, message, user, capsys)
    else:
        code, out, err = run_cli([*argv, "-o", "a.csv"], capsys)
        assert code == 0, err
        assert pd.read_csv("a.csv")["access"].tolist() == pytest.approx([0.02, 0.02])
