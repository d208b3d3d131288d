"""Origin–destination networks: from individual records or flow tables to a directed,
valued network with node attributes and dyadic covariates.

Seed 003 (its Figure 2) aggregates individual migration records — person *i* moved from
city *x* to city *y* — into city-to-city flows: the flow x → y is the number of records
(or the sum of their weights) from x to y. :func:`network_from_records` does that;
:func:`network_from_edges` takes flows that are already aggregated. The result is a
:class:`Network`: node ids in a fixed order, a sparse valued adjacency matrix, the node
attributes joined by id, and named dyadic covariate matrices.

ERGMs need a binary network, and the rule that turns flows into ties changes the result;
:meth:`Network.binarize` offers the usual ones (:data:`BINARIZE_RULES`):

``"any"``
    a tie wherever the flow is positive;
``"threshold"``
    a tie where the flow is at least ``value``;
``"top_k"``
    each origin's ``value`` largest outflows (ties at the k-th value are all kept);
``"quantile"``
    a tie where the flow is at least the ``value`` quantile of the positive flows.

Dyadic covariates: :func:`geo_proximity` (inverse distance from coordinates, seed 003's
``GeoProx``), :func:`same_category` (1 where two nodes share a category, e.g. a dialect
zone: ``CulProx``) and :func:`covariate_matrix` (any square table whose header row and
first column are node ids, matched by id).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from healthalloc.data import DataError
from healthalloc.data.messages import did_you_mean, listing, rows, show
from healthalloc.data.validate import as_names, check_columns
from healthalloc.data.geo import great_circle
from healthalloc.params import Param, Params
from healthalloc.result import Result

__all__ = ["BINARIZE_RULES", "PARAMS", "Network", "covariate_matrix", "geo_proximity", "network_from_edges",
           "network_from_records", "read_network", "same_category"]

BINARIZE_RULES = ("any", "threshold", "top_k", "quantile")

#: The parameters turning records into a binary network (:func:`network_from_records`,
#: :meth:`Network.binarize`), from which ``healthalloc network build`` and the study
#: analysis ``network`` are generated.
PARAMS = Params(
    Param("origin", "origin", "origin column of the records", kind=str, metavar="COL"),
    Param("destination", "destination", "destination column of the records", kind=str, metavar="COL"),
    Param("weight", None, "weight column (survey weights or flows; default 1 per record)", kind=str, metavar="COL"),
    Param("directed", True, "keep the direction of moves", cli=False),
    Param("binarize", "any", "rule for the ties: any flow, a threshold, the top k per origin, a quantile",
          choices=BINARIZE_RULES),
    Param("value", None, "threshold, k or quantile of the binarize rule", kind=(int, float)),
)


_WHOLE = re.compile(r"[+-]?\d+(\.0*)?")


def _keys(values) -> list[str]:
    """Ids as matching keys: ``1``, ``1.0``, ``"1"`` and ``"001"`` are the same node (a CSV
    reader turns ``001`` into 1 in one file and keeps it as text in a header row)."""
    out = []
    for v in values:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        text = str(v).strip()
        out.append(str(int(text.split(".")[0])) if _WHOLE.fullmatch(text) else text)
    return out


@dataclass(frozen=True)
class Network(Result):
    """A directed or undirected network on a fixed, ordered set of nodes.

    Attributes
    ----------
    ids : pandas.Index
        Node ids, in the order of the matrix rows and columns.
    weights : scipy.sparse.csr_matrix
        Valued adjacency (flows), ``n × n``, zero diagonal; symmetric when undirected.
    directed : bool
        Whether ties have a direction (origin → destination).
    nodes : pandas.DataFrame
        Node attributes, indexed by ``ids`` (possibly no columns).
    covariates : dict of str to ndarray
        Dyadic covariates (``n × n`` float matrices) by name, for ``edgecov``.
    """

    ids: pd.Index
    weights: sp.csr_matrix
    directed: bool = True
    nodes: pd.DataFrame = field(default_factory=pd.DataFrame)
    covariates: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.ids)

    @property
    def n_edges(self) -> int:
        """Number of ties (unordered pairs when undirected)."""
        nnz = self.weights.count_nonzero()
        return nnz if self.directed else nnz // 2

    @property
    def n_dyads(self) -> int:
        """Number of dyads: n(n−1) directed, n(n−1)/2 undirected."""
        return self.n * (self.n - 1) // (1 if self.directed else 2)

    def adjacency(self) -> np.ndarray:
        """Dense boolean adjacency (``A[i, j]``: a tie i → j)."""
        return self.weights.toarray() != 0

    def edges(self) -> pd.DataFrame:
        """Ties as ``from, to, weight`` (undirected: each pair once, ``from`` first in node order)."""
        w = self.weights.tocoo()
        keep = w.data != 0 if self.directed else (w.data != 0) & (w.row < w.col)
        order = np.lexsort((w.col[keep], w.row[keep]))
        return pd.DataFrame({"from": self.ids[w.row[keep][order]], "to": self.ids[w.col[keep][order]],
                             "weight": w.data[keep][order]})

    def to_frame(self) -> pd.DataFrame:
        """The ties (see :meth:`edges`)."""
        return self.edges()

    def summary(self) -> pd.DataFrame:
        """Nodes, ties, density, total flow and isolates, one row."""
        deg = np.asarray((self.weights != 0).sum(axis=0)).ravel() + np.asarray((self.weights != 0).sum(axis=1)).ravel()
        return pd.DataFrame([{"nodes": self.n, "ties": self.n_edges, "directed": self.directed,
                              "density": self.n_edges / self.n_dyads if self.n_dyads else np.nan,
                              "total_flow": float(self.weights.sum()) / (1 if self.directed else 2),
                              "isolates": int((deg == 0).sum())}])

    def plot(self, top: int = 20):
        """The ``top`` nodes by flow (in + out strength; halved for undirected networks)."""
        from healthalloc.report.figures.bars import bars

        flow = np.asarray(self.weights.sum(axis=0)).ravel() + np.asarray(self.weights.sum(axis=1)).ravel()
        flow = pd.Series(flow / (1 if self.directed else 2), index=self.ids, name="flow")
        return bars(flow.nlargest(top), title=f"Top {min(top, self.n)} nodes by flow")

    def binarize(self, rule: str = "any", value: float | None = None) -> Network:
        """A binary copy (weights 1) keeping the ties the rule selects (see the module docstring).

        Parameters
        ----------
        rule : {"any", "threshold", "top_k", "quantile"}
        value : float
            The threshold (flow units), k (ties per origin) or the quantile in [0, 1].
        """
        if rule not in BINARIZE_RULES:
            raise ValueError(f"rule must be one of {', '.join(BINARIZE_RULES)}, got {rule!r}")
        if rule != "any" and value is None:
            raise ValueError(f"rule {rule!r} needs a value")
        w = self.weights.tocoo()
        keep = w.data > 0
        if rule == "threshold":
            keep &= w.data >= value
        elif rule == "quantile":
            if not 0 <= value <= 1:
                raise ValueError(f"quantile must be in [0, 1], got {value!r}")
            keep &= w.data >= np.quantile(w.data[w.data > 0], value) if keep.any() else keep
        elif rule == "top_k":
            if value < 1 or int(value) != value:
                raise ValueError(f"top_k needs a whole number k ≥ 1, got {value!r}")
            dense = self.weights.toarray()
            kth = -np.sort(-dense, axis=1)[:, min(int(value), self.n) - 1]
            keep &= w.data >= kth[w.row]
            if not self.directed:  # a pair is kept when either end keeps it
                kept = sp.coo_matrix((keep.astype(float), (w.row, w.col)), shape=w.shape).tocsr()
                kept = kept.maximum(kept.T).tocoo()
                return replace(self, weights=kept.tocsr())
        binary = sp.coo_matrix((np.ones(keep.sum()), (w.row[keep], w.col[keep])), shape=w.shape)
        return replace(self, weights=binary.tocsr())

    def with_covariate(self, name: str, matrix) -> Network:
        """A copy with the dyadic covariate ``name`` (an ``n × n`` array or a labelled table)."""
        values = (covariate_matrix(matrix, self.ids, name=name) if isinstance(matrix, pd.DataFrame)
                  else np.asarray(matrix, dtype=float))
        if values.shape != (self.n, self.n):
            raise DataError(f"covariate {name!r} is {values.shape[0]} × {values.shape[1]}; the network has "
                            f"{self.n} nodes, so it must be {self.n} × {self.n}")
        return replace(self, covariates={**self.covariates, name: values})

    def attribute(self, name: str) -> pd.Series:
        """Node attribute ``name``; DataError naming the nodes where it is missing."""
        if name not in self.nodes.columns:
            known = list(map(str, self.nodes.columns))
            hint = did_you_mean(name, known)
            raise DataError(f"no node attribute {name!r}" + (f"; {hint}" if hint else
                            f" (attributes: {', '.join(known) or 'none'})"))
        values = self.nodes[name]
        if values.isna().any():
            missing = [show(i) for i in values.index[values.isna()]]
            raise DataError(f"node attribute {name!r} is missing for {len(missing)} node(s): {listing(missing)}")
        return values


def _node_table(nodes: pd.DataFrame | None, node_id: str | None, used: list) -> tuple[pd.Index, pd.DataFrame]:
    """Node ids and attributes: the node table's (checked) or, without one, the ids used."""
    if nodes is None:
        ids = pd.Index(sorted(set(used), key=lambda v: (str(type(v)), v)))
        return ids, pd.DataFrame(index=ids)
    node_id = node_id or nodes.columns[0]
    check_columns(nodes, node_id, source="node table")
    ids = nodes[node_id]
    if ids.isna().any():
        raise DataError(f"node table: missing id in {rows(np.flatnonzero(ids.isna()).tolist())}")
    dup = pd.Index(_keys(ids)).duplicated(keep=False)
    if dup.any():
        raise DataError(f"node table: repeated node ids {listing(sorted(set(ids[dup].astype(str))))}")
    attrs = nodes.drop(columns=node_id)
    attrs.index = pd.Index(ids.to_numpy(), name=node_id)
    return attrs.index, attrs


