"""Registrations of the mobility network and ERGM analyses for study files.

``network``: the study's data set holds the nodes (role ``unit``: the node id; optional
``coordinates`` = [x, y] for the centrality map); the individual records (or flows) come
from an embedded data set or a file named by ``records``, with columns ``origin``,
``destination`` and optionally ``weight``. It exports ``in_degree_std`` and ``ties`` (the
binarized ties, for ``ergm``).

``ergm``: the same nodes, the ties of a ``network`` analysis (role ``edges =
"NAME.ties"``), and one or more ``models`` (label = formula) fitted side by side as seed
003's Tables 3–4, with ``GeoProx`` (inverse distance from ``coordinates``) and
``same_category`` covariates (name = node column) for ``edgecov``, and the goodness of fit
of the model with the lowest AIC. Records from a SYNTHETIC data set are flagged in the report.
With ``networks`` (label = nodes) the same models are fitted on each of several node sets
of that network and set side by side (seed 003's Tables 3 and 4: the nation and Zhejiang),
with approximate tests of each shared coefficient's difference and a note for each
differently scaled covariate (:func:`~healthalloc.mobility.ergm.fit_networks`). The nodes
of an entry are ``"all"``, a list of node ids, or a table ``{column = value}`` (a list of
values allowed; every column must match), e.g.
``networks = { national = "all", Zhejiang = { province = "浙江省" } }``; covariates are
computed on the whole network, then cut to the entry's nodes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from healthalloc.mobility import (centrality, geo_proximity, network_from_edges, network_from_records,
                                  same_category)
from healthalloc.mobility.centrality import MAP, SUPPLY, supply_correlation
from healthalloc.mobility.ergm import Control, compare_models, ergm, fit_networks, gof
from healthalloc.data import DataError
from healthalloc.data.datasets import load_prefecture_geography
from healthalloc.data.regions import PROVINCES
from healthalloc.data.validate import METRIC
from healthalloc.mobility.ergm.fit import CONTROL
from healthalloc.mobility.ergm.fit import PARAMS as ERGM_PARAMS
from healthalloc.mobility.ergm.scales import PARAMS as SCALES_PARAMS
from healthalloc.mobility.network import PARAMS as NETWORK_PARAMS
from healthalloc.params import REQUIRED, Param, Params
from healthalloc.report.geo import GEOGRAPHIES
from healthalloc.report.section import Section
from healthalloc.spatial.weights import KNN, spatial_weights
from healthalloc.study.analyses_access import _source
from healthalloc.study.registry import Context, register

NODES = Params(Param("unit", role="unit"), Param("coordinates", None, role="coordinates", many=True))
SYNTHETIC = ("The migration records are SYNTHETIC (a seeded stand-in for seed 003's CMDS records, see "
             "describe('{name}')): the tables show the method, not findings.")


@register("network", title="Mobility network",
          params=Params(
              NODES["coordinates"],
              Param("records", REQUIRED, "embedded data set or file of records (one per person) or flows", kind=str,
                    source=True),
              *NETWORK_PARAMS,
              Param("label", None, "node column to label the map with", kind=str),
              Param("supply", None, "node columns of supply (e.g. high-tier hospitals) that standardized in-degree "
                    "is correlated with: Spearman's rho and, with coordinates, the bivariate Moran's I over the "
                    f"{KNN} nearest nodes (seed 003's Figs. 6-7)", many=True),
              replace(MAP["boundaries"], study=True, help="polygons to map the nodes on: 'provinces', "
                      "'prefectures', or a GeoJSON file (relative to the study) with id_property"),
              replace(MAP["id_property"], study=True),
              replace(SUPPLY["permutations"], name="permutations"),
              Param("seed", 1, "seed of the bivariate Moran permutations", kind=int)),
          exports=("in_degree_std", "ties"))
def _network(ctx: Context) -> Section:
    r, o = ctx.roles, ctx.options
    records, synthetic = _source(ctx, o["records"])
    net = network_from_records(records, o["origin"], o["destination"], weight=o["weight"], nodes=ctx.data,
                               unit=r.get("unit"), directed=o["directed"])
    ties = net.binarize(o["binarize"], o["threshold"], flows=True)  # the ties kept, with their flows
    cent = centrality(net)
    summary = pd.concat([net.summary().assign(network="flows"), ties.summary().assign(network="ties")],
                        ignore_index=True)
    top, names = cent.table["in_degree_std"].nlargest(5), _node_names(net, o["label"])
    highest = "; ".join(f"{names[k]} ({k}): {v:.3f}" if names[k] else f"{k}: {v:.3f}" for k, v in top.items())
    reading = (f"{len(records):,} records give {net.n_edges:,} flows between {net.n} nodes; with rule "
               f"'{o['binarize']}' {ties.n_edges:,} ties (density {ties.summary()['density'].iloc[0]:.4f}). "
               f"Highest standardized in-degree: {highest}.")
    sec = Section(ctx.name, "Population mobility network", reading)
    sec.add_table("summary", summary[["network"] + [c for c in summary.columns if c != "network"]],
                  "Valued flows and the binary ties kept for the ERGM.")
    table = cent.to_frame()
    sec.add_table("centrality", table.assign(name=table["node"].map(names))[["node", "name", *table.columns[1:]]]
                  if (names != "").any() else table, "In/out degree, standardized in-degree (in-degree / (n − 1)), "
                  "strength, betweenness and PageRank of every node.")
    flows = net.edges().nlargest(20, "weight").reset_index(drop=True)
    if (names != "").any():
        flows = flows.assign(origin_name=flows["from"].map(names), destination_name=flows["to"].map(names))
        flows = flows[["from", "to", "origin_name", "destination_name", "weight"]]
    sec.add_table("top_flows", flows, "The 20 largest origin–destination flows.")
    boundaries = _boundaries(ctx)
    if r.get("coordinates") or boundaries is not None:
        coords = net.nodes[r["coordinates"]] if r.get("coordinates") else None
        labels = net.nodes[o["label"]] if o["label"] else None
        sec.add_figure("centrality_map", cent.map(coords, labels=labels, boundaries=boundaries,
                                                  id_property=o["id_property"]),
                       "Standardized in-degree centrality of every node (seed 003's Figure 7).")
    if o["supply"]:
        _alignment(ctx, net, cent, sec, boundaries)
    if synthetic:
        sec.add_note(SYNTHETIC.format(name=o["records"]))
    sec.exports["in_degree_std"] = cent.table["in_degree_std"]
    edges = ties.edges()
    sec.exports["ties"] = pd.Series(edges["weight"].to_numpy(), index=pd.MultiIndex.from_frame(edges[["from", "to"]]),
                                    name="ties")
    sec.exports["ties"].attrs = {"directed": o["directed"], "synthetic": synthetic, "records": o["records"]}
    return sec


def _node_names(net, label: str | None) -> pd.Series:
    """Each node's name ("" where none is known): its ``label`` column, else for a GB/T 2260 code the
    embedded gazetteers' (a mainland province's English name, a prefecture's Chinese one)."""
    if label:
        return net.nodes[label].fillna("").astype(str)
    prefectures = load_prefecture_geography().set_index("adcode")["name_cn"]
    provinces = {p.code: p.name_en for p in PROVINCES}

    def name(node) -> str:
        code = int(node) if str(node).isdigit() and len(str(node)) == 6 else None
        return provinces.get(code) or str(prefectures.get(code, ""))

    return pd.Series([name(node) for node in net.ids], index=net.ids, dtype=str)


