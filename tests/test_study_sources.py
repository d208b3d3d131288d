"""A study reads every table it names with its sheet and encoding: the data set
(``sheet``, ``encoding`` beside ``source``) and each file an analysis key names
(``supply = {source = "sites.xlsx", sheet = "beds"}``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from healthalloc.study import run_study
from healthalloc.study.spec import StudyError

from conftest import assert_refused

DEMAND = pd.DataFrame({"id": ["d1", "d2", "d3"], "名称": ["医院A", "卫生院", "小"],
                       "population": [1000, 2000, 1500], "lon": [108.3, 108.5, 109.4], "lat": [22.8, 22.9, 24.3]})
SITES = pd.DataFrame({"id": ["s1", "s2"], "beds": [50, 80], "lon": [108.4, 109.3], "lat": [22.85, 24.2]})

STUDY = """\
[data]
source = "demand.csv"
encoding = "gb18030"
[roles]
unit = "id"
population = "population"
coordinates = ["lon", "lat"]
[[analyses]]
type = "access"
supply = {supply}
capacity = "beds"
catchment = 60.0
"""


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    DEMAND.to_csv("demand.csv", index=False, encoding="gbk")
    with pd.ExcelWriter("sites.xlsx") as book:
        pd.DataFrame({"note": ["the sites are on sheet beds"]}).to_excel(book, sheet_name="readme", index=False)
        SITES.to_excel(book, sheet_name="beds", index=False)
    SITES.to_csv("sites_gbk.csv", index=False, encoding="gbk")
    return tmp_path


def test_a_source_table_names_the_sheet_and_the_data_set_its_encoding(home):
    Path("s.toml").write_text(STUDY.format(supply='{ source = "sites.xlsx", sheet = "beds" }'), encoding="utf-8")
    result = run_study("s.toml", "out", progress=False)
    access = pd.read_csv(home / "out" / "tables" / "access_access.csv")
    # 2SFCA by hand: s1 (50 beds) reaches d1 and d2 (3,000 people), s2 (80) reaches d3 (1,500)
    assert access.set_index("id")["access"].to_dict() == pytest.approx({"d1": 50 / 3000, "d2": 50 / 3000,
                                                                         "d3": 80 / 1500})
    assert result.sections[0].tables["access"].shape[0] == 3


def test_a_source_without_its_sheet_points_to_the_sheet_in_study_terms(home, capsys):
    Path("s.toml").write_text(STUDY.format(supply='"sites.xlsx"'), encoding="utf-8")
    line = assert_refused(["run", "s.toml", "-o", "out"], r"no column|unknown column|has no column", home, capsys)
    assert "analyses[0]" in line


def test_an_unknown_key_in_a_source_table_is_named_with_its_line(home):
    Path("s.toml").write_text(STUDY.format(supply='{ source = "sites.xlsx", sheeet = "beds" }'), encoding="utf-8")
    with pytest.raises(StudyError, match=r"line 10, analyses\[0\]\.supply: supply: unknown key 'sheeet'; did you "
                                         r"mean 'sheet'\?"):
        run_study("s.toml", "out", progress=False)


def test_a_missing_source_file_in_a_table_is_found_before_any_work(home):
    Path("s.toml").write_text(STUDY.format(supply='{ source = "nope.xlsx", sheet = "beds" }'), encoding="utf-8")
    with pytest.raises(StudyError, match=r"'nope\.xlsx' is neither an embedded data set nor a file"):
        run_study("s.toml", "out", progress=False)
    assert not Path("out").exists()


def test_a_gbk_source_is_read_with_its_encoding(home):
    Path("s.toml").write_text(STUDY.format(supply='{ source = "sites_gbk.csv", encoding = "gbk" }'),
                              encoding="utf-8")
    run_study("s.toml", "out", progress=False)
    assert (home / "out" / "report.html").exists()