def network_from_edges(edges: pd.DataFrame, nodes: pd.DataFrame | None = None, *, source: str = "from",
                       target: str = "to", weight: str | None = None, node_id: str | None = None,
                       directed: bool = True, self_loops: str = "error") -> Network:
    """A network from a flow (edge) table: one row per origin–destination pair.

    Parameters
    ----------
    edges : DataFrame
        Columns ``source``, ``target`` and optionally ``weight`` (default: each row counts 1).
        Repeated pairs (and, undirected, both orientations of a pair) are summed.
    nodes : DataFrame, optional
        Node ids (column ``node_id``, default the first) and attributes. Every id of
        ``edges`` must be a node; nodes without ties are isolates. Without it the nodes
        are the ids in ``edges``.
    directed : bool
        Keep the direction of each flow.
    self_loops : {"error", "drop"}
        Rows whose origin equals the destination: an error, or dropped with a warning.

    Raises
    ------
    DataError
        For unknown columns, ids of ``edges`` absent from ``nodes``, repeated node ids,
        missing or negative weights, or self-loops with ``self_loops="error"``.
    """
    check_columns(edges, [source, target, *as_names(weight)], source="edge table")
    if self_loops not in ("error", "drop"):
        raise ValueError(f"self_loops must be 'error' or 'drop', got {self_loops!r}")
    frame = edges.dropna(subset=[source, target], how="all")
    if frame[[source, target]].isna().any().any():
        bad = np.flatnonzero(frame[[source, target]].isna().any(axis=1).to_numpy())
        raise DataError(f"edge table: missing {source}/{target} in {rows(bad.tolist())}")
    ids, attrs = _node_table(nodes, node_id, list(frame[source]) + list(frame[target]))
    index = {k: i for i, k in enumerate(_keys(ids))}
    tails_k, heads_k = _keys(frame[source]), _keys(frame[target])
    unknown = sorted({k for k in tails_k + heads_k if k not in index})
    if unknown:
        raise DataError(f"{len(unknown)} id(s) in the edge table are not nodes: {listing(unknown)}; "
                        "add them to the node table or correct the edges")
    t = np.array([index[k] for k in tails_k], dtype=np.int64)
    h = np.array([index[k] for k in heads_k], dtype=np.int64)
    w = np.ones(len(t)) if weight is None else pd.to_numeric(frame[weight], errors="coerce").to_numpy(float)
    if np.isnan(w).any() or (w < 0).any():
        bad = np.flatnonzero(np.isnan(w) | (w < 0))
        raise DataError(f"edge weights must be numbers ≥ 0; not at {rows(bad.tolist())}")
    loops = t == h
    if loops.any():
        pairs = [f"{ids[i]}→{ids[i]}" for i in t[loops]]
        if self_loops == "error":
            raise DataError(f"{int(loops.sum())} self-loop(s) (origin = destination): {listing(pairs)}; "
                            "networks here have no self-ties: remove them (or drop them when building "
                            "from records)")
        warnings.warn(f"dropped {int(loops.sum())} record(s) whose origin equals the destination", stacklevel=3)
        t, h, w = t[~loops], h[~loops], w[~loops]
    if not directed:
        t, h = np.minimum(t, h), np.maximum(t, h)
    n = len(ids)
    mat = sp.coo_matrix((w, (t, h)), shape=(n, n)).tocsr()
    mat.sum_duplicates()
    if not directed:
        mat = (mat + mat.T).tocsr()
    mat.eliminate_zeros()
    return Network(ids, mat, directed, attrs)


