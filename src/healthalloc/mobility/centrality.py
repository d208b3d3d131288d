"""Centrality of the nodes of a mobility network.

=========================  ======================================================
column                     meaning
=========================  ======================================================
``in_degree``              ties received (origins sending people here)
``out_degree``             ties sent
``in_degree_std``          standardized in-degree: in_degree / (n − 1), the share of
                           the other nodes that send a tie (UCINET's normalized
                           in-degree; seed 003's Figure 7)
``in_strength``            total inflow (sum of tie weights received)
``out_strength``           total outflow
``in_strength_share``      in_strength / Σ in_strength: the node's share of the flow received
                           (undirected: of the strength, each tie at both ends; the shares
                           sum to 1; 0 in a network without flow)
``betweenness``            shortest-path betweenness on the binary network,
                           normalized by (n − 1)(n − 2) (directed) or half that
``pagerank``               PageRank (damping 0.85) on the weighted network
=========================  ======================================================

Undirected networks report ``degree`` and ``strength`` in the in/out columns alike. Tie
weights are flows, finite and ≥ 0 (every :class:`~healthalloc.mobility.network.Network`
checks them). Betweenness is Brandes' (2001) algorithm run on blocks of sources at once with sparse
matrix products (breadth-first levels forward, dependencies backward), equal to
:func:`networkx.betweenness_centrality` and much faster on thousands of nodes; PageRank
(Page et al. 1999) uses :mod:`networkx`.

:func:`supply_correlation` asks whether the nodes people travel to are those with the supply (seed
003's Figures 6–7, "aligns well"): for each measure and supply column, Spearman's rank correlation
(:func:`scipy.stats.spearmanr`) and, given spatial weights, the bivariate Moran's I of the measure
with the spatial lag of the supply (:func:`healthalloc.spatial.moran_bv`, permuting the supply).
On polygons (``boundaries``: ``"provinces"``, ``"prefectures"`` or a GeoJSON file with an id
property, see :func:`healthalloc.report.geo.shapes`) :meth:`SupplyCorrelation.map` draws a measure
beside a supply column, seed 003's Figure 7 beside its Figure 6.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import pandas as pd

from healthalloc.data import DataError, check_columns, numeric_matrix
from healthalloc.data.messages import listing
from healthalloc.data.validate import id_column, id_positions
from healthalloc.params import REQUIRED, Param, Params, declared
from healthalloc.report.figures import styled
from healthalloc.report.tables import p_text
from healthalloc.result import Result
from healthalloc.spatial.bivariate import BIVARIATE, PERMUTATIONS

__all__ = ["CORRELATION_COLUMNS", "MAP", "MEASURES", "CentralityResult", "SupplyCorrelation", "betweenness",
           "centrality", "supply_correlation"]

DAMPING = 0.85
"""PageRank damping factor."""
SOURCES_PER_BLOCK = 256
"""Breadth-first searches run together by :func:`betweenness`."""
#: The columns of :func:`centrality`'s table, in order.
MEASURES = ("in_degree", "out_degree", "in_degree_std", "in_strength", "out_strength", "in_strength_share",
            "betweenness", "pagerank")
#: The columns of :meth:`SupplyCorrelation.to_frame`, in order.
CORRELATION_COLUMNS = ("measure", "against", "spearman", "spearman_p", "bivariate_moran", "bivariate_moran_p", "n")

#: The parameters of :func:`supply_correlation` (the tables and the weights aside).
SUPPLY = Params(
    Param("against", REQUIRED, "supply columns each measure is correlated with (counts or per-capita rates)",
          many=True, metavar="COL,COL"),
    Param("measures", ("in_degree_std", "in_strength"), "centrality measures correlated with the supply",
          choices=MEASURES, many=True, metavar="M,M"),
    Param("unit", None, "column of the node ids in the supply table, ids as written (default: its first column)",
          role="unit", cli=False),
    BIVARIATE["permutations"],
    replace(BIVARIATE["seed"], help="seed of the permutations: each measure and supply column uses it afresh, so "
            "a pair's result does not depend on the others"),
)

#: Where the maps of :meth:`CentralityResult.map` and :meth:`SupplyCorrelation.map` are drawn.
MAP = Params(
    Param("boundaries", None, "polygons of the nodes: 'provinces', 'prefectures' (ids are adcodes or Chinese "
          "names) or a GeoJSON file whose --id-property names the nodes", kind=str,
          metavar="prefectures|FILE.geojson", study=False),
    Param("id_property", None, "the property of the --boundaries GeoJSON file holding each feature's node id",
          kind=str, metavar="NAME", study=False),
)


@dataclass(frozen=True)
class CentralityResult(Result):
    """Centrality of every node (see the module docstring for the columns)."""

    table: pd.DataFrame
    directed: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per node: ``node`` and every measure."""
        return self.table.reset_index()

    def summary(self) -> pd.DataFrame:
        """Mean, sd, min and max of every measure, and the node with the largest value."""
        stats = self.table.agg(["mean", "std", "min", "max"]).T
        stats["top_node"] = [self.table[c].idxmax() for c in self.table.columns]
        return stats.reset_index(names="measure")

    def plot(self, measure: str = "in_degree_std", top: int = 20):
        """The ``top`` nodes by ``measure`` as horizontal bars."""
        from healthalloc.report.figures.bars import bars

        return bars(self.table[measure].nlargest(top), title=f"Top {top} nodes by {measure}")

    def map(self, coords: pd.DataFrame | None = None, measure: str = "in_degree_std",
            labels: pd.Series | None = None, top: int = 10, *, boundaries=None, id_property: str | None = None):
        """``measure`` of every node (seed 003's Figure 7): with ``boundaries`` (see :data:`MAP`) a
        choropleth of the nodes' polygons; else at each node's coordinates (``coords``: x/lon and
        y/lat columns, indexed by node), colour and size by value, the ``top`` nodes labelled."""
        if boundaries is not None:
            from healthalloc.report.figures.maps import choropleth
            from healthalloc.report.geo import shapes

            return choropleth(self.table[measure], geography=shapes(boundaries, id_property), label=measure,
                              title=f"{measure} of every node")
        if coords is None:
            raise ValueError("map needs coords (the nodes' coordinates) or boundaries (their polygons)")
        return _point_map(self.table[measure], coords, measure, labels, top)


