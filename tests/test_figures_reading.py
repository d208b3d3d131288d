"""Figures read as a published figure would: the DEA figures plot what the reading headlines
(comprehensive, CRS, efficiency, checked against an independent CRS run), labels come from the
data dictionary in both languages (also when a variable name sits inside a longer English
text), legends cover no data and no two legend symbols touch, wide grids wrap, counts are
classed and ticked as whole numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from healthalloc.data import load_china_provinces, simulate_outputs
from healthalloc.efficiency.dea import dea
from healthalloc.mobility.ergm.gof import GofResult
from healthalloc.qca.chart import STATUSES, Chart
from healthalloc.report import figures, i18n
from healthalloc.report.figures.bars import bars
from healthalloc.report.figures.curves import trend_lines
from healthalloc.report.figures.heatmap import COLUMNS, transition_heatmaps
from healthalloc.report.figures.maps import choropleth
from healthalloc.report.labels import relabel

INPUTS = ["medical_health_beds", "licensed_assistant_physicians", "registered_nurses"]
OUTPUTS = ["outpatient_visits_simulated", "discharges_simulated"]


@pytest.fixture(scope="module")
def panel():
    """Seed 001's data: three years of the 31 provinces, outputs simulated as the example does."""
    data = load_china_provinces().query("year >= 2021").reset_index(drop=True)
    return simulate_outputs(data, INPUTS, population="permanent_population", period="year", seed=2024)


@pytest.fixture(scope="module")
def vrs(panel):
    return dea(panel, INPUTS, OUTPUTS, unit="province_en", by="year", rts="vrs")


@pytest.fixture(scope="module")
def crs(panel):
    """The comprehensive efficiency computed independently: its own CRS run."""
    return dea(panel, INPUTS, OUTPUTS, unit="province_en", by="year", rts="crs").efficiency


def _renderer(fig: Figure):
    FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    return fig.canvas.get_renderer()


def test_dea_figures_plot_comprehensive_efficiency(vrs, crs, panel, monkeypatch):
    drawn = {}

    def spy(name):
        def capture(*args, **kwargs):
            drawn[name] = (args, kwargs)
            return Figure()
        return capture

    for name in ("density_ridges", "choropleth"):
        monkeypatch.setattr(figures, name, spy(name))
    out = vrs.figures(group="region")
    assert list(out) == ["density", "national", "trend", "map"]
    for _, draw in out.values():
        draw()
    # the density: every CRS score of every year (an independent CRS run, to 1e-9), not the VRS ones
    (table, value, by), kwargs = drawn["density_ridges"]
    shown = table.set_index(["unit", by])[value].sort_index()
    assert value == "crs_efficiency" and by == "year"
    np.testing.assert_allclose(shown.to_numpy(), crs.sort_index().to_numpy(), atol=1e-9)
    assert not np.allclose(shown.to_numpy(), vrs.efficiency.sort_index().to_numpy())  # VRS differs here
    assert kwargs["title"] == "Kernel density of comprehensive (CRS) efficiency by year"
    # the map: the last year's CRS scores
    (values,), kwargs = drawn["choropleth"]
    np.testing.assert_allclose(values.sort_index().to_numpy(), crs.xs(2023, level="year").sort_index().to_numpy(),
                               atol=1e-9)
    assert kwargs["title"] == "Comprehensive (CRS) efficiency, 2023"


def test_dea_trend_and_national_lines_are_the_means_of_the_scores(vrs, crs, panel):
    out = vrs.figures(group="region")
    region = panel.set_index(["province_en", "year"])["region"].rename_axis(["unit", "year"])
    expected = crs.groupby([region.reindex(crs.index).to_numpy(), crs.index.get_level_values("year")]).mean()
    trend = out["trend"][1]()
    ax = trend.axes[0]
    for line in ax.get_lines()[:3]:
        years, means = line.get_data()
        np.testing.assert_allclose(means, expected.loc[line.get_label()].reindex(years).to_numpy(), atol=1e-12)
    national = out["national"][1]().axes[0]
    columns = {"crs_efficiency": crs, "vrs_efficiency": vrs.efficiency,
               "scale_efficiency": crs / vrs.efficiency}  # scale = CRS / VRS (Coelli 1996)
    for line in national.get_lines():
        years, means = line.get_data()
        mean = columns[line.get_label()].groupby(level="year").mean()
        np.testing.assert_allclose(means, mean.reindex(years).to_numpy(), atol=1e-9)


