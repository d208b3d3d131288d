"""Origin–destination networks: aggregation, binarizing rules, covariates and centrality."""

from __future__ import annotations

import pandas as pd
import pytest

from healthalloc.data.validate import DataError
from healthalloc.mobility import centrality, geo_proximity, network_from_edges, network_from_records, same_category

FLOWS = pd.DataFrame({"o": ["A", "A", "A", "B", "B", "C"], "d": ["B", "C", "D", "A", "C", "A"],
                      "flow": [10, 5, 1, 4, 4, 2]})


def test_records_are_counted_per_pair_with_weights():
    records = pd.DataFrame({"o": ["A", "A", "B", "B", "A"], "d": ["B", "B", "A", "B", "C"], "w": [1, 2, 1, 5, 1.5]})
    with pytest.warns(UserWarning, match="dropped 1 record"):
        net = network_from_records(records, "o", "d", weight="w")
    assert net.edges().values.tolist() == [["A", "B", 3.0], ["A", "C", 1.5], ["B", "A", 1.0]]
    assert list(net.ids) == ["A", "B", "C"] and net.directed


def test_undirected_flows_merge_both_directions():
    with pytest.warns(UserWarning, match=r"edges: 2 pair\(s\) are listed in more than one row \(in either order\): "
                      r"A–B and A–C; each is summed into one flow"):
        net = network_from_edges(FLOWS, origin="o", destination="d", weight="flow", directed=False)
    assert net.n_edges == 4 and net.n_dyads == 6
    assert net.edges().set_index(["from", "to"])["weight"][("A", "B")] == 14
    assert (net.adjacency() == net.adjacency().T).all()


@pytest.mark.parametrize("rule, value, kept", [
    ("any", None, {("A", "B"), ("A", "C"), ("A", "D"), ("B", "A"), ("B", "C"), ("C", "A")}),
    ("threshold", 4, {("A", "B"), ("A", "C"), ("B", "A"), ("B", "C")}),
    ("top_k", 1, {("A", "B"), ("B", "A"), ("B", "C"), ("C", "A")}),   # B's two flows of 4 tie: both kept
    ("quantile", 0.5, {("A", "B"), ("A", "C"), ("B", "A"), ("B", "C")}),
])
def test_binarize_rules(rule, value, kept):
    net = network_from_edges(FLOWS, origin="o", destination="d", weight="flow").binarize(rule, value)
    edges = net.edges()
    assert set(zip(edges["from"], edges["to"])) == kept
    assert (edges["weight"] == 1).all()


def test_binarize_rejects_bad_values():
    net = network_from_edges(FLOWS, origin="o", destination="d", weight="flow")
    with pytest.raises(ValueError, match="needs a value"):
        net.binarize("threshold")
    with pytest.raises(ValueError, match="quantile must be in"):
        net.binarize("quantile", 2)


def test_geographic_and_cultural_proximity():
    coords = pd.DataFrame({"x": [0.0, 3.0, 0.0], "y": [0.0, 4.0, 1.0]}, index=list("abc"))
    geo = geo_proximity(coords)
    assert geo[0, 1] == pytest.approx(0.2) and geo[0, 2] == 1.0 and geo[0, 0] == 0
    lonlat = pd.DataFrame({"lon": [116.4, 121.47], "lat": [39.9, 31.23]})
    km = 1 / geo_proximity(lonlat, metric="great_circle")[0, 1]
    assert km == pytest.approx(1067, rel=0.01)                      # Beijing – Shanghai
    same = same_category(pd.Series(["wu", "min", "wu"]))
    assert same.tolist() == [[0, 0, 1], [0, 0, 0], [1, 0, 0]]


def test_centrality_on_a_directed_star_and_path():
    edges = pd.DataFrame({"from": ["b", "c", "d", "a"], "to": ["a", "a", "a", "e"], "w": [1, 2, 3, 4]})
    nodes = pd.DataFrame({"id": list("abcde")})
    result = centrality(network_from_edges(edges, nodes, weight="w"))
    table = result.table
    assert table.loc["a", "in_degree"] == 3 and table.loc["a", "in_degree_std"] == 0.75
    assert table.loc["a", "in_strength"] == 6 and table.loc["a", "in_strength_share"] == 0.6
    assert table.loc["a", "betweenness"] == pytest.approx(3 / 12)   # b, c, d → e through a
    assert table["pagerank"].idxmax() == "e"
    assert result.summary().set_index("measure").loc["in_degree", "top_node"] == "a"
    assert result.to_frame().columns[0] == "node"


def test_ids_keep_their_written_form_across_files():
    from healthalloc.mobility import covariate_matrix

    nodes = pd.DataFrame({"id": [1, 2, 10]})                      # canonical integers, read as numbers
    net = network_from_edges(pd.DataFrame({"from": ["1", "2"], "to": [2, "10"]}), nodes)    # read as text
    assert net.edges()[["from", "to"]].values.tolist() == [[1, 2], [2, 10]]
    matrix = pd.DataFrame({"": ["10", "1", "2"], "1": [1.0, 0, 2], "2": [3.0, 4, 0], "10": [0.0, 5, 6]})
    assert covariate_matrix(matrix, net.ids).tolist() == [[0, 4, 5], [2, 0, 6], [1, 3, 0]]
    with pytest.raises(DataError, match=r"edges: 2 id\(s\) in the edge table are not nodes: 001 and 010"):
        network_from_edges(pd.DataFrame({"from": ["001", "2"], "to": [2, "010"]}), nodes)
    padded = network_from_edges(pd.DataFrame({"from": ["01", "1"], "to": ["1", "01"]}))   # two nodes, not one
    assert list(padded.ids) == ["01", "1"] and padded.n_edges == 2


@pytest.mark.parametrize("directed", [True, False])
def test_block_brandes_betweenness_equals_networkx(directed):
    import networkx as nx
    import numpy as np
    import scipy.sparse as sp

    from healthalloc.mobility.centrality import betweenness

    rng = np.random.default_rng(5)
    A = rng.random((60, 60)) < 0.06
    np.fill_diagonal(A, False)
    A = A if directed else A | A.T
    graph = nx.from_numpy_array(A.astype(int), create_using=nx.DiGraph if directed else nx.Graph)
    expected = nx.betweenness_centrality(graph, normalized=False)
    scale = 1 if directed else 2                                   # networkx halves undirected counts
    np.testing.assert_allclose(betweenness(sp.csr_matrix(A)) / scale, [expected[i] for i in range(60)], atol=1e-9)
