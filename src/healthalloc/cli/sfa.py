"""``healthalloc sfa``: stochastic production and cost frontiers by maximum likelihood."""

from __future__ import annotations

import argparse

from healthalloc.cli._common import add_command, add_input_file, add_output, load, write_table
from healthalloc.efficiency.sfa import PARAMS

EXAMPLE = """\
example (the beds of the 31 provinces, 2014-2023 pooled, against their physicians and
nurses; the embedded panel has no service outputs, so the frontier says how many beds a
province's staff run, not how well it serves):
  healthalloc data export china_provinces provinces.csv
  healthalloc sfa provinces.csv --output medical_health_beds \
      --inputs licensed_assistant_physicians,registered_nurses \
      --unit province_en --by year --distribution half-normal -o sfa.csv

The output and inputs are logged (each must be > 0): cobb-douglas regresses ln y on ln x,
translog adds 0.5*ln(x)^2 and ln(x_j)*ln(x_k). With --cost, --output is the cost and the
inputs the output and input prices; inefficiency then raises the cost. --determinants
Z1,Z2 makes the mean of u a linear function of Z1, Z2 and an intercept (Battese & Coelli
1995, truncated normal). With --by, every unit-period is one observation (pooled), unless
--panel time-invariant (one u per unit, Battese & Coelli 1988) or time-varying
(u_it = exp(-eta (t - T)) u_i, Battese & Coelli 1992; eta among the coefficients).

OUT has per observation: unit, efficiency (Battese-Coelli E[exp(-u)|e], in (0, 1]), the
--by column, efficiency_jlms (exp(-E[u|e]), Jondrow et al.) and inefficiency (E[u|e]).
OUT's stem + .coef.csv has term, estimate, std_error, z, p_value (the frontier's terms,
mu or Z_ determinants, eta, sigma2 and gamma); OUT.summary.json has loglik, sigma2, gamma
(= sigma_u^2 / sigma2), lambda (= sigma_u / sigma_v), lr_test_statistic and
lr_test_p_value (no inefficiency against OLS, mixed chi-square), nobs.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "sfa", "Stochastic frontier analysis: a production or cost frontier fitted by "
                    "maximum likelihood (half-normal, truncated-normal or exponential inefficiency; "
                    "Cobb-Douglas or translog; Battese-Coelli 1995 determinants), unit efficiencies, "
                    "gamma, lambda and the LR test of no inefficiency.", EXAMPLE)
    add_input_file(p)
    declared = PARAMS["output"]
    p.add_argument("--output", dest="frontier_output", type=declared.parse, required=True, metavar="COL",
                   help=declared.describe()).declared = declared
    PARAMS.add_to(p, skip=("output",))
    add_output(p, "write .csv or .xlsx, with OUT.coef.csv and OUT.summary.json beside it, instead of "
               "printing", flags=("-o",), metavar="OUT.csv")
    p.set_defaults(func=run, beside=(".coef", ".summary.json"))


def run(args: argparse.Namespace) -> int:
    from healthalloc.efficiency.sfa import sfa

    result = sfa(load(args), **PARAMS.from_args(args) | {"output": args.frontier_output})
    write_table(result.to_frame(), args.output, digits=4, inputs=[args.file], overwrite=args.overwrite,
                beside={".coef": result.coefficients, ".summary.json": result.summary_json()})
    print(result.reading())
    return 0
