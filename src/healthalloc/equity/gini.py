"""Lorenz curves, Gini coefficients and the concentration index of a health resource.

**Gini coefficient (grouped data).** Units (provinces, counties) are sorted by resource per
unit of weight: per person for the demographic Gini, per km² for the geographic Gini.
With cumulative weight shares ``X_i`` and cumulative resource shares ``Y_i``
(``X_0 = Y_0 = 0``), the Lorenz curve joins the points ``(X_i, Y_i)`` and

    G = 1 − Σ_i (X_i − X_{i−1}) (Y_i + Y_{i−1})

(Brown's formula: one minus twice the area under the Lorenz curve by trapezoids). It equals
exactly the weighted mean difference

    G = Σ_i Σ_j p_i p_j |r_i − r_j| / (2 r̄),   r̄ = Σ_i p_i r_i,

with ``p_i`` the weight shares and ``r_i`` the resource per unit of weight. (Write
``y_i = p_i r_i / r̄``: with the units sorted, the double sum is
``Σ_{j<i} (p_j y_i − p_i y_j)``, and ``Σ_{i,j} p_i y_j = 1`` turns it into
``1 − Σ_i p_i (2 Y_{i−1} + y_i)``, which is Brown's formula. Ties do not matter.) So
``0 ≤ G < 1`` (at most ``1 − p_max``), ``G = 0`` when every unit has the same resource per
unit of weight, and ``G`` does not change when the resource or the weights are rescaled.
The literature reads G < 0.2 as highly equal, 0.2–0.3 as relatively equal, 0.3–0.4 as
reasonable, 0.4–0.6 as unequal and > 0.6 as highly unequal.

**Concentration index.** Per-capita resource ``h_i = R_i / P_i`` against the population's
fractional rank ``ρ_i`` in a ranking variable (income, GDP per capita), population-weighted:

    C = 2 cov_p(h, ρ) / μ,   μ = Σ p_i h_i,   ρ_i = Σ_{j ranked below i} p_j + p_i / 2,

tied units sharing the mid-point of their block (Lerman & Yitzhaki 1989). ``−1 < C < 1``;
``C > 0``: the resource concentrates among the better-off. Ranked by ``h`` itself, ``C`` is
the Gini coefficient.

References
----------
Brown, M. C. (1994). Using Gini-style indices to evaluate the spatial patterns of health
practitioners. *Social Science & Medicine* 38(9), 1243–1256.
Jin, J., Wang, J., Ma, X., Wang, Y. & Li, R. (2015). Equality of medical health resource
allocation in China based on the Gini coefficient method. *Iranian Journal of Public
Health* 44(4), 445–457.
Wagstaff, A., Paci, P. & van Doorslaer, E. (1991). On the measurement of inequalities in
health. *Social Science & Medicine* 33(5), 545–557.
Kakwani, N., Wagstaff, A. & van Doorslaer, E. (1997). Socioeconomic inequalities in
health: measurement, computation, and statistical inference. *Journal of Econometrics*
77(1), 87–103.
O'Donnell, O., van Doorslaer, E., Wagstaff, A. & Lindelow, M. (2008). *Analyzing Health
Equity Using Household Survey Data*, ch. 8. World Bank.
Lerman, R. I. & Yitzhaki, S. (1989). Improving the accuracy of estimates of Gini
coefficients. *Journal of Econometrics* 42(1), 43–47.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from healthalloc.equity._panel import ROLES, VALUES, Panel, Role, panel
from healthalloc.params import REQUIRED, Param, Params, declared

__all__ = ["concentration_index", "gini", "lorenz"]

#: The parameters of :func:`lorenz`; :func:`gini` takes them but ``unit``.
LORENZ = Params(ROLES["resource"], Param(
    "weight", REQUIRED, "population (persons, > 0) for the demographic Gini, or area (km², > 0) for the geographic "
    "Gini; units are irrelevant: G is scale invariant", role="weight", objects=VALUES), ROLES["by"], ROLES["unit"])


@declared(LORENZ.without("unit"), data=("data",))
def gini(data: pd.DataFrame, resource: Role, weight: Role, *, by: str | None = None) -> pd.DataFrame:
    """Gini coefficient of a resource by population (demographic) or by area (geographic).

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``).

    Returns
    -------
    DataFrame
        One row per period: the ``by`` column (when given) and ``gini``.

    Examples
    --------
    >>> df = pd.DataFrame({"beds": [10, 30], "pop": [100, 100]})
    >>> float(gini(df, "beds", "pop")["gini"].iloc[0])
    0.25
    """
    p = panel(data, resource=resource, population=weight, by=by)
    return p.per_period({"gini": gini_values(p, lorenz_curve(p, p.population))})


@declared(LORENZ, data=("data",))
def lorenz(
    data: pd.DataFrame, resource: Role, weight: Role, *, by: str | None = None, unit: str | None = None
) -> pd.DataFrame:
    """Points of the Lorenz curve, (0, 0) included, per period.

    Returns
    -------
    DataFrame
        Per period ``n + 1`` rows in curve order: the ``by`` column, ``point`` (0 … n),
        ``unit`` (missing at the origin), ``cumulative_weight`` (``X_i``) and
        ``cumulative_resource`` (``Y_i``), both shares in [0, 1].
    """
    p = panel(data, resource=resource, population=weight, by=by, unit=unit)
    return lorenz_table(p, lorenz_curve(p, p.population))


@declared(Params(*(ROLES[n] for n in ("resource", "population")), replace(
    ROLES["ranking"], default=REQUIRED, help="living-standard column ranking the units from poorest to richest "
    "(e.g. GDP per capita or income); only its order matters"), ROLES["by"]), data=("data",))
def concentration_index(
    data: pd.DataFrame, resource: Role, population: Role, ranking: Role, *, by: str | None = None
) -> pd.DataFrame:
    """Population-weighted concentration index of per-capita resource by a ranking variable.

    ``C = 2 cov_p(h, ρ) / μ`` with ``h`` the resource per person, ``ρ`` the fractional
    rank in ``ranking`` (ties share their mid-point) and ``μ`` the mean of ``h`` (see the
    module docstring; Wagstaff, Paci & van Doorslaer 1991; O'Donnell et al. 2008, ch. 8).

    Returns
    -------
    DataFrame
        One row per period: the ``by`` column (when given) and ``concentration_index``
        in (−1, 1); > 0 means the resource concentrates in better-off units.
    """
    p = panel(data, resource=resource, population=population, ranking=ranking, by=by)
    return p.per_period({"concentration_index": concentration_values(p)})


# -- kernels on a checked panel (all periods at once) ----------------------------------------


class Curve(NamedTuple):
    """A Lorenz curve of every period: rows in curve order (by period, then resource per
    unit of weight) with their period code, weight share ``w``, resource share ``s`` and
    cumulative shares ``X``, ``Y``."""

    order: np.ndarray
    period: np.ndarray
    w: np.ndarray
    s: np.ndarray
    X: np.ndarray
    Y: np.ndarray


def lorenz_curve(p: Panel, weight: np.ndarray) -> Curve:
    """The Lorenz curves of ``p.resource`` by ``weight`` (population or area)."""
    order = p.order(p.resource / weight)
    w, s = p.shares(weight), p.shares(p.resource)
    X, Y = p.cumsum(order, w, s)
    return Curve(order, p.period[order], w[order], s[order], X, Y)


def gini_values(p: Panel, curve: Curve) -> np.ndarray:
    """Brown's formula per period, as ``Σ w_i [(X_i − Y_i) + (X_{i−1} − Y_{i−1})]``.

    (Since ``Σ w_i (X_i + X_{i−1}) = 1``, this is ``1 − Σ w_i (Y_i + Y_{i−1})`` without
    the cancellation of ``1 − …`` for small G; rounding below 0 is clipped.)
    """
    w, gap = curve.w, curve.X - curve.Y
    g = np.bincount(curve.period, w * (2 * gap - (w - curve.s)), minlength=p.n_periods)
    return np.maximum(g, 0.0)


def lorenz_table(p: Panel, curve: Curve) -> pd.DataFrame:
    """Lorenz points of every period, the origin first (see :func:`lorenz`)."""
    n, k = len(curve.order), p.n_periods
    starts = np.searchsorted(curve.period, np.arange(k))
    origin = starts + np.arange(k)  # row of each period's (0, 0) once the origins are in
    at = np.arange(n) + curve.period + 1  # row of each curve point
    period = np.empty(n + k, np.intp)
    period[origin], period[at] = np.arange(k), curve.period
    point = np.zeros(n + k, np.intp)
    point[at] = np.arange(n) - starts[curve.period] + 1
    unit = np.full(n + k, None, dtype=object)
    unit[at] = p.labels.to_numpy()[curve.order]
    x, y = np.zeros(n + k), np.zeros(n + k)
    x[at], y[at] = curve.X, curve.Y
    out = pd.DataFrame({"point": point, "unit": unit, "cumulative_weight": x, "cumulative_resource": y})
    if p.by is not None:
        out.insert(0, p.by, p.periods.to_numpy()[period])
    return out


def concentration_values(p: Panel) -> np.ndarray:
    """``2 cov_p(h, ρ) / μ`` per period, with tied ranking values sharing their mid-rank."""
    order = p.order(p.ranking)
    period, x = p.period[order], p.ranking[order]
    share = p.shares(p.population)
    w, h = share[order], (p.resource / p.population)[order]
    first = np.r_[True, (period[1:] != period[:-1]) | (x[1:] != x[:-1])]
    block = np.cumsum(first) - 1
    (cum,) = p.cumsum(order, share)
    block_end = cum[np.r_[np.flatnonzero(first)[1:] - 1, len(w) - 1]]
    rank = (block_end - np.bincount(block, w) / 2)[block]
    mu = np.bincount(period, w * h, minlength=p.n_periods)
    mean_rank = np.bincount(period, w * rank, minlength=p.n_periods)  # = 1/2
    cov = np.bincount(period, w * (h - mu[period]) * (rank - mean_rank[period]), minlength=p.n_periods)
    return 2 * cov / mu