def _boundaries(ctx: Context):
    """The ``boundaries`` key: an embedded geography's name as it is, a file relative to the study."""
    name = ctx.options["boundaries"]
    if name is None or name in GEOGRAPHIES:
        return name
    return Path(ctx.study_dir or ".") / name


def _alignment(ctx: Context, net, cent, sec: Section, boundaries) -> None:
    """Seed 003's 'aligns well' as numbers: in-degree against each supply column, and the paired maps."""
    r, o = ctx.roles, ctx.options
    nodes = net.nodes.rename_axis("node").reset_index()  # one row per node, ids as the network has them
    weights = spatial_weights(nodes, "node", "knn", coordinates=r["coordinates"]) if r.get("coordinates") else None
    found = supply_correlation(cent, nodes, weights, against=o["supply"], measures=["in_degree_std"], unit="node",
                               permutations=o["permutations"], seed=o["seed"])
    sec.add_table("alignment", found.to_frame(),
                  "Standardized in-degree against supply: Spearman's rho with its p-value, and the bivariate "
                  f"Moran's I (in-degree at a node against supply at its {KNN} nearest nodes) with its "
                  f"permutation p ({o['permutations']} permutations).")
    sec.reading += " " + found.reading()
    if boundaries is not None:
        for key, (caption, draw) in found.figures(boundaries=boundaries, id_property=o["id_property"]).items():
            sec.add_figure(key, draw(), caption)


