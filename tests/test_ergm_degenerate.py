"""ERGMs on degenerate networks: statistics at an extreme (R ergm's ±Inf), perfect
separation, and MCMC-MLE fits that did not converge (flagged, no stars, no log-likelihood
below the dyad-independent submodel's), in the library and on the command line.

Expected values are hand computations: a network every coefficient fixes has
log-likelihood 0; a binomial of m ties among N dyads has log-likelihood
m log(m/N) + (N − m) log(1 − m/N); the remaining dyads of a separation are compared with
a statsmodels logistic regression.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import assert_refused, assert_warns, reference, run_cli

import healthalloc.mobility.ergm.fit as fitmod
from healthalloc.data import DataError
from healthalloc.mobility import network_from_edges
from healthalloc.mobility.ergm import Control, ergm

QUICK = Control(sample_size=256, bridges=8, bridge_size=64)
BETWEEN = [(0, 12), (3, 17), (7, 22)]


def network(A: np.ndarray, directed: bool, **covariates):
    """The network of the boolean adjacency ``A`` (nodes v0, v1, … with HTH = 1, 2, …)."""
    n = len(A)
    ids = [f"v{i}" for i in range(n)]
    t, h = np.nonzero(A if directed else np.triu(A))
    edges = pd.DataFrame({"from": pd.Series([ids[i] for i in t], dtype=object),
                          "to": pd.Series([ids[j] for j in h], dtype=object)})
    net = network_from_edges(edges, pd.DataFrame({"id": ids, "HTH": np.arange(1.0, n + 1)}), directed=directed)
    for name, matrix in covariates.items():
        net = net.with_covariate(name, matrix)
    return net


def cliques(k: int, directed: bool) -> np.ndarray:
    """Two k-node cliques with the ``BETWEEN`` ties (both ways when undirected)."""
    A = np.zeros((2 * k, 2 * k), bool)
    A[:k, :k] = A[k:, k:] = True
    for a, b in BETWEEN:
        if b < 2 * k:
            A[a, b] = True
            A[b, a] |= not directed
    np.fill_diagonal(A, False)
    return A


def binomial_loglik(m: float, N: float) -> float:
    return m * math.log(m / N) + (N - m) * math.log(1 - m / N)


def edges_loglik(A: np.ndarray, directed: bool) -> float:
    n = len(A)
    return binomial_loglik(A.sum() / (1 if directed else 2), n * (n - 1) / (1 if directed else 2))


def fit_warned(net, formula: str, **kwargs):
    """The fit and the messages of its warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = ergm(net, formula, **kwargs)
    return fit, [str(w.message) for w in caught if "no rows" not in str(w.message)]


def write(folder, A: np.ndarray, directed: bool, **covariates) -> list[str]:
    """nodes.csv, edges.csv and NAME.csv in ``folder``; the ``healthalloc ergm`` arguments."""
    net = network(A, directed)
    net.nodes.reset_index().to_csv(folder / "nodes.csv", index=False)
    t, h = np.nonzero(A if directed else np.triu(A))
    pd.DataFrame({"from": [f"v{i}" for i in t], "to": [f"v{j}" for j in h]}).to_csv(folder / "edges.csv", index=False)
    argv = ["ergm", "--nodes", str(folder / "nodes.csv"), "--edges", str(folder / "edges.csv")]
    for name, matrix in covariates.items():
        pd.DataFrame(matrix, index=net.ids, columns=net.ids).to_csv(folder / f"{name}.csv")
        argv += ["--edgecov", f"{name}={folder / f'{name}.csv'}"]
    return argv + (["--directed"] if directed else [])


def separated(n: int = 10):
    """A directed 0 / 0.5 / 1 covariate and ties exactly where it is 1."""
    X = np.random.default_rng(0).choice([0.0, 0.5, 1.0], size=(n, n))
    np.fill_diagonal(X, 0)
    return X, X == 1


