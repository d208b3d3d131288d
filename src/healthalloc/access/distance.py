"""Costs between demand points and sites, kept sparse: only pairs within reach are stored.

Two sources of cost, both read one chunk of demand points at a time
(:meth:`GreatCircle.pairs`, :meth:`ODCosts.pairs`), so a million demand points never
need a dense matrix:

- :class:`GreatCircle`: great-circle km between longitude/latitude points on a sphere of
  radius :data:`EARTH_RADIUS_KM` (the haversine distance). Points become unit vectors;
  a :class:`scipy.spatial.cKDTree` finds the pairs whose chord is within the chord of the
  reach, ``c₀ = 2 sin(d₀ / 2R)``, and each chord ``c`` gives the distance
  ``d = 2R asin(c / 2)`` — the haversine formula, since ``c / 2 = √hav(central angle)``.
- :class:`ODCosts`: a supplied origin–destination table ``origin, destination, cost``
  (travel minutes, road km, ...), pairs above the reach dropped.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from healthalloc.data.geo import EARTH_RADIUS_KM, great_circle, unit_vectors
from healthalloc.data.messages import listing, named, show
from healthalloc.data.validate import DataError, check_columns, check_nonnegative, id_column, id_positions

__all__ = ["EARTH_RADIUS_KM", "GreatCircle", "ODCosts", "Pairs", "great_circle", "od_costs", "unit_vectors"]


@dataclass(frozen=True)
class Pairs:
    """Demand–site pairs within reach: demand rows ``i``, site columns ``j``, costs ``cost``.

    ``i`` counts from the first row of the chunk the pairs were read for. The order of the
    pairs is fixed for given points (not necessarily sorted).
    """

    i: np.ndarray
    j: np.ndarray
    cost: np.ndarray


@dataclass(frozen=True)
class GreatCircle:
    """Great-circle km between demand points and sites, pairs up to ``reach`` km.

    Attributes
    ----------
    demand, supply : ndarray
        (n, 3) and (m, 3) unit vectors (:func:`unit_vectors`).
    reach : float
        Largest distance kept, km.
    """

    demand: np.ndarray
    supply: np.ndarray
    reach: float

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.demand), len(self.supply)

    def pairs(self, start: int = 0, stop: int | None = None) -> Pairs:
        """Pairs of demand rows ``start:stop`` within reach."""
        chunk = self.demand[start:stop]
        if not len(chunk) or not len(self.supply):
            return Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        angle = min(self.reach / EARTH_RADIUS_KM, math.pi)
        chord = 2 * math.sin(angle / 2) * (1 + 1e-12) + 1e-15
        found = cKDTree(chunk).sparse_distance_matrix(cKDTree(self.supply), chord, output_type="ndarray")
        cost = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(found["v"] / 2, 1.0))
        keep = cost <= self.reach  # in the tree's order: fixed for given points, so sums are reproducible
        return Pairs(found["i"][keep].astype(np.int64), found["j"][keep].astype(np.int64), cost[keep])


@dataclass(frozen=True)
class ODCosts:
    """Costs from an origin–destination table, pairs up to ``reach``; sorted by demand row.

    Attributes
    ----------
    i, j, cost : ndarray
        Demand row, site column and cost of every pair kept.
    shape : (int, int)
        Demand points × sites.
    reach : float
        Largest cost kept (infinite: every pair of the table).
    """

    i: np.ndarray
    j: np.ndarray
    cost: np.ndarray
    shape: tuple[int, int]
    reach: float

    def pairs(self, start: int = 0, stop: int | None = None) -> Pairs:
        stop = self.shape[0] if stop is None else stop
        lo, hi = np.searchsorted(self.i, [start, stop])
        return Pairs(self.i[lo:hi] - start, self.j[lo:hi], self.cost[lo:hi])


def od_costs(od: pd.DataFrame, demand_ids: pd.Index, supply_ids: pd.Index, reach: float | None = None,
             *, origin: str = "origin", destination: str = "destination", cost: str = "cost") -> ODCosts:
    """Check an origin–destination table and keep its pairs up to ``reach``.

    Parameters
    ----------
    od : DataFrame
        One row per (origin, destination) pair: origins are demand ids, destinations site
        ids (pairs absent from the table are out of reach).
    demand_ids, supply_ids : Index
        Ids of the demand points and sites, in the order of the analysis; origins and
        destinations match them by their written form
        (:func:`~healthalloc.data.validate.id_positions`).
    reach : float, optional
        Largest cost kept (default: every pair).

    Raises
    ------
    DataError
        Missing origins or destinations, repeated pairs, costs that are missing, not
        numbers, infinite or negative; no pair between the ids.

    Warns
    -----
    UserWarning
        Origins or destinations that are not among the ids (their rows are left out, so
        one table can serve several supply scenarios).
    """
    check_columns(od, [origin, destination, cost], source="od")
    costs = check_nonnegative(od[cost], column=cost, source="od",
                              label=lambda k: f"{od[origin].iat[k]}→{od[destination].iat[k]}")
    i = _positions(od[origin], demand_ids, "origin", "demand")
    j = _positions(od[destination], supply_ids, "destination", "supply")
    known = (i >= 0) & (j >= 0)
    if not known.any():
        raise DataError(f"od: no row joins a demand id ({origin}) to a supply id ({destination}); are the "
                        "columns in that order, and the ids written alike (01 and 1 are different ids)?")
    od, i, j, costs = od[known], i[known], j[known], costs[known]
    repeated = pd.Series(i * len(supply_ids) + j).duplicated(keep=False).to_numpy()
    if repeated.any():
        pairs = od.loc[repeated, [origin, destination]].drop_duplicates().astype(str).agg("→".join, axis=1)
        raise DataError(f"od: repeated origin–destination pairs {listing(pairs.tolist())}")
    reach = math.inf if reach is None else float(reach)
    keep = costs <= reach
    order = np.lexsort((j[keep], i[keep]))
    return ODCosts(i[keep][order], j[keep][order], costs[keep][order], (len(demand_ids), len(supply_ids)), reach)


def _positions(values: pd.Series, ids: pd.Index, column: str, table: str) -> np.ndarray:
    """Position of each value in ``ids`` (−1 for unknown ones, which are named in a warning)."""
    values = id_column(values, source="od")
    pos = id_positions(values, ids)
    if (pos < 0).any():
        unknown = pd.unique(values[pos < 0])
        warnings.warn(f"od: {column} {named('id', [show(v) for v in unknown])} "
                      f"{'is' if len(unknown) == 1 else 'are'} not in the {table} table; "
                      f"{'its' if len(unknown) == 1 else 'their'} rows are left out", stacklevel=4)
    return pos.astype(np.int64)
