"""Spatial weights built with ``libpysal``: contiguity from a table of pairs, k nearest
neighbours and distance bands from longitude/latitude, with island units handled openly.

Distances between points given in degrees (WGS84 longitude, latitude) are great-circle
distances on a sphere of radius :data:`EARTH_RADIUS_KM`: libpysal's ``Arc_KDTree`` maps each
point to the unit sphere, searches by chord length (which orders pairs exactly as the
arc does) and converts chords c back to arcs d = 2R·asin(c/2).

An *island* is a unit without a neighbour (Hainan in the province contiguity weights).
Its spatial lag is 0, which quietly biases Moran's I and LISA, so every builder takes
``islands``: ``"error"`` (default) refuses, ``"drop"`` leaves the unit out of the weights
and of every analysis using them, ``"nearest"`` links it (both ways) to its nearest unit
by great-circle distance, as studies do by hand for Hainan–Guangdong. Both options warn,
naming the units.

Weights are row-standardized (``transform="r"``: each row sums to 1, so the spatial lag
is the neighbours' mean) unless ``transform`` says otherwise (``"b"`` binary, ``"d"``
doubly standardized, ``"v"`` variance stabilizing; libpysal's codes).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from healthalloc.data.geo import EARTH_RADIUS_KM
from healthalloc.data import DataError, check_columns, check_panel, numeric_matrix
from healthalloc.data.messages import listing
from healthalloc.data.panel import unit_labels
from healthalloc.data.regions import province
from healthalloc.data.validate import UnknownNameError
from healthalloc.data.validate import check_coordinates
from healthalloc.params import REQUIRED, UNIT, Param, Params, declared

if TYPE_CHECKING:
    from libpysal.weights import W

__all__ = [
    "EARTH_RADIUS_KM", "ISLANDS", "SpatialWeights", "adjacency_weights", "as_weights", "distance_band_weights",
    "aligned_values", "knn_weights", "match_units", "province_points", "province_weights", "spatial_weights",
    "unit_coordinates",
]

#: What to do with units that have no neighbour.
ISLANDS = ("error", "drop", "nearest")
#: Default weights transformation: row-standardized.
TRANSFORM = "r"
#: Sources :func:`spatial_weights` builds weights from.
WEIGHT_SOURCES = ("provinces", "adjacency", "knn", "band")
#: Default number of nearest neighbours.
KNN = 5
#: Province points of the embedded geography (``load_province_geography``).
PROVINCE_POINTS = ("centroid", "inner_point", "capital")

#: The parameters of :func:`spatial_weights`, from which the weights options of
#: ``healthalloc spatial`` and of the study analysis ``spatial`` are generated.
WEIGHTS = Params(
    Param("unit", REQUIRED, "column of unit ids, as the weights name them", role="unit"),
    Param("weights", "provinces", "provinces: the embedded land borders of the 31 mainland provinces (units named "
          "by code or name); adjacency: a table of neighbouring pairs; knn: the k nearest units; band: units "
          "within a distance", choices=WEIGHT_SOURCES, aliases=("source",), cli=False),
    Param("coordinates", None, "longitude and latitude columns (degrees)", role="coordinates", many=True,
          flag="--coords", metavar="LON,LAT"),
    Param("knn", KNN, "nearest neighbours (needs the coordinates)", kind=int, low=1, aliases=("k",), metavar="K"),
    Param("band", None, "distance band in km (needs the coordinates)", kind=float, low=0, low_open=True,
          metavar="KM"),
    Param("adjacency", None, "CSV/XLSX of neighbouring unit pairs (ids in the first two columns, as in the unit "
          "column; every pair once or both ways)", kind=str, source=True, objects=(pd.DataFrame,),
          metavar="FILE"),
    Param("adjacency_columns", None, "the two id columns of the adjacency table (default: its first two)",
          many=True, metavar="A,B"),
    Param("islands", "nearest", "units without a neighbour: link to the nearest unit (needs the coordinates "
          "except for provinces), leave out (drop), or stop (error)", choices=ISLANDS),
    Param("link_hainan_guangdong", False, "provinces: link Hainan to Guangdong across the Qiongzhou Strait, as "
          "many studies do, instead of treating it as an island"),
    Param("transform", TRANSFORM, "libpysal transformation (r: row-standardized)", kind=str, cli=False,
          study=False),
)
#: ``islands=`` of the builders: refuse islands unless told.
ISLANDS_PARAM = replace(WEIGHTS["islands"], default="error", help="units without a neighbour (module docstring): "
                        "stop (error), leave out (drop), or link each to its nearest unit (nearest: needs the points)")
POINT = Param("point", "centroid", "which point of each province: centroid (equal-area centroid), inner_point (a "
              "point guaranteed inside the polygon) or capital (provincial government seat)", choices=PROVINCE_POINTS)


def _no_links() -> pd.DataFrame:
    """An empty table of island links."""
    return pd.DataFrame({"unit": [], "neighbor": [], "distance_km": []})


@dataclass(frozen=True)
class SpatialWeights:
    """A libpysal ``W`` and how it was made.

    Attributes
    ----------
    w : libpysal.weights.W
        The weights, transformed (``w.transform``), ids in ``w.id_order``.
    kind : str
        How they were built, e.g. ``"contiguity (pairs)"``, ``"k nearest neighbours (k=4,
        great-circle)"``.
    islands : tuple
        Units that had no neighbour before ``islands`` was applied.
    dropped : tuple
        Islands left out (``islands="drop"``); analyses drop their rows from the data.
    links : DataFrame
        Links added for islands (``islands="nearest"``): ``unit``, ``neighbor``,
        ``distance_km``.
    """

    w: W
    kind: str
    islands: tuple = ()
    dropped: tuple = ()
    links: pd.DataFrame = field(default_factory=_no_links)

    @property
    def ids(self) -> list:
        """Unit ids in the weights' order."""
        return list(self.w.id_order)

    def to_frame(self) -> pd.DataFrame:
        """One row per (directed) link: ``unit``, ``neighbor``, ``weight`` (transformed)."""
        rows = [(i, j, v) for i in self.w.id_order
                for j, v in zip(self.w.neighbors[i], self.w.weights[i])]
        return pd.DataFrame(rows, columns=["unit", "neighbor", "weight"])

    def summary(self) -> pd.Series:
        """Units, links, neighbours per unit (mean/min/max), components, islands, transform."""
        card = np.array([self.w.cardinalities[i] for i in self.w.id_order])
        return pd.Series({
            "kind": self.kind, "transform": self.w.transform, "units": self.w.n,
            "links": int(card.sum()), "mean_neighbors": card.mean(),
            "min_neighbors": int(card.min()), "max_neighbors": int(card.max()),
            "components": self.w.n_components,
            "islands": ";".join(map(str, self.islands)),
            "dropped": ";".join(map(str, self.dropped)),
            "linked": ";".join(f"{u}-{v}" for u, v in zip(self.links["unit"], self.links["neighbor"])),
        })

    def __str__(self) -> str:
        return f"SpatialWeights\n{self.summary().to_string()}"


