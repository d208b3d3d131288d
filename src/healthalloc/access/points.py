"""Checked demand and supply tables: ids, one amount per point, and coordinates.

Every analysis of :mod:`healthalloc.access` and :mod:`healthalloc.optimize` starts here,
so bad input fails the same way everywhere, naming the table, column and ids at fault.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.access.distance import GreatCircle, ODCosts, od_costs, unit_vectors
from healthalloc.data.messages import show
from healthalloc.data.validate import DataError, check_columns, check_coordinates, check_nonnegative, id_column

LARGEST_TOTAL = math.sqrt(np.finfo(float).max)
"""Largest total of an amount column (≈ 1.34e154): below it, sums, squares and products of
totals (Σ, Σ², the Gini's pair sums) stay finite in float64."""


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


def points(frame: pd.DataFrame, table: str, amount: str | None, *, unit: str = "id", lon: str = "lon",
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
    unit, lon, lat : str
        Id column (unique, no missing) and coordinate columns (degrees).
    coordinates : bool
        Read ``lon`` and ``lat`` (False when an OD table gives the costs).

    Raises
    ------
    DataError
        Unknown columns, missing or repeated ids (ids keep their written form,
        :func:`~healthalloc.data.validate.id_column`), amounts that are missing, not numbers,
        infinite, negative or so large that their sums overflow (a total above
        :data:`LARGEST_TOTAL`), coordinates out of range
        (:func:`~healthalloc.data.validate.check_coordinates`).
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame, not {type(frame).__name__}")
    columns = [unit] + ([amount] if amount else []) + ([lon, lat] if coordinates else [])
    check_columns(frame, columns, source=table)
    if frame.empty:
        raise DataError(f"{table}: the table has no rows")
    ids = pd.Index(id_column(frame[unit], source=table, unique=unit))
    values = np.zeros(len(ids))
    if amount:
        values = check_nonnegative(frame[amount], column=amount, source=table, label=lambda k: f"id {show(ids[k])}")
        _check_total(values, amount, table, ids)
    if not coordinates:
        return Points(table, ids, values)
    xy = check_coordinates(frame, lon, lat, source=table, ids=ids)
    return Points(table, ids, values, xy[:, 0], xy[:, 1])


def _check_total(values: np.ndarray, column: str, table: str, ids: pd.Index) -> None:
    """Refuse amounts whose total exceeds :data:`LARGEST_TOTAL` (sums or squares would overflow)."""
    with np.errstate(over="ignore"):
        total = values.sum()
    if total > LARGEST_TOTAL:
        top = int(np.argmax(values))
        raise DataError(f"{table}: {column} is too large to compute with: it sums to {total:.3g} (largest "
                        f"{values[top]:.3g} at id {show(ids[top])}); totals above {LARGEST_TOTAL:.3g} make sums "
                        "of squares overflow: give it in larger units (thousands, millions)")


def place_namer(ids) -> Callable[[object], str]:
    """How messages name the points of a table with ``ids``: when every id is a place of the
    embedded gazetteers (GeoNames' populated places, ``china_cities``; the synthetic facility
    layer), each by its name, ``"Mentougou (1800657)"``, or a facility by its province,
    ``"'SF0477' (Xinjiang)"``; otherwise every id as written (:func:`show`), so a table of
    one's own is never named after a place it only shares an id with."""
    names = _gazetteer()
    if not all(str(i) in names for i in ids):
        return show
    return lambda i: names[str(i)]


@functools.cache
def _gazetteer() -> dict[str, str]:
    """Names of the embedded places by their id as text (see :func:`place_namer`)."""
    from healthalloc.data.datasets import load_china_cities, load_synthetic_facilities

    cities, sites = load_china_cities(), load_synthetic_facilities()
    return ({str(i): f"{name} ({i})" for i, name in zip(cities["geonameid"], cities["name"])}
            | {str(i): f"{show(i)} ({where})" for i, where in zip(sites["id"], sites["province_en"])})


def demand_supply(demand: pd.DataFrame, supply: pd.DataFrame, od: pd.DataFrame | None = None, *,
                  population: str = "population", capacity: str = "capacity", unit: str = "id",
                  lon: str = "lon", lat: str = "lat") -> tuple[Points, Points]:
    """The checked demand and supply :class:`Points`, with coordinates unless ``od`` gives the costs."""
    coords = od is None
    return (points(demand, "demand", population, unit=unit, lon=lon, lat=lat, coordinates=coords),
            points(supply, "supply", capacity, unit=unit, lon=lon, lat=lat, coordinates=coords))


def costs(demand: Points, supply: Points, reach: float, od: pd.DataFrame | None = None) -> GreatCircle | ODCosts:
    """Great-circle km between the points, or the costs of an OD table, up to ``reach``."""
    if od is not None:
        return od_costs(od, demand.ids, supply.ids, reach)
    if demand.lon is None or supply.lon is None:
        raise ValueError("costs need coordinates (lon, lat) of demand and supply, or an od table")
    return GreatCircle(unit_vectors(demand.lon, demand.lat), unit_vectors(supply.lon, supply.lat), float(reach))