# ------------------------------------------------------------------ ±Inf (R ergm's rule)


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("complete", [False, True])
@pytest.mark.parametrize("covariate", [False, True])
def test_an_empty_or_complete_network_fixes_every_coefficient_at_inf(directed, complete, covariate):
    A = ~np.eye(6, dtype=bool) if complete else np.zeros((6, 6), bool)
    formula = "edges" + (f" + {'nodeicov' if directed else 'nodecov'}('HTH')" if covariate else "")
    fit, messages = fit_warned(network(A, directed), formula)
    sign, word = (np.inf, "greatest") if complete else (-np.inf, "smallest")
    assert list(fit.coef) == [sign] * len(fit.coef)
    assert list(fit.std_error) == [0.0] * len(fit.coef)
    assert fit.loglik == 0 and fit.aic == 0 and fit.bic == 0 and fit.n_params == 0   # P(y_obs) = 1
    assert fit.converged and fit.method == "MLE"
    assert messages == [f"observed statistic(s) {', '.join(fit.coef.index)} are at their {word} attainable values. "
                        f"Their coefficients will be fixed at {'+Inf' if complete else '-Inf'} (infinite and NaN "
                        "coefficients are left out of AIC/BIC's parameter count)"]


def test_a_covariate_at_its_largest_value_leaves_edges_fitted_to_the_other_dyads():
    X = np.triu(np.random.default_rng(1).random((14, 14)) < 0.3, 1).astype(float)
    X += X.T
    A = X == 1
    off_ties = np.flatnonzero(X[0] == 0)[1:4]       # three ties off the covariate
    A[0, off_ties] = A[off_ties, 0] = True
    fit, messages = fit_warned(network(A, False, X=X), "edges + edgecov('X')")
    off = np.triu(X == 0, 1) & ~np.eye(14, dtype=bool)
    m0, N0 = (A & off).sum(), off.sum()
    p = m0 / N0
    assert fit.coef["edgecov.X"] == np.inf and fit.std_error["edgecov.X"] == 0
    assert fit.coef["edges"] == pytest.approx(math.log(p / (1 - p)), rel=1e-9)
    assert fit.std_error["edges"] == pytest.approx(1 / math.sqrt(N0 * p * (1 - p)), rel=1e-6)
    assert fit.loglik == pytest.approx(binomial_loglik(m0, N0), rel=1e-10)
    assert fit.aic == pytest.approx(-2 * fit.loglik + 2)
    assert fit.bic == pytest.approx(-2 * fit.loglik + math.log(14 * 13 / 2))
    assert len(messages) == 1 and "edgecov.X are at their greatest attainable values" in messages[0]


def test_ties_exactly_where_a_binary_covariate_is_1_give_plus_and_minus_inf():
    X = np.triu(np.random.default_rng(2).random((10, 10)) < 0.3, 1).astype(float)
    X += X.T
    fit, messages = fit_warned(network(X == 1, False, X=X), "edges + edgecov('X')")
    assert fit.coef.to_dict() == {"edges": -np.inf, "edgecov.X": np.inf}
    assert fit.loglik == 0 and fit.n_params == 0
    assert messages == ["observed statistic(s) edgecov.X are at their greatest attainable values. Their "
                        "coefficients will be fixed at +Inf; on the dyads these leave free, statistic(s) edges are at "
                        "their smallest attainable values. Their coefficients will be fixed at -Inf (infinite and NaN "
                        "coefficients are left out of AIC/BIC's parameter count)"]


# ------------------------------------------------------------------ perfect separation


def test_perfect_separation_by_a_combination_is_not_estimated_and_warned():
    X, A = separated()
    fit, messages = fit_warned(network(A, True, X=X), "edges + edgecov('X')")
    table = fit.to_frame()
    assert table[["estimate", "std_error", "z", "p_value"]].isna().all().all()
    assert (table["stars"] == "").all()
    assert fit.loglik == 0 and fit.n_params == 0 and fit.aic == 0      # every dyad predicted exactly
    assert len(messages) == 1
    assert messages[0].startswith("the MLE does not exist: a combination of edges, edgecov.X predicts the ties of "
                                  "90 dyad(s) perfectly")


