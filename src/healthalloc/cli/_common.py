"""Helpers shared by the subcommands: list arguments, engine options, reading and writing
tables."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from healthalloc.data.output import table_writer, write_files
from healthalloc.engine import ENGINE
from healthalloc.params import column_list

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_command", "add_engine_options", "add_input_file", "add_output", "add_read_options", "column_list",
           "beside_path", "blame", "input_paths", "load", "read", "write_table"]

#: The ``-o`` help of a command that prints its table unless told to write it.
WRITE_OR_PRINT = "write .csv or .xlsx instead of printing"


def add_command(sub: argparse._SubParsersAction, name: str, description: str, example: str | None = None,
                **kwargs) -> argparse.ArgumentParser:
    """The parser of subcommand ``name``: its one-line help from
    :data:`healthalloc.cli.SUBCOMMANDS` (or ``help=``), ``description``, and ``example``
    as the epilog, printed as written."""
    if "help" not in kwargs:
        from healthalloc.cli import SUBCOMMANDS

        kwargs["help"] = SUBCOMMANDS[name]
    if example is not None:
        kwargs |= {"epilog": example, "formatter_class": argparse.RawDescriptionHelpFormatter}
    return sub.add_parser(name, description=description, **kwargs)


def add_output(parser: argparse.ArgumentParser, help: str = WRITE_OR_PRINT, *, folder: bool = False,
               flags: tuple[str, ...] = ("-o", "--output"), **kwargs) -> None:
    """``-o/--output`` (a path; ``kwargs`` as for ``add_argument``; ``flags``: only ``-o`` where
    ``--output`` names a column) and, for a file output, ``--overwrite``. A folder output
    replaces only healthalloc's own unchanged earlier output."""
    parser.add_argument(*flags, dest="output", type=Path, help=help, **kwargs)
    if not folder:
        parser.add_argument("--overwrite", action="store_true",
                            help="replace OUT, and the files written beside it, if they exist (without it an "
                            "existing file is never replaced)")


def add_input_file(parser: argparse.ArgumentParser, tables: tuple[str, ...] = ()) -> None:
    """The data file argument with ``--sheet`` and ``--encoding`` (``tables``: the names of
    the tables the command reads, ``data`` first, when it reads several)."""
    parser.add_argument("file", type=Path, help="data table: .csv (UTF-8 or GBK), .xlsx or .parquet")
    add_read_options(parser, tables)


def add_read_options(parser: argparse.ArgumentParser, tables: tuple[str, ...] = ()) -> None:
    """``--sheet`` and ``--encoding`` for the tables the command reads; with several
    ``tables`` (e.g. ``("demand", "supply")``) each may be named: ``--sheet supply=Beds``."""
    which = (" of every table read, or TABLE=NAME for one of " + ", ".join(tables)) if tables else ""
    parser.add_argument("--sheet", action="append", metavar="NAME" if not tables else "[TABLE=]NAME",
                        help=f"sheet of an .xlsx file{which} (default: the first sheet)")
    parser.add_argument("--encoding", action="append", metavar="ENC" if not tables else "[TABLE=]ENC",
                        help=f"text encoding of a .csv file{which.replace('sheet', 'encoding')} (default: UTF-8, "
                        "or GB18030/GBK when the bytes read as Chinese only that way, which is said)")
    parser.set_defaults(tables_read=tables)


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """--engine, --scheduler and --workers, passed on as ``engine=``, ``scheduler=``,
    ``workers=`` (see :mod:`healthalloc.engine`)."""
    ENGINE.add_to(parser.add_argument_group("engine (where the LPs run; results are identical)"))


def load(args: argparse.Namespace) -> pd.DataFrame:
    """The command's data file (``args.file``) with its ``--sheet`` and ``--encoding``."""
    return read(args, args.file, "data")


def read(args: argparse.Namespace, path: Path | None, table: str | None = None,
         text=()) -> pd.DataFrame | None:
    """The table at ``path`` (None stays None) read with the ``--sheet`` and ``--encoding``
    given for ``table`` (or for every table); ``text`` columns as written (ids)."""
    if path is None:
        return None
    from healthalloc.data.io import read_table
    from healthalloc.data.validate import OTHER_SHEETS

    sheet, encoding = _for(args, "sheet", table, path), _for(args, "encoding", table, path)
    frame = read_table(path, sheet=sheet, encoding=encoding, text=text)
    hint = frame.attrs.get(OTHER_SHEETS)
    if hint is not None:
        hint["option"] = f"--sheet {table}=" if table and _named(args) else "--sheet "
    return frame