def centrality(net) -> CentralityResult:
    """In/out degree, standardized in-degree, strength, betweenness and PageRank of every node.

    Parameters
    ----------
    net : Network
        A valued or binary network (:class:`~healthalloc.mobility.network.Network`).

    Returns
    -------
    CentralityResult
    """
    W = net.weights.tocsr()
    B = (W != 0).astype(float)
    n = net.n
    in_deg = np.asarray(B.sum(axis=0)).ravel()
    out_deg = np.asarray(B.sum(axis=1)).ravel()
    in_str = np.asarray(W.sum(axis=0)).ravel()
    out_str = np.asarray(W.sum(axis=1)).ravel()
    graph = nx.from_scipy_sparse_array(W, create_using=nx.DiGraph if net.directed else nx.Graph)
    between = betweenness(B) / ((n - 1) * (n - 2)) if n > 2 else np.zeros(n)
    rank = nx.pagerank(graph, alpha=DAMPING, weight="weight") if W.nnz else {i: 1 / n for i in range(n)}
    table = pd.DataFrame({
        "in_degree": in_deg, "out_degree": out_deg,
        "in_degree_std": in_deg / (n - 1) if n > 1 else np.nan,
        "in_strength": in_str, "out_strength": out_str,
        "in_strength_share": in_str / in_str.sum() if in_str.sum() else np.zeros(n),
        "betweenness": between, "pagerank": [rank[i] for i in range(n)],
    }, index=pd.Index(net.ids, name="node"))
    return CentralityResult(table, net.directed)