def test_separation_leaves_the_other_terms_fitted_to_the_remaining_dyads():
    rng = np.random.default_rng(4)
    n = 14
    X, A = separated(n)
    z = rng.normal(size=n)
    half = X == 0.5
    A[half] = (rng.random((n, n)) < 1 / (1 + np.exp(0.3 - 0.9 * z[:, None])))[half]
    net = network(A, True, X=X)
    net.nodes["z"] = z
    fit, messages = fit_warned(net, "edges + edgecov('X') + nodeocov('z')")
    t, h = np.nonzero(half)
    logit = sm.Logit(A[t, h].astype(float), sm.add_constant(z[t])).fit(disp=0, tol=1e-12)
    assert np.isnan(fit.coef["edges"]) and np.isnan(fit.coef["edgecov.X"])
    assert fit.coef["nodeocov.z"] == pytest.approx(logit.params[1], rel=1e-7)
    assert fit.std_error["nodeocov.z"] == pytest.approx(logit.bse[1], rel=1e-6)
    assert fit.p_value["nodeocov.z"] == pytest.approx(logit.pvalues[1], rel=1e-5)
    assert fit.loglik == pytest.approx(logit.llf, rel=1e-10)
    assert len(messages) == 1 and f"predicts the ties of {n * (n - 1) - len(t)} dyad(s)" in messages[0]


# ------------------------------------------------------------------ MCMC-MLE


@pytest.mark.parametrize("k, directed, formula", [(12, False, "edges + triangle"),
                                                  (8, True, "edges + mutual + ctriple")])
def test_a_degenerate_mcmc_fit_is_flagged_without_p_values_or_log_likelihood(k, directed, formula):
    A = cliques(k, directed)
    fit, messages = fit_warned(network(A, directed), formula, seed=1, control=QUICK)
    table = fit.to_frame()
    assert not fit.converged and not table["converged"].any()
    assert table[["std_error", "z", "p_value", "mcmc_se"]].isna().all().all() and (table["stars"] == "").all()
    assert np.isnan(fit.loglik) and np.isnan(fit.aic) and np.isnan(fit.bic)
    assert fit.loglik_bound == pytest.approx(edges_loglik(A, directed), rel=1e-12)
    info = fit.fit_info()
    assert info["converged"] is False and "constant or collinear" in info["reason"]
    assert len(messages) == 1 and messages[0].startswith("MCMC-MLE did not converge: the sampled statistic(s)")


def sampson():
    folder = reference("network")
    return network_from_edges(pd.read_csv(folder / "sampson_samplk3_edges.csv"),
                              pd.read_csv(folder / "sampson_samplk3_nodes.csv"), directed=True)


def test_the_log_likelihood_is_never_below_the_dyad_independent_submodels(monkeypatch):
    net = sampson()
    fit = ergm(net, "edges + mutual", seed=1, control=QUICK)
    bound = edges_loglik(fit.model.observed, True)
    assert fit.converged and fit.loglik_bound == pytest.approx(bound, rel=1e-12) and fit.loglik > bound
    real = fitmod._path_loglik

    def too_low(*args):  # a bridge estimate 50 below the truth
        loglik, error = real(*args)
        return loglik - 50, error

    monkeypatch.setattr(fitmod, "_path_loglik", too_low)
    low, messages = fit_warned(net, "edges + mutual", seed=1, control=QUICK)
    np.testing.assert_array_equal(low.coef, fit.coef)
    assert not low.converged and np.isnan(low.loglik) and low.p_value.isna().all()
    assert f"is below {bound:.4f}, the exact log-likelihood of the dyad-independent submodel" in low.reason
    assert len(messages) == 1 and "MCMC-MLE did not converge" in messages[0]


def test_an_mcmc_fit_stopped_by_max_iter_keeps_standard_errors_but_no_p_values():
    fit, messages = fit_warned(sampson(), "edges + mutual", seed=1, control=replace(QUICK, max_iter=1))
    assert not fit.converged and fit.iterations == 1 and "after 1 iteration(s)" in fit.reason
    assert (fit.std_error > 0).all() and fit.p_value.isna().all() and (fit.to_frame()["stars"] == "").all()
    assert np.isnan(fit.loglik) and fit.loglik_bound == pytest.approx(edges_loglik(fit.model.observed, True))
    assert len(messages) == 1 and messages[0].startswith("MCMC-MLE did not converge: the step length was still")


