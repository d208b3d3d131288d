"""Classic and spatial Markov chains of an indicator's classes, by ``giddy``.

Each unit's value in each period is put in one of k quantile classes (1 = lowest);
the classic Markov matrix estimates pᵢⱼ = nᵢⱼ / nᵢ, the probability that a unit in class i
in one period is in class j in the next (maximum likelihood from the transition counts nᵢⱼ
over all units and consecutive periods). The spatial Markov chain (Rey 2001) conditions
the same estimate on the class of the unit's spatial lag in the starting period (m
quantile classes of Σⱼ wᵢⱼ yⱼ), giving m matrices P(l). If neighbours do not matter, every
P(l) equals the classic matrix: Bickenbach & Bode's (2003) Q (χ²) and LR statistics test
that homogeneity.

References: Rey, S. J. (2001) Spatial empirics for economic growth and convergence.
Geographical Analysis 33(3): 195–214. Bickenbach, F. & Bode, E. (2003) Evaluating the
Markov property in studies of economic convergence. International Regional Science Review
26(3): 363–392.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healthalloc.data import DataError
from healthalloc.params import REQUIRED, UNIT, Param, Params, declared
from healthalloc.report.tables import format_number, p_text
from healthalloc.result import Result
from healthalloc.spatial.weights import SpatialWeights, aligned_values

__all__ = ["K", "SpatialMarkov", "spatial_markov"]

#: Quantile classes of the value (and of its spatial lag).
K = 4


@dataclass(frozen=True)
class SpatialMarkov(Result):
    """Classic and spatially conditioned Markov transition matrices.

    Attributes
    ----------
    cutoffs, lag_cutoffs : ndarray or None
        The k − 1 (m − 1) inner bounds of the pooled quantile classes of the value (of the
        lag): class i holds values ≤ ``cutoffs[i - 1]``. None with ``fixed=False``.
    transitions, p : DataFrame
        Classic transition counts nᵢⱼ and probabilities pᵢⱼ (rows: class in t, columns:
        class in t + 1).
    s : Series
        Steady-state (ergodic) distribution of the classic chain.
    T, P : DataFrame
        Counts and probabilities conditioned on the lag class: rows (lag_class, from),
        columns to.
    Q, Q_p_value, LR, LR_p_value : float
        Bickenbach–Bode tests that P(l) = p for every lag class l.
    dof_hom : int
        Their degrees of freedom (corrected for empty cells).
    stats : giddy.markov.Spatial_Markov
    """

    cutoffs: np.ndarray | None
    lag_cutoffs: np.ndarray | None
    transitions: pd.DataFrame
    p: pd.DataFrame
    s: pd.Series
    T: pd.DataFrame
    P: pd.DataFrame
    Q: float
    Q_p_value: float
    LR: float
    LR_p_value: float
    dof_hom: int
    value: str
    by: str
    fixed: bool
    relative: bool
    weights: SpatialWeights = field(repr=False)
    stats: object = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Tidy: ``matrix`` (classic / spatial), ``lag_class`` (empty for classic),
        ``from_class``, ``to_class``, ``transitions``, ``probability``."""
        classic = pd.DataFrame({"transitions": self.transitions.stack(), "probability": self.p.stack()})
        classic = classic.reset_index().assign(matrix="classic", lag_class=pd.NA)
        spatial = pd.DataFrame({"transitions": self.T.stack(), "probability": self.P.stack()})
        spatial = spatial.reset_index().assign(matrix="spatial")
        out = pd.concat([classic, spatial], ignore_index=True)
        out["lag_class"] = out["lag_class"].astype("Int64")
        return out[["matrix", "lag_class", "from_class", "to_class", "transitions", "probability"]]

    def summary(self) -> pd.DataFrame:
        """The table papers print: one row per (lag class, class in t) with n and the
        probabilities of each class in t + 1; the classic matrix first (lag ``"all"``)."""
        def block(counts, probs, lag):
            out = probs.copy()
            out.insert(0, "n", counts.sum(axis=1).astype(int))
            out.index = pd.MultiIndex.from_product([[lag], out.index], names=["lag_class", "from_class"])
            return out

        parts = [block(self.transitions, self.p, "all")]
        parts += [block(self.T.loc[lag], self.P.loc[lag], lag)
                  for lag in self.T.index.get_level_values(0).unique()]
        return pd.concat(parts)

    def plot(self):
        """Probability of staying in each class: classic, and conditioned on each lag class."""
        from healthalloc.report.figures.bars import bars

        stay = {"classic": np.diag(self.p)} | {f"lag class {lag}": np.diag(self.P.loc[lag])
                                                for lag in self.P.index.unique("lag_class")}
        return bars(pd.DataFrame(stay, index=self.p.index), title=f"Markov chains of {self.value}",
                    xlabel="probability of staying in the class")

    def heatmap(self):
        """The transition probabilities as heat maps: the classic matrix, then one per lag class."""
        from healthalloc.report.figures.heatmap import transition_heatmaps

        lags = self.P.index.unique("lag_class")
        matrices = {"classic": self.p} | {f"neighbours in class {lag}": self.P.loc[lag] for lag in lags}
        return transition_heatmaps(matrices, title=f"Markov transition probabilities of {self.value}")

    def figures(self) -> dict:
        """The transition matrices (:meth:`heatmap`)."""
        return {"markov": (f"Transition probabilities between the {len(self.p)} quantile classes of {self.value} "
                           f"(1 = lowest) from one {self.by} to the next: all units (classic), and by the class "
                           "of their neighbours' average (spatial Markov).", self.heatmap)}

    def __str__(self) -> str:
        return (f"Markov chains of {self.value!r} ({len(self.p)} classes, "
                f"{'pooled' if self.fixed else 'per-period'} quantiles"
                f"{', relative to the period mean' if self.relative else ''})\n"
                + self.summary().round(4).to_string()
                + f"\nhomogeneity: Q = {format_number(self.Q)} ({p_text(self.Q_p_value)}), LR = {format_number(self.LR)} "
                f"({p_text(self.LR_p_value)}), df = {self.dof_hom}")