@declared(Params(UNIT), data=("data", "lon", "lat"))
def unit_coordinates(
    data: pd.DataFrame, lon: str, lat: str, *, unit: str | None = None
) -> pd.DataFrame:
    """Longitude and latitude of every unit, from a table (a panel may repeat units).

    Parameters
    ----------
    data : DataFrame
        Rows with unit ids (column ``unit`` or the index) and coordinates.
    lon, lat : str
        Columns of longitude and latitude, WGS84 decimal degrees.

    Returns
    -------
    DataFrame
        Index ``unit``, columns ``lon`` and ``lat``: the points every builder takes.

    Raises
    ------
    DataError
        Missing or non-numeric coordinates, values outside [−180, 180] × [−90, 90]
        (:func:`~healthalloc.data.validate.check_coordinates`, as every command checks them), or a
        unit given two different points.
    """
    labels = unit_labels(data, unit)
    numeric_matrix(data, [lon, lat], unit=unit)  # missing or non-numeric cells, named by row
    points = pd.DataFrame(check_coordinates(data, lon, lat, ids=labels), columns=["lon", "lat"], index=labels)
    distinct = points.reset_index().drop_duplicates()
    twice = distinct["unit"].duplicated(keep=False)
    if twice.any():
        raise DataError(f"units {listing(distinct['unit'][twice].unique())} have more than one "
                        f"point in columns {lon!r}, {lat!r}")
    return distinct.set_index("unit")


@declared(Params(POINT))
def province_points(point: str = "centroid") -> pd.DataFrame:
    """Points of the 31 mainland provinces, indexed by GB/T 2260 ``adcode``."""
    from healthalloc.data import load_province_geography

    geo = load_province_geography()
    return unit_coordinates(geo, f"{point}_lon", f"{point}_lat", unit="adcode")


