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
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from healthalloc.report.figures import styled
from healthalloc.result import Result

__all__ = ["CentralityResult", "betweenness", "centrality"]

DAMPING = 0.85
"""PageRank damping factor."""
SOURCES_PER_BLOCK = 256
"""Breadth-first searches run together by :func:`betweenness`."""


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

    def map(self, coords: pd.DataFrame, measure: str = "in_degree_std", labels: pd.Series | None = None,
            top: int = 10):
        """``measure`` at each node's coordinates (``coords``: x/lon and y/lat columns, indexed
        by node), colour and size by value; the ``top`` nodes labelled (seed 003's Figure 7)."""
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


@styled
def _point_map(values: pd.Series, coords: pd.DataFrame, measure: str, labels: pd.Series | None, top: int):
    from matplotlib.figure import Figure

    xy = coords.reindex(values.index).iloc[:, :2].to_numpy(float)
    v = values.to_numpy(float)
    fig = Figure(figsize=(7, 5.5))
    ax = fig.subplots()
    scale = v / v.max() if v.max() > 0 else v
    points = ax.scatter(xy[:, 0], xy[:, 1], c=v, s=8 + 120 * scale, cmap="YlOrRd", edgecolor="grey", lw=0.3)
    fig.colorbar(points, ax=ax, shrink=0.7, label=measure)
    for node in values.nlargest(top).index:
        i = values.index.get_loc(node)
        ax.annotate(str(labels[node] if labels is not None else node), xy[i], fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(coords.columns[0])
    ax.set_ylabel(coords.columns[1])
    ax.set_title(f"{measure} of every node")
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
