"""Study analyses ``network`` and ``ergm`` on the SYNTHETIC seed 003 example."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from healthalloc.mobility.synthetic import synthetic_mobility
from healthalloc.study.runner import run_study

EXAMPLE = Path(__file__).parents[1] / "examples" / "seed003.toml"


def test_the_embedded_example_is_the_seeded_generator_output():
    from healthalloc.data.datasets import load_mobility_cities, load_mobility_records

    cities, records = synthetic_mobility()
    pd.testing.assert_frame_equal(load_mobility_records(), records)
    pd.testing.assert_frame_equal(load_mobility_cities(), cities, check_exact=False, rtol=1e-9)


def test_seed003_study_runs_with_model_table_centrality_map_and_gof(tmp_path):
    study = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    ergm_spec = study["analyses"][1]
    ergm_spec["models"] = dict(list(ergm_spec["models"].items())[::2])      # Models 1 and 3
    ergm_spec["nsim"] = 10
    result = run_study(study, tmp_path / "out", progress=False)
    sections = {s.name: s for s in result.sections}
    net, fit = sections["mobility"], sections["ergm"]
    assert set(net.figures) == {"centrality_map"} and set(fit.figures) == {"coefficients", "gof"}
    models = fit.tables["models"].set_index("variable")
    assert list(models.columns) == ["Model 1", "Model 3"]
    assert models.loc["N", "Model 3"] == "337" and models.loc["edgecov.CulProx", "Model 1"] == "–"
    assert float(models.loc["AIC", "Model 3"]) < float(models.loc["AIC", "Model 1"])
    assert models.loc["edgecov.CulProx", "Model 3"].endswith("***")
    assert any("SYNTHETIC" in note for s in (net, fit) for note in s.notes + sum(s.table_notes.values(), []))
    central = net.tables["centrality"]
    assert len(central) == 337 and central["in_degree_std"].between(0, 1).all()
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in report and "Exponential random graph models" in report
    assert (tmp_path / "out" / "figures" / "ergm_gof.png").exists()