@dataclass(frozen=True)
class SupplyCorrelation(Result):
    """How the nodes' centrality goes with their supply: one row per measure and supply column.

    Attributes
    ----------
    table : DataFrame
        :data:`CORRELATION_COLUMNS`: ``spearman`` and ``spearman_p`` (two-sided) from
        :func:`scipy.stats.spearmanr`; ``bivariate_moran`` (I of the measure with the spatial lag of
        the supply) and ``bivariate_moran_p`` (its permutation pseudo p-value, ``p_sim``), NaN
        without weights; ``n`` nodes.
    morans : mapping
        The :class:`~healthalloc.spatial.bivariate.BivariateMoranResult` of each (measure, against).
    values : DataFrame
        The measures and supply columns correlated, one row per node (indexed by its id as written).
    """

    table: pd.DataFrame
    permutations: int
    seed: int | None
    weights: object = field(repr=False)
    morans: Mapping = field(repr=False)
    values: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per measure and supply column: :data:`CORRELATION_COLUMNS`."""
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """The table: Spearman's ρ and the bivariate Moran's I, each with its p-value."""
        return self.table.copy()

    def reading(self) -> str:
        return self._statistics(self.table.iloc[0])

    @staticmethod
    def _statistics(row: pd.Series) -> str:
        """One sentence: how ``row``'s measure goes with its supply column."""
        moran = "" if pd.isna(row["bivariate_moran"]) else (
            f", bivariate Moran's I {row['bivariate_moran']:.3f} ({p_text(row['bivariate_moran_p'], 'pseudo p')})")
        if pd.isna(row["spearman"]):
            return (f"{row['measure']} and {row['against']} over {row['n']} nodes: no correlation (one of them "
                    "does not vary).")
        return (f"{row['measure']} and {row['against']} over {row['n']} nodes: Spearman's rho "
                f"{row['spearman']:.3f} ({p_text(row['spearman_p'])}){moran}.")

    def map(self, boundaries, measure: str | None = None, against: str | None = None, *,
            id_property: str | None = None, classes: int | None = 5):
        """``measure`` (default: the first) beside supply column ``against`` (default: the first) on
        the nodes' polygons, each on its own scale, titled with their Spearman's ρ and bivariate Moran's I.

        ``boundaries`` and ``id_property`` as in :data:`MAP`; ``classes`` quantile classes per map
        (None: colour bars); the figure is :func:`~healthalloc.report.figures.paired_choropleth`'s.
        """
        from healthalloc.report.figures.maps import paired_choropleth
        from healthalloc.report.geo import shapes

        first = self.table.iloc[0]
        measure, against = measure or first["measure"], against or first["against"]
        rows = self.table[(self.table["measure"] == measure) & (self.table["against"] == against)]
        if rows.empty:
            pairs = listing([f"{m} with {a}" for m, a in self.table[["measure", "against"]].itertuples(index=False)])
            raise ValueError(f"no correlation of {measure} with {against}; the result has {pairs}")
        return paired_choropleth(self.values[measure], self.values[against],
                                 geography=shapes(boundaries, id_property), classes=classes,
                                 title=self._statistics(rows.iloc[0]))

    def figures(self, boundaries=None, id_property: str | None = None) -> dict:
        """With ``boundaries``, one map per measure and supply column: the measure beside the supply."""
        if boundaries is None:
            return {}
        return {f"{row['measure']}_{row['against']}_map": (
                    f"{row['measure']} (left) beside {row['against']} (right). " + self._statistics(row),
                    lambda m=row["measure"], a=row["against"]: self.map(boundaries, m, a, id_property=id_property))
                for _, row in self.table.iterrows()}

    def __str__(self) -> str:
        return f"Centrality against supply ({self.permutations} permutations, seed {self.seed})\n" + \
            self.table.round(4).to_string(index=False)


@declared(SUPPLY, data=("result", "supply", "weights"))
def supply_correlation(
    result,
    supply: pd.DataFrame,
    weights=None,
    *,
    against: Sequence[str],
    measures: Sequence[str] = ("in_degree_std", "in_strength"),
    unit: str | None = None,
    permutations: int = PERMUTATIONS,
    seed: int | None = None,
) -> SupplyCorrelation:
    """Spearman's ρ and the bivariate Moran's I of each centrality measure with each supply column.

    Parameters
    ----------
    result : CentralityResult or DataFrame
        :func:`centrality`'s result, or its table (indexed by node, or with the node ids in a
        ``node`` column, as ``network centrality`` writes it).
    supply : DataFrame
        One row per node: the node id (column ``unit``, default the first) and the supply columns.
        Ids are compared as written (``01`` is not ``1``). Every node of the network must have a
        row (else :class:`~healthalloc.data.DataError` naming the missing nodes); rows of other
        units are left out with a warning naming them.
    weights : SpatialWeights or libpysal W, optional
        Spatial weights over the nodes (ids as in ``supply``) for the bivariate Moran's I, the
        measure at a node against the supply around it; without them those columns are NaN.

    Returns
    -------
    SupplyCorrelation
    """
    from scipy.stats import spearmanr

    from healthalloc.spatial.bivariate import moran_bv

    table = result.table if isinstance(result, CentralityResult) else result
    if "node" in table.columns:
        table = table.set_index("node")
    check_columns(table, list(measures), source="centrality")
    check_columns(supply, [unit] if unit else [], source="supply")
    unit = unit or supply.columns[0]
    check_columns(supply, list(against), source="supply")
    ids = id_column(supply[unit], source="supply", unique="node ids")
    nodes = pd.Index(table.index)
    at = id_positions(pd.Series(nodes.astype(str)), pd.Index(ids))
    if (at < 0).any():
        raise DataError(f"supply: no row for nodes {listing([str(v) for v in nodes[at < 0]])} of the network "
                        f"({(at < 0).sum()} of {len(nodes)}); every node needs its supply (ids as written)")
    others = np.setdiff1d(np.arange(len(ids)), at)
    if len(others):
        warnings.warn(f"supply: rows of {len(others)} units that are not nodes of the network left out: "
                      f"{listing([str(v) for v in ids.iloc[others]])}", stacklevel=2)
    rows = supply.iloc[at]
    values = numeric_matrix(rows, list(against), unit=unit, source="supply")
    frame = pd.DataFrame(values, columns=list(against)).assign(**{m: table[m].to_numpy(float) for m in measures})
    frame.insert(0, "_unit", ids.iloc[at].to_numpy())
    out, morans = [], {}
    for m in measures:
        for a in against:
            if frame[m].nunique() < 2 or frame[a].nunique() < 2:  # no variation: nothing to correlate
                warnings.warn(f"{m if frame[m].nunique() < 2 else a} takes one value at every node: its "
                              f"correlations with {a if frame[m].nunique() < 2 else m} are undefined (left empty)",
                              stacklevel=2)
                out.append((m, a, np.nan, np.nan, np.nan, np.nan, len(frame)))
                continue
            rho, p = spearmanr(frame[m], frame[a])
            moran = (moran_bv(frame, m, a, weights, unit="_unit", permutations=permutations, seed=seed)
                     if weights is not None else None)
            morans[m, a] = moran
            out.append((m, a, float(rho), float(p), moran.I if moran else np.nan,
                        moran.p_sim if moran else np.nan, len(frame)))
    return SupplyCorrelation(pd.DataFrame(out, columns=list(CORRELATION_COLUMNS)), permutations, seed,
                             weights, morans, frame.set_index("_unit").rename_axis("unit"))


