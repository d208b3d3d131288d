"""Every figure saves to SVG and PNG; Chinese text saves with or without a CJK font."""

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from healthalloc.data import load_china_provinces, load_guangxi_2022
from healthalloc.report.figures import (
    CJK_FONTS,
    DPI,
    base,
    choropleth,
    choropleth_panel,
    cjk_font,
    density_ridges,
    lisa_map,
    lorenz_curves,
    save,
    trend_lines,
)

PANEL = load_china_provinces()
YEAR = PANEL[PANEL["year"] == 2023].set_index("province_cn")["beds_per_1000_people"]
RNG = np.random.default_rng(0)

FIGURES = {
    "choropleth": lambda: choropleth(YEAR, title="2023年每千人口床位数", label="床位/千人"),
    "guangxi": lambda: choropleth(load_guangxi_2022().set_index("city")["efficiency"], geography="guangxi",
                                  classes=3, title="广西 DEA 效率"),
    "panel": lambda: choropleth_panel(PANEL[PANEL["year"] >= 2022], "beds_per_1000_people", "province_cn",
                                      "year", label="beds per 1,000 people"),
    "lisa": lambda: lisa_map(pd.Series(RNG.choice(["HH", "LL", "ns"], 31), index=YEAR.index),
                             title="LISA 聚类"),
    "lorenz": lambda: lorenz_curves(pd.DataFrame({"x": [0, 0.5, 1], "y": [0, 0.3, 1]}), x="x", y="y",
                                    xlabel="人口累计比例", ylabel="床位累计比例"),
    "ridges": lambda: density_ridges(
        pd.DataFrame({"年份": np.repeat([2022, 2023], 20), "效率": RNG.random(40)}), "效率", "年份"
    ),
    "trend": lambda: trend_lines(
        PANEL.groupby(["region", "year"], as_index=False)["beds_per_1000_people"].mean(),
        "year", "beds_per_1000_people", "region", ylabel="beds per 1,000 people",
    ),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_saves_svg_and_png_quietly(name, tmp_path):
    fig = FIGURES[name]()
    assert isinstance(fig, Figure) and fig.axes
    assert any(ax.get_title() for ax in fig.axes) or fig.get_suptitle()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warnings even without a CJK font
        svg, png = save(fig, tmp_path / "out" / name)
    assert svg == tmp_path / "out" / f"{name}.svg" and png == tmp_path / "out" / f"{name}.png"
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    with Image.open(png) as image:
        assert image.info["dpi"] == pytest.approx((DPI, DPI), abs=0.5)
        assert image.width > 600


def test_save_takes_a_name_with_either_suffix(tmp_path):
    fig = trend_lines(pd.DataFrame({"t": [1, 2], "y": [1.0, 2.0]}), "t", "y")
    assert save(fig, tmp_path / "fig.png", dpi=50) == (tmp_path / "fig.svg", tmp_path / "fig.png")
    assert save(fig, str(tmp_path / "fig.SVG"))[1].is_file()


def test_chinese_text_is_kept_and_a_cjk_font_used_when_installed(monkeypatch):
    assert cjk_font() is None or cjk_font() in CJK_FONTS
    fig = FIGURES["lorenz"]()
    assert fig.axes[0].get_xlabel() == "人口累计比例"
    monkeypatch.setattr(base, "cjk_font", lambda: "Noto Sans CJK SC")
    title = trend_lines(pd.DataFrame({"t": [1, 2], "y": [1.0, 2.0]}), "t", "y", title="趋势").axes[0].title
    assert title.get_fontfamily() == ["sans-serif", "Noto Sans CJK SC"]
