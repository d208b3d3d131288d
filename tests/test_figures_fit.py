"""Figures that fit their data: what each figure draws is checked against the numbers it shows
(categorical legends, the difference map, bounded densities, panels per year, Markov cells,
bootstrap whiskers, labels that do not collide, thinned ticks, the configuration-chart legend)."""

from __future__ import annotations

import functools
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.image import AxesImage
from scipy.integrate import quad
from scipy.stats import gaussian_kde, norm

from healthalloc.data import DataError, load_china_provinces
from healthalloc.report.figures import access_map, density_ridges

sys.path.insert(0, str(Path(__file__).parent))


def _quiet(func, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kw)


def _points(seed: int, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lon": rng.uniform(104, 108, n), "lat": rng.uniform(30, 33, n),
                         "population": rng.integers(100, 5000, n).astype(float)})


# 1. categorical values, visible sites ---------------------------------------------------------

def test_covered_map_has_a_legend_of_the_categories_and_sites_on_top():
    points = _points(1).assign(covered=lambda f: (f["lon"] < 106).astype(int))
    sites = _points(2, 4).assign(capacity=1.0)
    fig = access_map(points, sites, value="covered", categories={1: "covered", 0: "not covered"},
                     label="demand points", sites_label="selected sites")
    ax = fig.axes[0]
    n_covered = int(points["covered"].sum())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"covered ({n_covered})", f"not covered ({len(points) - n_covered})", "selected sites"]
    assert len(fig.axes) == 1  # no colour bar for categories
    dots = [c for c in ax.collections if c.get_label() in {f"covered ({n_covered})",
                                                            f"not covered ({len(points) - n_covered})"}]
    triangles = next(c for c in ax.collections if c.get_label() == "selected sites")
    assert [len(d.get_offsets()) for d in dots] == [n_covered, len(points) - n_covered]
    assert triangles.get_zorder() > max(d.get_zorder() for d in dots)
    assert len(triangles.get_offsets()) == 4


def test_a_few_sites_are_filled_and_many_drawn_as_outlines():
    from healthalloc.report.figures.maps import FEW_SITES

    points = _points(1).assign(access=np.linspace(0, 1, 60))
    for n, filled in ((FEW_SITES, True), (FEW_SITES + 1, False)):
        ax = access_map(points, _points(3, n)).axes[0]
        triangles = next(c for c in ax.collections if c.get_label() == "sites")
        assert triangles.get_zorder() == 4 and len(triangles.get_offsets()) == n
        faces = triangles.get_facecolors()
        assert bool(len(faces) > 0 and faces[:, 3].min() == 1) is filled  # outlines have no face


def test_values_outside_the_categories_are_refused():
    points = _points(1).assign(covered=2)
    with pytest.raises(DataError, match="values 2 of column 'covered' are not among the categories 1 and 0"):
        access_map(points, points.iloc[:0], value="covered", categories={1: "covered", 0: "not covered"})


# 2. before/after: the difference map ----------------------------------------------------------

@functools.cache
def _plan():
    from test_optimize_capacity import _instance

    from healthalloc.optimize import plan

    demand, supply = _instance(8, n=200, m=10, spread=2)
    rng = np.random.default_rng(2)
    candidates = pd.DataFrame({"id": [f"c{k}" for k in range(15)], "lon": rng.uniform(104, 106, 15),
                               "lat": rng.uniform(30, 32, 15)})
    return _quiet(plan, demand, supply, candidates, p=3, added=120, radius=25, method="2sfca", catchment=50)


def test_change_map_shows_after_minus_before_on_a_scale_centred_on_zero():
    res = _plan()
    assert list(res.figures()) == ["map_before", "map_change"]
    fig = res.change_map()
    ax = fig.axes[0]
    change = res.scenario.points["access_after"] - res.scenario.points["access_before"]
    moved = next(c for c in ax.collections if c.get_array() is not None and c.get_label() != "new sites"
                 and isinstance(c, PathCollection) and len(c.get_offsets()) > 0 and c.get_cmap().name == "RdBu")
    drawn = np.asarray(moved.get_array())
    expected = res.scenario.points["change"].to_numpy()
    assert drawn == pytest.approx(expected[expected != 0], abs=1e-12)  # exact after − before, noise as 0
    assert expected == pytest.approx(change.to_numpy(), abs=1e-9 * change.abs().max())
    lo, hi = moved.norm.vmin, moved.norm.vmax
    assert lo == pytest.approx(-hi) and hi == pytest.approx(np.abs(drawn).max())
    new = res.supply_after[res.supply_after["new"] == 1]
    triangles = next(c for c in ax.collections if c.get_label() == "new sites")
    assert len(triangles.get_offsets()) == len(new) and triangles.get_zorder() > moved.get_zorder()
    if (expected == 0).any():
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert f"no change ({int((expected == 0).sum())})" in legend


