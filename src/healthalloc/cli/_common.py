"""Helpers shared by the subcommands: list arguments, engine options, reading and writing
tables."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from healthalloc.data.output import write_file, write_tables
from healthalloc.engine import ENGINES
from healthalloc.params import column_list

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_command", "add_engine_options", "add_input_file", "add_output", "column_list", "input_paths",
           "load", "write_json", "write_table"]

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


def add_output(parser: argparse.ArgumentParser, help: str = WRITE_OR_PRINT, **kwargs) -> None:
    """``-o/--output`` (a path; ``kwargs`` as for ``add_argument``)."""
    parser.add_argument("-o", "--output", type=Path, help=help, **kwargs)


def add_input_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="data table: .csv (UTF-8 or GBK), .xlsx or .parquet")
    parser.add_argument("--sheet", help="sheet name of an .xlsx file (default: the first)")


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """--engine, --scheduler and --workers, passed on as ``engine=``, ``scheduler=``,
    ``workers=`` (see :mod:`healthalloc.engine`)."""
    group = parser.add_argument_group("engine (where the LPs run; results are identical)")
    group.add_argument("--engine", choices=ENGINES, default="serial",
                       help="serial: this process (default); processes: a pool of local "
                       "processes; dask: a Dask cluster (see --scheduler)")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --engine "
                       "dask; default: start a local cluster for this run)")
    group.add_argument("--workers", type=int, metavar="N",
                       help="worker processes of the local pool or local Dask cluster "
                       "(default: all cores)")


def load(args: argparse.Namespace) -> pd.DataFrame:
    from healthalloc.data.io import read_table

    return read_table(args.file, sheet=args.sheet)


def input_paths(args: argparse.Namespace) -> list[Path]:
    """Every file the command reads (its path arguments other than ``--output``)."""
    return [v for k, v in vars(args).items() if isinstance(v, Path) and k != "output"]


def write_table(frame: pd.DataFrame, out: Path | None, *, digits: int = 3,
                inputs: list[Path] | tuple = ()) -> None:
    """Write ``frame`` to ``out`` (.csv or .xlsx, full precision, atomically; never over
    a folder or one of ``inputs``) or print it rounded."""
    if out is None:
        import pandas as pd

        with pd.option_context("display.max_rows", 500, "display.max_columns", 50,
                               "display.width", 200):
            print(frame.round(digits).to_string(index=False))
        return
    write_tables(out, {"results": frame}, inputs=inputs, suffixes=(".csv", ".xlsx"))
    print(f"wrote {out}")


def write_json(data: dict, path: Path | None, inputs: list[Path] | tuple = ()) -> None:
    """``data`` as JSON (numpy scalars as numbers, non-finite numbers as null) to ``path``,
    atomically, or printed."""
    text = json.dumps({k: _plain(v) for k, v in data.items()}, indent=2, ensure_ascii=False) + "\n"
    if path is None:
        print(text, end="")
        return
    write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), inputs=inputs, suffixes=(".json",))
    print(f"wrote {path}")


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and not math.isfinite(value) else value
