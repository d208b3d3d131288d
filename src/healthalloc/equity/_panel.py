"""Checked input of the equity indices: one :class:`Panel` of arrays, periods and groups coded.

Every equity function starts here, so bad input fails the same way everywhere: unknown
columns (with suggestions), arrays of the wrong length, non-numeric, missing or infinite
values, population or area ≤ 0, negative resources, missing periods or group labels,
duplicate unit–period rows, and periods whose resources sum to zero. Rows are named by
the unit (``"Beijing/2014"`` with a period) when a ``unit`` column is given, otherwise by
1-based row number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.data._messages import MAX_LISTED, listing, named, show
from healthalloc.data.validate import DataError, check_columns, numeric_matrix

#: A role (resource, population, …): a column of the table, or values aligned with its rows.
Role = str | Sequence | np.ndarray | pd.Series

_LABEL = "<unit>"  # column of row labels handed to numeric_matrix
_POSITIVE = "population and area must be > 0"
_NUMERIC = ("resource", "population", "area", "ranking")


@dataclass(frozen=True)
class Panel:
    """Arrays of one equity analysis, rows in the table's order.

    Attributes
    ----------
    resource, population, area, ranking : ndarray or None
        Float arrays (resource ≥ 0, population and area > 0).
    period : ndarray of int
        Code of each row's period, ``0 … len(periods) − 1`` (all 0 without ``by``).
    periods : Index
        Period labels in ascending order, named after the ``by`` column (without ``by``:
        one unnamed period).
    group : ndarray of int or None
        Code of each row's group in ``groups`` (order of first appearance, or the
        categories' order for a categorical column).
    units : Index
        Unit labels (the ``unit`` column, else the table's index).
    """

    resource: np.ndarray
    population: np.ndarray | None
    area: np.ndarray | None
    ranking: np.ndarray | None
    period: np.ndarray
    periods: pd.Index
    group: np.ndarray | None
    groups: pd.Index | None
    units: pd.Index

    @property
    def by(self) -> str | None:
        return self.periods.name

    @property
    def n_periods(self) -> int:
        return len(self.periods)

    def total(self, values: np.ndarray) -> np.ndarray:
        """Σ of ``values`` per period (length ``n_periods``)."""
        return np.bincount(self.period, values, minlength=self.n_periods)

    def shares(self, values: np.ndarray) -> np.ndarray:
        """Each row's share of its period's total of ``values``."""
        return values / self.total(values)[self.period]

    def order(self, key: np.ndarray) -> np.ndarray:
        """Row order by period, then by ``key`` within each period (ties in any order).

        Two passes, much faster than ``np.lexsort``: a quicksort on ``key``, then a
        stable (radix) sort on the period codes.
        """
        first = np.argsort(key)
        codes = self.period[first]
        if self.n_periods <= np.iinfo(np.int16).max:
            codes = codes.astype(np.int16)
        return first[np.argsort(codes, kind="stable")]

    def cumsum(self, order: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
        """Cumulative sums of each of ``values[order]`` restarting at each period (``order``
        from :meth:`order`), summed period by period so rounding does not grow with the
        number of periods."""
        period = self.period[order]
        counts = np.bincount(period, minlength=self.n_periods)
        position = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts)
        table = np.zeros((len(values), self.n_periods, counts.max(initial=0)))
        table[:, period, position] = np.stack(values)[:, order]
        return tuple(np.cumsum(table, axis=2)[:, period, position])

    def frame(self, columns: dict[str, np.ndarray]) -> pd.DataFrame:
        """One row per period: the ``by`` column first (when given), then ``columns``."""
        ids = {self.by: self.periods.to_numpy()} if self.by is not None else {}
        return pd.DataFrame(ids | columns)

    def rows(self, columns: dict[str, np.ndarray]) -> pd.DataFrame:
        """One row per unit and period (by period, then in table order)."""
        order = np.argsort(self.period, kind="stable")
        ids = {self.by: self.periods.to_numpy()[self.period[order]]} if self.by is not None else {}
        ids["unit"] = self.units.to_numpy()[order]
        if self.groups is not None:
            ids["group"] = self.groups.to_numpy()[self.group[order]]
        return pd.DataFrame(ids | {k: v[order] for k, v in columns.items()})


def panel(
    data: pd.DataFrame,
    *,
    resource: Role,
    population: Role | None = None,
    area: Role | None = None,
    ranking: Role | None = None,
    group: Role | None = None,
    by: str | None = None,
    unit: str | None = None,
) -> Panel:
    """Check ``data`` and the roles and return them as a :class:`Panel`.

    Each role is a column name or an array-like with one value per row of ``data``;
    ``by`` and ``unit`` are column names.

    Raises
    ------
    DataError
        With the columns and rows at fault (:class:`~healthalloc.data.UnknownNameError`,
        also a ``KeyError``, for unknown columns).
    """
    given = {"resource": resource, "population": population, "area": area, "ranking": ranking,
             "group": group}
    roles = {role: value for role, value in given.items() if value is not None}
    check_columns(data, [v for v in roles.values() if isinstance(v, str)] + [c for c in (by, unit) if c])
    names = {role: role_name(role, value) for role, value in roles.items()}
    cells = {role: _cells(data, role, value) for role, value in roles.items()}
    units = pd.Index(data[unit] if unit else data.index, name="unit")
    rows = _Rows(data.reset_index(drop=True), unit, by)
    arrays = _numbers(cells, names, rows)
    _fail([
        rows.sign(arrays, names, "population", lambda x: x <= 0, "non-positive", _POSITIVE),
        rows.sign(arrays, names, "area", lambda x: x <= 0, "non-positive", _POSITIVE),
        rows.sign(arrays, names, "resource", lambda x: x < 0, "negative", "resources must be ≥ 0"),
        rows.missing(rows.data[by] if by else None, f"column {by!r} has missing periods"),
        rows.missing(cells.get("group"), f"column {names.get('group')!r} has missing group labels",
                     "; every unit needs a group"),
        rows.duplicates(),
    ])
    period, periods = _codes(rows.data[by] if by else pd.Series(np.zeros(len(data))), sort=True)
    group_codes, groups = _codes(cells["group"]) if group is not None else (None, None)
    out = Panel(resource=arrays["resource"], population=arrays.get("population"),
                area=arrays.get("area"), ranking=arrays.get("ranking"), period=period,
                periods=periods.rename(by), group=group_codes, groups=groups, units=units)
    _check_totals(out, names["resource"])
    return out


def role_name(role: str, value: Role) -> str:
    """The column's name, or the role's name for values given as an array."""
    return value if isinstance(value, str) else role


def _cells(data: pd.DataFrame, role: str, value: Role) -> pd.Series:
    """The values of a role as a Series aligned with the rows of ``data`` (by position)."""
    if isinstance(value, str):
        return data[value].reset_index(drop=True)
    values = value.reset_index(drop=True) if isinstance(value, pd.Series) else pd.Series(list(value))
    if np.ndim(value) != 1 or len(values) != len(data):
        raise DataError(f"{role} has {len(values) if np.ndim(value) == 1 else np.shape(value)} "
                        f"values but the table has {len(data)} rows; pass a column name or one "
                        "value per row")
    return values


def _numbers(cells: dict[str, pd.Series], names: dict[str, str], rows: _Rows) -> dict:
    """The numeric roles as float arrays, after :func:`numeric_matrix`'s checks.

    Unit labels are built only when a check fails, to name the rows at fault.
    """
    numeric = [r for r in _NUMERIC if r in cells]
    columns = [names[r] for r in numeric]
    checked = pd.concat([cells[r].rename(names[r]) for r in numeric], axis=1)
    try:
        values = numeric_matrix(checked, columns)
    except DataError:
        if rows.unit is None:
            raise
        numeric_matrix(checked.assign(**{_LABEL: rows.labels()}), columns, unit=_LABEL)
        raise
    return dict(zip(numeric, values.T))


@dataclass(frozen=True)
class _Rows:
    """Names rows in messages: ``"Beijing/2014"`` with a unit column, else 1-based numbers."""

    data: pd.DataFrame
    unit: str | None
    by: str | None

    def labels(self, positions: np.ndarray | slice = slice(None)) -> list[str]:
        keys = self.data[[c for c in (self.unit, self.by) if c]].iloc[positions]
        return ["/".join("missing" if pd.isna(v) else str(v) for v in key)
                for key in keys.itertuples(index=False)]

    def where(self, positions: np.ndarray, values=None) -> str:
        """``"units A/2014 (0) and B/2014 (-3)"`` or ``"rows 3 and 7"``."""
        shown = positions[:MAX_LISTED]  # the rest are only counted: label only these
        names = self.labels(shown) if self.unit else [p + 1 for p in shown]
        if values is not None:
            names = [f"{n} ({show(v)})" for n, v in zip(names, values)]
        names += [""] * (len(positions) - len(shown))
        return named("unit" if self.unit else "row", names)

    def sign(self, arrays, names, role, bad, what, need) -> str:
        if role not in arrays:
            return ""
        pos = np.flatnonzero(bad(arrays[role]))
        if not pos.size:
            return ""
        return (f"column {names[role]!r} has {what} values in "
                f"{self.where(pos, arrays[role][pos])}; {need}")

    def missing(self, cells: pd.Series | None, what: str, need: str = "") -> str:
        if cells is None:
            return ""
        pos = np.flatnonzero(pd.isna(cells).to_numpy())
        return f"{what} in {self.where(pos)}{need}" if pos.size else ""

    def duplicates(self) -> str:
        """One row per unit and period (checked with a unit column)."""
        if self.unit is None:
            return ""
        keys = [c for c in (self.unit, self.by) if c]
        pos = np.flatnonzero(self.data.duplicated(keys, keep=False).to_numpy())
        if not pos.size:
            return ""
        groups = [f"{key} in {named('row', rows.tolist())}"
                  for key, rows in pd.Series(pos + 1).groupby(self.labels(pos), sort=False)]
        return f"duplicate unit–period rows: {listing(groups)}; one row per unit and period"


def _fail(problems: list[str]) -> None:
    problems = [p for p in problems if p]
    if problems:
        raise DataError("; ".join(problems))


def _codes(values: pd.Series, *, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
    """Codes 0…k−1 and labels: sorted, in category order, or in order of first appearance."""
    sort = sort or isinstance(values.dtype, pd.CategoricalDtype)
    codes, uniques = pd.factorize(values.reset_index(drop=True), sort=sort)
    return codes.astype(np.intp), pd.Index(uniques)


def _check_totals(p: Panel, column: str) -> None:
    """Shares need a positive total resource in every period."""
    empty = np.flatnonzero(p.total(p.resource) <= 0)
    if empty.size:
        where = f" in {named('period', p.periods[empty].tolist())}" if p.by else ""
        raise DataError(f"column {column!r} sums to 0{where}; resource shares are undefined")
