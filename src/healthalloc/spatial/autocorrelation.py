"""Spatial autocorrelation per period: global Moran's I and local Moran (LISA), by ``esda``
(LISA's conditional randomization by :mod:`healthalloc.spatial.crand`).

Global Moran's I (Moran 1950; Cliff & Ord 1981), with z = y − ȳ, weights W and
S0 = Σᵢⱼ wᵢⱼ::

    I = (n / S0) · zᵀWz / zᵀz,        E[I] = −1 / (n − 1)

Local Moran (Anselin 1995), as ``esda.Moran_Local`` computes it, with z standardized
(population sd)::

    Iᵢ = (n − 1) · zᵢ Σⱼ wᵢⱼ zⱼ / Σₖ zₖ²

Inference: ``p_norm`` is the two-sided p-value of I under normality; ``p_sim`` is the
pseudo p-value (larger + 1)/(permutations + 1) of a random permutation test, where
"larger" counts permuted statistics at least as extreme on the observed side (one-sided,
folded), for LISA by conditional permutation (unit i fixed, its neighbours' values drawn
from the other units), in numpy: it matches esda's in distribution, not draw for draw.
Quadrants of the Moran scatterplot: HH (high value, high neighbours), LH, LL, HL; a LISA
cluster is the quadrant of a unit with ``p_sim < alpha`` (esda's rule), otherwise
"not significant".

References: Anselin, L. (1995) Local indicators of spatial association — LISA.
Geographical Analysis 27(2): 93–115. Cliff, A. D. & Ord, J. K. (1981) Spatial Processes.
Pion, London.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from healthalloc.data import DataError
from healthalloc.data.messages import listing
from healthalloc.data.panel import ALL
from healthalloc.params import UNIT, Param, Params, declared
from healthalloc.result import Result
from healthalloc.spatial.crand import moran_local_crand
from healthalloc.spatial.weights import SpatialWeights, aligned_values

__all__ = ["ALPHA", "PERMUTATIONS", "LISAResult", "MoranResult", "moran", "moran_local"]

#: Random permutations of the pseudo p-values (esda's default).
PERMUTATIONS = 999
#: Significance level of LISA clusters.
ALPHA = 0.05
#: esda's quadrant codes ``q`` (PySAL scheme) and their labels.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Cluster label of units with ``p_sim ≥ alpha``.
NOT_SIGNIFICANT = "not significant"
#: The columns of :meth:`MoranResult.to_frame` after ``n``, as esda names them.
MORAN_STATISTICS = ("I", "EI", "seI_norm", "z_norm", "p_norm", "z_rand", "p_rand",
                    "EI_sim", "seI_sim", "z_sim", "p_sim")

#: The parameters of :func:`moran` (the value and its weights aside); :func:`moran_local` adds ``alpha``.
MORAN = Params(
    UNIT,
    Param("by", None, "period column: one statistic per period", role="period"),
    Param("permutations", PERMUTATIONS, "random permutations for p_sim", low=0, metavar="N"),
    Param("seed", None, "seed of the permutations: the same seed gives the same p_sim, and each period uses it "
          "afresh, so a period's result does not depend on the other periods", kind=int, metavar="S"),
)
LISA = MORAN.without("permutations") + Params(
    replace(MORAN["permutations"], low=1, help="random permutations for p_sim (clusters need p_sim)"),
    Param("alpha", ALPHA, "significance level of LISA clusters", low=0, high=1, low_open=True, high_open=True,
          metavar="A"),
)


@dataclass(frozen=True)
class MoranResult(Result):
    """Global Moran's I of ``value`` in each period (attributes as in ``esda.Moran``).

    Every statistic is a Series indexed by period (one entry, ``"all"``, without ``by``).

    Attributes
    ----------
    I : Series
        Moran's I.
    EI : Series
        E[I] = −1/(n − 1) under the null of no spatial autocorrelation.
    seI_norm, z_norm, p_norm : Series
        Standard deviation of I, z-value and two-sided p-value under normality.
    z_rand, p_rand : Series
        z-value and two-sided p-value under randomization.
    EI_sim, seI_sim, z_sim, p_sim : Series
        Mean and sd of I over the permutations, z of I against them, and the
        permutation pseudo p-value (NaN with ``permutations=0``).
    n : int
        Units in each period.
    permutations : int
    seed : int or None
    weights : SpatialWeights
    stats : mapping
        The ``esda.Moran`` object of each period (e.g. ``.sim``, the permuted I values).
    """

    I: pd.Series  # noqa: E741 - the statistic's name
    EI: pd.Series
    seI_norm: pd.Series
    z_norm: pd.Series
    p_norm: pd.Series
    z_rand: pd.Series
    p_rand: pd.Series
    EI_sim: pd.Series
    seI_sim: pd.Series
    z_sim: pd.Series
    p_sim: pd.Series
    n: int
    value: str
    by: str | None
    permutations: int
    seed: int | None
    weights: SpatialWeights = field(repr=False)
    stats: Mapping = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per period: the ``by`` column, ``n`` and :data:`MORAN_STATISTICS`."""
        out = pd.DataFrame({name: getattr(self, name) for name in MORAN_STATISTICS})
        out.insert(0, "n", self.n)
        return out.reset_index() if self.by else out.reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """The table papers print: I, E(I), sd(I), z, p (normality) and the permutation p."""
        return self.to_frame().set_index(self.by or pd.Index([ALL]))[
            ["I", "EI", "seI_norm", "z_norm", "p_norm", "p_sim"]]

    def plot(self):
        """Global Moran's I per period, with the line of no autocorrelation at 0."""
        from healthalloc.report.figures.curves import trend_lines

        frame, period = self.to_frame(), self.by
        if period is None:
            period = "period"
            frame.insert(0, period, ALL)
        return trend_lines(frame, period, "I", reference=0.0, title=f"Global Moran's I of {self.value}")

    def __str__(self) -> str:
        return (f"Global Moran's I of {self.value!r} ({self.weights.kind}, transform "
                f"{self.weights.w.transform}; {self.permutations} permutations, seed {self.seed})\n"
                + self.summary().round(4).to_string())