# 3. densities bounded at (0, 1] ---------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 60))
def test_reflected_density_integrates_to_one_and_is_zero_past_the_bounds(seed, n):
    from healthalloc.spatial.density import reflected

    rng = np.random.default_rng(seed)
    scores = np.minimum(1.0, rng.beta(5, 1.5, n) + rng.uniform(0, 0.2, n))  # efficiency-like, some at 1
    kde = gaussian_kde(scores)
    h = float(np.sqrt(kde.covariance[0, 0]))
    total = quad(lambda x: reflected(kde, np.array([x]), (0.0, 1.0))[0], 0, 1, points=[1.0], limit=200)[0]
    # mass lost = kernels' mass beyond one reflection: at most P(|Z| > 1/h) (the module docstring)
    assert total == pytest.approx(1.0, abs=2 * norm.sf(1 / h) + 1e-6)
    assert not reflected(kde, np.array([1.0 + 1e-9, 1.05, 2.0, -0.01]), (0.0, 1.0)).any()


def test_kernel_density_of_scores_stays_within_its_bounds():
    from healthalloc.spatial import kernel_density

    data = load_china_provinces()
    data = data.assign(score=data["beds_per_1000_people"] / data.groupby("year")["beds_per_1000_people"]
                       .transform("max"))
    kd = kernel_density(data, "score", by="year", unit="province_code", bounds=[0, 1])
    assert kd.grid.max() <= 1.0 and kd.grid.min() >= 0.0
    widths = np.diff(kd.grid)
    for period, f in kd.density.items():  # trapezoid over the bounded grid: 1, within the lost tail
        h = kd.bandwidth[period]
        lost = 2 * norm.sf(1 / h) + norm.cdf((kd.grid[0] - data["score"].min()) / h)  # grid starts above 0
        assert float(np.sum((f.to_numpy()[1:] + f.to_numpy()[:-1]) / 2 * widths)) == pytest.approx(1.0,
                                                                                                 abs=lost + 2e-3)
    with pytest.raises(DataError, match="outside the bounds 0 and 0.5"):
        kernel_density(data, "score", by="year", unit="province_code", bounds=[0, 0.5])
    with pytest.raises(ValueError, match="bounds must be a low and a higher high bound"):
        kernel_density(data, "score", by="year", unit="province_code", bounds=[1, 0])


def test_density_ridges_with_bounds_draw_nothing_past_one():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"year": np.repeat([2020, 2021], 30),
                          "efficiency": np.minimum(1, rng.uniform(0.6, 1.1, 60))})
    fig = density_ridges(frame, "efficiency", "year", bounds=(0, 1))
    ax = fig.axes[0]
    for line in ax.get_lines():
        assert line.get_xdata().max() <= 1.0
    assert ax.get_xlim()[1] <= 1.0
    # the unbounded ridge leaks past 1: the bounds are what keeps it out
    assert density_ridges(frame, "efficiency", "year").axes[0].get_xlim()[1] > 1.0


# 4.–5. spatial analysis: maps per year, density, σ-convergence, Markov heat maps ---------------

@functools.cache
def _spatial():
    from healthalloc.spatial import province_weights, spatial_analysis

    data = load_china_provinces()
    data = data[data["year"] >= 2019].assign(
        score=lambda f: f["beds_per_1000_people"] / f.groupby("year")["beds_per_1000_people"].transform("max"))
    w = _quiet(province_weights, islands="nearest")
    return _quiet(spatial_analysis, data, "score", w, unit="province_code", by="year", permutations=19), data


@given(n=st.integers(1, 40))
def test_mapped_periods_are_evenly_spaced_from_first_to_last(n):
    from healthalloc.spatial.analysis import MAPPED, mapped_periods

    years = pd.Series(np.arange(2000, 2000 + n)).sample(frac=1, random_state=n)
    shown = mapped_periods(years)
    assert len(shown) == min(n, MAPPED) and shown == sorted(set(shown))
    assert shown[0] == 2000 and shown[-1] == 2000 + n - 1
    if n > MAPPED:
        gaps = np.diff(shown)
        assert gaps.max() - gaps.min() <= 1


