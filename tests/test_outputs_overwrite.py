"""Single-file outputs never replace a user's file: an existing file is replaced only with
``--overwrite`` (``overwrite=True``); a table and the files written beside it are written
together or not at all; a failed write names its target and leaves nothing half-written."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pandas as pd
import pytest

from healthalloc.data.output import OutputError, write_files

from conftest import assert_refused, run_cli, snapshot
from test_trust import home  # noqa: F401  (the user's folder of data files)

HOSP = ["hospitals.csv", "--unit", "hospital", "--inputs", "doctors,nurses", "--outputs", "outpatients,inpatients"]
ACCESS = ["access", "--demand", "demand.csv", "--supply", "sites.csv", "--method", "2sfca", "--catchment", "50"]
LOCATION = ["optimize", "location", "--demand", "demand.csv", "--candidates", "sites.csv", "--model", "mclp",
            "--p", "1", "--radius", "30"]
ERGM = ["ergm", "--nodes", "nodes.csv", "--edges", "edges.csv", "--directed", "--formula", "edges"]
EQUITY = ["equity", "provinces.csv", "--resource", "medical_health_beds", "--population", "permanent_population",
          "--by", "year", "--group", "region"]


@pytest.fixture
def files(home) -> Path:
    """The user's folder of :mod:`test_trust` with files in the way of the outputs."""
    Path("notes.csv").write_text("my notes\n", encoding="utf-8")
    with pd.ExcelWriter("mybook.xlsx") as book:
        pd.DataFrame({"a": [1]}).to_excel(book, sheet_name="one", index=False)
        pd.DataFrame({"b": [2]}).to_excel(book, sheet_name="two", index=False)
    Path("plan.summary.json").write_text('{"mine": true}\n', encoding="utf-8")
    Path("fit.fit.json").write_text('{"mine": true}\n', encoding="utf-8")
    Path("eq_contributions.csv").write_text("mine\n", encoding="utf-8")
    return home


EXISTING = {
    "dea over a csv": (["dea", *HOSP, "-o", "notes.csv"], "notes.csv"),
    "malmquist over a csv": (["malmquist", *HOSP[:1], "--unit", "hospital", "--period", "doctors", "--inputs",
                              "nurses", "--outputs", "inpatients", "-o", "notes.csv"], "notes.csv"),
    "access over a csv": ([*ACCESS, "-o", "notes.csv"], "notes.csv"),
    "access over a workbook of two sheets": ([*ACCESS, "-o", "mybook.xlsx"], "mybook.xlsx"),
    "optimize over the summary beside": ([*LOCATION, "-o", "plan.csv"], "plan.summary.json"),
    "optimize capacity over a csv": (["optimize", "capacity", "--demand", "demand.csv", "--supply", "sites.csv",
                                      "--method", "2sfca", "--catchment", "50", "-o", "notes.csv"], "notes.csv"),
    "ergm over the fit beside": ([*ERGM, "-o", "fit.csv"], "fit.fit.json"),
    "equity over the contributions beside": ([*EQUITY, "-o", "eq.csv"], "eq_contributions.csv"),
    "centrality over a csv": (["network", "centrality", "--nodes", "nodes.csv", "--edges", "edges.csv", "-o",
                               "notes.csv"], "notes.csv"),
    "data export over a workbook": (["data", "export", "cst_hospitals", "mybook.xlsx"], "mybook.xlsx"),
}


@pytest.mark.parametrize("case", list(EXISTING))
def test_an_existing_file_is_never_replaced_without_overwrite(files, capsys, case):
    argv, named = EXISTING[case]
    line = assert_refused(argv, rf"{named}: already exists; give a new name, or pass --overwrite", files, capsys)
    assert "Traceback" not in line


@pytest.mark.parametrize("case", ["access over a csv", "optimize over the summary beside", "ergm over the fit beside",
                                  "equity over the contributions beside", "data export over a workbook"])
def test_overwrite_replaces_the_output_and_its_side_files_together(files, capsys, case):
    argv, named = EXISTING[case]
    code, out, err = run_cli([*argv, "--overwrite"], capsys)
    assert code == 0, err
    assert Path(named).read_bytes() not in (b"my notes\n", b'{"mine": true}\n', b"mine\n")
    assert not [p.name for p in files.iterdir() if p.name.startswith(".")]


def test_a_table_is_not_written_when_its_side_file_is_refused(files, capsys):
    assert_refused([*LOCATION, "-o", "plan.csv"], "plan.summary.json", files, capsys)
    assert not Path("plan.csv").exists()


def test_a_full_disk_is_one_line_naming_the_target_and_nothing_half_written(home, capsys, monkeypatch):
    def full(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    line = assert_refused(["dea", *HOSP, "-o", "scores.csv"], r"^error: scores\.csv: cannot write: No space left",
                          home, capsys)
    assert "hospitals.csv" not in line


def test_a_read_only_target_is_named_not_its_hidden_partial_file(home, capsys, monkeypatch):
    import tempfile

    def refused(*args, dir=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, ".scores.abc.partial.csv"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    line = assert_refused(["dea", *HOSP, "-o", "ro/scores.csv"], r"^error: ro/scores\.csv: cannot write here: "
                          "Permission denied", home, capsys)
    assert "partial" not in line


def test_write_files_puts_every_earlier_file_back_when_a_move_fails(tmp_path, monkeypatch):
    first, second = tmp_path / "a.csv", tmp_path / "a.summary.json"
    first.write_text("earlier a", encoding="utf-8")
    second.write_text("earlier b", encoding="utf-8")
    rename = os.rename

    def fail_on_second(src, dst):
        if Path(dst) == second:
            raise OSError(errno.EIO, "Input/output error")
        rename(src, dst)

    monkeypatch.setattr(os, "rename", fail_on_second)
    write = (lambda text: (lambda tmp: tmp.write_text(text, encoding="utf-8")))
    with pytest.raises(OutputError, match="cannot write"):
        write_files({first: (write("new a"), ()), second: (write("new b"), ())}, overwrite=True)
    assert first.read_text(encoding="utf-8") == "earlier a" and second.read_text(encoding="utf-8") == "earlier b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.summary.json"]


def test_write_files_checks_every_target_before_writing_any(tmp_path):
    (tmp_path / "b.json").write_text("mine", encoding="utf-8")
    before = snapshot(tmp_path)
    write = lambda tmp: tmp.write_text("x", encoding="utf-8")  # noqa: E731
    with pytest.raises(OutputError, match="b.json: already exists"):
        write_files({tmp_path / "a.csv": (write, ()), tmp_path / "b.json": (write, ())})
    assert snapshot(tmp_path) == before


def test_a_control_character_in_an_xlsx_cell_is_one_line_naming_the_target(user, capsys):
    pd.DataFrame({"id": ["a\x01b", "c"], "population": [10, 20], "lon": [108.3, 108.5],
                  "lat": [22.8, 22.9]}).to_csv("d.csv", index=False)
    pd.DataFrame({"id": ["s"], "capacity": [5], "lon": [108.4], "lat": [22.85]}).to_csv("s.csv", index=False)
    argv = ["access", "--demand", "d.csv", "--supply", "s.csv", "--method", "2sfca", "--catchment", "50"]
    assert_refused([*argv, "-o", "a.xlsx"], r"^error: a\.xlsx: cannot write: a cell holds a control character "
                   r"that \.xlsx files cannot store .*; write \.csv instead", user, capsys)
    code, _, err = run_cli([*argv, "-o", "a.csv"], capsys)
    assert code == 0, err
