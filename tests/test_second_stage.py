"""Second stage: Tobit and Simar–Wilson (2007) truncated regression of DEA scores.

References: R AER's ``tobit`` and censReg's ``censReg`` on Fair's (1978) affairs data, R
survival's ``survreg`` Tobit and truncreg's truncated regression on Tobin's (1958) data, as
printed (tests/reference/README.md); the Simar–Wilson bootstrap by recovery of the
parameters of its own data-generating process.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import reference, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import minimize_scalar

from healthalloc.data import DataError, load_guangxi_2022
from healthalloc.efficiency.second_stage import _ols_start, _Truncated, second_stage
from healthalloc.efficiency.sfa import _hessian

AFFAIRS = ["age", "yearsmarried", "religiousness", "occupation", "rating"]


def affairs() -> pd.DataFrame:
    return pd.read_csv(reference("efficiency/affairs.csv"))


def tobin() -> pd.DataFrame:
    return pd.read_csv(reference("efficiency/tobin.csv"))


@pytest.mark.parametrize("upper, printed", [
    # AER::tobit(affairs ~ ..., data = Affairs) (= censReg, log-likelihood −705.5762), coeftest()
    (None, [(8.174197, 2.741446), (-0.179333, 0.079093), (0.554142, 0.134518), (-1.686220, 0.403752),
            (0.326053, 0.254425), (-2.284973, 0.407828), (2.109859, 0.067098)]),
    # AER::tobit(..., right = 4): censored at 0 and at 4
    (4.0, [(7.900980, 2.803855), (-0.177598, 0.079906), (0.532302, 0.141168), (-1.616336, 0.424397),
           (0.324186, 0.253878), (-2.207007, 0.449832), (2.072319, 0.110396)]),
])
def test_tobit_equals_r_aer_on_the_affairs_data(upper, printed):
    """Estimates and standard errors as printed to 6 decimals (±2e-6); the last row is
    R's Log(scale): ln σ and its standard error (ours: σ by the delta method)."""
    res = second_stage(affairs(), AFFAIRS, score="affairs", lower=0.0, upper=upper)
    table = res.coefficients.set_index("term")
    est, se = np.array(printed).T
    np.testing.assert_allclose(table.estimate.iloc[:-1], est[:-1], atol=2e-6)
    np.testing.assert_allclose(table.std_error.iloc[:-1], se[:-1], atol=2e-6)
    sigma = table.loc["sigma"]
    assert np.log(sigma.estimate) == pytest.approx(est[-1], abs=2e-6)
    assert sigma.std_error / sigma.estimate == pytest.approx(se[-1], abs=2e-6)
    if upper is None:
        assert res.loglik == pytest.approx(-705.5762, abs=1e-4) and res.n_censored == 451


def test_tobit_equals_survreg_on_tobins_data():
    """``survreg(Surv(durable, durable > 0, type = "left") ~ age + quant, dist = "gaussian")``:
    15.1449 (16.0795), −0.1291 (0.2186), −0.0455 (0.0583), Log(scale) 1.7179 (0.3103),
    log-likelihood −28.9, as printed (half a unit of the last digit)."""
    res = second_stage(tobin(), ["age", "quant"], score="durable", lower=0.0, upper=None)
    table = res.coefficients.set_index("term")
    np.testing.assert_allclose(table.estimate.iloc[:3], [15.1449, -0.1291, -0.0455], atol=5e-5)
    np.testing.assert_allclose(table.std_error.iloc[:3], [16.0795, 0.2186, 0.0583], atol=5e-5)
    assert np.log(table.estimate["sigma"]) == pytest.approx(1.7179, abs=5e-5)
    assert res.loglik == pytest.approx(-28.9, abs=0.05)


