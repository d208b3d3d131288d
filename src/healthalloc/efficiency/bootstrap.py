"""Simar–Wilson (1998) smoothed homogeneous bootstrap of DEA efficiency scores.

The bootstrap works on distances ``δ ≥ 1``: the Shephard input distance ``1/θ`` (input
orientation) or Farrell's output measure ``φ`` (output orientation). One replication

1. draws ``β`` from the estimates reflected around 1, ``{δ̂ᵢ} ∪ {2 − δ̂ᵢ}``, adds
   Gaussian noise of bandwidth ``h`` and rescales around the draws' mean ``β̄`` so the
   variance is right: ``δ* = β̄ + (β + hε − β̄) / sqrt(1 + h²/σ̂²)`` (``σ̂²``: variance of
   the reflected sample), then reflects values below 1 back (``2 − δ*``);
2. moves each unit along its ray to the drawn distance from the DEA frontier: inputs
   ``x* = x·δ*/δ̂`` (input orientation; equivalently ``x·θ̂/θ*`` in Farrell terms) or
   outputs ``y* = y·δ̂/δ*`` (output orientation: ``y·φ̂/φ*``);
3. evaluates the original units against the pseudo-data frontier, giving the replicates
   ``δ̂*`` (:func:`pseudo_scores`: the LPs of many replications side by side, each against
   its frontier's units only; equal to :func:`healthalloc.efficiency.models.radial`).

Centring the variance correction on ``β̄`` follows Simar & Wilson (1998) and
R ``Benchmarking::dea.boot``; ``deaR::bootstrap_basic`` centres on 1 (the mean of the
reflected sample) instead, so the two agree only in distribution.

References: Simar, L. & Wilson, P. W. (1998), Management Science 44:49–61;
Silverman, B. W. (1986), Density Estimation, eq. 3.31; Daraio, C. & Simar, L. (2007),
Advanced Robust and Nonparametric Methods in Efficiency Analysis, pp. 58–62.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from healthalloc.data.validate import DataError, check_columns
from healthalloc.efficiency import models
from healthalloc.efficiency._envelopment import LAMBDA_SUM, LAMBDA_TOL, PRICING_TOL, on_frontier
from healthalloc.efficiency.dea import EFFICIENT_TOL, dea
from healthalloc.efficiency.declarations import ALPHA, BOOTSTRAP, N_BOOT
from healthalloc.engine import ENGINE, Executor, get_executor, progress_bar, show_progress
from healthalloc.params import declared
from healthalloc.result import Result
from healthalloc.solver import SolverError

#: Replications per engine task (fixed, whatever the engine; the progress bar advances
#: by one task).
REPLICATIONS_PER_TASK = 100
#: Most LPs (units × replications) of a task solved side by side (bounds its memory).
BATCH_LPS = 20_000
#: Units above which HiGHS solves the replications (its column generation was faster
#: from about 1,000 units of the benchmark data: 2 inputs, 2 outputs, VRS).
BATCHED_UNITS = 1000
#: Pseudo-samples of at most this many units are their own pool (no screen).
WHOLE_POOL = 64
#: Random weights of the screen that starts the pool (more find more of the frontier
#: at once, and cost more: 64 was fastest at 300 units).
SCREEN_DIRECTIONS = 64
#: Simplex pivots of a batch; LPs still not optimal then are solved by HiGHS.
MAX_PIVOTS = 200
#: Degenerate pivots in a row after which an LP leaves Dantzig's rule (most negative
#: reduced cost) for Bland's (which cannot cycle) until its objective moves again.
STALL = 5
#: Smallest pivot element of the ratio test, and the primal infeasibility a certified
#: basis may have (data rescaled to mean 1).
PIVOT_TOL = 1e-9
FEASIBILITY_TOL = 1e-9
#: Quantile rule for the interval: Hyndman & Fan type 9, as ``Benchmarking::dea.boot``.
QUANTILE_METHOD = "normal_unbiased"

PARAMS = BOOTSTRAP  # declared in :mod:`healthalloc.efficiency.declarations`


@dataclass(frozen=True)
class BootstrapResult(Result):
    """Bias-corrected DEA efficiency with bootstrap confidence intervals.

    Every score is on :func:`dea`'s reported scale, efficiency ≤ 1: θ for input
    orientation, 1/φ for output orientation. Bias correction and intervals are computed
    on the distance scale ``δ = 1/efficiency ≥ 1`` (where the bootstrap is built, as in
    ``Benchmarking::dea.boot``) and transformed back, which keeps them in (0, efficiency].

    Attributes
    ----------
    efficiency : pandas.Series
        DEA efficiency estimates (indexed by ``unit``).
    bias : pandas.Series
        ``efficiency − bias_corrected`` (≥ 0: DEA overestimates efficiency); to first order
        the mean of the replicates minus the estimate.
    bias_corrected : pandas.Series
        ``1/δ̃`` with ``δ̃ = 2δ̂ − mean(δ̂*)``, the bias-corrected distance.
    variance : pandas.Series
        Sample variance (ddof = 1) of the replicates on the reported scale (NaN for
        ``n_boot = 1``).
    ci_low, ci_high : pandas.Series
        Simar & Wilson's (1998) bias-corrected percentile interval at level ``1 − alpha``:
        on the distance scale ``[2δ̂ − q(1 − α/2), 2δ̂ − q(α/2)]`` with ``q`` the quantiles of
        the replicates ``δ̂*`` (the law of ``δ̂* − δ̂`` standing in for that of ``δ̂ − δ``),
        then inverted. It always contains ``bias_corrected``.
    replicates : numpy.ndarray
        (n units × n_boot) bootstrap efficiencies on the reported scale, rows in the
        order of ``efficiency.index``; values above 1 occur.
    bandwidth : float
        Smoothing bandwidth ``h`` on the distance scale (see :func:`bandwidth`).
    """

    efficiency: pd.Series
    bias: pd.Series
    bias_corrected: pd.Series
    variance: pd.Series
    ci_low: pd.Series
    ci_high: pd.Series
    replicates: np.ndarray
    bandwidth: float
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    rts: str
    orientation: str
    n_boot: int
    alpha: float
    seed: int | None

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``unit, efficiency, bias, bias_corrected, ci_low, ci_high``."""
        return pd.DataFrame({"efficiency": self.efficiency, "bias": self.bias,
                             "bias_corrected": self.bias_corrected, "ci_low": self.ci_low,
                             "ci_high": self.ci_high}).reset_index()

    def summary(self) -> pd.DataFrame:
        """Mean, standard deviation, minimum, median and maximum of every score column."""
        scores = self.to_frame().drop(columns="unit")
        scores["ci_width"] = scores["ci_high"] - scores["ci_low"]
        return scores.agg(["mean", "std", "min", "median", "max"]).T

    def plot(self):
        """Every unit's bias-corrected efficiency (dot, sorted), confidence interval (whisker) and DEA
        estimate (ring)."""
        from healthalloc.report.figures.intervals import dot_whisker

        return dot_whisker(self.bias_corrected, self.ci_low, self.ci_high, original=self.efficiency, reference=1.0,
                           labels=("bias-corrected", f"{1 - self.alpha:.0%} interval", "DEA estimate"),
                           xlabel="efficiency", title=f"Bootstrap efficiency, {1 - self.alpha:.0%} intervals "
                                                      f"({self.n_boot} replications)")

    def figures(self) -> dict:
        """The intervals (:meth:`plot`)."""
        return {"intervals": (f"Each unit's bias-corrected efficiency (dot) with its {1 - self.alpha:.0%} "
                              "confidence interval (whisker) and the DEA estimate (ring), sorted; DEA overstates "
                              "efficiency, so the intervals tend to lie below the estimates.", self.plot)}

    def reading(self) -> str:
        """The mean bias-corrected efficiency and the mean bias."""
        return (f"With {self.n_boot} Simar–Wilson replications the mean bias-corrected efficiency is "
                f"{self.bias_corrected.mean():.3f}, {self.bias.mean():.3f} below the DEA estimate.")

    def __str__(self) -> str:
        head = (f"DEA bootstrap (Simar-Wilson 1998; rts={self.rts}, "
                f"orientation={self.orientation}): {len(self.efficiency)} units, "
                f"{self.n_boot} replications, {1 - self.alpha:.0%} intervals, "
                f"bandwidth {self.bandwidth:.4g}, seed {self.seed}")
        return head + "\n" + self.summary().round(4).to_string()