@register("ergm", title="Exponential random graph models",
          params=NODES + Params(
              Param("edges", role="edges"),
              Param("models", REQUIRED, "model label = statnet formula, fitted side by side", kind=dict, values=str),
              Param("same_category", None, "covariate name = node column: 1 where two nodes share it", kind=dict,
                    values=str),
              Param("geo_name", "GeoProx", "name of the inverse-distance covariate (needs coordinates)", kind=str),
              METRIC,
              # a study's report is reproducible: seed 1 unless the study sets another
              replace(ERGM_PARAMS["seed"], default=1, help="seed of the MCMC and the goodness-of-fit simulations"),
              CONTROL["sample_size"],
              Param("nsim", 100, "networks simulated for the goodness of fit (0: none)", kind=int, low=0),
              Param("networks", None, "network label = its nodes (\"all\", a list of node ids, or { column = "
                    "value(s) }): the models fitted on each, side by side with approximate tests of their "
                    "differences", kind=dict),
              SCALES_PARAMS["scale_ratio"]))
def _ergm(ctx: Context) -> Section:
    r, o = ctx.roles, ctx.options
    ties = r["edges"]
    if not isinstance(ties, pd.Series) or ties.index.nlevels != 2:
        raise ValueError(f"{ctx.name}: edges must be the ties of a network analysis, e.g. edges = \"mobility.ties\"")
    edges = ties.index.to_frame(index=False)
    net = network_from_edges(edges, ctx.data, unit=r["unit"], directed=ties.attrs.get("directed", True))
    if r.get("coordinates"):
        net = net.with_covariate(o["geo_name"], geo_proximity(net.nodes[r["coordinates"]], metric=o["metric"]))
    for name, column in (o["same_category"] or {}).items():
        net = net.with_covariate(name, same_category(net.attribute(column)))
    control = Control(sample_size=o["sample_size"])
    if o["networks"]:
        sec = _networks(ctx, net, control)
    else:
        fits = {label: ergm(net, formula, control=control, seed=o["seed"], progress=False, **ctx.engine)
                for label, formula in o["models"].items()}
        table = compare_models(fits)
        sec = table.section(ctx.name, "Exponential random graph models")
        sec.add_table("models", table.to_frame(), "Estimates side by side (seed 003's layout); " + STARS)
        sec.add_table("coefficients", _coefficients(fits), "Every coefficient with its standard error, z and "
                      "two-sided normal p.")
        sec.add_table("fit", table.summary(), "Method, log-likelihood, deviances, AIC and BIC of every model.")
        _gof(ctx, sec, fits, table.best)
    if ties.attrs.get("synthetic"):
        sec.add_note(SYNTHETIC.format(name=ties.attrs.get("records")))
    return sec


UNSAFE = re.compile(r"[^\w-]+")
"""Characters a network label loses in the names of the files the study writes."""
STARS = "*** p < 0.001, ** p < 0.01, * p < 0.05, . p < 0.1; AIC and BIC with nobs = dyads; N = nodes."


