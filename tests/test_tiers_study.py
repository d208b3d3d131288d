"""The study analysis ``tiers`` gives the direct call's numbers, on the study's data or on a
``source`` (a study of cities comparing provinces), grouped by the port provinces it derives;
the port grouping itself against the coast; bad keys refused before any work."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from healthalloc.data import DataError, add_port, load_china_provinces, port_of
from healthalloc.data.regions import PROVINCES
from healthalloc.study import run_study
from healthalloc.tiers import tiers

MEASURES = {"beds": ["hospital_beds", "primary_healthcare_beds"],
            "institutions": ["hospitals", "primary_healthcare_institutions"]}
TIERS = {"type": "tiers", "unit": "province_en", "by": "year", "measures": MEASURES,
         "imbalance": "institutions/beds", "group": "port", "permutations": 499, "seed": 4}


def _sections(study: dict, tmp_path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, tmp_path / "out", progress=False)
    return {sec.name: sec for sec in result.sections}


def _direct() -> object:
    panel = add_port(load_china_provinces(), "province_en")
    return tiers(panel, {k: tuple(v) for k, v in MEASURES.items()}, unit="province_en", by="year",
                 imbalance="institutions/beds", group="port", permutations=499, seed=4)


def test_the_port_provinces_are_the_coast():
    # independent: NBS east (which holds every coastal province but Guangxi) less Beijing, plus Guangxi
    coast = {p.name_en for p in PROVINCES if p.region == "east"} - {"Beijing"} | {"Guangxi"}
    assert {p.name_en for p in PROVINCES if port_of(p.code) == "port"} == coast
    assert len(coast) == 11 and port_of("浙江") == "port" and port_of("安徽") == "inland"  # seed 003, Fig. 4
    with pytest.raises(DataError, match=r"column 'city' has values that are not mainland provinces: 'Ningbo'"):
        add_port(pd.DataFrame({"city": ["Ningbo"]}), "city")


def test_study_on_the_panel_equals_the_direct_call(tmp_path):
    sec = _sections({"data": {"source": "china_provinces"}, "analyses": [TIERS]}, tmp_path)["tiers"]
    res = _direct()
    assert list(sec.tables) == ["shares", "groups", "tests", "trend"]
    pd.testing.assert_frame_equal(sec.tables["shares"], res.to_frame())
    pd.testing.assert_frame_equal(sec.tables["groups"], res.groups)
    pd.testing.assert_frame_equal(sec.tables["tests"], res.tests)
    assert sec.reading == res.reading()
    assert set(sec.figures) == {"beds_bars", "beds_map", "beds_trend", "institutions_bars", "institutions_map",
                                "institutions_trend"}
    assert set(sec.tables["groups"]["group"]) == {"port", "inland"}
    # the pooled port share in 2023, by hand from the panel
    y = add_port(load_china_provinces(), "province_en").query("year == 2023 and port == 'port'")
    share = y["hospital_beds"].sum() / (y["hospital_beds"].sum() + y["primary_healthcare_beds"].sum())
    row = sec.tables["groups"].query("year == 2023 and group == 'port'")
    assert row["beds_high_share"].iloc[0] == pytest.approx(share, rel=1e-12) and row["n"].iloc[0] == 11
    notes = " ".join(sec.notes)
    assert "The data are the study's data set" in notes and "11 coastal" in notes


def test_a_source_replaces_the_studys_data(tmp_path):
    """A study whose data are cities runs tiers on the embedded province panel."""
    study = {"data": {"source": "mobility_cities_synthetic"}, "roles": {"unit": "adcode"},
             "analyses": [TIERS | {"source": "china_provinces"}]}
    sec = _sections(study, tmp_path)["tiers"]
    pd.testing.assert_frame_equal(sec.tables["shares"], _direct().to_frame())
    assert any("The data are real: Health resources of China's 31 mainland provinces" in n for n in sec.notes)


def test_a_source_file_relative_to_the_study_with_occupancy(tmp_path):
    table = pd.DataFrame({"area": ["a", "b", "c", "d"], "hb": [100.0, 80, 60, 40], "pb": [20.0, 40, 60, 80],
                          "oh": [78.2, 90, 85, 70], "op": [52.1, 40, 60, 65], "g": ["x", "x", "y", "y"]})
    table.to_csv(tmp_path / "areas.csv", index=False)
    study = {"data": {"source": "cst_hospitals"},
             "analyses": [{"type": "tiers", "source": "areas.csv", "unit": "area", "measures": {"beds": ["hb", "pb"]},
                           "occupancy": ["oh", "op"], "group": "g", "permutations": 99}]}
    path = tmp_path / "study.toml"
    import tomli_w

    path.write_text(tomli_w.dumps(study), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sec = {s.name: s for s in run_study(path, tmp_path / "out", progress=False).sections}["tiers"]
    np.testing.assert_allclose(sec.tables["shares"]["occupancy_gap"], [26.1, 50, 25, 5], atol=1e-9)
    assert sec.tables["groups"]["occupancy_gap"].tolist() == pytest.approx([38.05, 15.0], abs=1e-9)
    assert "occupancy_bars" in sec.figures and "beds_map" not in sec.figures
    notes = " ".join(sec.notes)
    assert "No share map" in notes and "The data are the file areas.csv" in notes


@pytest.mark.parametrize(("change", "message"), [
    ({"measures": {"beds": ["hospital_beds"]}}, r"measure 'beds' must be two column names"),
    ({"source": "no_such.csv"}, r"'no_such.csv' is neither an embedded data set nor a file"),
    ({"unit": None}, r"group = 'port' groups provinces: set unit"),
    ({"permutations": 0}, r"permutations must be ≥ 1"),
])
def test_bad_keys_are_refused(tmp_path, change, message):
    entry = {k: v for k, v in (TIERS | change).items() if v is not None}
    with pytest.raises(Exception, match=message):
        _sections({"data": {"source": "china_provinces"}, "analyses": [entry]}, tmp_path)
    assert not (tmp_path / "out" / "report.html").exists()
