"""Fitting ERGMs: exact MLE for dyad-independent models, MCMC-MLE for the others.

``ergm(net, "edges + nodeicov('HTH') + edgecov('GeoProx')")`` fits the model
P(Y = y) ∝ exp(θ'g(y)) to the binary network ``net`` the way R ``ergm`` does:

Dyad-independent models (every term is, see :mod:`.terms`)
    The likelihood factorizes over dyads, so the MPLE — a logistic regression of each
    dyad's tie on its change statistics — is the MLE. It is fitted by Newton–Raphson on
    blocks of dyads (the change statistics of a block of origins at a time), so 2,800
    nodes (7.8 million dyads) never need the dense design matrix. A statistic at its
    smallest (largest) attainable value — e.g. ``nodematch.Race.Black`` with no
    within-group tie, ``edges`` on an empty (complete) network — has an MLE of −∞ (+∞):
    it is reported so, with standard error 0, its dyads fixed, and it is left out of the
    parameter count of AIC and BIC, as ``ergm`` does; the rule is applied again to the
    dyads left free. Where a combination of statistics predicts ties perfectly (perfect
    separation: the MLE does not exist, Albert & Anderson 1984), the statistics of the
    combination are NaN and the others are fitted to the dyads it leaves. Each case is
    warned once. Log-likelihood, AIC and BIC are exact, with nobs = the number of
    informative dyads (n(n−1) directed, n(n−1)/2 undirected).
Dyad-dependent models (``mutual``, ``triangle``, ``gwesp``, stars, …)
    MCMC-MLE (Geyer & Thompson 1992; Hunter & Handcock 2006): start at the MPLE, draw
    networks with the tie/no-tie sampler (:mod:`.simulate`), and move θ by the
    log-normal approximation of the likelihood ratio towards the point Hummel, Hunter &
    Handcock's (2012) step length allows (the largest γ ≤ 1 for which
    γ·g(y_obs) + (1 − γ)·mean, pushed 5% further, lies inside the convex hull of the
    sample). The fit has converged when γ = 1 in two consecutive iterations. Standard
    errors combine the inverse Fisher information (covariance of the sampled statistics)
    and the MCMC error (batch means, per chain). The log-likelihood is estimated by path
    sampling from the dyad-independent part of the model (whose log-likelihood is exact)
    to θ̂, as ``ergm``'s bridge sampling does. The MLE's log-likelihood cannot be below
    that exact submodel's (``loglik_bound``): an estimate below it by more than 3 Monte
    Carlo standard errors marks the fit as not converged, one within them is raised to it.
    A fit that did not converge — step length below 1 after ``max_iter`` iterations, a
    degenerate sample (statistics constant or collinear: networks almost all empty or
    complete), or that log-likelihood — is flagged (``converged`` False, ``reason``) and
    warned once, with no z, p-values or stars, no log-likelihood, AIC or BIC, and no
    standard errors from a degenerate sample. The progress bar shows each iteration's
    step length and Hotelling's T² of the estimating functions J'(g(y_obs) − mean)
    (J = ∂η/∂ψ, the identity for a linear model), as ergm's test of non-convergence. A
    model whose MPLE is not finite is refused, unless its dyad-independent terms fix every
    dyad (``edges`` on an empty or complete network): the observed network then has
    probability 1, the log-likelihood is 0 and the other coefficients are NaN.
Curved models (``gwesp(fixed=FALSE)`` …, see :mod:`.curved`)
    The statistics g are a curved term's histogram and its parameters ψ = (θ, α) weight
    them by η(ψ) (Hunter & Handcock 2006). The MPLE maximizes the pseudo-likelihood over ψ
    (Fisher scoring through ∂η/∂ψ = J, from the fixed-decay MPLE at the starting decay),
    as ``ergm``'s ``logitreg``; MCMC-MLE samples at η(ψ), takes Hummel's step on the
    estimating functions J'g and maximizes the same log-normal approximation over ψ, a
    step raising it by at most ``trust_region`` (ergm 3's ``MCMLE.trustregion``, 20); the
    information is J'ΣJ. Coefficients, standard errors and AIC/BIC's parameter count are
    ψ's (the decay is a parameter); the log-likelihood is bridged in η.

References
----------
Albert, A., Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
logistic regression models. *Biometrika* 71(1), 1–10.
Geyer, C. J., Thompson, E. A. (1992). Constrained Monte Carlo maximum likelihood for
dependent data. *JRSS B* 54(3), 657–699.
Hunter, D. R., Handcock, M. S. (2006). Inference in curved exponential family models for
networks. *J. Comput. Graph. Stat.* 15(3), 565–583.
Hummel, R. M., Hunter, D. R., Handcock, M. S. (2012). Improving simulation-based
algorithms for fitting ERGMs. *J. Comput. Graph. Stat.* 21(4), 920–939.
Hunter, D. R., Handcock, M. S., Butts, C. T., Goodreau, S. M., Morris, M. (2008). ergm: A
package to fit, simulate and diagnose exponential-family models for networks. *J. Stat.
Softw.* 24(3).
Konis, K. (2007). *Linear programming algorithms for detecting separated data in binary
logistic regression models*. DPhil thesis, University of Oxford.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import chdtrc, ndtr  # scipy.stats costs 0.5 s of start-up
from threadpoolctl import threadpool_limits

from healthalloc.data import DataError
from healthalloc.engine import ENGINE, get_executor, progress_bar
from healthalloc.mobility.ergm.curved import Mapping
from healthalloc.mobility.ergm.formula import parse_formula
from healthalloc.mobility.ergm.simulate import run_chains
from healthalloc.mobility.ergm.terms import State, dyads, make_term
from healthalloc.params import REQUIRED, Param, Params, declared
from healthalloc.report.figures import styled
from healthalloc.report.tables import format_number, starred
from healthalloc.result import Result
from healthalloc.solver import SolverError, solve_lp

__all__ = ["Control", "ErgmResult", "Model", "ergm", "stars"]

BLOCK_DYADS = 1 << 20
"""Dyads per block of the streamed logistic regression (about 8 MB per model term)."""
CACHE_CELLS = 1 << 23
"""Design matrices up to this many cells (dyads × terms) are kept between Newton steps."""
TIGHT_MARGIN = 10.0
"""A dyad fitted to within e^−10 of its tie after Newton's method is a candidate for perfect
separation (:func:`_separation`); none such, no check."""


def stars(p) -> np.ndarray:
    """R's significance codes: ``***`` p < 0.001, ``**`` < 0.01, ``*`` < 0.05, ``.`` < 0.1."""
    p = np.asarray(p, dtype=float)
    return np.select([p < 0.001, p < 0.01, p < 0.05, p < 0.1], ["***", "**", "*", "."], "")