@declared(Params(WEIGHTS["islands"], POINT, Param(
    "extra_pairs", (), "pairs of adcodes linked besides the land borders, e.g. [(460000, 440000)] for Hainan–Guangdong",
    kind=(list, tuple)), WEIGHTS["transform"]))
def province_weights(
    *,
    islands: str = "nearest",
    point: str = "centroid",
    extra_pairs: Sequence[tuple[int, int]] = (),
    transform: str = TRANSFORM,
) -> SpatialWeights:
    """Rook contiguity of the 31 mainland provinces (embedded land borders), ids = adcodes.

    Hainan (460000) has no land neighbour. By default it is linked to the province whose
    ``point`` is nearest, which for centroids, inner points and capitals alike is Guangxi
    (450000; 683 km between centroids), with a warning. Studies that link Hainan to
    Guangdong (nearest across the Qiongzhou Strait) pass ``extra_pairs=[(460000, 440000)]``;
    ``islands="drop"`` leaves Hainan out and ``"error"`` refuses.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     sw = province_weights()
    >>> sw.links[["unit", "neighbor"]].to_numpy().tolist()
    [[460000, 450000]]
    >>> province_weights(extra_pairs=[(460000, 440000)]).w.neighbors[460000]
    [440000]
    """
    from healthalloc.data import PROVINCES

    return adjacency_weights(_province_pairs(extra_pairs), ids=[p.code for p in PROVINCES],
                             points=province_points(point), islands=islands, transform=transform)


@declared(Params(replace(WEIGHTS["adjacency_columns"], name="columns", help="the two id columns (default: the "
                                                                                 "first two)"),
                 ISLANDS_PARAM, WEIGHTS["transform"]), data=("pairs", "ids", "points"))
def adjacency_weights(
    pairs: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    ids: Sequence[Hashable] | None = None,
    points: pd.DataFrame | None = None,
    islands: str = "error",
    transform: str = TRANSFORM,
) -> SpatialWeights:
    """Contiguity weights from a table of neighbouring pairs (each pair once or both ways).

    Parameters
    ----------
    pairs : DataFrame
        One row per pair of units sharing a border.
    ids : sequence, optional
        Every unit of the study. Units absent from ``pairs`` are islands; pairs naming a
        unit outside ``ids`` are an error. Default: the units in ``pairs`` (no islands
        possible).
    points : DataFrame, optional
        Unit points (index unit id, columns ``lon``, ``lat``; see
        :func:`unit_coordinates`), needed by ``islands="nearest"``.
    """
    a, b = _pair_columns(pairs, columns)
    ends = pd.DataFrame({"a": pairs[a].to_numpy(), "b": pairs[b].to_numpy()})
    if ends.isna().any(axis=None):
        rows = np.flatnonzero(ends.isna().any(axis=1).to_numpy()) + 1
        raise DataError(f"missing unit ids in rows {listing(rows.tolist())} of columns {a!r}, {b!r}")
    if (ends["a"] == ends["b"]).any():
        raise DataError(f"units {listing(ends['a'][ends['a'] == ends['b']].unique())} are paired "
                        "with themselves")
    found = list(pd.unique(ends.to_numpy().ravel()))
    ids = found if ids is None else list(ids)
    as_id = dict(zip(found, _matched(found, ids)))
    outside = [u for u, i in as_id.items() if i is None]
    if outside:
        raise DataError(f"the pairs (columns {a!r}, {b!r}) name units {listing(outside)} that are "
                        f"not among the {len(ids)} study units; leave those pairs out, or name "
                        "the id columns if these are not they")
    graph: dict = {i: {} for i in ids}
    for u, v in ends.itertuples(index=False):
        graph[as_id[u]][as_id[v]] = graph[as_id[v]][as_id[u]] = 1.0
    return _build(graph, "contiguity (pairs)", points, islands, transform)


@declared(Params(replace(WEIGHTS["knn"], default=REQUIRED, help="nearest neighbours of each unit"),
                 WEIGHTS["transform"]), data=("points",))
