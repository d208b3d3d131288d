"""ERGM fits against R ergm's published vignette fits, the exact dyadic MLE of edges +
mutual, and a statsmodels logistic regression for dyad-independent models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import reference

from healthalloc.mobility import network_from_edges
from healthalloc.mobility.ergm import Control, compare_models, ergm
from healthalloc.mobility.ergm.fit import Model
from healthalloc.mobility.ergm.terms import State, dyads

EXPECTED = pd.read_csv(reference("network/ergm_vignette_expected_fits.csv"))
MESA = ("edges + nodefactor('Grade') + nodematch('Grade', diff=T) + nodefactor('Race') "
        "+ nodematch('Race', diff=T)")
FAST = Control(sample_size=512, bridges=8, bridge_size=64)


def load(name: str, directed: bool):
    folder = reference("network")
    return network_from_edges(pd.read_csv(folder / f"{name}_edges.csv"), pd.read_csv(folder / f"{name}_nodes.csv"),
                              directed=directed)


def expected(model: str) -> pd.DataFrame:
    """The vignette's rows for ``model`` (as written in the file), indexed by term."""
    return EXPECTED[EXPECTED["model"] == model].set_index("term")


@pytest.mark.parametrize("formula", ["edges", "edges + nodecov('wealth')"])
def test_florentine_dyad_independent_fits_match_ergm(formula):
    fit = ergm(load("florentine_marriage", False), formula)
    want = expected(f"flomarriage ~ {formula}")
    assert fit.method == "MLE" and fit.nobs == 120 and fit.n_nodes == 16
    assert list(fit.coef.index) == list(want.index)
    np.testing.assert_allclose(fit.coef.to_numpy(), want["estimate"].to_numpy(), atol=1e-4)
    np.testing.assert_allclose(fit.std_error.to_numpy(), want["std_error"].to_numpy(), atol=1e-4)
    assert fit.aic == pytest.approx(want["aic"].iloc[0], abs=0.05)


def test_faux_mesa_high_homophily_model_matches_ergm_including_infinite_terms():
    with pytest.warns(UserWarning, match="nodematch.Race.Black, nodematch.Race.Other"):
        fit = ergm(load("faux_mesa_high", False), MESA)
    want = EXPECTED[EXPECTED["network_file"] == "faux_mesa_high"].set_index("term")
    assert list(fit.coef.index) == list(want.index)
    np.testing.assert_allclose(fit.coef.to_numpy(), want["estimate"].to_numpy(), atol=1e-4)
    # one standard error (nodefactor.Race.Other: 1.03731 here) differs from the printed
    # 1.0372 by 1.1e-4: R's glm stops at a relative deviance change of 1e-8
    np.testing.assert_allclose(fit.std_error.to_numpy(), want["std_error"].to_numpy(), atol=1.5e-4)
    assert fit.aic == pytest.approx(1836, abs=0.5)
    assert fit.n_params == 19                       # the two −Inf terms are not counted
    assert fit.bic == pytest.approx(-2 * fit.loglik + 19 * np.log(205 * 204 / 2))
    table = fit.to_frame().set_index("term")
    assert table.loc["nodematch.Race.Black", "std_error"] == 0
    assert table.loc["nodematch.Race.Black", "p_value"] == 0


def _design(model: Model):
    t, h = dyads(model.n, model.directed)
    st = State(model.observed.copy(), model.directed)
    return model.change(st, t, h), model.observed[t, h].astype(float)


def test_dyad_independent_fit_equals_statsmodels_logit_on_a_directed_network():
    rng = np.random.default_rng(7)
    n = 40
    nodes = pd.DataFrame({"id": [f"c{i:02d}" for i in range(n)], "hth": rng.poisson(20, n),
                          "gdp": rng.gamma(2, 3, n), "zone": rng.choice(["north", "south", "west"], n)})
    xy = rng.random((n, 2))
    dist = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(n)
    logits = -3 + 0.05 * nodes["hth"].to_numpy()[None, :] - 1.5 * dist
    A = rng.random((n, n)) < 1 / (1 + np.exp(-logits))
    np.fill_diagonal(A, False)
    t, h = np.nonzero(A)
    net = network_from_edges(pd.DataFrame({"from": nodes["id"][t].to_numpy(), "to": nodes["id"][h].to_numpy()}),
                             nodes, directed=True).with_covariate("dist", dist * (1 - np.eye(n)))
    formula = ("edges + nodeicov('hth') + nodeocov(gdp) + nodeifactor('zone') + nodematch('zone') "
               "+ absdiff('gdp') + edgecov('dist')")
    fit = ergm(net, formula)
    X, y = _design(fit.model)
    logit = sm.Logit(y, X).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(fit.coef.to_numpy(), logit.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fit.std_error.to_numpy(), logit.bse, rtol=1e-6)
    np.testing.assert_allclose(fit.p_value.to_numpy(), logit.pvalues, rtol=1e-5, atol=1e-300)
    assert fit.loglik == pytest.approx(logit.llf, rel=1e-10)
    assert fit.aic == pytest.approx(logit.aic, rel=1e-10)
    assert fit.bic == pytest.approx(logit.bic, rel=1e-10)
    assert fit.nobs == n * (n - 1) and fit.null_deviance == pytest.approx(2 * n * (n - 1) * np.log(2))