class Model:
    """The terms of a formula bound to a network, with the observed binary adjacency.

    ``coef_names`` name the statistics (canonical: a curved term's histogram), ``param_names``
    the parameters ψ (a curved term's θ and decay), ``map`` is ψ → η (:class:`.curved.Mapping`)
    and ``fixed`` the model with every curved term at its starting decay (the model itself
    when none is curved), whose MPLE is where a curved fit starts.
    """

    def __init__(self, net, formula: str, terms: list | None = None):
        self.formula = formula.strip()
        self.terms = terms or [make_term(net, s.name, s.args, s.kwargs) for s in parse_formula(formula)]
        self.directed = net.directed
        self.n, self.n_dyads = net.n, net.n_dyads
        self.observed = net.adjacency()
        if not net.directed and (self.observed != self.observed.T).any():
            raise DataError("an undirected network needs a symmetric adjacency")
        self.coef_names = [name for term in self.terms for name in term.coef_names]
        ends = np.cumsum([len(term.coef_names) for term in self.terms])
        self.slices = [slice(int(e - len(term.coef_names)), int(e)) for term, e in zip(self.terms, ends)]
        repeated = sorted({c for c in self.coef_names if self.coef_names.count(c) > 1})
        if repeated:
            raise DataError(f"formula repeats the statistic(s) {', '.join(repeated)}")
        self.dyad_independent = np.concatenate(
            [np.full(len(term.coef_names), term.dyad_independent) for term in self.terms])
        self.map = Mapping(self.terms, self.slices)
        self.param_names = self.map.names

    @cached_property
    def fixed(self) -> Model:
        if not self.map.curved:
            return self
        return Model(self.terms[0].net, self.formula,
                     [t.at_start() if getattr(t, "curved", False) else t for t in self.terms])

    def change(self, st: State, t: np.ndarray, h: np.ndarray) -> np.ndarray:
        return np.hstack([term.change(st, t, h) for term in self.terms])

    def change_rows(self, st: State, t: np.ndarray, h: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """The change statistics of ``columns`` as rows (``len(columns) × len(t)``), computing
        only the terms they belong to."""
        out = np.empty((len(columns), len(t)))
        where = {c: k for k, c in enumerate(columns)}
        for term, sl in zip(self.terms, self.slices):
            wanted = [c for c in range(sl.start, sl.stop) if c in where]
            if wanted:
                out[[where[c] for c in wanted]] = term.change(st, t, h)[:, [c - sl.start for c in wanted]].T
        return out

    def stats(self, st: State) -> np.ndarray:
        return np.concatenate([np.atleast_1d(term.stat(st)).astype(float) for term in self.terms])


#: The settings of :class:`Control`, from which ``healthalloc ergm`` and the study analysis take theirs.
CONTROL = Params(
    Param("sample_size", 1024, "MCMC sample size per iteration", kind=int, low=16, metavar="N"),
    Param("interval", None, "proposals between sampled networks, after 16 × interval of burn-in (default: dyads / 2, "
          "between 32 and 1024)",
          kind=int, low=1, metavar="K"),
    Param("chains", 2, "independent MCMC chains", kind=int, low=1, cli=False, study=False),
    Param("max_iter", 30, "MCMC-MLE iterations at most", kind=int, low=1, cli=False, study=False),
    Param("trust_region", 20.0, "curved models: the most one MCMC-MLE step may raise the approximated "
          "log-likelihood (ergm's MCMLE.trustregion)", kind=float, low=0, low_open=True, metavar="GAIN",
          study=False),
    Param("bridges", 16, "bridge points for the log-likelihood (0: not estimated)", kind=int, low=0, cli=False,
          study=False),
    Param("bridge_size", 128, "draws per bridge point", kind=int, low=1, cli=False, study=False),
)


@declared(CONTROL)
@dataclass(frozen=True)
class Control:
    """MCMC-MLE settings (``ergm``'s ``control.ergm``)."""

    sample_size: int = 1024
    interval: int | None = None
    chains: int = 2
    max_iter: int = 30
    trust_region: float = 20.0
    bridges: int = 16
    bridge_size: int = 128

    def interval_for(self, model: Model) -> int:
        return self.interval or int(np.clip(model.n_dyads // 2, 32, 1024))


#: The parameters of :func:`ergm` (and its :class:`Control`) from which ``healthalloc ergm``
#: and the study analysis ``ergm`` are generated.
PARAMS = Params(
    Param("formula", REQUIRED, "statnet formula, e.g. \"edges + nodeicov('HTH') + mutual\"", kind=str,
          study=False),
    Param("estimate", "MLE", "MLE (exact, or MCMC for dyad-dependent terms) or MPLE (pseudo-likelihood, whose log "
          "is then reported as the log-likelihood)",
          choices=("MLE", "MPLE")),
    Param("seed", None, "random seed of the MCMC (dyad-dependent models): the same seed gives the same fit on every "
          "engine", kind=int, metavar="S"),
)


@dataclass(frozen=True)
class ErgmResult(Result):
    """A fitted ERGM.

    Attributes
    ----------
    coef, std_error, z, p_value : pandas.Series
        Estimates (±inf where the MLE is infinite), standard errors, z = estimate / SE and
        two-sided normal p-values, indexed by ergm's coefficient names.
        An infinite estimate has standard error 0 (and z = ±inf, p = 0, as ``ergm`` prints
        it); one that cannot be estimated is NaN, with NaN standard error, z and p.
    mcmc_se : pandas.Series or None
        The MCMC part of the standard errors (MCMC-MLE only).
    loglik, aic, bic : float
        Log-likelihood (exact for MLE; path-sampling estimate for MCMC-MLE, never below
        ``loglik_bound``), AIC and BIC; NaN for an MCMC-MLE that did not converge.
    nobs : int
        Informative dyads. ``null_deviance`` is −2 log L at θ = 0, ``deviance`` −2 log L.
    method : {"MLE", "MCMLE", "MPLE"}
    converged : bool
        False for an MCMC-MLE whose step length did not reach 1 twice in a row, whose
        sample was degenerate, or whose log-likelihood came out below ``loglik_bound``:
        its z and p-values are then NaN (no stars) and, for a degenerate sample, its
        standard errors too.
    iterations : int
        Newton steps (MLE) or MCMC-MLE iterations.
    reason : str or None
        Why the fit did not converge.
    loglik_bound : float or None
        MCMC-MLE: the exact log-likelihood of the dyad-independent submodel (the dependence
        terms at 0), a lower bound of the MLE's.
    notes : tuple of str
        What was warned: statistics at an extreme, perfect separation, no convergence.
    """

    formula: str
    coef: pd.Series
    std_error: pd.Series
    z: pd.Series
    p_value: pd.Series
    loglik: float
    aic: float
    bic: float
    nobs: int
    n_nodes: int
    method: str
    null_deviance: float
    converged: bool
    iterations: int
    model: Model = field(repr=False)
    control: Control = field(default_factory=Control, repr=False)
    mcmc_se: pd.Series | None = None
    sample: np.ndarray | None = field(default=None, repr=False)
    seed: int | None = None
    reason: str | None = None
    loglik_bound: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def deviance(self) -> float:
        return -2 * self.loglik

    @property
    def n_params(self) -> int:
        """Parameters counted by AIC and BIC: the finite estimates."""
        return int(np.isfinite(self.coef.to_numpy(float)).sum())

    def to_frame(self) -> pd.DataFrame:
        """``term, estimate, std_error, z, p_value, stars`` (and ``mcmc_se`` for MCMC-MLE),
        ``converged``."""
        frame = pd.DataFrame({"term": self.coef.index, "estimate": self.coef.to_numpy(),
                              "std_error": self.std_error.to_numpy(), "z": self.z.to_numpy(),
                              "p_value": self.p_value.to_numpy(), "stars": stars(self.p_value.to_numpy())})
        if self.mcmc_se is not None:
            frame["mcmc_se"] = self.mcmc_se.to_numpy()
        frame["converged"] = self.converged
        return frame

    def fit_info(self) -> dict:
        """``loglik, aic, bic, nobs, n_nodes, method`` and the rest of the fit, JSON-ready."""
        return {"loglik": self.loglik, "aic": self.aic, "bic": self.bic, "nobs": self.nobs,
                "n_nodes": self.n_nodes, "method": self.method, "formula": self.formula,
                "null_deviance": self.null_deviance, "deviance": self.deviance,
                "n_params": self.n_params, "converged": self.converged, "reason": self.reason,
                "loglik_bound": self.loglik_bound, "iterations": self.iterations, "seed": self.seed,
                "notes": list(self.notes)}

    def summary(self) -> pd.DataFrame:
        """The fit in one row: method, nobs, log-likelihood, deviances, AIC, BIC."""
        info = self.fit_info()
        return pd.DataFrame([{k: info[k] for k in ("formula", "method", "n_nodes", "nobs", "n_params", "loglik",
                                                    "null_deviance", "deviance", "aic", "bic", "converged")}])

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``coefficients`` (:meth:`to_frame`) and ``fit`` (:meth:`summary`)."""
        return {"coefficients": self.to_frame(), "fit": self.summary()}

    def reading(self) -> str:
        """Method, size and fit: the line ``healthalloc ergm`` prints."""
        state = "" if self.converged else " (not converged)"
        fit = (f"log-likelihood {format_number(self.loglik)}, AIC {format_number(self.aic)}, "
               f"BIC {format_number(self.bic)}" if np.isfinite(self.loglik) else "no log-likelihood, AIC or BIC")
        return f"{self.method}{state}: {self.n_nodes:,} nodes, {self.nobs:,} dyads; {fit}"

    def plot(self):
        """Estimates with 95% confidence intervals (infinite ones marked at the edge)."""
        return coefficient_plot({"model": self})


# ------------------------------------------------------------------ logistic regression


class _Design:
    """Change statistics (one row per statistic, one column per dyad) and ties of the
    informative dyads, in blocks of origins; kept in memory when small, else recomputed.
    Statistics leave it by :meth:`keep_columns`, dyads whose tie is fixed by :meth:`fix_dyads`."""

    def __init__(self, model: Model, st: State, columns: np.ndarray):
        self.model, self.st, self.columns = model, st, columns
        n = model.n
        rows = max(1, BLOCK_DYADS // max(n, 1))
        self.slices = [slice(a, min(a + rows, n)) for a in range(0, n, rows)]
        self.cache = list(self._compute()) if model.n_dyads * len(columns) <= CACHE_CELLS else None
        self.mask: list[np.ndarray] | None = None  # per block: the dyads not fixed

    def _compute(self):
        for rows in self.slices:
            t, h = dyads(self.model.n, self.model.directed, rows)
            yield self.model.change_rows(self.st, t, h, self.columns), self.st.A[t, h].astype(float)

    def _whole(self):
        return self.cache if self.cache is not None else self._compute()

    def blocks(self):
        for k, (Xt, y) in enumerate(self._whole()):
            if self.mask is not None:
                Xt, y = Xt[:, self.mask[k]], y[self.mask[k]]
            yield Xt, y

    def keep_columns(self, keep: np.ndarray) -> None:
        self.columns = self.columns[keep]
        if self.cache is not None:
            self.cache = [(Xt[keep], y) for Xt, y in self.cache]

    def fix_dyads(self, fixed) -> None:
        """Leave out the dyads for which ``fixed(Xt, y)`` (of a whole block) is true."""
        old = self.mask or [True] * len(self.slices)
        self.mask = [~fixed(Xt, y) & m for (Xt, y), m in zip(self._whole(), old)]

    @property
    def free_dyads(self) -> int:
        return self.model.n_dyads if self.mask is None else int(sum(m.sum() for m in self.mask))


def _softplus(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(1 + e^η) and the tie probability 1 / (1 + e^−η), without overflow."""
    e = np.exp(-np.abs(eta))
    return np.maximum(eta, 0) + np.log1p(e), np.where(eta >= 0, 1, e) / (1 + e)


def _pass(design: _Design, beta: np.ndarray):
    """Log-likelihood, gradient and information of the logistic model at ``beta``, and the
    largest margin ỹη of a dyad (ỹ = +1 for a tie, −1 for none)."""
    p = len(beta)
    grad, info, loglik, margin = np.zeros(p), np.zeros((p, p)), 0.0, -np.inf
    for Xt, y in design.blocks():
        eta = beta @ Xt
        log_norm, mu = _softplus(eta)
        grad += Xt @ (y - mu)
        info += (Xt * (mu * (1 - mu))) @ Xt.T
        loglik += float(y @ eta - log_norm.sum())
        margin = max(margin, float(((2 * y - 1) * eta).max(initial=-np.inf)))
    return loglik, grad, info, margin


def _logistic(design: _Design, beta0: np.ndarray, *, tol: float = 1e-10, max_iter: int = 100):
    """Newton–Raphson with step halving for the logistic regression streamed from
    ``design``: (β, covariance, log-likelihood, steps, largest margin)."""
    beta = beta0.copy()
    loglik, grad, info, margin = _pass(design, beta)
    for step in range(1, max_iter + 1):
        scale = _unit_diagonal(info)  # scale-free: statistics of 1e-20 and of 1e6 alike
        try:
            move = np.linalg.solve(info / np.outer(scale, scale), grad / scale) / scale
        except np.linalg.LinAlgError:
            raise DataError("the model's statistics are collinear on the dyads (a term repeats "
                            "another, or a covariate is constant): drop one") from None
        previous = loglik
        for _ in range(30):  # halve a step that lowers the likelihood
            loglik, grad_new, info_new, margin = _pass(design, beta + move)
            if loglik >= previous - 1e-9 * (1 + abs(previous)):
                break
            move /= 2
        beta, grad, info = beta + move, grad_new, info_new
        small_step = (np.abs(move) < tol * (1 + np.abs(beta))).all()
        if small_step or abs(loglik - previous) < 1e-12 * (1 + abs(loglik)):
            break
    scale = _unit_diagonal(info)
    return beta, np.linalg.pinv(info / np.outer(scale, scale)) / np.outer(scale, scale), loglik, step, margin


def _unit_diagonal(info: np.ndarray) -> np.ndarray:
    """The square roots of ``info``'s diagonal (1 where it is 0), which scale it to unit diagonal."""
    scale = np.sqrt(np.clip(np.diag(info), 0, None))
    scale[scale == 0] = 1.0
    return scale


def _extremes(design: _Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns whose observed statistic on the free dyads is at its smallest (−1) or largest
    (+1) attainable value (0 otherwise), those that are 0 on every free dyad, and each
    column's Σ|x| over the free dyads."""
    p = len(design.columns)
    obs, low, high = np.zeros(p), np.zeros(p), np.zeros(p)
    for Xt, y in design.blocks():
        obs += Xt @ y
        low += np.minimum(Xt, 0).sum(axis=1)
        high += np.maximum(Xt, 0).sum(axis=1)
    total = high - low  # Σ|x|: statistics at an extreme are so to rounding error, relative to it
    scale = 1e-12 * total
    side = np.where(np.abs(obs - low) <= scale, -1, np.where(np.abs(obs - high) <= scale, 1, 0))
    return side, total == 0, total


MAGNITUDE = 1e140
"""Statistics are estimated when their change statistics' Σ|x| over the dyads is within
[1 / MAGNITUDE, MAGNITUDE] (the fit is scale-free there); beyond, their squares in the
information matrix would overflow or underflow (:func:`_refuse_out_of_scale`)."""


def _refuse_out_of_scale(names: np.ndarray, total: np.ndarray) -> None:
    """Refuse statistics whose Σ|x| over the free dyads is outside the range the fit represents."""
    for wrong, word, why in ((~(total <= MAGNITUDE), "large", "overflow"), (total < 1 / MAGNITUDE, "small", "underflow")):
        if wrong.any():
            sums = ", ".join(f"{t:.3g}" for t in total[wrong])
            raise DataError(f"the change statistics of {', '.join(names[wrong])} are too {word} to estimate: their "
                            f"absolute values sum to {sums} over the dyads, outside 1e-140 … 1e+140, and their squares "
                            f"would {why} in floating point; rescale the attribute or covariate")


COLLINEAR_TOL = 1e-10
"""Relative tolerance of :func:`_refuse_collinear`: a singular value of the column-scaled
design below this × the largest is a linear dependence (R's ``glm`` uses 1e-11 in its QR)."""


def _refuse_collinear(design: _Design, names: np.ndarray, total: np.ndarray) -> None:
    """Refuse a design (its free dyads and columns) of less than full column rank: the
    coefficients of the statistics in a linear dependence are not identifiable, whatever
    Newton's method or a pseudo-inverse makes of them. The rank is that of the design with
    unit-length columns, by the singular values of its R factor (a QR streamed over the
    blocks; ``total``, the columns' Σ|x|, keeps the products finite)."""
    R = np.zeros((0, len(total)))
    for Xt, _ in design.blocks():
        R = np.linalg.qr(np.vstack([R, (Xt / total[:, None]).T]), mode="r")
    R = R / np.linalg.norm(R, axis=0)
    s, vt = np.linalg.svd(R)[1:]  # vt: every right singular vector, those past the rank's too
    null = vt[int((s > COLLINEAR_TOL * s[0]).sum()):]
    if len(null):
        involved = (np.abs(null) > 1e-6).any(axis=0)
        raise DataError(f"the model's statistics {', '.join(names[involved])} are collinear on the dyads (one is a "
                        "linear combination of the others: a term repeats another, a covariate is constant, or "
                        "factor levels cover every node together with edges), so their coefficients are not "
                        "identifiable: drop one")


def _null_space(gram: np.ndarray, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """A basis (unit columns) of the null space of a Gram or covariance matrix, and which
    variables enter it (those that are linear combinations of others, or constant);
    scale-free: the matrix is scaled to unit diagonal first."""
    scale = _unit_diagonal(gram)
    w, v = np.linalg.eigh(gram / np.outer(scale, scale))
    null = v[:, w <= tol * max(w.max(initial=0.0), 1.0)]
    basis = null / scale[:, None]
    return basis / np.linalg.norm(basis, axis=0), (np.abs(null) > 1e-6).any(axis=1)


def _separation(design: _Design, beta: np.ndarray) -> np.ndarray | None:
    """A direction d along which the log-likelihood rises without bound, or None when the
    MLE is finite (Albert & Anderson 1984).

    d has ỹ_i x_i'd ≥ 0 on every free dyad (ỹ = +1 for a tie, −1 for none) and > 0 on the
    separated ones, whose fitted probabilities tend to 0 or 1. Newton's method, at
    ``beta``, has fitted those to within e^−``TIGHT_MARGIN``: d is sought orthogonal to
    every other dyad's x_i, by Konis' (2007) linear program max Σ s_j subject to
    ỹ_j x_j'd ≥ s_j, 0 ≤ s_j ≤ 1 over the distinct candidate rows; its optimum separates
    every candidate that can be separated (s_j = 1).
    """
    gram = np.zeros((len(beta), len(beta)))
    for Xt, y in design.blocks():
        loose = (2 * y - 1) * (beta @ Xt) <= TIGHT_MARGIN
        gram += Xt[:, loose] @ Xt[:, loose].T
    null, _ = _null_space(gram)
    if null.shape[1] == 0:
        return None
    rows = [np.zeros((0, null.shape[1]))]
    for Xt, y in design.blocks():
        tight = (2 * y - 1) * (beta @ Xt) > TIGHT_MARGIN
        row = (2 * y[tight] - 1) * (null.T @ Xt[:, tight])
        row[np.abs(row) <= 1e-9 * (np.abs(null).T @ np.abs(Xt[:, tight]))] = 0.0  # rounding, not a direction
        rows.append(np.unique(row.T, axis=0))
    R = np.unique(np.concatenate(rows), axis=0)
    k, q = R.shape
    if k == 0:
        return None
    A = sp.hstack([sp.csr_matrix(R), -sp.identity(k, format="csr")]).tocsr()
    sol = solve_lp(np.r_[np.zeros(q), -np.ones(k)], A, np.zeros(k), np.full(k, np.inf),
                   np.r_[np.full(q, -np.inf), np.zeros(k)], np.r_[np.full(q, np.inf), np.ones(k)])
    return null @ sol.x[:q] if -sol.objective >= 0.5 else None


@dataclass(frozen=True)
class _Logit:
    """An exact (or pseudo-) MLE: estimates (±inf where a statistic is at an extreme, NaN
    where it cannot be estimated), covariance, log-likelihood, Newton steps, the dyads
    whose tie no infinite coefficient fixes, and what to warn."""

    estimates: np.ndarray
    cov: np.ndarray
    loglik: float
    steps: int
    free_dyads: int
    notes: tuple[str, ...]


def _fit_logistic(model: Model, st: State, columns: np.ndarray) -> _Logit:
    """Exact (or pseudo-) MLE of ``columns``.

    As ``ergm`` does, a statistic at its smallest (largest) attainable value gets −∞ (+∞)
    and the dyads it touches are fixed; this is repeated on the dyads left free (ties
    exactly where a 0/1 edge covariate is 1: ``edgecov`` +∞, then ``edges`` −∞ on the
    rest). A statistic then 0 on every free dyad cannot be estimated (NaN). The others are
    fitted by Newton–Raphson; if their MLE does not exist either (perfect separation by a
    combination of statistics, :func:`_separation`), see :func:`_without_separation`.
    """
    design = _Design(model, st, columns)
    p = len(columns)
    names = np.array([model.coef_names[c] for c in columns], dtype=object)
    estimates, cov, pos = np.zeros(p), np.zeros((p, p)), np.arange(p)  # pos: the columns still free
    fixed: list[tuple[int, int, list[str]]] = []  # (round, −1/+1 for ∓inf or 0 for NaN, statistics)
    for rnd in range(p):
        side, constant, total = _extremes(design)
        independent = model.dyad_independent[columns[pos]]
        if rnd == 0 and (constant & independent).any():
            raise DataError(f"statistic(s) {', '.join(names[pos[constant & independent]])} are 0 on every "
                            "dyad (a level no node has?): the coefficient is not identifiable; drop the term or level")
        infinite = (side != 0) & ~constant
        if not (infinite | constant).any():
            break
        fixed += [(rnd, s, list(names[pos[constant if s == 0 else infinite & (side == s)]])) for s in (-1, 1, 0)]
        estimates[pos[infinite]] = side[infinite] * np.inf
        estimates[pos[constant]] = np.nan
        if infinite.any():
            design.fix_dyads(lambda Xt, y, rows=infinite: (Xt[rows] != 0).any(axis=0))
        design.keep_columns(~(infinite | constant))
        pos = pos[~(infinite | constant)]
        if not len(pos):
            break
    notes = [_fixed_note(fixed)] if any(found for _, _, found in fixed) else []
    with threadpool_limits(1, user_api="blas"):  # thin products: threads only add overhead
        if len(pos):
            _refuse_out_of_scale(names[pos], total)
            _refuse_collinear(design, names[pos], total)
            est, cov_free, loglik, steps, margin = _logistic(design, _start(model, columns[pos]))
            direction = _separation(design, est) if margin > TIGHT_MARGIN else None
            if direction is not None:
                est, cov_free, loglik, more, lost, separated = _without_separation(design, est, direction)
                notes.append(_separation_note(names[pos], direction, lost, separated))
                steps += more
            estimates[pos] = est
            cov[np.ix_(pos, pos)] = cov_free
        else:
            loglik, steps = _pass(design, np.zeros(0))[0], 0
    unknown = np.flatnonzero(np.isnan(estimates))
    cov[unknown, unknown] = np.nan
    return _Logit(estimates, cov, loglik, steps, design.free_dyads, tuple(notes))


def _start(model: Model, columns: np.ndarray) -> np.ndarray:
    """Newton's starting point: 0, but the edges-only MLE logit(density) for ``edges``."""
    start = np.zeros(len(columns))
    edges = [k for k, c in enumerate(columns) if model.coef_names[c] == "edges"]
    if edges:
        density = model.observed.sum() / (1 if model.directed else 2) / model.n_dyads
        start[edges[0]] = np.log(density / (1 - density)) if 0 < density < 1 else 0.0
    return start


def _without_separation(design: _Design, beta: np.ndarray, direction: np.ndarray):
    """The limit of the likelihood along a separating ``direction``: the separated dyads
    are fixed (their probabilities tend to 0 or 1, their log-likelihood to 0); statistics
    that are linear combinations of others on the remaining dyads (those of the direction
    among them) are not identified (NaN); the rest are fitted to the remaining dyads, with
    as many of the unidentified statistics as are independent, which span what those fit.

    Returns estimates, covariance (NaN for the unidentified), log-likelihood, Newton steps,
    which statistics are unidentified and how many dyads were separated."""
    before = design.free_dyads
    design.fix_dyads(lambda Xt, y: (2 * y - 1) * (direction @ Xt) > 0.5)
    p = len(design.columns)
    gram = np.zeros((p, p))
    for Xt, _ in design.blocks():
        gram += Xt @ Xt.T
    _, lost = _null_space(gram)
    keep = ~lost
    for k in np.flatnonzero(lost):
        trial = keep | (np.arange(p) == k)
        if _null_space(gram[np.ix_(trial, trial)])[0].shape[1] == 0:
            keep = trial
    design.keep_columns(keep)
    est, cov = np.full(p, np.nan), np.full((p, p), np.nan)
    if keep.any():
        est[keep], cov[np.ix_(keep, keep)], loglik, steps, _ = _logistic(design, np.where(lost, 0.0, beta)[keep])
    else:
        loglik, steps = _pass(design, np.zeros(0))[0], 0
    est[lost] = np.nan
    cov[lost, :] = cov[:, lost] = np.nan
    return est, cov, loglik, steps, lost, before - design.free_dyads


def _fixed_note(fixed: list[tuple[int, int, list[str]]]) -> str:
    """The warning for statistics at an extreme (R ergm's sentence) or left without data."""
    parts = []
    for rnd, side, found in fixed:
        if not found:
            continue
        terms = ", ".join(found)
        if side == 0:
            parts.append(f"no free dyad is left to estimate {terms} (NaN)" if rnd else
                         f"the change statistics of {terms} are 0 on every dyad of the observed network (NaN)")
        else:
            word, value = ("smallest", "-Inf") if side < 0 else ("greatest", "+Inf")
            lead = "observed statistic(s)" if rnd == 0 else "on the dyads these leave free, statistic(s)"
            parts.append(f"{lead} {terms} are at their {word} attainable values. "
                         f"Their coefficients will be fixed at {value}")
    return "; ".join(parts) + " (infinite and NaN coefficients are left out of AIC/BIC's parameter count)"


def _separation_note(names: np.ndarray, direction: np.ndarray, lost: np.ndarray, separated: int) -> str:
    """The warning for a perfect separation, with its direction (largest component ±1)."""
    big = np.abs(direction).max()
    along = ", ".join(f"{n} {v / big:+.3g}" for n, v in zip(names, direction) if abs(v) > 1e-9 * big)
    return (f"the MLE does not exist: a combination of {', '.join(names[lost])} predicts the ties of {separated} "
            f"dyad(s) perfectly (perfect separation: the log-likelihood keeps rising along {along}); their "
            "coefficients are NaN, the other coefficients and the log-likelihood are those of the remaining dyads "
            "(NaN coefficients are left out of AIC/BIC's parameter count)")


def _table(names, estimates, se):
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(np.isinf(estimates), estimates, estimates / se)
    p = 2 * ndtr(-np.abs(z))
    idx = pd.Index(names, name="term")
    return (pd.Series(estimates, idx), pd.Series(se, idx), pd.Series(z, idx), pd.Series(p, idx))


# --------------------------------------------------------------------------- MCMC-MLE


def _in_hull(sample: np.ndarray, point: np.ndarray) -> bool:
    """Whether ``point`` is a convex combination of the rows of ``sample`` (an LP)."""
    N, p = sample.shape
    A = sp.vstack([sp.csr_matrix(sample.T), sp.csr_matrix(np.ones((1, N)))])
    rhs = np.append(point, 1.0)
    try:
        solve_lp(np.zeros(N), A, rhs, rhs, np.zeros(N), np.full(N, np.inf))
    except SolverError:
        return False
    return True


def hummel_step(sample: np.ndarray, observed: np.ndarray, *, margin: float = 0.05, steps: int = 12) -> float:
    """Hummel et al.'s (2012) step length: the largest γ ∈ (0, 1] for which
    γ·observed + (1 − γ)·mean, moved ``margin`` further from the mean, lies in the convex
    hull of ``sample`` (bisection, ``steps`` halvings)."""
    mean = sample.mean(axis=0)
    sd = sample.std(axis=0)
    keep = sd > 0
    S, obs, mu = sample[:, keep], observed[keep], mean[keep]

    def inside(gamma):
        target = gamma * obs + (1 - gamma) * mu
        return _in_hull(S, mu + (1 + margin) * (target - mu))

    if inside(1.0):
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if inside(mid) else (lo, mid)
    return max(lo, 1.0 / 2 ** steps)


def _batch_cov(chains: list[np.ndarray]) -> np.ndarray:
    """Covariance of the pooled sample mean from 8 batch means within each chain."""
    means, weights = [], []
    for s in chains:
        k = min(8, len(s))
        size = len(s) // k
        if size == 0:
            continue
        means.append(s[: k * size].reshape(k, size, -1).mean(axis=1))
        weights.append(size)
    batches = np.concatenate(means)
    size = np.mean(weights)
    total = sum(len(s) for s in chains)
    return np.atleast_2d(np.cov(batches, rowvar=False)) * size / total


@dataclass(frozen=True)
class _Run:
    """An MCMC-MLE run: θ̂, the inverse Fisher information and MCMC standard errors from the
    last sample, iterations, why it did not converge (None if it did), whether the sample
    was degenerate (no standard errors then), the last sample and the seeds left."""

    theta: np.ndarray
    info_inv: np.ndarray
    mc_se: np.ndarray
    iterations: int
    reason: str | None
    degenerate: bool
    sample: np.ndarray
    seq: np.random.SeedSequence


def _degenerate(names: list[str], cov: np.ndarray) -> str | None:
    """Why a sample's covariance cannot move θ (statistics constant or collinear), or None."""
    _, stuck = _null_space(cov)
    if not stuck.any():
        return None
    return (f"the sampled statistic(s) {', '.join(np.array(names, dtype=object)[stuck])} are constant or "
            "collinear: the networks drawn are (almost) all alike, e.g. empty or complete (a near-degenerate model)")


def _mcmle(model: Model, st: State, theta0: np.ndarray, control: Control, seed, engine, bar) -> _Run:
    g_obs = model.stats(st)
    interval = control.interval_for(model)
    seq = np.random.SeedSequence(seed)
    theta, run_of_ones, reason, degenerate, start = theta0.copy(), 0, None, False, st.A
    for iteration in range(1, control.max_iter + 1):  # each iteration goes on from the last networks
        chains = run_chains(model, model.map.eta(theta), start, draws=control.sample_size, interval=interval,
                            burnin=16 * interval, chains=control.chains, seed=seq.spawn(1)[0], engine=engine)
        start = chains.networks
        sample = chains.pooled()
        cov = np.cov(sample, rowvar=False).reshape(len(g_obs), len(g_obs))
        J = model.map.jacobian(theta)
        reason = _degenerate(model.param_names, J.T @ cov @ J)
        if reason:
            degenerate = True
            break
        gamma = hummel_step(sample @ J, g_obs @ J)  # on the estimating functions J'g, as ergm does
        gap = g_obs - sample.mean(axis=0)
        theta = model.map.step(theta, cov, gamma * gap, control.trust_region)
        run_of_ones = run_of_ones + 1 if gamma == 1.0 else 0
        bar.update(1)
        bar.set_postfix_str(f"iteration {iteration}: step {gamma:.2f}, {_convergence(chains, gap, J)}")
        if run_of_ones >= 2:
            break
    else:
        reason = (f"the step length was still {gamma:.2f} after {control.max_iter} iteration(s) (it must be 1 in two "
                  "consecutive ones)")
    J = model.map.jacobian(theta)  # the information in ψ: J'ΣJ (Hunter & Handcock 2006)
    info_inv = np.linalg.pinv(J.T @ cov @ J)
    mc = info_inv @ J.T @ _batch_cov(chains.stats) @ J @ info_inv
    return _Run(theta, info_inv, np.sqrt(np.clip(np.diag(mc), 0, None)), iteration, reason, degenerate, sample, seq)


def _convergence(chains, gap: np.ndarray, J: np.ndarray) -> str:
    """Hotelling's T² of the estimating functions J'(g(y_obs) − mean) (J = ∂η/∂ψ, the identity
    for a linear model; their covariance by batch means), and its χ² p-value, as ergm's test
    of non-convergence: small T² (large p) means ψ solves the likelihood equations. (A curved
    model's histogram itself is not matched at its MLE, so T² on g would not go to 0.)"""
    score = J.T @ gap
    t2 = float(score @ np.linalg.pinv(J.T @ _batch_cov(chains.stats) @ J) @ score)
    return f"T² {t2:.3g} (p {chdtrc(len(score), t2):.2g})"


def _log_z_independent(model: Model, st: State, columns: np.ndarray, beta: np.ndarray) -> float:
    """log of the normalizing constant of a dyad-independent model: Σ_dyads log(1 + e^η)."""
    if len(columns) == 0:
        return model.n_dyads * np.log(2.0)
    design = _Design(model, st, columns)
    return float(sum(_softplus(beta @ Xt)[0].sum() for Xt, _ in design.blocks()))


def _submodel(model: Model, st: State) -> tuple[np.ndarray, float, float]:
    """θ₀ = the dyad-independent terms at their MLE (infinite ones at 0), the others at 0;
    log Z(θ₀); and the exact log-likelihood at θ₀, below which the MLE's cannot be."""
    di = np.flatnonzero(model.dyad_independent)
    theta0 = np.zeros(len(model.coef_names))
    if len(di):
        est = _fit_logistic(model, st, di).estimates
        theta0[di] = np.where(np.isfinite(est), est, 0.0)
    log_z = _log_z_independent(model, st, di, theta0[di])
    return theta0, log_z, float(theta0 @ model.stats(st) - log_z)


def _path_loglik(model, st, theta, theta0, log_z, control, seq, engine, bar) -> tuple[float, float]:
    """log L(θ̂) by path sampling from θ₀ (whose log Z is exact) to θ̂, and its Monte Carlo
    standard error (batch means within each bridge). Each bridge goes on from the last
    one's networks, so its burn-in is ergm's ``MCMC.burnin.between``: the burn-in (16
    intervals) / √bridges (``control.ergm.bridge``, 4,096 proposals by its defaults)."""
    interval = control.interval_for(model)
    burnin = int(np.ceil(16 * interval / np.sqrt(control.bridges)))
    direction = theta - theta0
    start, variance = st.A, 0.0
    for k in range(control.bridges):  # from θ̂'s end, each bridge going on from the last networks
        u = 1 - (k + 0.5) / control.bridges
        chains = run_chains(model, theta0 + u * direction, start, draws=control.bridge_size, interval=interval,
                            burnin=burnin, chains=control.chains, seed=seq.spawn(1)[0], engine=engine)
        start = chains.networks
        log_z += float(direction @ chains.pooled().mean(axis=0)) / control.bridges
        variance += _batch_cov([s @ direction[:, None] for s in chains.stats])[0, 0] / control.bridges ** 2
        bar.update(1)
        bar.set_postfix_str(f"log-likelihood: bridge {k + 1} of {control.bridges}")
    return float(theta @ model.stats(st) - log_z), float(np.sqrt(variance))


# ------------------------------------------------------------------------------ ergm()


@declared(PARAMS + Params(Param("control", None, "MCMC-MLE settings (default: Control())", objects=(Control,),
                                cli=False, study=False), ENGINE["engine"], replace(ENGINE["progress"], help="show "
          "the MCMC-MLE iterations (step length, convergence statistic) and the bridges as a progress bar (default: "
          "when stderr is a terminal)")), data=("net",))
def ergm(net, formula: str, *, estimate: str = "MLE", control: Control | None = None, seed: int | None = None,
         engine="serial", progress: bool | None = None) -> ErgmResult:
    """Fit an ERGM to the binary network ``net`` (see the module docstring).

    Parameters
    ----------
    net : Network
        A binary network (:meth:`~healthalloc.mobility.network.Network.binarize` a valued one);
        node attributes and dyadic covariates are those the terms name.

    Returns
    -------
    ErgmResult

    Warns
    -----
    UserWarning
        Once for the statistics at an extreme (fixed at ±Inf) or left without data (NaN),
        once for a perfect separation, once for an MCMC-MLE that did not converge.

    Examples
    --------
    >>> import pandas as pd
    >>> from healthalloc.mobility import network_from_edges
    >>> net = network_from_edges(pd.DataFrame({"from": [1, 2, 3], "to": [2, 3, 1]}),
    ...                          pd.DataFrame({"id": [1, 2, 3, 4]}))
    >>> round(float(ergm(net, "edges").coef["edges"]), 4)   # logit(3 / 12)
    -1.0986
    """
    if net.n < 2:
        raise DataError("an ERGM needs at least 2 nodes")
    if (net.weights.diagonal() != 0).any():
        raise DataError("the network has self-loops; ERGMs here have none")
    model = Model(net, formula)
    control = control or Control()
    st = State(model.observed.copy(), model.directed)
    fit = _fit_logistic(model.fixed, st, np.arange(len(model.fixed.coef_names)))
    if model.map.curved and np.isfinite(fit.estimates).all():
        fit = _curved_mple(model, st, fit)
    model = model if np.isfinite(fit.estimates).all() else model.fixed  # reported at its starting decay
    if model.dyad_independent.all():
        return _result(model, control, seed, "MLE", fit)
    if estimate == "MPLE":
        return _result(model, control, seed, "MPLE", fit)
    if not np.isfinite(fit.estimates).all():
        return _result(model, control, seed, "MLE", _determined(model, st, fit))
    with progress_bar(progress, total=control.max_iter + control.bridges, desc="MCMC-MLE", unit="step") as bar, \
            get_executor(engine) as ex:  # one pool or cluster for every sample
        run = _mcmle(model, st, fit.estimates, control, seed, ex, bar)
        theta0, log_z, bound = _submodel(model, st)
        bridges = control.bridges if run.reason is None else 0
        bar.total = run.iterations + bridges
        bar.refresh()
        loglik, reason = np.nan, run.reason
        if bridges:
            loglik, error = _path_loglik(model, st, model.map.eta(run.theta), theta0, log_z, control, run.seq, ex,
                                         bar)
            if loglik < bound - 3 * error:
                reason = (f"its log-likelihood, {loglik:.4f} by bridge sampling, is below {bound:.4f}, the exact "
                          "log-likelihood of the dyad-independent submodel it nests (the dependence terms at 0)")
            loglik = max(loglik, bound)
    cov, mc = run.info_inv + np.diag(run.mc_se ** 2), run.mc_se
    if run.degenerate:  # a singular sample covariance gives no standard errors
        cov, mc = np.full_like(cov, np.nan), np.full_like(mc, np.nan)
    mcmle = _Logit(run.theta, cov, np.nan if reason else loglik, run.iterations, fit.free_dyads, fit.notes)
    return _result(model, control, seed, "MCMLE", mcmle, reason=reason, bound=bound,
                   mcmc_se=pd.Series(mc, index=pd.Index(model.param_names, name="term")), sample=run.sample)


def _curved_mple(model: Model, st: State, start: _Logit) -> _Logit:
    """ergm's MPLE of a curved model: the pseudo-likelihood maximized over ψ = (θ, decays)
    together, by Fisher scoring through η(ψ) (its ``logitreg``), from ``start``, the MPLE
    of ``model.fixed`` with the starting decays."""
    design = _Design(model, st, np.arange(len(model.coef_names)))
    with threadpool_limits(1, user_api="blas"):
        psi, info, loglik, steps = model.map.ascend(model.map.lift(start.estimates),
                                                    lambda eta: _pass(design, eta)[:3])
    return _Logit(psi, np.linalg.pinv(info), loglik, start.steps + steps, start.free_dyads, start.notes)


def _determined(model: Model, st: State, mple: _Logit) -> _Logit:
    """A dyad-dependent model whose MPLE is not finite: if its dyad-independent terms fix
    every dyad (an empty or complete network with ``edges``), the observed network has
    probability 1 whatever the other coefficients are (NaN); otherwise MCMC-MLE, which
    starts from the MPLE, cannot be run and the model is refused."""
    di = np.flatnonzero(model.dyad_independent)
    names = np.array(model.coef_names, dtype=object)
    sub = _fit_logistic(model, st, di) if len(di) else None
    if sub is None or sub.free_dyads:
        bad = ~np.isfinite(mple.estimates)
        values = ", ".join(f"{n} {'NaN' if np.isnan(v) else f'{v:+}'.title()}"
                           for n, v in zip(names[bad], mple.estimates[bad]))
        raise DataError(f"MCMC-MLE starts from the MPLE, which is not finite here ({values}: a statistic at an "
                        "extreme, or ties perfectly separated, in the pseudo-likelihood); the MLE may not exist: "
                        "drop those terms, or fit the MPLE (estimate='MPLE')")
    estimates, cov = np.full(len(names), np.nan), np.full((len(names), len(names)), np.nan)
    estimates[di], cov[np.ix_(di, di)] = sub.estimates, sub.cov
    dependent = ", ".join(names[~model.dyad_independent])
    note = (f"the dyad-independent terms fix every dyad, so the observed network has probability 1 whatever "
            f"{dependent} are: their coefficients are NaN")
    return _Logit(estimates, cov, sub.loglik, sub.steps, 0, (*sub.notes, note))


def _result(model: Model, control: Control, seed, method: str, fit: _Logit, *, reason: str | None = None,
            bound: float | None = None, mcmc_se: pd.Series | None = None, sample=None) -> ErgmResult:
    """The :class:`ErgmResult` of ``fit``, warning its notes (and ``reason``, why an
    MCMC-MLE did not converge: then no z, p-values, log-likelihood, AIC or BIC)."""
    notes = list(fit.notes)
    if reason:
        notes.append(f"MCMC-MLE did not converge: {reason}. The estimates are unreliable (no p-values; "
                     f"log-likelihood, AIC and BIC are NaN; the MLE's log-likelihood is at least {bound:.4f}, the "
                     "dyad-independent submodel's); try a larger sample_size or interval, or other terms")
    for note in notes:
        warnings.warn(note, stacklevel=3)
    coef, se, z, p = _table(model.param_names, fit.estimates, np.sqrt(np.clip(np.diag(fit.cov), 0, None)))
    if reason:
        z[:], p[:] = np.nan, np.nan
    k = int(np.isfinite(fit.estimates).sum())
    nobs = model.n_dyads
    return ErgmResult(model.formula, coef, se, z, p, fit.loglik, -2 * fit.loglik + 2 * k,
                      -2 * fit.loglik + k * np.log(nobs), nobs, model.n, method, 2 * nobs * np.log(2.0), reason is None,
                      fit.steps, model, control, mcmc_se, sample, seed, reason, bound, tuple(notes))


# ---------------------------------------------------------------------- model tables


@dataclass(frozen=True)
class ModelTable(Result):
    """Fitted models side by side in seed 003's layout (its Tables 3 and 4)."""

    fits: dict[str, ErgmResult]
    digits: int = 4

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient (estimate and stars, ``–`` where a model lacks it), then
        AIC, BIC and N (nodes); one column per model."""
        terms = list(dict.fromkeys(t for fit in self.fits.values() for t in fit.coef.index))
        rows = {}
        for name, fit in self.fits.items():
            marks = stars(fit.p_value.to_numpy())
            cells = {t: starred(format_number(est, "coefficient", digits=self.digits), mark)
                     for t, est, mark in zip(fit.coef.index, fit.coef, marks)}
            col = [cells.get(t, "–") for t in terms]
            col += [format_number(fit.aic, digits=self.digits), format_number(fit.bic, digits=self.digits),
                    format_number(fit.n_nodes, "count")]
            rows[name] = col
        return pd.DataFrame(rows, index=pd.Index(terms + ["AIC", "BIC", "N"], name="variable")).reset_index()

    def summary(self) -> pd.DataFrame:
        """Fit statistics of every model (one row each), lowest AIC first flagged."""
        frame = pd.concat([fit.summary().assign(model=name) for name, fit in self.fits.items()], ignore_index=True)
        frame["best_aic"] = frame["aic"] == frame["aic"].min()
        frame["best_bic"] = frame["bic"] == frame["bic"].min()
        return frame[["model"] + [c for c in frame.columns if c != "model"]]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``models`` (:meth:`to_frame`) and ``fit`` (:meth:`summary`)."""
        return {"models": self.to_frame(), "fit": self.summary()}

    @property
    def best(self) -> str | None:
        """The model with the lowest AIC (None when no model converged)."""
        aic = self.summary().set_index("model")["aic"]
        return None if aic.isna().all() else aic.idxmin()

    def reading(self) -> str:
        """How many models on how many nodes and ties, the lowest AIC, and its significant terms."""
        model = next(iter(self.fits.values())).model
        ties = int(model.observed.sum()) // (1 if model.directed else 2)
        text = f"{len(self.fits)} model(s) on {model.n} nodes and {ties:,} ties ({model.n_dyads:,} dyads); "
        if self.best is None:
            return text + "none converged, so none has a log-likelihood, AIC or goodness of fit (see the warnings)."
        fit = self.fits[self.best]
        text += f"{self.best} has the lowest AIC ({format_number(fit.aic, digits=self.digits)})."
        significant = fit.to_frame().query("p_value < 0.05 and term != 'edges'")
        if len(significant):
            text += " Significant in it (p < 0.05): " + ", ".join(
                f"{t} ({format_number(e, 'coefficient', digits=self.digits)})"
                for t, e in zip(significant["term"], significant["estimate"])) + "."
        return text

    def figures(self) -> dict:
        return {"coefficients": ("Estimates with 95% confidence intervals (edges omitted).", self.plot)}

    def plot(self):
        return coefficient_plot(self.fits)


def compare_models(fits: dict[str, ErgmResult], digits: int = 4) -> ModelTable:
    """Models side by side with stars, AIC, BIC and N, as seed 003's Tables 3–4."""
    if not fits:
        raise ValueError("compare_models needs at least one fitted model")
    return ModelTable(dict(fits), digits)


@styled
def coefficient_plot(fits: dict[str, ErgmResult]):
    """Estimates ± 1.96 SE of every term, one marker per model (edges omitted for scale)."""
    from matplotlib.figure import Figure

    terms = [t for t in dict.fromkeys(t for f in fits.values() for t in f.coef.index) if t != "edges"] or ["edges"]
    fig = Figure(figsize=(7, 0.45 * len(terms) + 1.5))
    ax = fig.subplots()
    offsets = np.linspace(-0.2, 0.2, len(fits)) if len(fits) > 1 else [0.0]
    for off, (name, fit) in zip(offsets, fits.items()):
        y = [terms.index(t) + off for t in fit.coef.index if t in terms]
        est = np.array([fit.coef[t] for t in fit.coef.index if t in terms], float)
        se = np.array([fit.std_error[t] for t in fit.coef.index if t in terms], float)
        finite = np.isfinite(est)
        ax.errorbar(est[finite], np.array(y)[finite], xerr=1.96 * se[finite], fmt="o", capsize=3, label=name)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(terms)), terms)
    ax.invert_yaxis()
    ax.set_xlabel("estimate (95% CI)")
    ax.set_title("ERGM coefficients")
    if len(fits) > 1:
        ax.legend()
    return fig