@contextmanager
def blame(path: Path) -> Iterator[None]:
    """Prefix a :class:`~healthalloc.data.DataError` raised inside the block with ``path``'s
    name: the file that holds the problem, not the command's main data file."""
    from healthalloc.data.validate import DataError

    try:
        yield
    except DataError as error:
        raise DataError(f"{path.name}: {error}") from None


def _named(args: argparse.Namespace) -> bool:
    """Whether the command reads several tables (so ``--sheet`` takes TABLE=NAME)."""
    return len(input_paths(args)) > 1


def _for(args: argparse.Namespace, option: str, table: str | None, path: Path) -> str | None:
    """The value of ``--option`` for ``table``: its ``TABLE=VALUE``, else a plain VALUE, else
    None; a plain value applies only where the file type takes it (sheets: .xlsx; encodings: .csv)."""
    values = getattr(args, option, None) or []
    named = dict(v.split("=", 1) for v in values if "=" in v)
    plain = [v for v in values if "=" not in v]
    known = [t for t in getattr(args, "tables_read", ()) if " " not in t] + [n for n, _ in getattr(args, "edgecov", [])]
    unknown = [t for t in named if t not in known]
    if unknown:
        which = f"name one of {', '.join(known)}" if known else f"this command reads one table: give --{option} VALUE"
        raise ValueError(f"--{option} {unknown[0]}={named[unknown[0]]}: no table {unknown[0]!r} here; {which}")
    kind = path.suffix.lower()
    applies = kind in (".xlsx", ".xlsm") if option == "sheet" else kind == ".csv"
    if table in named:
        if not applies:
            raise ValueError(f"--{option} {table}={named[table]}: {path.name} is not "
                             f"{'an .xlsx workbook' if option == 'sheet' else 'a .csv file'}")
        return named[table]
    return plain[-1] if plain and applies else None


def input_paths(args: argparse.Namespace) -> list[Path]:
    """Every file the command reads (its path arguments other than ``--output``)."""
    return [v for k, v in vars(args).items() if isinstance(v, Path) and k != "output"]


def write_table(frame: pd.DataFrame, out: Path | None, *, digits: int = 3, inputs: list[Path] | tuple = (),
                overwrite: bool = False, beside: dict[str, pd.DataFrame | dict] | None = None) -> None:
    """Write ``frame`` to ``out`` (.csv or .xlsx, full precision) and each of ``beside`` next to
    it, all together or none (atomically; an existing file replaced only with ``overwrite``;
    never over a folder or one of ``inputs``), or print them (tables rounded).

    ``beside`` maps a name ending to a table or a dict: ``"_units"`` writes ``OUT_units`` with
    OUT's extension, ``".summary.json"`` writes ``OUT.summary.json`` (a dict as JSON)."""
    beside = beside or {}
    if out is None:
        for item in [frame, *beside.values()]:
            _print(item, digits)
        return
    outputs = {out: table_writer(out, {"results": frame}, (".csv", ".xlsx"))}
    for ending, item in beside.items():
        path = beside_path(out, ending)
        outputs[path] = (_json_writer(item), (".json",)) if isinstance(item, dict) else \
            table_writer(path, {ending.strip("_.") or "results": item}, (".csv", ".xlsx"))
    written = write_files(outputs, inputs=inputs, overwrite=overwrite)
    print(f"wrote {', '.join(map(str, written))}")


def beside_path(out: Path, ending: str) -> Path:
    """The file written beside ``out``: ``_units`` → ``OUT_units`` with OUT's extension,
    ``.summary.json`` → ``OUT.summary.json``."""
    return out.with_name(out.stem + ending + ("" if Path(ending).suffix else out.suffix))


def _print(item, digits: int) -> None:
    """A table with ``digits`` decimals, except float columns holding values that would
    round to 0 (2.5e-08 beds per person), shown in ``digits`` significant digits; a dict as JSON."""
    if isinstance(item, dict):
        print(_json(item), end="")
        return
    import pandas as pd

    floats = item.select_dtypes("number").columns
    tiny = [c for c in floats if ((item[c] != 0) & (item[c].round(digits) == 0)).any()]
    rounded = item.round({c: digits for c in floats if c not in tiny})
    formatters = {c: (lambda v: f"{v:.{digits}g}") for c in tiny}
    with pd.option_context("display.max_rows", 500, "display.max_columns", 50, "display.width", 200):
        print(rounded.to_string(index=False, formatters=formatters))


def _json(data: dict) -> str:
    """``data`` as JSON text (numpy scalars as numbers, non-finite numbers as null)."""
    return json.dumps({k: _plain(v) for k, v in data.items()}, indent=2, ensure_ascii=False) + "\n"


def _json_writer(data: dict):
    text = _json(data)
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and not math.isfinite(value) else value