@pytest.mark.parametrize(("lang", "xlabel", "title"), [
    ("en", "Comprehensive efficiency (CRS)", "Kernel density of comprehensive (CRS) efficiency by year"),
    ("zh", "综合技术效率（CRS）", "各年份综合技术效率（CRS）的核密度"),
])
def test_dea_density_labels_in_both_languages(vrs, lang, xlabel, title):
    with i18n.using(lang):
        fig = relabel(vrs.figures()["density"][1]())
    ax = fig.axes[0]
    assert ax.get_xlabel() == xlabel  # labels.json's label of crs_efficiency in this language
    assert title in {t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))}


def test_dea_figures_without_the_scale_decomposition_plot_its_scores(panel):
    res = dea(panel, INPUTS, OUTPUTS, unit="province_en", by="year", rts="crs")
    out = res.figures(group="region")
    assert list(out) == ["density", "trend", "map"]  # no CRS/VRS/scale lines without VRS
    line = out["trend"][1]().axes[0].get_lines()[0]
    years, means = line.get_data()
    region = panel.set_index(["province_en", "year"])["region"].rename_axis(["unit", "year"])
    own = res.efficiency[region.reindex(res.efficiency.index).to_numpy() == line.get_label()]
    np.testing.assert_allclose(means, own.groupby(level="year").mean().reindex(years).to_numpy(), atol=1e-12)


@pytest.mark.parametrize(("text", "shown"), [
    ("in_degree_std of every node", "Standardized in-degree of every node"),
    ("gini_population, gini_area by year", "Gini: Population, Gini: Area by year"),
    ("Lorenz curves of medical_health_beds", "Lorenz curves of beds in medical and health institutions"),
    ("crs_efficiency, 2023", "Comprehensive efficiency (CRS), 2023"),
    ("no_such_variable by year", "no_such_variable by year"),  # a name without a label stays
])
def test_english_figure_text_names_variables_by_their_labels(text, shown):
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title(text)
    with i18n.using("en"):
        relabel(fig)
    assert ax.get_title() == shown


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_trend_legend_covers_no_line_and_the_ticks_do_not_touch(lang):
    years = np.arange(2014, 2024)
    frame = pd.DataFrame({"year": np.tile(years, 3), "crs_efficiency": np.r_[np.full(10, .9), np.full(10, .95),
                                                                             np.full(10, 1.0)],
                          "measure": np.repeat(["crs_efficiency", "vrs_efficiency", "scale_efficiency"], 10)})
    with i18n.using(lang):
        fig = relabel(trend_lines(frame, "year", "crs_efficiency", group="measure"))
        renderer = _renderer(fig)
    ax = fig.axes[0]
    assert ax.get_legend() is None and len(fig.legends) == 1
    legend = fig.legends[0].get_window_extent(renderer)
    assert not _overlap(legend, ax.get_window_extent(renderer))  # under the plot, not on it
    ticks = [t.get_window_extent(renderer) for t in ax.get_xticklabels()
             if years[0] <= t.get_position()[0] <= years[-1]]
    assert len(ticks) == len(years)
    assert not any(_overlap(a, b) for a, b in itertools.pairwise(ticks))


def test_configuration_chart_legend_symbols_do_not_touch():
    status = pd.DataFrame({"H1": list(STATUSES), "H2": ["", *STATUSES[:3]]}, index=list("ABCD"))
    fit = pd.DataFrame({"H1": [0.2, 0.1, 0.9], "H2": [0.3, 0.1, 0.85]},
                       index=["Raw coverage", "Unique coverage", "Consistency"])
    for legend in ("seed", "ragin-fiss"):
        fig = Chart(status, fit, 0.5, 0.9, pd.Series(["x", "y"], index=["H1", "H2"]), legend).plot()
        renderer = _renderer(fig)
        markers = [line for line in fig.legends[0].findobj(Line2D) if line.get_marker() not in (None, "None", "")]
        rows: dict[float, list] = {}
        for line in markers:  # the layers of one symbol (◎ = two circles) share a row
            box = line.get_window_extent(renderer)
            rows.setdefault(round((box.y0 + box.y1) / 2, 1), []).append(box)
        assert len(rows) == len(STATUSES)
        symbols = [max(boxes, key=lambda b: b.width) for boxes in rows.values()]
        assert not any(_overlap(a, b) for a, b in itertools.combinations(symbols, 2)), legend


