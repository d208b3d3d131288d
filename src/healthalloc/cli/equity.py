"""``healthalloc equity``: Gini, Theil (decomposed by group) and agglomeration of one resource."""

from __future__ import annotations

import argparse

from healthalloc.cli._common import add_command, add_input_file, add_output, input_paths, load, write_table
from healthalloc.equity.analysis import PARAMS, equity

EXAMPLE = """\
example (beds of the 31 provinces by year, decomposed into east/central/west):
  healthalloc equity provinces.csv --resource medical_health_beds \\
      --population permanent_population --area polygon_area_km2 \\
      --group region --by year --unit province_en -o equity.xlsx
(provinces.csv: the embedded panel, healthalloc.data.load_china_provinces(), with
polygon_area_km2 from load_province_geography() joined on province_code = adcode.)

OUT has one row per period: the --by column, gini_population (Gini by population),
gini_area (by area, with --area), theil_l (population-weighted Theil GE(0), the mean log
deviation most health-resource papers call "the Theil index"), theil_t (Theil's T, GE(1)),
and with --group theil_l_between, theil_l_within, theil_t_between, theil_t_within
(between + within = total); with --ranking also concentration_index.

With --group, each group's contribution goes next to OUT, in OUT's stem + _contributions
(equity_contributions.xlsx above): per period and group the number of units,
population_share, resource_share, the within-group theil_l and theil_t, and
theil_l_contribution / theil_t_contribution (share of the total index).
With --units, per-unit densities go to OUT's stem + _units: per_population (per 1,000
people), and with --area per_km2, hrdi (health resource density index), hrad, pad and
hrad_pad (agglomeration degrees of resource and population; HRAD/PAD > 1: more
resource than population).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "equity", "How fairly a health resource is spread over units: Gini coefficients by "
                    "population and by area, population-weighted Theil indices decomposed into between- "
                    "and within-group inequality, and per-unit density and agglomeration degrees.", EXAMPLE)
    add_input_file(p)
    PARAMS.add_to(p)
    p.add_argument("--units", action="store_true",
                   help="also write the per-unit table (OUT stem + _units; printed without -o)")
    add_output(p, "write .csv or .xlsx (plus _contributions with --group) instead of printing", metavar="OUT")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = equity(load(args), **PARAMS.from_args(args))
    beside = {"_contributions": result.contributions} if result.contributions is not None else {}
    if args.units:
        beside["_units"] = result.units
    write_table(result.to_frame(), args.output, digits=4, inputs=input_paths(args), overwrite=args.overwrite,
                beside=beside)
    print(result.reading())
    return 0