def network_from_records(records: pd.DataFrame, origin: str, destination: str, *, weight: str | None = None,
                         nodes: pd.DataFrame | None = None, node_id: str | None = None,
                         directed: bool = True) -> Network:
    """Aggregate individual records (one person's move from ``origin`` to ``destination``)
    into an origin–destination network: the flow x → y is the number of records from x
    to y, or the sum of ``weight`` (survey weights). Records that stay in their city
    (origin = destination) are dropped with a warning. See :func:`network_from_edges`.
    """
    return network_from_edges(records, nodes, source=origin, target=destination, weight=weight,
                              node_id=node_id, directed=directed, self_loops="drop")


def covariate_matrix(table: pd.DataFrame, ids, *, name: str = "covariate") -> np.ndarray:
    """A square table whose header row and first column are node ids, reordered to ``ids``.

    The table's first column holds the row ids; the other column names are the column
    ids. Both must be exactly the node ids (in any order).

    Raises
    ------
    DataError
        For a table that is not square, ids missing or unknown on either side, repeated
        ids, or cells that are not numbers.
    """
    rows = _keys(table.iloc[:, 0])
    cols = _keys(table.columns[1:])
    want = _keys(ids)
    values = table.iloc[:, 1:]
    if len(rows) != len(cols):
        raise DataError(f"covariate {name!r} is {len(rows)} × {len(cols)}: it must be square, with node ids "
                        "as its header row and first column")
    for side, got in (("row", rows), ("column", cols)):
        if len(set(got)) != len(got):
            rep = sorted({k for k in got if got.count(k) > 1})
            raise DataError(f"covariate {name!r}: repeated {side} ids {listing(rep)}")
        unknown = sorted(set(got) - set(want))
        missing = sorted(set(want) - set(got))
        if unknown or missing:
            parts = ([f"{len(unknown)} {side} id(s) that are not nodes: {listing(unknown)}"] if unknown else []) + \
                    ([f"no {side} for {len(missing)} node(s): {listing(missing)}"] if missing else [])
            raise DataError(f"covariate {name!r} is {len(rows)} × {len(cols)} for {len(want)} nodes: "
                            + "; ".join(parts))
    numbers = values.apply(pd.to_numeric, errors="coerce")
    if numbers.isna().any().any():
        r, c = np.argwhere(numbers.isna().to_numpy())[0]
        raise DataError(f"covariate {name!r}: cell ({rows[r]}, {cols[c]}) is not a number "
                        f"({show(values.iat[r, c])})")
    rpos = {k: i for i, k in enumerate(rows)}
    cpos = {k: i for i, k in enumerate(cols)}
    order_r = [rpos[k] for k in want]
    order_c = [cpos[k] for k in want]
    out = numbers.to_numpy(float)[np.ix_(order_r, order_c)]
    np.fill_diagonal(out, 0.0)
    return out


