"""The "Published and reproduced" table in the report's language: each row of
``study/published.toml`` carries its Chinese (``what_zh``, ``source_zh``, ``reason_zh``), and
:func:`healthalloc.study.published.compare` writes the texts of the run's language; the numbers
and published values are the same in both."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from test_zh_report import ENGLISH

from healthalloc.report import i18n
from healthalloc.study.published import PAPERS, compare

TEXTS = ("what", "source", "reason")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
ROWS = [(name, i, row) for name, block in PAPERS.items() for i, row in enumerate(block.get("rows", []))]


@pytest.mark.parametrize(("name", "i", "row"), ROWS, ids=[f"{n}-{i}" for n, i, _ in ROWS])
def test_every_text_has_chinese_with_the_englishs_numbers(name, i, row):
    for key in TEXTS:
        zh = row[f"{key}_zh"]
        assert re.search("[\u4e00-\u9fff]", zh) and not ENGLISH.search(zh), (key, zh)
        # the Chinese writes no number the English lacks (10^4 yuan reads 万元, so not the converse)
        assert set(NUMBER.findall(zh)) <= set(NUMBER.findall(row[key])), (key, zh, row[key])


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_compare_writes_the_texts_of_the_report_language(lang):
    statistics = {"dea": pd.Series({"mean_crs": 0.9})}
    with i18n.using(lang):
        table = compare("seed001", statistics)
    rows = PAPERS["seed001"]["rows"]
    suffix = "" if lang == "en" else f"_{lang}"
    for key in TEXTS:
        assert list(table[key]) == [row[key + suffix] for row in rows]
    assert list(table["published"]) == ["0.869", "0.984"]  # as printed, in either language
    assert table["ours"].iloc[0] == 0.9 and table["difference"].iloc[0] == pytest.approx(0.9 - 0.869, abs=1e-12)
