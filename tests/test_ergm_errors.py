"""Bad networks, attributes, covariates and formulas give one clear error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthalloc.data import DataError
from healthalloc.mobility import covariate_matrix, network_from_edges
from healthalloc.mobility.ergm import ergm, parse_formula

NODES = pd.DataFrame({"id": ["a", "b", "c", "d"], "hth": [3, 1, 4, None], "zone": ["x", "y", "x", "y"]})
EDGES = pd.DataFrame({"from": ["a", "b", "c"], "to": ["b", "c", "d"]})


def net(directed=True):
    return network_from_edges(EDGES, NODES, directed=directed)


def test_self_loops_are_refused_naming_them():
    with pytest.raises(DataError, match=r"1 self-loop.*c→c"):
        network_from_edges(pd.DataFrame({"from": ["a", "c"], "to": ["b", "c"]}), NODES)


def test_unknown_ids_in_the_edges_are_named():
    with pytest.raises(DataError, match=r"2 id\(s\) in the edge table are not nodes: e and f"):
        network_from_edges(pd.DataFrame({"from": ["a", "e"], "to": ["f", "b"]}), NODES)


def test_repeated_node_ids_are_named():
    with pytest.raises(DataError, match="repeated node ids a"):
        network_from_edges(EDGES, pd.concat([NODES, NODES.iloc[:1]]))


def test_missing_attribute_values_and_unknown_attributes():
    with pytest.raises(DataError, match=r"'hth' is missing for 1 node\(s\): 'd'"):
        ergm(net(), "edges + nodeicov('hth')")
    with pytest.raises(DataError, match="no node attribute 'HTh'; did you mean 'hth'"):
        ergm(net(), "edges + nodeicov(HTh)")
    with pytest.raises(DataError, match="must be numeric"):
        ergm(net(), "edges + nodecov('zone')")


def test_covariate_matrix_of_the_wrong_shape_or_labels():
    good = pd.DataFrame(np.ones((4, 4)), columns=list("abcd")).assign(id=list("dcba"))[["id", *"abcd"]]
    assert covariate_matrix(good, list("abcd"), name="geo").shape == (4, 4)
    with pytest.raises(DataError, match=r"'geo' is 3 × 3 for 4 nodes: .*no row for 1 node\(s\): d"):
        covariate_matrix(good.iloc[1:, [0, 1, 2, 3]], list("abcd"), name="geo")
    with pytest.raises(DataError, match=r"'geo' is 4 × 3: it must be square"):
        covariate_matrix(good.iloc[:, :4], list("abcd"), name="geo")
    with pytest.raises(DataError, match=r"1 column id\(s\) that are not nodes: z"):
        covariate_matrix(good.rename(columns={"a": "z"}), list("abcd"), name="geo")
    with pytest.raises(DataError, match=r"covariate 'geo' is 3 × 3; the network has 4 nodes"):
        net().with_covariate("geo", np.ones((3, 3)))


def test_edgecov_without_the_matrix_says_which_exist():
    with pytest.raises(DataError, match="no dyadic covariate 'GeoProx'; did you mean 'geoprox'"):
        ergm(net().with_covariate("geoprox", np.ones((4, 4))), "edges + edgecov(GeoProx)")


def test_unknown_terms_get_close_suggestions():
    with pytest.raises(DataError, match="unknown ERGM term 'nodeicovv'; did you mean 'nodeicov'"):
        parse_formula("edges + nodeicovv('HTH')")
    with pytest.raises(DataError, match="unknown ERGM term 'gwesps'; did you mean 'gwesp'"):
        ergm(net(), "edges + gwesps(0.5)")


@pytest.mark.parametrize("formula, message", [
    ("edges +", "expected a term name"),
    ("edges nodecov('hth')", r"join terms with '\+'"),
    ("nodecov('hth'", "expected ','"),
    ("", "formula is empty"),
])
def test_malformed_formulas(formula, message):
    with pytest.raises(DataError, match=message):
        parse_formula(formula)


def test_directed_only_terms_on_undirected_networks_and_bad_arguments():
    with pytest.raises(DataError, match="term mutual is for directed networks"):
        ergm(net(directed=False), "edges + mutual")
    with pytest.raises(DataError, match="term edges got arguments it does not take"):
        ergm(net(), "edges(3)")
    with pytest.raises(DataError, match="needs the argument 'attr'"):
        ergm(net(), "edges + nodeicov")
    with pytest.raises(DataError, match="term gwesp: cutoff must be a whole number ≥ 1, got -3"):
        ergm(net(), "edges + gwesp(0.5, fixed=FALSE, cutoff=-3)")  # curved: tests/test_ergm_curved.py


@pytest.mark.parametrize("formula, message", [
    ("edges + gwesp(decay='abc', fixed=TRUE)", r"term gwesp: argument 'decay' must be a finite number, got 'abc'"),
    ("edges + gwodegree(decay=TRUE)", r"term gwodegree: argument 'decay' must be a finite number, got True"),
    ("edges + absdiff('hth', pow='x')", r"term absdiff: argument 'pow' must be a finite number, got 'x'"),
])
def test_numeric_arguments_that_are_not_numbers_name_the_term_and_argument(formula, message):
    with pytest.raises(DataError, match=message):
        ergm(network_from_edges(EDGES, NODES.fillna(0)), formula)


def tester_net():
    """Six nodes in two directed triangles joined by A → D, with A ⇄ B; c5 is constant."""
    nodes = pd.DataFrame({"id": list("ABCDEF"), "c5": 5, "grp": list("xxyyzz"), "HTH": [1, 2, 3, 4, 5, 0]})
    edges = pd.DataFrame({"from": list("ABCDEFAB"), "to": list("BCAEFDDA")})
    return network_from_edges(edges, nodes, directed=True)


@pytest.mark.parametrize("formula, names", [
    ("edges + nodeicov('c5')", r"edges, nodeicov\.c5"),                          # 5 × edges, not exactly singular
    ("edges + nodeifactor('grp', levels=TRUE)", r"edges, nodeifactor\.grp\.x, nodeifactor\.grp\.y, nodeifactor\.grp\.z"),
    ("edges + nodeicov('HTH') + nodeocov('HTH') + nodecov('HTH')", r"nodeicov\.HTH, nodeocov\.HTH, nodecov\.HTH"),
])
def test_rank_deficient_models_are_refused_naming_the_collinear_statistics(formula, names):
    with pytest.raises(DataError, match=rf"the model's statistics {names} are collinear on the dyads .*: drop one$"):
        ergm(tester_net(), formula)
    ergm(tester_net(), "edges + nodeicov('HTH') + nodeifactor('grp')")      # full rank: fitted


@pytest.mark.parametrize("levels", ["-10", "7", "c(-1, -7)", "0"])
def test_level_positions_out_of_range_are_refused(levels):
    with pytest.raises(DataError, match=r"nodefactor: levels=.* out of range: positions are 1\.\.6 \(or -1\.\.-6 to "
                                        r"drop\), for the 6 levels of 'HTH'"):
        ergm(tester_net(), f"edges + nodefactor('HTH', levels={levels})")


def test_non_finite_attribute_values_are_refused_naming_the_attribute_and_nodes():
    net = tester_net()
    net.nodes["bad"] = [1e300, 1, 2, 3, np.inf, -np.inf]
    with pytest.raises(DataError, match=r"^nodeicov: node attribute 'bad' must be finite; it is inf at E and -inf at F$"):
        ergm(net, "edges + nodeicov('bad')")


@pytest.mark.parametrize("scale, word, why", [(1e300, "large", "overflow"), (1e-300, "small", "underflow")])
def test_attributes_beyond_the_floating_point_range_of_the_fit_are_refused(scale, word, why):
    net = tester_net()
    net.nodes["x"] = np.arange(1.0, 7.0) * scale
    with pytest.raises(DataError, match=rf"^the change statistics of nodeicov\.x are too {word} to estimate: their "
                                        rf"absolute values sum to .* their squares would {why} in floating point; "
                                        "rescale the attribute or covariate$"):
        ergm(net, "edges + nodeicov('x')")


@pytest.mark.parametrize("scale", [1e-20, 1e-120, 1e20, 1e120])
def test_the_fit_is_scale_free_within_that_range(scale):
    net = tester_net()
    net.nodes["x"] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.5]
    unit = ergm(net, "edges + nodeicov('x')")
    net.nodes["x"] *= scale
    scaled = ergm(net, "edges + nodeicov('x')")
    np.testing.assert_allclose(scaled.coef * [1, scale], unit.coef, rtol=1e-9)
    np.testing.assert_allclose(scaled.std_error * [1, scale], unit.std_error, rtol=1e-9)
    np.testing.assert_allclose(scaled.p_value, unit.p_value, rtol=1e-9)
    assert scaled.loglik == pytest.approx(unit.loglik, rel=1e-12)
