"""The embedded boundaries as projected matplotlib paths, and table labels matched to them.

Three embedded geographies: ``"provinces"``, the 34 province-level divisions (the 31 mainland
provinces of the analyses, then Taiwan, Hong Kong and Macao), ``"prefectures"``, the 370
prefecture-level units (those of ``load_prefecture_geography``), and ``"guangxi"``, Guangxi's
14 prefecture-level cities. Longitudes and latitudes are projected with a spherical Albers
equal-area conic (Snyder 1987, eqs. 14-1 to 14-4) to km: for the provinces and prefectures with
the usual parameters for China (standard parallels 25° N and 47° N, central meridian 105° E,
those of the embedded centroids and areas), for Guangxi with parallels 22° N and 26° N about
108.5° E. On the maps of China the South China Sea islands (polygons south of 18° N) are left
out of the main map's view and shown in an inset at its lower right.

A user's GeoJSON file of other units (e.g. Zhejiang's counties) is read with
``shapes(path, id_property="code")``: each feature's ``id_property`` names its unit, and the
projection's parallels lie at one sixth of the file's latitude span from its edges, about
its middle meridian (Snyder 1987, p. 99).

Examples
--------
>>> shapes("provinces").table.shape
(34, 4)
>>> unit_codes(["Beijing", "广西", 650000, "Hong Kong"], "provinces").tolist()
[110000, 450000, 650000, 810000]
>>> unit_codes(["杭州", 330200], "prefectures").tolist()
[330100, 330200]
"""

from __future__ import annotations

import json
import numbers
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path as FilePath
from types import MappingProxyType

import numpy as np
import pandas as pd
from matplotlib.path import Path

from healthalloc.data.messages import did_you_mean, listing, show
from healthalloc.data.datasets import load_guangxi_boundaries, load_prefecture_boundaries, load_province_boundaries
from healthalloc.data.regions import province
from healthalloc.data.validate import DataError, UnknownNameError

__all__ = ["EARTH_RADIUS_KM", "GEOGRAPHIES", "GUANGXI_CITIES_EN", "Albers", "Shapes", "shapes", "unit_codes",
           "unmatched"]

GEOGRAPHIES = ("provinces", "prefectures", "guangxi")
"""Geographies with embedded boundaries."""

OUTSIDE_MAINLAND = (710000, 810000, 820000)
"""Taiwan, Hong Kong and Macao: drawn on the maps of China, outside the mainland analyses."""

EARTH_RADIUS_KM = 6371.0
"""Radius of the sphere of the projection (km)."""

GUANGXI_CITIES_EN = MappingProxyType({
    450100: "Nanning", 450200: "Liuzhou", 450300: "Guilin", 450400: "Wuzhou", 450500: "Beihai",
    450600: "Fangchenggang", 450700: "Qinzhou", 450800: "Guigang", 450900: "Yulin", 451000: "Baise",
    451100: "Hezhou", 451200: "Hechi", 451300: "Laibin", 451400: "Chongzuo",
})
"""English names of Guangxi's cities by adcode, as in ``load_guangxi_2022()["city"]``."""


