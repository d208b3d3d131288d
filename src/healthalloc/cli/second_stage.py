"""``healthalloc second-stage``: DEA scores regressed on the environment (Tobit, Simar–Wilson)."""

from __future__ import annotations

import argparse

from healthalloc.cli._common import (add_command, add_engine_options, add_input_file, add_output, input_paths, load,
                                     write_table)
from healthalloc.efficiency.declarations import SECOND_STAGE

EXAMPLE = """\
example (the DEA efficiency of Guangxi's 14 cities, seed 000, on GDP per capita and
urbanization):
  healthalloc data export guangxi_2022 guangxi.csv
  healthalloc second-stage guangxi.csv --score efficiency \\
      --covariates gdp_per_capita,urbanization_rate -o tobit.csv
  healthalloc second-stage guangxi.csv --score efficiency \\
      --covariates gdp_per_capita,urbanization_rate --method simar-wilson \\
      --bootstrap 2000 --seed 1 -o sw.csv

OUT has term, estimate, std_error, ci_low, ci_high, z, p_value: the intercept, each
covariate, then sigma. Tobit: the scores censored at --upper (1: the efficient units),
Wald standard errors, z and p; sigma's z and p are empty. Simar-Wilson (2007): the
distance 1/score (>= 1) in a normal regression truncated at 1, fitted on the inefficient
units, so a positive estimate means LESS efficient; std_error is the bootstrap standard
deviation, the interval the bootstrap interval, z and p empty. With --inputs and
--outputs the DEA scores are computed first (--rts, --orientation), and Simar-Wilson
runs Algorithm 2: --bias-bootstrap DEA replications bias-correct the scores.
OUT's stem + .scores.csv has per unit the efficiency used (and bias_corrected, Algorithm
2); OUT.summary.json the method, n, units used, censored units and the log-likelihood.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "second-stage", "Why some units are inefficient: regress DEA efficiency scores on "
                    "environmental variables, by Tobit (censored at 1) or by Simar & Wilson's (2007) truncated "
                    "regression with bootstrap intervals.", EXAMPLE)
    add_input_file(p)
    SECOND_STAGE.add_to(p)
    add_output(p, "write .csv or .xlsx, with OUT.scores.csv and OUT.summary.json beside it, instead of printing",
               metavar="OUT.csv")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_engine_options(p)
    p.set_defaults(func=run, beside=(".scores", ".summary.json"))


def run(args: argparse.Namespace) -> int:
    from healthalloc.efficiency.second_stage import second_stage

    result = second_stage(load(args), **SECOND_STAGE.from_args(args), progress=False if args.quiet else None,
                          engine=args.engine, scheduler=args.scheduler, workers=args.workers)
    write_table(result.to_frame(), args.output, digits=4, inputs=input_paths(args), overwrite=args.overwrite,
                beside={".scores": result.scores.reset_index(), ".summary.json": result.summary_json()})
    print(result.reading())
    return 0
