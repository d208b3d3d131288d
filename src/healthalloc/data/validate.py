"""Errors of bad input data, checks of column names, and the checks of a DEA table.

Rows and cells are checked by :func:`~healthalloc.data.panel.check_panel`, which names
rows in messages.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthalloc.data.messages import did_you_mean, named, with_source

if TYPE_CHECKING:
    from healthalloc.data.panel import Panel

__all__ = [
    "CSV_SEPARATORS",
    "OTHER_SHEETS",
    "DataError",
    "UnknownNameError",
    "check_columns",
    "check_dea_data",
    "fail",
    "layout_hint",
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


def as_names(columns: str | Sequence[str] | None) -> list[str]:
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
    unknown = [c for c in dict.fromkeys(as_names(columns)) if c not in df.columns]
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


def _check_roles(roles: dict[str, list[str]], source: str | None) -> None:
    """Each column may play one role once (an input cannot also be an output)."""
    played: dict[str, list[str]] = {}
    for role, columns in roles.items():
        for c in columns:
            played.setdefault(c, []).append(role)
    fail([f"column {c!r} is used more than once (as {' and '.join(r)})"
           for c, r in played.items() if len(r) > 1], source)


def fail(problems: Sequence[str], source: str | None = None) -> None:
    """Raise one :class:`DataError` listing the non-empty ``problems``, if there are any."""
    problems = [p for p in problems if p]
    if problems:
        raise DataError(with_source("; ".join(problems), source))


def check_dea_data(
    df: pd.DataFrame,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    *,
    unit: str | None = None,
    by: str | None = None,
    source: str | None = None,
) -> Panel:
    """``df`` as a checked :class:`~healthalloc.data.Panel` of the inputs and outputs; raise
    :class:`DataError` if it cannot feed a DEA model.

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
    by : str, optional
        Period column, e.g. ``"year"`` for Malmquist panels.
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
    from healthalloc.data.panel import check_panel  # the panel module builds on this one

    inputs, outputs = as_names(inputs), as_names(outputs)
    check_columns(df, inputs + outputs + as_names(unit) + as_names(by), source=source)
    _check_roles({"input": inputs, "output": outputs, "unit": as_names(unit), "by": as_names(by)}, source)
    fail((["no inputs given"] if not inputs else [])
          + (["no outputs given"] if not outputs else [])
          + (["the table has no rows"] if df.empty else []), source)
    p = check_panel(df, inputs + outputs, unit=unit, by=by, source=source,
                    positive=dict.fromkeys(inputs, "DEA needs every input > 0"),
                    nonnegative=dict.fromkeys(outputs, "DEA needs every output ≥ 0"))
    idle = np.flatnonzero((p.values(outputs) == 0).all(axis=1))
    if idle.size:
        columns = named("column", [repr(c) for c in outputs])
        p.fail([f"{p.where(idle)} {'has' if idle.size == 1 else 'have'} all outputs zero "
                f"({columns}); DEA needs some output > 0"])
    return p