def test_markov_heat_maps_wrap_at_three_to_a_row():
    matrix = pd.DataFrame(np.full((4, 4), 0.25), index=range(1, 5), columns=range(1, 5))
    matrices = {"classic": matrix} | {f"neighbours in class {k}": matrix for k in range(1, 5)}
    fig = transition_heatmaps(matrices)
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 5 and COLUMNS == 3
    lefts = sorted({round(ax.get_position().x0, 3) for ax in maps})
    tops = sorted({round(ax.get_position().y0, 3) for ax in maps})
    assert len(lefts) == 3 and len(tops) == 2  # 3 + 2, not one row of 5
    assert fig.get_figwidth() < 11  # one row of five was 16.5 inches: cells too small on a page
    assert {t.get_fontsize() for ax in maps for t in ax.texts} == {8}


def test_gof_panels_in_a_grid_with_labelled_titles():
    rows = [{"statistic": s, "value": v, "observed": 1.0, "mean": 1.0, "q025": 0.0, "q975": 2.0}
            for s in ("idegree", "odegree", "espartners", "distance") for v in range(4)]
    result = GofResult(pd.DataFrame(rows), 50)
    fig = relabel(result.plot(), "en")
    assert [ax.get_title() for ax in fig.axes] == ["In-degree", "Out-degree", "Edgewise shared partners", "Distance"]
    assert len({round(ax.get_position().x0, 3) for ax in fig.axes}) == 2  # 2 × 2
    assert [ax.get_title() for ax in relabel(result.plot(), "zh").axes] == ["入度", "出度", "边共享伙伴", "距离"]


def test_classes_of_counts_are_whole_numbers_and_large_ticks_have_separators():
    codes = load_china_provinces().query("year == 2023").set_index("province_en")["hospitals"]
    ax = choropleth(codes, classes=5).axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts() if "–" in t.get_text()]
    assert len(texts) == 5 and not any(".0" in t for t in texts)
    low, high = texts[0].split(" – ")
    assert int(low.replace(",", "")) == codes.min()  # the first class starts at the fewest hospitals
    fig = bars(pd.DataFrame({"high tier": [600_000, 40_000], "primary care": [120_000, 5_000]}, index=["A", "B"]))
    _renderer(fig)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert "600,000" in labels and not any("e" in t for t in labels)


def test_english_titles_and_axis_labels_start_with_a_capital():
    fig = Figure()
    ax = fig.add_subplot()
    ax.set(title="beds by tier, 2023", xlabel="transition", ylabel="p-value")
    fig.suptitle("σ-convergence of efficiency")
    ax.plot([0, 1], [0, 1], label="east")
    ax.legend()
    relabel(fig, "en")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Beds by tier, 2023", "Transition", "p-value")
    assert fig.get_suptitle() == "σ-convergence of efficiency"  # Greek letters keep their case
    assert ax.get_legend().get_texts()[0].get_text() == "east"  # legend entries are data: as they are


@pytest.mark.parametrize(("lang", "ylabel", "title"), [("en", "Gini coefficient", "Gini coefficients per year"),
                                                     ("zh", "基尼系数", "各年份基尼系数")])
def test_gini_trend_is_labelled_and_plots_the_indices(lang, ylabel, title):
    from healthalloc.equity.analysis import equity

    res = equity(load_china_provinces(), "medical_health_beds", "permanent_population", by="year", unit="province_en")
    with i18n.using(lang):
        fig = relabel(res.figures()["gini_trend"][1]())
    ax = fig.axes[0]
    assert ax.get_ylabel() == ylabel  # labels.json's "gini", not "Value"
    assert ax.get_title() == title
    years, values = ax.get_lines()[0].get_data()
    np.testing.assert_allclose(values, res.indices.set_index("year")["gini_population"].reindex(years), atol=1e-12)


def test_gof_counts_in_the_tens_of_thousands_have_separators():
    rows = [{"statistic": "distance", "value": v, "observed": o, "mean": o, "q025": o, "q975": o}
            for v, o in ((1, 5_000.0), (2, 68_000.0), (3, 37_000.0))]
    fig = GofResult(pd.DataFrame(rows), 50).plot()
    _renderer(fig)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert "60,000" in labels and "60000" not in labels


def test_bars_leave_no_empty_rows_above_and_below():
    fig = bars(pd.Series([3.0, 2.0, 1.0], index=["A", "B", "C"], name="beds"))
    ax = fig.axes[0]
    low, high = sorted(ax.get_ylim())
    tops = [p.get_y() + p.get_height() for p in ax.patches]
    bottoms = [p.get_y() for p in ax.patches]
    assert min(bottoms) - low < 0.25 and high - max(tops) < 0.25  # within a quarter row of the axes' ends


