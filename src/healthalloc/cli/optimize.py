"""``healthalloc optimize``: facility location (MCLP, p-median, LSCP) and capacity re-allocation."""

from __future__ import annotations

import argparse
from pathlib import Path

from healthalloc.cli._common import add_command, add_output, input_paths, write_table
from healthalloc.access import COLUMNS, PARAMS
from healthalloc.cli.access import add_method, add_supply_demand, read_points
from healthalloc.data.validate import naming_files
from healthalloc.optimize import locate, optimize_capacity
from healthalloc.optimize.capacity import PARAMS as CAPACITY
from healthalloc.optimize.location import PARAMS as LOCATION

LOCATION_EXAMPLE = """\
example:
  healthalloc optimize location --demand towns.csv --candidates sites.csv \\
      --existing hospitals.csv --model mclp --p 5 --radius 30 -o chosen.csv

Models: mclp (maximize the population within --radius of an open site, --p new sites,
--existing sites open), pmedian (minimize population × cost to the nearest open site;
--radius, if given, caps the assignment cost), lscp (fewest sites covering every populated
demand point within --radius; an uncoverable point is an error naming it). Exact MILPs
solved by HiGHS, sized first: one too large for the memory is refused with its size and
what shrinks it. On a terminal a line shows the incumbent, bound and gap; at the time
limit (--time-limit, default 60 s) or on Ctrl-C the best solution found is kept, with its
status and gap.

Costs and regions: --cost COLUMN names the candidates' opening costs (reported; lscp then
finds the cheapest cover); --budget B bounds the total cost of the new sites (mclp,
pmedian; without --p the number of sites is free). --region COLUMN names each candidate's
region; --quotas FILE.csv (region, min_sites, max_sites; an empty cell is unbounded)
bounds the new sites per region. Quotas that --p or the budget cannot meet are refused,
naming the regions.

Files: demand id, population, lon, lat; candidates and existing id, lon, lat (or --od
with origin, destination, cost from demand ids to candidate and existing ids).
OUT has one row per candidate: id, selected (1/0), covered_population (the population
within --radius of it; pmedian without --radius: the population assigned to it, 0 if not
selected). Beside it, OUT's stem + .summary.json: model, objective, covered_population,
n_selected, status, gap (and total_population, coverage, p, radius, n_existing, seconds,
total_cost and budget (null without them), sites_by_region ({} without --region)).
"""

CAPACITY_EXAMPLE = """\
example:
  healthalloc optimize capacity --demand towns.csv --supply hospitals.csv --capacity beds \\
      --method 2sfca --catchment 60 --lower-share 0.5 --upper-share 2 -o beds.csv

Re-allocates the total capacity (--total, default today's) among the sites to minimize
Σ P (A − Ā)², the population-weighted squared deviation of accessibility from its mean
(Wang & Tang 2013; a convex QP), within per-site bounds: shares of each site's capacity
today (--lower-share a, --upper-share b: a·S ≤ S' ≤ b·S) and the --min and --max columns
of the supply (the tighter bound holds). Without a lower bound the most equal allocation
often closes sites (a warning says how many). --objective shortfall minimizes the largest
shortfall below the mean instead (an LP); --integer gives whole units (with shortfall an
exact MILP: --time-limit, default 60 s, or Ctrl-C keeps the best solution found).

OUT has one row per site: id, capacity_before, capacity_after, change, lower, upper.
Beside it, OUT's stem + .summary.json: objective_before, objective_after, gini_before,
gini_after, n_closed (sites with capacity today set to 0), capacity_moved (Σ |after −
before| / 2) (and method, objective, integer, total, theil_t_before, theil_t_after,
status, gap).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "optimize", "Better allocations: where to open new facilities, and how to "
                    "re-allocate capacity for equal accessibility.", epilog="Run 'healthalloc optimize "
                    "location --help' or 'healthalloc optimize capacity --help'.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    loc = add_command(kinds, "location", "Choose sites for new facilities by an exact MILP.",
                      LOCATION_EXAMPLE, help="choose sites: mclp, pmedian or lscp")
    add_supply_demand(loc, "--candidates", capacity=False, more=("existing", "quotas"))
    loc.add_argument("--existing", type=Path, metavar="S.csv", help="existing sites (open in every solution)")
    LOCATION.add_to(loc)
    loc.add_argument("--quiet", action="store_true", help="no progress line")
    add_output(loc, metavar="OUT")
    loc.set_defaults(func=run_location, beside=(".summary.json",))

    cap = add_command(kinds, "capacity", "Maximal accessibility equality: re-allocate a fixed total "
                      "capacity.", CAPACITY_EXAMPLE, help="re-allocate capacity for equal accessibility")
    add_supply_demand(cap)
    add_method(cap)
    CAPACITY.add_to(cap)
    cap.add_argument("--quiet", action="store_true", help="no progress line")
    add_output(cap, metavar="OUT")
    cap.set_defaults(func=run_capacity, beside=(".summary.json",))


def run_location(args: argparse.Namespace) -> int:
    from healthalloc.cli._common import read

    as_written = (args.unit, args.region) if args.region else (args.unit,)  # regions as the quotas write them
    with naming_files(demand=args.demand, candidates=args.candidates, existing=args.existing, od=args.od,
                      quotas=args.quotas):
        result = locate(read_points(args, "demand"), read(args, args.candidates, "candidates", text=as_written),
                        existing=read_points(args, "existing"), od=read_points(args, "od"),
                        progress=False if args.quiet else None, **COLUMNS.from_args(args),
                        **LOCATION.from_args(args) | {"quotas": read(args, args.quotas, "quotas", text=("region",))})
    return _write(result, args)


def run_capacity(args: argparse.Namespace) -> int:
    with naming_files(demand=args.demand, supply=args.supply, od=args.od):
        result = optimize_capacity(read_points(args, "demand"), read_points(args, "supply"), od=read_points(args, "od"),
                                   progress=False if args.quiet else None, **COLUMNS.from_args(args),
                                   **PARAMS.from_args(args), **CAPACITY.from_args(args))
    return _write(result, args)


def _write(result, args: argparse.Namespace) -> int:
    """The reading; the result's table, and its summary as JSON beside it (OUT's stem + .summary.json)
    or printed (last, so that the printed JSON is the end of the output)."""
    print(result.reading())
    write_table(result.to_frame(), args.output, inputs=input_paths(args), overwrite=args.overwrite,
                beside={".summary.json": result.summary_dict()})
    return 0
