"""A result presents itself from one place: the study section's reading, the line the command
line prints last and the result's own ``reading()`` are the same text."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from healthalloc.access import accessibility
from healthalloc.cli import main
from healthalloc.data import load_china_provinces, load_deap_eg4
from healthalloc.efficiency import dea, malmquist
from healthalloc.equity import equity
from healthalloc.spatial import province_weights, spatial_analysis
from healthalloc.study import run_study

EQUITY = {"resource": "medical_health_beds", "population": "permanent_population", "group": "region"}


def _files(folder) -> dict:
    """The CSV files the cases read: a DEA panel, two provinces' years, towns and hospitals."""
    rng = np.random.default_rng(4)
    tables = {
        "firms": load_deap_eg4(),
        "provinces": load_china_provinces().query("year >= 2021"),
        "towns": pd.DataFrame({"id": np.arange(80), "population": rng.integers(1000, 50000, 80),
                               "lon": rng.uniform(107, 109, 80), "lat": rng.uniform(22, 24, 80)}),
        "hospitals": pd.DataFrame({"id": [f"h{k}" for k in range(8)], "capacity": rng.integers(50, 800, 8),
                                   "lon": rng.uniform(107, 109, 8), "lat": rng.uniform(22, 24, 8)}),
    }
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return {name: folder / f"{name}.csv" for name in tables}


CASES = {
    "dea": ("firms", {"unit": "firm", "period": "year", "inputs": ["x"], "outputs": ["y"]},
            {"type": "dea", "rts": "vrs"},
            ["dea", "{firms}", "--unit", "firm", "--by", "year", "--inputs", "x", "--outputs", "y", "--rts", "vrs",
             "--quiet"],
            lambda f: dea(f["firms"], ["x"], ["y"], unit="firm", by="year", rts="vrs")),
    "malmquist": ("firms", {"unit": "firm", "period": "year", "inputs": ["x"], "outputs": ["y"]},
                  {"type": "malmquist"},
                  ["malmquist", "{firms}", "--unit", "firm", "--period", "year", "--inputs", "x", "--outputs", "y",
                   "--quiet"],
                  lambda f: malmquist(f["firms"], ["x"], ["y"], unit="firm", by="year")),
    "equity": ("provinces", {"unit": "province_en", "period": "year"}, {"type": "equity", **EQUITY},
               ["equity", "{provinces}", *(f"--{k}={v}" for k, v in EQUITY.items()), "--by", "year",
                "--unit", "province_en", "-o", "{tmp}/equity.csv"],
               lambda f: equity(f["provinces"], **EQUITY, by="year", unit="province_en")),
    "spatial": ("provinces", {"unit": "province_code", "period": "year"},
                {"type": "spatial", "value": "beds_per_1000_people", "permutations": 99},
                ["spatial", "{provinces}", "--value", "beds_per_1000_people", "--unit", "province_code", "--by",
                 "year", "--provinces", "--permutations", "99", "-o", "{tmp}/spatial"],
                lambda f: spatial_analysis(f["provinces"], "beds_per_1000_people",
                                           province_weights(islands="nearest"), unit="province_code", by="year",
                                           permutations=99)),
    "access": ("towns", {"unit": "id", "population": "population", "coordinates": ["lon", "lat"]},
               {"type": "access", "supply": "{hospitals}", "method": "e2sfca", "catchment": 50.0},
               ["access", "--demand", "{towns}", "--supply", "{hospitals}", "--method", "e2sfca", "--catchment", "50",
                "-o", "{tmp}/access.csv"],
               lambda f: accessibility(f["towns"], f["hospitals"], method="e2sfca", catchment=50.0)),
}


@pytest.mark.parametrize("kind", CASES)
def test_study_cli_and_result_read_the_same(kind, tmp_path, capsys):
    source, roles, analysis, argv, call = CASES[kind]
    paths = {name: str(path) for name, path in _files(tmp_path).items()}
    fill = {**paths, "tmp": str(tmp_path)}
    study = {"study": {"title": kind}, "data": {"source": paths[source]}, "roles": roles,
             "analyses": [{k: v.format(**fill) if isinstance(v, str) else v for k, v in analysis.items()}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # five firms, Hainan's nearest neighbour, ...
        [section] = run_study(study, tmp_path / "out", progress=False).sections
        result = call({name: pd.read_csv(path) for name, path in paths.items()})
        capsys.readouterr()
        assert main([a.format(**fill) for a in argv]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert section.reading == result.reading() == printed
    assert set(section.figures) == set(result.figures())  # the same choice of figures