@styled
def _point_map(values: pd.Series, coords: pd.DataFrame, measure: str, labels: pd.Series | None, top: int):
    from matplotlib.figure import Figure

    from healthalloc.report.figures.placement import place_labels

    xy = coords.reindex(values.index).iloc[:, :2].to_numpy(float)
    v = values.to_numpy(float)
    fig = Figure(figsize=(7, 5.5))
    ax = fig.subplots()
    scale = v / v.max() if v.max() > 0 else v
    points = ax.scatter(xy[:, 0], xy[:, 1], c=v, s=8 + 120 * scale, cmap="YlOrRd", edgecolor="grey", lw=0.3)
    fig.colorbar(points, ax=ax, shrink=0.7, label=measure)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(coords.columns[0])
    ax.set_ylabel(coords.columns[1])
    ax.set_title(f"{measure} of every node")
    named = values.nlargest(top).index
    place_labels(ax, xy[values.index.get_indexer(named)],
                 [labels[node] if labels is not None else node for node in named])
    return fig


def betweenness(adjacency) -> np.ndarray:
    """Shortest-path betweenness of every node of a binary graph, unnormalized (Brandes 2001).

    Parameters
    ----------
    adjacency : scipy.sparse matrix
        ``A[i, j] ≠ 0``: a tie i → j (symmetric for an undirected graph, whose pairs are
        then counted in both directions, as :mod:`networkx` does before its rescaling).

    Returns
    -------
    ndarray
        Σ over sources s and targets t ≠ s of the share of shortest s–t paths through each node.
    """
    from scipy.sparse import csr_matrix

    A = csr_matrix(adjacency, dtype=float)
    A.data[:] = 1.0
    AT = A.T.tocsr()
    n = A.shape[0]
    total = np.zeros(n)
    for start in range(0, n, SOURCES_PER_BLOCK):
        sources = np.arange(start, min(start + SOURCES_PER_BLOCK, n))
        rows = np.arange(len(sources))
        sigma = np.zeros((len(sources), n))
        sigma[rows, sources] = 1.0
        seen = sigma > 0
        levels = [seen.copy()]
        frontier = sigma.copy()
        while True:  # forward: shortest-path counts level by level
            reach = np.asarray((AT @ frontier.T).T)
            new = (reach > 0) & ~seen
            if not new.any():
                break
            sigma[new] = reach[new]
            seen |= new
            levels.append(new)
            frontier = np.where(new, sigma, 0.0)
        delta = np.zeros_like(sigma)
        safe = np.where(sigma > 0, sigma, 1.0)
        for depth in range(len(levels) - 1, 0, -1):  # backward: dependencies of predecessors
            coef = np.where(levels[depth], (1.0 + delta) / safe, 0.0)
            delta += np.where(levels[depth - 1], sigma * np.asarray((A @ coef.T).T), 0.0)
        delta[rows, sources] = 0.0
        total += delta.sum(axis=0)
    return total