def test_tradeoff_budget_ticks_are_whole_amounts_without_an_offset():
    from healthalloc.report.figures.tradeoff import tradeoff_curve

    table = pd.DataFrame({"budget": [250_000, 500_000, 1_000_000, 2_000_000, 4_000_000],
                          "coverage": [0.883, 0.895, 0.908, 0.925, 0.937]})
    fig = tradeoff_curve(table, x="budget", y="coverage", share=True)
    _renderer(fig)
    axis = fig.axes[0].xaxis
    labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
    assert "2,000,000" in labels and axis.get_offset_text().get_text() == ""  # no "1e6" under the axis
    renderer = _renderer(fig)
    boxes = [t.get_window_extent(renderer) for t in axis.get_ticklabels() if t.get_text()]
    assert not any(_overlap(a, b) for a, b in itertools.pairwise(boxes))  # long labels, so fewer ticks


@pytest.mark.parametrize(("title", "shown"), [
    ("LISA clusters of efficiency", "效率的LISA集聚"),  # the small multiples' title, without a year
    ("LISA clusters of efficiency, 2023", "效率的LISA集聚（2023年）"),
    ("Comprehensive (CRS) efficiency, 2023", "综合技术效率（CRS），2023年"),
])
def test_chinese_titles_of_panels_are_translated(title, shown):
    fig = Figure()
    fig.suptitle(title)
    assert relabel(fig, "zh").get_suptitle() == shown


@pytest.mark.parametrize(("lang", "ylabel"), [("en", "Institutions: high-tier share"), ("zh", "机构数：高层级占比")])
def test_tier_share_axis_is_labelled_for_institutions_too(lang, ylabel):
    from healthalloc.tiers import tiers

    res = tiers(load_china_provinces(), {"institutions": ("hospitals", "primary_healthcare_institutions")},
                unit="province_en", by="year")
    with i18n.using(lang):
        fig = relabel(res.share_trend("institutions"))
    assert fig.axes[0].get_ylabel() == ylabel  # no English variable name left in the Chinese figure


def test_four_years_of_maps_are_two_by_two():
    from healthalloc.report.figures.maps import PANEL_COLUMNS, choropleth_panel

    data = load_china_provinces()
    years = data[data["year"].isin([2014, 2017, 2020, 2023])]
    fig = choropleth_panel(years, "beds_per_1000_people", "province_en", "year")
    maps = [ax for ax in fig.axes if ax.get_title() in {"2014", "2017", "2020", "2023"}]
    assert len(maps) == 4 and PANEL_COLUMNS == 3
    lefts = {round(ax.get_position().x0, 2) for ax in maps}
    bottoms = {round(ax.get_position().y0, 2) for ax in maps}
    assert len(lefts) == 2 and len(bottoms) == 2  # 2 × 2, not a row of four 3-inch maps


@pytest.mark.parametrize(("lang", "first"), [("en", "High–High"), ("zh", "高-高")])
def test_lisa_panel_legend_names_the_categories_without_summed_counts(lang, first):
    from healthalloc.report.figures import lisa_panel

    data = load_china_provinces().query("year in (2020, 2023)")[["province_en", "year"]].assign(cluster="ns")
    with i18n.using(lang):
        fig = relabel(lisa_panel(data, "cluster", "province_en", "year"))
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[0] == first and not any("(" in t or "（" in t for t in texts)  # 62 = 2 × 31 is no count of units


def test_sigma_convergence_sets_the_pooled_line_apart_and_keeps_the_groups_order():
    from healthalloc.spatial.convergence import sigma_convergence

    data = load_china_provinces()
    res = sigma_convergence(data, "beds_per_1000_people", unit="province_en", by="year", group="region")
    fig = res.plot()
    lines = fig.axes[0].get_lines()
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [*pd.unique(data["region"]), "all"]  # data order, pooled last
    pooled = lines[-1]
    assert pooled.get_label() == "all" and pooled.get_linestyle() == "--" and pooled.get_color() == "black"
    assert legend.legend_handles[-1].get_linestyle() == "--"
    assert {line.get_linestyle() for line in lines[:-1]} == {"-"}
    cv = res.table.query("group == 'all'").set_index("year")["cv"]
    years, values = pooled.get_data()
    np.testing.assert_allclose(values, cv.reindex(years).to_numpy(), atol=1e-12)
    assert fig.axes[0].get_ylabel() == "cv"  # relabelled "Coefficient of variation" when saved
