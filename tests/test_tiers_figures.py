"""The tier figures show what they say: paired bars hold each unit's two amounts, the trend
has one line per group through the pooled shares, the share map colours the provinces
present (hatched otherwise), and units that are not provinces get a note instead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthalloc.data import load_china_provinces
from healthalloc.tiers import tiers

BEDS = ("hospital_beds", "primary_healthcare_beds")


@pytest.fixture(scope="module")
def result():
    return tiers(load_china_provinces(), {"beds": BEDS}, unit="province_en", by="year", group="region")


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_figures_offered(result):
    assert list(result.figures()) == ["beds_bars", "beds_map", "beds_trend"]
    alone = tiers(load_china_provinces().query("year == 2023"), {"beds": BEDS}, unit="province_en")
    assert list(alone.figures()) == ["beds_bars", "beds_map"]  # no period: no trend


def test_paired_bars_hold_each_units_two_amounts(result):
    fig = result.figures()["beds_bars"][1]()
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 31
    assert ax.get_legend_handles_labels()[1] == ["high tier", "primary care"]
    y2023 = load_china_provinces().query("year == 2023")
    widths = sorted(round(p.get_width()) for p in ax.patches)
    assert widths == sorted(round(v) for v in y2023[list(BEDS)].to_numpy().ravel())
    assert ax.get_title() == "beds by tier, 2023"
    _close(fig)


def test_trend_has_one_line_per_group_through_the_pooled_shares(result):
    fig = result.figures()["beds_trend"][1]()
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert set(lines) == {"east", "central", "west"}
    for group, line in lines.items():
        rows = result.groups[result.groups["group"] == group].sort_values("year")
        np.testing.assert_allclose(line.get_xdata(), rows["year"])
        np.testing.assert_allclose(line.get_ydata(), rows["beds_high_share"], rtol=1e-12)
    _close(fig)


def _layers(fig) -> dict[str, int]:
    """Paths per layer (values, missing) of the main map."""
    return {c.get_gid(): len(c.get_paths()) for c in fig.axes[0].collections if c.get_gid()}


def test_share_map_colours_the_provinces_present(result):
    fig = result.figures()["beds_map"][1]()
    assert _layers(fig)["values"] == 31 and "missing" not in _layers(fig)
    _close(fig)
    some = load_china_provinces().query("year == 2023").head(17)
    fig = tiers(some, {"beds": BEDS}, unit="province_cn").figures()["beds_map"][1]()
    assert _layers(fig)["values"] == 17 and _layers(fig)["missing"] == 14
    _close(fig)


def test_units_that_are_not_provinces_get_a_note_instead_of_a_map():
    data = pd.DataFrame({"area": ["north", "south"], "h": [3.0, 1.0], "p": [1.0, 1.0],
                         "oh": [90.0, 80.0], "op": [50.0, 45.0]})
    res = tiers(data, {"beds": ("h", "p")}, unit="area", occupancy="oh:op")
    assert list(res.figures()) == ["beds_bars", "occupancy_bars"]
    sec = res.section("tiers", "Tier structure")
    assert any("No share map: the units are not provinces" in note for note in sec.notes)
    ax = sec.figures["occupancy_bars"].axes[0]
    assert sorted(p.get_width() for p in ax.patches) == [45.0, 50.0, 80.0, 90.0]
    assert ax.get_xlabel() == "bed occupancy (%)"
    for fig in sec.figures.values():
        _close(fig)
    provinces = tiers(load_china_provinces().query("year == 2023"), {"beds": BEDS}, unit="province_en")
    assert provinces.section("tiers", "Tier structure").notes == []
