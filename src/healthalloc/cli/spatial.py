"""``healthalloc spatial``: Moran's I, LISA, convergence and Markov chains of one indicator."""

from __future__ import annotations

import argparse
from dataclasses import replace

from healthalloc.cli._common import (add_command, add_input_file, add_output, blame, input_paths, load,
                                     read)
from healthalloc.data.output import check_output_folder, output_folder
from healthalloc.params import Params
from healthalloc.spatial.analysis import PARAMS
from healthalloc.spatial.weights import WEIGHT_SOURCES, WEIGHTS

#: The weights sources, each chosen on the command line by its own option (--provinces, --adjacency FILE...).
SOURCES = ("weights", *WEIGHT_SOURCES[1:])

EXAMPLE = """\
examples:
  healthalloc spatial provinces.csv --value efficiency --unit province_code --by year \\
      --adjacency adjacency.csv --islands nearest --coords lon,lat --seed 1 -o spatial/
  healthalloc spatial cities.csv --value beds_per_1000 --unit city --by year \\
      --knn 4 --coords lon,lat -o spatial/

Weights (row-standardized) come from one of:
  --adjacency FILE  a table of neighbouring unit pairs (CSV/XLSX), ids in its first two
                    columns unless --adjacency-columns A,B names them; every pair once or
                    both ways; ids as in --unit
  --knn K           the K nearest units by great-circle distance between the --coords points
  --band KM         units within KM kilometres (great-circle) of each other
--coords LON,LAT names the longitude and latitude columns (WGS84 degrees) of FILE. A unit
without a neighbour (an island: Hainan in province contiguity) is linked to its nearest
unit by --coords (said in a warning) unless --islands drop (leave it out of Moran, LISA
and Markov) or --islands error (stop).

Files written to OUTDIR:
  moran.csv                 per period: n, I, EI, seI_norm, z_norm, p_norm, z_rand, p_rand,
                            EI_sim, seI_sim, z_sim, p_sim (esda's names)
  lisa.csv                  per unit and period: value, z, lag, Ii, EI_sim, z_sim, p_sim,
                            q, quadrant (HH/LH/LL/HL), cluster (quadrant if p_sim < alpha,
                            else "not significant")
  kernel_density.csv        per period: x, density (common grid); kernel_density_peaks.csv
  sigma_convergence.csv     per period (and group): n, mean, sd, cv, sd_log      [--by]
  beta_convergence.csv      absolute (cross-section) and conditional (two-way FE panel) β,
                            se, p, R², speed λ = -ln(1 + βT)/T, half-life          [--by]
  markov.csv                classic and spatial Markov transitions and probabilities [--by]
  regional_comparison.csv, regional_tests.csv, regional_pairwise.csv            [--group]
  weights.csv               the links used: unit, neighbor, weight
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "spatial", "Spatial-temporal evolution of one indicator: global and local Moran's I "
                    "per period with permutation inference, kernel densities, sigma and beta convergence, "
                    "classic and spatial Markov chains, and optionally a regional comparison.", EXAMPLE)
    add_input_file(p, ("data", "adjacency"))
    (PARAMS.without("unit") + WEIGHTS.without(*SOURCES)).add_to(p)
    how = p.add_mutually_exclusive_group(required=True)  # which weights: the flag of the one given
    how.add_argument("--provinces", action="store_true", help="land borders of the 31 mainland provinces "
                     "(embedded; units named by code or name)")
    for name in SOURCES[1:]:
        Params(replace(WEIGHTS[name], default=None, aliases=())).add_to(how)
    add_output(p, "folder for the CSV files", folder=True, required=True, metavar="OUTDIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from healthalloc.spatial import spatial_analysis

    check_output_folder(args.output, input_paths(args))
    data = load(args)
    weights = _weights(args, data)
    kwargs = PARAMS.from_args(args) | {"unit": args.unit}
    result = spatial_analysis(data, kwargs.pop("value"), weights, **kwargs)
    with output_folder(args.output, input_paths(args)) as folder:
        for name, table in result.tables().items():
            table.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
    print(f"wrote {', '.join(f'{name}.csv' for name in result.tables())} to {args.output}")
    print(result.moran.summary().round(4).to_string())
    print(result.lisa.summary().to_string())
    print(result.reading())
    return 0


def _weights(args: argparse.Namespace, data):
    """The spatial weights the options describe, over the data's units."""
    from healthalloc.spatial import spatial_weights

    source = next((name for name in SOURCES[1:] if getattr(args, name) is not None), "provinces")
    kwargs = WEIGHTS.from_args(args) | {"weights": source}
    if source != "adjacency":
        return spatial_weights(data, **{k: v for k, v in kwargs.items() if v is not None})
    with blame(args.adjacency):
        return spatial_weights(data, **kwargs | {"adjacency": read(args, args.adjacency, "adjacency")})
