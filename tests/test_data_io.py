"""read_table: CSV (UTF-8, BOM, GBK; any separator), XLSX and Parquet round trips, and its errors."""

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data import DataError, load_cst_hospitals, read_table
from healthalloc.data.validate import OTHER_SHEETS

FRAME = pd.DataFrame({
    "省份": ["北京市", "广西壮族自治区", "内蒙古自治区"],
    "年份": [2022, 2022, 2023],
    "卫生技术人员": [1.5, 2.25, 3.0],
    "beds": [109800, 5, 7],
})


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_round_trip_keeps_chinese(tmp_path, encoding):
    path = tmp_path / "t.csv"
    FRAME.to_csv(path, index=False, encoding=encoding)
    _same(read_table(path), FRAME)


def test_gbk_file_is_not_utf8_so_the_fallback_is_exercised(tmp_path):
    path = tmp_path / "gbk.csv"
    FRAME.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert list(read_table(path).columns) == ["省份", "年份", "卫生技术人员", "beds"]


def test_bom_is_not_part_of_the_first_column_name(tmp_path):
    path = tmp_path / "bom.csv"
    FRAME.to_csv(path, index=False, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_table(path).columns[0] == "省份"


def test_encoding_overrides_the_guess(tmp_path):
    path = tmp_path / "big5.csv"
    frame = pd.DataFrame({"地區": ["臺灣", "廣東"], "床位": [1, 2]})
    frame.to_csv(path, index=False, encoding="big5")
    _same(read_table(path, encoding="big5"), frame)


def test_wrong_encoding_names_the_file_and_encoding(tmp_path):
    path = tmp_path / "cn.csv"
    FRAME.to_csv(path, index=False, encoding="utf-8")
    with pytest.raises(DataError, match=r"cn\.csv: cannot decode as ascii"):
        read_table(path, encoding="ascii")


def test_undecodable_bytes_name_the_file(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"a,b\n\x81\x20,1\n")  # invalid in UTF-8 and in GB18030
    with pytest.raises(DataError, match=r"junk\.csv: cannot decode as utf-8-sig or gb18030"):
        read_table(path)


def test_column_names_are_stripped_and_values_kept(tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text(" 省份 ,\tbeds \n 北京 ,3\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["省份", "beds"]
    assert df["省份"].tolist() == [" 北京 "]


def test_names_that_collide_once_stripped_are_refused(tmp_path):
    path = tmp_path / "clash.csv"
    path.write_text("beds, beds\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"clash\.csv: column names 'beds' repeat"):
        read_table(path)


def test_xlsx_round_trip_by_sheet_name_and_index(tmp_path):
    path = tmp_path / "book.xlsx"
    other = FRAME.assign(beds=[1, 2, 3])
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        FRAME.to_excel(writer, sheet_name="2022年", index=False)
        other.to_excel(writer, sheet_name="其他", index=False)
    _same(read_table(path), FRAME)
    _same(read_table(path, sheet="其他"), other)
    _same(read_table(path, sheet=1), other)
    _same(read_table(path, sheet=-1), other)


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    FRAME.to_excel(path, sheet_name="数据", index=False)
    with pytest.raises(DataError, match=r"book\.xlsx: no sheet 'Sheet1'; the workbook has '数据'"):
        read_table(path, sheet="Sheet1")
    with pytest.raises(DataError, match="no sheet 3"):
        read_table(path, sheet=3)


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "t.parquet"
    FRAME.to_parquet(path, engine="pyarrow", index=False)
    _same(read_table(path), FRAME)


def test_extension_is_case_insensitive(tmp_path):
    path = tmp_path / "UPPER.CSV"
    FRAME.to_csv(path, index=False)
    _same(read_table(str(path)), FRAME)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("data.txt", r"data\.txt: unknown file type '\.txt'; expected \.csv"),
        ("data", r"unknown file type '\(no extension\)'"),
        ("data.xls", r"data\.xls: legacy \.xls files are not read; save the sheet as \.xlsx"),
    ],
)
def test_unknown_extensions_are_refused(tmp_path, name, message):
    path = tmp_path / name
    path.write_text("a\n1\n")
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_options_that_do_not_apply_are_refused(tmp_path):
    csv = tmp_path / "t.csv"
    FRAME.to_csv(csv, index=False)
    with pytest.raises(DataError, match=r"t\.csv: sheet= applies to Excel files only"):
        read_table(csv, sheet=0)
    pq = tmp_path / "t.parquet"
    FRAME.to_parquet(pq)
    with pytest.raises(DataError, match=r"t\.parquet: encoding= applies to CSV files only"):
        read_table(pq, encoding="gbk")


HANZI = (
    "北京天津河北山西内蒙古辽宁吉林黑龙江上海江苏浙江安徽福建江西山东"
    "河南湖北湖南广东广西海南重庆四川贵州云南西藏陕西甘肃青海宁夏新疆医院床位护士"
)


@settings(max_examples=30, deadline=None)
@given(
    names=st.lists(st.text(HANZI, min_size=1, max_size=8), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]),
    data=st.data(),
)
def test_any_chinese_text_survives_a_csv_round_trip(tmp_path_factory, names, encoding, data):
    numbers = data.draw(st.lists(st.integers(-10**9, 10**9), min_size=len(names), max_size=len(names)))
    frame = pd.DataFrame({"名称": names, "数量": np.array(numbers, dtype=np.int64)})
    path = tmp_path_factory.mktemp("hyp") / "t.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    _same(read_table(path), frame)


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")])
def test_other_separators_are_detected_and_named(tmp_path, separator, name):
    path = tmp_path / "t.csv"
    FRAME.to_csv(path, index=False, sep=separator)
    with pytest.warns(UserWarning, match=rf"^t\.csv: read with {name} \({re.escape(repr(separator))}\) "
                      r"between columns, detected on its first lines$"):
        _same(read_table(path), FRAME)


def test_a_comma_file_is_read_quietly_even_with_separators_in_its_text(tmp_path):
    path = tmp_path / "t.csv"
    frame = FRAME.assign(note=["a;b", "c;d|e", "f\tg;h"])
    frame.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _same(read_table(path), frame)


def test_a_semicolon_file_with_decimal_commas_keeps_its_columns(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("unit;beds;rate\nA;10;1,5\nB;20;2,25\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="semicolons"):
        df = read_table(path)
    assert list(df.columns) == ["unit", "beds", "rate"]
    assert df["rate"].tolist() == ["1,5", "2,25"]


@pytest.mark.parametrize(("text", "message"), [
    ("", r"^e\.csv: the file is empty$"),
    ("a,b\n1,2\n3,4,5\n",
     r"^e\.csv: not a table with commas between columns: Expected 2 fields in line 3, saw 3$"),
])
def test_empty_and_ragged_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_a_table_from_one_sheet_keeps_the_other_sheets_column_names(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"说明": ["see the next sheet"]}).to_excel(writer, sheet_name="readme", index=False)
        FRAME.to_excel(writer, sheet_name="2022年", index=False)
    assert read_table(path).attrs[OTHER_SHEETS] == {
        "file": "book.xlsx", "sheet": "readme", "columns": {"2022年": list(FRAME.columns)}}
    assert read_table(path, sheet=-1).attrs[OTHER_SHEETS]["columns"] == {"readme": ["说明"]}
    single = tmp_path / "single.xlsx"
    FRAME.to_excel(single, index=False)
    assert OTHER_SHEETS not in read_table(single).attrs


def test_the_command_line_reads_a_semicolon_file_and_says_so(tmp_path):
    path = tmp_path / "hospitals.csv"
    load_cst_hospitals().to_csv(path, index=False, sep=";")
    exe = Path(sys.executable).with_name("healthalloc")
    done = subprocess.run([str(exe), "dea", str(path), "--unit", "hospital", "--inputs", "doctors,nurses",
                           "--outputs", "outpatients,inpatients"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stderr == ("warning: hospitals.csv: read with semicolons (';') between columns, "
                           "detected on its first lines\n")
    assert "efficiency" in done.stdout


@pytest.mark.parametrize("text", ["医院A", "小", "医院", "某医院"])
def test_short_gbk_files_whose_bytes_are_also_utf8_are_read_as_gbk_and_said(tmp_path, text):
    path = tmp_path / "short.csv"
    raw = f"name,beds\n{text},3\n".encode("gbk")
    path.write_bytes(raw)
    raw.decode("utf-8")  # the bytes are valid UTF-8 too: the trap
    with pytest.warns(UserWarning, match=r"short\.csv: read as GB18030 \(GBK\), not UTF-8; pass encoding="):
        frame = read_table(path)
    assert frame["name"].tolist() == [text]


@pytest.mark.parametrize("text", ["Café", "Hôpital Saint-Éloi", "Петров", "医院A Петров", "Zürich München"])
def test_utf8_text_with_accents_or_other_scripts_stays_utf8_without_a_warning(tmp_path, text):
    path = tmp_path / "utf8.csv"
    path.write_text(f"name\n{text}\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_table(path)["name"].tolist() == [text]


def test_encoding_overrides_the_detection(tmp_path):
    path = tmp_path / "short.csv"
    path.write_bytes("name\n医院A\n".encode("gbk"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_table(path, encoding="utf-8")["name"].tolist() == ["ҽԺA"]


def test_an_unknown_encoding_is_one_clear_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"t\.csv: unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")


def test_text_columns_keep_ids_as_written(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("id,v\n01,1\n1,2\n007,3\n", encoding="utf-8")
    assert read_table(path)["id"].tolist() == [1, 1, 7]
    assert read_table(path, text=["id", "absent"])["id"].tolist() == ["01", "1", "007"]
