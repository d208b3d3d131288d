"""The HTML report: warnings beside what they concern, one legend per report, symbols
without a font, and wide tables that stay readable when printed or saved as PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from importlib.resources import files

import pandas as pd
import pytest

from healthalloc.data import load_china_provinces
from healthalloc.qca.chart import LEGENDS
from healthalloc.report.html import render_report
from healthalloc.report.tables import PRINT_FONT, html_table, print_font
from healthalloc.study import run_study
from healthalloc.report.section import Section

SPATIAL = """\
[study]
title = "Warnings"

[data]
source = "panel.csv"

[roles]
unit = "province_code"
period = "year"

[[analyses]]
type = "spatial"
value = "beds_centred"
permutations = 99
"""

#: CSS px of a Letter landscape page less 10 mm margins (A4 is wider).
PRINT_WIDTH_PX = 980


def section_html(html: str, name: str) -> str:
    return re.search(rf'<section id="sec-{name}">.*?</section>', html, re.S).group(0)


# -- warnings ------------------------------------------------------------------------------


def test_a_note_goes_beside_the_one_table_it_names():
    sec = Section("s", "S", "r", tables={
        "moran": pd.DataFrame(columns=["year", "I", "p_sim"]),
        "sigma_convergence": pd.DataFrame(columns=["year", "cv", "sd_log"]),
        "beta_convergence": pd.DataFrame(columns=["model", "beta", "speed"]),
        "weights": pd.DataFrame(columns=["unit", "neighbor", "weight"])})
    sec.add_note("the convergence speed λ is undefined")
    sec.add_note("the convergence speed λ is undefined")  # once
    sec.add_note("column 'beds' has values ≤ 0: sd_log is left empty")
    sec.add_note("the weights have 2 disconnected components")  # a table's name
    sec.add_note("column 'sd_log' of the data")  # quoted: a data column, not the table's
    sec.add_note("sd_log and speed are empty")  # two tables: ambiguous
    sec.add_note("year 2020 has one province")  # a column of several tables
    assert sec.table_notes == {"beta_convergence": ["the convergence speed λ is undefined"],
                               "sigma_convergence": ["column 'beds' has values ≤ 0: sd_log is left empty"],
                               "weights": ["the weights have 2 disconnected components"]}
    assert sec.notes == ["column 'sd_log' of the data", "sd_log and speed are empty", "year 2020 has one province"]


def test_warnings_of_an_analysis_are_in_its_section_and_raised_once(tmp_path, recwarn):
    panel = load_china_provinces()
    panel["beds_centred"] = panel["beds_per_1000_people"] - 6.5  # values ≤ 0: no logarithms
    panel.to_csv(tmp_path / "panel.csv", index=False)
    (tmp_path / "study.toml").write_text(SPATIAL, encoding="utf-8")
    result = run_study(tmp_path / "study.toml", tmp_path / "out")
    islands = "units without a neighbour linked to their nearest unit"
    sd_log = "column 'beds_centred' has values ≤ 0: sd_log is left empty"
    beta = "β-convergence skipped"
    raised = [str(w.message) for w in recwarn]
    for text in (islands, sd_log, beta):
        assert sum(text in m for m in raised) == 1, text  # printed once, as before
    sec = result.sections[0]
    assert sec.table_notes["sigma_convergence"] == [f"Warning: {sd_log}"]
    assert any(islands in n for n in sec.notes) and any(beta in n for n in sec.notes)
    html = section_html(result.report.read_text(encoding="utf-8"), "spatial")
    escaped = sd_log.replace("'", "&#x27;")
    beside = re.search(r"<h3>sigma convergence</h3>(.*?)<table", html, re.S).group(1)
    assert escaped in beside  # between the table's title and the table
    top = html[:html.index("<h3>")]
    assert islands in top and beta in top and escaped not in top


# -- one legend, symbols without a font -----------------------------------------------------


@pytest.fixture(scope="module")
def demo_parts(tmp_path_factory):
    """The demo's DEA and both QCA analyses (the demo's widest tables and its two charts)."""
    study = tomllib.loads((files("healthalloc.study") / "demo.toml").read_text(encoding="utf-8"))
    study["analyses"] = [a for a in study["analyses"] if a["type"] in ("dea", "qca")]
    return run_study(study, tmp_path_factory.mktemp("demo") / "out").output


def test_one_legend_style_per_report(demo_parts):
    used = set()
    for chart in (demo_parts / "tables").glob("*_chart.csv"):
        used |= set(pd.read_csv(chart, dtype=str).fillna("").to_numpy().ravel())
    symbols = used & {s for legend in LEGENDS.values() for s in legend.values()}
    assert len(list((demo_parts / "tables").glob("*_chart.csv"))) == 2
    assert any(symbols <= set(legend.values()) for legend in LEGENDS.values()), symbols


def test_symbols_common_fonts_lack_are_drawn_with_css(demo_parts):
    html = (demo_parts / "report.html").read_text(encoding="utf-8")
    assert "ⓧ" not in html and '<span class="circled">x</span>' in html
    assert ".circled{" in html and "border-radius:50%" in html
    assert html_table(pd.DataFrame({"H1": ["ⓧ", "●"]})).count('class="circled"') == 1


# -- print ------------------------------------------------------------------------------------


def test_print_css_keeps_wide_tables_readable():
    html = render_report("t", [Section("s", "S", "r", tables={"t": pd.DataFrame({"a_b": [1.0]})})])
    css = re.search(r"@media print\{(.*)\}\s*</style>", html, re.S).group(1)
    assert "@page{size:landscape" in css
    assert ".wrap{overflow:visible}" in css  # never cut off at the page edge
    assert "table{font-size:var(--print-font" in css and "--print-font:" in html
    assert "details" in html and "beforeprint" in html  # folded tables print unfolded
    narrow = format_sizes(pd.DataFrame({"unit": ["A"], "score": [0.5]}))
    wide = format_sizes(pd.DataFrame({f"slack_column_{i}": [123456789.0] for i in range(30)}))
    assert narrow == PRINT_FONT[1] and wide == PRINT_FONT[0]


def format_sizes(frame: pd.DataFrame) -> float:
    from healthalloc.report.tables import format_table
    return print_font(format_table(frame), [pd.api.types.is_numeric_dtype(frame[c]) for c in frame])


PROBE = """<script>
window.addEventListener("load", function () {
  window.dispatchEvent(new Event("beforeprint"));
  var width = document.documentElement.clientWidth;
  var tables = Array.prototype.slice.call(document.querySelectorAll("table"));
  var over = tables.filter(function (t) { return t.getBoundingClientRect().right > width + 0.5; });
  var sizes = Array.prototype.map.call(document.querySelectorAll("td"), function (td) {
    return parseFloat(getComputedStyle(td).fontSize); });
  document.body.setAttribute("data-print", [width, tables.length, over.length,
    document.querySelectorAll("details:not([open])").length, Math.min.apply(null, sizes),
    Math.max.apply(null, sizes)].join(","));
});
</script>"""


def test_printed_tables_fit_the_page_in_chromium(demo_parts, tmp_path):
    """The print styles applied to a page as wide as a landscape sheet: no table overflows,
    nothing is folded, fonts stay between 5 and 8 pt."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium); .ci/run installs it")
    html = (demo_parts / "report.html").read_text(encoding="utf-8")
    page = tmp_path / "print.html"
    page.write_text(html.replace("@media print{", "@media all{").replace("</body>", PROBE + "</body>"),
                    encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
             f"--window-size={PRINT_WIDTH_PX},2000"]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    width, tables, over, folded, smallest, largest = map(float, re.search(r'data-print="([^"]+)"', dom)
                                                         .group(1).split(","))
    assert width == PRINT_WIDTH_PX and tables == html.count("<table")
    assert over == 0 and folded == 0
    pt = 4 / 3  # CSS px per pt
    assert PRINT_FONT[0] * pt - 0.01 <= smallest and largest <= PRINT_FONT[1] * pt + 0.01
