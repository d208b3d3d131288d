"""Maps: polygons per feature, colours in the values' order, classes, missing units, LISA, panels."""

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from healthalloc.data import DataError, UnknownNameError, load_china_provinces, load_guangxi_2022
from healthalloc.report.figures import LISA_COLOURS, choropleth, choropleth_panel, lisa_map
from healthalloc.report.figures.maps import MISSING_COLOUR
from healthalloc.report.geo import shapes


@pytest.fixture(scope="module")
def panel():
    return load_china_provinces()


@pytest.fixture(scope="module")
def beds(panel):
    """Beds per 1,000 people in 2023, by English province name."""
    return panel[panel["year"] == 2023].set_index("province_en")["beds_per_1000_people"]


def _layers(ax):
    """The map's PathCollections by gid."""
    return {c.get_gid(): c for c in ax.collections}


def _filled(ax, geography="provinces"):
    """Facecolours of the filled units by adcode."""
    geo = shapes(geography)
    code_of = {id(path): code for code, path in zip(geo.table["adcode"], geo.paths)}
    layer = _layers(ax)["values"]
    pairs = zip(layer.get_paths(), layer.get_facecolors())
    return {code_of[id(path)]: tuple(colour) for path, colour in pairs}


def _cmap_position(colour, cmap="YlOrRd"):
    """Where along the colour map a colour lies (0–1, to within one of its 256 colours)."""
    ramp = mpl.colormaps[cmap](np.linspace(0, 1, 1001))
    return np.abs(ramp - np.asarray(colour)).sum(axis=1).argmin() / 1000


def test_province_map_draws_one_polygon_per_feature(beds):
    fig = choropleth(beds, title="Beds", label="beds per 1,000 people")
    ax = fig.axes[0]
    layers = _layers(ax)
    assert len(layers["values"].get_paths()) == 31
    assert len(layers["outside"].get_paths()) == 3  # Taiwan, Hong Kong, Macao as outlines
    assert "missing" not in layers
    assert sum(len(c.get_paths()) for c in ax.collections) == len(shapes("provinces").table) == 34
    assert len(layers["outside"].get_facecolors()) == 0  # unfilled
    assert ax.get_title() == "Beds"
    colorbar = fig.axes[-1]
    assert colorbar.get_ylabel() == "beds per 1,000 people"
    omitted = choropleth(beds, outside="omit").axes[0]
    assert sum(len(c.get_paths()) for c in omitted.collections) == 31


def test_colours_follow_the_values_order(beds):
    fill = _filled(choropleth(beds).axes[0])
    codes = shapes("provinces").table.set_index("name_en")["adcode"]
    positions = pd.Series({name: _cmap_position(fill[codes[name]]) for name in beds.index})
    assert positions[beds.sort_values().index].is_monotonic_increasing  # 256 colours: ties allowed
    assert positions.nunique() > 25
    assert positions[beds.idxmin()] == pytest.approx(0, abs=5e-3)
    assert positions[beds.idxmax()] == pytest.approx(1, abs=5e-3)


def test_every_index_form_gives_the_same_map(panel, beds):
    year = panel[panel["year"] == 2023]
    expected = _filled(choropleth(beds).axes[0])
    for column in ("province_code", "province_cn"):
        values = year.set_index(column)["beds_per_1000_people"]
        assert _filled(choropleth(values).axes[0]) == expected
    as_text = year.set_index(year["province_code"].astype(str))["beds_per_1000_people"]
    assert _filled(choropleth(as_text).axes[0]) == expected


def test_quantile_classes_have_a_legend_and_k_colours(beds):
    ax = choropleth(beds, classes=5, label="beds per 1,000 people").axes[0]
    colours = set(_filled(ax).values())
    assert len(colours) == 5
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "beds per 1,000 people"
    texts = [t.get_text() for t in legend.get_texts()]
    assert len(texts) == 5 and texts[0].startswith("4.95 – ") and texts[-1].endswith(" – 8.93")
    # quintiles of 31 values: 6 or 7 provinces per class
    counts = pd.Series(list(_filled(ax).values())).value_counts()
    assert counts.between(6, 7).all()


def test_explicit_classes_bin_the_values(beds):
    ax = choropleth(beds, classes=[4, 6, 8, 10]).axes[0]
    fill = _filled(ax)
    codes = shapes("provinces").table.set_index("name_en")["adcode"]
    assert fill[codes["Guangdong"]] == fill[codes["Tianjin"]]  # both in (4, 6]
    assert fill[codes["Beijing"]] != fill[codes["Guangdong"]]  # 6.35 in (6, 8]
    assert fill[codes["Heilongjiang"]] == fill[codes["Sichuan"]]  # (8, 10]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["4.0 – 6.0", "6.0 – 8.0", "8.0 – 10.0"]
    with pytest.raises(DataError, match=r"values 4\.9473 and 8\.9255 lie outside the classes \[5, 8\.5\]"):
        choropleth(beds, classes=[5, 7, 8.5])
    with pytest.raises(ValueError, match="increasing bin edges"):
        choropleth(beds, classes=[5, 4, 9])


def test_missing_units_are_hatched_grey_with_a_legend_entry(beds):
    values = beds.drop(["Tibet", "Qinghai"])
    values["Gansu"] = np.nan
    ax = choropleth(values, missing_label="no data").axes[0]
    layers = _layers(ax)
    assert len(layers["values"].get_paths()) == 28
    missing = layers["missing"]
    assert len(missing.get_paths()) == 3 and missing.get_hatch()
    assert tuple(missing.get_facecolors()[0]) == to_rgba(MISSING_COLOUR)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no data"]


