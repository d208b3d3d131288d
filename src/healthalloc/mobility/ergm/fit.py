"""Fitting ERGMs: exact MLE for dyad-independent models, MCMC-MLE for the others.

``ergm(net, "edges + nodeicov('HTH') + edgecov('GeoProx')")`` fits the model
P(Y = y) ∝ exp(θ'g(y)) to the binary network ``net`` the way R ``ergm`` does:

Dyad-independent models (every term is, see :mod:`.terms`)
    The likelihood factorizes over dyads, so the MPLE — a logistic regression of each
    dyad's tie on its change statistics — is the MLE. It is fitted by Newton–Raphson on
    blocks of dyads (the change statistics of a block of origins at a time), so 2,800
    nodes (7.8 million dyads) never need the dense design matrix. A statistic at its
    smallest (largest) attainable value — e.g. ``nodematch.Race.Black`` with no
    within-group tie — has an MLE of −∞ (+∞): it is reported so, with standard error 0,
    its dyads fixed, and it is left out of the parameter count of AIC and BIC, as
    ``ergm`` does. Log-likelihood, AIC and BIC are exact, with nobs = the number of
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
    to θ̂, as ``ergm``'s bridge sampling does.

References
----------
Geyer, C. J., Thompson, E. A. (1992). Constrained Monte Carlo maximum likelihood for
dependent data. *JRSS B* 54(3), 657–699.
Hummel, R. M., Hunter, D. R., Handcock, M. S. (2012). Improving simulation-based
algorithms for fitting ERGMs. *J. Comput. Graph. Stat.* 21(4), 920–939.
Hunter, D. R., Handcock, M. S., Butts, C. T., Goodreau, S. M., Morris, M. (2008). ergm: A
package to fit, simulate and diagnose exponential-family models for networks. *J. Stat.
Softw.* 24(3).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import norm
from threadpoolctl import threadpool_limits

from healthalloc.data import DataError
from healthalloc.engine import get_executor, progress_bar
from healthalloc.mobility.ergm.formula import parse_formula
from healthalloc.mobility.ergm.simulate import run_chains
from healthalloc.mobility.ergm.terms import State, dyads, make_term
from healthalloc.params import REQUIRED, Param, Params
from healthalloc.report.figures.base import styled
from healthalloc.result import Result
from healthalloc.solver import SolverError, solve_lp

__all__ = ["Control", "ErgmResult", "Model", "ergm", "stars"]

BLOCK_DYADS = 1 << 20
"""Dyads per block of the streamed logistic regression (about 8 MB per model term)."""
CACHE_CELLS = 1 << 23
"""Design matrices up to this many cells (dyads × terms) are kept between Newton steps."""


def stars(p) -> np.ndarray:
    """R's significance codes: ``***`` p < 0.001, ``**`` < 0.01, ``*`` < 0.05, ``.`` < 0.1."""
    p = np.asarray(p, dtype=float)
    return np.select([p < 0.001, p < 0.01, p < 0.05, p < 0.1], ["***", "**", "*", "."], "")


class Model:
    """The terms of a formula bound to a network, with the observed binary adjacency."""

    def __init__(self, net, formula: str):
        self.formula = formula.strip()
        self.terms = [make_term(net, s.name, s.args, s.kwargs) for s in parse_formula(formula)]
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


