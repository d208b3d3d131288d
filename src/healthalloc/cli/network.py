"""``healthalloc network``: build origin–destination networks and measure their centrality."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pandas as pd

from healthalloc.cli._common import (add_command, add_output, add_read_options, beside_path, blame, column_list,
                                     input_paths, read, write_table)
from healthalloc.data import DataError
from healthalloc.data.validate import check_columns, naming_files
from healthalloc.data.validate import METRIC
from healthalloc.mobility.centrality import MAP, SUPPLY
from healthalloc.mobility.network import EDGES, PARAMS, RECORDS, edge_ends
from healthalloc.params import Params
from healthalloc.spatial.weights import WEIGHT_SOURCES, WEIGHTS

#: The weights sources other than the embedded provinces, each its own option (--knn K, --band KM, --adjacency FILE).
WEIGHT_OPTIONS = WEIGHT_SOURCES[1:]

#: Edge files (network centrality, ergm) are read as undirected unless --directed: the command
#: line's default since its first release, kept where the library's is directed.
READ_EDGES = Params(replace(EDGES["directed"], default=False, help="ties have a direction (default: undirected)"),
                    EDGES["weight"])

EXAMPLE = """\
examples:
  healthalloc network build records.csv --origin from_city --destination to_city \\
      --nodes cities.csv --coords lon,lat --same-category dialect \\
      --binarize top_k --threshold 10 -o network/
  healthalloc network centrality --nodes network/nodes.csv --edges network/edges.csv \\
      --directed -o centrality.csv
  healthalloc network centrality --nodes network/nodes.csv --edges network/edges.csv \
      --directed --supply supply.csv --against tertiary_hospitals,primary_facilities \
      --coords lon,lat --knn 5 --seed 1 -o alignment.csv
  healthalloc network centrality --nodes network/nodes.csv --edges network/edges.csv \
      --directed --supply supply.csv --against HTH --measures in_degree_std \
      --coords lon,lat --map alignment.png --boundaries prefectures -o alignment.csv

