"""Read a study's table from CSV, Excel (.xlsx) or Parquet, keeping Chinese text intact."""

from __future__ import annotations

import csv
import io
import os
import warnings
from itertools import islice
from pathlib import Path

import pandas as pd

from healthalloc.data.messages import listing
from healthalloc.data.validate import CSV_SEPARATORS, OTHER_SHEETS, DataError

__all__ = ["CSV_ENCODINGS", "read_table"]

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
"""Encodings tried in turn for CSV files: UTF-8 (with or without BOM), then GB18030 (⊃ GBK, GB2312)."""

_CSV = (".csv",)
_EXCEL = (".xlsx", ".xlsm")
_PARQUET = (".parquet", ".pq")
_SNIFFED_LINES = 50  # lines of a CSV file the column separator is detected on


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a table, choosing the reader from the file extension.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.xlsx``/``.xlsm`` or ``.parquet``/``.pq`` file.
    sheet : str or int, optional
        Excel only: sheet name or 0-based index; the first sheet by default.
    encoding : str, optional
        CSV only: text encoding. By default UTF-8 (BOM or not) is tried, then GB18030,
        which also reads GBK files saved by Chinese-locale Excel.

    Returns
    -------
    DataFrame
        Column names stripped of surrounding whitespace. The CSV column separator
        (comma, semicolon, tab or ``|``) is detected on the first lines, with a warning
        when it is not a comma. A table read from a workbook of several sheets keeps the
        other sheets' column names, so that :func:`~healthalloc.data.check_columns` can
        say which sheet holds columns missing from this one.

    Raises
    ------
    DataError
        Unknown extension, undecodable, empty or ragged CSV, unknown sheet, an option that
        does not apply to the format, or two columns whose names are equal once stripped.
    """
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in _CSV + _EXCEL + _PARQUET:
        if kind == ".xls":
            raise DataError(f"{path.name}: legacy .xls files are not read; save the sheet as .xlsx")
        known = listing(_CSV + _EXCEL + _PARQUET)
        raise DataError(f"{path.name}: unknown file type {kind or '(no extension)'!r}; expected {known}")
    if sheet is not None and kind not in _EXCEL:
        raise DataError(f"{path.name}: sheet= applies to Excel files only")
    if encoding is not None and kind not in _CSV:
        raise DataError(f"{path.name}: encoding= applies to CSV files only")
    if kind in _CSV:
        df = _read_csv(path, encoding)
    elif kind in _EXCEL:
        df = _read_excel(path, sheet)
    else:
        df = pd.read_parquet(path, engine="pyarrow")
    return _strip_names(df, path.name)


def _decode(path: Path, encoding: str | None) -> str:
    """The text of ``path`` in ``encoding``, or in the first of ``CSV_ENCODINGS`` that fits."""
    raw = path.read_bytes()
    for candidate in (encoding,) if encoding else CSV_ENCODINGS:
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError as error:
            failure = error
    tried = encoding or " or ".join(CSV_ENCODINGS)
    raise DataError(
        f"{path.name}: cannot decode as {tried} (byte {failure.start}); pass encoding=, e.g. 'big5'"
    )


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    """A CSV file, split at the separator detected on its first lines."""
    text = _decode(path, encoding)
    separator = _separator(text)
    name = CSV_SEPARATORS[separator]
    if separator != ",":
        warnings.warn(f"{path.name}: read with {name}s ({separator!r}) between columns, "
                      f"detected on its first lines", stacklevel=3)
    try:
        return pd.read_csv(io.StringIO(text), sep=separator)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: the file is empty") from None
    except pd.errors.ParserError as error:
        detail = str(error).strip().removeprefix("Error tokenizing data. C error: ")
        raise DataError(f"{path.name}: not a table with {name}s between columns: {detail}") from None


def _separator(text: str) -> str:
    """The column separator among :data:`CSV_SEPARATORS` that splits the first lines consistently.

    A comma when none does (one column) or when a comma does as well as another.
    """
    sample = "".join(islice(io.StringIO(text), _SNIFFED_LINES))
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(CSV_SEPARATORS)).delimiter
    except csv.Error:
        return ","


def _read_excel(path: Path, sheet: str | int | None) -> pd.DataFrame:
    """One sheet of an .xlsx workbook (the first by default), with the other sheets' column names."""
    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = book.sheet_names
        if sheet is None:
            sheet = 0
        if sheet not in names and not (isinstance(sheet, int) and -len(names) <= sheet < len(names)):
            sheets = ", ".join(repr(n) for n in names)
            raise DataError(f"{path.name}: no sheet {sheet!r}; the workbook has {sheets}")
        read = names[sheet] if isinstance(sheet, int) else sheet
        df = pd.read_excel(book, sheet_name=read)
        others = {n: _strip(pd.read_excel(book, sheet_name=n, nrows=0).columns) for n in names if n != read}
    if others:
        df.attrs[OTHER_SHEETS] = {"file": path.name, "sheet": read, "columns": others}
    return df


def _strip_names(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Strip whitespace around text column names; refuse names that then collide."""
    stripped = _strip(df.columns)
    clashes = sorted({repr(c) for c in stripped if stripped.count(c) > 1})
    if clashes:
        raise DataError(f"{name}: column names {', '.join(clashes)} repeat once whitespace is stripped")
    return df.set_axis(stripped, axis="columns")


def _strip(names: pd.Index) -> list[object]:
    """Column names with whitespace stripped around text names."""
    return [c.strip() if isinstance(c, str) else c for c in names]
