"""``healthalloc access``: spatial accessibility of every demand point (2SFCA family)."""

from __future__ import annotations

import argparse
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd

from healthalloc.access import COLUMNS, PARAMS, REGION, accessibility
from healthalloc.cli._common import (add_command, add_engine_options, add_output, add_read_options, input_paths, read,
                                     write_table)
from healthalloc.data.validate import naming_files
from healthalloc.engine import ENGINE
from healthalloc.params import REQUIRED, Params

EXAMPLE = """\
example:
  healthalloc access --demand towns.csv --supply hospitals.csv --capacity beds \\
      --method e2sfca --catchment 60 --decay gaussian -o access.csv

Files: demand has columns id, population, lon, lat (WGS84 degrees); supply id, capacity,
lon, lat (--population and --capacity name other columns). With --od OD.csv (columns
origin, destination, cost: demand id, supply id, travel cost) the costs come from the
table and coordinates are not needed; --catchment is then in the cost's unit, else in
great-circle km.

Methods: 2sfca (every pair within the catchment counts fully), e2sfca (weights by
--decay), 3sfca (weights times selection weights), huff2sfca (Huff choice probabilities),
m2sfca (Delamater 2013: the access step weighted by --decay again, so distant capacity
counts less).
Decays: step (--steps 10:1,20:0.68,30:0.22: upper bounds and weights), gaussian (0 at the
catchment), power (--beta), exponential (--beta, per cost unit).

OUT has one row per demand point: id, access (capacity per person), population, n_sites
(sites in reach). Demand with no site in reach gets access 0; it and sites with no demand
in reach are reported as warnings. The summary (population-weighted mean, Gini, Theil)
is printed; theil_l (GE(0), infinite at access 0) covers the persons with access > 0,
their share of the population is theil_l_population.

With --region COL (a column of the demand), OUT.regions.csv has one row per region
(region, population, mean_access, gini, n_points, population_share, access_share and
theil_t within it) and OUT.summary.json the summary with the Theil T of accessibility
decomposed: theil_t = theil_between + theil_within (Shorrocks 1980); printed without -o.
"""


def add_supply_demand(p: argparse.ArgumentParser, supply: str = "--supply", *, capacity: bool = True,
                      more: tuple[str, ...] = ()) -> None:
    """--demand, the supply-like table, --od, their columns (:data:`~healthalloc.access.COLUMNS`;
    --capacity with ``capacity``), and --sheet/--encoding for those tables and the ``more`` the command adds."""
    p.add_argument("--demand", type=Path, required=True, metavar="D.csv",
                   help="demand points: id, population, lon, lat (.csv, .xlsx or .parquet)")
    p.add_argument(supply, type=Path, required=True, metavar="S.csv",
                   help="sites: id, capacity, lon, lat" if capacity else "sites: id, lon, lat")
    p.add_argument("--od", type=Path, metavar="OD.csv",
                   help="origin, destination, cost table replacing the coordinates")
    COLUMNS.add_to(p, skip=() if capacity else ("capacity",))
    add_read_options(p, ("demand", supply.lstrip("-"), *more, "od"))


def add_method(p: argparse.ArgumentParser) -> None:
    """--method (required) and the other :data:`healthalloc.access.PARAMS`."""
    # the command line asks for the method (the library's default is 2sfca): an output names the one chosen
    (Params(replace(PARAMS["method"], default=REQUIRED)) + PARAMS.without("method")).add_to(p)


def read_points(args: argparse.Namespace, table: str) -> pd.DataFrame | None:
    """The ``--TABLE`` file (demand, supply, candidates, existing or od; None when not given)
    with its --sheet and --encoding, ids as written (``01`` is not ``1``)."""
    ids = ("origin", "destination") if table == "od" else (args.unit,)
    return read(args, getattr(args, table), table, text=ids)


def _figure(value):
    """A summary figure in six significant digits (2.5e-08, not 0.0); large ones whole."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "access", "Floating catchment accessibility of every demand point to the supply "
                    "(capacity per person within reach), with the population-weighted equity of "
                    "accessibility.", EXAMPLE)
    add_supply_demand(p)
    add_method(p)
    Params(REGION).add_to(p)
    add_output(p, metavar="OUT")
    add_engine_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with naming_files(demand=args.demand, supply=args.supply, od=args.od):
        result = accessibility(read_points(args, "demand"), read_points(args, "supply"), od=read_points(args, "od"),
                               region=args.region, **COLUMNS.from_args(args), **ENGINE.from_args(args),
                               **PARAMS.from_args(args))
    beside = {} if args.region is None else {".regions.csv": result.regions()} | (
        {} if args.output is None else {".summary.json": result.summary().iloc[0].to_dict()})
    write_table(result.to_frame(), args.output, digits=6, inputs=input_paths(args), overwrite=args.overwrite,
                beside=beside)
    print(result.summary().map(_figure).T.to_string(header=False))
    print(result.reading())
    return 0
