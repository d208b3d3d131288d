"""``healthalloc dea``: efficiency scores, slacks, targets and peers for every unit."""

from __future__ import annotations

import argparse
from pathlib import Path

from healthalloc.cli._common import (
    add_engine_options,
    add_input_file,
    column_list,
    load,
    write_table,
)
from healthalloc.efficiency import dea, dea_bootstrap
from healthalloc.engine import get_executor

EXAMPLE = """\
example:
  healthalloc dea hospitals.csv --unit hospital --inputs doctors,nurses \\
      --outputs outpatients,inpatients --rts vrs -o scores.xlsx

One row per unit (and period with --by): unit, the --by column, efficiency (θ for input
orientation; 1/φ for output orientation, with φ in column phi), slack_*, target_*,
redundancy_* / shortfall_* (shares of the observed value), peers and peer_weights; with
--rts vrs also crs_efficiency, scale_efficiency and rts (irs/crs/drs, DEAP's rule); with
--bootstrap also bias, bias_corrected, ci_low, ci_high.
"""


def replications(text: str) -> int:
    """``--bootstrap N``: a whole number of replications, at least 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return n


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dea",
        help="DEA efficiency (CRS/VRS, input/output, super-efficiency, SBM, bootstrap)",
        description="Data envelopment analysis: evaluate every unit against the best-practice "
        "frontier of its period and report how far it is from it and why.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_file(p)
    p.add_argument("--inputs", type=column_list, required=True, help="input columns, comma-separated (> 0)")
    p.add_argument("--outputs", type=column_list, required=True, help="output columns, comma-separated (≥ 0)")
    p.add_argument("--unit", help="column naming the units (default: row number)")
    p.add_argument("--by", help="period column: each period gets its own frontier")
    p.add_argument("--rts", choices=("crs", "vrs", "nirs", "ndrs"), default="crs",
                   help="returns to scale (default: crs; 'nirs' is Benchmarking's 'drs')")
    p.add_argument("--orientation", choices=("input", "output"), default="input",
                   help="shrink inputs or expand outputs (default: input)")
    p.add_argument("--model", choices=("radial", "super", "sbm"), default="radial",
                   help="radial (Farrell), super (Andersen–Petersen) or sbm (Tone 2001)")
    p.add_argument("--bootstrap", type=replications, metavar="N",
                   help="Simar–Wilson bootstrap with N ≥ 1 replications (radial model)")
    p.add_argument("--seed", type=int, help="random seed for --bootstrap")
    p.add_argument("-o", "--output", type=Path, help="write .csv or .xlsx instead of printing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_engine_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data = load(args)
    kwargs = dict(unit=args.unit, rts=args.rts, orientation=args.orientation,
                  progress=False if args.quiet else None)
    if args.bootstrap is not None and (args.by or args.model != "radial"):
        raise ValueError("--bootstrap works with the radial model and without --by")
    with get_executor(args.engine, scheduler=args.scheduler, workers=args.workers) as ex:
        result = dea(data, args.inputs, args.outputs, by=args.by, model=args.model, engine=ex,
                     **kwargs)
        table = result.to_frame()
        if args.bootstrap is not None:
            boot = dea_bootstrap(data, args.inputs, args.outputs, n_boot=args.bootstrap,
                                 seed=args.seed, engine=ex, **kwargs).to_frame()
            cols = ["bias", "bias_corrected", "ci_low", "ci_high"]
            table = table.join(boot.set_index("unit")[cols], on="unit")
    write_table(table, args.output)
    print(result.summary().round(3).to_string())
    return 0
