"""The embedded boundaries as projected matplotlib paths, and table labels matched to them.

Two geographies: ``"provinces"``, the 34 province-level divisions (the 31 mainland
provinces of the analyses, then Taiwan, Hong Kong and Macao), and ``"guangxi"``, Guangxi's
14 prefecture-level cities. Longitudes and latitudes are projected with a spherical Albers
equal-area conic (Snyder 1987, eqs. 14-1 to 14-4) to km: for the provinces with the usual
parameters for China (standard parallels 25° N and 47° N, central meridian 105° E, those of
the embedded centroids and areas), for Guangxi with parallels 22° N and 26° N about
108.5° E. On the province map the South China Sea islands (Hainan's polygons south of
18° N) are left out of the main map's view and shown in an inset at its lower right.

Examples
--------
>>> shapes("provinces").table.shape
(34, 4)
>>> unit_codes(["Beijing", "广西", 650000, "Hong Kong"], "provinces").tolist()
[110000, 450000, 650000, 810000]
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd
from matplotlib.path import Path

from healthalloc.data.messages import did_you_mean, listing, show
from healthalloc.data.datasets import load_guangxi_boundaries, load_province_boundaries
from healthalloc.data.regions import province
from healthalloc.data.validate import DataError, UnknownNameError

__all__ = ["EARTH_RADIUS_KM", "GEOGRAPHIES", "GUANGXI_CITIES_EN", "Albers", "Shapes", "shapes", "unit_codes"]

GEOGRAPHIES = ("provinces", "guangxi")
"""Geographies with embedded boundaries."""

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
        One of :data:`GEOGRAPHIES`.
    table : DataFrame
        One row per feature, in file order: ``adcode`` (int), ``name`` (Chinese),
        ``name_en`` and ``in_analysis`` (True for the 31 mainland provinces, the 14 cities).
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
    """

    geography: str
    table: pd.DataFrame
    paths: tuple[Path, ...]
    extent: tuple[float, float, float, float]
    inset_paths: tuple[Path, ...] | None = None
    inset: tuple[float, float, float, float] | None = None
    inset_frame: tuple[float, float, float, float] | None = None


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
    "guangxi": _Geography(load_guangxi_boundaries, Albers(108.5, 22.0, 26.0),
                          "Guangxi's 14 prefecture-level cities"),
}
_SUFFIX = re.compile("(特别行政区|省|市)$")


def _geography(name: str) -> _Geography:
    if name not in _GEOGRAPHIES:
        hint = did_you_mean(name, GEOGRAPHIES)
        raise UnknownNameError(
            f"unknown geography {name!r}" + (f"; {hint}" if hint else "") + f"; expected one of {GEOGRAPHIES}"
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
        "name_en": props["name_en"] if "name_en" in props else adcode.map(GUANGXI_CITIES_EN),
        "in_analysis": props["in_31_mainland"].eq(1) if "in_31_mainland" in props else True,
    })


@cache
def shapes(geography: str = "provinces") -> Shapes:
    """The projected boundaries of ``geography`` (read once, then cached).

    Raises
    ------
    UnknownNameError
        ``geography`` is not one of :data:`GEOGRAPHIES`.
    """
    geo = _geography(geography)
    features = geo.load()["features"]
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
        return Shapes(geography, _table(features), tuple(paths), extent)
    inset = _box(project, *geo.inset_box)
    left, top = project(*np.transpose([geo.inset_corner]))[0]
    xmin, xmax, ymin, ymax = extent
    bottom = top - (xmax - left) * (inset[3] - inset[2]) / (inset[1] - inset[0])
    return Shapes(geography, _table(features), tuple(paths), (xmin, xmax, min(ymin, bottom), ymax),
                  tuple(whole), inset, (left, xmax, bottom, top))


def _key(label: object) -> str | None:
    """Lookup key: integral numbers as digits, text trimmed and case-folded; None otherwise."""
    if isinstance(label, numbers.Real) and not isinstance(label, bool):
        return str(int(label)) if float(label).is_integer() else None
    if isinstance(label, str):
        return " ".join(label.split()).casefold()
    return None


@cache
def _names(geography: str) -> MappingProxyType:
    """Lookup key → adcode for every adcode, Chinese name (with and without suffix) and English name."""
    table = shapes(geography).table
    names = {}
    for code, name, name_en in table[["adcode", "name", "name_en"]].itertuples(index=False):
        for form in (code, name, _SUFFIX.sub("", name), name_en):
            names[_key(form)] = code
    return MappingProxyType(names)


def _code(label: object, geography: str) -> int | None:
    """The adcode ``label`` names in ``geography``, or None."""
    if geography == "provinces":
        try:
            return province(label).code
        except UnknownNameError:
            pass
    return _names(geography).get(_key(label))


def unit_codes(labels: Iterable[object], geography: str = "provinces") -> np.ndarray:
    """The adcode of the feature each label names.

    Parameters
    ----------
    labels : iterable
        Province labels (any form :func:`healthalloc.data.province` accepts, plus Taiwan,
        Hong Kong and Macao by code or name) or Guangxi city labels (adcode as int or
        text, Chinese name with or without 市, English name as in ``load_guangxi_2022``).
    geography : str
        One of :data:`GEOGRAPHIES`.

    Returns
    -------
    ndarray of int
        One adcode per label, in order.

    Raises
    ------
    UnknownNameError
        Some labels name no feature; all are listed, with close names suggested.
    DataError
        Two labels name the same feature.
    """
    geo = _geography(geography)
    labels = list(labels)
    codes = [_code(label, geography) for label in labels]
    unknown = [label for label, code in zip(labels, codes) if code is None]
    if unknown:
        table = shapes(geography).table
        candidates = [*table["name_en"], *table["name"]]
        parts = []
        for label in unknown:
            hint = did_you_mean(label, candidates) if isinstance(label, str) else ""
            parts.append(show(label) + (f" ({hint})" if hint else ""))
        raise UnknownNameError(
            f"unknown names in the {geography!r} geography: {listing(parts)}; expected "
            f"codes, Chinese or English names of {geo.noun}"
        )
    seen: dict[int, object] = {}
    for label, code in zip(labels, codes):
        if code in seen:
            name = shapes(geography).table.set_index("adcode").at[code, "name_en"]
            raise DataError(
                f"labels {show(seen[code])} and {show(label)} both name {name} ({code}); give each unit once"
            )
        seen[code] = label
    return np.asarray(codes, dtype=int)