@dataclass(frozen=True)
class Albers:
    """Spherical Albers equal-area conic projection (Snyder 1987, eqs. 14-1 to 14-4).

    Attributes
    ----------
    lon_0 : float
        Central meridian (degrees east).
    lat_1, lat_2 : float
        Standard parallels (degrees north).
    """

    lon_0: float
    lat_1: float
    lat_2: float

    def __call__(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """An (n, 2) array of x (east) and y (north, up to a constant) in km for degrees."""
        phi_1, phi_2 = np.radians([self.lat_1, self.lat_2])
        n = (np.sin(phi_1) + np.sin(phi_2)) / 2
        c = np.cos(phi_1) ** 2 + 2 * n * np.sin(phi_1)
        rho = EARTH_RADIUS_KM * np.sqrt(c - 2 * n * np.sin(np.radians(lat))) / n
        theta = n * np.radians(np.asarray(lon) - self.lon_0)
        return np.column_stack([rho * np.sin(theta), -rho * np.cos(theta)])


@dataclass(frozen=True)
class Shapes:
    """Projected boundaries of one geography.

    Attributes
    ----------
    geography : str
        One of :data:`GEOGRAPHIES`, or the path of a user's GeoJSON file.
    table : DataFrame
        One row per feature, in file order: ``adcode`` (int; for a user's file the
        ``id_property`` as text), ``name`` (Chinese; the id for a user's file), ``name_en``
        (the Chinese name where no English one is embedded) and ``in_analysis`` (False for
        Taiwan, Hong Kong and Macao).
    paths : tuple of matplotlib.path.Path
        For the main map, one compound path per feature holding its polygons in projected
        km, the South China Sea islands left out; exterior rings run clockwise and holes
        counter-clockwise, so either fill rule leaves holes empty.
    extent : tuple of float
        ``(xmin, xmax, ymin, ymax)`` of the main map (km), room for the inset included.
    inset_paths : tuple of matplotlib.path.Path or None
        The whole features, islands included, for the South China Sea inset (provinces).
    inset : tuple of float or None
        Extent of the inset's view (km).
    inset_frame : tuple of float or None
        Where the inset sits on the main map, ``(xmin, xmax, ymin, ymax)`` in km: clear of
        land, at the lower right, with the aspect of ``inset``.
    id_property : str or None
        For a user's file, the property naming each feature's unit.
    """

    geography: str
    table: pd.DataFrame
    paths: tuple[Path, ...]
    extent: tuple[float, float, float, float]
    inset_paths: tuple[Path, ...] | None = None
    inset: tuple[float, float, float, float] | None = None
    inset_frame: tuple[float, float, float, float] | None = None
    id_property: str | None = None


@dataclass(frozen=True)
class _Geography:
    """How to read and project one geography."""

    load: Callable[[], dict]
    projection: Albers
    noun: str
    main_north_of: float | None = None
    inset_box: tuple[float, float, float, float] | None = None  # lon_min, lon_max, lat_min, lat_max
    inset_corner: tuple[float, float] | None = None  # lon, lat of the inset frame's upper left corner


_GEOGRAPHIES = {
    "provinces": _Geography(load_province_boundaries, Albers(105.0, 25.0, 47.0),
                            "China's 34 province-level divisions", main_north_of=18.0,
                            inset_box=(106.0, 123.0, 3.0, 24.5), inset_corner=(118.5, 21.6)),
    "prefectures": _Geography(load_prefecture_boundaries, Albers(105.0, 25.0, 47.0),
                              "China's 370 prefecture-level units", main_north_of=18.0,
                              inset_box=(106.0, 123.0, 3.0, 24.5), inset_corner=(118.5, 21.6)),
    "guangxi": _Geography(load_guangxi_boundaries, Albers(108.5, 22.0, 26.0),
                          "Guangxi's 14 prefecture-level cities"),
}
_SUFFIX = re.compile("(特别行政区|省|市)$")


def _geography(name: str) -> _Geography:
    if name not in _GEOGRAPHIES:
        if FilePath(name).suffix.lower() in _GEOJSON or FilePath(name).exists():
            raise DataError(f"{name}: a GeoJSON file of boundaries needs id_property, the property naming "
                            "each feature's unit (--id-property NAME)")
        hint = did_you_mean(name, GEOGRAPHIES)
        raise UnknownNameError(
            f"unknown geography {name!r}" + (f"; {hint}" if hint else "") + f"; expected one of "
            f"{GEOGRAPHIES} or a GeoJSON file with an id property"
        )
    return _GEOGRAPHIES[name]


def _oriented(xy: np.ndarray, *, clockwise: bool) -> np.ndarray:
    """Ring ``xy`` reversed if needed to run clockwise (or counter-clockwise)."""
    twice_area = np.dot(xy[:-1, 0], xy[1:, 1]) - np.dot(xy[1:, 0], xy[:-1, 1])
    return xy if (twice_area < 0) == clockwise else xy[::-1]


def _rings(geometry: dict) -> list[tuple[np.ndarray, bool]]:
    """Every ring of a (Multi)Polygon as lon/lat array, with True for exterior rings."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [(np.asarray(ring, dtype=float), i == 0) for polygon in polygons for i, ring in enumerate(polygon)]


def _bounds(xy: np.ndarray) -> tuple[float, float, float, float]:
    return float(xy[:, 0].min()), float(xy[:, 0].max()), float(xy[:, 1].min()), float(xy[:, 1].max())


def _box(project: Albers, lon_min: float, lon_max: float, lat_min: float, lat_max: float) -> tuple:
    """Projected bounds of a longitude/latitude box (edges sampled: parallels project to arcs)."""
    lon, lat = np.linspace(lon_min, lon_max, 50), np.linspace(lat_min, lat_max, 50)
    return _bounds(np.r_[project(lon, np.full(50, lat_min)), project(lon, np.full(50, lat_max)),
                         project(np.full(50, lon_min), lat), project(np.full(50, lon_max), lat)])


def _compound(xys: list[np.ndarray]) -> Path:
    return Path.make_compound_path(*(Path(xy, closed=True) for xy in xys))


def _table(features: list[dict]) -> pd.DataFrame:
    props = pd.DataFrame([f["properties"] for f in features])
    adcode = props["adcode"].astype(int)
    return pd.DataFrame({
        "adcode": adcode,
        "name": props["name"],
        "name_en": props["name_en"] if "name_en" in props else adcode.map(GUANGXI_CITIES_EN).fillna(props["name"]),
        "in_analysis": ~adcode.isin(OUTSIDE_MAINLAND),
    })


def shapes(geography: str | os.PathLike[str] | Shapes = "provinces", id_property: str | None = None) -> Shapes:
    """The projected boundaries of ``geography``: an embedded one (read once, then cached), or
    a user's GeoJSON file whose features' ``id_property`` names their units (read at each call);
    a :class:`Shapes` is returned as it is.

    Raises
    ------
    UnknownNameError
        ``geography`` is neither one of :data:`GEOGRAPHIES` nor a GeoJSON file with ``id_property``.
    DataError
        The file is missing or no GeoJSON FeatureCollection; a feature lacks ``id_property``,
        repeats another's id or is not a Polygon or MultiPolygon.
    """
    if isinstance(geography, Shapes):
        return geography
    if id_property is None and not isinstance(geography, os.PathLike):
        return _embedded(geography)
    if geography in _GEOGRAPHIES:
        raise DataError(f"id_property applies to a GeoJSON file of boundaries, not the embedded {geography!r}")
    if id_property is None:
        _geography(os.fspath(geography))  # says that the file needs id_property
    features, ids = _user_features(FilePath(geography), id_property)
    lon = np.concatenate([ring[:, 0] for f in features for ring, _ in _rings(f["geometry"])])
    lat = np.concatenate([ring[:, 1] for f in features for ring, _ in _rings(f["geometry"])])
    span = (lat.max() - lat.min()) / 6
    project = Albers((lon.min() + lon.max()) / 2, lat.min() + span, lat.max() - span)
    table = pd.DataFrame({"adcode": ids, "name": ids, "name_en": ids, "in_analysis": True})
    return _projected(os.fspath(geography), features, table, _Geography(dict, project, "units"), id_property)


_GEOJSON = (".geojson", ".json")


def _user_features(path: FilePath, id_property: str) -> tuple[list[dict], list[str]]:
    """The features of the GeoJSON file at ``path`` and their ids (``id_property`` as text), checked."""
    if not path.exists():
        raise DataError(f"{path}: no such file; give a GeoJSON file of boundaries")
    if not path.is_file():
        raise DataError(f"{path}: is a folder, not a GeoJSON file of boundaries")
    try:
        collection = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path.name}: not a GeoJSON file (it does not read as JSON: {error})") from None
    features = collection.get("features") if isinstance(collection, dict) else None
    if collection.get("type") != "FeatureCollection" or not isinstance(features, list) or not features:
        raise DataError(f"{path.name}: not a GeoJSON FeatureCollection with features; save the boundaries "
                        "as GeoJSON (e.g. with QGIS or geopandas' to_file(driver='GeoJSON'))")
    props = [f.get("properties") or {} for f in features]
    lacking = [i for i, p in enumerate(props) if p.get(id_property) is None]
    if lacking:
        known = sorted({k for i in lacking for k in props[i]})
        hint = did_you_mean(id_property, known)
        which = f"feature {lacking[0]} has" if len(lacking) == 1 else f"features {listing(lacking)} have"
        raise DataError(f"{path.name}: {which} no property {id_property!r}" + (f" ({hint})" if hint else "")
                        + (f"; its properties: {listing([show(k) for k in known])}" if known else ""))
    ids = [_written(p[id_property]) for p in props]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise DataError(f"{path.name}: ids {listing([show(i) for i in repeated])} of property {id_property!r} "
                        "name several features; give each unit one feature (a MultiPolygon for several parts)")
    for i, feature in zip(ids, features):
        kind = (feature.get("geometry") or {}).get("type")
        if kind not in ("Polygon", "MultiPolygon"):
            raise DataError(f"{path.name}: feature {i} is {'a ' + kind if kind else 'without geometry'}; "
                            "boundaries must be Polygon or MultiPolygon")
    return features, ids


def _written(value: object) -> str:
    """An id as text: integral numbers as digits, text trimmed."""
    key = _key(value)
    return key if key is not None and not isinstance(value, str) else " ".join(str(value).split())


@cache
def _embedded(geography: str) -> Shapes:
    geo = _geography(geography)
    features = geo.load()["features"]
    return _projected(geography, features, _table(features), geo)


def _projected(geography: str, features: list[dict], table: pd.DataFrame, geo: _Geography,
               id_property: str | None = None) -> Shapes:
    """The boundaries of ``features`` projected with ``geo``'s projection, with its inset if any."""
    project = geo.projection
    paths, whole = [], []
    for feature in features:
        rings = _rings(feature["geometry"])
        xys = [_oriented(project(*ring.T), clockwise=exterior) for ring, exterior in rings]
        main = [xy for (ring, _), xy in zip(rings, xys)
                if geo.main_north_of is None or ring[:, 1].min() >= geo.main_north_of]
        whole.append(_compound(xys))
        paths.append(whole[-1] if len(main) == len(xys) else _compound(main))
    extent = _bounds(np.concatenate([path.vertices for path in paths]))
    if geo.inset_box is None:
        return Shapes(geography, table, tuple(paths), extent, id_property=id_property)
    inset = _box(project, *geo.inset_box)
    left, top = project(*np.transpose([geo.inset_corner]))[0]
    xmin, xmax, ymin, ymax = extent
    bottom = top - (xmax - left) * (inset[3] - inset[2]) / (inset[1] - inset[0])
    return Shapes(geography, table, tuple(paths), (xmin, xmax, min(ymin, bottom), ymax),
                  tuple(whole), inset, (left, xmax, bottom, top))


def _key(label: object) -> str | None:
    """Lookup key: integral numbers as digits, text trimmed and case-folded; None otherwise."""
    if isinstance(label, numbers.Real) and not isinstance(label, bool):
        return str(int(label)) if float(label).is_integer() else None
    if isinstance(label, str):
        return " ".join(label.split()).casefold()
    return None


def _keys(table: pd.DataFrame) -> MappingProxyType:
    """Lookup key → adcode for every adcode, Chinese name (with and without suffix) and English name."""
    names = {}
    for code, name, name_en in table[["adcode", "name", "name_en"]].itertuples(index=False):
        for form in (code, name, _SUFFIX.sub("", name), name_en):
            names[_key(form)] = code
    return MappingProxyType(names)


@cache
def _names(geography: str) -> MappingProxyType:
    return _keys(shapes(geography).table)


def _codes(labels: list, geo: Shapes) -> list:
    """The adcode (or id) each label names in ``geo``, None for a label naming no feature."""
    if geo.id_property is not None:
        names = _keys(geo.table)
        return [names.get(_key(label)) for label in labels]
    names = _names(geo.geography)
    codes = []
    for label in labels:
        try:
            codes.append(province(label).code if geo.geography == "provinces" else None)
        except UnknownNameError:
            codes.append(None)
        codes[-1] = codes[-1] or names.get(_key(label))
    return codes


def unmatched(labels: Iterable[object], geography: str | Shapes = "provinces") -> list:
    """The labels that name no feature of ``geography`` (a name of :data:`GEOGRAPHIES` or :class:`Shapes`)."""
    labels = list(labels)
    return [label for label, code in zip(labels, _codes(labels, shapes(geography))) if code is None]


def unit_codes(labels: Iterable[object], geography: str | Shapes = "provinces") -> np.ndarray:
    """The adcode of the feature each label names.

    Parameters
    ----------
    labels : iterable
        Province labels (any form :func:`healthalloc.data.province` accepts, plus Taiwan,
        Hong Kong and Macao by code or name), prefecture or Guangxi city labels (adcode as
        int or text, Chinese name with or without 市, for Guangxi the English name as in
        ``load_guangxi_2022``), or for a user's file its ids (integral numbers as digits).
    geography : str or Shapes
        One of :data:`GEOGRAPHIES`, or :func:`shapes` of a user's file.

    Returns
    -------
    ndarray
        One adcode (int; a user's file: its id, text) per label, in order.

    Raises
    ------
    UnknownNameError
        Some labels name no feature; all are listed, with close names suggested.
    DataError
        Two labels name the same feature.
    """
    geo = shapes(geography)
    labels = list(labels)
    codes = _codes(labels, geo)
    unknown = [label for label, code in zip(labels, codes) if code is None]
    if unknown:
        candidates = [*geo.table["name_en"], *geo.table["name"]]
        parts = []
        for label in unknown:
            hint = did_you_mean(label, candidates) if isinstance(label, str) else ""
            parts.append(show(label) + (f" ({hint})" if hint else ""))
        noun = (_geography(geo.geography).noun if geo.id_property is None
                else f"the features of {FilePath(geo.geography).name} (property {geo.id_property!r})")
        raise UnknownNameError(
            f"unknown names in the {geo.geography!r} geography: {listing(parts)}; expected "
            f"codes, Chinese or English names of {noun}"
        )
    seen: dict[object, object] = {}
    for label, code in zip(labels, codes):
        if code in seen:
            name = geo.table.set_index("adcode").at[code, "name_en"]
            raise DataError(
                f"labels {show(seen[code])} and {show(label)} both name {name} ({code}); give each unit once"
            )
        seen[code] = label
    return np.asarray(codes, dtype=object if geo.id_property else int)
