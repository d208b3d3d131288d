"""The equity indices' view of a checked panel: one array per role, periods and groups coded.

Every equity function starts here, so bad input fails the same way everywhere:
:func:`~healthalloc.data.check_panel` checks the table (population and area > 0,
resources ≥ 0), and :func:`panel` adds the checks of the roles themselves: arrays of the
wrong length, missing group labels, and periods whose resources sum to zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.data.messages import named
from healthalloc.data.panel import Panel as CheckedPanel
from healthalloc.data.panel import check_panel, unit_column
from healthalloc.data.validate import DataError, check_columns
from healthalloc.params import REQUIRED, UNIT, Param, Params

#: A role (resource, population, …): a column of the table, or values aligned with its rows.
Role = str | Sequence | np.ndarray | pd.Series
#: A role given as the values themselves (one per row of the data) instead of a column.
VALUES = (list, tuple, np.ndarray, pd.Series)
#: The roles of the equity functions, as :func:`healthalloc.equity.equity` declares them.
ROLES = Params(
    Param("resource", REQUIRED, "resource column: beds, physicians, nurses… (≥ 0)", role="resource", objects=VALUES),
    Param("population", REQUIRED, "population column (persons, > 0)", role="population", objects=VALUES),
    Param("area", None, "area column (km², > 0): adds gini_area and HRDI/HRAD/PAD", role="area", objects=VALUES),
    Param("group", None, "group column (e.g. region) for the between/within decomposition", role="group",
          objects=VALUES),
    Param("ranking", None, "living-standard column (e.g. GDP per capita): adds concentration_index",
          role="ranking", objects=VALUES),
    Param("by", None, "period column (e.g. year): each period on its own", role="period"),
    UNIT,
)

_POSITIVE = "population and area must be > 0"
_NUMERIC = ("resource", "population", "area", "ranking")


@dataclass(frozen=True, kw_only=True)
class Panel(CheckedPanel):
    """A checked panel (periods, row labels and naming from the shared panel) with the
    arrays of the equity roles, rows in the table's order.

    Attributes
    ----------
    resource, population, area, ranking : ndarray or None
        Float arrays (resource ≥ 0, population and area > 0).
    group : ndarray of int or None
        Code of each row's group in ``groups`` (order of first appearance, or the
        categories' order for a categorical column).
    """

    resource: np.ndarray
    population: np.ndarray | None = None
    area: np.ndarray | None = None
    ranking: np.ndarray | None = None
    group: np.ndarray | None = None
    groups: pd.Index | None = None

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

    def per_period(self, columns: dict[str, np.ndarray]) -> pd.DataFrame:
        """One row per period: the ``by`` column first (when given), then ``columns``."""
        ids = {self.by: self.periods.to_numpy()} if self.by is not None else {}
        return pd.DataFrame(ids | columns)

    def rows(self, columns: dict[str, np.ndarray]) -> pd.DataFrame:
        """One row per unit and period (by period, then in table order)."""
        order = np.argsort(self.period, kind="stable")
        ids = {self.by: self.periods.to_numpy()[self.period[order]]} if self.by is not None else {}
        ids["unit"] = self.labels.to_numpy()[order]
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
    given_columns = [v for v in roles.values() if isinstance(v, str)]
    unit = unit_column(data, unit, exclude=[by, *given_columns])
    check_columns(data, given_columns + [c for c in (by, unit) if c])
    names = {role: role_name(role, value) for role, value in roles.items()}
    cells = {role: _cells(data, role, value) for role, value in roles.items()}
    numeric = [r for r in _NUMERIC if r in roles]
    columns = [names[r] for r in numeric]
    frame = data[[c for c in (unit, by) if c]].assign(**{names[r]: cells[r].array for r in numeric})
    checked = check_panel(
        frame, columns, unit=unit, by=by, nonnegative={names["resource"]: "resources must be ≥ 0"},
        positive=dict.fromkeys([names[r] for r in ("population", "area") if r in roles], _POSITIVE))
    codes = groups = None
    if group is not None:
        labels = cells["group"]
        unlabelled = np.flatnonzero(labels.isna().to_numpy())
        if unlabelled.size:
            checked.fail([f"column {names['group']!r} has missing group labels in "
                          f"{checked.where(unlabelled)}; every unit needs a group"])
        # groups in category order, or in order of first appearance
        codes, groups = pd.factorize(labels, sort=isinstance(labels.dtype, pd.CategoricalDtype))
        groups = pd.Index(groups)
    out = Panel(checked.frame, checked.unit, by, checked.columns, group=codes, groups=groups,
                **dict(zip(numeric, checked.values(columns).T)))
    _check_totals(out, names["resource"])
    return out


def role_name(role: str, value: Role | None) -> str | None:
    """The column's name, or the role's name for values given as an array (None for None)."""
    return value if isinstance(value, str) or value is None else role


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


def _check_totals(p: Panel, column: str) -> None:
    """Shares need a positive total resource in every period."""
    empty = np.flatnonzero(p.total(p.resource) <= 0)
    if empty.size:
        where = f" in {named('period', p.periods[empty].tolist())}" if p.by else ""
        raise DataError(f"column {column!r} sums to 0{where}; resource shares are undefined")