def test_spatial_figures_map_a_few_years_and_show_density_sigma_and_markov():
    from healthalloc.spatial.analysis import mapped_periods

    res, data = _spatial()
    figures = res.figures()
    assert {"moran", "maps", "lisa", "density", "sigma", "markov"} <= set(figures)
    assert res.density.bounds == (0.0, 1.0)  # scores with a frontier at 1: reflected
    years = [str(y) for y in mapped_periods(data["year"])]
    assert years == ["2019", "2020", "2022", "2023"]  # five years: four evenly spaced, first and last kept
    for name in ("maps", "lisa"):
        panel = figures[name][1]()
        assert [ax.get_title() for ax in panel.axes if ax.get_title()] == years
    sigma = figures["sigma"][1]()
    cv = [line for line in sigma.axes[0].get_lines() if len(line.get_xdata()) == data["year"].nunique()]
    table = res.sigma.table
    assert any(np.allclose(line.get_ydata(), table["cv"]) for line in cv)


def test_markov_heat_map_cells_are_the_transition_probabilities():
    res, _ = _spatial()
    markov = res.markov
    fig = markov.heatmap()
    images = [ax.get_images()[0] for ax in fig.axes if ax.get_images()]
    lags = list(markov.P.index.unique("lag_class"))
    assert len(images) == 1 + len(lags)
    expected = [markov.p, *(markov.P.loc[lag] for lag in lags)]
    for image, matrix in zip(images, expected):
        assert isinstance(image, AxesImage)
        np.testing.assert_allclose(np.asarray(image.get_array()), matrix.to_numpy(float), equal_nan=True)
        texts = [t.get_text() for t in image.axes.texts]
        assert texts == [f"{p:.2f}" for p in matrix.to_numpy(float).ravel() if np.isfinite(p)]


# 5. bootstrap intervals -------------------------------------------------------------------------

def test_bootstrap_whiskers_are_the_confidence_intervals_sorted():
    from test_bootstrap import known_frontier

    from healthalloc.efficiency.bootstrap import dea_bootstrap

    df, xs, _ = known_frontier(0, n=25)
    res = dea_bootstrap(df, xs, ["y"], unit="unit", rts="vrs", n_boot=30, seed=5)
    assert list(res.figures()) == ["intervals"]
    ax = res.figures()["intervals"][1]().axes[0]
    order = res.bias_corrected.sort_values(kind="stable").index
    whiskers = next(c for c in ax.collections if c.get_gid() == "interval")
    assert isinstance(whiskers, LineCollection)
    ends = np.array([[seg[0][0], seg[1][0]] for seg in whiskers.get_segments()])
    np.testing.assert_allclose(ends, np.c_[res.ci_low[order], res.ci_high[order]])
    dots = next(c for c in ax.collections if c.get_gid() == "estimate").get_offsets()
    rings = next(c for c in ax.collections if c.get_gid() == "original").get_offsets()
    np.testing.assert_allclose(dots[:, 0], res.bias_corrected[order])
    np.testing.assert_allclose(rings[:, 0], res.efficiency[order])
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(u) for u in order]
    assert (np.diff(dots[:, 0]) >= 0).all()


# 6. labels, ticks, legend -----------------------------------------------------------------------

def test_labels_never_overlap_and_isolated_points_keep_theirs():
    from matplotlib.figure import Figure

    from healthalloc.report.figures.placement import place_labels

    rng = np.random.default_rng(0)
    crowd = rng.normal(0, 0.3, (40, 2))
    alone = np.array([[8.0, 8.0], [-8.0, 8.0]])
    xy = np.vstack([alone, crowd])
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    ax.scatter(xy[:, 0], xy[:, 1])
    ax.set(xlim=(-10, 10), ylim=(-10, 10))
    drawn = place_labels(ax, xy, [f"city {i}" for i in range(len(xy))])
    assert 2 < len(drawn) < len(xy)  # the crowd cannot all be labelled
    assert [t.get_text() for t in drawn[:2]] == ["city 0", "city 1"]
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in drawn]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    again = Figure(figsize=(5, 4)).subplots()
    again.set(xlim=(-10, 10), ylim=(-10, 10))
    assert [t.get_text() for t in place_labels(again, xy, [f"city {i}" for i in range(len(xy))])] == \
        [t.get_text() for t in drawn]  # deterministic


