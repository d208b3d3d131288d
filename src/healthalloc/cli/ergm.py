"""``healthalloc ergm``: fit an exponential random graph model with a statnet formula."""

from __future__ import annotations

import argparse
from pathlib import Path

from healthalloc.cli._common import (add_command, add_engine_options, add_output, add_read_options, blame, read,
                                     write_table)
from healthalloc.data.validate import naming_files
from healthalloc.cli.network import READ_EDGES
from healthalloc.mobility.ergm.fit import CONTROL, PARAMS

EXAMPLE = """\
examples:
  healthalloc ergm --nodes cities.csv --edges flows.csv --directed \\
      --edgecov GeoProx=geoprox.csv --formula "edges + nodeicov('HTH') + edgecov('GeoProx')" \\
      -o fit.csv
  healthalloc ergm --nodes monks.csv --edges liking.csv --directed \\
      --formula "edges + mutual" --seed 1 -o fit.csv

NODES.csv: first column the node id, then attributes. EDGES.csv: from, to[, weight] (every
row is a tie; a pair listed twice, or both ways when undirected, is one tie, with a
warning). MATRIX.csv: a square table whose header row and first column are node ids, in
any order (symmetric for an undirected network). Ids are compared as written: 01 is not 1.

OUT.csv (or .xlsx) holds term, estimate, std_error, z, p_value, stars (and mcmc_se for
MCMC-MLE), converged, terms named as R ergm prints them (edges, nodeicov.HTH,
nodefactor.Grade.8, edgecov.GeoProx, mutual); an infinite MLE (a statistic at its
smallest or largest attainable value, as on an empty or complete network) is -inf/inf
with std_error 0; a coefficient the data cannot estimate (perfect separation) is empty.
An MCMC-MLE that did not converge has converged False, no z, p_value or stars, and no
log-likelihood, AIC or BIC. Beside it, OUT's stem + .fit.json holds loglik, aic, bic,
nobs (informative dyads), n_nodes, method (MLE: exact, dyad-independent models; MCMLE:
Monte Carlo MLE), converged, reason, loglik_bound (MCMLE: the exact log-likelihood of the
dyad-independent submodel, a lower bound of the MLE's), notes (the warnings) and the rest.
"""


def _edgecov(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=MATRIX.csv, got {text!r}")
    return name.strip(), Path(path.strip())


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "ergm", "Fit an ERGM to a binary network: exact maximum likelihood for "
                    "dyad-independent models, Monte Carlo MLE for models with mutual, triangle, gwesp, "
                    "stars, ...; coefficients, standard errors, z, p, stars, log-likelihood, AIC and BIC "
                    "as R ergm reports them.", EXAMPLE)
    p.add_argument("--nodes", type=Path, required=True, metavar="NODES.csv",
                   help="node table: id in the first column, then attributes")
    p.add_argument("--edges", type=Path, required=True, metavar="EDGES.csv", help="ties: from, to[, weight]")
    READ_EDGES.add_to(p, skip=("weight",))
    p.add_argument("--edgecov", type=_edgecov, action="append", default=[], metavar="NAME=MATRIX.csv",
                   help="a dyadic covariate for edgecov(NAME); repeat for several")
    (PARAMS + CONTROL).add_to(p)
    add_read_options(p, ("nodes", "edges", "NAME (an --edgecov)"))
    add_output(p, "write the coefficients (.csv or .xlsx) and OUT.fit.json instead of printing",
               metavar="OUT.csv")
    add_engine_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run, beside=(".fit.json",))


def run(args: argparse.Namespace) -> int:
    from healthalloc.cli.network import read_tables
    from healthalloc.engine import get_executor
    from healthalloc.mobility import covariate_matrix, read_network
    from healthalloc.mobility.ergm import Control, ergm

    nodes, edges = read_tables(args)
    with naming_files(nodes=args.nodes, edges=args.edges):
        net = read_network(nodes, edges, directed=args.directed, weighted=False)
    inputs = [args.nodes, args.edges]
    for name, path in args.edgecov:
        with blame(path):
            matrix = read(args, path, name, text=(0,))
            net = net.with_covariate(name, covariate_matrix(matrix, net.ids, name=name))
        inputs.append(path)
    control = Control(**CONTROL.from_args(args))
    with get_executor(args.engine, scheduler=args.scheduler, workers=args.workers) as ex, \
            naming_files(nodes=args.nodes, edges=args.edges):
        fit = ergm(net, control=control, engine=ex, progress=False if args.quiet else None, **PARAMS.from_args(args))
    write_table(fit.to_frame(), args.output, digits=4, inputs=inputs, overwrite=args.overwrite,
                beside={".fit.json": fit.fit_info()} if args.output is not None else None)
    print(fit.reading())
    return 0
