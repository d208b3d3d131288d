"""A Chinese report a reader reads in Chinese: each example run with ``--lang zh`` (seed 000
and 002 with warnings) has no run of three or more English words in its title, headings,
captions, readings, notes, warnings, table headers or table cells; names in code (terms, columns,
``adjust_crossover=True``), ids and the data's own place names may stay as written. A table
cell is also read for lone English words: one of our categories (``east``, ``not significant``)
is translated, and only a name in code (a column of an embedded data set, an ERGM term) may
stay a lowercase word."""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest

from healthalloc.data import data_dictionary
from healthalloc.mobility.ergm.terms import TERMS
from healthalloc.report import i18n
from healthalloc.study import run_study

EXAMPLES = Path(__file__).parents[1] / "examples"
#: Three or more English words in a row (names in code are one token: edgecov.GeoProx, in_degree_std).
ENGLISH = re.compile(r"(?<![\w.=])[A-Za-z][a-z'’-]*(?:[ ,;:]+[A-Za-z][a-z'’-]*){2,}(?![\w.=(])")
#: A run of proper names, as the data write them in a cell (a DEA unit's peers: ``Anhui;Hunan;Tibet``).
NAMES = re.compile(r"[A-Z][a-z'’-]*(?:[ ,;:]+[A-Z][a-z'’-]*)*")
#: A cell that is lowercase English words only (``central``, ``not significant``), of three letters
#: or more as :func:`healthalloc.report.i18n.translate` counts a word (``sd``, ``df`` are symbols).
WORDS = re.compile(r"[a-z][a-z'’ -]{2,}")
#: Lowercase words a cell may hold: names in code (the embedded data sets' columns, ERGM terms).
CODE_NAMES = set(data_dictionary()["column"]) | set(TERMS)
#: What a reader reads: the page title, headings, captions, readings, notes and warnings, tables.
READ = {"title", "h1", "h2", "h3", "figcaption", "th", "td", "summary"}
READ_CLASSES = {"reading", "note", "caption"}


class _Texts(HTMLParser):
    """The text of the elements a reader reads, outside ``<code>``, scripts and styles; ``cells``
    the whole text of each table cell (``th``, ``td``; ``<wbr>`` breaks a name in code into pieces)."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, bool]] = []
        self.texts: list[str] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td"):
            self.cells.append("")
        if tag not in ("br", "wbr", "img", "meta", "link", "hr", "input"):
            read = tag in READ or bool(READ_CLASSES & set((dict(attrs).get("class") or "").split()))
            self.open.append((tag, read))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        tags = {t for t, _ in self.open}
        if data.strip() and any(r for _, r in self.open) and not {"code", "script", "style", "svg"} & tags:
            if {"th", "td"} & tags:
                self.cells[-1] += data
            else:
                self.texts.append(data.strip())


def english_runs(html: str) -> list[str]:
    """Each read text with a run of three or more English words (in a cell, other than proper
    names), or a cell of lowercase English words that are not a name in code, and the run."""
    parser = _Texts()
    parser.feed(html)
    runs = [f"{m.group(0)!r} in {t!r}" for t in parser.texts for m in ENGLISH.finditer(t)]
    for cell in map(str.strip, parser.cells):
        runs += [f"{m.group(0)!r} in cell {cell!r}" for m in ENGLISH.finditer(cell) if not NAMES.fullmatch(m.group(0))]
        if WORDS.fullmatch(cell) and cell not in CODE_NAMES:
            runs.append(f"cell {cell!r}")
    return runs


def test_the_scanner_finds_english_and_passes_names_in_code():
    page = ('<h2>空间可达性</h2><p class="note">警告：some sites are idle here</p><p class="reading">'
            'edgecov.GeoProx 与 adjust_crossover=True；Guilin、Hezhou</p><p>Not read here at all</p>'
            '<p class="caption">见 <code>healthalloc run study.toml</code></p>')
    assert english_runs(page) == ["'some sites are idle here' in '警告：some sites are idle here'"]
    table = ("<table><tr><th>同伴</th><th>变量名</th></tr><tr><td>Anhui;Inner Mongolia;Tibet</td><td>year</td>"
             "<td>edges</td><td>nodeicov.HTH</td><td>Model 3</td><td>not significant</td><td>east</td>"
             "<td>Not addressable: no occupancy</td></tr></table>")
    assert english_runs(table) == ["cell 'not significant'", "cell 'east'",
                                   "'Not addressable: no occupancy' in cell 'Not addressable: no occupancy'"]


@pytest.fixture(scope="module", params=["seed000", "seed001", "seed002", "seed003"])
def report(request, tmp_path_factory) -> tuple[str, str]:
    """An example's report in Chinese (seed 000 in 20 s, seed 002 in 1.5 min), with its warnings."""
    folder = tmp_path_factory.mktemp("zh") / request.param
    with warnings.catch_warnings(record=True):  # the warnings are in the report, as notes
        warnings.simplefilter("always")
        run_study(EXAMPLES / f"{request.param}.toml", folder, progress=False, language="zh")
    return request.param, (folder / "report.html").read_text(encoding="utf-8")


