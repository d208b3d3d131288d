"""``healthalloc dea``: efficiency scores, slacks, targets and peers for every unit."""

from __future__ import annotations

import argparse
from dataclasses import replace

from healthalloc.cli._common import (add_command, add_engine_options, add_input_file, add_output, input_paths,
                                     load, write_table)
from healthalloc.efficiency.declarations import BOOTSTRAP
from healthalloc.efficiency.declarations import DEA as PARAMS
from healthalloc.params import Params

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


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "dea", "Data envelopment analysis: evaluate every unit against the best-practice "
                    "frontier of its period and report how far it is from it and why.", EXAMPLE)
    add_input_file(p)
    PARAMS.add_to(p)
    # the bootstrap runs only when --bootstrap N asks for it (the library's default N is 2000)
    Params(replace(BOOTSTRAP["n_boot"], default=None, help="Simar–Wilson bootstrap with N replications (radial "
                   "model)"), replace(BOOTSTRAP["seed"], help="random seed for --bootstrap")).add_to(p)
    add_output(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_engine_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from healthalloc.efficiency import dea, dea_bootstrap
    from healthalloc.engine import get_executor

    data = load(args)
    kwargs = PARAMS.from_args(args)
    progress = False if args.quiet else None
    if args.n_boot is not None and (args.by or args.model != "radial"):
        raise ValueError("--bootstrap works with the radial model and without --by")
    with get_executor(args.engine, scheduler=args.scheduler, workers=args.workers) as ex:
        result = dea(data, **kwargs, progress=progress, engine=ex)
        table = result.to_frame()
        if args.n_boot is not None:
            common = {k: kwargs[k] for k in ("inputs", "outputs", "unit", "rts", "orientation")}
            boot = dea_bootstrap(data, **common, n_boot=args.n_boot, seed=args.seed, progress=progress,
                                 engine=ex).to_frame()
            cols = ["bias", "bias_corrected", "ci_low", "ci_high"]
            table = table.join(boot.set_index("unit")[cols], on="unit")
    write_table(table, args.output, inputs=input_paths(args), overwrite=args.overwrite)
    print(result.summary().round(3).to_string())
    print(result.reading())
    return 0
