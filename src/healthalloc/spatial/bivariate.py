"""Bivariate Moran's I (Wartenberg 1985): how one variable goes with its neighbours' values of another.

With x and y standardized (sample sd, ddof = 1, so zₓᵀzₓ = n − 1) and W the weights (row-standardized
unless transformed otherwise)::

    I = zₓᵀ W z_y / zₓᵀ zₓ = Σᵢ zₓᵢ Σⱼ wᵢⱼ z_yⱼ / (n − 1)

as ``esda.Moran_BV(x, y, w)`` computes it: the slope-like association of x at a unit with the spatial
lag of y around it. Inference by random permutation of y over the units (x stays in place): ``p_sim``
is esda's folded one-sided pseudo p-value (larger + 1)/(permutations + 1), where "larger" counts the
permuted I at least as large as the observed one, or those below it when fewer; ``EI_sim``, ``seI_sim``
(population sd) and ``z_sim`` describe the permutation distribution, and ``p_z_sim`` is the one-sided
normal p-value of ``z_sim``. Under the permutation null E[I] = 0 exactly (x is fixed and each permuted
z_y has mean 0), reported as ``EI``.

The permutations are drawn as esda draws them, ``numpy.random.RandomState(seed).permutation`` once per
permutation, so with a ``seed`` the statistics equal ``esda.Moran_BV`` run after ``numpy.random.seed(seed)``
draw for draw; the permuted statistics are then computed together in numpy.

Reference: Wartenberg, D. (1985) Multivariate spatial correlation: a method for exploratory
geographical analysis. Geographical Analysis 17(4): 263–283.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healthalloc.data import DataError
from healthalloc.params import UNIT, Params, declared
from healthalloc.result import Result
from healthalloc.spatial.autocorrelation import MORAN, PERMUTATIONS
from healthalloc.spatial.weights import SpatialWeights, aligned_values

__all__ = ["BIVARIATE", "BIVARIATE_STATISTICS", "BivariateMoranResult", "moran_bv"]

#: The parameters of :func:`moran_bv` (the values and the weights aside): moran's permutations and seed.
BIVARIATE = Params(UNIT, MORAN["permutations"], MORAN["seed"])
#: The columns of :meth:`BivariateMoranResult.to_frame` after ``x``, ``y``, ``n``, as esda names them.
BIVARIATE_STATISTICS = ("I", "EI", "EI_sim", "seI_sim", "z_sim", "p_sim", "p_z_sim")


@dataclass(frozen=True)
class BivariateMoranResult(Result):
    """Bivariate Moran's I of ``x`` with the spatial lag of ``y`` (attributes as in ``esda.Moran_BV``).

    Attributes
    ----------
    I : float
    EI : float
        0: the expectation under permutations of y.
    EI_sim, seI_sim, z_sim, p_sim, p_z_sim : float
        Mean and sd of I over the permutations, z of I against them, the pseudo p-value and the
        normal p-value of ``z_sim`` (NaN with ``permutations=0``).
    sim : ndarray
        The permuted I values.
    n : int
    """

    I: float  # noqa: E741 - the statistic's name
    EI: float
    EI_sim: float
    seI_sim: float
    z_sim: float
    p_sim: float
    p_z_sim: float
    n: int
    x: str
    y: str
    permutations: int
    seed: int | None
    weights: SpatialWeights = field(repr=False)
    sim: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row: ``x``, ``y``, ``n`` and :data:`BIVARIATE_STATISTICS`."""
        return pd.DataFrame([{"x": self.x, "y": self.y, "n": self.n}
                             | {name: getattr(self, name) for name in BIVARIATE_STATISTICS}])

    def summary(self) -> pd.DataFrame:
        """I, its permutation mean, sd, z and pseudo p-value."""
        return self.to_frame()[["x", "y", "I", "EI_sim", "seI_sim", "z_sim", "p_sim"]]

    def reading(self) -> str:
        return (f"The bivariate Moran's I of {self.x} with the spatial lag of {self.y} is {self.I:.3f} "
                f"(pseudo p = {self.p_sim:.3f}, {self.permutations} permutations, n = {self.n}).")

    def __str__(self) -> str:
        return (f"Bivariate Moran's I of {self.x!r} with the lag of {self.y!r} ({self.weights.kind}, "
                f"transform {self.weights.w.transform}; {self.permutations} permutations, seed {self.seed})\n"
                + self.summary().round(4).to_string(index=False))


@declared(BIVARIATE, data=("data", "x", "y", "weights"))
def moran_bv(
    data: pd.DataFrame,
    x: str,
    y: str,
    weights,
    *,
    unit: str | None = None,
    permutations: int = PERMUTATIONS,
    seed: int | None = None,
) -> BivariateMoranResult:
    """Bivariate Moran's I of ``x`` with the spatial lag of ``y`` (module docstring), equal to ``esda.Moran_BV``.

    Parameters
    ----------
    data : DataFrame
        One row per unit.
    x, y : str
        Columns of finite numbers, each varying over the units; y is permuted.
    weights : SpatialWeights or libpysal W
        Over exactly the data's units (islands the weights dropped excepted); its transformation is kept.

    Examples
    --------
    >>> import warnings
    >>> from healthalloc.data import load_china_provinces
    >>> from healthalloc.spatial import province_weights
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     w = province_weights()
    >>> data = load_china_provinces().query("year == 2023")
    >>> res = moran_bv(data, "beds_per_1000_people", "physicians_per_1000_people", w, unit="province_code", seed=1)
    >>> res.n, res.EI
    (31, 0.0)
    """
    sw, xs = _values(data, x, weights, unit)
    _, ys = _values(data, y, sw, unit)
    n = len(xs)
    zx, zy = (xs - xs.mean()) / xs.std(ddof=1), (ys - ys.mean()) / ys.std(ddof=1)
    lag_of_x = sw.w.sparse.T @ zx  # zₓᵀ W z = (Wᵀ zₓ)ᵀ z
    I = float(lag_of_x @ zy) / (n - 1)  # noqa: E741
    stats = dict.fromkeys(BIVARIATE_STATISTICS[2:], np.nan)
    sim = np.empty(0)
    if permutations:
        draw = np.random.RandomState(seed)
        sim = np.array([draw.permutation(zy) for _ in range(permutations)]) @ lag_of_x / (n - 1)
        larger = int((sim >= I).sum())
        larger = min(larger, permutations - larger)
        mean, sd = sim.mean(), sim.std()
        z = (I - mean) / sd if sd > 0 else np.nan
        from scipy.stats import norm

        stats = {"EI_sim": float(mean), "seI_sim": float(sd), "z_sim": float(z),
                 "p_sim": (larger + 1.0) / (permutations + 1.0),
                 "p_z_sim": float(norm.sf(z) if z > 0 else norm.cdf(z))}
    return BivariateMoranResult(I=I, EI=0.0, **stats, n=n, x=x, y=y, permutations=permutations, seed=seed,
                                weights=sw, sim=sim)


def _values(data, value, weights, unit) -> tuple[SpatialWeights, np.ndarray]:
    """The weights and ``value`` in the weights' order, refusing a value without variation."""
    sw, frame = aligned_values(data, value, weights, unit=unit)
    values = frame.iloc[:, 0].to_numpy(float)
    if np.ptp(values) == 0:
        raise DataError(f"column {value!r} takes one value for every unit: the bivariate Moran's I is "
                        "undefined without variation")
    return sw, values