def _coefficients(fits: dict) -> pd.DataFrame:
    """Every coefficient of ``fits`` (``{model: ErgmResult}``) with its model."""
    return pd.concat([fit.to_frame().assign(model=label) for label, fit in fits.items()], ignore_index=True)


def _gof(ctx: Context, sec: Section, fits: dict, best: str | None, network: tuple[int, str] | None = None) -> None:
    """The goodness of fit of model ``best`` (None when no model converged: none) of ``fits``,
    as table and figure ``gof`` (``gof_K_NETWORK`` for the K-th of several networks, its label
    made a safe file name: it names the files the study writes)."""
    o = ctx.options
    if not (o["nsim"] and best and np.isfinite(fits[best].coef.to_numpy(float)).all()):
        return
    if network is None:
        key, of = "gof", best
    else:
        key, of = f"gof_{network[0]}_{UNSAFE.sub('_', network[1]).strip('_')}", f"{best} in {network[1]}"
    result = gof(fits[best], o["nsim"], seed=o["seed"], **ctx.engine)
    sec.add_table(key, result.to_frame(), f"Goodness of fit of {of}: observed against {o['nsim']} simulated networks "
                  "(degree, edgewise shared partners, geodesic distance).")
    sec.add_figure(key, result.plot(), f"Goodness of fit of {of}: observed line inside the simulated 95% band?")


def _networks(ctx: Context, net, control: Control) -> Section:
    """The models on each node set of ``networks``, side by side (seed 003's Tables 3–4)."""
    o = ctx.options
    nets = {}
    for label, spec in o["networks"].items():
        try:
            nets[label] = _nodes(net, spec)
        except DataError as exc:
            raise DataError(f"networks.{label}: {exc}") from exc
    both = fit_networks(nets, o["models"], control=control, seed=o["seed"], progress=False,
                        scale_ratio=o["scale_ratio"], **ctx.engine)
    sec = both.section(ctx.name, "Exponential random graph models")
    sec.add_table("models", both.to_frame(), "Estimates of every network and model side by side (seed 003's "
                  "Tables 3–4); " + STARS)
    sec.add_table("differences", both.differences(), "Each shared coefficient's difference between two networks, "
                  "z = (b₁ − b₂) / √(se₁² + se₂²) and its two-sided normal p: approximate, treating the two fits as "
                  "independent, which a node subset of one network is not; comparable is False where the "
                  f"covariate's standard deviation differs by more than ×{o['scale_ratio']:g}.")
    sec.add_table("scales", both.scales(), "Mean and standard deviation of each covariate (nodal: over the nodes; "
                  "edge: over the dyads) in each network.")
    sec.add_table("coefficients", pd.concat([_coefficients(fits).assign(network=label)
                                             for label, fits in both.fits.items()], ignore_index=True),
                  "Every coefficient with its standard error, z and two-sided normal p.")
    sec.add_table("fit", both.summary(), "Method, log-likelihood, deviances, AIC and BIC of every network's models.")
    for note in both.notes():
        sec.add_note(note)
    for k, (label, fits) in enumerate(both.fits.items(), start=1):
        _gof(ctx, sec, fits, compare_models(fits).best, (k, label))
    return sec


def _nodes(net, spec):
    """The subnetwork a ``networks`` entry names: ``"all"``, a list of node ids, or
    ``{column: value or [values]}`` (the nodes matching every column)."""
    if spec == "all":
        return net
    if isinstance(spec, list):
        return net.subset(spec)
    if not (isinstance(spec, dict) and spec):
        raise DataError(f"must be \"all\", a list of node ids or a table column = value(s), got {spec!r}")
    keep = np.ones(net.n, dtype=bool)
    for column, values in spec.items():
        keep &= net.attribute(column).isin(values if isinstance(values, list) else [values]).to_numpy()
    if not keep.any():
        raise DataError("no node has " + " and ".join(f"{c} = {v!r}" for c, v in spec.items()))
    return net.subset(net.ids[keep])
