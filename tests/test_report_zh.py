"""Reports in Chinese: ``--lang zh`` and ``[study] language``, the catalogue, labels, the shipped font."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from matplotlib import font_manager

from healthalloc.report import i18n, labels
from healthalloc.report.figures import base
from healthalloc.study import run_study
from tests.conftest import assert_refused, run_cli
from tests.test_study import HOSPITALS, write

CJK = re.compile(r"[\u4e00-\u9fff]")


def _study(folder: Path, extra: str = "") -> Path:
    """test_study's hospitals study with ``extra`` lines after its title (line 3 on)."""
    title = 'title = "Hospitals"\n'
    return write(folder, HOSPITALS.replace(title, title + extra + "\n"))


def _report(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def _headings(html: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", html)


def _headers(html: str) -> list[str]:
    return re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", html)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, str]:
    """The small study's report in English, with --lang zh, with the key, and the key overridden."""
    folder = tmp_path_factory.mktemp("zh")
    for name in ("plain", "keyed"):
        (folder / name).mkdir()
    plain, keyed = _study(folder / "plain"), _study(folder / "keyed", 'language = "zh"')
    out = {}
    for name, study, lang in (("en", plain, None), ("flag", plain, "zh"), ("key", keyed, None),
                              ("override", keyed, "en")):
        run_study(study, folder / f"out-{name}", progress=False, language=lang)
        out[name] = _report(folder / f"out-{name}")
    return out


@pytest.mark.parametrize("name", ["flag", "key"])
def test_chinese_report_has_lang_headings_and_headers(reports, name):
    html = reports[name]
    assert '<html lang="zh-CN"' in html
    headings = _headings(html)
    assert headings and all(CJK.search(h) for h in headings), headings
    headers = _headers(html)
    # from the data dictionary (dictionary.json label_zh) and the result labels (labels.json)
    assert "单元" in headers and "综合技术效率（CRS）" in headers, headers


def test_english_report_keeps_english(reports):
    for html in (reports["en"], reports["override"]):  # --lang en overrides language = "zh"
        assert '<html lang="en"' in html
        assert not any(CJK.search(h) for h in _headings(html) + _headers(html))
        assert "<h2>Contents</h2>" in html and "<h2>Data dictionary</h2>" in html
        assert "crs" in _headers(html)  # variable names as in the CSV


def test_bad_language_is_refused_in_one_line(user, capsys):
    study = _study(user)
    assert_refused(["run", str(study), "--lang", "fr"], r"--lang.*'fr'", user, capsys)
    bad = _study(user, 'language = "fr"')
    line = assert_refused(["run", str(bad)], r"study\.toml, line 3, study\.language: .*fr", user, capsys)
    assert "en" in line and "zh" in line
    with pytest.raises(ValueError, match="^language must be one of en, zh; got 'fr'$"):
        run_study(_study(user), user / "lib", progress=False, language="fr")  # the library call too
    assert not (user / "lib").exists()


def test_bad_labels_table_is_refused(user, capsys):
    study = _study(user, "[labels]\nbeds = 3")
    assert_refused(["run", str(study)], r"labels\.beds must be a", user, capsys)


def test_study_labels_override_the_dictionary(user, capsys):
    study = _study(user, '[labels]\ndoctors = "Physicians (FTE)"')
    code, _, err = run_cli(["run", str(study), "--quiet", "-o", "out", "--lang", "zh"], capsys)
    assert code == 0, err
    html = _report(user / "out")
    assert "<td>Physicians (FTE)</td>" in html and "<td>护士数</td>" in html  # the data dictionary's labels
    with labels.study_labels({"doctors": "Physicians (FTE)"}):
        assert labels.label("doctors", "zh") == "Physicians (FTE)"
    assert labels.label("doctors", "zh") == "医生数" and labels.label("doctors", "en") == "Doctors"


def test_translate_keys_patterns_and_unknown_text():
    assert i18n.translate("Contents", "zh") == "目录"
    assert i18n.translate("Contents", "en") == "Contents"
    assert i18n.translate("show 40 rows", "zh") == "显示 40 行"  # a pattern with its number
    assert i18n.translate("Nothing catalogued here", "zh") == "Nothing catalogued here"
    assert "Nothing catalogued here" in i18n.untranslated()
    with pytest.raises(ValueError, match="must be one of"):
        with i18n.using("fr"):
            pass


def test_labels_of_patterns_and_lists():
    assert labels.label("gini_population", "zh") == "基尼系数：人口"
    assert labels.phrase("gini_population, gini_area", "en") == "Gini: Population, Gini: Area"
    assert labels.label("no_such_column", "zh") is None


def test_figure_text_is_relabelled_and_drawn_with_the_shipped_font(monkeypatch, tmp_path):
    """With no system CJK font, Chinese labels still have glyphs: the shipped subset of Droid Sans Fallback."""
    from matplotlib.figure import Figure

    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", [e for e in manager.ttflist if not base._draws_chinese(e.fname)])
    monkeypatch.setattr(base, "refresh_fonts", lambda: [])
    base.cjk_font.cache_clear()
    try:
        assert base.cjk_font() == "Droid Sans Fallback"

        @base.styled
        def draw():
            fig = Figure()
            ax = fig.add_subplot()
            ax.plot([1, 2], [3, 4], label="crs")
            ax.set_xlabel("year")
            ax.set_ylabel("gini_population")
            ax.set_yticks([3, 4], ["gdp_per_capita", "Consistency"])  # ticks given as text
            ax.legend()
            return fig

        with i18n.using("zh"):
            fig = draw()
            svg, _ = base.save(fig, tmp_path / "f")
        ax = fig.axes[0]
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("年份", "基尼系数：人口")
        assert ax.get_legend().get_texts()[0].get_text() == "综合技术效率（CRS）"
        assert [t.get_text() for t in ax.get_yticklabels()] == ["人均地区生产总值（万元）", "一致性"]
        assert base.missing_glyphs(fig) == set()
        assert svg.stat().st_size > 0
    finally:
        base.cjk_font.cache_clear()


def test_shipped_font_is_small_licensed_and_covers_the_catalogue():
    font = font_manager.get_font(str(base.SHIPPED_FONT))
    assert base.SHIPPED_FONT.stat().st_size < 3_000_000
    assert "Apache License" in (base.SHIPPED_FONT.parent / "LICENSE-Apache-2.0.txt").read_text()
    latin = font_manager.get_font(font_manager.findfont("DejaVu Sans"))  # the figures' sans-serif (Greek: β, σ)
    text = "".join(i18n._catalogue("zh")[0].values()) + "".join(t["zh"] for t in labels._known()[0].values())
    lacking = {ch for ch in text if not ch.isascii() and not any(f.get_char_index(ord(ch)) for f in (font, latin))}
    assert lacking == set()


def test_an_example_in_chinese_has_no_english_heading_caption_or_reading(tmp_path):
    """Seed 000 run with --lang zh: every heading, figure caption and reading is Chinese (the
    ones the catalogue lacks are listed)."""
    folder = tmp_path / "seed000"
    run_study(Path(__file__).parents[1] / "examples" / "seed000.toml", folder, progress=False, language="zh")
    html = _report(folder)
    texts = [t for tag in ("h1", "h2", "h3", "figcaption") for t in re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)]
    texts += re.findall(r'<p class="reading">(.*?)</p>', html, re.S)
    assert len(texts) > 20
    english = [t for t in texts if not CJK.search(t)]
    assert english == [], "untranslated (add them to report/messages_zh.json):\n" + "\n".join(english)
