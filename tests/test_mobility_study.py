"""Study analyses ``network`` and ``ergm`` on the SYNTHETIC seed 003 example."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from healthalloc.mobility.synthetic import synthetic_mobility
from healthalloc.study.runner import run_study

EXAMPLE = Path(__file__).parents[1] / "examples" / "seed003.toml"


def test_the_embedded_example_is_the_seeded_generator_output():
    from healthalloc.data.datasets import load_mobility_cities, load_mobility_records

    cities, records = synthetic_mobility()
    pd.testing.assert_frame_equal(load_mobility_records(), records)
    pd.testing.assert_frame_equal(load_mobility_cities(), cities, check_exact=False, rtol=1e-9)


def _spec(study: dict, kind: str) -> dict:
    return next(a for a in study["analyses"] if a["type"] == kind)


def test_seed003_study_runs_with_model_table_centrality_map_and_gof(tmp_path):
    study = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    study["analyses"] = [a for a in study["analyses"] if a["type"] != "tiers"]  # tested in test_tiers_study
    ergm_spec = _spec(study, "ergm")
    ergm_spec["models"] = dict(list(ergm_spec["models"].items())[::2])      # Models 1 and 3
    ergm_spec["nsim"] = 10
    del ergm_spec["networks"]
    result = run_study(study, tmp_path / "out", progress=False)
    sections = {s.name: s for s in result.sections}
    net, fit = sections["mobility"], sections["ergm"]
    assert set(fit.figures) == {"coefficients", "gof"}
    models = fit.tables["models"].set_index("variable")
    assert list(models.columns) == ["Model 1", "Model 3"]
    assert models.loc["N", "Model 3"] == "337" and models.loc["edgecov.CulProx", "Model 1"] == "–"
    aic = models.loc["AIC"].str.replace(",", "").astype(float)  # written with thousands separators (number rule)
    assert aic["Model 3"] < aic["Model 1"] and models.loc["AIC", "Model 3"].count(",") == 1
    assert models.loc["edgecov.CulProx", "Model 3"].endswith("***")
    assert any("SYNTHETIC" in note for s in (net, fit) for note in s.notes + sum(s.table_notes.values(), []))
    central = net.tables["centrality"]
    assert len(central) == 337 and central["in_degree_std"].between(0, 1).all()
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in report and "Exponential random graph models" in report
    assert (tmp_path / "out" / "figures" / "ergm_gof.png").exists()


def test_seed003_network_aligns_in_degree_with_supply_on_prefecture_maps(tmp_path):
    """Seed 003's Figs. 6-7 as numbers: Spearman equals scipy's on the centrality table, the
    bivariate Moran equals moran_bv (itself checked against esda) on the 5 nearest cities."""
    from scipy.stats import spearmanr

    from healthalloc.spatial import spatial_weights
    from healthalloc.spatial.bivariate import moran_bv

    study = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    study["analyses"] = [_spec(study, "network")]
    result = run_study(study, tmp_path / "out", progress=False)
    net = result.sections[0]
    assert {"centrality_map", "in_degree_std_HTH_map", "in_degree_std_PCF_map"} <= set(net.figures)
    found = net.tables["alignment"].set_index("against")
    from healthalloc.data.datasets import load_mobility_cities

    cities = load_mobility_cities().set_index("adcode")
    central = net.tables["centrality"].set_index("node")
    supply = cities.loc[central.index.astype(cities.index.dtype)]
    for column in ("HTH", "PCF"):
        rho, p = spearmanr(central["in_degree_std"].to_numpy(), supply[column].to_numpy())
        assert found.loc[column, "spearman"] == pytest.approx(rho, abs=1e-12)
        assert found.loc[column, "spearman_p"] == pytest.approx(p, rel=1e-9)
        frame = supply.reset_index().assign(in_degree_std=central["in_degree_std"].to_numpy())
        w = spatial_weights(frame, "adcode", "knn", coordinates=["lon", "lat"])
        moran = moran_bv(frame, "in_degree_std", column, w, unit="adcode", permutations=999, seed=1)
        assert found.loc[column, "bivariate_moran"] == pytest.approx(moran.I, abs=1e-12)
        assert found.loc[column, "bivariate_moran_p"] == pytest.approx(moran.p_sim)
    assert found.loc["HTH", "spearman"] > 0.5 > abs(found.loc["PCF", "spearman"])  # the synthetic design
    assert "HTH" in net.reading and "rho" in net.reading


def test_seed003_two_scales_side_by_side(tmp_path):
    study = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    study["analyses"] = [_spec(study, "network"), _spec(study, "ergm")]
    study["analyses"][0].pop("supply"), study["analyses"][0].pop("boundaries")
    ergm_spec = study["analyses"][1]
    ergm_spec["models"] = dict(list(ergm_spec["models"].items())[:1])
    ergm_spec["nsim"] = 5
    result = run_study(study, tmp_path / "out", progress=False)
    fit = result.sections[1]
    models = fit.tables["models"].set_index("variable")
    assert list(models.columns) == ["national: Model 1", "Yangtze delta: Model 1"]
    assert models.loc["N", "Yangtze delta: Model 1"] == "41"
    assert {"gof_1_national", "gof_2_Yangtze_delta"} <= set(fit.figures)
    assert (tmp_path / "out" / "figures" / "ergm_gof_2_Yangtze_delta.png").exists()