def test_models_whose_mple_is_not_finite_are_refused_or_fixed():
    U = np.triu(np.random.default_rng(3).random((20, 20)) < 0.15, 1)
    with pytest.raises(DataError, match=r"MPLE, which is not finite here \(edges -Inf, mutual \+Inf"):
        ergm(network(U | U.T, True), "edges + mutual")                       # every tie mutual
    with pytest.raises(DataError, match=r"MPLE, which is not finite here \(edges NaN, kstar2 NaN"):
        ergm(network(cliques(12, False), False), "edges + kstar(2)")          # was a singular-matrix crash
    fit, messages = fit_warned(network(np.zeros((6, 6), bool), True), "edges + mutual")
    assert fit.method == "MLE" and fit.coef["edges"] == -np.inf and np.isnan(fit.coef["mutual"])
    assert fit.loglik == 0 and "probability 1 whatever mutual are" in messages[-1]


def test_progress_shows_iteration_step_and_convergence_statistic(capsys):
    net = sampson()
    ergm(net, "edges + mutual", seed=1, control=QUICK, progress=True)
    err = capsys.readouterr().err
    assert "MCMC-MLE" in err and "iteration 1: step 1.00, T² " in err and "log-likelihood: bridge 8 of 8" in err
    ergm(net, "edges + mutual", seed=1, control=QUICK, progress=False)
    ergm(net, "edges + mutual", seed=1, control=QUICK)                       # stderr is not a terminal
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ command line


@pytest.mark.parametrize("directed, formula", [(True, "edges + nodeicov('HTH')"), (False, "edges + nodecov('HTH')")])
def test_cli_empty_network(tmp_path, capsys, directed, formula):
    argv = write(tmp_path, np.zeros((5, 5), bool), directed) + ["--formula", formula, "-o", str(tmp_path / "fit.csv")]
    assert_warns(argv, r"are at their smallest attainable values\. Their coefficients will be fixed at -Inf",
                 tmp_path, capsys)
    table = pd.read_csv(tmp_path / "fit.csv")
    assert list(table["estimate"]) == [-np.inf, -np.inf] and list(table["std_error"]) == [0, 0]
    info = json.loads((tmp_path / "fit.fit.json").read_text())
    assert (info["loglik"], info["aic"], info["bic"], info["n_params"], info["converged"]) == (0, 0, 0, 0, True)