@dataclass(frozen=True)
class LISAResult(Result):
    """Local Moran's Iᵢ of every unit (in each period), its quadrant and its cluster.

    Series are indexed by ``unit`` (and the period with ``by``).

    Attributes
    ----------
    Ii : Series
        Local Moran's Iᵢ (esda's ``Is``).
    y : Series
        The value analysed.
    z, lag : Series
        Standardized value zᵢ and its spatial lag Σⱼ wᵢⱼ zⱼ: the Moran scatterplot.
    EI_sim, z_sim, p_sim : Series
        Mean of Iᵢ over the conditional permutations, z of Iᵢ against them, and the
        pseudo p-value (:func:`healthalloc.spatial.crand.moran_local_crand`).
    q : Series
        esda's quadrant code: 1 HH, 2 LH, 3 LL, 4 HL.
    quadrant : Series
        ``q`` as a label, significant or not.
    cluster : Series
        ``quadrant`` where ``p_sim < alpha``, else ``"not significant"``.
    alpha : float
    stats : mapping
        The ``esda.Moran_Local`` object of each period, computed without permutations
        (``Is``, ``q``, the analytic moments ``EI``, ``VI``, ``EIc``, ``VIc``).
    """

    Ii: pd.Series
    z: pd.Series
    lag: pd.Series
    EI_sim: pd.Series
    z_sim: pd.Series
    p_sim: pd.Series
    q: pd.Series
    quadrant: pd.Series
    cluster: pd.Series
    y: pd.Series
    value: str
    by: str | None
    alpha: float
    permutations: int
    seed: int | None
    weights: SpatialWeights = field(repr=False)
    stats: Mapping = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per unit (and period): ``unit``, the ``by`` column, the value, ``z``,
        ``lag``, ``Ii``, ``EI_sim``, ``z_sim``, ``p_sim``, ``q``, ``quadrant``, ``cluster``."""
        names = ["z", "lag", "Ii", "EI_sim", "z_sim", "p_sim", "q", "quadrant", "cluster"]
        out = pd.DataFrame({self.value: self.y} | {n: getattr(self, n) for n in names})
        return out.reset_index()

    def summary(self, units: bool = False) -> pd.DataFrame:
        """Units per cluster type and period (columns HH, LH, LL, HL, not significant).

        With ``units=True`` the cells list the units (``"110000;120000"``) instead.
        """
        labels = [*QUADRANTS.values(), NOT_SIGNIFICANT]
        frame = self.cluster.rename("cluster").reset_index()
        keys = [self.by] if self.by else [np.full(len(frame), ALL)]
        if units:
            table = frame.groupby([*keys, "cluster"])["unit"].agg(lambda u: ";".join(map(str, u)))
            return table.unstack("cluster", fill_value="").reindex(columns=labels, fill_value="")
        table = frame.groupby([*keys, "cluster"]).size().unstack("cluster", fill_value=0)
        return table.reindex(columns=labels, fill_value=0)

    def plot(self):
        """Units per LISA cluster type (bars side by side) in each period."""
        from healthalloc.report.figures.bars import bars

        return bars(self.summary(), title=f"LISA clusters of {self.value} (p_sim < {self.alpha})",
                    xlabel="units")

    def __str__(self) -> str:
        return (f"Local Moran (LISA) of {self.value!r}: clusters at p_sim < {self.alpha} "
                f"({self.permutations} permutations, seed {self.seed})\n"
                + self.summary().to_string())


@declared(MORAN, data=("data", "value", "weights"))
def moran(
    data: pd.DataFrame,
    value: str,
    weights,
    *,
    unit: str | None = None,
    by: str | None = None,
    permutations: int = PERMUTATIONS,
    seed: int | None = None,
) -> MoranResult:
    """Global Moran's I of ``value`` (per period with ``by``), by ``esda.Moran``.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``); a balanced panel.
    value : str
        The indicator (an efficiency score, a ratio).
    weights : SpatialWeights or libpysal W
        Over exactly the data's units (islands the weights dropped excepted); see
        :mod:`healthalloc.spatial.weights`. Its transformation is kept.

    Examples
    --------
    >>> import warnings
    >>> from healthalloc.data import load_china_provinces
    >>> from healthalloc.spatial import province_weights
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     w = province_weights()
    >>> res = moran(load_china_provinces(), "beds_per_1000_people", w, unit="province_code",
    ...             by="year", seed=1)
    >>> round(float(res.I[2023]), 3), round(float(res.EI[2023]), 4)
    (0.227, -0.0333)
    """
    from esda import Moran

    sw, frame = _aligned(data, value, weights, unit, by)
    stats = {}
    for period, y in frame.items():
        with _seeded(seed):
            stats[period] = Moran(y.to_numpy(), sw.w, transformation=sw.w.transform,
                                  permutations=permutations)
    columns = {name: pd.Series({p: float(getattr(m, name, np.nan)) for p, m in stats.items()},
                               name=name).rename_axis(by)
               for name in MORAN_STATISTICS}
    return MoranResult(**columns, n=len(frame), value=value, by=by, permutations=permutations,
                       seed=seed, weights=sw, stats=stats)


@declared(LISA, data=("data", "value", "weights"))
def moran_local(
    data: pd.DataFrame,
    value: str,
    weights,
    *,
    unit: str | None = None,
    by: str | None = None,
    permutations: int = PERMUTATIONS,
    seed: int | None = None,
    alpha: float = ALPHA,
) -> LISAResult:
    """Local Moran's Iᵢ (LISA) of every unit (per period).

    Iᵢ, the scatterplot and the quadrants come from ``esda.Moran_Local`` without
    permutations; ``p_sim``, ``EI_sim`` and ``z_sim`` from the conditional randomization
    of :func:`~healthalloc.spatial.crand.moran_local_crand` (numpy, seeded with
    ``numpy.random.default_rng``; esda's numba kernel would be compiled on the first call
    in every process, 15–35 s).

    A cluster is a quadrant with ``p_sim < alpha``; ``data``, ``value`` and ``weights`` as in :func:`moran`.
    """
    from esda import Moran_Local

    sw, frame = _aligned(data, value, weights, unit, by)
    stats, parts = {}, []
    for period, y in frame.items():
        lm = Moran_Local(y.to_numpy(), sw.w, transformation=sw.w.transform, permutations=0)
        ref = moran_local_crand(lm.z, sw.w.sparse, lm.Is, permutations, seed=seed)
        stats[period] = lm
        parts.append(pd.DataFrame({
            "y": y.to_numpy(), "Ii": lm.Is, "z": lm.z, "lag": sw.w.sparse @ lm.z,
            "EI_sim": ref.EI_sim, "z_sim": ref.z_sim, "p_sim": ref.p_sim, "q": lm.q,
        }, index=pd.MultiIndex.from_product([y.index, [period]], names=["unit", by])))
    table = pd.concat(parts)
    if not by:
        table = table.droplevel(1)
    table["quadrant"] = table["q"].map(QUADRANTS)
    table["cluster"] = table["quadrant"].where(table["p_sim"] < alpha, NOT_SIGNIFICANT)
    return LISAResult(**{c: table[c] for c in table}, value=value, by=by, alpha=alpha,
                      permutations=permutations, seed=seed, weights=sw, stats=stats)


def _aligned(data, value, weights, unit, by) -> tuple[SpatialWeights, pd.DataFrame]:
    """The weights and ``value`` as units (in the weights' order) × periods, each varying."""
    sw, frame = aligned_values(data, value, weights, unit=unit, by=by)
    flat = [p for p, y in frame.items() if np.ptp(y.to_numpy()) == 0]
    if flat:
        where = f" in periods {listing(flat)}" if by else ""
        raise DataError(f"column {value!r} takes one value for every unit{where}: spatial "
                        "autocorrelation is undefined without variation")
    return sw, frame


@contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Seed numpy's global generator (esda.Moran draws from it), restoring it afterwards."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)

