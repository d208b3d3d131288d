"""``healthalloc data``: list, describe and export the embedded data sets."""

from __future__ import annotations

import pandas as pd
import pytest

from healthalloc.cli import main
from healthalloc.data import DATASETS, read_table


def test_list_names_every_data_set_with_its_title(capsys):
    assert main(["data", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(DATASETS)
    assert all(line.endswith(ds.title) for line, ds in zip(lines, DATASETS.values()))


def test_describe_prints_the_data_dictionary(capsys):
    assert main(["data", "describe", "cst_hospitals"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"cst_hospitals: {DATASETS['cst_hospitals'].title}\n")
    assert "(load() gives 12 rows × 7 columns)" in out and "ccr_input_theta_computed" in out


@pytest.mark.parametrize("name", ["china_provinces", "guangxi_2022", "guangxi_boundaries"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_writes_the_data_set(tmp_path, capsys, name, suffix):
    out = tmp_path / "new" / f"{name}{suffix}"
    assert main(["data", "export", name, str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    pd.testing.assert_frame_equal(read_table(out), DATASETS[name].load(), check_dtype=False)
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_export_replaces_a_file_only_with_overwrite(tmp_path, capsys):
    out = tmp_path / "hospitals.csv"
    out.write_text("mine\n", encoding="utf-8")
    assert main(["data", "export", "cst_hospitals", str(out)]) == 2
    assert capsys.readouterr().err == (f"error: {out}: already exists; give a new name, or pass --overwrite to "
                                       "replace it (overwrite=True in Python)\n")
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["hospitals.csv"]
    assert main(["data", "export", "cst_hospitals", str(out), "--overwrite"]) == 0
    assert pd.read_csv(out).shape[0] == 12 and [p.name for p in tmp_path.iterdir()] == ["hospitals.csv"]


@pytest.mark.parametrize(("name", "file", "message"), [
    ("cst_hospital", "h.csv", "unknown data set 'cst_hospital'; did you mean 'cst_hospitals'?; known: "),
    ("cst_hospitals", "h.txt", "h.txt: output file must end in .csv or .xlsx"),
    ("cst_hospitals", ".", ".: is a folder; give a file name ending in .csv or .xlsx"),
])
def test_export_errors_are_one_line(tmp_path, monkeypatch, capsys, name, file, message):
    monkeypatch.chdir(tmp_path)
    assert main(["data", "export", name, file]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_an_action_is_required(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["data"])
    assert stop.value.code == 2
    assert "the following arguments are required: ACTION" in capsys.readouterr().err


def test_export_with_id_writes_a_first_id_column_for_the_optimize_commands(tmp_path, capsys):
    out = tmp_path / "towns.csv"
    assert main(["data", "export", "china_cities", str(out), "--id", "geonameid"]) == 0
    written, cities = pd.read_csv(out), DATASETS["china_cities"].load()
    assert list(written.columns) == ["id", *cities.columns] and len(written) == 2105
    assert (written["id"] == cities["geonameid"]).all() and written["id"].is_unique
    pd.testing.assert_frame_equal(written.drop(columns="id"), cities, check_dtype=False)


def test_export_with_id_of_a_data_set_whose_ids_are_id_moves_it_first(tmp_path):
    out = tmp_path / "sites.csv"
    assert main(["data", "export", "china_facilities_synthetic", str(out), "--id", "id"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out), DATASETS["china_facilities_synthetic"].load(), check_dtype=False)


@pytest.mark.parametrize(("name", "column", "message"), [
    ("china_cities", "geoname", "china_cities has no column 'geoname'; did you mean 'geonameid'?"),
    ("china_facilities_synthetic", "prefecture_code", "china_facilities_synthetic has a column id already"),
])
def test_export_with_a_bad_id_is_one_line_and_writes_nothing(tmp_path, capsys, name, column, message):
    out = tmp_path / "x.csv"
    assert main(["data", "export", name, str(out), "--id", column]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert not out.exists()