def test_cli_complete_network_prints_inf_and_zero_log_likelihood(tmp_path, capsys):
    argv = write(tmp_path, ~np.eye(5, dtype=bool), False) + ["--formula", "edges"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0 and "fixed at +Inf" in err
    assert out.splitlines()[1].split() == ["edges", "inf", "0.0", "inf", "0.0", "***", "True"]
    assert "MLE: 5 nodes, 10 dyads; log-likelihood 0.000, AIC 0.000, BIC 0.000" in out


def test_cli_ties_exactly_on_a_binary_covariate(tmp_path, capsys):
    X = np.triu(np.random.default_rng(2).random((10, 10)) < 0.3, 1).astype(float)
    X += X.T
    argv = write(tmp_path, X == 1, False, X=X) + ["--formula", "edges + edgecov('X')", "-o", str(tmp_path / "f.csv")]
    assert_warns(argv, r"edgecov\.X are at their greatest .* edges are at their smallest", tmp_path, capsys)
    table = pd.read_csv(tmp_path / "f.csv").set_index("term")
    assert table["estimate"].to_dict() == {"edges": -np.inf, "edgecov.X": np.inf}


def test_cli_perfect_separation_has_no_estimate_and_no_stars(tmp_path, capsys):
    X, A = separated()
    argv = write(tmp_path, A, True, X=X) + ["--formula", "edges + edgecov('X')", "-o", str(tmp_path / "f.csv")]
    assert_warns(argv, r"^warning: the MLE does not exist: a combination of edges, edgecov\.X", tmp_path, capsys)
    table = pd.read_csv(tmp_path / "f.csv", keep_default_na=False)
    assert list(table["estimate"]) == ["", ""] and list(table["stars"]) == ["", ""]


def test_cli_degenerate_mcmc_fit_is_flagged_in_table_and_fit_json(tmp_path, capsys):
    A = cliques(12, False)
    argv = write(tmp_path, A, False) + ["--formula", "edges + triangle", "--seed", "1", "--sample-size", "256",
                                        "-o", str(tmp_path / "f.csv")]
    out, err = assert_warns(argv, r"^warning: MCMC-MLE did not converge", tmp_path, capsys)
    assert "MCMLE (not converged): 24 nodes, 276 dyads; no log-likelihood, AIC or BIC" in out
    assert "step/s" not in err                                            # no progress bar off a terminal
    table = pd.read_csv(tmp_path / "f.csv", keep_default_na=False)
    assert list(table["p_value"]) == ["", ""] and list(table["stars"]) == ["", ""]
    assert list(table["converged"]) == [False, False]
    info = json.loads((tmp_path / "f.fit.json").read_text())
    assert info["converged"] is False and "constant or collinear" in info["reason"]
    assert info["loglik"] is None and info["aic"] is None
    assert info["loglik_bound"] == pytest.approx(edges_loglik(A, False), rel=1e-12)


def test_cli_directed_degenerate_fit_printed(tmp_path, capsys):
    argv = write(tmp_path, cliques(8, True), True) + ["--formula", "edges + mutual + ctriple", "--seed", "1",
                                                      "--sample-size", "256"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0 and err.count("warning: MCMC-MLE did not converge") == 1
    rows = [line.split() for line in out.splitlines()[1:4]]
    assert [r[0] for r in rows] == ["edges", "mutual", "ctriple"] and all(r[-1] == "False" for r in rows)
    assert all("*" not in line for line in out.splitlines())
    assert "MCMLE (not converged): 16 nodes, 240 dyads; no log-likelihood, AIC or BIC" in out


def test_cli_model_without_a_finite_mple_is_refused(tmp_path, capsys):
    U = np.triu(np.random.default_rng(3).random((20, 20)) < 0.15, 1)
    argv = write(tmp_path, U | U.T, True) + ["--formula", "edges + mutual", "-o", str(tmp_path / "f.csv")]
    assert_refused(argv, r"MCMC-MLE starts from the MPLE, which is not finite here \(edges -Inf, mutual \+Inf",
                   tmp_path, capsys)


@pytest.mark.parametrize("formula, message", [
    ("edges + nodeicov('c5')", r"^error: the model's statistics edges, nodeicov\.c5 are collinear on the dyads .*drop one$"),
    ("edges + nodefactor('HTH', levels=-10)", r"levels=-10 mixes signs or is out of range"),
    ("edges + nodeicov('bad')", r"node attribute 'bad' must be finite; it is inf at E$"),
    ("edges + nodeicov('tiny')", r"nodeicov\.tiny are too small to estimate"),
    ("edges + gwesp(decay='abc', fixed=TRUE)", r"term gwesp: argument 'decay' must be a finite number, got 'abc'$"),
])
def test_cli_refuses_unidentifiable_or_unrepresentable_models_in_one_line(tmp_path, capsys, formula, message):
    pd.DataFrame({"id": list("ABCDEF"), "c5": 5, "bad": [1e300, 1, 2, 3, np.inf, 4],
                  "tiny": np.arange(1, 7) * 1e-300, "HTH": [1, 2, 3, 4, 5, 0]}).to_csv(tmp_path / "en.csv", index=False)
    pd.DataFrame({"from": list("ABCDEFAB"), "to": list("BCAEFDDA")}).to_csv(tmp_path / "ee.csv", index=False)
    argv = ["ergm", "--nodes", str(tmp_path / "en.csv"), "--edges", str(tmp_path / "ee.csv"), "--directed",
            "--formula", formula]
    assert_refused(argv, message, tmp_path, capsys)
