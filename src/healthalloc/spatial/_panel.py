"""Checks shared by the spatial analyses: a value column as a balanced unit × period table.

Errors name the columns and the unit/period cells at fault (``"unit 460000/2015"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthalloc.data import REGIONS, DataError, check_columns, numeric_matrix
from healthalloc.data._messages import listing

#: Column label of the single period of a cross-section (``by=None``).
ALL = "all"
_KEY = "unit/period"


def unit_labels(data: pd.DataFrame, unit: str | None) -> pd.Series:
    """The unit ids of ``data``'s rows: the ``unit`` column, or the index when ``unit`` is None."""
    return data[unit] if unit is not None else data.index.to_series(index=data.index)


def panel_values(
    data: pd.DataFrame, value: str, *, unit: str | None = None, by: str | None = None
) -> pd.DataFrame:
    """``value`` as a float table with one row per unit and one column per period.

    Parameters
    ----------
    data : DataFrame
        Long table: one row per unit (per unit and period with ``by``).
    value : str
        Numeric column; numeric text is accepted; missing or infinite cells are errors.
    unit : str, optional
        Column of unit ids (the index when omitted).
    by : str, optional
        Period column. Without it the table has one column, :data:`ALL`.

    Returns
    -------
    DataFrame
        Index ``unit`` (ids in order of first appearance), columns the sorted periods.

    Raises
    ------
    DataError
        Unknown columns, non-numeric, missing or infinite values, missing unit ids,
        duplicate unit(–period) rows, or a unit without a row in some period.
    """
    check_columns(data, [value] + [c for c in (unit, by) if c is not None])
    ids = unit_labels(data, unit).reset_index(drop=True)
    periods = data[by].reset_index(drop=True) if by else pd.Series(ALL, index=ids.index)
    if ids.isna().any() or periods.isna().any():
        what = "unit ids" if ids.isna().any() else f"periods (column {by!r})"
        rows = np.flatnonzero((ids.isna() | periods.isna()).to_numpy())
        raise DataError(f"missing {what} in rows {listing([r + 1 for r in rows])}")
    keys = ids.astype(str) + ("/" + periods.astype(str) if by else "")
    values = numeric_matrix(pd.DataFrame({value: data[value].to_numpy(), _KEY: keys}), value,
                            unit=_KEY)[:, 0]
    long = pd.DataFrame({"unit": ids, "period": periods, "value": values})
    repeated = long.duplicated(["unit", "period"], keep=False)
    if repeated.any():
        raise DataError(f"more than one row for {_named(keys[repeated].unique())}; "
                        "expected one row per unit" + (" and period" if by else ""))
    wide = long.pivot(index="unit", columns="period", values="value")
    wide = wide.reindex(index=pd.unique(ids), columns=sorted(wide.columns))
    absent = wide.isna().stack()
    if absent.any():
        cells = [f"{u}/{p}" for u, p in absent[absent].index]
        raise DataError(f"the panel is unbalanced: no row for {_named(cells)} "
                        f"(column {value!r}); every unit needs a value in every period")
    wide.index.name = "unit"
    wide.columns.name = by
    return wide


def period_samples(
    data: pd.DataFrame, value: str, *, by: str | None = None, unit: str | None = None
) -> dict:
    """``value`` of each period (sorted; :data:`ALL` without ``by``) as float arrays.

    Unlike :func:`panel_values` the panel need not be balanced; ``unit`` only names rows
    in error messages.
    """
    check_columns(data, [value] + [c for c in (unit, by) if c is not None])
    values = numeric_matrix(data, value, unit=unit)[:, 0]
    periods = data[by].to_numpy() if by else np.full(len(values), ALL)
    if by and data[by].isna().any():
        rows = np.flatnonzero(data[by].isna().to_numpy()) + 1
        raise DataError(f"missing periods (column {by!r}) in rows {listing(rows.tolist())}")
    return {p: v.to_numpy() for p, v in pd.Series(values).groupby(periods, sort=True)}


def positive(wide: pd.DataFrame, value: str, what: str) -> None:
    """Raise :class:`DataError` naming the unit/period cells ≤ 0 (``what`` needs logarithms)."""
    bad = (wide <= 0).stack()
    if bad.any():
        cells = [f"{u}/{p}" if wide.columns.name else str(u) for u, p in bad[bad].index]
        raise DataError(f"column {value!r} has values ≤ 0 in {_named(cells)}; {what} takes "
                        "logarithms and needs every value > 0")


def group_order(groups: pd.Series) -> list:
    """NBS regions east → west; categories in their order; others by first appearance."""
    if isinstance(groups.dtype, pd.CategoricalDtype):
        return [c for c in groups.cat.categories if (groups == c).any()]
    found = list(pd.unique(groups))
    if set(found) <= set(REGIONS):
        return [r for r in REGIONS if r in found]
    return found


def _named(labels) -> str:
    labels = list(labels)
    return f"unit{'s' if len(labels) > 1 else ''} {listing(labels)}"