#: The parameters of :func:`spatial_markov` (the value, its weights and panel aside).
MARKOV = Params(
    Param("by", REQUIRED, "period column: transitions are between consecutive periods in sorted order",
          role="period"),
    UNIT,
    Param("classes", K, "quantile classes of the value", kind=int, low=2, aliases=("k",)),
    Param("lag_classes", None, "quantile classes of the spatial lag (default: classes)", kind=int, low=2,
          aliases=("m",)),
    Param("fixed", True, "class bounds from all periods pooled, so a unit can rise a class as the whole "
          "distribution grows (False: each period's quantiles, rank classes)"),
    Param("relative", False, "divide each period's values by their mean first (Rey 2001)"),
)


@declared(MARKOV, data=("data", "value", "weights"))
def spatial_markov(
    data: pd.DataFrame,
    value: str,
    weights,
    *,
    by: str,
    unit: str | None = None,
    classes: int = K,
    lag_classes: int | None = None,
    fixed: bool = True,
    relative: bool = False,
) -> SpatialMarkov:
    """Classic and spatial Markov transition matrices of ``value`` (``giddy.markov.Spatial_Markov``).

    Parameters
    ----------
    data : DataFrame
        A balanced panel with at least two periods.
    value : str
        The indicator.
    weights : SpatialWeights or libpysal W
        Over exactly the data's units; the spatial lag uses them as transformed.

    Examples
    --------
    >>> import warnings
    >>> from healthalloc.data import load_china_provinces
    >>> from healthalloc.spatial import province_weights
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     w = province_weights()
    >>> res = spatial_markov(load_china_provinces(), "beds_per_1000_people", w, by="year",
    ...                      unit="province_code")
    >>> int(res.transitions.to_numpy().sum())  # 31 provinces × 9 transitions
    279
    """
    from giddy.markov import Spatial_Markov

    sw, wide = aligned_values(data, value, weights, unit=unit, by=by)
    if wide.shape[1] < 2:
        raise DataError(f"Markov chains need at least two periods in column {by!r}")
    y = (wide / wide.mean() if relative else wide).to_numpy()
    sm = Spatial_Markov(y, sw.w, k=classes, m=lag_classes or classes, fixed=fixed)
    labels = pd.RangeIndex(1, sm.k + 1)
    start, to = labels.rename("from_class"), labels.rename("to_class")
    lags = pd.MultiIndex.from_product([pd.RangeIndex(1, sm.m + 1), start], names=["lag_class", "from_class"])
    return SpatialMarkov(
        cutoffs=_bounds(sm.cutoffs), lag_cutoffs=_bounds(sm.lag_cutoffs),
        transitions=pd.DataFrame(sm.transitions, start, to), p=pd.DataFrame(sm.p, start, to),
        s=pd.Series(np.asarray(sm.s, float).ravel(), index=labels, name="s"),
        T=pd.DataFrame(sm.T.reshape(-1, sm.k), lags, to), P=pd.DataFrame(sm.P.reshape(-1, sm.k), lags, to),
        Q=float(sm.Q), Q_p_value=float(sm.Q_p_value), LR=float(sm.LR), LR_p_value=float(sm.LR_p_value),
        dof_hom=int(sm.dof_hom), value=value, by=by, fixed=fixed, relative=relative, weights=sw, stats=sm)


def _bounds(cutoffs) -> np.ndarray | None:
    return None if cutoffs is None else np.asarray(cutoffs, dtype=float)