@given(n=st.integers(1, 400), last=st.booleans())
def test_gof_ticks_are_thinned_to_a_few(n, last):
    from healthalloc.mobility.ergm.gof import MAX_TICKS, tick_positions

    shown = tick_positions(n, last)
    assert 1 <= len(shown) <= min(n, MAX_TICKS)
    assert shown[0] == 0 and (np.diff(shown) > 0).all() and shown[-1] <= n - 1
    if last:
        assert shown[-1] == n - 1
    if n <= MAX_TICKS - last:
        assert list(shown) == list(range(n))


def test_gof_figure_ticks_name_their_values():
    from healthalloc.mobility.ergm.gof import MAX_TICKS, _gof_figure

    values = [*range(25), np.inf]
    table = pd.DataFrame({"statistic": "distance", "value": values, "observed": 1.0, "mean": 1.0,
                          "q025": 0.0, "q975": 2.0})
    ax = _gof_figure(table, 10).axes[0]
    ticks = ax.get_xticks()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) <= MAX_TICKS and labels[-1] == "NR" and ticks[-1] == len(values) - 1
    assert labels[:-1] == [str(int(values[int(t)])) for t in ticks[:-1]]


def test_configuration_chart_legend_has_one_entry_per_symbol():
    from test_qca_chart import LABELS, _table6_solutions

    from healthalloc.qca.chart import STATUSES, configuration_chart

    chart = configuration_chart(_table6_solutions(), legend="seed", labels=LABELS)
    legend = chart.plot().legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert len(texts) == len(STATUSES) + 1
    assert texts == [line.split(" ", 1)[1] for line in chart.legend_lines()[:len(STATUSES)]] + \
        chart.legend_lines()[len(STATUSES):]


def test_lisa_panel_maps_each_years_clusters():
    from matplotlib.colors import to_rgba

    from healthalloc.report.figures import lisa_panel
    from healthalloc.report.figures.maps import LISA_COLOURS

    data = load_china_provinces()[["province_code", "year"]]
    data = data[data["year"] >= 2020].reset_index(drop=True)
    rng = np.random.default_rng(4)
    data["cluster"] = rng.choice(list(LISA_COLOURS), len(data))
    data.loc[0, "cluster"] = None  # no data: hatched in its year
    fig = lisa_panel(data, "cluster", "province_code", "year")
    maps = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in maps] == [str(y) for y in sorted(data["year"].unique())]
    for ax in maps:
        year = data[data["year"] == int(ax.get_title())]
        filled = next(c for c in ax.collections if c.get_gid() == "values")
        drawn = pd.Series([tuple(c) for c in filled.get_facecolors()]).value_counts()
        expected = year["cluster"].dropna().map(lambda k: to_rgba(LISA_COLOURS[k])).value_counts()
        assert drawn.sort_index().to_dict() == expected.sort_index().to_dict()
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[0] == "High–High" and texts[-1] == "No data"  # no counts summed over the years


def test_centrality_point_map_labels_do_not_collide():
    from healthalloc.mobility import centrality, network_from_edges

    rng = np.random.default_rng(5)
    names = [f"city {i}" for i in range(30)]
    edges = pd.DataFrame({"from": rng.choice(names, 120), "to": rng.choice(names, 120)})
    edges = edges[edges["from"] != edges["to"]].drop_duplicates()
    result = centrality(network_from_edges(edges, pd.DataFrame({"id": names})))
    coords = pd.DataFrame({"lon": np.r_[rng.normal(113, 0.05, 25), rng.uniform(100, 125, 5)],
                           "lat": np.r_[rng.normal(23, 0.05, 25), rng.uniform(20, 45, 5)]}, index=names)
    fig = result.map(coords, top=30)
    fig.canvas.draw()
    drawn = fig.axes[0].texts
    assert 0 < len(drawn) < 30  # the 25 cities in one spot cannot all be named
    boxes = [t.get_window_extent() for t in drawn]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    top = result.table["in_degree_std"].nlargest(30).index[0]
    assert drawn[0].get_text() == top  # the most central node is named first
