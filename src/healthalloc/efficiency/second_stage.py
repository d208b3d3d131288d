"""Second stage: why some units are inefficient, by regressing DEA scores on their environment.

Two methods, both by maximum likelihood with μᵢ = zᵢ'β (an intercept first):

* ``tobit`` — the common "DEA–Tobit": the scores θᵢ ∈ (0, 1] censored at ``upper`` = 1 (a
  score within ``EFFICIENT_TOL`` of it counts as censored), optionally also at ``lower``:
  ln L = Σ_uncensored [ln φ(rᵢ) − ln σ] + Σ_{θ ≥ U} ln Φ((μᵢ − U)/σ) + Σ_{θ ≤ L} ln Φ((L − μᵢ)/σ),
  rᵢ = (θᵢ − μᵢ)/σ. Standard errors from the observed information; Wald z, p and intervals.
* ``simar-wilson`` — Simar & Wilson (2007): the Farrell distances δᵢ = 1/θᵢ ≥ 1 follow a
  normal regression truncated at 1, δᵢ = zᵢ'β + εᵢ, εᵢ ~ N(0, σ²) with εᵢ ≥ 1 − zᵢ'β, so a
  positive β means *less* efficient. The fully efficient units (δ̂ = 1) are left out of the
  truncated regression. Inference by parametric bootstrap, each replication drawing
  εᵢ* from the fitted truncated normal, δᵢ* = zᵢ'β̂ + εᵢ*, and refitting (β̂*, σ̂*):

  - Algorithm 1: on the DEA scores as given (``score``, or computed from ``inputs`` and
    ``outputs``);
  - Algorithm 2 (``inputs`` and ``outputs`` given): first ``bias_bootstrap`` (L1)
    replications of the DEA itself with pseudo-data drawn from the fitted truncated
    regression (input orientation x*ᵢ = xᵢ δᵢ*/δ̂ᵢ, output y*ᵢ = yᵢ δ̂ᵢ/δᵢ*) give each
    unit's bias and the bias-corrected distances δ̂̂ᵢ = 2δ̂ᵢ − mean(δ̂ᵢ*), on which the
    truncated regression and its bootstrap (``bootstrap`` = L2 replications) run.

  ``std_error`` is the bootstrap standard deviation and the interval the basic bootstrap
  interval of Simar & Wilson's step: [β̂ − q(1 − α/2), β̂ − q(α/2)], q the quantiles of
  β̂* − β̂. Replication r draws from the r-th child of ``seed``'s SeedSequence, so the result
  is the same on every engine.

References
----------
Tobin, J. (1958). Estimation of relationships for limited dependent variables.
*Econometrica* 26(1), 24–36.
Simar, L., Wilson, P. W. (2007). Estimation and inference in two-stage, semi-parametric
models of production processes. *J. Econometrics* 136(1), 31–64.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import log_ndtr

from healthalloc.data.messages import listing
from healthalloc.data.panel import numeric_matrix, unit_column
from healthalloc.data.validate import DataError, check_columns
from healthalloc.efficiency.dea import EFFICIENT_TOL, dea
from healthalloc.efficiency.declarations import ALPHA, SECOND_STAGE
from healthalloc.efficiency.sfa import _hessian, _maximise, full_rank, log_phi, mills
from healthalloc.engine import ENGINE, Executor, get_executor, progress_bar, show_progress
from healthalloc.params import declared
from healthalloc.report.tables import format_number, p_text
from healthalloc.result import Result

__all__ = ["PARAMS", "SecondStageResult", "second_stage"]

PARAMS = SECOND_STAGE + ENGINE
#: A truncated-regression σ̂ beyond this many standard deviations of the distances is divergence.
DEGENERATE = 20.0
#: Bootstrap replications per engine task.
REPLICATIONS_PER_TASK = 50
#: The columns :meth:`SecondStageResult.to_frame` starts with.
COLUMNS = ("term", "estimate", "std_error", "ci_low", "ci_high", "z", "p_value")


@dataclass(frozen=True)
class _Censored:
    """Tobit: ``y`` censored below at ``lower`` and above at ``upper`` (masks ``low``, ``high``)."""

    y: np.ndarray
    Z: np.ndarray
    lower: float | None
    upper: float | None
    low: np.ndarray
    high: np.ndarray

    def scores(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-observation log-likelihood and gradient in (β, ln σ)."""
        beta, sigma = theta[:-1], np.exp(theta[-1])
        mu = self.Z @ beta
        r = (self.y - mu) / sigma
        ll = log_phi(r) - theta[-1]
        d_mu, d_s = r / sigma, r ** 2 - 1  # uncensored
        for mask, bound, sign in ((self.low, self.lower, -1.0), (self.high, self.upper, 1.0)):
            if bound is None or not mask.any():
                continue
            a = sign * (mu[mask] - bound) / sigma  # ln Φ(a): P(y ≤ L) or P(y ≥ U)
            lam = mills(a)
            ll[mask] = log_ndtr(a)
            d_mu[mask], d_s[mask] = sign * lam / sigma, -lam * a
        return ll, np.column_stack([d_mu[:, None] * self.Z, d_s])


