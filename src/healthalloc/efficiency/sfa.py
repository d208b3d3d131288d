"""Stochastic frontier analysis: production and cost frontiers by maximum likelihood.

The frontier is ``ln y = x'β + v − s·u`` with noise ``v ~ N(0, σ_v²)``, inefficiency ``u ≥ 0``
and ``s = 1`` for a production frontier, ``s = −1`` for a cost frontier (``ln C = x'β + v +
u``); ``x`` holds the logged inputs (Cobb–Douglas) and, for the translog, ``½ ln² x_j`` and the
cross terms ``ln x_j ln x_k`` as well. The inefficiency is

=====================  ===========================================================  ==================================
``half-normal``        ``u ~ N⁺(0, σ_u²)``                                          Aigner, Lovell & Schmidt (1977)
``truncated-normal``   ``u ~ N⁺(μ, σ_u²)``                                          Stevenson (1980)
``exponential``        ``u ~ Exp`` with mean ``σ_u``                                Meeusen & van den Broeck (1977)
determinants           ``u_i ~ N⁺(z_i'δ, σ_u²)``, δ with an intercept               Battese & Coelli (1995)
=====================  ===========================================================  ==================================

as R ``frontier`` (Coelli's FRONTIER 4.1) parametrizes them: ``σ² = σ_u² + σ_v²``, ``γ =
σ_u²/σ²``, and ``λ = σ_u/σ_v``. The log-likelihood is maximised from OLS with method-of-moments
starting values (the intercept shifted by E[u], σ_u from the third moment of the OLS
residuals) and a grid over γ, by BFGS on analytic scores polished by Newton steps. Standard
errors come from the inverse of the Hessian of the log-likelihood (central differences of
the analytic scores); where it is not negative definite, from the outer product of the
scores (BHHH), and a warning says so.

Unit efficiencies are Battese & Coelli's (1988) ``E[exp(−u)|ε]`` (``efficiency``, R
``frontier``'s ``efficiencies()``) and Jondrow et al.'s (1982) ``exp(−E[u|ε])``
(``efficiency_jlms``), both in (0, 1], for cost frontiers too (cost efficiency). The
likelihood-ratio test of no inefficiency compares with OLS; its statistic has a mixed
χ² distribution under the null (γ = 0 lies on the boundary), ½χ²(q − 1) + ½χ²(q) with q
restrictions (Kodde & Palm 1986; q = 1 half-normal and exponential, 2 truncated-normal,
1 + number of δ with determinants).

Panels (``by``) are pooled by default, each unit-period one observation with its own ``u``;
``panel="time-invariant"`` gives each unit one ``u_i`` (Battese & Coelli 1988; Pitt & Lee
1981) and ``panel="time-varying"`` lets it decay, ``u_it = exp(−η (t − T)) u_i`` with t the
period's position and T the last (Battese & Coelli 1992), as FRONTIER 4.1 and R ``frontier``
(``timeEffect``) fit them; their scores come from central differences.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import log_ndtr

from healthalloc.data.panel import check_panel
from healthalloc.data.validate import DataError
from healthalloc.params import REQUIRED, UNIT, Param, Params, declared
from healthalloc.report.tables import p_text
from healthalloc.result import Result, last_period

__all__ = ["DISTRIBUTIONS", "FORMS", "PANELS", "PARAMS", "SFAResult", "sfa"]

#: ln √(2π).
LOG_ROOT_2PI = 0.5 * np.log(2 * np.pi)
DISTRIBUTIONS = ("half-normal", "truncated-normal", "exponential")
FORMS = ("cobb-douglas", "translog")
PANELS = ("pooled", "time-invariant", "time-varying")
#: Starting values of γ tried (R frontier's grid search runs over γ too).
GAMMA_GRID = (0.1, 0.3, 0.5, 0.7, 0.9)
#: μ below −LIMIT·σ_u: the truncated normal has drifted to its exponential limit (a warning).
LIMIT = 5

PARAMS = Params(
    Param("output", REQUIRED, "output column, > 0, logged (for a cost frontier: the cost)", role="output"),
    Param("inputs", REQUIRED, "input columns, > 0, logged (for a cost frontier: the output and the input prices)",
          role="inputs", many=True),
    UNIT,
    Param("by", None, "period column: the panel is pooled, one observation per unit and period", role="period"),
    Param("distribution", "half-normal", "distribution of the inefficiency u", choices=DISTRIBUTIONS),
    Param("form", "cobb-douglas", "functional form: logs of the inputs (cobb-douglas), plus their halved "
          "squares and cross products (translog)", choices=FORMS),
    Param("cost", False, "a cost frontier: inefficiency raises the cost (ln C = x'b + v + u)"),
    Param("determinants", None, "inefficiency determinants z (Battese & Coelli 1995: u ~ N+(z'd, su^2) with an "
          "intercept in d; implies the truncated normal)", many=True, metavar="Z1,Z2"),
    Param("panel", "pooled", "with by: pooled (each unit-period its own u), time-invariant (one u per unit; "
          "Battese & Coelli 1988) or time-varying (u_it = exp(-eta (t - T)) u_i; Battese & Coelli 1992)",
          choices=PANELS),
)


def log_phi(x: np.ndarray) -> np.ndarray:
    """ln φ(x), the standard normal log density (closed form: scipy's is ~20× slower here)."""
    return -0.5 * x * x - LOG_ROOT_2PI


def mills(x: np.ndarray) -> np.ndarray:
    """φ(x)/Φ(x), the inverse Mills ratio, stable in both tails."""
    return np.exp(log_phi(x) - log_ndtr(x))


@dataclass(frozen=True)
class _Frontier:
    """The design of one frontier: logged output ``y``, regressors ``X`` (intercept first),
    inefficiency regressors ``Z`` (None: μ = 0, or the exponential), the sign ``s``."""

    y: np.ndarray
    X: np.ndarray
    Z: np.ndarray | None
    s: float
    exponential: bool
    #: Relative step of the Hessian's differences of the analytic scores (larger steps mislead
    #: on ill-conditioned designs such as a translog in large logs).
    step = 1e-7

    @property
    def size(self) -> int:
        """Number of parameters: β, δ (μ), then two of the variances."""
        return self.X.shape[1] + (0 if self.Z is None else self.Z.shape[1]) + 2

    def split(self, theta: np.ndarray):
        k = self.X.shape[1]
        m = 0 if self.Z is None else self.Z.shape[1]
        return theta[:k], theta[k:k + m], theta[k + m], theta[k + m + 1]

    def scores(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per observation log-likelihood and its gradient (n × size) at ``theta`` =
        (β, δ, ln σ², logit γ), or (β, ln σ_v, ln σ_u) for the exponential."""
        beta, delta, a, b = self.split(theta)
        e = self.s * (self.y - self.X @ beta)  # = v − u for production and cost alike
        return self._exponential(e, a, b) if self.exponential else self._normal(e, delta, a, b)

    def _normal(self, e, delta, omega, eta):
        sigma2, gamma = np.exp(omega), _logistic(eta)
        sigma = np.sqrt(sigma2)
        mu = np.zeros_like(e) if self.Z is None else self.Z @ delta
        root = np.sqrt(gamma * (1 - gamma))
        star = sigma * root
        a = (e + mu) / sigma
        num = (1 - gamma) * mu - gamma * e
        b = num / star
        c = mu / (sigma * np.sqrt(gamma))
        ll = -0.5 * np.log(2 * np.pi) - 0.5 * omega - 0.5 * a ** 2 + log_ndtr(b) - log_ndtr(c)
        lb, lc = mills(b), mills(c)
        d_e = -a / sigma - lb * gamma / star
        d_omega = -0.5 + 0.5 * a ** 2 - 0.5 * lb * b + 0.5 * lc * c
        db = (-(mu + e) / root - num * (1 - 2 * gamma) / (2 * root ** 3)) / sigma
        d_eta = (lb * db + lc * c / (2 * gamma)) * gamma * (1 - gamma)
        parts = [(-self.s * d_e)[:, None] * self.X]
        if self.Z is not None:
            d_mu = -a / sigma + lb * (1 - gamma) / star - lc / (sigma * np.sqrt(gamma))
            parts.append(d_mu[:, None] * self.Z)
        return ll, np.column_stack([*parts, d_omega, d_eta])

    def _exponential(self, e, p, q):
        sv, su = np.exp(p), np.exp(q)
        d = -e / sv - sv / su
        ll = -q + sv ** 2 / (2 * su ** 2) + e / su + log_ndtr(d)
        lam = mills(d)
        d_e = 1 / su - lam / sv
        d_p = sv ** 2 / su ** 2 + lam * (e / sv - sv / su)
        d_q = -1 - sv ** 2 / su ** 2 - e / su + lam * sv / su
        return ll, np.column_stack([(-self.s * d_e)[:, None] * self.X, d_p, d_q])

    def variances(self, theta: np.ndarray) -> tuple[float, float]:
        """σ_u² and σ_v² (from the last two parameters)."""
        a, b = theta[-2], theta[-1]
        if self.exponential:
            return float(np.exp(2 * b)), float(np.exp(2 * a))
        sigma2, gamma = np.exp(a), _logistic(b)
        return float(gamma * sigma2), float((1 - gamma) * sigma2)

    def conditional(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and scale of u | ε, a normal truncated at 0 (Jondrow et al. 1982)."""
        beta, delta, _, _ = self.split(theta)
        e = self.s * (self.y - self.X @ beta)
        su2, sv2 = self.variances(theta)
        if self.exponential:
            return -e - sv2 / np.sqrt(su2), np.full_like(e, np.sqrt(sv2))
        mu = np.zeros_like(e) if self.Z is None else self.Z @ delta
        return (mu * sv2 - e * su2) / (su2 + sv2), np.full_like(e, np.sqrt(su2 * sv2 / (su2 + sv2)))


@dataclass(frozen=True)
class _Panel(_Frontier):
    """Battese & Coelli's (1992) panel frontier: one ``u_i`` per unit (``units``: each row's
    unit code), ``u_it = exp(−η (t − T)) u_i`` (``distance``: t − T of each row; η fitted when
    ``varying``, else 0, the time-invariant model of Battese & Coelli 1988). Parameters (β, μ,
    η, ln σ², logit γ); the scores are per unit, by central differences."""

    units: np.ndarray = None
    distance: np.ndarray = None
    varying: bool = False
    step = 1e-4  # the Hessian differences scores that are themselves differences

    @property
    def size(self) -> int:
        return super().size + self.varying

    def decay(self, theta: np.ndarray) -> np.ndarray:
        """exp(−η (t − T)) of each row."""
        return np.exp(-theta[-3] * self.distance) if self.varying else np.ones_like(self.distance)

    def _moments(self, theta: np.ndarray):
        """Per unit: μ, μ*, σ*², Σh², Σe², the rows, and σ_u², σ_v² (u_i | ε_i is N⁺(μ*, σ*²))."""
        k = self.X.shape[1]
        mu = theta[k] if self.Z is not None else 0.0
        su2, sv2 = self.variances(theta)
        e = self.s * (self.y - self.X @ theta[:k])
        h = self.decay(theta)
        count = np.bincount(self.units).astype(float)
        he, h2, e2 = (np.bincount(self.units, w) for w in (h * e, h * h, e * e))
        denom = sv2 + su2 * h2
        return mu, (mu * sv2 - su2 * he) / denom, sv2 * su2 / denom, denom, e2, count, su2, sv2

    def loglik(self, theta: np.ndarray) -> np.ndarray:
        """Per unit log-likelihood (Battese & Coelli 1992, eq. A.4 in our parametrisation)."""
        mu, mean, var, denom, e2, count, su2, sv2 = self._moments(theta)
        scale = np.sqrt(var)
        return (-0.5 * count * np.log(2 * np.pi) - 0.5 * (count - 1) * np.log(sv2) - 0.5 * np.log(denom)
                - 0.5 * (e2 / sv2 + mu ** 2 / su2 - mean ** 2 / var) + log_ndtr(mean / scale)
                - log_ndtr(mu / np.sqrt(su2)))

    def scores(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = 1e-6 * np.maximum(1, np.abs(theta))
        steps = np.eye(theta.size) * h
        return self.loglik(theta), np.column_stack(
            [(self.loglik(theta + d) - self.loglik(theta - d)) / (2 * d.sum()) for d in steps])

    def conditional(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and scale of u_i | ε_i, on each of the unit's rows."""
        _, mean, var, *_ = self._moments(theta)
        return mean[self.units], np.sqrt(var)[self.units]


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def _maximise(model: _Frontier, starts: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """The best of BFGS runs from ``starts``, polished by Newton steps on the numerical Hessian
    (shifted to positive definite where it is not)."""

    def minus(theta):
        ll, g = model.scores(theta)
        if not np.all(np.isfinite(ll)):
            return np.inf, np.zeros_like(theta)
        return -ll.sum(), -g.sum(axis=0)

    best = None
    for start in starts:
        with np.errstate(all="ignore"):
            fit = optimize.minimize(minus, start, jac=True, method="BFGS", options={"gtol": 1e-7, "maxiter": 2000})
        if np.isfinite(fit.fun) and (best is None or fit.fun < best.fun):
            best = fit
    if best is None:
        raise ValueError("the frontier's likelihood could not be evaluated at any starting value; check the data")
    theta, value = best.x, best.fun
    for _ in range(50):
        gradient = minus(theta)[1]
        if np.max(np.abs(gradient)) < 1e-9:
            break
        hessian = _hessian(model, theta)
        lowest = np.linalg.eigvalsh(hessian)[0]
        if lowest <= 0:  # not yet at a maximum: shift towards a gradient step (Levenberg–Marquardt)
            hessian = hessian + (1e-6 * np.abs(hessian).max() - lowest) * np.eye(theta.size)
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        for size in 0.5 ** np.arange(20):
            candidate = theta - size * step
            trial = minus(candidate)[0]
            if trial <= value:
                theta, value = candidate, trial
                break
        else:
            break
    return theta, -value


def _hessian(model: _Frontier, theta: np.ndarray) -> np.ndarray:
    """Hessian of −ln L: central differences of the scores (steps of the model's ``step``,
    1e-5 by default, relative to max(1, |θ|)), symmetrised."""
    h = getattr(model, "step", 1e-5) * np.maximum(1, np.abs(theta))
    columns = []
    for j in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[j] += h[j]
        down[j] -= h[j]
        columns.append(-(model.scores(up)[1].sum(axis=0) - model.scores(down)[1].sum(axis=0)) / (2 * h[j]))
    hessian = np.column_stack(columns)
    return (hessian + hessian.T) / 2


def _starts(model: _Frontier, beta: np.ndarray, m2: float, m3: float) -> list[np.ndarray]:
    """Method-of-moments starting values (σ_u from the OLS residuals' third moment, the
    intercept shifted by E[u]) and a grid over γ around them; μ = 0."""
    if model.exponential:
        su = max((-m3 / 2) ** (1 / 3) if m3 < 0 else 0.0, 0.1 * np.sqrt(m2))
        sv = np.sqrt(max(m2 - su ** 2, 0.05 * m2))
        shifted = beta.copy()
        shifted[0] += model.s * su
        return [np.concatenate([shifted, [np.log(sv), np.log(su)]])]
    ratio = np.sqrt(2 / np.pi) * (4 / np.pi - 1)
    su = (-m3 / ratio) ** (1 / 3) if m3 < 0 else 0.0
    total = max(m2 + (2 / np.pi) * su ** 2, 1.1 * m2)
    starts = []
    for gamma in (*GAMMA_GRID, min(max(su ** 2 / total, 0.05), 0.95)):
        shifted = beta.copy()
        shifted[0] += model.s * np.sqrt(2 / np.pi * gamma * total)
        starts.append(np.concatenate([shifted, [np.log(total), np.log(gamma / (1 - gamma))]]))
    return starts


def _regressors(logs: pd.DataFrame, form: str) -> pd.DataFrame:
    """The intercept, the logged inputs and, for the translog, ``½ ln² x`` and the cross terms."""
    terms = {"(Intercept)": np.ones(len(logs))} | {f"log({c})": logs[c] for c in logs}
    if form == "translog":
        for a, b in combinations_with_replacement(logs.columns, 2):
            terms[f"0.5*log({a})^2" if a == b else f"log({a}):log({b})"] = (0.5 if a == b else 1.0) * logs[a] * logs[b]
    return pd.DataFrame(terms, index=logs.index)


def _mixed_chi2(statistic: float, restrictions: int) -> float:
    """P-value of ½χ²(q − 1) + ½χ²(q) (χ²(0) the point mass at 0; Kodde & Palm 1986)."""
    below = float(statistic <= 0) if restrictions == 1 else stats.chi2.sf(statistic, restrictions - 1)
    return float(0.5 * below + 0.5 * stats.chi2.sf(statistic, restrictions))


@declared(PARAMS, data=("data",))
def sfa(data: pd.DataFrame, output: str, inputs: list[str], *, unit: str | None = None, by: str | None = None,
        distribution: str = "half-normal", form: str = "cobb-douglas", cost: bool = False,
        determinants: list[str] | None = None, panel: str = "pooled") -> SFAResult:
    """Fit a stochastic production (or cost) frontier by maximum likelihood.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``).

    Returns
    -------
    SFAResult
        Unit efficiencies, the coefficient table, σ², γ, λ and the LR test of no inefficiency.

    Examples
    --------
    >>> res = sfa(front41, "output", ["capital", "labour"])  # doctest: +SKIP
    >>> res.gamma  # Coelli's FRONTIER 4.1 example: 0.797  # doctest: +SKIP
    """
    determinants = list(determinants or [])
    if panel != "pooled" and (by is None or determinants or distribution == "exponential"):
        raise ValueError(f"panel={panel!r} needs by (the period column) and a half-normal or truncated-normal u "
                         "without determinants")
    if determinants and distribution == "exponential":
        raise ValueError("determinants shift the mean of a truncated normal; they cannot go with "
                         "distribution='exponential'")
    overlap = [c for c in determinants if c in (output, *inputs)]
    if overlap or len(set(inputs)) < len(inputs) or output in inputs:
        raise ValueError(f"output, inputs and determinants must be different columns; {overlap or inputs} repeat")
    what = "cost and prices" if cost else "output and inputs"
    table = check_panel(data, [output, *inputs, *determinants], unit=unit, by=by,
                        positive={c: f"SFA takes logs of the {what}" for c in (output, *inputs)})
    frame = table.frame
    regressors = _regressors(np.log(frame[list(inputs)]), form)
    names = list(regressors.columns)
    X = regressors.to_numpy()
    y = np.log(frame[output].to_numpy())
    if len(y) <= X.shape[1] + 2 + len(determinants) or not full_rank(X):
        raise DataError(f"{len(y)} observations cannot identify a {form} frontier of {len(inputs)} inputs "
                        f"({X.shape[1]} coefficients, collinear or too few rows)")
    Z = None
    if determinants:
        Z = np.column_stack([np.ones(len(y)), frame[determinants].to_numpy(float)])
        names += ["Z_(Intercept)", *(f"Z_{c}" for c in determinants)]
    elif distribution == "truncated-normal":
        Z = np.ones((len(y), 1))
        names.append("mu")
    grouped = {}
    if panel != "pooled":
        varying = panel == "time-varying"
        grouped = {"units": pd.factorize(table.labels)[0], "distance": table.period - (len(table.periods) - 1.0),
                   "varying": varying}
        names += ["eta"] * varying
    model, theta, loglik, ols_loglik = estimate(y, X, Z, cost=cost, exponential=distribution == "exponential",
                                                mu_free=Z is not None and not determinants, **grouped)
    coefficients, _, bhhh = coefficient_table(model, theta, names)
    su2, sv2 = model.variances(theta)
    sigma2 = su2 + sv2
    mean, scale, expected_u = conditional_u(model, theta)
    h = model.decay(theta) if grouped else 1.0  # u_it = h u_i
    ratio = mean / scale
    efficiency = np.exp(-h * mean + 0.5 * (h * scale) ** 2 + log_ndtr(ratio - h * scale) - log_ndtr(ratio))
    efficiency, expected_u = np.minimum(efficiency, 1.0), np.maximum(h * expected_u, 0.0)  # rounding as σ* → 0
    units = pd.DataFrame({"unit": table.labels.to_numpy(), "efficiency": efficiency}, index=frame.index)
    if by:
        units[by] = frame[by].to_numpy()
    units["efficiency_jlms"] = np.exp(-expected_u)
    units["inefficiency"] = expected_u
    statistic = max(0.0, 2 * (loglik - ols_loglik))
    restrictions = model.size - X.shape[1] - 1
    return SFAResult(units=units.reset_index(drop=True), coefficients=coefficients, loglik=loglik,
                     ols_loglik=ols_loglik, sigma2=sigma2, gamma=su2 / sigma2, lambda_=float(np.sqrt(su2 / sv2)),
                     lr_statistic=statistic, lr_p_value=_mixed_chi2(statistic, restrictions),
                     restrictions=restrictions, nobs=len(y), distribution=distribution, form=form, cost=cost,
                     by=by, bhhh=bhhh, panel=panel)


def full_rank(X: np.ndarray) -> bool:
    """Whether the regressors ``X`` (n × k) identify k coefficients: XᵀX finite (no overflow from
    values near 1e300) and of rank k (no constant or collinear column besides the intercept)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(X.T @ X).all()) and np.linalg.matrix_rank(X) == X.shape[1]

def estimate(y: np.ndarray, X: np.ndarray, Z: np.ndarray | None, *, cost: bool, exponential: bool,
             mu_free: bool = False, units: np.ndarray | None = None, distance: np.ndarray | None = None,
             varying: bool = False) -> tuple[_Frontier, np.ndarray, float, float]:
    """The ML fit of ``y = Xβ + v ∓ u`` (``Z``: the regressors of the mean of u, or None):
    the model, its estimate, ln L and OLS's ln L. Starts from OLS and the residuals' moments
    (a determinants or panel model from the half-normal fit); ``mu_free``: a constant μ, warned
    when it drifts to the exponential limit. With ``units`` (each row's unit code) and
    ``distance`` (t − T), Battese & Coelli's panel model (``varying``: with η)."""
    if units is None:
        model = _Frontier(y, X, Z, -1.0 if cost else 1.0, exponential)
    else:
        model = _Panel(y, X, Z, -1.0 if cost else 1.0, False, units, distance, varying)
    beta_ols, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = model.s * (y - X @ beta_ols)
    m2, m3 = float(np.mean(resid ** 2)), float(np.mean(resid ** 3))
    ols_loglik = float(-0.5 * len(y) * (np.log(2 * np.pi * m2) + 1))
    if m3 > 0:
        warnings.warn(f"the OLS residuals are skewed the wrong way for a {'cost' if cost else 'production'} "
                      "frontier (third moment > 0): the data show little or no inefficiency, and γ goes to 0",
                      UserWarning, stacklevel=4)
    k = X.shape[1]
    simple = model if model.size == k + 2 and units is None else _Frontier(y, X, None, model.s, False)
    starts = _starts(simple, beta_ols, m2, m3)
    if simple is not model:  # from the half-normal fit, the mean of u at 0 and at ∓σ, η = 0
        theta0, _ = _maximise(simple, starts)
        means = [np.eye(Z.shape[1])[0] * shift * np.exp(theta0[k] / 2) for shift in (0.0, -1.0, 1.0)] \
            if Z is not None else [np.zeros(0)]
        starts = [np.concatenate([theta0[:k], mean, np.zeros(int(varying)), theta0[k:]]) for mean in means]
    theta, loglik = _maximise(model, starts)
    if mu_free and theta[X.shape[1]] < -LIMIT * np.sqrt(model.variances(theta)[0]):
        warnings.warn(f"the truncated normal's mean μ = {theta[X.shape[1]]:.3g} drifted below −{LIMIT}σ_u: its "
                      "likelihood rises towards the exponential limit, where μ and σ² are not identified; consider "
                      "distribution='exponential'", UserWarning, stacklevel=4)
    return model, theta, loglik, ols_loglik


def coefficient_table(model: _Frontier, theta: np.ndarray, names: list[str]) -> tuple[pd.DataFrame, np.ndarray, bool]:
    """``term, estimate, std_error, z, p_value`` of the ``names`` (β, then δ or μ), σ² and γ
    (delta method), the covariance of ``theta`` and whether it is BHHH's."""
    covariance, bhhh = _covariance(model, theta)
    su2, sv2 = model.variances(theta)
    sigma2 = su2 + sv2
    k = len(names)
    jacobian = np.zeros((k + 2, model.size))
    jacobian[:k, :k] = np.eye(k)
    g = su2 / sigma2
    if model.exponential:  # (σ², γ) from (ln σ_v, ln σ_u)
        jacobian[k] = [*np.zeros(k), 2 * sv2, 2 * su2]
        jacobian[k + 1] = [*np.zeros(k), -2 * g * (1 - g), 2 * g * (1 - g)]
    else:  # from (ln σ², logit γ)
        jacobian[k, k], jacobian[k + 1, k + 1] = sigma2, g * (1 - g)
    estimate = np.concatenate([theta[:k], [sigma2, g]])
    std_error = np.sqrt(np.clip(np.diag(jacobian @ covariance @ jacobian.T), 0, None))
    z = estimate / std_error
    table = pd.DataFrame({"term": [*names, "sigma2", "gamma"], "estimate": estimate, "std_error": std_error,
                          "z": z, "p_value": 2 * stats.norm.sf(np.abs(z))})
    return table, covariance, bhhh


def conditional_u(model: _Frontier, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and scale of the normal truncated at 0 that is u | ε, and E[u | ε] (Jondrow et al. 1982)."""
    mean, scale = model.conditional(theta)
    return mean, scale, mean + scale * mills(mean / scale)


def _covariance(model: _Frontier, theta: np.ndarray) -> tuple[np.ndarray, bool]:
    """Inverse Hessian of −ln L, or the BHHH inverse outer product of scores where the
    Hessian is not positive definite (then True)."""
    hessian = _hessian(model, theta)
    try:
        np.linalg.cholesky(hessian)
        return np.linalg.inv(hessian), False
    except np.linalg.LinAlgError:
        scores = model.scores(theta)[1]
        warnings.warn("the Hessian of the log-likelihood is not negative definite at the estimate (a flat or "
                      "boundary optimum): standard errors are from the outer product of the scores (BHHH)",
                      UserWarning, stacklevel=3)
        return np.linalg.pinv(scores.T @ scores), True


@dataclass(frozen=True)
class SFAResult(Result):
    """A fitted stochastic frontier.

    Attributes
    ----------
    units : DataFrame
        Per observation: ``unit``, ``efficiency`` (Battese–Coelli E[exp(−u)|ε]), the ``by``
        column, ``efficiency_jlms`` (exp(−E[u|ε])) and ``inefficiency`` (E[u|ε]).
    coefficients : DataFrame
        ``term, estimate, std_error, z, p_value``: β (terms of the logged inputs), ``mu``
        or the determinants ``Z_…`` (δ), ``sigma2`` and ``gamma``.
    loglik, ols_loglik : float
        Log-likelihood of the frontier and of OLS (no inefficiency).
    sigma2, gamma, lambda_ : float
        σ² = σ_u² + σ_v², γ = σ_u²/σ², λ = σ_u/σ_v.
    lr_statistic, lr_p_value : float
        LR test of no inefficiency (mixed χ² with ``restrictions``).
    bhhh : bool
        The standard errors are BHHH's (the Hessian was not negative definite).
    panel : str
        ``pooled``, ``time-invariant`` or ``time-varying`` (then ``eta`` among the coefficients).
    """

    units: pd.DataFrame
    coefficients: pd.DataFrame
    loglik: float
    ols_loglik: float
    sigma2: float
    gamma: float
    lambda_: float
    lr_statistic: float
    lr_p_value: float
    restrictions: int
    nobs: int
    distribution: str
    form: str
    cost: bool
    by: str | None
    bhhh: bool
    panel: str = "pooled"

    def to_frame(self) -> pd.DataFrame:
        """The unit efficiencies (see ``units``)."""
        return self.units.copy()

    def summary_json(self) -> dict:
        """``loglik, sigma2, gamma, lambda, lr_test_statistic, lr_test_p_value, nobs`` and the model."""
        return {"loglik": self.loglik, "sigma2": self.sigma2, "gamma": self.gamma, "lambda": self.lambda_,
                "lr_test_statistic": self.lr_statistic, "lr_test_p_value": self.lr_p_value, "nobs": self.nobs,
                "lr_test_restrictions": self.restrictions, "ols_loglik": self.ols_loglik,
                "mean_efficiency": float(self.units["efficiency"].mean()), "distribution": self.distribution,
                "form": self.form, "frontier": "cost" if self.cost else "production",
                "std_errors": "bhhh" if self.bhhh else "hessian", "panel": self.panel}

    def summary(self) -> pd.DataFrame:
        """The figures of :meth:`summary_json` as ``statistic, value`` rows."""
        numbers = {k: v for k, v in self.summary_json().items() if not isinstance(v, str)}
        return pd.DataFrame({"statistic": list(numbers), "value": list(numbers.values())})

    def tables(self) -> dict[str, pd.DataFrame]:
        """``results`` (efficiencies), ``coefficients`` and ``summary``."""
        return {"results": self.to_frame(), "coefficients": self.coefficients.copy(), "summary": self.summary()}

    def reading(self) -> str:
        what = "cost" if self.cost else "technical"
        per_unit = f", {self.panel} per unit" if self.panel != "pooled" else ""
        return (f"A {self.form} {'cost' if self.cost else 'production'} frontier with {self.distribution} "
                f"inefficiency{per_unit} ({self.nobs} observations): mean {what} efficiency "
                f"{self.units['efficiency'].mean():.3f}, γ = {self.gamma:.3f} of the composed variance is "
                f"inefficiency; the LR test of no inefficiency gives {self.lr_statistic:.3f}, "
                f"{p_text(self.lr_p_value)}.")

    def plot(self):
        """The units ranked by efficiency (the last period with ``by``)."""
        from healthalloc.report.figures.bars import bars

        table, when = last_period(self.units, self.by)
        ranked = table.set_index("unit")["efficiency"].sort_values(ascending=False)
        return bars(ranked, reference=1.0, xlabel="efficiency",
                    title="Efficiency by unit" + (f", {when}" if self.by else "") + " (E[exp(−u)|ε])")

    def figures(self) -> dict:
        """The units ranked by efficiency and its density (per period with ``by``)."""
        from healthalloc.report import figures as draw

        by, table = (self.by, self.units) if self.by else ("sample", self.units.assign(sample="all units"))
        per = f" per {self.by}" if self.by else ""
        return {"ranked": ("Efficiency E[exp(−u)|ε] per unit, ranked" + (" (last period)." if self.by else "."),
                           self.plot),
                "density": (f"Kernel density of efficiency{per}.",
                            lambda: draw.density_ridges(table, "efficiency", by, bounds=(0.0, 1.0),
                                                        title=f"Kernel density of efficiency{per}"))}