def test_truncated_regression_equals_truncreg_on_tobins_data():
    """``truncreg(durable ~ age + quant, subset = durable > 0)`` printed β/σ = 7.62674516,
    0.26094645, −0.07190702. The likelihood is flat along that ray: R's point is within 2e-4
    (relative) of ours, and ours has the higher log-likelihood (R's ratios, σ profiled)."""
    data = tobin()
    data = data[data.durable > 0]
    Z = np.column_stack([np.ones(len(data)), data[["age", "quant"]].to_numpy(float)])
    model = _Truncated(data.durable.to_numpy(float), Z, point=0.0)
    theta = model.newton(_ols_start(model.y, Z))
    r_ratios = np.array([7.62674516, 0.26094645, -0.07190702])
    np.testing.assert_allclose(theta[:-1] / np.exp(theta[-1]), r_ratios, rtol=2e-4)
    profile = minimize_scalar(lambda s: -model.scores(np.r_[r_ratios * np.exp(s), s])[0].sum(),
                              bounds=(-3, 6), method="bounded", options={"xatol": 1e-12})
    assert model.scores(theta)[0].sum() >= -profile.fun - 1e-9


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(8, 60), point=st.floats(-1, 2))
def test_analytic_hessian_equals_differences_of_the_gradient(seed, n, point):
    """The truncated regression's Hessian against central differences of its gradient
    (rtol 1e-4 of the largest entry), at a random point."""
    rng = np.random.default_rng(seed)
    Z = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = point + rng.exponential(1.0, n)
    model = _Truncated(y, Z, point)
    theta = np.r_[rng.normal(point, 1, 2), rng.normal(0, 0.3)]
    analytic = model.hessian(theta)
    numeric = -_hessian(model, theta)
    np.testing.assert_allclose(analytic, numeric, atol=1e-4 * np.abs(numeric).max())


def test_without_censoring_the_tobit_is_least_squares():
    """No score at a bound: the Tobit MLE is OLS with σ² = RSS/n (numpy's lstsq, ±1e-6)."""
    rng = np.random.default_rng(4)
    z = rng.uniform(0, 1, 40)
    data = pd.DataFrame({"z": z, "te": 0.4 + 0.3 * z + rng.normal(0, 0.05, 40)})
    res = second_stage(data, ["z"], score="te")
    Z = np.column_stack([np.ones(40), z])
    beta, rss = np.linalg.lstsq(Z, data.te, rcond=None)[:2]
    np.testing.assert_allclose(res.coefficients.estimate, [*beta, np.sqrt(rss[0] / 40)], atol=1e-6)
    assert res.n_censored == 0


def truncated_sample(n: int, seed: int, beta=(1.0, 0.5), sigma=0.6) -> pd.DataFrame:
    """Simar & Wilson's model: δ = 1 + … ≥ 1 from a normal regression truncated at 1."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(0, 4, n)
    mu = beta[0] + beta[1] * z
    delta = mu + stats.truncnorm.rvs((1 - mu) / sigma, np.inf, scale=sigma, random_state=rng)
    return pd.DataFrame({"z": z, "te": 1 / delta, "x": rng.uniform(1, 10, n)})


def test_simar_wilson_algorithm_1_recovers_the_truth():
    """n = 300 from β = (1, 0.5), σ = 0.6: each estimate within 3 bootstrap standard errors
    of the truth, and the bootstrap standard errors within 30% of the observed information's
    (the truncated regression's own asymptotics)."""
    data = truncated_sample(300, 3)
    res = second_stage(data, ["z"], score="te", method="simar-wilson", n_boot=400, seed=1, progress=False)
    table = res.coefficients.set_index("term")
    assert res.algorithm == 1 and res.dependent == "distance" and res.n_used == 300
    assert (np.abs(table.estimate - [1.0, 0.5, 0.6]) <= 3 * table.std_error).all(), table
    model = _Truncated(1 / data.te.to_numpy(), np.column_stack([np.ones(300), data.z]))
    theta = model.newton(_ols_start(model.y, model.Z))
    information = np.sqrt(np.diag(np.linalg.inv(-model.hessian(theta))))[:2]
    np.testing.assert_allclose(table.std_error.iloc[:2], information, rtol=0.3)
    assert (table.ci_low < table.estimate).all() and (table.estimate < table.ci_high).all()


def test_simar_wilson_algorithm_2_recovers_the_truth_and_is_the_same_on_every_engine():
    """DEA scores of y = √x / δ (one input, output orientation, VRS): Algorithm 2's
    bias-corrected regression covers β = (1, 0.5) within 3 bootstrap standard errors; the
    same seed gives identical tables serially and on processes."""
    data = truncated_sample(120, 5)
    data["y"] = np.sqrt(data.x) * data.te
    kwargs = dict(inputs=["x"], outputs=["y"], method="simar-wilson", orientation="output", rts="vrs",
                  n_boot=200, bias_bootstrap=20, seed=7, progress=False)
    res = second_stage(data, ["z"], **kwargs)
    table = res.coefficients.set_index("term")
    assert res.algorithm == 2 and "bias_corrected" in res.scores
    assert (res.scores.bias_corrected <= res.scores.efficiency + 1e-9).all()
    assert (np.abs(table.estimate.iloc[:2] - [1.0, 0.5]) <= 3 * table.std_error.iloc[:2]).all(), table
    other = second_stage(data, ["z"], **kwargs, engine="processes", workers=2)
    pd.testing.assert_frame_equal(res.coefficients, other.coefficients)


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "tobit"}, "give the efficiency column"),
    ({"score": "te", "method": "simar-wilson", "algorithm": 2}, "Algorithm 2 bootstraps the DEA"),
    ({"score": "x", "method": "simar-wilson"}, r"scores in \(0, 1\]"),
    ({"score": "te", "method": "logit"}, "must be one of"),
])
def test_bad_requests_are_one_clear_error(kwargs, message):
    with pytest.raises((ValueError, DataError), match=message):
        second_stage(truncated_sample(30, 1), ["z"], **kwargs)


