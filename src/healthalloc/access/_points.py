"""Checked demand and supply tables: ids, one amount per point, and coordinates.

Every analysis of :mod:`healthalloc.access` and :mod:`healthalloc.optimize` starts here,
so bad input fails the same way everywhere, naming the table, column and ids at fault.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.access.distance import GreatCircle, ODCosts, od_costs, unit_vectors
from healthalloc.data.messages import listing, rows, show
from healthalloc.data.validate import DataError, check_columns


@dataclass(frozen=True)
class Points:
    """Demand points or sites of one analysis, in the table's row order.

    Attributes
    ----------
    table : str
        ``"demand"``, ``"supply"``, ``"candidates"``, ... (for messages).
    ids : Index
        Unique ids.
    amount : ndarray
        Population (demand) or capacity (sites), finite and ≥ 0.
    lon, lat : ndarray or None
        Coordinates in degrees, when given.
    """

    table: str
    ids: pd.Index
    amount: np.ndarray
    lon: np.ndarray | None = None
    lat: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, rows: np.ndarray) -> "Points":
        """The points at ``rows`` (positions or a boolean mask)."""
        pick = (lambda v: None if v is None else v[rows])
        return Points(self.table, self.ids[rows], self.amount[rows], pick(self.lon), pick(self.lat))


def points(frame: pd.DataFrame, table: str, amount: str | None, *, id: str = "id", lon: str = "lon",
           lat: str = "lat", coordinates: bool = True) -> Points:
    """Check ``frame`` and return its :class:`Points`.

    Parameters
    ----------
    frame : DataFrame
        One row per point.
    table : str
        Name of the table in messages (``"demand"``, ``"supply"``).
    amount : str or None
        Population or capacity column (finite, ≥ 0); None: every amount 0.
    id, lon, lat : str
        Id column (unique, no missing) and coordinate columns (degrees).
    coordinates : bool
        Read ``lon`` and ``lat`` (False when an OD table gives the costs).

    Raises
    ------
    DataError
        Unknown columns, missing or repeated ids, amounts that are missing, non-numeric,
        infinite or negative, coordinates out of range.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame, not {type(frame).__name__}")
    columns = [id] + ([amount] if amount else []) + ([lon, lat] if coordinates else [])
    check_columns(frame, columns, source=table)
    if frame.empty:
        raise DataError(f"{table}: the table has no rows")
    ids = pd.Index(frame[id])
    if ids.isna().any():
        raise DataError(f"{table}: {id} is missing at {rows(np.flatnonzero(ids.isna()).tolist())}")
    if ids.has_duplicates:
        raise DataError(f"{table}: repeated {id} {listing([show(v) for v in ids[ids.duplicated()].unique()])}; "
                        "ids must be unique")
    values = _numbers(frame, amount, ids, table) if amount else np.zeros(len(ids))
    if amount and (values < 0).any():
        raise DataError(f"{table}: {amount} must be ≥ 0; negative at {_at(ids, values < 0, values)}")
    if not coordinates:
        return Points(table, ids, values)
    x, y = _numbers(frame, lon, ids, table), _numbers(frame, lat, ids, table)
    for name, v, limit in ((lon, x, 180), (lat, y, 90)):
        bad = np.abs(v) > limit
        if bad.any():
            raise DataError(f"{table}: {name} must lie in [−{limit}, {limit}] degrees; not at "
                            f"{_at(ids, bad, v)} (are {lon} and {lat} swapped or projected?)")
    return Points(table, ids, values, x, y)


def demand_supply(demand: pd.DataFrame, supply: pd.DataFrame, od: pd.DataFrame | None = None, *,
                  population: str = "population", capacity: str = "capacity", id: str = "id",
                  lon: str = "lon", lat: str = "lat") -> tuple[Points, Points]:
    """The checked demand and supply :class:`Points`, with coordinates unless ``od`` gives the costs."""
    coords = od is None
    return (points(demand, "demand", population, id=id, lon=lon, lat=lat, coordinates=coords),
            points(supply, "supply", capacity, id=id, lon=lon, lat=lat, coordinates=coords))


def _numbers(frame: pd.DataFrame, column: str, ids: pd.Index, table: str) -> np.ndarray:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values)
    if bad.any():
        cells = [f"{show(i)} ({show(v)})" for i, v in zip(ids[bad], raw.to_numpy()[bad])]
        raise DataError(f"{table}: {column} must be finite numbers; not at id {listing(cells)}")
    return values


def _at(ids: pd.Index, bad: np.ndarray, values: np.ndarray) -> str:
    return "id " + listing([f"{show(i)} ({show(v)})" for i, v in zip(ids[bad], values[bad])])


def costs(demand: Points, supply: Points, reach: float, od: pd.DataFrame | None = None) -> GreatCircle | ODCosts:
    """Great-circle km between the points, or the costs of an OD table, up to ``reach``."""
    if od is not None:
        return od_costs(od, demand.ids, supply.ids, reach)
    if demand.lon is None or supply.lon is None:
        raise ValueError("costs need coordinates (lon, lat) of demand and supply, or an od table")
    return GreatCircle(unit_vectors(demand.lon, demand.lat), unit_vectors(supply.lon, supply.lat), float(reach))