def test_each_example_in_chinese_reads_in_chinese(report):
    name, html = report
    if name in ("seed000", "seed002"):
        assert '<p class="note">警告：' in html  # crossover cases; unreachable places and idle sites
    assert english_runs(html) == [], f"English a reader of {name}'s Chinese report sees (catalogue them in " \
        "report/messages_zh.json):\n" + "\n".join(english_runs(html))


def test_lists_translate_item_by_item_or_not_at_all():
    assert i18n.translate("national: Model 3, Yangtze delta: Model 2", "zh") == "全国：模型3、长三角：模型2"
    assert i18n.translate("Guilin, Fangchenggang and Hezhou", "zh") == "Guilin、Fangchenggang和Hezhou"  # proper names
    mixed = "Consistency, something nobody catalogued"
    assert i18n.translate(mixed, "zh") == mixed and mixed in i18n.untranslated()
    assert "something nobody catalogued" not in i18n.untranslated()  # only the whole text is reported


def test_every_catalogue_template_fills_from_its_pattern():
    """A template's fields are its regex's named groups (a misspelt field would raise KeyError in a report)."""
    import string

    _, patterns = i18n._catalogue("zh")
    for pattern, template in patterns:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert fields <= set(pattern.groupindex), (pattern.pattern, template)


def test_the_model_table_reading_writes_coefficients_by_the_number_rule_in_both_languages():
    """Seed 003's nodeicov.GDP, 4.211e-05 (printed ``+4.211e-05`` before), reads in plain decimals
    with four significant figures (``format_number``), AIC 56941.7975 (Table 3) at the table's four
    decimals, and the catalogue's pattern still reads the line in Chinese."""
    from dataclasses import replace

    import pandas as pd
    from test_ergm_reference import load

    from healthalloc.mobility.ergm import compare_models, ergm

    fit = ergm(load("florentine_marriage", False), "edges + nodecov('wealth')")
    terms = list(fit.coef.index)
    tiny = replace(fit, coef=pd.Series([-2.5, 4.211e-05], index=terms),
                   p_value=pd.Series([0.001, 0.002], index=terms), aic=56941.7975)
    reading = compare_models({"Model 3": tiny}).reading()
    assert reading.endswith("Model 3 has the lowest AIC (56,941.7975). Significant in it (p < 0.05): "
                            "nodecov.wealth (0.00004211)."), reading
    assert i18n.translate(reading, "zh").endswith("模型3的AIC最小（56,941.7975）。其中在 p < 0.05 水平上显著的项："
                                                  "nodecov.wealth (0.00004211)。")


def test_table_cells_in_chinese_are_our_translations_and_the_datas_own_values():
    """The report's text cells go through the catalogue: our categories, groups and booleans in
    Chinese, the data's names and the dictionary's key columns as written; English unchanged."""
    import pandas as pd

    from healthalloc.report.html import render_section
    from healthalloc.report.section import Section

    frame = pd.DataFrame({"group": ["east", "inland vs port", "Guilin", "Model 3"], "column": ["year"] * 4,
                          "significant": [True, False, True, False], "value": [1.5, 2.0, 0.25, 3.0]})
    sec = Section("x", "Data dictionary", "")
    sec.add_table("cells", frame, "")
    with i18n.using("zh"):
        page = render_section(sec)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    assert cells[:3] == ["东部", "year", "是"] and cells[4:6] == ["内陆与沿海", "year"]
    assert cells[8] == "Guilin" and cells[12] == "模型3"
    with i18n.using("en"):
        page = render_section(sec)
    assert re.findall(r"<td[^>]*>(.*?)</td>", page)[:6] == ["east", "year", "yes", "1.500", "inland vs port", "year"]


def test_every_dictionary_meaning_unit_and_status_reads_in_chinese():
    """The data dictionary table's text cells (meaning, unit, status of every embedded column) are
    catalogued, so a changed English meaning cannot fall back to English unnoticed."""
    dictionary = data_dictionary()
    texts = {t for column in ("meaning", "unit", "status") for t in dictionary[column].dropna()}
    words = re.compile(r"(?<![\w.])[A-Za-z]{3,}(?![\w.])")  # an English word, not part of a column's name
    missing = sorted(t for t in texts if words.search(t) and not re.search("[\u4e00-\u9fff]", i18n.translate(t, "zh")))
    assert missing == [], "catalogue these in report/messages_zh.json:\n" + "\n".join(missing)
