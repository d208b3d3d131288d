"""Study analyses access, capacity, location and scenario: a small study on seeded files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthalloc.study import run_study


@pytest.fixture
def study(tmp_path: Path) -> dict:
    rng = np.random.default_rng(4)
    n = 150
    pd.DataFrame({"town": np.arange(n), "people": rng.integers(1000, 50000, n),
                  "x": rng.uniform(107, 109, n), "y": rng.uniform(22, 24, n)}).to_csv(tmp_path / "towns.csv", index=False)
    pd.DataFrame({"id": [f"h{k}" for k in range(12)], "beds": rng.integers(50, 800, 12).astype(float),
                  "lon": rng.uniform(107, 109, 12), "lat": rng.uniform(22, 24, 12)}).to_csv(tmp_path / "hosp.csv",
                                                                                           index=False)
    pd.DataFrame({"id": [f"c{k}" for k in range(25)], "lon": rng.uniform(107, 109, 25),
                  "lat": rng.uniform(22, 24, 25)}).to_csv(tmp_path / "cand.csv", index=False)
    sites = {"supply": str(tmp_path / "hosp.csv"), "capacity": "beds"}
    return {
        "study": {"title": "access test"},
        "data": {"source": str(tmp_path / "towns.csv")},
        "roles": {"unit": "town", "population": "people", "coordinates": ["x", "y"]},
        "analyses": [
            {"type": "access", **sites, "method": "e2sfca", "catchment": 50.0},
            {"type": "capacity", **sites, "method": "2sfca", "catchment": 50.0},
            {"type": "location", "candidates": str(tmp_path / "cand.csv"), "existing": str(tmp_path / "hosp.csv"),
             "model": "mclp", "p": 3, "radius": 20.0},
            {"type": "scenario", **sites,
             "candidates": str(tmp_path / "cand.csv"), "method": "2sfca", "catchment": 50.0, "p": 2,
             "radius": 20.0, "added": 500.0},
        ],
    }


def test_study_runs_every_access_analysis(study, tmp_path):
    folder = tmp_path / "out"
    with pytest.warns(UserWarning):
        result = run_study(study, folder, progress=False)
    names = {p.name for p in (folder / "tables").iterdir()}
    assert {"access_access.csv", "access_summary.csv", "capacity_before_after.csv", "capacity_allocation.csv",
            "location_candidates.csv", "location_summary.csv", "scenario_before_after.csv"} <= names
    figures = {p.name for p in (folder / "figures").iterdir()}
    assert {"access_map.png", "capacity_map_after.png", "location_map.png", "scenario_map_change.png"} <= figures
    before_after = pd.read_csv(folder / "tables" / "capacity_before_after.csv").set_index("measure")
    assert before_after.loc["gini", "after"] < before_after.loc["gini", "before"]
    assert pd.read_csv(folder / "tables" / "location_candidates.csv")["selected"].sum() == 3
    assert "Spatial accessibility" in (folder / "report.html").read_text(encoding="utf-8")
    assert len(result.sections) == 4


def test_synthetic_supply_is_flagged():
    from healthalloc.study.analyses_access import _source
    from healthalloc.study.registry import Context

    table, synthetic = _source(Context("x", pd.DataFrame(), {}, {}), "china_facilities_synthetic")
    assert synthetic and "beds" in table.columns
    assert not _source(Context("x", pd.DataFrame(), {}, {}), "china_cities")[1]