@declared(BOOTSTRAP + ENGINE, data=("data",))
def dea_bootstrap(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    unit: str | None = None,
    by: str | None = None,
    at: object = None,
    rts: str = "crs",
    orientation: str = "input",
    n_boot: int = N_BOOT,
    seed: int | None = None,
    alpha: float = ALPHA,
    progress: bool | None = None,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> BootstrapResult:
    """Bias-corrected DEA scores and confidence intervals by the Simar–Wilson bootstrap.

    The radial model on one period. The replications run on ``engine`` in chunks of
    ``REPLICATIONS_PER_TASK``, each drawn from its own child of ``seed``'s
    :class:`numpy.random.SeedSequence`.

    Parameters
    ----------
    data : DataFrame
        As for :func:`healthalloc.efficiency.dea`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"hospital": list("ABCDEF"), "doctors": [20, 30, 40, 20, 50, 30],
    ...                    "beds": [150, 200, 160, 180, 300, 140],
    ...                    "inpatients": [100, 120, 130, 90, 160, 110]})
    >>> res = dea_bootstrap(df, ["doctors", "beds"], ["inpatients"], unit="hospital",
    ...                     n_boot=100, seed=1)
    >>> bool((res.ci_low <= res.bias_corrected).all() and (res.bias_corrected <= res.efficiency).all())
    True
    """
    if by is not None:
        check_columns(data, [by])
        at = data[by].max() if at is None else at
        data = data[data[by] == at]
        if data.empty:
            raise DataError(f"no rows with {by} = {at!r} to bootstrap")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be an integer ≥ 1, got {n_boot!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    chunks = [seeds[i : i + REPLICATIONS_PER_TASK] for i in range(0, n_boot, REPLICATIONS_PER_TASK)]
    show = show_progress(progress)
    with get_executor(engine, scheduler=scheduler, workers=workers) as ex:
        est = dea(data, inputs, outputs, unit=unit, rts=rts, orientation=orientation,
                  slacks=False, progress=show, engine=ex)
        X, Y = (est.data[list(c)].to_numpy(float) for c in (inputs, outputs))
        dist = 1.0 / est.efficiency.to_numpy()
        h = bandwidth(dist)
        run = partial(_replicate_chunk, X=X, Y=Y, dist=dist, h=h, rts=rts, orientation=orientation)
        with progress_bar(show, total=n_boot, desc="DEA bootstrap", unit="rep") as bar:
            try:
                boot = np.hstack(ex.map(run, chunks, done=lambda i: bar.update(len(chunks[i]))))
            except SolverError as exc:  # units: positions in the data
                raise exc.naming(est.efficiency.index[list(exc.units)],
                                 " in a bootstrap replication") from None
    corrected = 2 * dist - boot.mean(axis=1)
    q = np.quantile(boot, [alpha / 2, 1 - alpha / 2], axis=1, method=QUANTILE_METHOD)
    replicates = 1 / boot
    table = pd.DataFrame({
        "bias": est.efficiency.to_numpy() - 1 / corrected,
        "bias_corrected": 1 / corrected,
        "variance": replicates.var(axis=1, ddof=1) if n_boot > 1 else np.nan,
        "ci_low": 1 / (2 * dist - q[0]),
        "ci_high": 1 / (2 * dist - q[1]),
    }, index=est.efficiency.index)
    return BootstrapResult(
        efficiency=est.efficiency,
        **table.to_dict("series"),
        replicates=replicates,
        bandwidth=h,
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        rts=rts,
        orientation=orientation,
        n_boot=n_boot,
        alpha=alpha,
        seed=seed,
    )


def bandwidth(dist: np.ndarray) -> float:
    """Smoothing bandwidth for DEA distances ``δ̂ ≥ 1`` (Daraio & Simar 2007, eq. 3.26).

    Silverman's (1986, eq. 3.31) rule ``h₀ = 0.9·min(sd, IQR/1.34)·(2m)^(-1/5)`` on the
    reflected sample ``{δ̂ᵢ} ∪ {2 − δ̂ᵢ}`` of the m estimates with ``δ̂ > 1`` (the spurious
    mass of efficient units at 1 is left out), rescaled to the full sample as in Daraio &
    Simar (2007, eq. 3.26): ``h = h₀ · sd(δ̂)/sd(reflected) · (2m/n)^(1/5)``. The IQR
    term is skipped when it is (near) zero. This is ``Benchmarking::dea.boot``'s rule,
    except that it divides the IQR by 1.349.
    """
    inefficient = dist[dist > 1 + EFFICIENT_TOL]
    if not len(inefficient):
        raise ValueError("every unit is efficient (DEA score 1): there is no distribution "
                         "of inefficiency to bootstrap")
    reflected = np.r_[inefficient, 2 - inefficient]
    sd = reflected.std(ddof=1)
    q25, q75 = np.quantile(reflected, [0.25, 0.75])
    spread = (q75 - q25) / 1.34
    h0 = 0.9 * (spread if 1e-6 < spread < sd else sd) * len(reflected) ** -0.2
    return float(h0 * dist.std(ddof=1) / sd * (len(reflected) / len(dist)) ** 0.2)


def _replicate_chunk(seeds, X: np.ndarray, Y: np.ndarray, dist: np.ndarray, h: float, *, rts: str,
                     orientation: str) -> np.ndarray:
    """Replications for each of ``seeds`` as the columns of an (n units × len(seeds)) array
    (one engine task): the bootstrap estimates ``δ̂*`` (1/θ* for input orientation, φ* for
    output orientation) of the units against each replication's pseudo-data."""
    return moved_distances(X, Y, dist, draw(seeds, dist, h), rts=rts, orientation=orientation)


def moved_distances(X: np.ndarray, Y: np.ndarray, dist: np.ndarray, drawn: np.ndarray, *, rts: str,
                    orientation: str) -> np.ndarray:
    """Steps 2–3 for each row of ``drawn`` (b × n distances ``δ*``): every unit moved along its
    ray from its DEA distance ``dist`` to the drawn one (inputs ``x·δ*/δ̂``, or outputs
    ``y·δ̂/δ*``), and the distances ``δ̂*`` of the units against that pseudo-data (n × b)."""
    inp = orientation == "input"
    b = len(drawn)
    Xp = X * (drawn / dist)[:, :, None] if inp else np.broadcast_to(X, (b, *X.shape))
    Yp = np.broadcast_to(Y, (b, *Y.shape)) if inp else Y * (dist / drawn)[:, :, None]
    score = pseudo_scores(X, Y, Xp, Yp, rts=rts, orientation=orientation)
    return (1 / score if inp else score).T


def draw(seeds, dist: np.ndarray, h: float) -> np.ndarray:
    """The distances ``δ*`` (module docstring, step 1) of one replication per seed (rows of a
    (len(seeds) × n) array) for DEA distances ``δ̂ ≥ 1`` and bandwidth ``h``."""
    n = len(dist)
    reflected = np.r_[dist, 2 - dist]
    draws = [np.random.default_rng(seed) for seed in seeds]
    beta = reflected[np.stack([rng.integers(2 * n, size=n) for rng in draws])]
    noise = np.stack([rng.standard_normal(n) for rng in draws])
    centre = beta.mean(axis=1, keepdims=True)
    smooth = centre + (beta + h * noise - centre) / np.sqrt(1 + h**2 / reflected.var(ddof=1))
    return np.where(smooth < 1, 2 - smooth, smooth)


def pseudo_scores(X: np.ndarray, Y: np.ndarray, Xp: np.ndarray, Yp: np.ndarray, *, rts: str,
                  orientation: str) -> np.ndarray:
    """Radial scores (θ, or Farrell's φ) of the units ``X, Y`` (n × m, n × s) against each of
    b pseudo-samples ``Xp, Yp`` (b × n × m, b × n × s) whose row i lies on unit i's ray:
    its *twin* (inputs scaled, input orientation; outputs scaled, output orientation).
    Returns (b, n); equal to :func:`models.radial` against each whole pseudo-sample.

    Each technology is spanned by its frontier, so every unit's LP is solved against a
    small *pool* of pseudo-units, started from the random-weight screen
    (:func:`_envelopment.on_frontier`), plus the unit's twin, which makes the LP feasible
    from a known basis (:func:`_twin_simplex`). The pool is exact once no unit outside it
    uses its twin: a twin strictly inside the technology of the pool cannot be in an
    optimal solution (replacing it by what dominates it frees every input, or output), so
    a twin left unused lies in that technology; then the pool spans every pseudo-unit and
    the pool's technology is the pseudo-sample's. Twins used outside the pool join it and
    their replications are solved again. LPs the simplex does not certify optimal are
    solved by HiGHS against the whole pseudo-sample, and so is every LP of more than
    ``BATCHED_UNITS`` units (whose frontiers hold so many pseudo-units that a shared pool
    costs more than HiGHS' column generation with a candidate list per unit).
    """
    b, n = Xp.shape[:2]
    if n > BATCHED_UNITS:
        return _highs(X, Y, Xp, Yp, np.zeros((b, n)), np.zeros((b, n), bool), rts, orientation)
    out = np.empty((b, n))
    per = max(1, BATCH_LPS // n)
    for first in range(0, b, per):
        part = slice(first, first + per)
        out[part] = _pooled_scores(X, Y, Xp[part], Yp[part], rts, orientation)
    return out


def _pooled_scores(X, Y, Xp, Yp, rts, orientation) -> np.ndarray:
    """:func:`pseudo_scores` of one batch of pseudo-samples."""
    sx, sy = X.mean(axis=0), np.where(Y.mean(axis=0) > 0, Y.mean(axis=0), 1.0)
    X, Y, Xp, Yp = X / sx, Y / sy, Xp / sx, Yp / sy
    b, n = Xp.shape[:2]
    score, certified = np.zeros((b, n)), np.zeros((b, n), bool)
    pooled = on_frontier(Xp, Yp, rts, directions=SCREEN_DIRECTIONS) if n > WHOLE_POOL else np.ones((b, n), bool)
    cols = np.argsort(~pooled, axis=1, kind="stable")[:, : pooled.sum(axis=1).max()]  # padded with other units
    pooled[np.arange(b)[:, None], cols] = True
    todo, basis = np.arange(b), None
    while len(todo):
        score[todo], twin, certified[todo], basis = _twin_simplex(X, Y, Xp[todo], Yp[todo], cols, rts,
                                                                  orientation, basis)
        joins = (twin > LAMBDA_TOL) & ~pooled[todo]
        again = joins.any(axis=1)
        todo, basis, cols, joins = todo[again], basis[again], cols[again], joins[again]
        new = np.argsort(~joins, axis=1, kind="stable")[:, : joins.sum(axis=1).max(initial=0)]
        cols = np.concatenate([cols, new], axis=1)  # the old columns keep their places: the basis stays valid
        pooled[todo[:, None], new] = True
    return _highs(X, Y, Xp, Yp, score, certified, rts, orientation)


def _highs(X, Y, Xp, Yp, score, certified, rts, orientation) -> np.ndarray:
    """``score`` (b, n) with the LPs not ``certified`` solved by HiGHS (:func:`models.radial`)
    against each whole pseudo-sample."""
    for r in np.unique(np.nonzero(~certified)[0]):
        units = np.flatnonzero(~certified[r])
        try:
            score[r, units] = models.radial(X[units], Y[units], Xp[r], Yp[r], rts=rts, orientation=orientation,
                                            slacks=False).score
        except SolverError as exc:
            raise exc.at(units[list(exc.units)]) from None
    return score


def _twin_simplex(X, Y, Xp, Yp, cols, rts, orientation, basis=None):
    """Revised primal simplex on the radial LPs of every unit i against the pseudo-units
    ``cols[r]`` of pseudo-sample r and its twin ``(Xp[r, i], Yp[r, i])``, all (r, i) at once.

    Standard form, rows: inputs, outputs and (but CRS) Σλ; columns: the radial variable
    (cost 1 for θ, −1 for φ), a slack per inequality row, the twin's λ, the pool's λ. The
    start ``basis`` (b, n, R column numbers), by default the radial variable, the twin and
    the slacks of all rows but two, is feasible: the twin alone reaches the unit's ray.
    Dantzig's rule, Bland's on an LP stalled at a degenerate vertex (``STALL``); optimal LPs
    drop out. Returns each LP's score, twin λ, whether a fresh factorization of its final
    basis certifies it primal feasible and optimal, and the bases.
    """
    b, n, m = Xp.shape
    s = Y.shape[1]
    inp = orientation == "input"
    sigma = int(LAMBDA_SUM[rts] is not None)
    R = m + s + sigma
    sign = np.r_[np.ones(m), -np.ones(s), {"nirs": [1.0], "ndrs": [-1.0]}.get(rts, [])]
    own = np.zeros((n, R, 1 + len(sign)))  # the radial variable and the slacks
    own[:, :m, 0] = -X if inp else 0.0
    own[:, m : m + s, 0] = 0.0 if inp else -Y
    own[:, np.arange(len(sign)), 1 + np.arange(len(sign))] = sign
    twin_id = own.shape[2]
    cost = np.zeros(twin_id + 1)  # own columns and the twin; the pool's cost 0
    cost[0] = 1.0 if inp else -1.0
    rhs = np.concatenate([np.zeros((n, m)) if inp else X, Y if inp else np.zeros((n, s)), np.ones((n, sigma))], axis=1)
    twin = np.concatenate([Xp, Yp, np.ones((b, n, sigma))], axis=2).reshape(b * n, R)
    pool = np.concatenate([np.take_along_axis(Xp, cols[:, :, None], 1), np.take_along_axis(Yp, cols[:, :, None], 1),
                           np.ones((*cols.shape, sigma))], axis=2).transpose(0, 2, 1)  # (b, R, K)
    rep, unit = np.repeat(np.arange(b), n), np.tile(np.arange(n), b)  # of each LP, replication-major

    def column(ids, lps):  # column numbers of the LPs lps → their columns (len(lps), R)
        fixed = own[unit[lps], :, np.minimum(ids, twin_id - 1)]
        pooled = pool[rep[lps], :, np.clip(ids - twin_id - 1, 0, pool.shape[2] - 1)]
        return np.where((ids < twin_id)[:, None], fixed, np.where((ids == twin_id)[:, None], twin[lps], pooled))

    # buffers reused by every pivot (fresh large arrays would each cost page faults)
    d_buffer, side_buffer = np.empty((b * n, twin_id + 1 + pool.shape[2])), np.empty((b, n, R))
    product_buffer = np.empty((b, n, pool.shape[2]))

    def prices(Binv, basis, lps):  # reduced costs (len(lps), columns) and their tolerance
        pi = np.einsum("lr,lrs->ls", cost[np.minimum(basis, twin_id)] * (basis <= twin_id), Binv)
        d = d_buffer[: len(lps)]
        d[:, 0] = cost[0] - np.einsum("ls,ls->l", pi, own[unit[lps], :, 0])
        d[:, 1:twin_id] = -pi[:, : len(sign)] * sign  # slack k is ±1 on row k
        d[:, twin_id] = -np.einsum("ls,ls->l", pi, twin[lps])
        r = rep[lps]  # sorted: the LPs of a replication side by side, priced against its pool at once
        at = np.cumsum(np.r_[0, r[1:] != r[:-1]])
        side = side_buffer[: at[-1] + 1]
        side.fill(0.0)
        side[at, unit[lps]] = pi
        product = np.matmul(side, pool[r[np.r_[True, r[1:] != r[:-1]]]], out=product_buffer[: at[-1] + 1])
        np.negative(product[at, unit[lps]], out=d[:, twin_id + 1 :])
        return d, PRICING_TOL * (1.0 + np.abs(pi).max(axis=1))

    def factor(basis):
        every = np.arange(b * n)
        Binv = np.linalg.inv(np.stack([column(basis[:, j], every) for j in range(R)], axis=2))
        return Binv, np.einsum("lrs,ls->lr", Binv, rhs[unit])

    if basis is None:  # the radial variable pinned on the row its twin reaches last, the twin on Σλ
        with np.errstate(divide="ignore", invalid="ignore"):  # (CRS: its largest output or input)
            reach = Xp / X if inp else np.where(Y > 0, Yp / Y, np.inf)
        radial_row = np.argmax(reach, axis=2) if inp else m + np.argmin(reach, axis=2)
        twin_row = m + s if sigma else (m + np.argmax(Y, axis=1) if inp else np.argmax(X, axis=1))
        keep = np.ones((b, n, R), bool)
        keep[np.arange(b)[:, None], np.arange(n), radial_row] = False
        keep[:, np.arange(n), twin_row] = False
        slack = np.r_[1 + np.arange(len(sign)), -1]  # of each row (VRS: none on Σλ)
        basis = np.concatenate([np.zeros((b, n, 1), int), np.full((b, n, 1), twin_id),
                                slack[np.nonzero(keep)[2]].reshape(b, n, R - 2)], axis=2)
    basis = basis.reshape(b * n, R).copy()
    Binv, xB = factor(basis)
    lps = np.arange(b * n)  # the LPs not yet optimal
    stalled = np.zeros(b * n, int)  # degenerate pivots in a row
    for _ in range(MAX_PIVOTS):
        Bi, xb, bs = Binv[lps], xB[lps], basis[lps]
        d, tol = prices(Bi, bs, lps)
        q = np.argmin(d, axis=1)
        go = d[np.arange(len(lps)), q] < -tol
        if not go.all():
            lps, d, tol, q, Bi, xb, bs = (a[go] for a in (lps, d, tol, q, Bi, xb, bs))
        if not len(lps):
            break
        bland = stalled[lps] >= STALL
        if bland.any():
            q[bland] = np.argmax(d[bland] < -tol[bland, None], axis=1)
        alpha = np.einsum("lrs,ls->lr", Bi, column(q, lps))
        ok = alpha > PIVOT_TOL
        ratio = np.where(ok, np.maximum(xb, 0.0) / np.where(ok, alpha, 1.0), np.inf)
        step = ratio.min(axis=1, keepdims=True)
        # Bland: of the tied rows, the one whose basic column has the smallest number leaves
        row = np.argmin(np.where(bland[:, None], np.where(ratio == step, bs, np.inf), ratio), axis=1)
        stalled[lps] = np.where(step[:, 0] <= LAMBDA_TOL * 1e-3, stalled[lps] + 1, 0)
        i = np.arange(len(lps))
        p = alpha[i, row]
        Brow, xrow = Bi[i, row] / p[:, None], xb[i, row] / p
        Bi -= alpha[:, :, None] * Brow[:, None, :]
        xb -= alpha * xrow[:, None]
        Bi[i, row], xb[i, row], bs[i, row] = Brow, xrow, q
        go = ok.any(axis=1)  # unbounded (not with positive inputs): left uncertified
        lps = lps[go]
        Binv[lps], xB[lps], basis[lps] = Bi[go], xb[go], bs[go]
    Binv, xB = factor(basis)
    d, tol = prices(Binv, basis, np.arange(b * n))
    certified = (d >= -tol[:, None]).all(axis=1) & (xB >= -FEASIBILITY_TOL).all(axis=1)
    return ((xB * (basis == 0)).sum(axis=1).reshape(b, n), (xB * (basis == twin_id)).sum(axis=1).reshape(b, n),
            certified.reshape(b, n), basis.reshape(b, n, R))
