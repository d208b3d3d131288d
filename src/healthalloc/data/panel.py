"""The checked panel every analysis takes: units × periods, value columns as finite floats.

:func:`check_panel` is the one check of an analysis table; its errors name the file, the
columns and the rows at fault. Rows are named by their unit when a ``unit`` column is
given (with the period, ``"Beijing/2014"``; a missing period shows as ``missing``), and
otherwise by 1-based data-row numbers (row 1 is the first row under the header).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from healthalloc.data.messages import MAX_LISTED, listing, named, rows, show
from healthalloc.data.validate import as_names, check_columns, fail

__all__ = ["ALL", "Panel", "check_panel", "numeric_matrix", "row_numbers", "unit_column", "unit_labels"]

ALL = "all"
"""Label of the one period of a table without a period column."""

Rule = Sequence[str] | Mapping[str, str]
"""Columns a sign check applies to, or each column mapped to the reason that ends its message."""


def unit_column(data: pd.DataFrame, unit: str | None = None, exclude: Sequence[str] = ()) -> str | None:
    """The column naming the units, the one rule of every analysis's ``unit=``.

    ``unit`` when given. Otherwise, for a table whose row labels are plain row numbers
    (as read from a file), its first column when that holds unique text labels and is not
    in ``exclude`` (the layout of MaxDEA and fsQCA 3.0 sheets: names first); else None,
    and the row labels name the units.

    >>> unit_column(pd.DataFrame({"city": ["Nanning", "Liuzhou"], "beds": [9.0, 4.0]}))
    'city'
    >>> unit_column(pd.DataFrame({"beds": [9.0, 4.0]}, index=["Nanning", "Liuzhou"])) is None
    True
    """
    if unit is not None or not len(data.columns) or not row_numbers(data.index):
        return unit
    first = data.columns[0]
    column = data[first]
    labels = not (first in exclude or pd.api.types.is_numeric_dtype(column) or column.isna().any())
    return first if labels and column.is_unique else None


def row_numbers(index: pd.Index) -> bool:
    """Row labels 0, 1, … that carry no names."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def unit_labels(data: pd.DataFrame, unit: str | None) -> pd.Index:
    """The unit of each row: the :func:`unit_column`, or the row labels without one."""
    unit = unit_column(data, unit)
    return pd.Index(data[unit] if unit is not None else data.index, name="unit")