def test_a_truncated_regression_without_a_finite_maximum_is_refused():
    """Guangxi's 14 cities (seed 000): distances 1/θ from 2 to 16 fall away like an
    exponential tail, so σ̂ grows without bound; refused rather than reported."""
    with pytest.raises(DataError, match="no finite maximum"):
        second_stage(load_guangxi_2022(), ["gdp_per_capita"], score="efficiency",
                     method="simar-wilson", n_boot=10, seed=1)


def test_every_score_censored_is_refused():
    data = pd.DataFrame({"te": [1.0] * 5, "z": range(5)})
    with pytest.raises(DataError, match="every score is at a censoring bound"):
        second_stage(data, ["z"], score="te")


def test_cli_writes_the_contract(tmp_path, capsys):
    """``healthalloc second-stage DATA --score COL --covariates Z1,Z2 --method M -o OUT.csv``:
    OUT.csv starts term, estimate, std_error, ci_low, ci_high; OUT.scores.csv and
    OUT.summary.json beside it (the --help example, Tobit on seed 000's Guangxi data)."""
    data = tmp_path / "guangxi.csv"
    load_guangxi_2022().to_csv(data, index=False)
    out = tmp_path / "tobit.csv"
    assert run_cli(["second-stage", str(data), "--score", "efficiency", "--covariates",
                    "gdp_per_capita,urbanization_rate", "-o", str(out)], capsys)[0] == 0
    table = pd.read_csv(out)
    assert list(table.columns[:5]) == ["term", "estimate", "std_error", "ci_low", "ci_high"]
    assert list(table.term) == ["(Intercept)", "gdp_per_capita", "urbanization_rate", "sigma"]
    assert list(pd.read_csv(tmp_path / "tobit.scores.csv").columns) == ["city", "efficiency"]
    summary = json.loads((tmp_path / "tobit.summary.json").read_text())
    assert summary["method"] == "tobit" and summary["n"] == 14 and summary["n_censored"] == 1
    sw = tmp_path / "sw.csv"
    sample = tmp_path / "sample.csv"
    truncated_sample(80, 2).to_csv(sample, index=False)
    assert run_cli(["second-stage", str(sample), "--score", "te", "--covariates", "z", "--method", "simar-wilson",
                    "--bootstrap", "50", "--seed", "1", "--quiet", "-o", str(sw)], capsys)[0] == 0
    assert pd.read_csv(sw).z.isna().all()


@pytest.mark.parametrize("method", ["tobit", "simar-wilson"])
@pytest.mark.parametrize("rows, message", [
    ([], "0 units cannot identify"),
    ([(0.5, 1.0)], "1 units cannot identify"),
    ([(0.5, 2.0), (0.7, 2.0), (0.4, 2.0), (0.9, 2.0)], "constant or collinear"),
    ([(0.5, 1e300), (0.7, 2e300), (0.4, 3e300), (0.9, 5e300)], "values too large"),
    ([(0.5, 1.0), (0.7, 2.0), ("x", 3.0), (0.9, 5.0)], r"column 'te' has non-numeric values in row 3 \('x'\)"),
])
def test_degenerate_tables_are_one_clear_error(method, rows, message):
    """Empty, one row, a constant covariate, values near 1e300, text: a DataError, no traceback."""
    data = pd.DataFrame(rows, columns=["te", "z"])
    with pytest.raises(DataError, match=message):
        second_stage(data, ["z"], score="te", method=method, n_boot=5, seed=1)