@dataclass(frozen=True)
class Control:
    """MCMC-MLE settings (``ergm``'s ``control.ergm``).

    ``sample_size`` networks per iteration, drawn ``interval`` proposals apart (default:
    n_dyads / 2 between 32 and 1,024) after ``16 × interval`` proposals of burn-in, by
    ``chains`` independent chains; at most ``max_iter`` iterations; ``bridges`` path
    points (``bridge_size`` draws each) for the log-likelihood (0: not estimated).
    """

    sample_size: int = 1024
    interval: int | None = None
    chains: int = 2
    max_iter: int = 30
    bridges: int = 16
    bridge_size: int = 128

    def interval_for(self, model: Model) -> int:
        return self.interval or int(np.clip(model.n_dyads // 2, 32, 1024))


#: The parameters of :func:`ergm` (and its :class:`Control`) from which ``healthalloc ergm``
#: and the study analysis ``ergm`` are generated.
PARAMS = Params(
    Param("formula", REQUIRED, "statnet formula, e.g. \"edges + nodeicov('HTH') + mutual\"", kind=str,
          study=False),
    Param("estimate", "MLE", "MLE (exact, or MCMC for dyad-dependent terms) or MPLE (pseudo-likelihood)",
          choices=("MLE", "MPLE")),
    Param("seed", None, "random seed of the MCMC (dyad-dependent models)", kind=int, metavar="S"),
    Param("sample_size", Control.sample_size, "MCMC sample size per iteration", kind=int, low=16, metavar="N"),
    Param("interval", None, "proposals between sampled networks (default: dyads / 2, between 32 and 1024)",
          kind=int, low=1, metavar="K"),
)


@dataclass(frozen=True)
class ErgmResult(Result):
    """A fitted ERGM.

    Attributes
    ----------
    coef, std_error, z, p_value : pandas.Series
        Estimates (±inf where the MLE is infinite), standard errors, z = estimate / SE and
        two-sided normal p-values, indexed by ergm's coefficient names.
    mcmc_se : pandas.Series or None
        The MCMC part of the standard errors (MCMC-MLE only).
    loglik, aic, bic : float
        Log-likelihood (exact for MLE; path-sampling estimate for MCMC-MLE), AIC and BIC.
    nobs : int
        Informative dyads. ``null_deviance`` is −2 log L at θ = 0, ``deviance`` −2 log L.
    method : {"MLE", "MCMLE", "MPLE"}
    converged : bool
    iterations : int
        Newton steps (MLE) or MCMC-MLE iterations.
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

    @property
    def deviance(self) -> float:
        return -2 * self.loglik

    @property
    def n_params(self) -> int:
        """Parameters counted by AIC and BIC: the finite estimates."""
        return int(np.isfinite(self.coef.to_numpy(float)).sum())

    def to_frame(self) -> pd.DataFrame:
        """``term, estimate, std_error, z, p_value, stars`` (and ``mcmc_se`` for MCMC-MLE)."""
        frame = pd.DataFrame({"term": self.coef.index, "estimate": self.coef.to_numpy(),
                              "std_error": self.std_error.to_numpy(), "z": self.z.to_numpy(),
                              "p_value": self.p_value.to_numpy(), "stars": stars(self.p_value.to_numpy())})
        if self.mcmc_se is not None:
            frame["mcmc_se"] = self.mcmc_se.to_numpy()
        return frame

    def fit_info(self) -> dict:
        """``loglik, aic, bic, nobs, n_nodes, method`` and the rest of the fit, JSON-ready."""
        return {"loglik": self.loglik, "aic": self.aic, "bic": self.bic, "nobs": self.nobs,
                "n_nodes": self.n_nodes, "method": self.method, "formula": self.formula,
                "null_deviance": self.null_deviance, "deviance": self.deviance,
                "n_params": self.n_params, "converged": self.converged, "iterations": self.iterations,
                "seed": self.seed}

    def summary(self) -> pd.DataFrame:
        """The fit in one row: method, nobs, log-likelihood, deviances, AIC, BIC."""
        info = self.fit_info()
        return pd.DataFrame([{k: info[k] for k in ("formula", "method", "n_nodes", "nobs", "n_params", "loglik",
                                                    "null_deviance", "deviance", "aic", "bic", "converged")}])

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``coefficients`` (:meth:`to_frame`) and ``fit`` (:meth:`summary`)."""
        return {"coefficients": self.to_frame(), "fit": self.summary()}

    def plot(self):
        """Estimates with 95% confidence intervals (infinite ones marked at the edge)."""
        return coefficient_plot({"model": self})


# ------------------------------------------------------------------ logistic regression


class _Design:
    """Change statistics (one row per statistic, one column per dyad) and ties of every
    informative dyad, in blocks of origins; kept in memory when small, else recomputed."""

    def __init__(self, model: Model, st: State, columns: np.ndarray):
        self.model, self.st, self.columns = model, st, columns
        n = model.n
        rows = max(1, BLOCK_DYADS // max(n, 1))
        self.slices = [slice(a, min(a + rows, n)) for a in range(0, n, rows)]
        self.cache = list(self._compute()) if model.n_dyads * len(columns) <= CACHE_CELLS else None
        self.mask: list[np.ndarray] | None = None

    def _compute(self):
        for rows in self.slices:
            t, h = dyads(self.model.n, self.model.directed, rows)
            yield self.model.change_rows(self.st, t, h, self.columns), self.st.A[t, h].astype(float)

    def blocks(self):
        source = self.cache if self.cache is not None else self._compute()
        for k, (Xt, y) in enumerate(source):
            if self.mask is not None:
                Xt, y = Xt[:, self.mask[k]], y[self.mask[k]]
            yield Xt, y


def _softplus(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(1 + e^η) and the tie probability 1 / (1 + e^−η), without overflow."""
    e = np.exp(-np.abs(eta))
    return np.maximum(eta, 0) + np.log1p(e), np.where(eta >= 0, 1, e) / (1 + e)


def _pass(design: _Design, beta: np.ndarray):
    """Log-likelihood, gradient and information of the logistic model at ``beta``."""
    p = len(beta)
    grad, info, loglik = np.zeros(p), np.zeros((p, p)), 0.0
    for Xt, y in design.blocks():
        eta = beta @ Xt
        log_norm, mu = _softplus(eta)
        grad += Xt @ (y - mu)
        info += (Xt * (mu * (1 - mu))) @ Xt.T
        loglik += float(y @ eta - log_norm.sum())
    return loglik, grad, info


def _logistic(design: _Design, beta0: np.ndarray, *, tol: float = 1e-10, max_iter: int = 100):
    """Newton–Raphson with step halving for the logistic regression streamed from
    ``design``: (β, covariance, log-likelihood, steps)."""
    beta = beta0.copy()
    loglik, grad, info = _pass(design, beta)
    for step in range(1, max_iter + 1):
        try:
            move = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            raise DataError("the model's statistics are collinear on the dyads (a term repeats "
                            "another, or a covariate is constant): drop one") from None
        previous = loglik
        for _ in range(30):  # halve a step that lowers the likelihood
            loglik, grad_new, info_new = _pass(design, beta + move)
            if loglik >= previous - 1e-9 * (1 + abs(previous)):
                break
            move /= 2
        beta, grad, info = beta + move, grad_new, info_new
        small_step = np.max(np.abs(move)) < tol * (1 + np.max(np.abs(beta)))
        if small_step or abs(loglik - previous) < 1e-12 * (1 + abs(loglik)):
            break
    return beta, np.linalg.pinv(info), loglik, step


def _extremes(design: _Design, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns whose observed statistic is at its smallest (−1) or largest (+1) attainable
    value (0 otherwise), and those that are 0 on every dyad."""
    obs, low, high = np.zeros(p), np.zeros(p), np.zeros(p)
    for Xt, y in design.blocks():
        obs += Xt @ y
        low += np.minimum(Xt, 0).sum(axis=1)
        high += np.maximum(Xt, 0).sum(axis=1)
    scale = 1e-9 * np.maximum(1, np.abs(obs))
    side = np.where(np.abs(obs - low) <= scale, -1, np.where(np.abs(obs - high) <= scale, 1, 0))
    return side, np.abs(high - low) <= scale


def _fit_logistic(model: Model, st: State, columns: np.ndarray):
    """Exact (or pseudo-) MLE of ``columns``: (estimates with ±inf, covariance, loglik, steps)."""
    design = _Design(model, st, columns)
    p = len(columns)
    side, constant = _extremes(design, p)
    if constant.any():
        names = [model.coef_names[c] for c in columns[constant]]
        raise DataError(f"statistic(s) {', '.join(names)} are 0 on every dyad (a level no node has?): "
                        "the coefficient is not identifiable; drop the term or level")
    infinite = side != 0
    if infinite.any():
        names = [model.coef_names[c] for c in columns[infinite]]
        warnings.warn(f"observed statistic(s) {', '.join(names)} are at their "
                      f"{'smallest' if (side[infinite] < 0).all() else 'extreme'} attainable values: "
                      "their coefficients are fixed at ±Inf (left out of AIC/BIC's parameter count)",
                      stacklevel=3)
        design.mask = [~(Xt[infinite] != 0).any(axis=0) for Xt, _ in design.blocks()]
        design.columns = columns[~infinite]
        if design.cache is not None:
            design.cache = [(Xt[~infinite], y) for Xt, y in design.cache]
    free = ~infinite
    start = np.zeros(int(free.sum()))
    edges = [k for k, c in enumerate(columns[free]) if model.coef_names[c] == "edges"]
    if edges:  # the edges-only MLE, logit(density), saves Newton steps
        density = model.observed.sum() / (1 if model.directed else 2) / model.n_dyads
        start[edges[0]] = np.log(density / (1 - density)) if 0 < density < 1 else 0.0
    with threadpool_limits(1, user_api="blas"):  # thin products: threads only add overhead
        est, cov_free, loglik, steps = _logistic(design, start)
    estimates = np.where(side > 0, np.inf, -np.inf).astype(float)
    estimates[free] = est
    cov = np.zeros((p, p))
    cov[np.ix_(free, free)] = cov_free
    return estimates, cov, loglik, steps


def _table(names, estimates, se):
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(np.isinf(estimates), estimates, estimates / se)
    p = 2 * norm.sf(np.abs(z))
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


def _mcmle(model: Model, st: State, theta0: np.ndarray, control: Control, seed, engine, bar):
    g_obs = model.stats(st)
    interval = control.interval_for(model)
    seq = np.random.SeedSequence(seed)
    theta, run_of_ones, converged, start = theta0.copy(), 0, False, st.A
    for iteration in range(1, control.max_iter + 1):  # each iteration goes on from the last networks
        chains = run_chains(model, theta, start, draws=control.sample_size, interval=interval,
                            burnin=16 * interval, chains=control.chains, seed=seq.spawn(1)[0], engine=engine)
        start = chains.networks
        sample = chains.pooled()
        cov = np.cov(sample, rowvar=False).reshape(len(theta), len(theta))
        sd = sample.std(axis=0)
        if (sd == 0).any():
            names = [n for n, s in zip(model.coef_names, sd) if s == 0]
            warnings.warn(f"the sampled statistic(s) {', '.join(names)} never change: the model is "
                          "near-degenerate (its networks are almost all empty or full); check the terms",
                          stacklevel=3)
            break
        gamma = hummel_step(sample, g_obs)
        theta = theta + np.linalg.solve(cov, gamma * (g_obs - sample.mean(axis=0)))
        run_of_ones = run_of_ones + 1 if gamma == 1.0 else 0
        bar.update(1)
        bar.set_postfix_str(f"step {gamma:.2f}")
        if run_of_ones >= 2:
            converged = True
            break
    if not converged:
        warnings.warn(f"MCMC-MLE did not converge in {control.max_iter} iterations (the step length "
                      "stayed below 1): estimates are unreliable and the model may be near-degenerate; "
                      "try a larger sample_size or interval, or other terms", stacklevel=3)
    info_inv = np.linalg.pinv(cov)
    mc = info_inv @ _batch_cov(chains.stats) @ info_inv
    return theta, info_inv, np.sqrt(np.clip(np.diag(mc), 0, None)), iteration, converged, sample, seq


def _log_z_independent(model: Model, st: State, columns: np.ndarray, beta: np.ndarray) -> float:
    """log of the normalizing constant of a dyad-independent model: Σ_dyads log(1 + e^η)."""
    if len(columns) == 0:
        return model.n_dyads * np.log(2.0)
    design = _Design(model, st, columns)
    return float(sum(_softplus(beta @ Xt)[0].sum() for Xt, _ in design.blocks()))


def _path_loglik(model, st, theta, control, seq, engine, bar) -> float:
    """log L(θ̂) by path sampling from the dyad-independent part of the model (exact) to θ̂."""
    di = np.flatnonzero(model.dyad_independent)
    theta0 = np.zeros_like(theta)
    if len(di):
        est, _, _, _ = _fit_logistic(model, st, di)
        theta0[di] = np.where(np.isfinite(est), est, 0.0)
    log_z = _log_z_independent(model, st, di, theta0[di])
    interval = control.interval_for(model)
    direction = theta - theta0
    start = st.A
    for k in range(control.bridges):  # from θ̂'s end, each bridge going on from the last networks
        u = 1 - (k + 0.5) / control.bridges
        chains = run_chains(model, theta0 + u * direction, start, draws=control.bridge_size, interval=interval,
                            burnin=16 * interval, chains=control.chains, seed=seq.spawn(1)[0], engine=engine)
        start = chains.networks
        log_z += float(direction @ chains.pooled().mean(axis=0)) / control.bridges
        bar.update(1)
    return float(theta @ model.stats(st) - log_z)


# ------------------------------------------------------------------------------ ergm()


def ergm(net, formula: str, *, estimate: str = "MLE", control: Control | None = None, seed: int | None = None,
         engine="serial", progress: bool | None = None) -> ErgmResult:
    """Fit an ERGM to the binary network ``net`` (see the module docstring).

    Parameters
    ----------
    net : Network
        A binary network (:meth:`~healthalloc.mobility.network.Network.binarize` a valued one);
        node attributes and dyadic covariates are those the terms name.
    formula : str
        statnet's formula, e.g. ``"edges + nodeicov('HTH') + edgecov('GeoProx') + mutual"``.
    estimate : {"MLE", "MPLE"}
        ``"MLE"`` (default): exact MLE for dyad-independent models, MCMC-MLE otherwise;
        ``"MPLE"``: the maximum pseudo-likelihood estimate (its log-likelihood is the
        pseudo-log-likelihood).
    control : Control, optional
        MCMC settings.
    seed : int, optional
        Seed of every random draw: the same seed gives the same fit on every engine.
    engine : {"serial", "processes", "dask"} or Executor
        Where the MCMC chains run.
    progress : bool, optional
        Show the MCMC iterations and bridges as a progress bar; by default only when
        stderr is a terminal.

    Returns
    -------
    ErgmResult

    Examples
    --------
    >>> import pandas as pd
    >>> from healthalloc.mobility import network_from_edges
    >>> net = network_from_edges(pd.DataFrame({"from": [1, 2, 3], "to": [2, 3, 1]}),
    ...                          pd.DataFrame({"id": [1, 2, 3, 4]}))
    >>> round(float(ergm(net, "edges").coef["edges"]), 4)   # logit(3 / 12)
    -1.0986
    """
    if estimate not in ("MLE", "MPLE"):
        raise ValueError(f"estimate must be 'MLE' or 'MPLE', got {estimate!r}")
    if net.n < 2:
        raise DataError("an ERGM needs at least 2 nodes")
    if (net.weights.diagonal() != 0).any():
        raise DataError("the network has self-loops; ERGMs here have none")
    model = Model(net, formula)
    control = control or Control()
    st = State(model.observed.copy(), model.directed)
    everything = np.arange(len(model.coef_names))
    estimates, cov, loglik, steps = _fit_logistic(model, st, everything)
    independent = bool(model.dyad_independent.all())
    method, mcmc_se, sample, converged = ("MLE" if independent else "MPLE"), None, None, True
    if not independent and estimate == "MLE":
        if not np.isfinite(estimates).all():
            raise DataError("the MPLE has infinite coefficients; MCMC-MLE needs finite ones: drop those terms")
        with progress_bar(progress, total=control.max_iter + control.bridges, desc="MCMC-MLE", unit="step") as bar, \
                get_executor(engine) as ex:  # one pool or cluster for every sample
            estimates, cov, mc, steps, converged, sample, seq = _mcmle(model, st, estimates, control, seed, ex, bar)
            bar.total = steps + control.bridges
            bar.refresh()
            loglik = _path_loglik(model, st, estimates, control, seq, ex, bar) if control.bridges else np.nan
        se = np.sqrt(np.clip(np.diag(cov), 0, None) + mc ** 2)
        mcmc_se = pd.Series(mc, index=pd.Index(model.coef_names, name="term"))
        method = "MCMLE"
    else:
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    coef, se_s, z, p = _table(model.coef_names, estimates, se)
    k = int(np.isfinite(estimates).sum())
    nobs = model.n_dyads
    return ErgmResult(model.formula, coef, se_s, z, p, loglik, -2 * loglik + 2 * k, -2 * loglik + k * np.log(nobs),
                      nobs, model.n, method, 2 * nobs * np.log(2.0), converged, steps, model, control, mcmc_se,
                      sample, seed)


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
            cells = {t: f"{est:.{self.digits}f}{mark}" for t, est, mark in zip(fit.coef.index, fit.coef, marks)}
            col = [cells.get(t, "–") for t in terms]
            col += [f"{fit.aic:.{self.digits}f}", f"{fit.bic:.{self.digits}f}", str(fit.n_nodes)]
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
