"""Lorenz curves, density ridges and trend lines: the artists drawn and the errors raised."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from healthalloc.data import DataError, UnknownNameError, load_china_provinces
from healthalloc.equity import gini, lorenz
from healthalloc.report.figures import density_ridges, lorenz_curves, trend_lines


@pytest.fixture(scope="module")
def two_years():
    panel = load_china_provinces()
    return panel[panel["year"].isin([2014, 2023])]


def test_lorenz_curves_run_from_origin_to_one_below_equality(two_years):
    points = lorenz(two_years, "medical_health_beds", "permanent_population", by="year", unit="province_en")
    ginis = gini(two_years, "medical_health_beds", "permanent_population", by="year").set_index("year")["gini"]
    ax = lorenz_curves(points, by="year", gini=ginis).axes[0]
    equality, *curves = ax.get_lines()
    assert equality.get_label() == "line of equality"
    assert np.array_equal(equality.get_xydata(), [[0, 0], [1, 1]])
    assert len(curves) == 2
    for line in curves:
        xy = line.get_xydata()
        assert np.allclose(xy[0], [0, 0]) and np.allclose(xy[-1], [1, 1])
        assert (xy[:, 1] <= xy[:, 0] + 1e-12).all() and (np.diff(xy[:, 0]) >= 0).all()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["line of equality", f"2014 (G = {ginis[2014]:.3f})", f"2023 (G = {ginis[2023]:.3f})"]
    assert ax.get_xlabel() == "cumulative share of population" and ax.get_title() == "Lorenz curves"


def test_lorenz_adds_the_origin_and_checks_the_shares():
    points = pd.DataFrame({"p": [0.5, 1.0], "r": [0.2, 1.0]})
    ax = lorenz_curves(points, x="p", y="r", gini=0.3).axes[0]
    assert ax.get_lines()[1].get_xydata().tolist() == [[0, 0], [0.5, 0.2], [1, 1]]
    assert ax.get_lines()[1].get_label() == "Lorenz curve (G = 0.300)"
    with pytest.raises(DataError, match=r"ends at \(1, 0\.9\), not \(1, 1\); pass cumulative shares"):
        lorenz_curves(pd.DataFrame({"p": [0.5, 1.0], "r": [0.2, 0.9]}), x="p", y="r")
    with pytest.raises(DataError, match=r"for 2 must be cumulative shares in \[0, 1\]"):
        lorenz_curves(pd.DataFrame({"p": [0.5, 1.0, 50, 100], "r": [0.2, 1, 20, 100], "t": [1, 1, 2, 2]}),
                      x="p", y="r", by="t")
    with pytest.raises(UnknownNameError, match="unknown column 'share'"):
        lorenz_curves(points, x="share", y="r")


def test_density_ridges_one_ridge_per_period_on_one_scale():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"year": np.repeat([2021, 2022, 2023], 40), "efficiency": rng.beta(5, 2, 120)})
    frame.loc[3, "efficiency"] = np.nan
    ax = density_ridges(frame, "efficiency", "year", xlabel="efficiency score").axes[0]
    ridges = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(ridges) == 3 and len(ax.get_lines()) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2021", "2022", "2023"]
    assert ax.get_xlabel() == "efficiency score" and ax.get_ylabel() == "year"
    # each ridge is a density on the same scale: equal areas above its baseline
    areas = [np.trapezoid(line.get_ydata() - i, line.get_xdata()) for i, line in enumerate(ax.get_lines())]
    assert np.allclose(areas, areas[0], rtol=0.01)
    assert [line.get_ydata().min() for line in ax.get_lines()] == pytest.approx([0, 1, 2], abs=1e-3)


def test_density_ridges_need_two_distinct_values_per_period():
    frame = pd.DataFrame({"year": [1, 1, 2, 2, 3], "v": [0.5, 0.6, 0.7, 0.7, 0.1]})
    with pytest.raises(DataError, match="at least two distinct values per period; year 2 and 3 have fewer"):
        density_ridges(frame, "v", "year")


def test_trend_lines_per_index_with_a_reference_line():
    frame = pd.DataFrame({
        "transition": ["2014→2015", "2015→2016", "2016→2017"],
        "tfpch": [1.02, 0.98, 1.05], "effch": [1.0, 0.97, 1.01], "techch": [1.02, 1.01, 1.04],
    }).set_index("transition")
    ax = trend_lines(frame, "transition", ["tfpch", "effch", "techch"], reference=1).axes[0]
    reference, *lines = ax.get_lines()
    assert list(reference.get_ydata()) == [1, 1]
    assert [line.get_label() for line in lines] == ["tfpch", "effch", "techch"]
    assert lines[0].get_ydata().tolist() == [1.02, 0.98, 1.05]
    assert [t.get_text() for t in ax.figure.legends[0].get_texts()] == ["tfpch", "effch", "techch"]
    assert ax.get_title() == "tfpch, effch, techch by transition" and ax.get_ylabel() == "value"


def test_trend_lines_per_group_sorted_by_year():
    frame = pd.DataFrame({"year": [2015, 2014, 2014, 2015], "region": ["east", "east", "west", "west"],
                          "efficiency": [0.8, 0.7, 0.5, 0.6]})
    ax = trend_lines(frame, "year", "efficiency", "region", ylabel="mean efficiency").axes[0]
    east, west = ax.get_lines()
    assert (east.get_label(), west.get_label()) == ("east", "west")
    assert east.get_xdata().tolist() == [2014, 2015] and east.get_ydata().tolist() == [0.7, 0.8]
    assert ax.get_ylabel() == "mean efficiency" and ax.get_xlabel() == "year"
    with pytest.raises(DataError, match=r"repeated year: 2015 and 2014; give one row per x and group"):
        trend_lines(frame, "year", "efficiency")