@dataclass(frozen=True)
class Panel:
    """A table checked by :func:`check_panel`: one row per unit (per unit and period with ``by``).

    Attributes
    ----------
    frame : DataFrame
        The ``unit`` and ``by`` columns, then ``columns`` as floats; the table's row labels.
    unit : str or None
        Column of unit ids; None when the row labels name the units.
    by : str or None
        Period column; None for a cross-section (one period, :data:`ALL`).
    columns : tuple of str
        The checked value columns.
    source : str or None
        File name that starts error messages.
    """

    frame: pd.DataFrame
    unit: str | None
    by: str | None
    columns: tuple[str, ...]
    source: str | None = None

    @cached_property
    def labels(self) -> pd.Index:
        """Each row's unit: the ``unit`` column (resolved by :func:`check_panel`), else the row labels."""
        return pd.Index(self.frame[self.unit] if self.unit is not None else self.frame.index, name="unit")

    @cached_property
    def _unit_codes(self) -> tuple[np.ndarray, pd.Index]:
        codes, units = self.labels.factorize()
        return codes, units.rename("unit")

    @cached_property
    def _period_codes(self) -> tuple[np.ndarray, pd.Index]:
        if self.by is None:
            return np.zeros(len(self.frame), dtype=np.intp), pd.Index([ALL])
        codes, periods = pd.factorize(self.frame[self.by], sort=True)
        return codes, pd.Index(periods, name=self.by)

    @property
    def units(self) -> pd.Index:
        """The units in order of first appearance, named ``unit``."""
        return self._unit_codes[1]

    @property
    def periods(self) -> pd.Index:
        """The periods in ascending order, named after ``by`` (``[ALL]`` without ``by``)."""
        return self._period_codes[1]

    @property
    def period(self) -> np.ndarray:
        """Each row's position in :attr:`periods`."""
        return self._period_codes[0]

    @property
    def balanced(self) -> bool:
        """Whether every unit has a row in every period."""
        return len(self.frame) == len(self.units) * len(self.periods)

    @property
    def index(self) -> pd.Index:
        """Each row's unit, named ``unit``, with its period (a MultiIndex) when ``by`` is given."""
        if self.by is None:
            return self.labels
        return pd.MultiIndex.from_arrays([self.labels, self.frame[self.by]], names=["unit", self.by])

    def gaps(self) -> pd.MultiIndex:
        """The (unit, period) pairs without a row: units in order of appearance, periods ascending."""
        present = np.zeros((len(self.units), len(self.periods)), dtype=bool)
        present[self._unit_codes[0], self.period] = True
        units, periods = np.nonzero(~present)
        return pd.MultiIndex.from_arrays([self.units[units], self.periods[periods]])

    def values(self, columns: str | Sequence[str] | None = None) -> np.ndarray:
        """The checked ``columns`` (all by default) as a float array, rows × columns."""
        columns = list(self.columns) if columns is None else as_names(columns)
        unchecked = [c for c in columns if c not in self.columns]
        if unchecked:
            raise ValueError(f"columns {unchecked} were not checked; pass them to check_panel")
        return self.frame[columns].to_numpy(dtype=float)

    def wide(self, value: str) -> pd.DataFrame:
        """``value`` as a units × periods table (NaN where an unbalanced panel has no row)."""
        table = np.full((len(self.units), len(self.periods)), np.nan)
        table[self._unit_codes[0], self.period] = self.values(value)[:, 0]
        return pd.DataFrame(table, index=self.units, columns=self.periods)

    def by_period(self, value: str) -> dict:
        """``value`` of each period (in order) as a float array, rows in table order."""
        x = self.values(value)[:, 0]
        return {p: x[self.period == i] for i, p in enumerate(self.periods)}

    def where(self, positions: Sequence[int], values: Sequence[object] | None = None) -> str:
        """``"units A/2014 (0) and C/2014 (-2)"`` or ``"rows 3 and 7"`` for 0-based row positions.

        Rows are named by number without a unit column or when a named unit is missing.
        """
        shown = list(positions[:MAX_LISTED])  # the rest are only counted
        if self.unit is not None and not self.frame[self.unit].iloc[shown].isna().any():
            noun, labels = "unit", self.keys(shown)
        else:
            noun, labels = "row", [p + 1 for p in shown]
        if values is not None:
            labels = [f"{label} ({show(v)})" for label, v in zip(labels, values)]
        return named(noun, labels, len(positions))

    def keys(self, positions: Sequence[int]) -> list[str]:
        """``"A"``, or ``"Beijing/2014"`` with a period (``"Beijing/missing"``), for each row."""
        ids = [self.labels[positions]] + ([self.frame[self.by].iloc[positions]] if self.by else [])
        return ["/".join("missing" if pd.isna(v) else str(v) for v in key) for key in zip(*ids)]

    def fail(self, problems: Sequence[str]) -> None:
        """Raise one :class:`DataError` listing the non-empty ``problems``, if there are any."""
        fail(problems, self.source)


def check_panel(
    data: pd.DataFrame,
    columns: str | Sequence[str],
    *,
    unit: str | None = None,
    by: str | None = None,
    balanced: bool = False,
    positive: Rule = (),
    nonnegative: Rule = (),
    source: str | None = None,
) -> Panel:
    """Check ``data`` as a panel of ``columns`` and return it as a :class:`Panel`.

    Checks, in order, stopping at the first that fails: unknown columns (with suggestions
    and the semicolon/sheet layout hint); non-numeric cells of ``columns`` (numeric text
    is accepted); missing or infinite values, missing unit ids and missing periods;
    duplicate units (unit–period rows with ``by``); with ``balanced``, units without a row
    in some period; values ≤ 0 in ``positive`` and < 0 in ``nonnegative`` columns.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``).
    columns : str or sequence of str
        Value columns.
    unit : str, optional
        Column of unit ids; by default the :func:`unit_column` rule (the first column of
        unique text labels, else the row labels, and rows are named by number in messages).
    by : str, optional
        Period column.
    balanced : bool
        Require every unit to have a row in every period.
    positive, nonnegative : sequence of str, or mapping of column to reason
        Columns whose values must be > 0 (≥ 0); a reason ends the message,
        e.g. ``{"beds": "DEA needs every input > 0"}``.
    source : str, optional
        File name to start messages with.

    Raises
    ------
    DataError
        Naming the columns and rows at fault (:class:`~healthalloc.data.UnknownNameError`,
        also a ``KeyError``, for unknown columns).

    Examples
    --------
    >>> df = pd.DataFrame({"h": ["A", "B", "A"], "year": [2014, 2014, 2015], "beds": [10, 8, 12]})
    >>> p = check_panel(df, "beds", unit="h", by="year")
    >>> p.balanced, p.wide("beds").loc["A"].tolist()
    (False, [10.0, 12.0])
    >>> from healthalloc.data import DataError
    >>> try:
    ...     check_panel(df, "beds", unit="h", by="year", balanced=True)
    ... except DataError as error:
    ...     print(error)
    the panel is unbalanced: no row for unit B/2015; every unit needs a row in every period
    """
    unit = unit_column(data, unit, exclude=[*as_names(columns), *as_names(by)])
    p = _numbers(data, columns, unit, by, source)
    p.fail(_missing(p, [*p.columns, *as_names(unit)], "missing or infinite values")
           + _missing(p, as_names(by), "missing periods"))
    p.fail([_duplicates(p)])
    if balanced:
        p.fail([_gaps(p)])
    p.fail(_signs(p, positive, lambda x: x <= 0, "non-positive")
           + _signs(p, nonnegative, lambda x: x < 0, "negative"))
    return p