def knn_weights(points: pd.DataFrame, knn: int, *, transform: str = TRANSFORM) -> SpatialWeights:
    """The ``knn`` nearest units of each unit by great-circle distance (libpysal ``KNN``).

    Not symmetric: j may be among i's k nearest without i being among j's. There are
    never islands. ``points``: index unit id, columns ``lon``, ``lat`` (degrees).
    """
    from libpysal.weights import KNN

    points = _check_points(points)
    if not knn < len(points):
        raise DataError(f"knn must be between 1 and the number of units - 1 ({len(points) - 1}), got {knn}")
    w = KNN.from_array(points.to_numpy(), k=knn, ids=list(points.index), radius=EARTH_RADIUS_KM,
                       silence_warnings=True)
    w.transform = transform
    return SpatialWeights(w, f"k nearest neighbours (k={knn}, great-circle)")


@declared(Params(
    Param("threshold", REQUIRED, "band, km (> 0, at most half the Earth's circumference)", kind=float),
    Param("binary", True, "weight 1 within the band; False: weight d^−β (inverse distance for beta=1, inverse squared "
          "for 2; β as in the access decays), before transform"),
    Param("beta", 1.0, "distance exponent of the weights d^−β when not binary", kind=float),
    replace(ISLANDS_PARAM, help="units with no other unit within the band (module docstring); a nearest link gets "
            "the weight its distance would give"),
    WEIGHTS["transform"],
    Param("alpha", None, "older spelling, libpysal's exponent: alpha = −beta (read with a FutureWarning)", kind=float,
          cli=False, study=False)), data=("points",))
def distance_band_weights(
    points: pd.DataFrame,
    threshold: float,
    *,
    binary: bool = True,
    beta: float = 1.0,
    islands: str = "error",
    transform: str = TRANSFORM,
    alpha: float | None = None,
) -> SpatialWeights:
    """Units within ``threshold`` km (great-circle) are neighbours (libpysal ``DistanceBand``).

    Parameters
    ----------
    points : DataFrame
        Index unit id, columns ``lon``, ``lat`` (degrees).
    """
    from libpysal.weights import DistanceBand

    if alpha is not None:
        warnings.warn(f"distance_band_weights(alpha={alpha}) is now beta={-alpha} (weights d^-beta); alpha will be "
                      "removed", FutureWarning, stacklevel=3)
        beta = -alpha
    points = _check_points(points)
    if not threshold > 0:  # not declared low=0: a study's threshold (network) has no bound
        raise DataError(f"the distance band must be > 0 km, got {threshold}")
    with np.errstate(divide="ignore"):  # libpysal raises the zero self-distances to -beta
        band = DistanceBand.from_array(points.to_numpy(), threshold, binary=binary, alpha=-beta,
                                       ids=list(points.index), radius=EARTH_RADIUS_KM,
                                       silence_warnings=True)
    graph = {i: dict(zip(band.neighbors[i], band.weights[i])) for i in band.id_order}
    return _build(graph, f"distance band (≤ {threshold:g} km, great-circle)", points, islands,
                  transform, weight_at=None if binary else (lambda d: d ** -beta))


@declared(Params(ISLANDS_PARAM, replace(WEIGHTS["transform"], default=None, help="libpysal transformation "
                                       "(default: the W's own)")), data=("w", "points"))
def as_weights(
    w: W, *, points: pd.DataFrame | None = None, islands: str = "error",
    transform: str | None = None,
) -> SpatialWeights:
    """Wrap a libpysal ``W`` (e.g. read from a GAL file), applying ``islands``."""
    graph = {i: dict(zip(w.neighbors[i], w.weights[i])) for i in w.id_order}
    return _build(graph, "libpysal W", points, islands, transform or w.transform)