def test_taiwan_with_a_value_is_filled(beds):
    ax = choropleth(pd.concat([beds, pd.Series({"Taiwan": 5.5})])).axes[0]
    layers = _layers(ax)
    assert len(layers["values"].get_paths()) == 32 and len(layers["outside"].get_paths()) == 2


def test_unknown_and_bad_values_raise_clear_errors(beds):
    wrong = beds.rename({"Beijing": "Bejing", "Shaanxi": "Shaanxii"})
    with pytest.raises(UnknownNameError, match=r"'Bejing' \(did you mean 'Beijing'.*'Shaanxii' \(did you mean"):
        choropleth(wrong)
    text = beds.astype(object)
    text["Hebei"] = "n/a"
    with pytest.raises(DataError, match=r"values must be numbers; not numbers at 'Hebei' \('n/a'\)"):
        choropleth(text)
    with pytest.raises(TypeError, match="pandas Series"):
        choropleth(beds.to_frame())
    with pytest.raises(ValueError, match="outside must be one of"):
        choropleth(beds, outside="hide")


def test_province_map_has_the_south_china_sea_inset(beds):
    ax = choropleth(beds).axes[0]
    (inset,) = ax.child_axes
    geo = shapes("provinces")
    x0, x1, y0, y1 = geo.inset  # the inset draws the provinces that reach into its view only
    near = [p for p in geo.inset_paths if p.get_extents().x1 >= x0 and p.get_extents().x0 <= x1
            and p.get_extents().y1 >= y0 and p.get_extents().y0 <= y1]
    drawn = _layers(inset)["values"].get_paths()
    assert 0 < len(drawn) < 31 and all(any(p is q for q in near) for p in drawn)
    hainan = geo.table.index[geo.table["adcode"] == 460000][0]
    assert any(path is geo.inset_paths[hainan] for path in _layers(inset)["values"].get_paths())
    assert not choropleth(beds, inset=False).axes[0].child_axes


def test_guangxi_city_map():
    efficiency = load_guangxi_2022().set_index("city")["efficiency"]
    ax = choropleth(efficiency, geography="guangxi", title="Efficiency").axes[0]
    fill = _filled(ax, "guangxi")
    assert len(fill) == 14 and not ax.child_axes
    assert _cmap_position(fill[450100]) == pytest.approx(1, abs=5e-3)  # Nanning, efficiency 1
    with pytest.raises(UnknownNameError, match="'Guangzhou'"):
        choropleth(pd.Series({"Guangzhou": 1.0}), geography="guangxi")


def test_lisa_colours_follow_the_labels(beds):
    labels = pd.Series("not significant", index=beds.index, dtype=object)
    labels[["Sichuan", "Hubei", "Hunan"]] = "HH"
    labels[["Guangdong", "Fujian"]] = "LL"
    labels["Jiangxi"] = "lh"
    labels["Guangxi"] = "HL"
    labels["Tibet"] = None
    ax = lisa_map(labels).axes[0]
    fill = _filled(ax)
    codes = shapes("provinces").table.set_index("name_en")["adcode"]
    expected = {"Sichuan": "HH", "Fujian": "LL", "Jiangxi": "LH", "Guangxi": "HL",
                "Beijing": "not significant"}
    for name, category in expected.items():
        assert fill[codes[name]] == to_rgba(LISA_COLOURS[category]), name
    assert fill[codes["Sichuan"]] == to_rgba("red") and fill[codes["Fujian"]] == to_rgba("blue")
    assert len(_layers(ax)["missing"].get_paths()) == 1
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["High–High (3)", "Low–Low (2)", "Low–High (1)", "High–Low (1)", "Not significant (23)",
                     "No data"]
    assert ax.get_title() == "LISA cluster map"


def test_lisa_rejects_unknown_labels(beds):
    labels = pd.Series("ns", index=beds.index)
    labels["Beijing"] = "High-High"
    expected = r"HH, LL, LH, HL or 'not significant'; not so at 'Beijing' \('High-High'\)"
    with pytest.raises(DataError, match=expected):
        lisa_map(labels)


def test_panel_draws_one_map_per_period_on_a_shared_scale(panel):
    years = panel[panel["year"].isin([2014, 2018, 2023])]
    fig = choropleth_panel(years, "beds_per_1000_people", "province_code", "year", title="Beds",
                           label="beds per 1,000 people")
    maps = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in maps] == ["2014", "2018", "2023"]
    assert fig.get_suptitle() == "Beds"
    assert all(len(_layers(ax)["values"].get_paths()) == 31 for ax in maps)
    # shared scale: the overall minimum (2014) sits at the bottom, the maximum (2023) at the top
    low = min(_cmap_position(c) for c in _filled(maps[0]).values())
    high = max(_cmap_position(c) for c in _filled(maps[2]).values())
    assert low == pytest.approx(0, abs=5e-3) and high == pytest.approx(1, abs=5e-3)
    assert max(_cmap_position(c) for c in _filled(maps[0]).values()) < 0.7


def test_panel_classes_legend_and_checks(panel):
    years = panel[panel["year"].isin([2014, 2023])]
    fig = choropleth_panel(years.iloc[1:], "beds_per_1000_people", "province_en", "year", classes=4)
    (legend,) = fig.legends
    assert len(legend.get_texts()) == 5 and legend.get_texts()[-1].get_text() == "No data"
    with pytest.raises(DataError, match="repeated province_en/year: Beijing/2014; give one value per unit"):
        choropleth_panel(pd.concat([years, years.head(1)]), "beds_per_1000_people", "province_en", "year")
    with pytest.raises(UnknownNameError, match="unknown column 'bed'"):
        choropleth_panel(years, "bed", "province_en", "year")
