"""``healthalloc qca``: fuzzy-set QCA from raw data to configuration charts."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from healthalloc.cli._common import add_input_file, column_list, input_paths, load
from healthalloc.data.output import check_output_folder, output_folder
from healthalloc.data.io import read_table
from healthalloc.qca import fsqca

EXAMPLE = """\
example (seed 000's Guangxi analysis, anchors from its Table 3):
  healthalloc qca guangxi.csv --unit city --outcome efficiency \\
      --conditions gdp_per_capita,urbanization_rate,average_wage \\
      --anchors anchors.csv --incl-cut 0.8 --pri-cut 0.7 --dir-exp gdp_per_capita=1 -o qca/

writes OUTDIR/calibrated.csv (memberships), anchors.csv (anchors used), necessity.csv
(consistency, coverage, RoN of each condition and negation for Y and ~Y), truth_table.csv,
solutions.json (complex, parsimonious and intermediate models, every tied model, with
each term's consistency, PRI, raw and unique coverage and cases), chart.md and chart.csv
(configuration chart: core and peripheral conditions). ANCHORS.csv has the columns
variable, full_membership, crossover, full_nonmembership and a row for the outcome.
Data already calibrated (memberships in [0, 1], or crisp 0/1 sets): --calibrated.
Percentiles go highest first (0.85,0.5,0.1); --decreasing names the variables whose
full membership lies at the low percentile.
"""


def _fractions(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected three numbers like 0.85,0.5,0.1: {exc}") from None
    if len(values) != 3:
        raise argparse.ArgumentTypeError("expected three percentiles: full, crossover, non-membership")
    return values


def _dir_exp(text: str) -> dict[str, int | str] | str:
    """``A=1,B=0,C=-``, or R's spelling (``A,~B,C*~D``), which is passed on as it is."""
    if "=" not in text:
        return text
    out: dict[str, int | str] = {}
    for item in column_list(text):
        name, sep, value = item.partition("=")
        if not sep or value.strip() not in ("1", "0", "-"):
            raise argparse.ArgumentTypeError(f"expected CONDITION=1, =0 or =-, got {item!r}")
        out[name.strip()] = "-" if value.strip() == "-" else int(value)
    return out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "qca",
        help="fuzzy-set QCA: calibration, necessity, truth table, solutions, charts",
        description="Fuzzy-set qualitative comparative analysis: which combinations of "
        "conditions lead to the outcome (or its absence), with R QCA's numbers.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_file(p)
    p.add_argument("--outcome", required=True, help="outcome column (calibrated here unless --calibrated)")
    p.add_argument("--conditions", type=column_list, required=True, help="condition columns, comma-separated")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--anchors", type=Path, metavar="ANCHORS.csv",
                     help="direct calibration anchors per variable (outcome included)")
    how.add_argument("--percentiles", type=_fractions, metavar="F,C,N",
                     help="percentile anchors, e.g. 0.85,0.5,0.1 (full, crossover, non-membership)")
    how.add_argument("--calibrated", action="store_true",
                     help="the data already hold memberships in [0, 1]: no calibration")
    p.add_argument("--decreasing", type=column_list, default=(), metavar="A,B",
                   help="with --percentiles: variables calibrated as decreasing sets")
    p.add_argument("--unit", help="column of case names (default: the first column when it is text)")
    p.add_argument("--negate-outcome", action="store_true", help="explain the outcome's absence (~Y)")
    p.add_argument("--incl-cut", type=float, default=0.8, help="raw consistency threshold (default 0.8)")
    p.add_argument("--pri-cut", type=float, default=0.7, help="PRI threshold (default 0.7)")
    p.add_argument("--n-cut", type=int, default=1, help="cases a row needs (default 1)")
    p.add_argument("--dir-exp", type=_dir_exp, metavar="A=1,B=0,C=-",
                   help="directional expectations for the intermediate solution (default: '-'); "
                        "R's spelling A,~B,C*~D works too")
    p.add_argument("--adjust-crossover", action="store_true",
                   help="move memberships of exactly 0.5 to 0.501 (reported)")
    p.add_argument("--legend", choices=("ragin-fiss", "seed"), default="ragin-fiss",
                   help="chart symbols: Ragin–Fiss ● ⊗ • ⓧ, or seed 000's ● □ · ◎")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR", help="output folder")
    p.set_defaults(func=run)


def _unit(data: pd.DataFrame, unit: str | None) -> str | None:
    """The --unit column, or the first column when it holds unique text labels."""
    if unit is not None:
        return unit
    first = data.columns[0]
    column = data[first]
    if not pd.api.types.is_numeric_dtype(column) and column.is_unique:
        return first
    return None


def run(args: argparse.Namespace) -> int:
    check_output_folder(args.output, input_paths(args))
    data = load(args)
    anchors = read_table(args.anchors) if args.anchors else None
    result = fsqca(data, args.outcome, args.conditions, anchors=anchors, percentiles=args.percentiles,
                   calibrated=args.calibrated, decreasing=args.decreasing, unit=_unit(data, args.unit),
                   negate_outcome=args.negate_outcome,
                   incl_cut=args.incl_cut, pri_cut=args.pri_cut, n_cut=args.n_cut,
                   dir_exp=args.dir_exp, adjust_crossover=args.adjust_crossover, legend=args.legend)
    with output_folder(args.output, input_paths(args)) as folder:
        result.write(folder)
    print(result.solutions.summary())
    print(f"\nTables written to {args.output.resolve()}")
    return 0