def geo_proximity(coords: pd.DataFrame, *, metric: str = "euclidean") -> np.ndarray:
    """Geographic proximity 1/d between nodes (seed 003's ``GeoProx``), zero diagonal.

    Parameters
    ----------
    coords : DataFrame
        Two columns, x and y (longitude and latitude for ``"great_circle"``), one row per
        node in network order.
    metric : {"euclidean", "great_circle"}
        Euclidean distance in the coordinates' units (as seed 003), or great-circle
        distance in km on a sphere of radius ``EARTH_RADIUS_KM``.

    Raises
    ------
    DataError
        For missing coordinates or two nodes at the same place (infinite proximity).
    """
    xy = coords.iloc[:, :2].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    if np.isnan(xy).any():
        bad = [show(i) for i in coords.index[np.isnan(xy).any(axis=1)]]
        raise DataError(f"coordinates missing or not numbers for {listing(bad)}")
    if metric == "euclidean":
        d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    elif metric == "great_circle":
        d = great_circle(xy[:, None, 0], xy[:, None, 1], xy[None, :, 0], xy[None, :, 1])
    else:
        raise ValueError(f"metric must be 'euclidean' or 'great_circle', got {metric!r}")
    np.fill_diagonal(d, np.inf)
    if (d == 0).any():
        i, j = np.argwhere(d == 0)[0]
        raise DataError(f"nodes {show(coords.index[i])} and {show(coords.index[j])} are at the same place: "
                        "their inverse distance is infinite")
    return 1.0 / d