@dataclass(frozen=True)
class _Truncated:
    """A normal regression of ``y`` truncated below at ``point`` (Simar & Wilson's δ ≥ 1)."""

    y: np.ndarray
    Z: np.ndarray
    point: float = 1.0

    def scores(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ln φ(r) − ln σ − ln Φ((μ − c)/σ) per observation, and its gradient in (β, ln σ)."""
        beta, sigma = theta[:-1], np.exp(theta[-1])
        mu = self.Z @ beta
        r, a = (self.y - mu) / sigma, (mu - self.point) / sigma
        lam = mills(a)
        ll = log_phi(r) - theta[-1] - log_ndtr(a)
        return ll, np.column_stack([((r - lam) / sigma)[:, None] * self.Z, r ** 2 - 1 + lam * a])

    def newton(self, start: np.ndarray, *, tol: float = 1e-14, steps: int = 100) -> np.ndarray:
        """The maximum likelihood estimate by Newton's method on the analytic Hessian, halving
        steps that lower ln L, until the Newton decrement is below ``tol`` (the bootstrap's
        many refits start at the estimate they perturb)."""
        theta = np.asarray(start, dtype=float)
        ll, g = self.scores(theta)
        value, gradient = ll.sum(), g.sum(axis=0)
        for _ in range(steps):
            try:
                step = np.linalg.solve(self.hessian(theta), gradient)
            except np.linalg.LinAlgError:
                break
            if -gradient @ step < tol:  # the Newton decrement: ln L within tol of its maximum
                return theta
            for size in 0.5 ** np.arange(30):
                trial = theta - size * step
                ll, g = self.scores(trial)
                if ll.sum() >= value:
                    theta, value, gradient = trial, ll.sum(), g.sum(axis=0)
                    break
            else:
                break
        return _fit(self, theta)[0]  # no Newton progress: the general optimizer

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∂²ln L/∂(β, ln σ)², with λ = φ(a)/Φ(a) and λ' = −λ(a + λ)."""
        beta, sigma = theta[:-1], np.exp(theta[-1])
        mu = self.Z @ beta
        r, a = (self.y - mu) / sigma, (mu - self.point) / sigma
        lam = mills(a)
        slope = -lam * (a + lam)
        cross = self.Z.T @ ((-2 * r + lam + a * slope) / sigma)
        return np.block([[-(self.Z.T * ((1 + slope) / sigma ** 2)) @ self.Z, cross[:, None]],
                         [cross[None, :], np.array([[np.sum(-2 * r ** 2 - a ** 2 * slope - a * lam)]])]])


def _fit(model, start: np.ndarray) -> tuple[np.ndarray, float]:
    with np.errstate(all="ignore"):  # trial steps far out overflow; their ln L is rejected
        theta, loglik = _maximise(model, [start])
    if not np.isfinite(loglik):
        raise DataError("the second-stage likelihood has no finite maximum; check the scores and covariates")
    return theta, loglik


def _truncated_fit(y: np.ndarray, Z: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The truncated regression's estimate, refused where the likelihood has no finite
    maximum: distances falling away from 1 like the far tail of a normal centred well below
    it drive σ̂ → ∞ and the intercept → −∞ (σ̂ beyond ``DEGENERATE`` × the distances' sd)."""
    theta = _fit(_Truncated(y, Z), start)[0]
    if not np.isfinite(theta).all() or np.exp(theta[-1]) > DEGENERATE * y.std():
        raise DataError("the truncated regression has no finite maximum-likelihood estimate: the distances 1/score "
                        "fall away from 1 like the far tail of a normal (σ̂ grows without bound); the Tobit or "
                        "fewer covariates may fit")
    return theta


def _ols_start(y: np.ndarray, Z: np.ndarray) -> np.ndarray:
    beta = np.linalg.lstsq(Z, y, rcond=None)[0]
    resid = y - Z @ beta
    return np.r_[beta, np.log(max(resid.std(), 1e-3))]


def _draw(rng: np.random.Generator, mu: np.ndarray, sigma: float, point: float = 1.0) -> np.ndarray:
    """μᵢ + εᵢ with εᵢ ~ N(0, σ²) truncated to μᵢ + εᵢ ≥ ``point`` (inverse CDF)."""
    return mu + stats.truncnorm.rvs((point - mu) / sigma, np.inf, scale=sigma, random_state=rng)


def _refits(seeds, Z: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """One (β̂*, ln σ̂*) row per seed: δ* drawn from the truncated regression at ``theta``, refitted."""
    mu, sigma = Z @ theta[:-1], float(np.exp(theta[-1]))
    with np.errstate(all="ignore"):  # trial steps far out overflow; their ln L is rejected
        return np.array([_Truncated(_draw(np.random.default_rng(s), mu, sigma), Z).newton(theta) for s in seeds])


def _pseudo_distances(seeds, X, Y, dist, Z, theta, *, rts: str, orientation: str) -> np.ndarray:
    """Algorithm 2's DEA replications: δ̂ᵢ* of the units against pseudo-data whose distances
    δᵢ* come from the truncated regression (units × seeds), each pseudo-unit on its unit's ray."""
    from healthalloc.efficiency.bootstrap import moved_distances

    mu, sigma = Z @ theta[:-1], float(np.exp(theta[-1]))
    drawn = np.stack([_draw(np.random.default_rng(s), mu, sigma) for s in seeds])
    return moved_distances(X, Y, dist, drawn, rts=rts, orientation=orientation)


def _chunks(seeds: list, size: int = REPLICATIONS_PER_TASK) -> list:
    return [seeds[i:i + size] for i in range(0, len(seeds), size)]


@dataclass(frozen=True)
class SecondStageResult(Result):
    """The second-stage regression of DEA scores on covariates.

    Attributes
    ----------
    coefficients : DataFrame
        ``term, estimate, std_error, ci_low, ci_high, z, p_value`` per covariate (the
        intercept first) and ``sigma`` last; z and p for the Tobit only.
    method : str
        ``"tobit"`` or ``"simar-wilson"``; ``algorithm`` 1 or 2 for the latter.
    dependent : str
        ``"efficiency"`` (Tobit, θ) or ``"distance"`` (Simar–Wilson, δ = 1/θ).
    scores : DataFrame
        Per unit the efficiency used and, for Algorithm 2, ``bias_corrected`` efficiency.
    n, n_used : int
        Units, and units in the regression (Simar–Wilson leaves the efficient out).
    n_censored : int
        Tobit: scores at a censoring bound.
    loglik : float
        The fitted log-likelihood.
    replicates : ndarray
        Bootstrap (β̂*, σ̂*) rows (Simar–Wilson), else empty.
    """

    coefficients: pd.DataFrame
    method: str
    algorithm: int | None
    dependent: str
    score: str
    covariates: tuple[str, ...]
    scores: pd.DataFrame
    n: int
    n_used: int
    n_censored: int
    loglik: float
    alpha: float
    n_boot: int
    seed: int | None
    replicates: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table, ``term`` first."""
        return self.coefficients

    def summary(self) -> pd.DataFrame:
        return self.coefficients.set_index("term")

    def summary_json(self) -> dict:
        return {"method": self.method, "algorithm": self.algorithm, "dependent": self.dependent, "n": self.n,
                "n_used": self.n_used, "n_censored": self.n_censored, "loglik": self.loglik,
                "bootstrap": self.n_boot, "alpha": self.alpha, "seed": self.seed}

    def reading(self) -> str:
        table = self.coefficients[self.coefficients.term.isin(self.covariates)]
        if self.method == "tobit":
            strongest = table.loc[table.p_value.idxmin()]
            return (f"Tobit of {self.score} censored at 1 ({self.n} units, {self.n_censored} censored): "
                    f"{strongest.term} has the strongest association (β = {format_number(strongest.estimate, 'coefficient')}, "
                    f"{p_text(strongest.p_value)}).")
        excludes = table[(table.ci_low > 0) | (table.ci_high < 0)]
        level = f"{100 * (1 - self.alpha):g}%"
        found = (", ".join(f"{t} (β = {format_number(b, 'coefficient')})" for t, b in zip(excludes.term, excludes.estimate))
                 or "none of the covariates")
        return (f"Simar–Wilson Algorithm {self.algorithm} ({self.n_used} of {self.n} units, {self.n_boot} "
                f"replications): the {level} interval excludes 0 for {found}; positive β means less efficient.")

    def figures(self, **_):
        from healthalloc.report.figures.intervals import dot_whisker

        table = self.coefficients[self.coefficients.term.isin(self.covariates)].set_index("term")
        level = f"{100 * (1 - self.alpha):g}%"
        caption = (f"Second-stage coefficients with {level} intervals ("
                   + ("Tobit, Wald" if self.method == "tobit" else f"Simar–Wilson Algorithm {self.algorithm}, "
                      "bootstrap; the dependent is the distance 1/θ") + ").")
        return {"coefficients": (caption, lambda: dot_whisker(
            table.estimate, table.ci_low, table.ci_high, reference=0.0, xlabel="coefficient",
            labels=("estimate", f"{level} interval", ""))) }


@declared(PARAMS, data=("data",))
def second_stage(
    data: pd.DataFrame,
    covariates: list[str],
    *,
    score: str | None = None,
    method: str = "tobit",
    inputs: list[str] | None = None,
    outputs: list[str] | None = None,
    unit: str | None = None,
    rts: str = "vrs",
    orientation: str = "input",
    algorithm: int | None = None,
    n_boot: int = 2000,
    bias_bootstrap: int = 100,
    alpha: float = ALPHA,
    lower: float | None = None,
    upper: float = 1.0,
    seed: int | None = None,
    progress: bool | None = None,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> SecondStageResult:
    """Regress DEA efficiency scores on ``covariates`` (module docstring).

    Parameters
    ----------
    data : DataFrame
        One row per unit: the covariates and either ``score`` (efficiency in (0, 1]) or the
        DEA ``inputs`` and ``outputs`` (scores computed with ``rts`` and ``orientation``).

    Returns
    -------
    SecondStageResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"te": [1, .8, .6, 1, .7, .9, .5, .75], "z": [3, 2, 1, 4, 2, 3, 1, 2]})
    >>> second_stage(df, ["z"], score="te").coefficients.term.tolist()
    ['(Intercept)', 'z', 'sigma']
    """
    covariates = list(covariates)
    check_columns(data, covariates)
    if score is None and not (inputs and outputs):
        raise ValueError("give the efficiency column (score) or the DEA inputs and outputs to compute it")
    if algorithm == 2 and not (inputs and outputs):
        raise ValueError("Simar–Wilson Algorithm 2 bootstraps the DEA itself: give its inputs and outputs")
    algorithm = (algorithm or (2 if inputs and outputs else 1)) if method == "simar-wilson" else None
    unit = unit_column(data, unit, exclude=[*covariates, *([score] if score else []), *(inputs or []),
                                            *(outputs or [])])
    frame = data.set_index(unit) if unit else data
    if score is None:
        est = dea(data, inputs, outputs, unit=unit, rts=rts, orientation=orientation, slacks=False, progress=False)
        theta = est.efficiency.to_numpy(float)
        score = "efficiency"
    else:
        theta = numeric_matrix(data, [score], unit=unit)[:, 0]
    Z = np.column_stack([np.ones(len(theta)), numeric_matrix(data, covariates, unit=unit)])
    if method == "simar-wilson" and not ((theta > 0) & (theta <= 1 + EFFICIENT_TOL)).all():
        raise DataError(f"Simar–Wilson takes efficiency scores in (0, 1]; {score} has values outside")
    if len(theta) <= Z.shape[1] + 1 or not full_rank(Z):
        raise DataError(f"{len(theta)} units cannot identify a regression on {listing(covariates)}: too few units, "
                        "a covariate constant or collinear with others, or values too large (rescale them)")
    names = ["(Intercept)", *covariates]
    scores = pd.DataFrame({"efficiency": theta}, index=frame.index)
    common = dict(method=method, algorithm=algorithm, score=score, covariates=tuple(covariates), n=len(theta),
                  alpha=alpha, seed=seed)
    if method == "tobit":
        return _tobit(theta, Z, names, lower, upper, scores, common)
    show = show_progress(progress)
    with get_executor(engine, scheduler=scheduler, workers=workers) as ex:
        dist = 1 / np.minimum(theta, 1.0)
        keep = dist > 1 + EFFICIENT_TOL
        if keep.sum() <= Z.shape[1] + 1:
            raise DataError(f"only {keep.sum()} inefficient units: too few for a truncated regression on "
                            f"{len(covariates)} covariate(s)")
        fit = _truncated_fit(dist[keep], Z[keep], _ols_start(dist[keep], Z[keep]))
        root = np.random.SeedSequence(seed)
        if algorithm == 2:
            X, Y = (frame[list(c)].to_numpy(float) for c in (inputs, outputs))
            seeds = root.spawn(bias_bootstrap)
            run = partial(_pseudo_distances, X=X, Y=Y, dist=dist, Z=Z, theta=fit, rts=rts, orientation=orientation)
            with progress_bar(show, total=bias_bootstrap, desc="DEA bias bootstrap", unit="rep") as bar:
                chunks = _chunks(seeds)
                boot = np.hstack(ex.map(run, chunks, done=lambda i: bar.update(len(chunks[i]))))
            dist = 2 * dist - boot.mean(axis=1)
            scores["bias_corrected"] = 1 / dist
            keep = dist > 1 + EFFICIENT_TOL
            fit = _truncated_fit(dist[keep], Z[keep], fit)
        model = _Truncated(dist[keep], Z[keep])
        loglik = float(model.scores(fit)[0].sum())
        seeds = root.spawn(n_boot)
        chunks = _chunks(seeds)
        with progress_bar(show, total=n_boot, desc="Simar–Wilson bootstrap", unit="rep") as bar:
            reps = np.vstack(ex.map(partial(_refits, Z=Z[keep], theta=fit), chunks,
                                    done=lambda i: bar.update(len(chunks[i]))))
    estimate = np.r_[fit[:-1], np.exp(fit[-1])]
    draws = np.column_stack([reps[:, :-1], np.exp(reps[:, -1])])
    q = np.quantile(draws - estimate, [alpha / 2, 1 - alpha / 2], axis=0)
    table = pd.DataFrame({"term": [*names, "sigma"], "estimate": estimate, "std_error": draws.std(axis=0, ddof=1),
                          "ci_low": estimate - q[1], "ci_high": estimate - q[0], "z": np.nan, "p_value": np.nan})
    return SecondStageResult(coefficients=table, dependent="distance", scores=scores, n_used=int(keep.sum()),
                             n_censored=0, loglik=loglik, n_boot=n_boot, replicates=draws, **common)


def _tobit(y, Z, names, lower, upper, scores, common) -> SecondStageResult:
    low = np.zeros(len(y), bool) if lower is None else y <= lower + EFFICIENT_TOL
    high = np.zeros(len(y), bool) if upper is None else y >= upper - EFFICIENT_TOL
    if (low | high).all():
        raise DataError("every score is at a censoring bound: nothing to regress")
    model = _Censored(y, Z, lower, upper, low, high)
    theta, loglik = _fit(model, _ols_start(y, Z))
    cov = np.linalg.inv(_hessian(model, theta))
    se = np.sqrt(np.diag(cov))
    sigma = np.exp(theta[-1])
    estimate, std_error = np.r_[theta[:-1], sigma], np.r_[se[:-1], sigma * se[-1]]  # delta method for σ
    z = theta / se  # the Wald z of ln σ for the last row, as R's Log(scale)
    crit = stats.norm.ppf(1 - common["alpha"] / 2)
    table = pd.DataFrame({"term": [*names, "sigma"], "estimate": estimate, "std_error": std_error,
                          "ci_low": estimate - crit * std_error, "ci_high": estimate + crit * std_error,
                          "z": z, "p_value": 2 * stats.norm.sf(np.abs(z))})
    table.loc[table.index[-1], ["z", "p_value"]] = np.nan
    return SecondStageResult(coefficients=table, dependent="efficiency", scores=scores, n_used=len(y),
                             n_censored=int((low | high).sum()), loglik=float(loglik), n_boot=0,
                             replicates=np.empty((0, len(names) + 1)), **common)
