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
3. evaluates the original units against the pseudo-data frontier (one
   :func:`healthalloc.efficiency.models.radial` call), giving the replicates ``δ̂*``.

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
from healthalloc.efficiency.dea import EFFICIENT_TOL, dea
from healthalloc.efficiency.declarations import ALPHA, BOOTSTRAP, N_BOOT
from healthalloc.engine import ENGINE, Executor, get_executor, progress_bar, show_progress
from healthalloc.params import declared
from healthalloc.result import Result
from healthalloc.solver import SolverError

#: Replications per engine task (fixed, whatever the engine; the progress bar advances
#: by one task).
REPLICATIONS_PER_TASK = 25
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


def _replicate_chunk(seeds, **kwargs) -> np.ndarray:
    """Replications for each of ``seeds`` as the columns of an (n units × len(seeds)) array
    (one engine task)."""
    return np.column_stack([replicate(s, **kwargs) for s in seeds])


def replicate(seed: np.random.SeedSequence, X: np.ndarray, Y: np.ndarray, dist: np.ndarray,
              h: float, *, rts: str, orientation: str) -> np.ndarray:
    """One bootstrap replication: the units' DEA distances to a pseudo-data frontier.

    ``dist`` holds the DEA distances ``δ̂ ≥ 1`` of the units (rows of X, Y) and ``h`` the
    bandwidth. Draws ``δ*`` per unit (module docstring, steps 1–2) and returns the
    bootstrap estimates ``δ̂*`` (1/θ* for input orientation, φ* for output orientation).
    """
    rng = np.random.default_rng(seed)
    n = len(dist)
    reflected = np.r_[dist, 2 - dist]
    beta = reflected[rng.integers(2 * n, size=n)]
    smooth = beta.mean() + (beta + h * rng.standard_normal(n) - beta.mean()) / np.sqrt(
        1 + h**2 / reflected.var(ddof=1))
    drawn = np.where(smooth < 1, 2 - smooth, smooth)
    inp = orientation == "input"
    Xr = X * (drawn / dist)[:, None] if inp else X
    Yr = Y if inp else Y * (dist / drawn)[:, None]
    score = models.radial(X, Y, Xr, Yr, rts=rts, orientation=orientation, slacks=False).score
    return 1 / score if inp else score
