"""One font set-up for every figure, the QCA configuration chart included: Chinese text is
drawn with glyphs of an installed CJK font, a font installed after matplotlib listed the
system's fonts is found, and text no font can draw gives one clear warning."""

import warnings

import pandas as pd
import pytest
from matplotlib import font_manager

from healthalloc.qca.chart import FIT_ROWS, LEGENDS, Chart
from healthalloc.report.figures import base, choropleth, trend_lines

CONDITIONS = ["人均GDP", "城镇化率", "卫生支出占比"]

needs_cjk = pytest.mark.skipif(
    not any(base._draws_chinese(path) for path in font_manager.findSystemFonts()),
    reason="no font with Chinese characters is installed (Debian: apt-get install fonts-noto-cjk; "
           ".ci/run installs it)")


def chart(labels=CONDITIONS, legend="ragin-fiss") -> Chart:
    """A chart with every status: core/peripheral, present/absent, and a blank."""
    status = pd.DataFrame([["core present", "peripheral absent"], ["core absent", "peripheral present"],
                           ["peripheral absent", ""]], index=labels, columns=["H1", "H2"])
    fit = pd.DataFrame(0.5, index=list(FIT_ROWS), columns=status.columns)
    return Chart(status, fit, 0.6, 0.9, pd.Series(["南宁", "柳州"], index=status.columns), legend)


@pytest.fixture
def fresh_fonts():
    """Forget the chosen CJK font before and after the test."""
    base.cjk_font.cache_clear()
    yield
    base.cjk_font.cache_clear()


@needs_cjk
@pytest.mark.parametrize("legend", LEGENDS)
def test_chart_draws_chinese_condition_names_with_glyphs_of_the_cjk_font(legend):
    fig = chart(legend=legend).plot()
    labels = {t.get_text(): t for t in fig.axes[0].get_yticklabels()}
    font = font_manager.get_font(font_manager.findfont(font_manager.FontProperties(family=base.cjk_font())))
    for name in CONDITIONS:
        assert base.cjk_font() in labels[name].get_fontfamily()
        assert all(font.get_char_index(ord(ch)) for ch in name if not ch.isascii()), name
    assert base.missing_glyphs(fig) == set()


@needs_cjk
@pytest.mark.parametrize("draw", [
    lambda: chart().plot(),
    lambda: trend_lines(pd.DataFrame({"年份": [2022, 2023], "效率": [0.8, 0.9]}), "年份", "效率", title="效率趋势"),
    lambda: choropleth(pd.Series({"广西": 0.9, "广东": 0.8}), title="广西与广东 ⓧ", label="效率"),
])
def test_every_character_of_every_figure_has_a_glyph(draw):
    assert base.missing_glyphs(draw()) == set()


def test_chart_has_the_figure_style(monkeypatch):
    monkeypatch.setattr(base, "cjk_font", lambda: "DejaVu Sans")
    tick = chart(["GDP", "URB", "HEALTH"]).plot().axes[0].get_yticklabels()[0]
    assert tick.get_fontfamily() == ["sans-serif", "DejaVu Sans"]
    assert tick.get_fontsize() == base._RC["ytick.labelsize"]


@pytest.mark.parametrize("legend", LEGENDS)
def test_chart_symbols_need_no_font(monkeypatch, legend):
    """ⓧ, which DejaVu (Debian's default) lacks, is drawn as markers (a small ⊗), not text."""
    monkeypatch.setattr(base, "cjk_font", lambda: "DejaVu Sans")  # a font without Chinese
    monkeypatch.setattr(base, "_warned", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = chart(["GDP", "URB", "HEALTH"], legend).plot()
    assert base.missing_glyphs(fig) == set()
    assert not any(symbol in t.get_text() for t in fig.texts + fig.axes[0].texts for symbol in LEGENDS[legend].values())


def test_with_a_font_without_chinese_one_clear_warning(monkeypatch):
    monkeypatch.setattr(base, "cjk_font", lambda: "DejaVu Sans")  # a font without Chinese
    monkeypatch.setattr(base, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart().plot()
        trend_lines(pd.DataFrame({"t": [1, 2], "y": [1.0, 2.0]}), "t", "y", title="另一个标题")
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "人" in message and "empty boxes" in message and "apt-get install fonts-noto-cjk" in message
    assert caught[0].filename.endswith("chart.py")  # points at the figure's caller


@needs_cjk
def test_a_font_installed_after_matplotlib_listed_the_fonts_is_found(monkeypatch, fresh_fonts):
    """matplotlib caches its font list: a font installed later is unknown to it."""
    manager = font_manager.fontManager
    cached = [e for e in manager.ttflist if not base._draws_chinese(e.fname)]
    monkeypatch.setattr(manager, "ttflist", cached)
    assert base._installed_cjk() is None  # as matplotlib saw the fonts before the install
    found = base.cjk_font()
    assert found is not None
    assert any(e.name == found and base._draws_chinese(e.fname) for e in manager.ttflist)
