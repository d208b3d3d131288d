"""``healthalloc data``: list the embedded data sets and export one to a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from healthalloc.cli._common import add_command, write_table
from healthalloc.data import DATASETS, describe
from healthalloc.data.datasets import _dataset

EXAMPLE = """\
examples:
  healthalloc data list
  healthalloc data describe china_provinces
  healthalloc data export cst_hospitals hospitals.csv
  healthalloc data export china_provinces provinces.xlsx

For the boundary data sets (GeoJSON) the export is the features' properties, one row each.
"""


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
    write_table(dataset.load(), args.output, overwrite=args.overwrite)
    return 0
