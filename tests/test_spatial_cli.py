"""``spatial_analysis`` and the ``healthalloc spatial`` command-line contract."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pandas as pd
import pytest

from healthalloc.cli import main
from healthalloc.data import load_china_provinces, load_province_adjacency, load_province_geography
from healthalloc.spatial import moran, province_weights, spatial_analysis

BEDS = "beds_per_1000_people"
FILES = ["moran", "lisa", "kernel_density", "kernel_density_peaks", "sigma_convergence",
         "beta_convergence", "markov", "weights"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("spatial")
    geo = load_province_geography()[["adcode", "centroid_lon", "centroid_lat"]]
    panel = load_china_provinces().merge(geo, left_on="province_code", right_on="adcode")
    paths = {"panel": folder / "provinces.csv", "adjacency": folder / "adjacency.csv",
             "pairs": folder / "pairs.csv"}
    panel.drop(columns="adcode").to_csv(paths["panel"], index=False)
    load_province_adjacency().to_csv(paths["adjacency"], index=False)
    load_province_adjacency()[["adcode_a", "adcode_b"]].to_csv(paths["pairs"], index=False)
    return paths


def run(files, tmp_path, *extra) -> tuple[int, Path]:
    out = tmp_path / "out"
    args = ["spatial", str(files["panel"]), "--value", BEDS, "--unit", "province_code",
            "--by", "year", "--permutations", "99", "--seed", "3", *extra, "-o", str(out)]
    return main(args), out


def test_spatial_analysis_bundles_every_result():
    data = load_china_provinces()
    with pytest.warns(UserWarning, match=r"Hainan \(460000\) to Guangxi \(450000\)"):
        w = province_weights()
    res = spatial_analysis(data, BEDS, w, unit="province_code", by="year", group="region",
                           permutations=99, seed=1)
    alone = moran(data, BEDS, w, unit="province_code", by="year", permutations=99, seed=1)
    pd.testing.assert_series_equal(res.moran.I, alone.I)
    pd.testing.assert_series_equal(res.moran.p_sim, alone.p_sim)
    assert [b.kind for b in res.beta] == ["absolute", "conditional"]
    assert set(res.tables()) == {*FILES, "regional_comparison", "regional_tests", "regional_pairwise"}
    assert "Global Moran's I" in str(res) and "β-convergence" in str(res)


def test_a_cross_section_gives_no_convergence():
    data = load_china_provinces().query("year == 2023")
    with pytest.warns(UserWarning):
        res = spatial_analysis(data, BEDS, province_weights(), unit="province_code", permutations=9)
    assert res.sigma is None and res.markov is None and res.beta == ()
    assert set(res.tables()) == {"moran", "lisa", "kernel_density", "kernel_density_peaks", "weights"}


def test_cli_adjacency_with_nearest_island(files, tmp_path, capsys):
    with pytest.warns(UserWarning, match=r"Hainan \(460000\) to Guangxi \(450000\)"):
        code, out = run(files, tmp_path, "--adjacency", str(files["adjacency"]),
                        "--adjacency-columns", "adcode_a,adcode_b", "--islands", "nearest",
                        "--coords", "centroid_lon,centroid_lat", "--group", "region")
    assert code == 0
    for name in [*FILES, "regional_comparison", "regional_tests", "regional_pairwise"]:
        assert (out / f"{name}.csv").exists(), name
    moran_table = pd.read_csv(out / "moran.csv")
    assert list(moran_table.columns) == ["year", "n", "I", "EI", "seI_norm", "z_norm", "p_norm",
                                         "z_rand", "p_rand", "EI_sim", "seI_sim", "z_sim", "p_sim"]
    assert moran_table.loc[moran_table.year == 2023, "I"].item() == pytest.approx(0.22663, abs=1e-5)
    lisa = pd.read_csv(out / "lisa.csv")
    assert {"unit", "year", "Ii", "p_sim", "quadrant", "cluster"} <= set(lisa.columns) and len(lisa) == 310
    links = pd.read_csv(out / "weights.csv")
    assert links.query("unit == 460000")["neighbor"].tolist() == [450000]
    beta = pd.read_csv(out / "beta_convergence.csv")
    assert beta["kind"].tolist() == ["absolute", "conditional"]
    assert {"beta", "se", "p", "r2", "speed", "half_life"} <= set(beta.columns)
    assert "not significant" in capsys.readouterr().out


def test_cli_island_error_and_drop(files, tmp_path, capsys):
    code, _ = run(files, tmp_path, "--adjacency", str(files["pairs"]), "--islands", "error")
    assert code == 2
    assert "units 460000 have no neighbour" in capsys.readouterr().err
    with pytest.warns(UserWarning, match="islands='drop': units 460000"):
        code, out = run(files, tmp_path, "--adjacency", str(files["pairs"]), "--islands", "drop")
    assert code == 0
    assert (pd.read_csv(out / "moran.csv")["n"] == 30).all()
    assert 460000 not in set(pd.read_csv(out / "lisa.csv")["unit"])


def test_cli_embedded_province_borders(files, tmp_path):
    with pytest.warns(UserWarning, match=r"Hainan \(460000\) to Guangxi \(450000\)"):
        code, out = run(files, tmp_path, "--provinces", "--islands", "nearest")
    assert code == 0
    links = pd.read_csv(out / "weights.csv")
    assert links.query("unit == 460000")["neighbor"].tolist() == [450000]
    assert len(links) == 2 * 68 + 2  # 68 land borders among the 31, both ways, and Hainan–Guangxi


def test_cli_knn_and_band(files, tmp_path):
    code, out = run(files, tmp_path, "--knn", "4", "--coords", "centroid_lon,centroid_lat")
    assert code == 0
    assert pd.read_csv(out / "weights.csv").groupby("unit").size().eq(4).all()
    with pytest.warns(UserWarning, match="islands='nearest'"):
        code, out = run(files, tmp_path, "--band", "900", "--coords", "centroid_lon,centroid_lat",
                        "--islands", "nearest")
    assert code == 0 and (pd.read_csv(out / "moran.csv")["n"] == 31).all()


def test_cli_errors_are_one_line(files, tmp_path, capsys):
    assert run(files, tmp_path, "--knn", "4")[0] == 2
    assert "weights = 'knn' needs coordinates" in capsys.readouterr().err
    assert run(files, tmp_path, "--adjacency", str(files["adjacency"]))[0] == 2
    err = capsys.readouterr().err
    assert "adjacency.csv: the pairs (columns 'adcode_a', 'name_a')" in err
    assert run(files, tmp_path, "--knn", "4", "--coords", "centroid_lon")[0] == 2
    assert "coordinates are two columns, longitude and latitude" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["spatial", str(files["panel"]), "--value", BEDS, "--unit", "province_code",
              "--knn", "4", "--adjacency", "x.csv", "-o", str(tmp_path)])


@pytest.mark.parametrize("module", ["weights", "autocorrelation", "compare", "convergence",
                                    "density", "markov"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"healthalloc.spatial.{module}")
    assert doctest.testmod(mod).failed == 0
