"""``healthalloc tiers``: high-tier vs primary-care shares, imbalance, group comparison."""

from __future__ import annotations

import argparse

from healthalloc.cli._common import add_command, add_input_file, add_output, input_paths, load, write_table
from healthalloc.tiers import PARAMS, parse_measure

EXAMPLE = """\
example (beds and institutions of the 31 provinces by year, east/central/west):
  healthalloc tiers provinces.csv --unit province_en --by year \\
      --measure beds=hospital_beds:primary_healthcare_beds \\
      --measure institutions=hospitals:primary_healthcare_institutions \\
      --imbalance institutions/beds --group region -o tiers.csv
(provinces.csv: the embedded panel, 'healthalloc data export china_provinces'.)

OUT has one row per unit (and period): unit, the --by column, then per measure in the
order given NAME_high, NAME_primary and NAME_high_share = high / (high + primary); with
--imbalance A/B the column imbalance_A_B = A_high_share / B_high_share (> 1: the high
tier holds more of A than of B). A zero denominator leaves the cell empty, with a warning.
With --occupancy HIGH:PRIMARY (two columns of bed occupancy rates, in percent, or fractions
when every rate is <= 2) the last columns are occupancy_high, occupancy_primary (percent)
and occupancy_gap = high - primary (percentage points).

With --group, OUT's stem + .groups.csv has group, n (units), NAME_high_share pooled per
group (sum of high / sum of high + primary), the --by column and, with --occupancy, the
groups' mean occupancy_high, occupancy_primary and occupancy_gap; OUT.summary.json has per
measure, for the last period, mannwhitney_p (Mann-Whitney U on the units' shares,
two-sided) and permutation_p (the pooled difference, group labels shuffled --permutations
times) when there are two groups, or kruskal_p (Kruskal-Wallis) when there are more; with
--occupancy the same for occupancy_gap (on the units' gaps; the difference of mean gaps).
"""


def _measure(text: str) -> tuple[str, tuple[str, str]]:
    try:
        return parse_measure(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "tiers", "How each measure splits between the high tier (hospitals) and primary "
                    "care per unit: high-tier shares, an imbalance ratio between two measures, pooled "
                    "shares per group and tests of the groups' difference.", EXAMPLE)
    add_input_file(p)
    declared = PARAMS["measures"]
    p.add_argument(*declared.flags, dest="measures", type=_measure, action="append", required=True,
                   metavar=declared.metavar, help=declared.help + "; repeat for several measures"
                   ).declared = declared
    PARAMS.add_to(p, skip=("measures",))
    add_output(p, "write .csv or .xlsx (plus OUT.groups.csv and OUT.summary.json with --group) instead "
               "of printing", metavar="OUT.csv")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from healthalloc.tiers import tiers

    measures = dict(args.measures)
    if len(measures) < len(args.measures):
        names = [name for name, _ in args.measures]
        twice = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"--measure {twice} is given twice; give each measure one name")
    options = PARAMS.from_args(args) | {"measures": measures}
    result = tiers(load(args), **options)
    beside = {}
    if result.groups is not None:
        beside = {".groups": result.groups, ".summary.json": result.summary_json()}
    write_table(result.to_frame(), args.output, digits=4, inputs=input_paths(args), overwrite=args.overwrite,
                beside=beside)
    print(result.reading())
    return 0
