"""Embedded example data sets, their loaders and their data dictionary.

Each data set is one file shipped inside the package and read with
:mod:`importlib.resources`, so the loaders work from an installed wheel: a CSV table, or
a GeoJSON boundary file whose loader returns the parsed FeatureCollection (a dict) and
whose registry ``load()`` gives its features' properties, one row per feature. Its entry in
:data:`DATASETS` (kept in ``dictionary.json``) says what it is, where it came from, under
which licence, what to beware of, and for every column its meaning, unit and status:

``source``
    as published by the origin;
``derived``
    computed by the origin from other columns (ratios, shares);
``added``
    added when the file was curated for this project (English names, regions, flags);
``computed``
    computed by this project, **not published** (e.g. ``ccr_input_theta_computed``).

Examples
--------
>>> load_china_provinces().shape
(310, 22)
>>> print(describe("deap_eg1"))  # doctest: +ELLIPSIS
deap_eg1: DEAP 2.1 example 1: ...
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from types import MappingProxyType

import pandas as pd

from healthalloc.data.messages import did_you_mean
from healthalloc.data.regions import PROVINCES
from healthalloc.data.validate import UnknownNameError

__all__ = [
    "DATASETS",
    "STATUSES",
    "Column",
    "Dataset",
    "data_dictionary",
    "describe",
    "load_china_cities",
    "load_china_provinces",
    "load_cst_hospitals",
    "load_deap_eg1",
    "load_deap_eg4",
    "load_guangxi_2022",
    "load_guangxi_boundaries",
    "load_guangxi_calibration",
    "load_mobility_cities",
    "load_mobility_records",
    "load_prefecture_boundaries",
    "load_prefecture_geography",
    "load_province_adjacency",
    "load_province_boundaries",
    "load_province_geography",
    "load_synthetic_facilities",
]

STATUSES = ("source", "derived", "added", "computed")
"""Column statuses, from as-published to computed by this project (see the module docstring)."""

_ENTRIES = json.loads(resources.files(__name__).joinpath("dictionary.json").read_text(encoding="utf-8"))
_MAINLAND = frozenset(p.code for p in PROVINCES)


@dataclass(frozen=True)
class Column:
    """One column of an embedded data set: ``meaning``, ``unit`` and ``status`` (see :data:`STATUSES`)."""

    name: str
    meaning: str
    unit: str
    status: str = "source"


@dataclass(frozen=True)
class Dataset:
    """An embedded data set: file, provenance, caveats, columns, and ``load()`` for its default table."""

    name: str
    file: str
    title: str
    origin: str
    licence: str
    caveats: tuple[str, ...]
    columns: tuple[Column, ...]
    load: Callable[[], pd.DataFrame] = field(repr=False, compare=False)


def _read(name: str) -> pd.DataFrame:
    """The CSV file of data set ``name``, as shipped."""
    with resources.files(__name__).joinpath(_ENTRIES[name]["file"]).open("rb") as fh:
        return pd.read_csv(fh, encoding="utf-8")


def _read_geojson(name: str) -> dict:
    """The GeoJSON file of data set ``name``, parsed."""
    with resources.files(__name__).joinpath(_ENTRIES[name]["file"]).open("rb") as fh:
        return json.load(fh)


def _feature_table(name: str) -> pd.DataFrame:
    """The properties of the features of GeoJSON data set ``name``, one row each, ``adcode`` as int."""
    table = pd.DataFrame([feature["properties"] for feature in _read_geojson(name)["features"]])
    return table.astype({"adcode": int})


def load_china_provinces() -> pd.DataFrame:
    """Health resources of the 31 mainland provinces, 2014–2023 (NBS).

    Returns
    -------
    DataFrame
        310 rows (province × year, by province code then year) × 22 columns: ``year``,
        ``province_code`` (GB/T 2260), ``province_cn``, ``province_en``, ``region``
        (east/central/west), institution counts, beds and personnel (rounded to 100),
        ``permanent_population`` (persons) and six derived ratios. Inputs only: no
        service outputs. See ``describe("china_provinces")``.
    """
    return _read("china_provinces")


def load_province_geography(*, mainland_only: bool = True) -> pd.DataFrame:
    """Centroids, inner points, government seats and areas of the province-level divisions.

    Parameters
    ----------
    mainland_only : bool
        True (default): the 31 mainland provinces. False: all 34, adding Taiwan, Hong Kong
        and Macao (empty ``region``, ``in_31_mainland`` = 0).

    Returns
    -------
    DataFrame
        31 (or 34) rows × 12 columns: ``adcode`` (GB/T 2260, = ``province_code``),
        names, ``region``, ``in_31_mainland``, lon/lat pairs in WGS84 degrees and
        ``polygon_area_km2`` (km²).
    """
    df = _read("province_geography")
    return df[df["in_31_mainland"] == 1].reset_index(drop=True) if mainland_only else df


def load_province_adjacency(*, mainland_only: bool = True) -> pd.DataFrame:
    """Province pairs sharing a land border (rook contiguity), each pair once (``adcode_a < adcode_b``).

    Parameters
    ----------
    mainland_only : bool
        True (default): the 68 pairs among the 31 mainland provinces. False: all 70,
        adding Guangdong–Hong Kong and Guangdong–Macao. Hainan has no land neighbour.

    Returns
    -------
    DataFrame
        Columns ``adcode_a``, ``name_a``, ``name_en_a``, ``adcode_b``, ``name_b``,
        ``name_en_b`` and ``shared_border_km`` (km, approximate).
    """
    df = _read("province_adjacency")
    if not mainland_only:
        return df
    inside = df["adcode_a"].isin(_MAINLAND) & df["adcode_b"].isin(_MAINLAND)
    return df[inside].reset_index(drop=True)


def load_province_boundaries() -> dict:
    """Boundaries of the 34 province-level divisions, as a GeoJSON FeatureCollection.

    Returns
    -------
    dict
        Parsed GeoJSON (WGS84 longitude/latitude degrees), a new object at each call: 34
        ``Polygon``/``MultiPolygon`` features, the 31 mainland provinces in GB/T 2260 order
        then Taiwan, Hong Kong and Macao. Properties ``adcode`` (text, ``"110000"``),
        ``name``, ``name_en``, ``region`` and ``in_31_mainland``. Simplified at 0.02°, for
        drawing; Hainan includes the South China Sea islands. See
        ``describe("province_boundaries")``.
    """
    return _read_geojson("province_boundaries")


def load_guangxi_boundaries() -> dict:
    """Boundaries of Guangxi's 14 prefecture-level cities, as a GeoJSON FeatureCollection.

    Returns
    -------
    dict
        Parsed GeoJSON (WGS84 degrees), a new object at each call: 14 features by adcode
        (450100 Nanning to 451400 Chongzuo) with properties ``adcode`` (text) and ``name``
        (Chinese). Simplified at 0.005°. See ``describe("guangxi_boundaries")``.
    """
    return _read_geojson("guangxi_boundaries")


def load_prefecture_boundaries() -> dict:
    """Boundaries of China's 370 prefecture-level units, as a GeoJSON FeatureCollection.

    Returns
    -------
    dict
        Parsed GeoJSON (WGS84 degrees), a new object at each call: the units of
        :func:`load_prefecture_geography`, in its order, with properties ``adcode`` (text),
        ``name`` and ``province`` (Chinese). Simplified at 0.04°, for drawing; Sansha's
        features are the South China Sea islands. See ``describe("prefecture_boundaries")``.
    """
    return _read_geojson("prefecture_boundaries")


def load_cst_hospitals() -> pd.DataFrame:
    """Cooper, Seiford & Tone's 12 hospitals A–L: 12 rows × 7 columns.

    Inputs ``doctors``, ``nurses``; outputs ``outpatients``, ``inpatients``. The columns
    ``ccr_input_theta_computed`` and ``bcc_input_theta_computed`` were computed by this
    project, not published: use them as a regression check only.
    """
    return _read("cst_hospitals")


def load_deap_eg1() -> pd.DataFrame:
    """DEAP 2.1 example 1 (reconstructed): 5 firms × ``firm, y, x1, x2`` (output first, as in DEAP).

    DEAP's printed CRS input-oriented technical efficiencies are 0.500, 1.000, 0.833,
    0.714 and 1.000.
    """
    return _read("deap_eg1")


def load_deap_eg4() -> pd.DataFrame:
    """DEAP 2.1 example 4 (reconstructed Malmquist panel): 15 rows, ``year`` 1–3 × ``firm`` 1–5.

    Columns ``year``, ``firm``, output ``y`` and input ``x``.
    Years 2 and 3 are identical.
    """
    return _read("deap_eg4")


def load_guangxi_2022() -> pd.DataFrame:
    """Guangxi's 14 cities in 2022: seven fsQCA conditions and DEA ``efficiency`` (14 rows × 9 columns).

    Units as printed in the paper: ``gdp_per_capita``, ``average_wage`` and
    ``health_expenditure_per_capita`` in 10⁴ yuan, rates in %, ``public_budget_expenditure``
    in 10⁸ yuan. ``health_expenditure_per_capita`` does not match the unit (yuan) of its
    calibration anchors; see ``describe("guangxi_2022")``.
    """
    return _read("guangxi_2022")


def load_guangxi_calibration() -> pd.DataFrame:
    """Calibration anchors of the Guangxi 2022 fsQCA: 8 rows (X1–X7, Y) × 5 columns.

    ``variable`` names a column of :func:`load_guangxi_2022`; ``full_membership``,
    ``crossover`` and ``full_nonmembership`` are in that variable's unit.
    """
    return _read("guangxi_calibration")


def load_china_cities() -> pd.DataFrame:
    """Populated places of mainland China with ≥ 15,000 inhabitants (GeoNames, CC BY 4.0).

    Returns
    -------
    DataFrame
        2,105 rows: ``geonameid``, ``name``, ``province_code`` (GB/T 2260), ``province_en``,
        ``population`` (persons, of the place) and ``lon``, ``lat`` (degrees). Demand points
        for accessibility examples, not census counts; see ``describe("china_cities")``.
    """
    return _read("china_cities")


def load_prefecture_geography() -> pd.DataFrame:
    """Centroids, seats and areas of the 370 prefecture-level units (incl. Taiwan, Hong Kong, Macao).

    Returns
    -------
    DataFrame
        Columns ``adcode``, ``province_adcode``, names, ``unit_type``, centroid, inner point
        and seat lon/lat (degrees; seat missing for 6 units) and ``polygon_area_km2``.
    """
    return _read("prefecture_geography")


def load_synthetic_facilities() -> pd.DataFrame:
    """A SYNTHETIC facility layer (beds at points; real 2023 provincial totals), not data.

    Generated by :func:`healthalloc.data.facilities.synthetic_facilities` with its default
    seed; see ``describe("china_facilities_synthetic")``. Columns ``id``,
    ``prefecture_code``, ``prefecture_cn``, ``province_code``, ``province_en``, ``beds``,
    ``lon``, ``lat``.
    """
    return _read("china_facilities_synthetic")


def load_mobility_cities() -> pd.DataFrame:
    """SYNTHETIC attributes of 337 real prefecture-level cities for the mobility examples, not data.

    Generated by :func:`healthalloc.mobility.synthetic.synthetic_mobility`; see
    ``describe("mobility_cities_synthetic")``. Columns ``adcode, name_cn, province, lon, lat,
    dialect`` and the synthetic ``PCF, HTH, GDP, INT, ENV, UR, EDU``.
    """
    return _read("mobility_cities_synthetic")


def load_mobility_records() -> pd.DataFrame:
    """SYNTHETIC migration records between the cities of :func:`load_mobility_cities`, not data.

    Columns ``person, origin, destination`` (adcodes); see ``describe("mobility_records_synthetic")``.
    """
    return _read("mobility_records_synthetic")


_LOADERS: dict[str, Callable[[], pd.DataFrame]] = {
    "china_provinces": load_china_provinces,
    "province_geography": load_province_geography,
    "province_adjacency": load_province_adjacency,
    "province_boundaries": partial(_feature_table, "province_boundaries"),
    "cst_hospitals": load_cst_hospitals,
    "deap_eg1": load_deap_eg1,
    "deap_eg4": load_deap_eg4,
    "guangxi_2022": load_guangxi_2022,
    "guangxi_calibration": load_guangxi_calibration,
    "guangxi_boundaries": partial(_feature_table, "guangxi_boundaries"),
    "china_cities": load_china_cities,
    "prefecture_geography": load_prefecture_geography,
    "prefecture_boundaries": partial(_feature_table, "prefecture_boundaries"),
    "china_facilities_synthetic": load_synthetic_facilities,
    "mobility_cities_synthetic": load_mobility_cities,
    "mobility_records_synthetic": load_mobility_records,
}

DATASETS: MappingProxyType[str, Dataset] = MappingProxyType({
    name: Dataset(
        name=name,
        file=entry["file"],
        title=entry["title"],
        origin=entry["origin"],
        licence=entry["licence"],
        caveats=tuple(entry["caveats"]),
        columns=tuple(
            Column(c["column"], c["meaning"], c["unit"], c.get("status", "source")) for c in entry["columns"]
        ),
        load=_LOADERS[name],
    )
    for name, entry in _ENTRIES.items()
})
"""Every embedded data set by name."""


def _dataset(name: str) -> Dataset:
    if name not in DATASETS:
        hint = did_you_mean(name, DATASETS)
        raise UnknownNameError(
            f"unknown data set {name!r}" + (f"; {hint}" if hint else "") + f"; known: {', '.join(DATASETS)}"
        )
    return DATASETS[name]


def describe(name: str) -> str:
    """A readable account of data set ``name``: title, shape, origin, licence, caveats and columns."""
    ds = _dataset(name)
    n_rows, n_cols = ds.load().shape
    wrap = textwrap.TextWrapper(width=92, subsequent_indent="    ")
    width = max(len(c.name) for c in ds.columns)
    columns = [
        f"  {c.name:<{width}}  {c.meaning} [{c.unit}]" + ("" if c.status == "source" else f" ({c.status})")
        for c in ds.columns
    ]
    return "\n".join([
        f"{ds.name}: {ds.title}",
        f"file: {ds.file} (load() gives {n_rows} rows × {n_cols} columns)",
        *wrap.wrap(f"origin: {ds.origin}"),
        *wrap.wrap(f"licence: {ds.licence}"),
        "caveats:",
        *(line for caveat in ds.caveats for line in wrap.wrap(f"  - {caveat}")),
        "columns:",
        *columns,
    ])


def data_dictionary() -> pd.DataFrame:
    """One row per column of every embedded data set.

    Columns ``dataset``, ``column``, ``meaning``, ``unit`` and ``status`` (see :data:`STATUSES`).
    """
    return pd.DataFrame(
        [(ds.name, c.name, c.meaning, c.unit, c.status) for ds in DATASETS.values() for c in ds.columns],
        columns=["dataset", "column", "meaning", "unit", "status"],
    )
