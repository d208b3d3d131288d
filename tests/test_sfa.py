"""Stochastic frontiers against R ``frontier`` and Coelli's FRONTIER 4.1 as printed.

References (``tests/reference/efficiency/``, see its README): FRONTIER 4.1's ``EG1.OUT``
(example 1, 60 firms, 8 significant digits) and the fits printed in R frontier's
``tests/frontierTest.Rout.save`` (5–6 significant digits; efficiencies to 3 decimals), on
``front41Data`` and ``riceProdPhil``. Model names are frontier's test names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from healthalloc.efficiency.sfa import _Frontier, _regressors, sfa

from conftest import reference

R = "efficiency/"
#: frontier's names of the terms → ours.
TERMS = {"(Intercept)": "(Intercept)", "logCapital": "log(capital)", "logLabour": "log(labour)",
         "lAREA": "log(AREA)", "lLABOR": "log(LABOR)", "lNPK": "log(NPK)", "lPROD": "log(PROD)",
         "lLABORP": "log(LABORP)", "lNPKP": "log(NPKP)", "sigmaSq": "sigma2", "gamma": "gamma", "mu": "mu",
         "Z_(Intercept)": "Z_(Intercept)", "Z_EDYRS": "Z_EDYRS", "Z_BANRAT": "Z_BANRAT",
         "a_0": "(Intercept)", "a_1": "log(capital)", "a_2": "log(labour)", "b_1_1": "0.5*log(capital)^2",
         "b_1_2": "log(capital):log(labour)", "b_2_2": "0.5*log(labour)^2"}


def front41() -> pd.DataFrame:
    return pd.read_csv(reference(R + "front41.csv"))


def rice() -> pd.DataFrame:
    """riceProdPhil with frontier's test's cost: labour and fertiliser spending."""
    data = pd.read_csv(reference(R + "rice_prod_phil.csv"))
    return data.assign(cost=data.LABOR * data.LABORP + data.NPK * data.NPKP)


FITS = {
    "eg1": lambda: sfa(front41(), "output", ["capital", "labour"], unit="firm"),
    "a1": lambda: sfa(front41(), "output", ["capital", "labour"], unit="firm"),
    "translog": lambda: sfa(front41(), "output", ["capital", "labour"], unit="firm", form="translog"),
    "bb1": lambda: sfa(rice(), "PROD", ["AREA", "LABOR", "NPK"]),
    "bb6": lambda: sfa(rice(), "PROD", ["AREA", "LABOR", "NPK"], determinants=["EDYRS", "BANRAT"]),
    "dd1": lambda: sfa(rice(), "cost", ["PROD", "AREA", "LABORP", "NPKP"], cost=True),
}


def printed(table: str, model: str) -> pd.DataFrame:
    frame = pd.read_csv(reference(R + f"frontier_{table}.csv"))
    return frame[frame.model == model]


@pytest.fixture(scope="module")
def fits() -> dict:
    return {name: fit() for name, fit in FITS.items()}


def test_frontier41_example_1_as_printed_by_frontier41(fits):
    """EG1.OUT: estimates to 1e-5 relative, log-likelihood and LR statistic to 1e-6 and 1e-5
    relative (FRONTIER's own log-likelihood at its estimates differs from ours by 4e-6),
    every firm's efficiency to 1e-5."""
    res, ref = fits["eg1"], printed("coefficients", "eg1")
    ours = res.coefficients.set_index("term")["estimate"]
    np.testing.assert_allclose(ours[ref.term.map(TERMS)], ref.estimate, rtol=1e-5)
    loglik = printed("loglik", "eg1").iloc[0]
    assert res.loglik == pytest.approx(loglik.loglik, rel=1e-6)
    assert res.lr_statistic == pytest.approx(loglik.lr_statistic, rel=1e-5)
    np.testing.assert_allclose(res.units.efficiency, printed("efficiencies", "eg1").efficiency, atol=1e-5)


@pytest.mark.parametrize("model", ["a1", "translog", "bb1", "dd1", "bb6"])
def test_estimates_loglik_and_efficiencies_as_r_frontier_prints_them(fits, model):
    """Coefficients to 1e-4 relative (printed to 5–6 digits; bb6, the Battese–Coelli (1995)
    model with two determinants and an intercept, whose likelihood is flat in δ, to 2e-3: at
    frontier's estimates the largest score is 0.04, at ours 1e-10, and ours is higher),
    log-likelihood to 1e-6 relative (frontier's 9-digit print; the translog's 5 digits to 1e-4),
    efficiencies E[exp(−u)|ε] to the printed 3 decimals (6e-4)."""
    res, ref = fits[model], printed("coefficients", model)
    ours = res.coefficients.set_index("term")["estimate"]
    np.testing.assert_allclose(ours[ref.term.map(TERMS)], ref.estimate, rtol=2e-3 if model == "bb6" else 1e-4)
    assert res.loglik == pytest.approx(printed("loglik", model).loglik.iloc[0], rel=1e-4 if model == "translog"
                                       else 1e-6)
    efficiencies = printed("efficiencies", model)
    if len(efficiencies):
        np.testing.assert_allclose(res.units.efficiency, efficiencies.efficiency, atol=6e-4)


def test_standard_errors_near_frontiers_own(fits):
    """FRONTIER 4.1 and R frontier take the covariance from their own Hessian approximation;
    ours is the inverse of the exact Hessian (checked against second differences in
    test_sfa_properties.py). They agree within 10 % (bb1's γ differs most, by 8 %)."""
    for model in ("eg1", "bb1", "dd1", "translog"):
        ref = printed("coefficients", model)
        ours = fits[model].coefficients.set_index("term")["std_error"]
        np.testing.assert_allclose(ours[ref.term.map(TERMS)], ref.std_error, rtol=0.1, err_msg=model)


@pytest.mark.parametrize("model, statistic, p_value", [("a1", 2.84, 0.046), ("bb1", 37.4, 4.8e-10),
                                                        ("dd1", 1.81, 0.089)])
def test_lr_test_of_no_inefficiency_as_frontier_lrtest_prints_it(fits, model, statistic, p_value):
    """frontier's lrtest() (3 significant digits, 5e-3 relative): ½χ²(0) + ½χ²(1) with one restriction."""
    res = fits[model]
    assert res.restrictions == 1
    assert res.lr_statistic == pytest.approx(statistic, rel=5e-3)
    assert res.lr_p_value == pytest.approx(p_value, rel=5e-3)


def test_lr_test_with_determinants_is_the_mixed_chi_square_of_one_boundary_parameter(fits):
    """With q = 4 restrictions (γ and three δ) the p-value is ½χ²(3) + ½χ²(4) (Kodde & Palm's
    one-boundary case). R frontier prints 1.1e-11 for bb6: its lrtest() weighs
    ¼χ²(q − 2) + ½χ²(q − 1) + ¼χ²(q) instead, as if two parameters were on the boundary."""
    res = fits["bb6"]
    assert res.restrictions == 4 and res.lr_statistic == pytest.approx(55.2, rel=5e-3)
    s = res.lr_statistic
    assert res.lr_p_value == pytest.approx(0.5 * stats.chi2.sf(s, 3) + 0.5 * stats.chi2.sf(s, 4), rel=1e-12)
    assert 0.25 * stats.chi2.sf(s, 2) + 0.5 * stats.chi2.sf(s, 3) + 0.25 * stats.chi2.sf(s, 4) == \
        pytest.approx(1.1e-11, rel=0.05)


def _loglik_at(data: pd.DataFrame, output: str, inputs: list[str], estimates: dict, *, mu=None, z=None) -> float:
    """Our log-likelihood at frontier's printed estimates (β, σ², γ and μ or δ)."""
    X = _regressors(np.log(data[inputs]), "cobb-douglas").to_numpy()
    Z = None if mu is None and z is None else np.ones((len(data), 1)) if z is None else z
    model = _Frontier(np.log(data[output].to_numpy()), X, Z, 1.0, False)
    beta = [estimates[t] for t in ("(Intercept)", *(f"l{c}" for c in inputs))] if "(Intercept)" in estimates else []
    delta = [mu] if z is None else mu
    gamma = estimates["gamma"]
    theta = np.array([*beta, *([] if Z is None else delta), np.log(estimates["sigmaSq"]), np.log(gamma / (1 - gamma))])
    return float(model.scores(theta)[0].sum())


@pytest.mark.parametrize("model", ["a5", "bb7"])
def test_truncated_normal_likelihood_at_frontiers_estimates_and_ours_is_higher(model):
    """Stevenson's (1980) truncated normal: our log-likelihood at frontier's printed estimates
    equals frontier's (1e-4 relative, the estimates printed to 5 digits); our own fit climbs
    higher (frontier stopped where the likelihood still rises; on the rice data it rises
    towards the exponential limit, μ → −∞, and a warning says so)."""
    ref = printed("coefficients", model).set_index("term")["estimate"].to_dict()
    loglik = printed("loglik", model).loglik.iloc[0]
    if model == "a5":
        data, output, inputs = front41(), "output", ["capital", "labour"]
        ref |= {"lcapital": ref.pop("logCapital"), "llabour": ref.pop("logLabour")}
    else:
        data, output, inputs = rice(), "PROD", ["AREA", "LABOR", "NPK"]
    assert _loglik_at(data, output, inputs, ref, mu=ref["mu"]) == pytest.approx(loglik, rel=1e-4)
    with pytest.warns(UserWarning, match="exponential limit") if model == "bb7" else _no_warning():
        res = sfa(data, output, inputs, distribution="truncated-normal")
    assert res.loglik >= loglik
    assert "mu" in set(res.coefficients.term)


def test_battese_coelli_1995_likelihood_without_intercept_at_frontiers_estimates():
    """bb5 (δ without an intercept): our likelihood at frontier's printed estimates, δ₀ = 0,
    equals frontier's -77.8495441 (1e-5 relative; estimates printed to 6 digits)."""
    ref = printed("coefficients", "bb5").set_index("term")["estimate"].to_dict()
    data = rice()
    z = np.column_stack([np.ones(len(data)), data.EDYRS, data.BANRAT])
    value = _loglik_at(data, "PROD", ["AREA", "LABOR", "NPK"], ref, mu=[0.0, ref["Z_EDYRS"], ref["Z_BANRAT"]], z=z)
    assert value == pytest.approx(printed("loglik", "bb5").loglik.iloc[0], rel=1e-5)


class _no_warning:
    def __enter__(self):
        import warnings

        self.catch = warnings.catch_warnings()
        self.catch.__enter__()
        warnings.simplefilter("error", UserWarning)

    def __exit__(self, *exc):
        self.catch.__exit__(*exc)


PANEL = {"b1": ("time-invariant", "half-normal"), "b2": ("time-invariant", "truncated-normal"),
         "b3": ("time-varying", "half-normal"), "b4": ("time-varying", "truncated-normal")}


@pytest.mark.parametrize("model", list(PANEL))
def test_battese_coelli_panel_frontiers_as_r_frontier_prints_them(model):
    """riceProdPhil as a panel of 43 farms × 8 years: time-invariant u_i (b1, b2) and Battese &
    Coelli's (1992) u_it = exp(−η(t − T)) u_i (b3, b4; frontier's ``time`` is η). Coefficients
    to 1e-4 relative (b2 and b4, flat in μ, to 1e-3), log-likelihood to 1e-6 relative,
    efficiencies per farm and year to the printed 3 decimals (6e-4)."""
    panel, distribution = PANEL[model]
    res = sfa(rice(), "PROD", ["AREA", "LABOR", "NPK"], unit="FMERCODE", by="YEARDUM", panel=panel,
              distribution=distribution)
    ref = printed("coefficients", model)
    ours = res.coefficients.set_index("term")["estimate"]
    terms = ref.term.map(TERMS | {"eta": "eta"})
    np.testing.assert_allclose(ours[terms], ref.estimate, rtol=1e-3 if distribution == "truncated-normal" else 1e-4)
    assert res.loglik == pytest.approx(printed("loglik", model).loglik.iloc[0], rel=1e-6)
    assert res.restrictions == 1 + (distribution == "truncated-normal") + (panel == "time-varying")
    efficiencies = printed("efficiencies", model)
    if len(efficiencies):  # printed by the data's row number
        np.testing.assert_allclose(res.units.efficiency.iloc[efficiencies.observation.astype(int) - 1],
                                   efficiencies.efficiency, atol=6e-4)
