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
first column are node ids, matched by id; symmetric for an undirected network).

Rules every table follows (:mod:`healthalloc.data.validate`):

- ids keep their written form: ``01`` and ``1`` are two nodes, and ids written as
  canonical integers in one file match the same digits read as text in another
  (:func:`~healthalloc.data.validate.id_column`);
- flows (edge weights) are finite numbers ≥ 0, in every :class:`Network`;
- an edge table lists each pair once: a from → to pair in several rows (either order when
  undirected) is one flow, the sum of its rows, or in a binary network (``weighted=False``,
  as ERGMs read ties) one tie; both with a warning naming the first pairs. Records repeat
  pairs by nature (one row per person) and are counted without one;
- messages start with the table at fault, ``nodes``, ``edges`` or ``records``, which
  :func:`read_network` and the command line replace by its file name
  (:func:`~healthalloc.data.validate.naming_files`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from healthalloc.data import DataError
from healthalloc.data.geo import great_circle
from healthalloc.data.messages import MAX_LISTED, did_you_mean, listing, rows, show
from healthalloc.data.validate import (METRIC, as_names, check_columns, check_coordinates, check_nonnegative, id_column,
                                       id_positions, naming_files)
from healthalloc.params import Param, Params, declared
from healthalloc.result import Result

__all__ = ["BINARIZE_RULES", "PARAMS", "Network", "covariate_matrix", "geo_proximity", "network_from_edges",
           "edge_ends", "network_from_records", "read_network", "same_category"]

BINARIZE_RULES = ("any", "threshold", "top_k", "quantile")

#: The parameters turning records into a binary network (:func:`network_from_records`,
#: :meth:`Network.binarize`), from which ``healthalloc network build`` and the study
#: analysis ``network`` are generated.
RECORDS = Params(
    Param("origin", "origin", "origin column of the records", kind=str, metavar="COL"),
    Param("destination", "destination", "destination column of the records", kind=str, metavar="COL"),
    Param("weight", None, "weight column (survey weights or flows; default 1 per record)", kind=str, metavar="COL"),
    Param("unit", None, "node id column of the node table (default: its first column)", role="unit",
          aliases=("node_id",)),
    Param("directed", True, "keep the direction of each flow (R network's default)"),
)
BINARIZE = Params(
    Param("binarize", "any", "rule for the ties: any flow, a threshold, the top k per origin, a quantile",
          choices=BINARIZE_RULES),
    Param("threshold", None, "the binarize rule's threshold (flow units), k (ties per origin) or quantile (in [0, 1])",
          kind=(int, float),
          aliases=("value",), metavar="VALUE"),
)
PARAMS = RECORDS + BINARIZE
#: Reading an edge table (:func:`network_from_edges`, :func:`read_network`).
EDGES = Params(
    Param("origin", "from", "origin column of the edge table", kind=str, aliases=("source",), metavar="COL"),
    Param("destination", "to", "destination column of the edge table", kind=str, aliases=("target",),
          metavar="COL"),
    Param("weight", None, "tie weight column (default: weight, if present; else every row counts 1)", kind=str,
          metavar="COL"),
    RECORDS["unit"], RECORDS["directed"],
    Param("self_loops", "error", "rows whose origin equals the destination: an error, or dropped with a warning",
          choices=("error", "drop")),
    Param("weighted", True, "False: a binary network, every listed pair one tie of weight 1 (weight unused), a pair "
          "in several rows still one tie, with a warning"),
)


@dataclass(frozen=True)
class Network(Result):
    """A directed or undirected network on a fixed, ordered set of nodes.

    Attributes
    ----------
    ids : pandas.Index
        Node ids, in the order of the matrix rows and columns.
    weights : scipy.sparse.csr_matrix
        Valued adjacency (flows: finite, ≥ 0, checked), ``n × n``, zero diagonal;
        symmetric when undirected.
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

    def __post_init__(self) -> None:
        w = self.weights

        def pair(k: int) -> str:
            row = np.searchsorted(w.indptr, k, side="right") - 1
            return f"{self.ids[row]}→{self.ids[w.indices[k]]}"

        check_nonnegative(w.data, column="weight", source="edges", label=pair)

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

    @declared(Params(replace(BINARIZE["binarize"], name="rule"), *BINARIZE.without("binarize"),
                     Param("flows", False, "keep each kept tie's flow as its weight instead of 1 (as healthalloc "
                           "network build writes edges.csv)")), data=("self",))
    def binarize(self, rule: str = "any", threshold: float | None = None, *, flows: bool = False) -> Network:
        """A binary copy (weights 1) keeping the ties the rule selects (see the module docstring)."""
        value = threshold
        if rule != "any" and value is None:
            raise ValueError(f"rule {rule!r} needs a value (threshold=: the flow, k or quantile)")
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
                keep = np.asarray(kept.maximum(kept.T)[w.row, w.col]).ravel() > 0
        data = w.data[keep] if flows else np.ones(keep.sum())
        return replace(self, weights=sp.coo_matrix((data, (w.row[keep], w.col[keep])), shape=w.shape).tocsr())

    def with_covariate(self, name: str, matrix) -> Network:
        """A copy with the dyadic covariate ``name`` (an ``n × n`` array or a labelled table).

        An undirected network needs a symmetric matrix (to a relative 1e-9): an asymmetric
        one is refused naming its first asymmetric pair, rather than read from one triangle.
        """
        values = (covariate_matrix(matrix, self.ids, name=name) if isinstance(matrix, pd.DataFrame)
                  else np.asarray(matrix, dtype=float))
        if values.shape != (self.n, self.n):
            raise DataError(f"covariate {name!r} is {values.shape[0]} × {values.shape[1]}; the network has "
                            f"{self.n} nodes, so it must be {self.n} × {self.n}")
        if not self.directed:
            apart = ~np.isclose(values, values.T, rtol=1e-9, atol=0, equal_nan=True)
            if apart.any():
                i, j = np.argwhere(apart)[0]
                a, b = self.ids[i], self.ids[j]
                raise DataError(f"covariate {name!r} is not symmetric: ({a}, {b}) is {values[i, j]:g} but ({b}, "
                                f"{a}) is {values[j, i]:g} ({int(apart.sum()) // 2} such pair(s)); the network is "
                                "undirected, so a pair has one value")
        return replace(self, covariates={**self.covariates, name: values})

    def subset(self, ids) -> Network:
        """The network among the nodes ``ids`` (in this network's order): their ties, node
        attributes and the rows and columns of every dyadic covariate. Ids match by their
        written form (:func:`~healthalloc.data.validate.id_column`); DataError for an id that
        is not a node, a repeated id, or no ids."""
        wanted = id_column(pd.Series(list(ids), dtype=object), source="subset", unique="ids")
        if wanted.empty:
            raise DataError("subset: no ids; a subnetwork needs at least one node")
        pos = id_positions(wanted, self.ids)
        if (pos < 0).any():
            unknown = [show(i) for i in wanted[pos < 0]]
            raise DataError(f"subset: {len(unknown)} id(s) are not nodes of the network: {listing(unknown)}")
        keep = np.sort(pos)
        return replace(self, ids=self.ids[keep], weights=self.weights[keep][:, keep].tocsr(),
                       nodes=self.nodes.iloc[keep], covariates={k: v[np.ix_(keep, keep)]
                                                                for k, v in self.covariates.items()})

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
            raise DataError(f"nodes: node attribute {name!r} is missing for {len(missing)} node(s): "
                            f"{listing(missing)}")
        return values


def _node_table(nodes: pd.DataFrame | None, node_id: str | None, used: pd.Series) -> tuple[pd.Index, pd.DataFrame]:
    """Node ids and attributes: the node table's (checked) or, without one, the ids used (sorted)."""
    if nodes is None:
        ids = pd.Index(used.unique()).sort_values()
        return ids, pd.DataFrame(index=ids)
    node_id = node_id or nodes.columns[0]
    check_columns(nodes, node_id, source="nodes")
    if nodes.empty:
        raise DataError("nodes: no rows; the node table lists one node per row")
    ids = id_column(nodes[node_id], source="nodes", unique="node ids")
    attrs = nodes.drop(columns=node_id)
    attrs.index = pd.Index(ids.to_numpy(), name=node_id)
    return attrs.index, attrs


@declared(EDGES, data=("edges", "nodes"))
def network_from_edges(edges: pd.DataFrame, nodes: pd.DataFrame | None = None, *, origin: str = "from",
                       destination: str = "to", weight: str | None = None, unit: str | None = None,
                       directed: bool = True, self_loops: str = "error", weighted: bool = True) -> Network:
    """A network from a flow (edge) table: one row per origin–destination pair.

    Parameters
    ----------
    edges : DataFrame
        Columns ``origin``, ``destination`` (``source``, ``target`` are their older names)
        and optionally ``weight`` (the flow, finite and ≥ 0;
        default: each row counts 1). A pair in several rows (either order when undirected)
        is summed into one flow, with a warning naming the first such pairs. Rows whose
        ends are both blank are skipped.
    nodes : DataFrame, optional
        Node ids (column ``unit``, default the first; ``node_id`` is its older name) and attributes. Every id of
        ``edges`` must be a node; nodes without ties are isolates. Without it the nodes
        are the ids in ``edges``. Ids match by their written form
        (:func:`~healthalloc.data.validate.id_column`).

    Raises
    ------
    DataError
        Starting with the table at fault (``edges:``, ``nodes:``): unknown columns, missing
        ends, ids of ``edges`` absent from ``nodes``, missing or repeated node ids, weights
        missing, not numbers, infinite or negative, self-loops with ``self_loops="error"``,
        or no rows at all without a node table.

    Warns
    -----
    UserWarning
        Repeated pairs, and an edge table without rows (a network of isolates).
    """
    return _build(edges, nodes, origin, destination, weight, unit, directed=directed, self_loops=self_loops,
                  weighted=weighted, table="edges")


@declared(RECORDS, data=("records", "nodes"))
def network_from_records(records: pd.DataFrame, origin: str = "origin", destination: str = "destination", *,
                         weight: str | None = None, nodes: pd.DataFrame | None = None, unit: str | None = None,
                         directed: bool = True) -> Network:
    """Aggregate individual records (one person's move from ``origin`` to ``destination``)
    into an origin–destination network: the flow x → y is the number of records from x
    to y, or the sum of ``weight`` (survey weights, finite and ≥ 0). Records that stay in
    their city (origin = destination) are dropped with a warning. Messages start with
    ``records:`` or ``nodes:``; see :func:`network_from_edges` for the rest.
    """
    return _build(records, nodes, origin, destination, weight, unit, directed=directed, self_loops="drop",
                  weighted=True, table="records")


def _build(frame: pd.DataFrame, nodes: pd.DataFrame | None, source: str, target: str, weight: str | None,
           node_id: str | None, *, directed: bool, self_loops: str, weighted: bool, table: str) -> Network:
    """The network of an edge table (``table="edges"``: repeated pairs warned about) or of
    records (``"records"``: repeated pairs are what is counted)."""
    check_columns(frame, [source, target, *as_names(weight)], source=table)
    if weight is not None and not weighted:
        raise ValueError("weighted=False reads every row as one tie; it takes no weight column")
    blank = frame[[source, target]].isna()
    half = blank.any(axis=1).to_numpy() & ~blank.all(axis=1).to_numpy()
    if half.any():
        raise DataError(f"{table}: missing {source}/{target} in {rows(np.flatnonzero(half).tolist())}")
    at = np.flatnonzero(~blank.all(axis=1).to_numpy())  # the rows used (blank lines skipped)
    frame = frame.iloc[at]
    noun = "edge table" if table == "edges" else table
    if frame.empty:
        if nodes is None:
            raise DataError(f"{table}: no rows, and no node table: there is no network to build")
        warnings.warn(f"{table}: no rows: the network has no ties (every node is an isolate)", stacklevel=3)
    ends = id_column(pd.concat([frame[source], frame[target]], ignore_index=True))
    ids, attrs = _node_table(nodes, node_id, ends)
    pos = id_positions(ends, ids)
    if (pos < 0).any():
        unknown = sorted(set(ends[pos < 0].astype(str)))
        raise DataError(f"{table}: {len(unknown)} id(s) in the {noun} are not nodes: {listing(unknown)}; "
                        f"add them to the node table or correct the {noun}")
    t, h = pos[:len(frame)], pos[len(frame):]
    w = np.ones(len(t)) if weight is None else check_nonnegative(
        frame[weight], column=weight, source=table, label=lambda k: f"row {at[k] + 1}")
    loops = t == h
    if loops.any():
        pairs = [f"{ids[i]}→{ids[i]}" for i in t[loops]]
        if self_loops == "error":
            raise DataError(f"{table}: {int(loops.sum())} self-loop(s) (origin = destination): {listing(pairs)}; "
                            "networks here have no self-ties: remove them (or drop them when building "
                            "from records)")
        warnings.warn(f"dropped {int(loops.sum())} record(s) whose origin equals the destination", stacklevel=3)
        t, h, w = t[~loops], h[~loops], w[~loops]
    if not directed:
        t, h = np.minimum(t, h), np.maximum(t, h)
    n = len(ids)
    if table == "edges":
        _warn_repeats(t * n + h, ids, directed, weighted)
    mat = sp.coo_matrix((w, (t, h)), shape=(n, n)).tocsr()
    mat.sum_duplicates()
    if not weighted:
        mat.data[:] = 1.0
    if not directed:
        mat = (mat + mat.T).tocsr()
    mat.eliminate_zeros()
    return Network(ids, mat, directed, attrs)


def _warn_repeats(pairs: np.ndarray, ids: pd.Index, directed: bool, weighted: bool) -> None:
    """One warning naming the first pairs (``from · n + to``) listed in more than one row."""
    repeated = pd.unique(pairs[pd.Series(pairs).duplicated().to_numpy()])
    if not repeated.size:
        return
    n, arrow = len(ids), "→" if directed else "–"
    named = [f"{ids[k // n]}{arrow}{ids[k % n]}" for k in repeated[:MAX_LISTED]]
    warnings.warn(f"edges: {len(repeated)} pair(s) are listed in more than one row"
                  f"{'' if directed else ' (in either order)'}: {listing(named, len(repeated))}; "
                  + ("each is summed into one flow" if weighted else "each is one tie"), stacklevel=4)


def covariate_matrix(table: pd.DataFrame, ids, *, name: str = "covariate") -> np.ndarray:
    """A square table whose header row and first column are node ids, reordered to ``ids``.

    The table's first column holds the row ids; the other column names are the column
    ids. Both must be exactly the node ids (in any order), matched by their written form
    (:func:`~healthalloc.data.validate.id_column`).

    Raises
    ------
    DataError
        For a table that is not square, ids missing or unknown on either side, repeated
        ids, or cells that are not numbers.
    """
    source = f"covariate {name!r}"
    row_ids = id_column(table.iloc[:, 0], source=source, unique="row ids")
    col_ids = id_column(pd.Series(table.columns[1:], dtype=object, name="header"), source=source,
                        unique="column ids")
    want = pd.Index(id_column(pd.Series(list(ids), dtype=object)))
    if len(row_ids) != len(col_ids):
        raise DataError(f"covariate {name!r} is {len(row_ids)} × {len(col_ids)}: it must be square, with node ids "
                        "as its header row and first column")
    order = {}
    for side, got in (("row", pd.Index(row_ids)), ("column", pd.Index(col_ids))):
        unknown = got[id_positions(got, want) < 0].astype(str)
        order[side] = id_positions(want, got)
        missing = want[order[side] < 0].astype(str)
        if len(unknown) or len(missing):
            parts = ([f"{len(unknown)} {side} id(s) that are not nodes: {listing(unknown)}"] if len(unknown) else []) \
                + ([f"no {side} for {len(missing)} node(s): {listing(missing)}"] if len(missing) else [])
            raise DataError(f"covariate {name!r} is {len(row_ids)} × {len(col_ids)} for {len(want)} nodes: "
                            + "; ".join(parts))
    values = table.iloc[:, 1:]
    numbers = values.apply(pd.to_numeric, errors="coerce")
    if numbers.isna().any().any():
        r, c = np.argwhere(numbers.isna().to_numpy())[0]
        raise DataError(f"covariate {name!r}: cell ({row_ids.iat[r]}, {col_ids.iat[c]}) is not a number "
                        f"({show(values.iat[r, c])})")
    out = numbers.to_numpy(float)[np.ix_(order["row"], order["column"])]
    np.fill_diagonal(out, 0.0)
    return out


@declared(Params(METRIC), data=("coords",))
def geo_proximity(coords: pd.DataFrame, *, metric: str = "euclidean") -> np.ndarray:
    """Geographic proximity 1/d between nodes (seed 003's ``GeoProx``), zero diagonal.

    Parameters
    ----------
    coords : DataFrame
        Two columns, x and y (longitude and latitude in degrees for ``"great_circle"``),
        one row per node in network order, indexed by node id.

    Raises
    ------
    DataError
        Starting ``nodes:``: coordinates missing, not numbers or out of range
        (:func:`~healthalloc.data.validate.check_coordinates`), or two nodes at the same
        place (infinite proximity).
    """
    xy = check_coordinates(coords, coords.columns[0], coords.columns[1], metric=metric, source="nodes")
    if metric == "euclidean":
        d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    else:
        d = great_circle(xy[:, None, 0], xy[:, None, 1], xy[None, :, 0], xy[None, :, 1])
    np.fill_diagonal(d, np.inf)
    if (d == 0).any():
        i, j = np.argwhere(d == 0)[0]
        raise DataError(f"nodes: nodes {show(coords.index[i])} and {show(coords.index[j])} are at the same place: "
                        "their inverse distance is infinite")
    return 1.0 / d


def same_category(values: pd.Series) -> np.ndarray:
    """1 where two different nodes share the category of ``values`` (e.g. a dialect zone:
    seed 003's ``CulProx``), else 0; DataError (``nodes:``) for missing categories."""
    if values.isna().any():
        missing = [show(i) for i in values.index[values.isna()]]
        raise DataError(f"nodes: category {values.name!r} is missing for {listing(missing)}")
    codes = pd.factorize(values)[0]
    out = (codes[:, None] == codes[None, :]).astype(float)
    np.fill_diagonal(out, 0.0)
    return out


@declared(EDGES.without("origin", "destination", "unit", "self_loops"), data=("nodes", "edges"))
def read_network(nodes, edges, *, directed: bool = True, weight: str | None = None,
                 weighted: bool = True) -> Network:
    """A network from a node file (first column the id, then attributes) and an edge file
    (``from, to[, weight]``; without columns named ``from`` and ``to``, its first two), or
    from those tables as read (messages then name the tables ``nodes`` and ``edges``).

    Ids are read as written (``01`` and ``1`` are two nodes). A pair in several rows (either
    order when undirected) is summed into one flow; with ``weighted=False`` (an ERGM's binary
    network, as R's ``network`` reads an edge list) every listed pair is one tie. Both with a
    warning (:func:`network_from_edges`). Errors and warnings name the file at fault.
    """
    node_table = _table(nodes, lambda names: list(names[:1]))
    edge_table = _table(edges, edge_ends)
    with naming_files(**{k: v for k, v in (("nodes", nodes), ("edges", edges)) if not isinstance(v, pd.DataFrame)}):
        if node_table.shape[1] == 0:
            raise DataError("nodes: no columns; the first column must be the node id")
        ends = edge_ends(edge_table.columns)
        if len(ends) < 2:
            raise DataError("edges: needs two columns, from and to")
        if weighted and weight is None and "weight" in edge_table.columns:
            weight = "weight"
        numbers = [c for c in edge_table.select_dtypes("number").columns if c not in ends]
        if weighted and weight is None and numbers:
            warnings.warn(f"edges: column(s) {listing([repr(c) for c in numbers])} are not read as tie weights; "
                          "every row counts 1 (name the weight column: weight=, --weight)", stacklevel=2)
        return network_from_edges(edge_table, node_table, origin=ends[0], destination=ends[1],
                                  weight=weight if weighted else None, directed=directed, weighted=weighted)


def edge_ends(names: pd.Index) -> list:
    """The from and to columns of an edge file: so named, else its first two."""
    return ["from", "to"] if {"from", "to"} <= set(names) else list(names[:2])


def _table(source, ids) -> pd.DataFrame:
    """``source`` as it is when a table, else the file at ``source`` with the columns
    ``ids(names)`` read as written (text)."""
    from healthalloc.data.io import read_table

    return source if isinstance(source, pd.DataFrame) else read_table(source, text=ids)