@declared(WEIGHTS, data=("data",))
def spatial_weights(
    data: pd.DataFrame,
    unit: str,
    weights: str = "provinces",
    *,
    coordinates: Sequence[str] | None = None,
    knn: int = KNN,
    band: float | None = None,
    adjacency: pd.DataFrame | str | os.PathLike | None = None,
    adjacency_columns: Sequence[str] | None = None,
    islands: str = "nearest",
    link_hainan_guangdong: bool = False,
    transform: str = TRANSFORM,
) -> SpatialWeights:
    """Weights over the units of ``data`` (ids = its ``unit`` labels), from any source.

    Parameters
    ----------
    data : DataFrame
        The study's table; a panel's units are taken once.
    """
    check_columns(data, [unit, *(coordinates or [])])
    units = list(pd.unique(data[unit]))
    if coordinates is not None and len(coordinates) != 2:
        raise DataError(f"coordinates are two columns, longitude and latitude; got {list(coordinates)}")
    points = unit_coordinates(data, *coordinates, unit=unit) if coordinates else None
    if weights == "provinces":
        from healthalloc.data import province

        label = {province(u).code: u for u in units}
        pairs = _province_pairs([(460000, 440000)] if link_hainan_guangdong else ())
        pairs = pairs[pairs["adcode_a"].isin(label) & pairs["adcode_b"].isin(label)].replace(label)
        if points is None:
            points = province_points().loc[list(label)].set_axis(list(label.values()))
        return adjacency_weights(pairs, ids=units, points=points, islands=islands, transform=transform)
    if weights == "adjacency":
        if adjacency is None:
            raise DataError("weights = 'adjacency' needs a table or file of neighbouring pairs")
        from healthalloc.data import read_table

        file = not isinstance(adjacency, pd.DataFrame)
        try:
            return adjacency_weights(read_table(adjacency) if file else adjacency, columns=adjacency_columns,
                                     ids=units, points=points, islands=islands, transform=transform)
        except DataError as error:
            if not file:
                raise
            raise DataError(f"{Path(adjacency).name}: {error}") from None
    if points is None:
        raise DataError(f"weights = {weights!r} needs coordinates (longitude, latitude columns)")
    if weights == "knn":
        return knn_weights(points, knn, transform=transform)
    if band is None:
        raise DataError("weights = 'band' needs the band's width in km")
    return distance_band_weights(points, band, islands=islands, transform=transform)


def match_units(weights: SpatialWeights | W, units: Sequence[Hashable]) -> tuple[SpatialWeights, list]:
    """The data's unit labels in the weights' order, after checking both name the same units.

    Units the weights dropped as islands are left out. Ids that differ only in type
    (``110000`` against ``"110000"``) are matched by their text.

    Returns
    -------
    (SpatialWeights, list)
        The weights (a plain ``W`` is wrapped by :func:`as_weights`, which refuses
        islands) and the data's labels, one per weights id.

    Raises
    ------
    DataError
        Naming units in the data but not in the weights, and units in the weights
        without data.
    """
    sw = weights if isinstance(weights, SpatialWeights) else as_weights(weights)
    dropped = {str(u) for u in sw.dropped}
    units = [u for u in pd.unique(pd.Series(list(units), dtype=object)) if str(u) not in dropped]
    found = _matched(units, sw.ids)
    if None in found or len(set(found)) != len(sw.ids):
        problems = []
        extra = [u for u, i in zip(units, found) if i is None]
        if extra:
            problems.append(f"units {listing(extra)} are in the data but not in the weights")
        unused = [i for i in sw.ids if i not in set(found)]
        if unused:
            problems.append(f"units {listing(unused)} are in the weights but not in the data")
        raise DataError("; ".join(problems) + f" ({len(units)} units in the data, {len(sw.ids)} "
                        "in the weights); the weights must cover exactly the data's units")
    label = dict(zip(found, units))
    return sw, [label[i] for i in sw.ids]


def aligned_values(
    data: pd.DataFrame, value: str, weights: SpatialWeights | W, *, unit: str | None = None,
    by: str | None = None,
) -> tuple[SpatialWeights, pd.DataFrame]:
    """The weights and ``value`` as a units × periods table in the weights' order.

    Combines :func:`~healthalloc.data.check_panel` (a balanced panel of finite
    numbers) and :func:`match_units`; the table's index is the weights' ids.
    """
    wide = check_panel(data, value, unit=unit, by=by, balanced=True).wide(value)
    sw, order = match_units(weights, wide.index)
    return sw, wide.loc[order].set_axis(pd.Index(sw.ids, name="unit"))


def _matched(labels: Sequence[Hashable], ids: Sequence[Hashable]) -> list:
    """The id each label names (equal, or equal as text: ``"110000"`` names ``110000``), else None."""
    lookup = {str(i): i for i in ids} | {i: i for i in ids}
    return [lookup.get(u, lookup.get(str(u))) for u in labels]


def _province_pairs(extra: Sequence[tuple[int, int]] = ()) -> pd.DataFrame:
    """The embedded land borders of the provinces (columns ``adcode_a``, ``adcode_b``), plus ``extra``."""
    from healthalloc.data import load_province_adjacency

    pairs = load_province_adjacency()[["adcode_a", "adcode_b"]]
    return pd.concat([pairs, pd.DataFrame(list(extra), columns=pairs.columns)]) if extra else pairs