def numeric_matrix(
    df: pd.DataFrame,
    columns: str | Sequence[str],
    *,
    unit: str | None = None,
    source: str | None = None,
) -> np.ndarray:
    """``df[columns]`` as a float array (rows × columns), after checking it holds only finite numbers.

    :func:`check_panel` without its checks of units and periods: ``unit`` only names rows
    in messages, and may repeat.
    """
    p = _numbers(df, columns, unit, None, source)
    p.fail(_missing(p, p.columns, "missing or infinite values"))
    return p.values()


def _numbers(
    data: pd.DataFrame, columns: str | Sequence[str], unit: str | None, by: str | None, source: str | None
) -> Panel:
    """The panel of ``data`` with ``columns`` as floats (numeric text is accepted), after
    naming unknown columns and cells that are not numbers."""
    columns = as_names(columns)
    ids = [c for c in (unit, by) if c is not None]
    check_columns(data, columns + ids, source=source)
    p = Panel(data, unit, by, tuple(columns), source)  # names rows while its cells are checked
    values, problems = {}, []
    for c in p.columns:
        cells = p.frame[c]
        numbers = pd.to_numeric(cells, errors="coerce")
        bad = np.flatnonzero((cells.notna() & numbers.isna()).to_numpy())
        if bad.size:
            problems.append(f"column {c!r} has non-numeric values in "
                            f"{p.where(bad, cells.iloc[bad[:MAX_LISTED]].tolist())}")
        values[c] = numbers.to_numpy(dtype=float, na_value=np.nan)
    p.fail(problems)
    return replace(p, frame=data[ids].assign(**values))


def _missing(p: Panel, columns: Sequence[str], what: str) -> list[str]:
    """Name the missing (NaN/None/NA) and infinite cells of each of ``columns``."""
    problems = []
    for c in columns:
        cells = p.frame[c]
        missing = cells.isna().to_numpy()
        if pd.api.types.is_float_dtype(cells):
            missing = missing | np.isinf(cells.to_numpy())
        bad = np.flatnonzero(missing)
        if bad.size:
            problems.append(f"column {c!r} has {what} in {p.where(bad)}")
    return problems


def _duplicates(p: Panel) -> str:
    """Name the units (unit–period pairs with ``by``) that have more than one row."""
    if len(p.units) == len(p.frame):
        return ""
    key = p._unit_codes[0] * len(p.periods) + p.period
    repeated = np.flatnonzero(pd.Index(key).duplicated(keep=False))
    if not repeated.size:
        return ""
    groups = list(pd.Series(repeated).groupby(key[repeated], sort=False).indices.values())
    found = listing([f"{p.keys([repeated[g[0]]])[0]} in {rows(repeated[g].tolist())}"
                     for g in groups[:MAX_LISTED]], len(groups))
    if p.unit is None:
        period = f" and column {p.by!r}" if p.by is not None else ""
        return (f"the row labels{period} name units more than once: {found}; pass unit= a column "
                "of unique unit names")
    if p.by is None:
        return f"column {p.unit!r} has duplicate units: {found}"
    return f"columns {p.unit!r}, {p.by!r} have duplicate unit–period rows: {found}"


def _gaps(p: Panel) -> str:
    """Name the unit–period cells without a row."""
    absent = p.gaps()
    if not len(absent):
        return ""
    cells = [f"{u}/{t}" for u, t in absent[:MAX_LISTED]]
    return (f"the panel is unbalanced: no row for {named('unit', cells, len(absent))}; every unit "
            "needs a row in every period")


def _signs(p: Panel, rule: Rule, bad: Callable[[np.ndarray], np.ndarray], what: str) -> list[str]:
    """Name the cells where ``bad`` holds, column by column; each reason once, after its columns."""
    reasons = dict(rule) if isinstance(rule, Mapping) else dict.fromkeys(rule, "")
    problems: dict[str, list[str]] = {}
    for c, reason in reasons.items():
        x = p.frame[c].to_numpy()  # a checked float column: no copy
        pos = np.flatnonzero(bad(x))
        if pos.size:
            problems.setdefault(reason, []).append(
                f"column {c!r} has {what} values in {p.where(pos, x[pos[:MAX_LISTED]])}")
    return ["; ".join(found + ([reason] if reason else [])) for reason, found in problems.items()]