def same_category(values: pd.Series) -> np.ndarray:
    """1 where two different nodes share the category of ``values`` (e.g. a dialect zone:
    seed 003's ``CulProx``), else 0; DataError for missing categories."""
    if values.isna().any():
        missing = [show(i) for i in values.index[values.isna()]]
        raise DataError(f"category {values.name!r} is missing for {listing(missing)}")
    codes = pd.factorize(values)[0]
    out = (codes[:, None] == codes[None, :]).astype(float)
    np.fill_diagonal(out, 0.0)
    return out


def read_network(nodes, edges, *, directed: bool = False, weight: str | None = None,
                 weighted: bool = True) -> Network:
    """A network from a node file (first column the id, then attributes) and an edge file
    (``from, to[, weight]``; without columns named ``from`` and ``to``, its first two).

    ``weight`` names the edge weight column (default ``"weight"`` when present); without
    one, or with ``weighted=False`` (an ERGM's binary network: every row is a tie, as R's
    ``network`` reads an edge list), each row counts 1. Errors name the file at fault.
    """
    from healthalloc.data.io import read_table

    node_table, edge_table = read_table(nodes), read_table(edges)
    if node_table.shape[1] == 0:
        raise DataError(f"{Path(nodes).name}: no columns; the first column must be the node id")
    cols = [str(c) for c in edge_table.columns]
    if {"from", "to"} <= set(cols):
        source, target = "from", "to"
    elif len(cols) >= 2:
        source, target = edge_table.columns[0], edge_table.columns[1]
    else:
        raise DataError(f"{Path(edges).name}: needs two columns, from and to")
    if not weighted:
        weight = None
    elif weight is None and "weight" in cols:
        weight = "weight"
    try:
        return network_from_edges(edge_table, node_table, source=source, target=target, weight=weight,
                                  directed=directed)
    except DataError as error:
        raise DataError(f"{Path(edges).name}: {error}") from None
