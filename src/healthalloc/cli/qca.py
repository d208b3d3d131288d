"""``healthalloc qca``: fuzzy-set QCA from raw data to configuration charts."""

from __future__ import annotations

import argparse

from healthalloc.cli._common import add_command, add_input_file, add_output, blame, input_paths, load, read
from healthalloc.data.output import check_output_folder, output_folder
from healthalloc.params import Params
from healthalloc.qca.analysis import CALIBRATION, PARAMS, fsqca
from healthalloc.qca.calibrate import anchor_table

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


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "qca", "Fuzzy-set qualitative comparative analysis: which combinations of "
                    "conditions lead to the outcome (or its absence), with R QCA's numbers.", EXAMPLE)
    add_input_file(p, ("data", "anchors"))
    PARAMS.add_to(p, skip=CALIBRATION)
    Params(*(PARAMS[name] for name in CALIBRATION)).add_to(p.add_mutually_exclusive_group(required=True))
    add_output(p, "output folder", folder=True, required=True, metavar="OUTDIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_output_folder(args.output, input_paths(args))
    data = load(args)
    kwargs = PARAMS.from_args(args)
    if args.anchors is not None:
        with blame(args.anchors):
            kwargs["anchors"] = anchor_table(read(args, args.anchors, "anchors"))
    result = fsqca(data, **kwargs)
    with output_folder(args.output, input_paths(args)) as folder:
        result.write(folder)
    print(result.solutions.to_text())
    print(result.reading())
    print(f"\nTables written to {args.output.resolve()}")
    return 0