def _pair_columns(pairs: pd.DataFrame, columns: Sequence[str] | None) -> tuple[str, str]:
    if columns is None:
        if pairs.shape[1] < 2:
            raise DataError(f"the pairs table needs two id columns, found {pairs.shape[1]}")
        return pairs.columns[0], pairs.columns[1]
    if len(columns) != 2:
        raise DataError(f"expected two id columns, got {list(columns)}")
    check_columns(pairs, list(columns))
    return columns[0], columns[1]


def _check_points(points: pd.DataFrame) -> pd.DataFrame:
    """``points`` with columns lon, lat and unique unit ids in the index."""
    check_columns(points, ["lon", "lat"])
    if points.index.has_duplicates:
        raise DataError(f"units {listing(points.index[points.index.duplicated()].unique())} have "
                        "more than one point; use unit_coordinates() to take one per unit")
    return unit_coordinates(points.rename_axis("unit").reset_index(), "lon", "lat", unit="unit")


def _build(
    graph: dict, kind: str, points: pd.DataFrame | None, islands: str, transform: str,
    weight_at: Callable[[float], float] | None = None,
) -> SpatialWeights:
    """Apply ``islands`` to ``{unit: {neighbor: weight}}`` and make the libpysal ``W``; an
    island's link to its nearest unit at ``d`` km weighs ``weight_at(d)`` (default 1)."""
    from libpysal.weights import W

    lonely = tuple(i for i, nb in graph.items() if not nb)
    links, dropped = _no_links(), ()
    if lonely and islands == "error":
        raise DataError(f"units {listing(lonely)} have no neighbour (islands): pass islands='drop' "
                        "to leave them out, or islands='nearest' with their points to link each "
                        "to its nearest unit")
    if lonely and islands == "drop":
        dropped = lonely
        graph = {i: nb for i, nb in graph.items() if nb}
        warnings.warn(f"islands='drop': units {listing(lonely)} have no neighbour and are left out "
                      "of the weights and of the analyses that use them", stacklevel=3)
    if lonely and islands == "nearest":
        links = _nearest(lonely, list(graph), points)
        for u, v, d in links.itertuples(index=False):
            graph[u][v] = graph[v][u] = weight_at(d) if weight_at else 1.0
        said = [f"{_named(u)} to {_named(v)}, {d:.0f} km" for u, v, d in links.itertuples(index=False)]
        warnings.warn(f"islands='nearest': units without a neighbour linked to their nearest "
                      f"unit: {listing(said)}", stacklevel=3)
    w = W({i: list(nb) for i, nb in graph.items()}, {i: list(nb.values()) for i, nb in graph.items()},
          id_order=list(graph), silence_warnings=True)
    w.transform = transform
    if w.n_components > 1:
        sizes = np.bincount(w.component_labels)
        warnings.warn(f"the weights have {w.n_components} disconnected components "
                      f"(sizes {', '.join(map(str, sorted(sizes, reverse=True)))}): no spatial "
                      "link crosses between them", stacklevel=3)
    return SpatialWeights(w, kind, islands=lonely, dropped=dropped, links=links)


def _named(unit) -> str:
    """``"Hainan (460000)"`` for a unit naming a province (by code or name), else the unit as it is."""
    try:
        name = province(unit).name_en
    except UnknownNameError:
        return str(unit)
    return str(unit) if name == str(unit) else f"{name} ({unit})"


def _nearest(lonely: tuple, ids: list, points: pd.DataFrame | None) -> pd.DataFrame:
    """Each island's nearest other unit by great-circle distance (libpysal ``Arc_KDTree``)."""
    from libpysal.cg import KDTree

    if points is None:
        raise DataError(f"islands='nearest' needs the units' points (lon, lat) to find the nearest "
                        f"unit of {listing(lonely)}")
    points = _check_points(points)
    missing = [i for i in ids if i not in points.index]
    if missing:
        raise DataError(f"no point (lon, lat) for units {listing(missing)}")
    xy = points.loc[ids].to_numpy()
    tree = KDTree(xy, distance_metric="Arc", radius=EARTH_RADIUS_KM)
    rows = []
    for u in lonely:
        dist, idx = tree.query(xy[ids.index(u)], k=2)
        j = int(idx[1]) if ids[int(idx[0])] == u else int(idx[0])
        rows.append((u, ids[j], float(dist[list(idx).index(j)])))
    return pd.DataFrame(rows, columns=["unit", "neighbor", "distance_km"])
