"""The ``healthalloc ergm`` and ``healthalloc network`` command-line contracts."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import reference

from healthalloc.cli import main

NET = reference("network")
FIRST = ["term", "estimate", "std_error", "z", "p_value", "stars"]
MESA = ("edges + nodefactor('Grade') + nodematch(Grade, diff=T) + nodefactor('Race') "
        "+ nodematch('Race', diff=TRUE)")


def warned(argv: list[str], capsys) -> tuple[int, str]:
    """Exit code of ``healthalloc ARGV`` and its warnings, whether printed on stderr or recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(argv)
    return code, capsys.readouterr().err + "".join(f"warning: {w.message}\n" for w in caught)


def ergm_cli(name: str, formula: str, out: Path, *extra: str) -> int:
    return main(["ergm", "--nodes", str(NET / f"{name}_nodes.csv"), "--edges", str(NET / f"{name}_edges.csv"),
                 "--formula", formula, *extra, "-o", str(out)])


def test_coefficients_and_fit_json_as_documented(tmp_path, capsys):
    out = tmp_path / "mesa.csv"
    code, messages = warned(["ergm", "--nodes", str(NET / "faux_mesa_high_nodes.csv"), "--edges",
                             str(NET / "faux_mesa_high_edges.csv"), "--formula", MESA, "-o", str(out)], capsys)
    assert code == 0
    assert "warning: observed statistic(s) nodematch.Race.Black, nodematch.Race.Other are at their " \
           "smallest attainable values" in messages
    table = pd.read_csv(out)
    assert list(table.columns[:6]) == FIRST
    expected = pd.read_csv(NET / "ergm_vignette_expected_fits.csv")
    expected = expected[expected["network_file"] == "faux_mesa_high"]
    assert list(table["term"]) == list(expected["term"])
    np.testing.assert_allclose(table["estimate"], expected["estimate"], atol=1e-4)
    black = table.set_index("term").loc["nodematch.Race.Black"]
    assert black["estimate"] == -math.inf and black["std_error"] == 0
    assert "-inf" in out.read_text()
    info = json.loads((tmp_path / "mesa.fit.json").read_text())
    assert {"loglik", "aic", "bic", "nobs", "n_nodes", "method"} <= set(info)
    assert info["method"] == "MLE" and info["nobs"] == 205 * 204 // 2 and info["n_nodes"] == 205
    assert info["aic"] == pytest.approx(1836, abs=0.5)
    assert info["bic"] == pytest.approx(info["aic"] + 19 * (np.log(info["nobs"]) - 2))


def test_edgecov_matrix_is_matched_by_id_in_any_order(tmp_path):
    nodes = pd.read_csv(NET / "florentine_marriage_nodes.csv")
    wealth = nodes["wealth"].to_numpy(float)
    order = np.random.default_rng(1).permutation(len(nodes))
    matrix = pd.DataFrame(np.add.outer(wealth, wealth)[np.ix_(order, order)],
                          columns=nodes["id"].to_numpy()[order])
    matrix.insert(0, "", nodes["id"].to_numpy()[order])
    matrix.to_csv(tmp_path / "sum.csv", index=False)
    assert ergm_cli("florentine_marriage", "edges + edgecov('W')", tmp_path / "a.csv",
                    "--edgecov", f"W={tmp_path / 'sum.csv'}") == 0
    assert ergm_cli("florentine_marriage", "edges + nodecov(wealth)", tmp_path / "b.csv") == 0
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert list(a["term"]) == ["edges", "edgecov.W"]
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-10)


def test_every_edge_row_is_a_tie_whatever_its_weight(tmp_path):
    edges = pd.read_csv(NET / "florentine_marriage_edges.csv").assign(weight=0)
    edges.to_csv(tmp_path / "edges.csv", index=False)
    assert main(["ergm", "--nodes", str(NET / "florentine_marriage_nodes.csv"), "--edges", str(tmp_path / "edges.csv"),
                 "--formula", "edges", "-o", str(tmp_path / "fit.csv")]) == 0
    assert pd.read_csv(tmp_path / "fit.csv")["estimate"][0] == pytest.approx(np.log(20 / 100))


def test_mcmle_with_a_seed_is_reproducible(tmp_path):
    args = ("--directed", "--seed", "3", "--sample-size", "128", "--interval", "60")
    assert ergm_cli("sampson_samplk3", "edges + mutual", tmp_path / "a.csv", *args) == 0
    assert ergm_cli("sampson_samplk3", "edges + mutual", tmp_path / "b.csv", *args) == 0
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert list(a.columns[:6]) == FIRST and list(a["term"]) == ["edges", "mutual"]
    pd.testing.assert_frame_equal(a, b)
    assert json.loads((tmp_path / "a.fit.json").read_text())["method"] == "MCMLE"


