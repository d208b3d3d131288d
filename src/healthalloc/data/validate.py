"""Errors of bad input data, checks of column names, and the checks of a DEA table.

Rows and cells are checked by :func:`~healthalloc.data.panel.check_panel`, which names
rows in messages. One rule per concept, used by every subcommand: ids keep their written
form (:func:`id_column`, :func:`id_positions`), amounts, flows and costs are finite and
≥ 0 (:func:`check_nonnegative`), coordinates fit their metric (:func:`check_coordinates`),
and a problem in a table names the file it was read from (:func:`naming_files`).
"""

from __future__ import annotations

import os
import shlex
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthalloc.data.messages import MAX_LISTED, did_you_mean, listing, named, rows, show, with_source
from healthalloc.params import Param

if TYPE_CHECKING:
    from healthalloc.data.panel import Panel

__all__ = [
    "CSV_SEPARATORS",
    "METRICS",
    "OTHER_SHEETS",
    "DataError",
    "UnknownNameError",
    "check_columns",
    "check_coordinates",
    "check_dea_data",
    "check_nonnegative",
    "fail",
    "id_column",
    "id_positions",
    "layout_hint",
    "naming_files",
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
    option = book.get("option", "--sheet ")  # the command line's spelling for this table
    return (f"{'it is' if len(unknown) == 1 else 'they are'} on sheet {sheet!r} of {book['file']}, "
            f"not on sheet {book['sheet']!r} that was read: pass {option}{shlex.quote(str(sheet))} "
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


_CANONICAL = r"0|-?[1-9][0-9]{0,17}"  # an integer as written canonically, within int64

METRICS = ("euclidean", "great_circle")
METRIC = Param("metric", "euclidean", "distance between coordinates: euclidean (planar, as seed 003) or "
               "great_circle (km, from longitude and latitude in degrees)", choices=METRICS)
"""Distances between points: in the coordinates' own units, or great-circle km from degrees."""


def id_column(raw: pd.Series, *, source: str | None = None, unique: str | None = None) -> pd.Series:
    """Ids as written: int64 when every id is an integer in its canonical form (``7``,
    ``-12``; not ``07``, ``+7`` or ``7.0``), else text (spaces around it stripped).

    So ``01`` and ``1`` are two ids, and a column of canonical integers matches the same
    ids read as text: compare ids with :func:`id_positions`. Read id columns as written
    (``read_table(text=...)``); numbers a reader has already typed count by their value
    (integers, and whole floats: an integer column with blank cells).

    Parameters
    ----------
    raw : Series
        The id column.
    source : str, optional
        Table name that starts messages (``"nodes"``, ``"demand"``).
    unique : str, optional
        When the ids must be unique, the noun naming them in the message (``"node ids"``).

    Raises
    ------
    DataError
        Missing ids (naming the rows) and, with ``unique``, repeated ids (as written).

    Examples
    --------
    >>> id_column(pd.Series(["1", "2", "10"])).tolist(), id_column(pd.Series(["01", "1"])).tolist()
    ([1, 2, 10], ['01', '1'])
    """
    missing = raw.isna().to_numpy()
    if pd.api.types.is_integer_dtype(raw.dtype) and not missing.any():
        ids = raw.astype(np.int64)
    else:
        text = raw.map(_written, na_action="ignore")
        missing = missing | (text == "").to_numpy()
        if missing.any():
            raise DataError(with_source(f"{raw.name} is missing at {rows(np.flatnonzero(missing).tolist())}",
                                        source))
        ids = text.astype(np.int64) if text.str.fullmatch(_CANONICAL).all() else text.astype(object)
    if unique is not None and ids.duplicated().any():
        repeated = ids[ids.duplicated()].unique()
        raise DataError(with_source(f"repeated {unique} {listing([str(v) for v in repeated])}; ids must be unique",
                                    source))
    return ids


def _written(value: object) -> str:
    """A cell as its id text: whole numbers without a decimal point, text stripped."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def id_positions(values: pd.Series | pd.Index, ids: pd.Index) -> np.ndarray:
    """Position in ``ids`` of each of ``values`` (−1 where absent), both as :func:`id_column`
    returns them (``ids`` unique): ids compare by their written form, so ``10`` of a column
    of canonical integers matches ``"10"`` of a text column, and ``"010"`` matches neither."""
    return pd.Index(ids.astype(str)).get_indexer(pd.Index(values.astype(str)))


def check_nonnegative(raw, *, column: str, source: str | None = None,
                      label: Callable[[int], str] | None = None) -> np.ndarray:
    """``raw`` (a column of amounts, flows or costs) as floats; every value must be a
    finite number ≥ 0.

    ``label(k)`` names position ``k`` in the message (default ``"row k+1"``).

    Raises
    ------
    DataError
        Naming the first positions whose value is missing, not a number, infinite or
        negative, with the value as written.
    """
    raw = pd.Series(raw)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
    if bad.size:
        name = label or (lambda k: f"row {k + 1}")
        cells = [f"{name(k)} ({show(raw.iat[k])})" for k in bad[:MAX_LISTED]]
        raise DataError(with_source(f"{column} must be finite numbers ≥ 0; not at {listing(cells, bad.size)}",
                                    source))
    return values


def check_coordinates(frame: pd.DataFrame, x: str, y: str, *, metric: str = "great_circle",
                      source: str | None = None, ids: Sequence | None = None) -> np.ndarray:
    """The coordinates ``frame[[x, y]]`` as an (n, 2) float array, checked for ``metric``.

    ``"great_circle"``: longitude ``x`` and latitude ``y`` in degrees, ``|x| ≤ 180`` and
    ``|y| ≤ 90``; ``"euclidean"``: finite numbers in any unit (projected metres, km).

    Parameters
    ----------
    frame : DataFrame
        One row per point.
    x, y : str
        Coordinate columns.
    metric : {"euclidean", "great_circle"}
    source : str, optional
        Table name that starts messages.
    ids : sequence, optional
        Point ids naming the rows in messages (default: the frame's index).

    Raises
    ------
    DataError
        Unknown columns; coordinates missing, not numbers, infinite or (great-circle) out of
        range, naming the points.
    """
    METRIC.require(metric)
    check_columns(frame, [x, y], source=source)
    labels = frame.index if ids is None else pd.Index(ids)
    xy = np.empty((len(frame), 2))
    for k, column in enumerate((x, y)):
        raw = frame[column]
        xy[:, k] = pd.to_numeric(raw, errors="coerce").to_numpy(float)
        bad = ~np.isfinite(xy[:, k])
        if bad.any():
            raise DataError(with_source(f"{column} must be finite numbers; not at {_at(labels, raw, bad)}", source))
    if metric == "great_circle":
        for k, (column, limit) in enumerate(((x, 180), (y, 90))):
            bad = np.abs(xy[:, k]) > limit
            if bad.any():
                raise DataError(with_source(
                    f"{column} must lie in [−{limit}, {limit}] degrees; not at {_at(labels, frame[column], bad)} "
                    f"(are {x} and {y} swapped, or projected rather than longitude and latitude?)", source))
    return xy


def _at(labels: pd.Index, raw: pd.Series, bad: np.ndarray) -> str:
    """``"id 'a' (200) and 'c' (x)"``: the points at ``bad`` with their values as written."""
    at = np.flatnonzero(bad)
    cells = [f"{show(labels[k])} ({show(raw.iat[k])})" for k in at[:MAX_LISTED]]
    return "id " + listing(cells, at.size)


@contextmanager
def naming_files(**files: str | os.PathLike | None) -> Iterator[None]:
    """Inside, a :class:`DataError` or a warning whose message starts with a table's name
    (``"nodes: ..."``) names the table's file instead (``"cities.csv: ..."``).

    Library functions name the tables they check (``nodes``, ``edges``, ``demand``, ...); a
    command that read them from files says which file holds the problem:
    ``with naming_files(nodes=args.nodes, edges=args.edges): ...``. Tables given None keep
    their name.
    """
    names = {f"{table}: ": f"{Path(path).name}: " for table, path in files.items() if path is not None}

    def rename(text: str) -> str:
        start = next((t for t in names if text.startswith(t)), None)
        return text if start is None else names[start] + text[len(start):]

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            yield
    except DataError as error:
        if rename(str(error)) == str(error):
            raise
        raise type(error)(rename(str(error))) from None
    finally:
        for w in caught:
            warnings.warn_explicit(rename(str(w.message)), w.category, w.filename, w.lineno)