build: one row per person (origin, destination[, --weight]); flows are counted per
origin-destination pair (seed 003's Figure 2), moves within a city are dropped. OUTDIR gets
nodes.csv (id first, then the --nodes attributes), edges.csv (from, to, weight: the flow;
with --binarize only the ties kept), flows.csv (every flow, before binarizing) and, with
--coords, geoprox.csv (inverse distance) and, with --same-category COL, same_COL.csv: square
matrices with node ids as header and first column, for 'healthalloc ergm --edgecov'.
Binarize rules (--threshold VALUE; --value is its older spelling): any (flow > 0), threshold
(flow >= VALUE), top_k (each origin's VALUE largest flows), quantile (flow >= the VALUE
quantile of positive flows). The printed
summary has a row for the flows (flows.csv) and one for the ties (edges.csv): nodes, ties
(rows of the file), density, total_flow (sum of its weight column) and isolates.

centrality: per node in_degree, out_degree, in_degree_std (in-degree / (n - 1)),
in_strength, out_strength, in_strength_share, betweenness (normalized), pagerank.
EDGES.csv lists each pair once: a pair in several rows (either order without --directed)
is summed into one flow, with a warning. Weights are finite numbers >= 0.

centrality --supply FILE --against COL[,COL...]: does the mobility go where the supply is
(seed 003's Figures 6-7)? FILE has the node id in its first column (ids as written, as in
--nodes; every node needs a row, rows of other units are left out with a warning) and the
supply columns. OUT.csv then holds one row per --measures measure and --against column:
measure, against, spearman, spearman_p (Spearman's rank correlation, two-sided p),
bivariate_moran, bivariate_moran_p (the bivariate Moran's I of the measure with the
spatial lag of the supply, esda's Moran_BV, and its permutation pseudo p-value), n; the
centrality table (OUT.csv without --supply) is written beside it as OUT.centrality.csv.
The spatial weights of the bivariate Moran: --knn K, --band KM (both on the --coords
LON,LAT columns of FILE, or of --nodes), --adjacency FILE (neighbouring pairs) or
--provinces (ids are province codes or names); with --coords alone, the 5 nearest nodes.

centrality --map OUT.png (or .svg): maps on the nodes' polygons, --boundaries prefectures
(the default: the 370 embedded prefecture-level units, node ids their adcodes or Chinese
names), provinces, or a GeoJSON file whose --id-property holds the node ids (e.g. a
county's code); units without a value are hatched, and on a GeoJSON file the nodes without
a feature and the features without a node are listed in a warning. With --supply, each
--measures measure beside each --against column (seed 003's Figure 7 beside Figure 6), each
on its own scale of 5 quantile classes, titled with their Spearman's rho and bivariate
Moran's I; without it, each --measures measure alone. One map is written to OUT.png,
several to OUT_MEASURE_AGAINST.png (OUT_MEASURE.png).

Ids keep their written form in every file: 01 and 1 are two nodes.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "network", "Origin-destination mobility networks: aggregate individual records "
                    "into flows, binarize them for an ERGM, build dyadic covariates, and measure "
                    "centrality.", EXAMPLE)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = add_command(actions, "build", "Aggregate records into an origin-destination network.", EXAMPLE,
                        help="records -> nodes, edges and covariate files")
    build.add_argument("file", type=Path, help="records (.csv, .xlsx or .parquet): one row per person or flow")
    (PARAMS + Params(METRIC)).add_to(build)
    build.add_argument("--undirected", dest="directed", action="store_false", help=argparse.SUPPRESS)  # older spelling
    build.add_argument("--nodes", type=Path, metavar="NODES.csv",
                       help="node table (id first, then attributes); default: the ids in the records")
    build.add_argument("--coords", type=column_list, metavar="X,Y",
                       help="coordinate columns of --nodes: writes geoprox.csv (1 / distance)")
    build.add_argument("--same-category", action="append", default=[], metavar="COL",
                       help="a --nodes column: writes same_COL.csv (1 where two nodes share it)")
    add_read_options(build, ("records", "nodes"))
    add_output(build, "folder for the files", folder=True, required=True, metavar="OUTDIR")
    build.set_defaults(func=run_build)
    cent = add_command(actions, "centrality", "Centrality of every node of a network.", EXAMPLE,
                       help="degree, strength, betweenness and PageRank per node")
    cent.add_argument("--nodes", type=Path, required=True, metavar="NODES.csv", help="node table (id first)")
    cent.add_argument("--edges", type=Path, required=True, metavar="EDGES.csv", help="ties: from, to[, weight]")
    READ_EDGES.add_to(cent)
    supply = cent.add_argument_group("mobility meets supply (with --supply: OUT.csv holds the correlations, "
                                     "OUT.centrality.csv the centrality)")
    supply.add_argument("--supply", type=Path, metavar="FILE", help="supply per node: node id first (as in "
                        "--nodes), then the supply columns")
    Params(replace(SUPPLY["against"], default=None), *SUPPLY.without("against")).add_to(supply)  # only with --supply
    (WEIGHTS.without("unit", "weights", *WEIGHT_OPTIONS)).add_to(supply)
    how = supply.add_mutually_exclusive_group()  # which weights: the flag of the one given
    how.add_argument("--provinces", action="store_true", help="land borders of the 31 mainland provinces "
                     "(embedded; node ids are province codes or names)")
    for name in WEIGHT_OPTIONS:
        Params(replace(WEIGHTS[name], default=None, aliases=())).add_to(how)
    drawn = cent.add_argument_group("maps on polygons (with --map)")
    drawn.add_argument("--map", type=Path, metavar="OUT.png", help="draw the measures (beside the supply with "
                       "--supply) on the nodes' polygons: OUT.png or .svg, one file per map, an existing one "
                       "replaced only with --overwrite")
    Params(replace(MAP["boundaries"], help=MAP["boundaries"].help + " (default: prefectures)"),
           MAP["id_property"]).add_to(drawn)
    add_read_options(cent, ("nodes", "edges", "supply", "adjacency"))
    add_output(cent, metavar="OUT.csv")
    cent.set_defaults(func=run_centrality)


def read_tables(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The --nodes and --edges tables with their --sheet and --encoding, ids as written."""
    return (read(args, args.nodes, "nodes", text=lambda names: list(names[:1])),
            read(args, args.edges, "edges", text=edge_ends))


def run_build(args: argparse.Namespace) -> int:
    from healthalloc.data.output import check_output_folder, output_folder
    from healthalloc.mobility import geo_proximity, network_from_records, same_category

    check_output_folder(args.output, input_paths(args))
    nodes = read(args, args.nodes, "nodes", text=lambda names: [args.unit] if args.unit else list(names[:1]))
    if args.coords and len(args.coords) != 2:
        raise DataError(f"--coords takes two columns, X,Y; got {','.join(args.coords)}")
    if (args.coords or args.same_category) and nodes is None:
        raise DataError("--coords and --same-category name columns of the node table: give it with --nodes")
    with naming_files(records=args.file, nodes=args.nodes):
        records = read(args, args.file, "records", text=(args.origin, args.destination))
        options = RECORDS.from_args(args)
        net = network_from_records(records, nodes=nodes, **options)
        ties = net.binarize(args.binarize, args.threshold, flows=True)  # edges.csv: the ties with their flows
        check_columns(net.nodes, (args.coords or []) + args.same_category, source="nodes")
        matrices = {"geoprox": geo_proximity(net.nodes[args.coords], metric=args.metric)} if args.coords else {}
        for col in args.same_category:
            matrices[f"same_{col}"] = same_category(net.attribute(col))
    flows, edges = net.edges(), ties.edges()

    if "id" in net.nodes.columns:  # nodes.csv starts with the node id, named id
        raise DataError(f"{args.nodes.name}: a column other than the first (the node id) is named 'id'; "
                        "rename it, or put it first")
    with output_folder(args.output, input_paths(args)) as folder:
        net.nodes.reset_index().rename(columns={net.nodes.index.name or "index": "id"}) \
            .to_csv(folder / "nodes.csv", index=False, encoding="utf-8")
        edges.to_csv(folder / "edges.csv", index=False, encoding="utf-8")
        flows.to_csv(folder / "flows.csv", index=False, encoding="utf-8")
        for name, matrix in matrices.items():
            frame = pd.DataFrame(matrix, index=pd.Index(net.ids, name="id"), columns=list(net.ids))
            frame.reset_index().to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
    print(f"wrote nodes.csv, edges.csv, flows.csv{''.join(f', {m}.csv' for m in matrices)} to {args.output}")
    summary = pd.concat([net.summary(), ties.summary()], ignore_index=True)  # the objects written
    summary.insert(0, "network", ["flows (flows.csv)", "ties (edges.csv)"])
    print(summary.to_string(index=False))
    return 0


def run_centrality(args: argparse.Namespace) -> int:
    from healthalloc.mobility import centrality, read_network

    _check_map(args)
    nodes, edges = read_tables(args)
    with naming_files(nodes=args.nodes, edges=args.edges):
        result = centrality(read_network(nodes, edges, **READ_EDGES.from_args(args)))
    if args.supply is None:
        given = [flag for flag, on in (("--against", args.against is not None), ("--coords", args.coordinates),
                                       ("--provinces", args.provinces),
                                       *((f"--{n}", getattr(args, n) is not None) for n in WEIGHT_OPTIONS)) if on]
        if given:
            raise DataError(f"{', '.join(given)} describe the supply the centrality is correlated with: "
                            "give it with --supply FILE")
        write_table(result.to_frame(), args.output, digits=4, inputs=[args.nodes, args.edges],
                    overwrite=args.overwrite)
        if args.map:
            _write_maps(args, {m: ("", lambda m=m: result.map(boundaries=args.boundaries, measure=m,
                                                                id_property=args.id_property))
                               for m in args.measures})
        return 0
    from healthalloc.mobility.centrality import supply_correlation

    if args.against is None:
        raise DataError("--supply needs --against COL[,COL...]: the supply columns to correlate with")
    supply = read(args, args.supply, "supply", text=lambda names: list(names[:1]))
    weights = _supply_weights(args, supply, nodes, result.table.index)
    with naming_files(supply=args.supply):
        found = supply_correlation(result, supply, weights, **SUPPLY.from_args(args))
    write_table(found.to_frame(), args.output, digits=4, inputs=input_paths(args), overwrite=args.overwrite,
                beside={".centrality.csv": result.to_frame()})
    print(found.reading())
    if args.map:
        _write_maps(args, {name.removesuffix("_map"): figure for name, figure in
                           found.figures(boundaries=args.boundaries, id_property=args.id_property).items()})
    return 0


_FIGURE_SUFFIXES = (".png", ".svg")


def _map_paths(args: argparse.Namespace, names: list[str]) -> list[Path]:
    """--map OUT.png for one map, OUT_NAME.png for each of several."""
    return [args.map] if len(names) == 1 else [beside_path(args.map, f"_{name}") for name in names]


def _check_map(args: argparse.Namespace) -> None:
    """--map's files may be written (checked before anything is computed); --boundaries and
    --id-property only with --map; the embedded prefectures by default."""
    from healthalloc.data.output import check_file

    if args.map is None:
        given = [flag for flag, value in (("--boundaries", args.boundaries), ("--id-property", args.id_property))
                 if value is not None]
        if given:
            raise DataError(f"{', '.join(given)} describe the map: give it with --map OUT.png")
        return
    args.boundaries = args.boundaries or "prefectures"
    check_file(args.map, _FIGURE_SUFFIXES, _map_inputs(args), overwrite=True)  # the name given, not yet its files
    pairs = [(m, a) for m in args.measures for a in (args.against or [None])] if args.supply else \
        [(m, None) for m in args.measures]
    names = [m if a is None else f"{m}_{a}" for m, a in pairs]
    for path in _map_paths(args, names):
        check_file(path, _FIGURE_SUFFIXES, _map_inputs(args), overwrite=args.overwrite)


def _map_inputs(args: argparse.Namespace) -> list[Path]:
    """The files the command reads, the --boundaries file included."""
    inputs = [p for p in input_paths(args) if p != args.map]
    return inputs + ([Path(args.boundaries)] if args.id_property else [])


def _write_maps(args: argparse.Namespace, figures: dict) -> None:
    """Draw ``figures`` (name → (caption, draw)) and write them together, as :func:`_map_paths` names them."""
    from healthalloc.data.output import write_files
    from healthalloc.report.figures.base import DPI, quiet_glyphs

    def writer(figure):
        def write(tmp: Path) -> None:
            with quiet_glyphs():
                figure.savefig(tmp, format=tmp.suffix[1:].lower(), dpi=DPI, bbox_inches="tight")
        return write, _FIGURE_SUFFIXES

    drawn = {path: writer(draw()) for path, (_, draw) in zip(_map_paths(args, list(figures)), figures.values())}
    written = write_files(drawn, inputs=_map_inputs(args), overwrite=args.overwrite)
    print(f"wrote {', '.join(map(str, written))}")


def _supply_weights(args: argparse.Namespace, supply: pd.DataFrame, nodes: pd.DataFrame, node_ids: pd.Index):
    """The spatial weights over the supply table's units the options describe: --knn, --band, --adjacency,
    --provinces, or the 5 nearest units with --coords alone; coordinates from FILE, else from --nodes."""
    from healthalloc.cli.spatial import _weights

    chosen = args.provinces or any(getattr(args, n) is not None for n in WEIGHT_OPTIONS)
    if not chosen and not args.coordinates:
        raise DataError("--supply needs spatial weights for the bivariate Moran's I: --knn K or --band KM with "
                        "--coords LON,LAT, --adjacency FILE, or --provinces")
    unit = supply.columns[0]
    written = supply[unit].astype(str).str.strip()
    if not node_ids.astype(str).isin(written).all():
        return None  # supply_correlation names the nodes without supply
    data = supply[written.isin(node_ids.astype(str))]  # other units are left out (said by supply_correlation)
    missing = [c for c in args.coordinates or [] if c not in supply.columns]
    if missing:  # the coordinates of the node table, matched by id as written
        check_columns(nodes, missing, source="nodes")
        coords = nodes.set_index(nodes[nodes.columns[0]].astype(str).str.strip())[missing]
        data = data.assign(**{c: written[data.index].map(coords[c]) for c in missing})
    settings = argparse.Namespace(**vars(args) | {"unit": unit})
    if not chosen:
        settings.knn = WEIGHTS["knn"].default
    with blame(args.supply):
        return _weights(settings, data)