@pytest.mark.parametrize("formula, message", [
    ("edges + nodeicovv(HTH)", "did you mean 'nodeicov'"),
    ("edges + nodecov('income')", "no node attribute 'income'"),
    ("edges + edgecov(dist)", "no dyadic covariate 'dist'"),
])
def test_bad_formulas_end_in_one_error_line(tmp_path, capsys, formula, message):
    assert ergm_cli("florentine_marriage", formula, tmp_path / "x.csv") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and message in err[0]
    assert not (tmp_path / "x.csv").exists()


def test_wrong_shape_matrix_and_unknown_ids_are_errors(tmp_path, capsys):
    pd.DataFrame({"id": [1, 2], "1": [0, 1], "2": [1, 0]}).to_csv(tmp_path / "m.csv", index=False)
    assert ergm_cli("florentine_marriage", "edges + edgecov(M)", tmp_path / "x.csv",
                    "--edgecov", f"M={tmp_path / 'm.csv'}") == 2
    assert "m.csv: covariate 'M' is 2 × 2 for 16 nodes" in capsys.readouterr().err
    pd.DataFrame({"from": [1, 99], "to": [2, 3]}).to_csv(tmp_path / "e.csv", index=False)
    assert main(["ergm", "--nodes", str(NET / "florentine_marriage_nodes.csv"), "--edges", str(tmp_path / "e.csv"),
                 "--formula", "edges", "-o", str(tmp_path / "x.csv")]) == 2
    assert "e.csv: 1 id(s) in the edge table are not nodes: 99" in capsys.readouterr().err


def test_network_build_and_centrality(tmp_path, capsys):
    nodes = pd.DataFrame({"city": ["A", "B", "C", "D"], "lon": [0.0, 1, 0, 3], "lat": [0.0, 0, 2, 3],
                          "dialect": ["wu", "wu", "min", "min"]})
    records = pd.DataFrame({"person": range(9), "from": list("AAABBCCDA"), "to": list("BBCACABBA")})
    nodes.to_csv(tmp_path / "cities.csv", index=False)
    records.to_csv(tmp_path / "records.csv", index=False)
    code, messages = warned(["network", "build", str(tmp_path / "records.csv"), "--origin", "from",
                             "--destination", "to", "--nodes", str(tmp_path / "cities.csv"), "--coords", "lon,lat",
                             "--same-category", "dialect", "--binarize", "threshold", "--value", "2",
                             "-o", str(tmp_path / "net")], capsys)
    assert code == 0
    assert "warning: dropped 1 record(s) whose origin equals the destination" in messages
    flows = pd.read_csv(tmp_path / "net" / "flows.csv")
    assert flows.set_index(["from", "to"])["weight"].to_dict() == {
        ("A", "B"): 2, ("A", "C"): 1, ("B", "A"): 1, ("B", "C"): 1, ("C", "A"): 1, ("C", "B"): 1, ("D", "B"): 1}
    edges = pd.read_csv(tmp_path / "net" / "edges.csv")
    assert edges[["from", "to"]].values.tolist() == [["A", "B"]]
    geo = pd.read_csv(tmp_path / "net" / "geoprox.csv", index_col=0)
    assert geo.loc["A", "B"] == 1.0 and geo.loc["A", "C"] == 0.5
    same = pd.read_csv(tmp_path / "net" / "same_dialect.csv", index_col=0)
    assert same.loc["A", "B"] == 1 and same.loc["A", "C"] == 0 and same.loc["A", "A"] == 0
    out = tmp_path / "centrality.csv"
    assert main(["network", "centrality", "--nodes", str(tmp_path / "net" / "nodes.csv"),
                 "--edges", str(tmp_path / "net" / "flows.csv"), "--directed", "-o", str(out)]) == 0
    cent = pd.read_csv(out).set_index("node")
    assert cent.loc["B", "in_degree"] == 3 and cent.loc["B", "in_degree_std"] == 1.0
    assert cent.loc["B", "in_strength"] == 4
    assert cent["pagerank"].sum() == pytest.approx(1)


@pytest.mark.parametrize("command", [["ergm"], ["network"], ["network", "build"], ["network", "centrality"]])
def test_help_has_an_example(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "example" in capsys.readouterr().out
