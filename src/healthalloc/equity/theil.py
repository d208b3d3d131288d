"""Population-weighted Theil indices with a between/within decomposition by groups.

With ``p_i`` a unit's share of the population and ``y_i`` its share of the resource
(within its period):

``theil_l`` — what most Chinese health-resource papers call "the Theil index",
    ``T_L = Σ_i p_i ln(p_i / y_i)``: the mean log deviation GE(0) of per-capita resource,
    population-weighted. Infinite when a unit has no resource (a warning names it).
``theil_t`` — Theil's T, GE(1): ``T_T = Σ_i y_i ln(y_i / p_i)`` (``0 ln 0 = 0``).

Both are ≥ 0, 0 exactly when every unit has the same resource per person, and invariant to
rescaling the resource or the population. For groups ``g`` (east/central/west) with
population shares ``P_g`` and resource shares ``Y_g``,

    T = T_between + T_within,   T_within = Σ_g w_g T_g,

where ``T_between`` is the same index over the group totals (``Σ_g P_g ln(P_g / Y_g)``,
``Σ_g Y_g ln(Y_g / P_g)``), ``T_g`` the index among the units of group ``g`` (shares
within the group) and ``w_g = P_g`` for GE(0), ``w_g = Y_g`` for GE(1) (Shorrocks 1980).
Contribution rates are ``T_between / T``, ``T_within / T`` and per group ``w_g T_g / T``.

PySAL's ``inequality.theil.Theil`` / ``TheilD`` are the *unweighted* Theil T (every unit
weighs ``1/n``) and so are not a substitute for these population-weighted indices; they
agree only when all units have the same population.

References
----------
Theil, H. (1967). *Economics and Information Theory*. North-Holland.
Shorrocks, A. F. (1980). The class of additively decomposable inequality measures.
*Econometrica* 48(3), 613–625.
Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed., ch. 3 and technical appendix.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.special import xlogy

from healthalloc.data.messages import named
from healthalloc.equity._panel import ROLES, Panel, Role, panel
from healthalloc.params import REQUIRED, Params, declared

__all__ = ["INDICES", "theil", "theil_groups"]

INDICES = ("theil_l", "theil_t")
"""The two indices: GE(0) (mean log deviation) and GE(1) (Theil's T), population-weighted."""
#: The parameters of :func:`theil`; :func:`theil_groups` needs the group.
THEIL = Params(*(ROLES[n] for n in ("resource", "population", "group", "by", "unit")))


@declared(THEIL, data=("data",))
def theil(
    data: pd.DataFrame, resource: Role, population: Role, *, group: Role | None = None,
    by: str | None = None, unit: str | None = None,
) -> pd.DataFrame:
    """Population-weighted Theil indices GE(0) and GE(1), decomposed by ``group``.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``).

    Returns
    -------
    DataFrame
        One row per period: the ``by`` column, ``theil_l``, ``theil_t`` and with a group
        ``theil_l_between``, ``theil_l_within``, ``theil_t_between``, ``theil_t_within``.

    Examples
    --------
    >>> df = pd.DataFrame({"beds": [1, 2, 3, 6], "pop": [1, 1, 1, 1], "region": list("aabb")})
    >>> theil(df, "beds", "pop", group="region").round(4).iloc[0].tolist()
    [0.2027, 0.1874, 0.1438, 0.0589, 0.1308, 0.0566]
    """
    p = panel(data, resource=resource, population=population, group=group, by=by, unit=unit)
    return p.per_period(decompose(p)[0])


@declared(THEIL.without("group") + Params(replace(THEIL["group"], default=REQUIRED)), data=("data",))
def theil_groups(
    data: pd.DataFrame, resource: Role, population: Role, group: Role, *, by: str | None = None,
    unit: str | None = None,
) -> pd.DataFrame:
    """Each group's shares, within-group Theil indices and contribution rates, per period.

    Returns
    -------
    DataFrame
        One row per period and group: the ``by`` column, ``group``, ``units``,
        ``population_share`` (``P_g``), ``resource_share`` (``Y_g``), ``theil_l`` and
        ``theil_t`` (the indices among the group's units) and ``theil_l_contribution``
        (``P_g T_L,g / T_L``) and ``theil_t_contribution`` (``Y_g T_T,g / T_T``). The
        group contributions plus ``between / total`` sum to 1 per period and index.
    """
    p = panel(data, resource=resource, population=population, group=group, by=by, unit=unit)
    return decompose(p)[1]


def decompose(p: Panel) -> tuple[dict[str, np.ndarray], pd.DataFrame | None]:
    """Per-period indices (and between/within parts) and, with groups, the group table."""
    pop, res = p.shares(p.population), p.shares(p.resource)
    _warn_zero(p, res)
    terms = _terms(pop, res)
    total = {name: p.total(t) for name, t in terms.items()}
    if p.group is None:
        return total, None
    n_groups = len(p.groups)
    cell = p.period * n_groups + p.group  # period × group
    size = p.n_periods * n_groups
    P, Y = np.bincount(cell, pop, minlength=size), np.bincount(cell, res, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = _terms(pop / P[cell], res / Y[cell])  # shares within the group
    index = {name: np.bincount(cell, t, minlength=size) for name, t in inner.items()}
    between = {name: np.bincount(np.arange(size) // n_groups, t, minlength=p.n_periods)
               for name, t in _terms(P, Y).items()}
    weight = {"theil_l": P, "theil_t": Y}
    part = {name: np.where(weight[name] > 0, weight[name] * index[name], 0.0) for name in INDICES}
    within = {name: part[name].reshape(p.n_periods, n_groups).sum(axis=1) for name in INDICES}
    columns = dict(total)
    for name in INDICES:
        columns[f"{name}_between"], columns[f"{name}_within"] = between[name], within[name]
    groups = _group_table(p, cell, P, Y, index, part, total)
    return columns, groups


def _terms(pop: np.ndarray, res: np.ndarray) -> dict[str, np.ndarray]:
    """Summands ``p ln(p/y)`` (GE(0); +∞ where y = 0) and ``y ln(y/p)`` (GE(1); 0 where y = 0).

    Cells with ``p = 0`` (a group absent from a period) contribute 0.
    """
    ratio = np.divide(res, pop, out=np.ones_like(res), where=pop > 0)
    with np.errstate(divide="ignore"):
        return {"theil_l": -xlogy(pop, ratio), "theil_t": xlogy(res, ratio)}


def _group_table(p, cell, P, Y, index, part, total) -> pd.DataFrame:
    """Rows period × group (groups that occur in the period only)."""
    units = np.bincount(cell, minlength=len(P))
    keep = units > 0
    period, group = np.divmod(np.arange(len(P)), len(p.groups))
    out = pd.DataFrame({"group": p.groups.to_numpy()[group], "units": units,
                        "population_share": P, "resource_share": Y,
                        "theil_l": index["theil_l"], "theil_t": index["theil_t"]})
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in INDICES:
            out[f"{name}_contribution"] = part[name] / total[name][period]
    if p.by is not None:
        out.insert(0, p.by, p.periods.to_numpy()[period])
    return out[keep].reset_index(drop=True)


def _warn_zero(p: Panel, res: np.ndarray) -> None:
    """GE(0) is infinite when a unit has no resource: say so, naming the units."""
    zero = np.flatnonzero(res == 0)
    if zero.size:
        warnings.warn(f"theil_l (GE(0)) is infinite: {named('unit', p.keys(zero))} "
                      f"{'has' if zero.size == 1 else 'have'} zero resource; theil_t (GE(1)) "
                      "and the Gini coefficients stay finite", stacklevel=4)
