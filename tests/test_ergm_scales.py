"""One model sequence on two networks side by side (seed 003's Tables 3–4): R ergm's published
fits, statsmodels for the fits without a published row, the approximate z-test by hand,
node subsets against networks built from the subset's edges, bad input, and a study."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from test_ergm_reference import expected, load

from healthalloc.data import DataError
from healthalloc.mobility import compare_networks, fit_networks, network_from_edges
from healthalloc.mobility.ergm import ergm
from healthalloc.mobility.ergm.terms import dyads
from healthalloc.study.runner import run_study
from healthalloc.study.spec import StudyError

MODELS = {"Model 1": "edges", "Model 2": "edges + nodecov('wealth')"}
EXAMPLE = Path(__file__).parents[1] / "examples" / "seed003.toml"
DELTA = ["上海市", "江苏省", "浙江省", "安徽省"]


@pytest.fixture(scope="module")
def florentine():
    nets = {"marriage": load("florentine_marriage", False), "business": load("florentine_business", False)}
    return nets, fit_networks(nets, MODELS)


def logit(net, wealth: bool):
    """statsmodels' logistic regression of every dyad's tie on 1 (edges) and x_i + x_j
    (nodecov.wealth): the exact MLE of a dyad-independent ERGM, computed independently."""
    t, h = dyads(net.n, directed=False)
    x = net.nodes["wealth"].to_numpy(float)
    design = np.column_stack([np.ones(len(t))] + ([x[t] + x[h]] if wealth else []))
    return sm.Logit(net.adjacency()[t, h].astype(float), design).fit(disp=0)


def test_the_two_network_table_reproduces_ergm_and_the_logistic_regression(florentine):
    nets, both = florentine
    table = both.to_frame().set_index("variable")
    assert list(table.columns) == ["marriage: Model 1", "marriage: Model 2", "business: Model 1",
                                   "business: Model 2"]
    assert list(table.index) == ["edges", "nodecov.wealth", "AIC", "BIC", "N"]
    # marriage: ergm 4.12.0's vignette (ergm.html:645, 773-774), printed to 4 and 6 decimals, AIC to 0.1
    for model, formula in MODELS.items():
        want = expected(f"flomarriage ~ {formula}")
        fit = both.fits["marriage"][model]
        np.testing.assert_allclose(fit.coef.to_numpy(), want["estimate"].to_numpy(), atol=5e-5)
        np.testing.assert_allclose(fit.std_error.to_numpy(), want["std_error"].to_numpy(), atol=5e-5)
        assert fit.aic == pytest.approx(want["aic"].iloc[0], abs=0.05)
    assert table.loc["edges", "marriage: Model 1"] == "-1.6094***"              # ergm.html:645
    assert table.loc["nodecov.wealth", "marriage: Model 2"] == "0.01055*"       # 0.010546 (4 significant figures), p = 0.024
    assert table.loc["nodecov.wealth", "marriage: Model 1"] == "–"
    # business: no published dyad-independent fit; statsmodels' Logit to 1e-6
    for model, wealth in (("Model 1", False), ("Model 2", True)):
        ref, fit = logit(nets["business"], wealth), both.fits["business"][model]
        np.testing.assert_allclose(fit.coef.to_numpy(), ref.params, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(fit.std_error.to_numpy(), ref.bse, rtol=1e-6)
        assert fit.aic == pytest.approx(ref.aic, rel=1e-9)
        assert table.loc["AIC", f"business: {model}"] == f"{ref.aic:,.4f}"  # the number rule: separators
        assert table.loc["BIC", f"business: {model}"] == f"{ref.bic:,.4f}"  # nobs = 120 dyads in both
    assert table.loc["N"].tolist() == ["16"] * 4


def test_the_difference_test_is_the_hand_computation(florentine):
    nets, both = florentine
    diff = both.differences().set_index(["model", "term"])
    assert list(diff.index) == [("Model 1", "edges"), ("Model 2", "edges"), ("Model 2", "nodecov.wealth")]
    row = diff.loc[("Model 2", "nodecov.wealth")]
    # by hand: ergm's published marriage fit (ergm.html:774) and statsmodels' business fit
    b1, s1 = 0.010546, 0.004674
    ref = logit(nets["business"], True)
    b2, s2 = ref.params[1], ref.bse[1]
    z = (b1 - b2) / np.sqrt(s1 ** 2 + s2 ** 2)
    assert row["difference"] == pytest.approx(b1 - b2, abs=1e-6)
    assert row["z"] == pytest.approx(z, abs=2e-3)                     # the published values' rounding
    assert row["p_value"] == pytest.approx(2 * norm.sf(abs(z)), abs=2e-3)
    assert row["network_1"] == "marriage" and row["network_2"] == "business"
    assert row["comparable"] and row["scale_ratio"] == 1.0          # the same wealth on both networks
    assert not both.notes()
    assert "approximate" in both.reading() and "independent" in both.reading()
    assert "independent" in both.figures()["coefficients"][0]


def test_a_rescaled_covariate_is_flagged_and_its_coefficient_rescales(florentine):
    nets, _ = florentine
    business = nets["business"]
    scaled = {"marriage": nets["marriage"],
              "business": replace(business, nodes=business.nodes.assign(wealth=business.nodes["wealth"] * 10))}
    both = fit_networks(scaled, MODELS, scale_ratio=5)
    plain = ergm(business, MODELS["Model 2"])
    # the exact MLE of a covariate ten times larger is a tenth (to 1e-6)
    assert both.fits["business"]["Model 2"].coef["nodecov.wealth"] == pytest.approx(
        plain.coef["nodecov.wealth"] / 10, rel=1e-6)
    row = both.differences().set_index(["model", "term"]).loc[("Model 2", "nodecov.wealth")]
    assert row["scale_ratio"] == pytest.approx(10) and not row["comparable"]
    (note,) = both.notes()
    assert note.startswith("nodecov.wealth:") and "not comparable" in note
    assert "nodecov.wealth" in both.reading()
    assert not fit_networks(scaled, MODELS, scale_ratio=20).notes()      # within ×20: no note


def test_tables_summary_and_figure(florentine):
    _, both = florentine
    assert set(both.tables()) == {"models", "differences", "scales", "fit"}
    fit = both.summary()
    assert fit.groupby("network")["best_aic"].sum().tolist() == [1, 1]
    assert fit.set_index(["network", "model"]).loc[("marriage", "Model 2"), "best_aic"]
    scales = both.scales()
    assert scales["sd"].iloc[0] == pytest.approx(np.std(load("florentine_marriage", False).nodes["wealth"], ddof=1))
    fig = both.plot()
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["marriage", "business"]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2 ** 32 - 1))
def test_swapping_the_networks_negates_z_and_keeps_p(seed):
    rng = np.random.default_rng(seed)
    nets = {}
    for name in "ab":
        n = int(rng.integers(6, 12))
        A = np.triu(rng.random((n, n)) < 0.4, 1)
        A[0, 1] = True
        A[n - 2, n - 1] = False                                     # neither empty nor complete
        t, h = np.nonzero(A)
        nets[name] = network_from_edges(pd.DataFrame({"from": t, "to": h}), pd.DataFrame(
            {"id": range(n), "wealth": rng.normal(50, 20, n)}), directed=False)
    fits = {k: {m: ergm(net, f) for m, f in MODELS.items()} for k, net in nets.items()}
    ab = compare_networks(fits).differences()
    ba = compare_networks({"b": fits["b"], "a": fits["a"]}).differences()
    np.testing.assert_allclose(ab["z"], -ba["z"], rtol=1e-12)
    np.testing.assert_allclose(ab["p_value"], ba["p_value"], rtol=1e-12)
    itself = compare_networks({"a": fits["a"], "again": fits["a"]}).differences()
    assert (itself["z"] == 0).all() and (itself["p_value"] == 1).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.booleans())
def test_a_subset_is_the_network_built_from_the_subsets_edges(seed, directed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 12))
    A = rng.random((n, n)) < 0.35
    np.fill_diagonal(A, False)
    ids = [f"c{i:02d}" for i in range(n)]
    t, h = np.nonzero(A if directed else np.triu(A | A.T, 1))
    edges = pd.DataFrame({"from": np.array(ids)[t], "to": np.array(ids)[h], "weight": rng.integers(1, 9, len(t))})
    nodes = pd.DataFrame({"id": ids, "x": rng.normal(size=n)})
    M = rng.random((n, n))
    M = M if directed else M + M.T
    np.fill_diagonal(M, 0)
    whole = network_from_edges(edges, nodes, directed=directed).with_covariate("M", M)
    keep = np.sort(rng.choice(n, int(rng.integers(1, n + 1)), replace=False))
    chosen = [ids[i] for i in keep]
    part = whole.subset(rng.permutation(chosen).tolist())                 # any order: the network's is kept
    inside = edges["from"].isin(chosen) & edges["to"].isin(chosen)
    direct = network_from_edges(edges[inside], nodes[nodes["id"].isin(chosen)], directed=directed)
    assert part.ids.tolist() == direct.ids.tolist() == chosen
    assert (part.weights != direct.weights).nnz == 0
    pd.testing.assert_frame_equal(part.nodes, direct.nodes)
    sub_m = pd.DataFrame(M, index=ids, columns=ids).loc[chosen, chosen]
    np.testing.assert_array_equal(part.covariates["M"], sub_m.to_numpy())


def test_a_subset_fits_as_the_direct_network():
    net = load("florentine_marriage", False)
    chosen = list(net.ids[:10])
    edges = pd.read_csv(Path(__file__).parent / "reference" / "network" / "florentine_marriage_edges.csv")
    direct = network_from_edges(edges[edges["from"].isin(chosen) & edges["to"].isin(chosen)],
                                net.nodes.loc[chosen].reset_index(), directed=False)
    a, b = ergm(net.subset(chosen), MODELS["Model 2"]), ergm(direct, MODELS["Model 2"])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12)
    assert a.aic == pytest.approx(b.aic, rel=1e-12)


def test_bad_input_is_refused_in_one_line(florentine):
    nets, both = florentine
    net = nets["marriage"]
    with pytest.raises(DataError, match=r"^subset: 2 id\(s\) are not nodes of the network: '99' and 'x'$"):
        net.subset([1, 99, "x"])
    with pytest.raises(DataError, match="^subset: no ids"):
        net.subset([])
    with pytest.raises(DataError, match="^subset: repeated ids 1"):
        net.subset([1, 1])
    with pytest.raises(ValueError, match="at least two networks, got 1"):
        compare_networks({"marriage": both.fits["marriage"]})
    with pytest.raises(ValueError, match="network 'business' has models 'Model 1' but 'marriage' has"):
        compare_networks({"marriage": both.fits["marriage"], "business": {"Model 1": both.fits["business"]["Model 1"]}})
    with pytest.raises(ValueError, match="network 'none' has no fitted models"):
        compare_networks({"marriage": both.fits["marriage"], "none": {}})
    with pytest.raises(ValueError, match="scale_ratio must be ≥ 1"):
        compare_networks(both.fits, scale_ratio=0.5)
    without = replace(nets["business"], nodes=nets["business"].nodes.drop(columns="wealth"))
    with pytest.raises(DataError, match="^network 'business', Model 2: no node attribute 'wealth'"):
        fit_networks({"marriage": net, "business": without}, MODELS)


def _study(networks, models=("Model 1",)):
    study = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    study["analyses"] = [a for a in study["analyses"] if a["type"] in ("network", "ergm")]
    study["analyses"][0].pop("supply", None)  # the alignment is tested in test_mobility_study
    spec = study["analyses"][1]
    spec.pop("networks", None)
    spec["models"] = {m: spec["models"][m] for m in models}
    spec["nsim"] = 0
    if networks is not None:
        spec["networks"] = networks
    return study


def test_a_study_fits_the_models_on_each_named_network(tmp_path):
    from healthalloc.data.datasets import load_mobility_cities

    cities = load_mobility_cities()
    delta_ids = cities.loc[cities["province"].isin(DELTA), "adcode"].tolist()
    study = _study({"national": "all", "delta": {"province": DELTA}, "delta_ids": delta_ids},
                   models=("Model 1", "Model 3"))
    sec = {s.name: s for s in run_study(study, tmp_path / "two", progress=False).sections}["ergm"]
    one = {s.name: s for s in run_study(_study(None, ("Model 1", "Model 3")), tmp_path / "one",
                                        progress=False).sections}["ergm"]
    models = sec.tables["models"].set_index("variable")
    assert list(models.columns) == [f"{n}: {m}" for n in ("national", "delta", "delta_ids")
                                    for m in ("Model 1", "Model 3")]
    assert models.loc["N"].tolist() == ["337", "337", "41", "41", "41", "41"]
    # the whole network's columns are the one-network study's table (today's output)
    single = one.tables["models"].set_index("variable")
    for m in ("Model 1", "Model 3"):
        assert models[f"national: {m}"].tolist() == single[m].tolist()
    # a filter and the list of its ids are one network: equal fits, every difference 0
    assert models["delta: Model 3"].tolist() == models["delta_ids: Model 3"].tolist()
    diff = sec.tables["differences"]
    same = diff[(diff["network_1"] == "delta") & (diff["network_2"] == "delta_ids")]
    assert len(same) == 7 + 10 and (same["z"] == 0).all()
    assert set(sec.tables) == {"models", "differences", "scales", "coefficients", "fit"}
    assert set(sec.figures) == {"coefficients"}
    # GeoProx's standard deviation differs by more than ×2 between the nation and the delta
    assert any(n.startswith("edgecov.GeoProx:") for n in sec.notes)
    assert "approximate" in sec.reading and "approximate" in sec.captions["differences"]


@pytest.mark.parametrize("networks, message", [
    ({"national": "all", "delta": {"provnce": "浙江省"}}, "networks.delta: no node attribute 'provnce'"),
    ({"national": "all", "delta": {"province": "Atlantis"}}, "networks.delta: no node has province = 'Atlantis'"),
    ({"national": "all", "delta": 3}, "networks.delta: must be \"all\", a list of node ids"),
    ({"national": "all", "delta": [110100, 999]}, "networks.delta: subset: 1 id\\(s\\) are not nodes"),
])
def test_a_study_refuses_a_bad_network_in_one_line(tmp_path, networks, message):
    with pytest.raises(StudyError, match=message):
        run_study(_study(networks), tmp_path / "out", progress=False)
