"""``healthalloc data``: list the embedded data sets and export one to a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from healthalloc.cli._common import add_command, write_table
from healthalloc.data import DATASETS, describe
from healthalloc.data.datasets import _dataset
from healthalloc.data.validate import DataError
from healthalloc.params import Param, Params, suggest

EXAMPLE = """\
examples:
  healthalloc data list
  healthalloc data describe china_provinces
  healthalloc data export cst_hospitals hospitals.csv
  healthalloc data export china_provinces provinces.xlsx
  healthalloc data export china_cities towns.csv --id geonameid

For the boundary data sets (GeoJSON) the export is the features' properties, one row each.
With --id COLUMN the file starts with a column id, a copy of COLUMN (the data set's columns
follow unchanged): the column the access and optimize commands read as the id by default,
so the 2,105 populated places of china_cities serve as demand and candidates as written:
  healthalloc optimize location --demand towns.csv --candidates towns.csv --model pmedian --p 50 -o sites.csv
"""

#: The options of ``data export`` beyond the file names.
EXPORT = Params(Param("id", None, "write a first column id, a copy of COLUMN (e.g. geonameid for china_cities; "
                      "'healthalloc data describe NAME' marks a data set's id column [id])", kind=str,
                      metavar="COLUMN"))


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "data", "The data sets shipped with healthalloc (the examples and the reference "
                    "tests use them): list them, read one's data dictionary, or export one to a file to run "
                    "the commands on.", EXAMPLE)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="name and one-line description of each data set",
                                 description="Name and one-line description of each embedded data set.")
    listing.set_defaults(func=run_list)
    about = actions.add_parser("describe", help="data dictionary of a data set",
                               description="Origin, licence, caveats and every column's meaning, "
                               "unit and status of an embedded data set.")
    about.add_argument("name", help="data set name (see 'healthalloc data list')")
    about.set_defaults(func=run_describe)
    export = actions.add_parser("export", help="write a data set as .csv (UTF-8) or .xlsx",
                                description="Write an embedded data set to a new .csv (UTF-8) or "
                                ".xlsx file; an existing file is replaced only with --overwrite.")
    export.add_argument("name", help="data set name (see 'healthalloc data list')")
    export.add_argument("output", type=Path, metavar="FILE", help="new file ending in .csv or .xlsx")
    export.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    EXPORT.add_to(export)
    export.set_defaults(func=run_export)


def run_list(args: argparse.Namespace) -> int:
    width = max(map(len, DATASETS))
    for name, dataset in DATASETS.items():
        print(f"{name:<{width}}  {dataset.title}")
    return 0


def run_describe(args: argparse.Namespace) -> int:
    print(describe(args.name))
    return 0


def run_export(args: argparse.Namespace) -> int:
    dataset = _dataset(args.name)
    table = dataset.load()
    if args.id is not None:
        table = with_id(table, args.id, args.name)
    write_table(table, args.output, overwrite=args.overwrite)
    return 0


def with_id(table, column: str, name: str):
    """``table`` with a first column ``id``, a copy of ``column`` (``id`` itself: moved first)."""
    if column not in table.columns:
        raise DataError(f"{name} has no column {column!r}{suggest(column, list(map(str, table.columns)))}")
    if "id" in table.columns and column != "id":
        raise DataError(f"{name} has a column id already; give --id id, or leave --id out")
    out = table.drop(columns="id", errors="ignore")
    out.insert(0, "id", table[column])
    return out
