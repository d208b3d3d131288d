"""Read a study's table from CSV, Excel (.xlsx) or Parquet, keeping Chinese text intact."""

from __future__ import annotations

import csv
import io
import os
import unicodedata
import warnings
from collections.abc import Callable, Sequence
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
_SCORED = 100_000  # characters of a CSV file its encoding is judged on


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    text: Sequence[str | int] | Callable[[pd.Index], Sequence[str]] = (),
) -> pd.DataFrame:
    """Read a table, choosing the reader from the file extension.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.xlsx``/``.xlsm`` or ``.parquet``/``.pq`` file.
    sheet : str or int, optional
        Excel only: sheet name or 0-based index; the first sheet by default.
    encoding : str, optional
        CSV only: text encoding. By default UTF-8 (BOM or not), or GB18030 (which also
        reads GBK files saved by Chinese-locale Excel) when the bytes are not UTF-8 or read
        as common Chinese only in GB18030; a warning says when GB18030 was used.
    text : sequence of str or int, or callable
        CSV and Excel: columns kept as written (text), e.g. ids such as ``01`` that would
        otherwise be read as the number 1: names (those absent from the file are ignored),
        0-based positions, or a function of the column names returning names.

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
    if text and kind in _PARQUET:
        text = ()  # Parquet keeps its column types: ids written as text are text
    if kind in _CSV:
        df = _read_csv(path, encoding, text)
    elif kind in _EXCEL:
        df = _read_excel(path, sheet, text)
    else:
        df = pd.read_parquet(path, engine="pyarrow")
    return _strip_names(df, path.name)


def _decode(path: Path, encoding: str | None) -> str:
    """The text of ``path`` in ``encoding``, or in the one of ``CSV_ENCODINGS`` that reads as
    common text (see :func:`_reads_better`), with a warning when that is not UTF-8."""
    raw = path.read_bytes()
    if encoding is None and raw.isascii():
        return raw.decode("ascii")
    texts: dict[str, str] = {}
    for candidate in (encoding,) if encoding else CSV_ENCODINGS:
        try:
            texts[candidate] = raw.decode(candidate)
        except UnicodeDecodeError as error:
            failure = error
        except LookupError:
            raise DataError(f"{path.name}: unknown encoding {candidate!r}; e.g. utf-8, gb18030, big5") from None
    if not texts:
        tried = encoding or " or ".join(CSV_ENCODINGS)
        raise DataError(f"{path.name}: cannot decode as {tried} (byte {failure.start}); pass encoding=, "
                        "e.g. 'big5' (--encoding on the command line)")
    if encoding:
        return texts[encoding]
    utf8, chinese = texts.get(CSV_ENCODINGS[0]), texts.get(CSV_ENCODINGS[1])
    if utf8 is not None and (chinese is None or not _reads_better(chinese, utf8)):
        return utf8
    warnings.warn(f"{path.name}: read as GB18030 (GBK), not UTF-8; pass encoding= (--encoding) if that is wrong",
                  stacklevel=4)
    return chinese


def _reads_better(chinese: str, utf8: str) -> bool:
    """Bytes that decode both ways are GB18030 when that reading is common Chinese (≥ 90% of
    its non-ASCII characters) and the UTF-8 reading is less plausible: GBK's ``医院A`` reads
    in UTF-8 as ``ҽԺA``, letters of three scripts side by side."""
    share = plausible_share(chinese[:_SCORED], words=False)
    return share >= 0.9 and share > plausible_share(utf8[:_SCORED])


def plausible_share(text: str, *, words: bool = True) -> float:
    """Share of the non-ASCII characters of ``text`` that are common Chinese (in GB2312's
    hanzi, punctuation or full-width rows) or, with ``words``, letters next to a letter of
    the same script (``é`` in ``Café``, ``Петров``); 1.0 without non-ASCII characters."""
    wide = [i for i, c in enumerate(text) if ord(c) > 127]
    if not wide:
        return 1.0
    return sum(_chinese(text[i]) or (words and _in_word(text, i)) for i in wide) / len(wide)


def _chinese(char: str) -> bool:
    try:
        lead = char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return lead in (0xA1, 0xA3) or lead >= 0xB0  # punctuation, full-width forms, hanzi


def _in_word(text: str, i: int) -> bool:
    script = _script(text[i])
    return script is not None and any(0 <= j < len(text) and _script(text[j]) == script for j in (i - 1, i + 1))


def _script(char: str) -> str | None:
    """The script of a letter (``LATIN``, ``CYRILLIC``, ...), None for anything else."""
    return unicodedata.name(char, "").split(" ")[0] or None if char.isalpha() else None


def _read_csv(path: Path, encoding: str | None, text=()) -> pd.DataFrame:
    """A CSV file, split at the separator detected on its first lines; ``text`` columns as written."""
    content = _decode(path, encoding)
    separator = _separator(content)
    name = CSV_SEPARATORS[separator]
    if separator != ",":
        warnings.warn(f"{path.name}: read with {name}s ({separator!r}) between columns, "
                      f"detected on its first lines", stacklevel=3)
    try:
        _check_header(next(csv.reader(io.StringIO(content), delimiter=separator), []), path.name)
        header = pd.read_csv(io.StringIO(content), sep=separator, nrows=0, index_col=False).columns
        return pd.read_csv(io.StringIO(content), sep=separator, dtype=_as_written(header, text), index_col=False)
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


def _as_written(names: pd.Index, text) -> dict | None:
    """The ``dtype=`` reading the ``text`` columns (names, positions or a function of the
    names) as written."""
    if not text:
        return None
    chosen = text(names) if callable(text) else [names[c] if isinstance(c, int) else c for c in text
                                                 if not isinstance(c, int) or c < len(names)]
    return dict.fromkeys(chosen, str)


def _check_header(names: list, file: str) -> None:
    """Refuse a header naming one column twice (pandas would rename the second ``name.1``)."""
    seen = [str(n) for n in names if n is not None and str(n).strip()]
    twice = sorted({n for n in seen if seen.count(n) > 1})
    if twice:
        raise DataError(f"{file}: the header names column {twice[0]!r} more than once; give each column its own name")


def _read_excel(path: Path, sheet: str | int | None, text=()) -> pd.DataFrame:
    """One sheet of an .xlsx workbook (the first by default), with the other sheets' column names."""
    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = book.sheet_names
        if sheet is None:
            sheet = 0
        if sheet not in names and not (isinstance(sheet, int) and -len(names) <= sheet < len(names)):
            sheets = ", ".join(repr(n) for n in names)
            raise DataError(f"{path.name}: no sheet {sheet!r}; the workbook has {sheets}")
        read = names[sheet] if isinstance(sheet, int) else sheet
        first = pd.read_excel(book, sheet_name=read, header=None, nrows=1)
        _check_header(first.iloc[0].tolist() if len(first) else [], path.name)
        header = pd.read_excel(book, sheet_name=read, nrows=0).columns
        df = pd.read_excel(book, sheet_name=read, dtype=_as_written(header, text))
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