def test_streamed_blocks_give_the_same_fit(monkeypatch):
    import healthalloc.mobility.ergm.fit as fitmod

    net = load("faux_mesa_high", False)
    whole = ergm(net, "edges + nodecov('Grade') + nodematch('Sex')")
    monkeypatch.setattr(fitmod, "CACHE_CELLS", 0)
    monkeypatch.setattr(fitmod, "BLOCK_DYADS", 1000)
    streamed = ergm(net, "edges + nodecov('Grade') + nodematch('Sex')")
    np.testing.assert_allclose(streamed.coef, whole.coef, rtol=1e-10)
    assert streamed.loglik == pytest.approx(whole.loglik, rel=1e-12)


def test_edges_mutual_mcmle_matches_the_exact_dyadic_mle_and_ergm():
    net = load("sampson_samplk3", True)
    fit = ergm(net, "edges + mutual", seed=1, control=FAST)
    A = fit.model.observed
    mutual = (A & A.T).sum() / 2
    asym = (A ^ A.T).sum() / 2
    null = 153 - mutual - asym
    edges_mle = np.log(asym / 2 / null)              # each dyad's 4 states: a multinomial logit
    mutual_mle = np.log(mutual / null) - 2 * edges_mle
    assert fit.method == "MCMLE" and fit.converged
    assert fit.coef["edges"] == pytest.approx(edges_mle, abs=0.05)
    assert fit.coef["mutual"] == pytest.approx(mutual_mle, abs=0.1)
    want = expected("samplk3 ~ edges + mutual")
    assert fit.coef["edges"] == pytest.approx(want.loc["edges", "estimate"], abs=0.1)
    assert fit.coef["mutual"] == pytest.approx(want.loc["mutual", "estimate"], abs=0.15)
    assert fit.std_error["mutual"] == pytest.approx(want.loc["mutual", "std_error"], rel=0.15)
    exact_loglik = edges_mle * A.sum() + mutual_mle * mutual - 153 * np.log(
        1 + 2 * np.exp(edges_mle) + np.exp(2 * edges_mle + mutual_mle))
    assert fit.loglik == pytest.approx(exact_loglik, abs=0.6)
    assert fit.aic == pytest.approx(want["aic"].iloc[0], abs=1.5)


def test_mcmle_is_reproducible_and_engine_independent():
    net = load("florentine_marriage", False)
    control = Control(sample_size=256, bridges=0)
    a = ergm(net, "edges + triangle", seed=5, control=control)
    b = ergm(net, "edges + triangle", seed=5, control=control, engine="processes")
    pd.testing.assert_series_equal(a.coef, b.coef)
    want = expected("flomarriage ~ edges + triangle")
    assert a.coef["edges"] == pytest.approx(want.loc["edges", "estimate"], abs=0.15)
    assert a.coef["triangle"] == pytest.approx(want.loc["triangle", "estimate"], abs=0.2)


def test_model_table_in_seed_003s_layout():
    net = load("florentine_marriage", False)
    table = compare_models({"Model 1": ergm(net, "edges"),
                            "Model 2": ergm(net, "edges + nodecov('wealth')")}).to_frame()
    assert list(table.columns) == ["variable", "Model 1", "Model 2"]
    assert list(table["variable"]) == ["edges", "nodecov.wealth", "AIC", "BIC", "N"]
    assert table.loc[0, "Model 1"] == "-1.6094***"
    assert table.loc[1, "Model 1"] == "–" and table.loc[1, "Model 2"] == "0.01055*"  # ergm prints 0.010546: 4 significant figures
    assert table.loc[4, "Model 2"] == "16"
