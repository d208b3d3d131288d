"""Trust in 'healthalloc network' (and the networks 'healthalloc ergm' reads): bad and
degenerate files give one error or warning line naming the file at fault; weights,
repeated edges, covariates and coordinates follow one rule each; the printed summary is
computed from what is written."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import assert_refused, assert_warns, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data.validate import DataError
from healthalloc.mobility import Network, centrality, network_from_edges, read_network

BUILD = ["network", "build", "r.csv", "--origin", "origin", "--destination", "destination"]
CENTRALITY = ["network", "centrality", "--nodes", "n.csv", "--edges", "e.csv"]


def _write(name: str, **columns) -> None:
    pd.DataFrame(columns).to_csv(name, index=False)


@pytest.fixture
def files(user):
    """n.csv: nodes a, b, c with coordinates and a zone; e.csv: a→b (1), b→c (2);
    r.csv: five records a→b, a→b, b→c, c→a, a→c."""
    _write("n.csv", id=["a", "b", "c"], x=[0.0, 3.0, 0.0], y=[0.0, 4.0, 1.0], zone=["n", "n", "s"])
    _write("e.csv", **{"from": ["a", "b"], "to": ["b", "c"], "weight": [1.0, 2.0]})
    _write("r.csv", person=range(5), origin=list("aabca"), destination=list("bbcac"))
    return user


# ---- bad files: one error line naming the file that holds the problem

REFUSED = {
    "inf weight": (CENTRALITY, {"e.csv": {"weight": [1, np.inf]}},
                   r"^error: e\.csv: weight must be finite numbers ≥ 0; not at row 2 \(inf\)$"),
    "negative weight": (CENTRALITY, {"e.csv": {"weight": [1, -2]}}, r"e\.csv: weight must be .*not at row 2 \(-2\)"),
    "text weight": (CENTRALITY, {"e.csv": {"weight": [1, "many"]}}, r"e\.csv: weight .*row 2 \('many'\)"),
    "inf survey weight": (BUILD + ["--weight", "w", "-o", "out"], {"r.csv": {"w": [np.inf, 1, 1, 1, 1]}},
                          r"r\.csv: w must be finite numbers ≥ 0; not at row 1 \(inf\)"),
    "repeated node ids (centrality)": (CENTRALITY, {"n.csv": {"id": ["a", "b", "a"]}},
                                       r"^error: n\.csv: repeated node ids a; ids must be unique$"),
    "repeated node ids (build)": (BUILD + ["--nodes", "n.csv", "-o", "out"], {"n.csv": {"id": ["a", "b", "a"]}},
                                  r"^error: n\.csv: repeated node ids a"),
    "missing node id": (CENTRALITY, {"n.csv": {"id": ["a", None, "c"]}}, r"^error: n\.csv: id is missing at row 2"),
    "edge to an unknown node": (CENTRALITY, {"e.csv": {"to": ["b", "z"]}},
                                r"^error: e\.csv: 1 id\(s\) in the edge table are not nodes: z"),
    "record of an unknown node": (BUILD + ["--nodes", "n.csv", "-o", "out"],
                                  {"r.csv": {"origin": list("aabcz")}},
                                  r"^error: r\.csv: 1 id\(s\) in the records are not nodes: z"),
    "edge with one end": (CENTRALITY, {"e.csv": {"to": ["b", None]}}, r"^error: e\.csv: missing from/to in row 2"),
    "self-loop edge": (CENTRALITY, {"e.csv": {"to": ["a", "c"]}}, r"e\.csv: 1 self-loop\(s\) .*a→a"),
    "latitude 200 in degrees": (BUILD + ["--nodes", "n.csv", "--coords", "x,y", "--metric", "great_circle",
                                         "-o", "out"], {"n.csv": {"y": [0.0, 200.0, 1.0]}},
                                r"^error: n\.csv: y must lie in \[−90, 90\] degrees; not at id 'b' \(200\)"),
    "longitude 181 in degrees": (BUILD + ["--nodes", "n.csv", "--coords", "x,y", "--metric", "great_circle",
                                          "-o", "out"], {"n.csv": {"x": [0.0, 181.0, 1.0]}},
                                 r"n\.csv: x must lie in \[−180, 180\]"),
    "coordinate not a number": (BUILD + ["--nodes", "n.csv", "--coords", "x,y", "-o", "out"],
                                {"n.csv": {"y": [0.0, "north", 1.0]}},
                                r"^error: n\.csv: y must be finite numbers; not at id 'b' \('north'\)"),
    "two nodes at one place": (BUILD + ["--nodes", "n.csv", "--coords", "x,y", "-o", "out"],
                               {"n.csv": {"x": [0.0, 0.0, 5.0], "y": [1.0, 1.0, 5.0]}},
                               r"^error: n\.csv: nodes 'a' and 'b' are at the same place"),
    "unknown coordinate column": (BUILD + ["--nodes", "n.csv", "--coords", "x,lat", "-o", "out"], {},
                                  r"^error: n\.csv: unknown column 'lat'"),
    "missing category": (BUILD + ["--nodes", "n.csv", "--same-category", "zone", "-o", "out"],
                         {"n.csv": {"zone": ["n", None, "s"]}},
                         r"^error: n\.csv: node attribute 'zone' is missing for 1 node\(s\): 'b'"),
    "coordinates without nodes": (BUILD + ["--coords", "x,y", "-o", "out"], {},
                                  r"--coords and --same-category name columns of the node table"),
    "records without rows nor nodes": (BUILD + ["-o", "out"], {"r.csv": "header"},
                                       r"^error: r\.csv: no rows, and no node table"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_files_are_refused_naming_the_file(files, capsys, case):
    argv, changes, message = REFUSED[case]
    for name, columns in changes.items():
        frame = pd.read_csv(name)
        if columns == "header":
            frame = frame.iloc[:0]
        else:
            for column, values in columns.items():
                frame[column] = values
        frame.to_csv(name, index=False)
    assert_refused(argv, message, files, capsys)
    assert not (files / "out").exists()


def test_asymmetric_edge_covariate_is_refused_for_an_undirected_ergm(files, capsys):
    _write("m.csv", id=["a", "b", "c"], a=[0, 1, 2], b=[1, 0, 3], c=[2, 5, 0])
    assert_refused(["ergm", "--nodes", "n.csv", "--edges", "e.csv", "--edgecov", "M=m.csv", "--formula",
                    "edges + edgecov(M)"],
                   r"^error: m\.csv: covariate 'M' is not symmetric: \(b, c\) is 5 but \(c, b\) is 3", files, capsys)


# ---- degenerate files: one warning naming the file, results as documented

def test_repeated_edges_are_one_summed_flow(files, capsys):
    _write("e.csv", **{"from": ["a", "a", "b"], "to": ["b", "b", "c"], "weight": [1.0, 2.5, 2.0]})
    assert_warns(CENTRALITY + ["--directed", "-o", "c.csv"],
                 r"^warning: e\.csv: 1 pair\(s\) are listed in more than one row: a→b; each is summed into one "
                 r"flow$", files, capsys)
    table = pd.read_csv("c.csv").set_index("node")
    assert table.loc["b", "in_strength"] == 3.5 and table.loc["b", "in_degree"] == 1


def test_an_undirected_pair_listed_both_ways_is_one_flow(files, capsys):
    _write("e.csv", **{"from": ["a", "b", "b"], "to": ["b", "a", "c"], "weight": [1.0, 4.0, 2.0]})
    assert_warns(CENTRALITY + ["-o", "c.csv"], r"^warning: e\.csv: 1 pair\(s\) .* \(in either order\): a–b; each "
                 r"is summed", files, capsys)
    table = pd.read_csv("c.csv").set_index("node")
    assert table.loc["a", "in_strength"] == 5 and table.loc["a", "in_degree"] == 1


def test_an_ergm_keeps_one_tie_for_a_repeated_edge(files, capsys):
    _write("e.csv", **{"from": ["a", "a", "b"], "to": ["b", "b", "c"]})
    assert_warns(["ergm", "--nodes", "n.csv", "--edges", "e.csv", "--directed", "--formula", "edges",
                  "-o", "fit.csv"], r"^warning: e\.csv: 1 pair\(s\) .*: a→b; each is one tie$", files, capsys)
    estimate = pd.read_csv("fit.csv").set_index("term").loc["edges", "estimate"]
    assert estimate == pytest.approx(math.log(2 / 4), abs=1e-6)          # 2 ties of 6 dyads: logit(2 / 6)


def test_header_only_edges_warn_and_give_defined_centrality(files, capsys):
    _write("e.csv", **{"from": [], "to": []})
    assert_warns(CENTRALITY + ["-o", "c.csv"], r"^warning: e\.csv: no rows: the network has no ties", files, capsys)
    table = pd.read_csv("c.csv")
    assert not table.isna().any().any()
    assert (table["in_strength_share"] == 0).all() and table["pagerank"].tolist() == pytest.approx([1 / 3] * 3)


def test_header_only_records_with_nodes_warn_and_write_an_empty_network(files, capsys):
    _write("r.csv", person=[], origin=[], destination=[])
    out, _ = assert_warns(BUILD + ["--nodes", "n.csv", "-o", "out"], r"^warning: r\.csv: no rows", files, capsys)
    assert pd.read_csv("out/flows.csv").empty and pd.read_csv("out/edges.csv").empty
    assert _printed(out) == {"flows": (3, 0, 0.0, 3), "ties": (3, 0, 0.0, 3)}


def test_ids_keep_their_written_form_in_the_files(files, capsys):
    _write("n.csv", id=["01", "1", "2"])
    _write("e.csv", **{"from": ["01", "1"], "to": ["2", "2"]})
    code, _, err = run_cli(CENTRALITY + ["--directed", "-o", "c.csv"], capsys)
    assert code == 0, err
    table = pd.read_csv("c.csv", dtype={"node": str}).set_index("node")
    assert list(table.index) == ["01", "1", "2"] and table.loc["2", "in_degree"] == 2
    _write("e.csv", **{"from": ["001"], "to": ["2"]})
    assert_refused(CENTRALITY, r"^error: e\.csv: 1 id\(s\) in the edge table are not nodes: 001", files, capsys)


def test_a_file_read_twice_for_its_ids_warns_once(files, capsys):
    pd.read_csv("n.csv").to_csv("n.csv", index=False, sep=";")
    assert_warns(CENTRALITY + ["-o", "c.csv"], r"^warning: n\.csv: read with semicolons", files, capsys)


def test_projected_coordinates_need_no_degrees(files, capsys):
    _write("n.csv", id=["a", "b", "c"], x=[500_000.0, 503_000.0, 500_000.0], y=[3_400_000.0, 3_404_000.0,
                                                                              3_401_000.0])
    code, _, err = run_cli(BUILD + ["--nodes", "n.csv", "--coords", "x,y", "-o", "out"], capsys)
    assert code == 0, err
    geo = pd.read_csv("out/geoprox.csv", index_col=0)
    assert geo.loc["a", "b"] == pytest.approx(1 / 5000) and geo.loc["a", "c"] == pytest.approx(1 / 1000)


# ---- C. the printed summary is what was written

def _printed(out: str) -> dict[str, tuple[int, int, float, int]]:
    """(nodes, ties, total_flow, isolates) of the printed 'flows' and 'ties' rows."""
    rows = re.findall(r"^\s*(flows|ties) \(\w+\.csv\)\s+(\d+)\s+(\d+)\s+(?:True|False)\s+\S+\s+(\S+)\s+(\d+)\s*$",
                      out, re.M)
    return {name: (int(n), int(ties), float(total), int(iso)) for name, n, ties, total, iso in rows}


def _written(folder) -> dict[str, tuple[int, int, float, int]]:
    """The same figures computed from the written files (isolates: nodes in no row)."""
    nodes = pd.read_csv(folder / "nodes.csv")
    out = {}
    for name, file in (("flows", "flows.csv"), ("ties", "edges.csv")):
        table = pd.read_csv(folder / file)
        used = set(table["from"]) | set(table["to"])
        out[name] = (len(nodes), len(table), float(table["weight"].sum()), int((~nodes["id"].isin(used)).sum()))
    return out


@pytest.mark.parametrize("extra", [[], ["--binarize", "threshold", "--value", "2"], ["--binarize", "top_k",
                                   "--value", "1"], ["--binarize", "quantile", "--value", "0.5"], ["--undirected"]])
def test_printed_figures_equal_the_files(files, capsys, extra):
    code, out, err = run_cli(BUILD + ["--nodes", "n.csv", *extra, "-o", "out"], capsys)
    assert code == 0, err
    assert _printed(out) == _written(files / "out")
    assert _printed(out)["flows"][2] == 5.0                                # five records


def test_printed_figures_of_the_embedded_records(user, capsys):
    from healthalloc.data.datasets import load_mobility_records

    load_mobility_records().to_csv("r.csv", index=False)
    code, out, err = run_cli(BUILD + ["--binarize", "top_k", "--value", "5", "-o", "out"], capsys)
    assert code == 0, err
    printed = _printed(out)
    assert printed == _written(user / "out")
    assert printed["flows"][2] == 10_000 and printed["ties"][1] < printed["flows"][1]


# ---- the rules in the library

@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from("abcde"), st.integers(0, 9)), min_size=1,
                max_size=25), st.booleans())
def test_repeated_pairs_are_summed_and_warned_about(rows, directed):
    edges = pd.DataFrame(rows, columns=["from", "to", "w"])
    edges = edges[edges["from"] != edges["to"]]
    key = edges[["from", "to"]] if directed else pd.DataFrame(np.sort(edges[["from", "to"]].to_numpy(), axis=1),
                                                              columns=["from", "to"], index=edges.index)
    expected = edges.groupby([key["from"], key["to"]])["w"].sum()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if edges.empty:
            with pytest.raises(DataError, match="edges: no rows, and no node table"):
                network_from_edges(edges, weight="w", directed=directed)
            return
        net = network_from_edges(edges, weight="w", directed=directed)
        binary = network_from_edges(edges, directed=directed, weighted=False)
    said = [str(w.message) for w in caught if "more than one row" in str(w.message)]
    assert len(said) == (2 if key.duplicated().any() else 0)
    got = net.edges().set_index(["from", "to"])["weight"]
    assert got.to_dict() == expected[expected > 0].to_dict()
    assert set(binary.edges().itertuples(index=False)) == {(f, t, 1.0) for f, t in expected.index}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=12, max_size=12),
       st.sampled_from([("any", None), ("threshold", 5), ("top_k", 2), ("quantile", 0.5)]), st.booleans())
def test_binarized_flows_are_the_flows_of_the_ties(values, rule, directed):
    pairs = [(f, t) for f in "abcd" for t in "abcd" if f != t]
    edges = pd.DataFrame(pairs, columns=["from", "to"]).assign(w=values)
    edges = edges if directed else edges[edges["from"] < edges["to"]]
    net = network_from_edges(edges, pd.DataFrame({"id": list("abcd")}), weight="w", directed=directed)
    ties, kept = net.binarize(*rule), net.binarize(*rule, flows=True)
    flows = net.edges().set_index(["from", "to"])["weight"]
    pairs_kept = list(zip(ties.edges()["from"], ties.edges()["to"]))
    assert kept.edges().set_index(["from", "to"])["weight"].to_dict() == flows.loc[pairs_kept].to_dict()
    assert kept.summary()["total_flow"].iloc[0] == pytest.approx(flows.loc[pairs_kept].sum())
    assert kept.summary()["ties"].iloc[0] == ties.summary()["ties"].iloc[0] == len(pairs_kept)


@pytest.mark.parametrize("bad", [np.inf, -1.0, np.nan])
def test_every_network_has_finite_nonnegative_weights(bad):
    weights = sp.csr_matrix(np.array([[0, 1.0], [bad, 0]]))
    with pytest.raises(DataError, match=r"edges: weight must be finite numbers ≥ 0; not at b→a"):
        centrality(Network(pd.Index(["a", "b"]), weights))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=6, max_size=6), st.integers(0, 5), st.floats(0.01, 10))
def test_covariates_of_undirected_networks_must_be_symmetric(upper, which, shift):
    net = network_from_edges(pd.DataFrame({"from": ["a"], "to": ["b"]}), pd.DataFrame({"id": list("abcd")}),
                             directed=False)
    matrix = np.zeros((4, 4))
    matrix[np.triu_indices(4, 1)] = upper
    matrix += matrix.T
    assert np.array_equal(net.with_covariate("M", matrix).covariates["M"], matrix)
    i, j = (v[which] for v in np.triu_indices(4, 1))
    matrix[i, j] += shift
    with pytest.raises(DataError, match=rf"covariate 'M' is not symmetric: \({'abcd'[i]}, {'abcd'[j]}\)"):
        net.with_covariate("M", matrix)
    directed = network_from_edges(pd.DataFrame({"from": ["a"], "to": ["b"]}), pd.DataFrame({"id": list("abcd")}))
    assert np.array_equal(directed.with_covariate("M", matrix).covariates["M"], matrix)


def test_read_network_names_the_nodes_file_for_node_problems(tmp_path):
    _write(tmp_path / "cities.csv", id=["a", "a"])
    _write(tmp_path / "ties.csv", **{"from": ["a"], "to": ["a"]})
    with pytest.raises(DataError, match=r"^cities\.csv: repeated node ids a"):
        read_network(tmp_path / "cities.csv", tmp_path / "ties.csv")


def test_a_weight_column_of_another_name_is_said_and_can_be_named(user, capsys):
    _write("n.csv", id=list("ABC"))
    _write("e.csv", src=["A", "B"], dst=["B", "C"], flow=[5.0, 1.0])
    argv = [*CENTRALITY, "--directed", "-o", "c.csv"]
    assert_warns(argv, r"column\(s\) 'flow' are not read as tie weights; every row counts 1", user, capsys)
    assert pd.read_csv("c.csv").set_index("node")["in_strength"].to_dict() == {"A": 0, "B": 1, "C": 1}
    code, _, err = run_cli([*CENTRALITY, "--directed", "--weight", "flow", "-o", "w.csv"], capsys)
    assert code == 0, err
    assert pd.read_csv("w.csv").set_index("node")["in_strength"].to_dict() == {"A": 0, "B": 5, "C": 1}


def test_undirected_strength_shares_sum_to_one(user, capsys):
    _write("n.csv", id=list("ABC"))
    _write("e.csv", **{"from": ["A", "A", "B"], "to": ["B", "C", "C"], "weight": [3.0, 6.0, 1.0]})
    code, _, err = run_cli([*CENTRALITY, "-o", "c.csv"], capsys)
    assert code == 0, err
    share = pd.read_csv("c.csv").set_index("node")["in_strength_share"]
    # strengths A 9, B 4, C 7 (each tie at both ends): shares of 20
    assert share.to_dict() == pytest.approx({"A": 0.45, "B": 0.2, "C": 0.35}) and share.sum() == pytest.approx(1)


def test_a_second_id_column_of_the_nodes_is_refused_before_nodes_csv_gets_two(user, capsys):
    _write("n.csv", code=["A", "B"], id=["x1", "x2"], pop=[1, 2])
    _write("r.csv", origin=["A"], destination=["B"])
    assert_refused([*BUILD, "--nodes", "n.csv", "-o", "net"], r"n\.csv: a column other than the first \(the node "
                   r"id\) is named 'id'", user, capsys)
