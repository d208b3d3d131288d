"""Checks of analysis tables whose errors name the file, the columns and the rows at fault.

Rows are named by the unit's value when a ``unit`` column is given (with the period,
``"Beijing/2014"``, when ``by`` is given too) and otherwise by 1-based data-row numbers
(row 1 is the first row under the header).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.data._messages import did_you_mean, listing, named, rows, show, with_source

__all__ = [
    "CSV_SEPARATORS",
    "OTHER_SHEETS",
    "DataError",
    "UnknownNameError",
    "check_columns",
    "check_dea_data",
    "layout_hint",
    "numeric_matrix",
]


CSV_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
"""Column separators :func:`~healthalloc.data.read_table` detects in CSV files, and their names."""

OTHER_SHEETS = "healthalloc.other_sheets"
"""Key of ``DataFrame.attrs`` where :func:`~healthalloc.data.read_table` keeps, for a table read
from one sheet of a workbook, ``{"file": name, "sheet": sheet read, "columns": {other sheet:
its column names}}``."""


class DataError(ValueError):
    """Input data an analysis cannot use; the message names file, columns and rows."""


class UnknownNameError(DataError, KeyError):
    """An unknown column, province or data set name (also a ``KeyError``)."""

    __str__ = BaseException.__str__  # KeyError would print the message in quotes


def _names(columns: str | Sequence[str] | None) -> list[str]:
    """A role given as one name, several names or None, as a list."""
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return list(columns)


def check_columns(df: pd.DataFrame, columns: str | Sequence[str], *, source: str | None = None) -> None:
    """Raise :class:`UnknownNameError` naming every entry of ``columns`` absent from ``df``.

    Close matches (case-insensitive) are suggested:
    ``"unknown column 'beds2'; did you mean 'beds'?"``. So is the likely cause when the
    table is one column whose name holds a separator (a semicolon- or tab-separated file
    read as comma-separated), or when the columns are on another sheet of the workbook
    the table was read from (see :data:`OTHER_SHEETS`).
    """
    unknown = [c for c in dict.fromkeys(_names(columns)) if c not in df.columns]
    if not unknown:
        return
    hints = [did_you_mean(c, df.columns) for c in unknown]
    if len(unknown) == 1:
        message = f"unknown column {unknown[0]!r}" + (f"; {hints[0]}" if hints[0] else "")
    else:
        parts = [f"{c!r}" + (f" ({h})" if h else "") for c, h in zip(unknown, hints)]
        message = "unknown columns " + ", ".join(parts)
    cause = layout_hint(df, unknown)
    raise UnknownNameError(with_source(message + (f"; {cause}" if cause else ""), source))


def layout_hint(df: pd.DataFrame, unknown: list[str]) -> str:
    """How to read the file so that the ``unknown`` columns are found, when ``df`` shows it, else ``""``:
    a one-column table whose name holds a separator, or columns found on another sheet.

    For checks that word their own "no column" message (the study runner); :func:`check_columns`
    appends it to its message.
    """
    header = str(df.columns[0]) if len(df.columns) == 1 else ""
    separators = [s for s in CSV_SEPARATORS if s != "," and s in header]
    if separators:
        shown = header if len(header) <= 60 else header[:57] + "..."
        return (f"the table is one column named {shown!r}: the file looks "
                f"{CSV_SEPARATORS[separators[0]]}-separated; save it as a comma-separated CSV "
                f"(or read it with sep={separators[0]!r})")
    book = df.attrs.get(OTHER_SHEETS)
    holding = [n for n, names in (book or {}).get("columns", {}).items() if set(unknown) <= set(names)]
    if not holding:
        return ""
    sheet = holding[0]
    return (f"{'it is' if len(unknown) == 1 else 'they are'} on sheet {sheet!r} of {book['file']}, "
            f"not on sheet {book['sheet']!r} that was read: pass --sheet {shlex.quote(str(sheet))} "
            f"(sheet = {str(sheet)!r} in a study, sheet= in read_table)")


@dataclass(frozen=True)
class _Table:
    """A table under check, with what is needed to name its rows in messages."""

    df: pd.DataFrame
    unit: str | None
    by: list[str]
    source: str | None

    def _labels(self, positions: Sequence[int]) -> tuple[str, list[str]]:
        """``("unit", ["A", "C"])``, or ``("row", ["3", "7"])`` (1-based) without usable unit ids."""
        if self.unit is not None:
            keys = self.df[[self.unit, *self.by]].iloc[positions]
            if not keys.isna().any(axis=None):
                return "unit", [_key_label(k) for k in keys.itertuples(index=False)]
        return "row", [str(p + 1) for p in positions]

    def where(self, positions: Sequence[int], values: Sequence[object] | None = None) -> str:
        """``"units A (0) and C (-2)"`` or ``"rows 3 and 7"`` for 0-based row positions."""
        noun, labels = self._labels(positions)
        if values is not None:
            labels = [f"{label} ({show(v)})" for label, v in zip(labels, values)]
        return named(noun, labels)

    def fail(self, problems: list[str]) -> None:
        """Raise one :class:`DataError` listing ``problems``, if there are any."""
        if problems:
            raise DataError(with_source("; ".join(problems), self.source))


def _key_label(key: tuple) -> str:
    """``"A"`` for a unit, ``"Beijing/2014"`` for a unit and its period."""
    return "/".join(map(str, key))


def _check_roles(t: _Table, roles: dict[str, list[str]]) -> None:
    """Each column may play one role once (an input cannot also be an output)."""
    played: dict[str, list[str]] = {}
    for role, columns in roles.items():
        for c in columns:
            played.setdefault(c, []).append(role)
    t.fail([
        f"column {c!r} is used more than once (as {' and '.join(r)})"
        for c, r in played.items()
        if len(r) > 1
    ])


def _check_nonempty(t: _Table, inputs: list[str], outputs: list[str]) -> None:
    """At least one input, one output and one row."""
    t.fail(
        (["no inputs given"] if not inputs else [])
        + (["no outputs given"] if not outputs else [])
        + (["the table has no rows"] if t.df.empty else [])
    )


def _check_numeric(t: _Table, columns: list[str]) -> pd.DataFrame:
    """Coerce ``columns`` to float (numeric text is accepted); name cells that are not numbers."""
    values, problems = {}, []
    for c in columns:
        cells = t.df[c].reset_index(drop=True)
        numbers = pd.to_numeric(cells, errors="coerce")
        bad = np.flatnonzero((cells.notna() & numbers.isna()).to_numpy())
        if bad.size:
            where = t.where(bad, cells.iloc[bad].tolist())
            problems.append(f"column {c!r} has non-numeric values in {where}")
        values[c] = numbers.to_numpy(dtype=float, na_value=np.nan)
    t.fail(problems)
    return pd.DataFrame(values, columns=columns)


def _check_missing(t: _Table, columns: pd.DataFrame) -> None:
    """Name missing (NaN/None/NA) and infinite cells per column."""
    problems = []
    for c, cells in columns.items():
        missing = cells.isna().to_numpy()
        if pd.api.types.is_float_dtype(cells):
            missing = missing | np.isinf(cells.to_numpy())
        bad = np.flatnonzero(missing)
        if bad.size:
            problems.append(f"column {c!r} has missing or infinite values in {t.where(bad)}")
    t.fail(problems)


def _check_duplicates(t: _Table) -> None:
    """One row per unit (per unit and period when ``by`` is given)."""
    if t.unit is None:
        return
    keys = [t.unit, *t.by]
    frame = t.df[keys].reset_index(drop=True)
    repeated = np.flatnonzero(frame.duplicated(keys, keep=False).to_numpy())
    if not repeated.size:
        return
    groups = [
        f"{_key_label(tuple(frame.iloc[repeated[pos[0]]]))} in {rows(list(repeated[pos]))}"
        for pos in frame.iloc[repeated].groupby(keys, sort=False).indices.values()
    ]
    columns = ", ".join(repr(k) for k in keys)
    if t.by:
        what = f"columns {columns} have duplicate unit–period rows"
    else:
        what = f"column {columns} has duplicate units"
    t.fail([f"{what}: {listing(groups)}"])


def _check_values(
    t: _Table, values: pd.DataFrame, bad: Callable[[np.ndarray], np.ndarray], what: str, need: str
) -> None:
    """Name the cells of ``values`` where ``bad`` holds, per column."""
    problems = []
    for c, cells in values.items():
        pos = np.flatnonzero(bad(cells.to_numpy()))
        if pos.size:
            problems.append(f"column {c!r} has {what} in {t.where(pos, cells.iloc[pos].tolist())}")
    if problems:
        t.fail(problems[:-1] + [f"{problems[-1]}; {need}"])


def _check_idle(t: _Table, outputs: pd.DataFrame) -> None:
    """No unit may produce nothing: DEA cannot rate a unit whose outputs are all zero."""
    pos = np.flatnonzero((outputs.to_numpy() == 0).all(axis=1))
    if pos.size:
        verb = "has" if pos.size == 1 else "have"
        columns = named("column", [repr(c) for c in outputs.columns])
        t.fail([f"{t.where(pos)} {verb} all outputs zero ({columns}); DEA needs some output > 0"])


def check_dea_data(
    df: pd.DataFrame,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    *,
    unit: str | None = None,
    by: str | Sequence[str] | None = None,
    source: str | None = None,
) -> None:
    """Raise :class:`DataError` if ``df`` cannot feed a DEA model.

    Checks, in order, stopping at the first that fails: unknown column names (with
    suggestions); a column used in two roles; no inputs, outputs or rows; non-numeric
    cells; missing or infinite cells; duplicate units (unit–period rows with ``by``);
    inputs ≤ 0; outputs < 0; units whose outputs are all zero.

    Parameters
    ----------
    df : DataFrame
        One row per unit (per unit and period with ``by``).
    inputs, outputs : str or sequence of str
        Input and output columns. Numeric text such as ``"1200"`` is accepted.
    unit : str, optional
        Column identifying units; names rows in messages and must be unique (per period).
    by : str or sequence of str, optional
        Period or group column(s), e.g. ``"year"`` for Malmquist panels.
    source : str, optional
        File name to start messages with.

    Examples
    --------
    >>> df = pd.DataFrame({"h": ["A", "B"], "beds": [10, 0], "visits": [5, 7]})
    >>> try:
    ...     check_dea_data(df, ["beds"], ["visits"], unit="h", source="h.csv")
    ... except DataError as error:
    ...     print(error)
    h.csv: column 'beds' has non-positive values in unit B (0); DEA needs every input > 0
    """
    inputs, outputs, by = _names(inputs), _names(outputs), _names(by)
    ids = _names(unit) + by
    check_columns(df, inputs + outputs + ids, source=source)
    t = _Table(df, unit, by, source)
    _check_roles(t, {"input": inputs, "output": outputs, "unit": _names(unit), "by": by})
    _check_nonempty(t, inputs, outputs)
    values = _check_numeric(t, inputs + outputs)
    _check_missing(t, pd.concat([values, df[ids].reset_index(drop=True)], axis=1))
    _check_duplicates(t)
    _check_values(t, values[inputs], lambda x: x <= 0, "non-positive values", "DEA needs every input > 0")
    _check_values(t, values[outputs], lambda y: y < 0, "negative values", "DEA needs every output ≥ 0")
    _check_idle(t, values[outputs])


def numeric_matrix(
    df: pd.DataFrame,
    columns: str | Sequence[str],
    *,
    unit: str | None = None,
    source: str | None = None,
) -> np.ndarray:
    """``df[columns]`` as a float array (rows × columns), after checking it holds only finite numbers.

    Raises :class:`DataError` naming unknown columns, non-numeric cells and missing or
    infinite cells (rows named by ``unit`` when given).
    """
    columns = _names(columns)
    check_columns(df, columns + _names(unit), source=source)
    t = _Table(df, unit, [], source)
    values = _check_numeric(t, columns)
    _check_missing(t, values)
    return values.to_numpy(dtype=float)
