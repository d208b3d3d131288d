"""``healthalloc malmquist``: productivity change between adjacent periods, decomposed."""

from __future__ import annotations

import argparse

from healthalloc.cli._common import (add_command, add_engine_options, add_input_file, add_output, input_paths,
                                     load, write_table)
from healthalloc.efficiency.declarations import MALMQUIST as PARAMS

EXAMPLE = """\
example:
  healthalloc malmquist provinces.csv --unit province --period year \\
      --inputs beds,doctors,nurses --outputs visits,discharges -o malmquist.xlsx

One row per unit and pair of adjacent years: unit, period_from, period_to, effch
(technical efficiency change, CRS), techch (technical change), pech (pure efficiency
change, VRS), sech (scale efficiency change) and tfpch (total factor productivity change
= effch × techch); values above 1 mean improvement. The geometric means per transition
and overall (DEAP 2.1's summary) are printed as well. The panel must be balanced.
--reference global measures every period against one frontier of all periods pooled
(Pastor & Lovell 2005): tfpch is circular and techch is the change of the best-practice
gap; --reference sequential against all periods up to each one (Shestalova 2003);
--reference biennial against the two periods of each transition pooled (Pastor, Asmild &
Lovell 2011).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "malmquist", "Malmquist DEA (Färe, Grosskopf, Norris & Zhang 1994), computed "
                    "as DEAP 2.1 does: how each unit's total factor productivity changed between adjacent "
                    "periods, split into catching up with the frontier (efficiency change) and the frontier "
                    "moving (technical change).", EXAMPLE)
    add_input_file(p)
    PARAMS.add_to(p)
    add_output(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_engine_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from healthalloc.efficiency import malmquist

    result = malmquist(load(args), **PARAMS.from_args(args), progress=False if args.quiet else None,
                       engine=args.engine, scheduler=args.scheduler, workers=args.workers)
    write_table(result.to_frame(), args.output, inputs=input_paths(args), overwrite=args.overwrite)
    print(f"\nmeans (geometric, {args.orientation} orientation, {args.reference} reference):")
    print(result.summary().round(3).to_string())
    print(result.reading())
    return 0
