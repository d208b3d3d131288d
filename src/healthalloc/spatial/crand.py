"""Conditional randomization of local Moran's Iᵢ, in numpy.

The reference distribution of Iᵢ under the null of spatial randomness *conditional* on
the value at i (Anselin 1995): unit i keeps its standardized value zᵢ and the values
of its kᵢ neighbours are replaced by kᵢ values drawn without replacement from the other
n − 1 units. With weights wᵢⱼ (the self-weight wᵢᵢ, if any, is not permuted) and
S = (n − 1) / Σₖ zₖ², each of the ``permutations`` draws gives::

    Iᵢ* = S · zᵢ · (Σⱼ wᵢⱼ z*ⱼ + wᵢᵢ zᵢ),    z*ⱼ: the value drawn for neighbour j

and the summary of the draws is what ``esda.Moran_Local`` reports::

    EI_sim = mean(Iᵢ*),   seI_sim = sd(Iᵢ*) (ddof 0),   z_sim = (Iᵢ − EI_sim) / seI_sim
    p_sim  = (min(#{Iᵢ* ≥ Iᵢ}, #{Iᵢ* ≤ Iᵢ}) + 1) / (permutations + 1)

``p_sim`` is the folded pseudo p-value: draws at least as extreme as Iᵢ on the side of the
reference distribution where Iᵢ lies (esda 2.8's default ``alternative="directed"``, which
GeoDa also uses; not esda's ``"folded"``, which folds around the mean). It equals esda's
value when no draw ties Iᵢ. Ties are common when kᵢ is small (with kᵢ = 1 one draw in
n − 1 is the observed neighbour); esda counts them on the upper side only, so on the lower
side its p-value is too small by their share, and a degenerate reference distribution (an
island, or zᵢ = 0: every draw equals Iᵢ) gets esda's smallest p-value 1/(permutations + 1).
Here ties count on both sides: the degenerate case gets 1, and ``z_sim`` is NaN.

The idea of one matrix of random draws per call, shared by all units (unit i uses its
first kᵢ columns and skips itself by mapping a drawn index j ≥ i to j + 1), follows esda's
``crand``; this is an independent numpy implementation, seeded with
``numpy.random.default_rng``. It does not reproduce esda's numba random stream: results
agree with esda's in distribution, not digit for digit. Draws are shared across units,
so the simulated Iᵢ* of different units are dependent; each unit's reference
distribution is exact. Plain numpy needs no just-in-time compilation: esda's numba kernel
costs 15–35 s on the first call in every process.

References: Anselin, L. (1995) Local indicators of spatial association — LISA.
Geographical Analysis 27(2): 93–115. Bentley, J. & Floyd, R. W. (1987) A sample of
brilliance. Communications of the ACM 30(9): 754–757. PySAL developers, esda:
Exploratory Spatial Data Analysis, ``esda/crand.py`` (BSD-3-Clause).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

__all__ = ["LocalReference", "moran_local_crand", "pseudo_p_value"]

#: Most (units × permutations × neighbours) draws held at once: bounds memory (~30 MB).
CHUNK = 2**20
#: Draws this close to Iᵢ, relative to the largest |value| of the unit, tie with it: they
#: are sums of the same terms in another order, equal but for the last digits.
TIE_RTOL = 1e-9


@dataclass(frozen=True)
class LocalReference:
    """Summary of each unit's conditional randomization reference distribution.

    Attributes
    ----------
    EI_sim, seI_sim : ndarray
        Mean and standard deviation (ddof 0) of the simulated Iᵢ*.
    z_sim : ndarray
        (Iᵢ − EI_sim) / seI_sim; NaN where every draw equals Iᵢ.
    p_sim : ndarray
        Folded pseudo p-value, see :func:`pseudo_p_value`.
    permutations : int
    seed : int or None
    """

    EI_sim: np.ndarray
    seI_sim: np.ndarray
    z_sim: np.ndarray
    p_sim: np.ndarray
    permutations: int
    seed: int | None


def moran_local_crand(
    z: np.ndarray,
    weights,
    Ii: np.ndarray,
    permutations: int,
    *,
    seed: int | None = None,
) -> LocalReference:
    """Conditional randomization inference for local Moran's Iᵢ (see the module docstring).

    Parameters
    ----------
    z : array of shape (n,)
        Standardized values (esda: ``(y − ȳ) / sd(y)``, population sd).
    weights : sparse matrix or array of shape (n, n)
        Spatial weights, transformed as for Iᵢ (e.g. row-standardized): ``W.sparse``
        of a libpysal ``W``. Entries that are zero are not neighbours.
    Ii : array of shape (n,)
        Observed local Moran's Iᵢ = (n − 1) zᵢ Σⱼ wᵢⱼ zⱼ / Σₖ zₖ².
    permutations : int
        Draws per unit, ≥ 1.
    seed : int, optional
        Seed of ``numpy.random.default_rng``: the same seed gives the same result.

    Returns
    -------
    LocalReference
    """
    z = np.asarray(z, dtype=float)
    Ii = np.asarray(Ii, dtype=float)
    if permutations < 1:
        raise ValueError(f"permutations must be ≥ 1, got {permutations}")
    n = len(z)
    W = sparse.csr_array(weights, dtype=float)
    if W.shape != (n, n) or Ii.shape != (n,):
        raise ValueError(f"expected weights of shape ({n}, {n}) and {n} values of Ii, got "
                         f"{W.shape} and {Ii.shape}")
    self_weight = W.diagonal()
    others = sparse.csr_array(sparse.triu(W, 1) + sparse.tril(W, -1))
    others.eliminate_zeros()
    k = np.diff(others.indptr)
    scaling = (n - 1) / (z @ z)
    draws = _samples(n - 1, int(k.max()), permutations, np.random.default_rng(seed))

    out = {name: np.empty(n) for name in ("EI_sim", "seI_sim", "p_sim")}
    for card in np.unique(k):
        columns = draws[:, :card]
        step = max(1, CHUNK // (permutations * max(card, 1)))
        group = np.flatnonzero(k == card)
        for units in np.split(group, np.arange(step, len(group), step)):
            w = others.data[others.indptr[units, None] + np.arange(card)]  # (m, card)
            drawn = columns + (columns >= units[:, None, None])  # (m, permutations, card)
            lag = np.einsum("mpc,mc->mp", z[drawn], w) + (self_weight[units] * z[units])[:, None]
            sims = scaling * z[units, None] * lag
            out["EI_sim"][units] = sims.mean(axis=1)
            out["seI_sim"][units] = sims.std(axis=1)
            out["p_sim"][units] = pseudo_p_value(sims, Ii[units])
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sim = (Ii - out["EI_sim"]) / out["seI_sim"]
    z_sim[out["seI_sim"] == 0] = np.nan
    return LocalReference(**out, z_sim=z_sim, permutations=permutations, seed=seed)


def pseudo_p_value(sims: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Folded pseudo p-value of each row of ``sims`` (units × permutations).

    (min(#{sim ≥ observed}, #{sim ≤ observed}) + 1) / (permutations + 1): the share of
    draws at least as extreme as the observed value on its own side, counting it; draws
    within :data:`TIE_RTOL` of it are ties, on both sides. The smallest value is
    1/(permutations + 1), the largest about 1/2 (1 when all draws tie).
    """
    observed = np.asarray(observed, dtype=float)[:, None]
    tol = TIE_RTOL * np.maximum(np.abs(observed), np.abs(sims).max(axis=1, keepdims=True))
    above = (sims >= observed - tol).sum(axis=1)
    below = (sims <= observed + tol).sum(axis=1)
    return (np.minimum(above, below) + 1) / (sims.shape[1] + 1)


def _samples(size: int, k: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` × ``k`` integers from range(size), distinct within a row, in random order.

    Floyd's algorithm (Bentley & Floyd 1987), vectorized over rows: a uniform k-subset in
    k steps, then shuffled within each row so that every prefix of length kᵢ is itself a
    uniform sample without replacement.
    """
    out = np.empty((rows, k), dtype=np.intp)
    for c, top in enumerate(range(size - k, size)):
        t = rng.integers(0, top + 1, size=rows)
        taken = (out[:, :c] == t[:, None]).any(axis=1)
        out[:, c] = np.where(taken, top, t)
    return rng.permuted(out, axis=1)
