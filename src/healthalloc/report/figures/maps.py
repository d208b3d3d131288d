"""Maps: choropleths (continuous or classed), two measures side by side, one map per period,
LISA cluster maps, and points (accessibility of demand points, with the sites).

Every map takes a plain Series indexed by unit: provinces by GB/T 2260 code (int or text),
ISO code, Chinese or English name (resolved with :mod:`healthalloc.data.regions`),
prefectures by adcode or Chinese name, Guangxi cities by adcode, Chinese or English name,
or the units of a user's GeoJSON file by its id property (``geography=shapes(path,
id_property=...)``). Boundaries are projected with an Albers equal-area conic (see
:mod:`healthalloc.report.geo`); on the maps of China the South China Sea islands go to an
inset at the lower right. Units of the analysis without a value are hatched grey, with a
legend entry; Taiwan, Hong Kong and Macao, outside the mainland analyses, are drawn as
outlines unless given a value (or left out with ``outside="omit"``). On a user's file, the
values of units that have no feature are left out and the features without a value
hatched, each listed in a warning.

The boundaries follow the PRC official view but carry no maritime lines: maps for
publication in China need an approved base map (审图号).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PathCollection
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from healthalloc.data.messages import listing, show
from healthalloc.data.validate import DataError, check_columns
from healthalloc.params import Param
from healthalloc.report.figures.base import check_unique, numeric, one_axes, styled
from healthalloc.report.geo import Albers, Shapes, shapes, unit_codes, unmatched

__all__ = ["FEW_SITES", "LISA_COLOURS", "LISA_NAMES", "MISSING_COLOUR", "PANEL_COLUMNS", "access_map", "choropleth",
           "choropleth_panel", "lisa_map", "lisa_panel", "paired_choropleth"]

MISSING_COLOUR = "#e0e0e0"
"""Fill of units without a value (hatched)."""

_EDGE_COLOUR = "#4d4d4d"
_OUTLINE_COLOUR = "#9e9e9e"
_HATCH = "////"

LISA_COLOURS = MappingProxyType({
    "HH": "#ff0000", "LL": "#0000ff", "LH": "#a7adf9", "HL": "#f4ada8", "not significant": "#eeeeee",
})
"""GeoDa's colours of the LISA cluster categories."""

LISA_NAMES = MappingProxyType({
    "HH": "High–High", "LL": "Low–Low", "LH": "Low–High", "HL": "High–Low",
    "not significant": "Not significant",
})
"""Legend names of the LISA categories."""

FEW_SITES = 50
"""Up to this many sites are drawn as filled triangles on an access map; more, as outlines."""

_FIGSIZE = {"provinces": (7.5, 5.6), "prefectures": (7.5, 5.6), "guangxi": (7.0, 5.4)}
_OUTSIDE = ("outline", "omit")
OUTSIDE = Param("outside", "outline", "areas without a value: drawn as an outline, or omitted", choices=_OUTSIDE)
PANEL_COLUMNS = 3
"""Most maps a row in the small multiples: four years as 2 × 2, each map large enough to read on a page."""
_MARGIN = 0.015  # of the extent, on every side
_ALBERS = Albers(105.0, 25.0, 47.0)  # the projection of the province maps


@dataclass(frozen=True)
class _Scale:
    """Colours for values: continuous over ``norm``, or else classes between ``edges``."""

    cmap: Colormap
    norm: Normalize | None = None
    edges: np.ndarray | None = None
    counts: bool = False  # the values are whole numbers: whole-number class labels when the edges are too

    @property
    def class_colours(self) -> np.ndarray:
        """RGBA rows, one per class, from the middles of equal slices of the colour map."""
        k = len(self.edges) - 1
        return self.cmap((np.arange(k) + 0.5) / k)

    def colours(self, values: np.ndarray) -> np.ndarray:
        """RGBA rows for ``values``; classes are (e_i, e_i+1], the first closed."""
        if self.edges is None:
            return self.cmap(self.norm(values))
        k = len(self.edges) - 1
        return self.class_colours[np.clip(np.searchsorted(self.edges, values) - 1, 0, k - 1)]

    def class_labels(self) -> list[str]:
        """``"4.43 – 5.31"`` per class: two significant digits of the narrowest class width; whole
        numbers (``"3 – 11"``) for classes of counts whose edges are whole numbers."""
        widths = np.diff(self.edges)
        narrowest = widths[widths > 0].min() if (widths > 0).any() else abs(self.edges[0]) or 1.0
        whole = self.counts and np.array_equal(self.edges, np.round(self.edges))
        d = 0 if whole else max(0, 1 - math.floor(math.log10(narrowest)))
        return [f"{lo:,.{d}f} – {hi:,.{d}f}" for lo, hi in zip(self.edges[:-1], self.edges[1:])]


def _scale(values: np.ndarray, cmap: str | Colormap, classes: int | Sequence[float] | None) -> _Scale:
    """The colour scale of ``values`` (finite, non-empty)."""
    cmap = mpl.colormaps.get_cmap(cmap)
    if classes is None:
        return _Scale(cmap, norm=Normalize(values.min(), values.max()))
    if isinstance(classes, numbers.Integral):
        if classes < 1:
            raise ValueError(f"classes must be a positive number of quantile classes, not {classes}")
        edges = np.unique(np.quantile(values, np.linspace(0, 1, classes + 1)))
        edges = edges if len(edges) > 1 else np.repeat(edges, 2)
    else:
        edges = np.asarray(classes, dtype=float)
        if edges.ndim != 1 or len(edges) < 2 or not np.all(np.diff(edges) > 0):
            raise ValueError(f"classes must be increasing bin edges (at least two), not {list(classes)}")
        outside = values[(values < edges[0]) | (values > edges[-1])]
        if outside.size:
            raise DataError(
                f"values {listing([show(v) for v in np.sort(outside)])} lie outside the classes "
                f"[{show(edges[0])}, {show(edges[-1])}]; widen the first or last edge"
            )
    return _Scale(cmap, edges=edges, counts=bool(np.array_equal(values, np.round(values))))


def _check_series(values, name: str) -> None:
    if not isinstance(values, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by unit, not {type(values).__name__}")


def _figsize(geo: Shapes) -> tuple[float, float]:
    """The embedded geography's map size, or 7 inches wide at the aspect of a user's file."""
    xmin, xmax, ymin, ymax = geo.extent
    return _FIGSIZE.get(geo.geography) or (7.0, min(9.0, 0.6 + 7.0 * (ymax - ymin) / (xmax - xmin)))


def _values_by_code(values: pd.Series, geo: Shapes) -> pd.Series:
    """``values`` as floats indexed by adcode, missing values dropped; on a user's file, the
    values of units without a feature are dropped with a warning."""
    _check_series(values, "values")
    floats = numeric(values, "values")
    if geo.id_property is not None:
        unknown = unmatched(floats.index, geo)
        if unknown:
            warnings.warn(f"units with no feature of that {geo.id_property!r} in {geo.geography} are left out "
                          f"of the map: {listing([show(u) for u in unknown])}", stacklevel=5)
            floats = floats[~floats.index.isin(unknown)]
    by_code = pd.Series(floats.to_numpy(), index=unit_codes(floats.index, geo)).dropna()
    if geo.id_property is not None and not geo.table["adcode"].isin(by_code.index).all():
        bare = geo.table["adcode"][~geo.table["adcode"].isin(by_code.index)]
        warnings.warn(f"features of {geo.geography} without a value are drawn as missing: "
                      f"{listing([show(u) for u in bare])}", stacklevel=5)
    return by_code


def _draw(ax: Axes, table: pd.DataFrame, paths: tuple, colours: dict, extent: tuple[float, ...],
          outside: str) -> int:
    """Fill the ``paths`` of the features in ``colours`` (adcode → colour) on ``ax``, set its view.

    Returns the number of units of the analysis without a colour (hatched).
    """
    xmin, xmax, ymin, ymax = extent
    view = Bbox([[xmin, ymin], [xmax, ymax]])
    seen = np.array([path.get_extents().overlaps(view) for path in paths])  # an inset draws a few features
    coloured = table["adcode"].isin(colours).to_numpy()
    missing = ~coloured & table["in_analysis"].to_numpy() & seen
    others = ~coloured & ~missing & (outside == "outline") & seen
    has = coloured & seen
    fills = [colours[code] for code in table["adcode"][has]]
    layers = (
        ("values", has, {"facecolors": fills, "edgecolors": _EDGE_COLOUR}),
        ("missing", missing, {"facecolors": MISSING_COLOUR, "edgecolors": _EDGE_COLOUR, "hatch": _HATCH}),
        ("outside", others, {"facecolors": "none", "edgecolors": _OUTLINE_COLOUR}),
    )
    for gid, mask, style in layers:
        if mask.any():
            collection = PathCollection([p for p, keep in zip(paths, mask) if keep], linewidths=0.3, **style)
            collection.set_gid(gid)
            ax.add_collection(collection, autolim=False)
    pad = _MARGIN * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect("equal")
    return int(missing.sum())


def _map(ax: Axes, geo: Shapes, colours: dict, *, outside: str, inset: bool) -> int:
    """The map of ``colours`` on ``ax``, with the South China Sea inset where it applies; units hatched."""
    n_missing = _draw(ax, geo.table, geo.paths, colours, geo.extent, outside)
    ax.set_axis_off()
    if inset and geo.inset is not None:
        xmin, xmax, ymin, ymax = geo.inset_frame
        box = ax.inset_axes([xmin, ymin, xmax - xmin, ymax - ymin], transform=ax.transData)
        _draw(box, geo.table, geo.inset_paths, colours, geo.inset, outside)
        box.set_anchor("SE")
        box.set_xticks([])
        box.set_yticks([])
        for spine in box.spines.values():
            spine.set_visible(True)
            spine.set_linewidth(0.6)
    return n_missing


def _patch(colour, label: str, **style) -> Patch:
    """A legend entry filled like a unit of the map."""
    return Patch(facecolor=colour, edgecolor=_EDGE_COLOUR, linewidth=0.3, label=label, **style)


def _missing_patch(label: str) -> Patch:
    return _patch(MISSING_COLOUR, label, hatch=_HATCH)


def _scale_legend(fig: Figure, axes: list[Axes], scale: _Scale, label: str | None,
                  missing: str | None, *, panel: bool) -> None:
    """A colour bar (continuous scale) or class legend, plus a ``missing`` entry when given."""
    handles = [] if missing is None else [_missing_patch(missing)]
    title = None
    if scale.edges is None:
        place = {"location": "bottom", "shrink": 0.4, "aspect": 40} if panel else {"shrink": 0.6, "aspect": 25}
        fig.colorbar(ScalarMappable(scale.norm, scale.cmap), ax=axes, label=label, **place)
    else:
        handles = [_patch(c, text) for c, text in zip(scale.class_colours, scale.class_labels())] + handles
        title = label
    _legend(fig, axes, handles, title, panel=panel)


def _legend(fig: Figure, axes: list[Axes], handles: list[Patch], title: str | None, *, panel: bool) -> None:
    """Map legend: inside a single map's lower left corner, or in a row below a panel."""
    if not handles:
        return
    if panel:
        fig.legend(handles=handles, title=title, loc="outside lower center", ncols=len(handles),
                   frameon=False)
    else:
        axes[0].legend(handles=handles, title=title, loc="lower left", frameon=False)


@styled
def choropleth(
    values: pd.Series,
    *,
    geography: str | Shapes = "provinces",
    title: str | None = None,
    label: str | None = None,
    cmap: str | Colormap = "YlOrRd",
    classes: int | Sequence[float] | None = None,
    outside: str = "outline",
    inset: bool = True,
    missing_label: str = "No data",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A choropleth map of one value per unit.

    Parameters
    ----------
    values : Series
        One number per unit, indexed by province (code, ISO code, Chinese or English name),
        with ``geography="prefectures"`` by prefecture (adcode, Chinese name), with
        ``geography="guangxi"`` by city (adcode, Chinese or English name), or by the id
        property of a user's file.
        Missing values count as no data.
    geography : {"provinces", "prefectures", "guangxi"} or Shapes
        Which embedded boundaries to draw, or a user's file read with
        :func:`~healthalloc.report.geo.shapes` (``shapes(path, id_property="code")``).
    title : str, optional
        Figure title; defaults to ``label`` or the Series' name.
    label : str, optional
        What the colours mean, with its unit (``"beds per 1,000 people"``): the colour
        bar's label or the legend's title.
    cmap : str or Colormap
        Sequential colour map, low to high.
    classes : int or sequence of float, optional
        None: a continuous colour bar. An int k: k quantile classes (fewer when ties merge
        edges). A sequence: class edges (increasing, covering every value). Classes are
        (e_i, e_i+1], the first closed.
    outside : {"outline", "omit"}
        How to draw units outside the analysis (Taiwan, Hong Kong, Macao) that have no value.
    inset : bool
        Draw the South China Sea islands in an inset (province map only).
    missing_label : str
        Legend entry of hatched units: units of the analysis without a value.
    figsize : (float, float), optional
        Figure size in inches.

    Returns
    -------
    Figure
        One map axes; the filled, hatched and outlined units are PathCollections with gids
        ``"values"``, ``"missing"`` and ``"outside"``, one path per unit.

    Raises
    ------
    UnknownNameError
        Index labels that name no unit (all listed, with suggestions).
    DataError
        Non-numeric values, two labels for one unit, values outside explicit ``classes``.
    """
    OUTSIDE.require(outside)
    geo = shapes(geography)
    fig, ax = one_axes(figsize or _figsize(geo))
    _choropleth_on(fig, ax, values, geo, title=title, label=label, cmap=cmap, classes=classes, outside=outside,
                   inset=inset, missing_label=missing_label)
    return fig


def _choropleth_on(fig: Figure, ax: Axes, values: pd.Series, geo: Shapes, *, title: str | None, label: str | None,
                   cmap: str | Colormap, classes: int | Sequence[float] | None, outside: str, inset: bool,
                   missing_label: str) -> None:
    """The choropleth of ``values`` on ``ax``, titled, with its colour bar or class legend."""
    by_code = _values_by_code(values, geo)
    if by_code.empty:
        raise DataError(f"{values.name or 'values'} has no numbers to map")
    scale = _scale(by_code.to_numpy(), cmap, classes)
    colours = dict(zip(by_code.index, scale.colours(by_code.to_numpy())))
    n_missing = _map(ax, geo, colours, outside=outside, inset=inset)
    ax.set_title(title or label or str(values.name or "values"))
    _scale_legend(fig, [ax], scale, label, missing_label if n_missing else None, panel=False)


@styled
def paired_choropleth(
    left: pd.Series,
    right: pd.Series,
    *,
    geography: str | Shapes = "provinces",
    title: str | None = None,
    titles: tuple[str | None, str | None] = (None, None),
    labels: tuple[str | None, str | None] = (None, None),
    cmaps: tuple[str | Colormap, str | Colormap] = ("YlOrRd", "PuBu"),
    classes: int | Sequence[float] | None = None,
    outside: str = "outline",
    inset: bool = True,
    missing_label: str = "No data",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Two measures side by side on the same boundaries, each on its own colour scale, e.g.
    standardized in-degree beside high-tier hospitals (seed 003's Figures 7 and 6).

    Parameters
    ----------
    left, right : Series
        One number per unit each, indexed as for :func:`choropleth`.
    title : str, optional
        Figure title above both maps (e.g. how the two go together).
    titles, labels : pair of str
        Each map's title and what its colours mean (its colour bar's label or legend's
        title); default the Series' names.
    cmaps : pair of str or Colormap
        Each map's sequential colour map.
    geography, classes, outside, inset, missing_label, figsize
        As for :func:`choropleth`; ``classes`` applies to each map's own values.

    Returns
    -------
    Figure
        Two map axes (plus their colour bars), each as :func:`choropleth`'s.

    Raises
    ------
    UnknownNameError, DataError
        As :func:`choropleth`, for either Series.
    """
    OUTSIDE.require(outside)
    geo = shapes(geography)
    width, height = _figsize(geo)
    fig = Figure(figsize=figsize or (2 * width, height), layout="constrained")
    for ax, values, name, label, cmap in zip(fig.subplots(1, 2), (left, right), titles, labels, cmaps):
        _check_series(values, "left and right")
        _choropleth_on(fig, ax, values, geo, title=name, label=label or str(values.name or ""), cmap=cmap,
                       classes=classes, outside=outside, inset=inset, missing_label=missing_label)
    if title:
        fig.suptitle(title)
    return fig


@styled
def choropleth_panel(
    frame: pd.DataFrame,
    value: str,
    unit: str,
    by: str,
    *,
    geography: str | Shapes = "provinces",
    title: str | None = None,
    label: str | None = None,
    cmap: str | Colormap = "YlOrRd",
    classes: int | Sequence[float] | None = None,
    ncols: int | None = None,
    outside: str = "outline",
    inset: bool = True,
    missing_label: str = "No data",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Small multiples: one choropleth per period on a shared colour scale.

    Parameters
    ----------
    frame : DataFrame
        Long table, one row per unit and period.
    value, unit, by : str
        Columns holding the number, the unit (named as for :func:`choropleth`) and the
        period (one map each, in sorted order).
    ncols : int, optional
        Maps per row (default: at most 5, rows filled evenly).
    title, label, cmap, classes, geography, outside, inset, missing_label, figsize
        As for :func:`choropleth`; quantile classes and the colour bar span every period.

    Returns
    -------
    Figure
        One map axes per period, titled by period, and one shared colour bar or legend.

    Raises
    ------
    UnknownNameError
        Unknown columns or unit names.
    DataError
        Repeated unit–period rows, non-numeric values.
    """
    OUTSIDE.require(outside)
    geo, table = _long(frame, value, unit, by, geography, "value")
    rows = frame[unit].astype(str) + "/" + frame[by].astype(str)
    table["value"] = numeric(pd.Series(frame[value].to_numpy(), index=rows), f"column {value!r}").to_numpy()
    table = table.dropna(subset=["value"])
    if table.empty:
        raise DataError(f"column {value!r} has no numbers to map")
    scale = _scale(table["value"].to_numpy(), cmap, classes)
    table["colour"] = list(scale.colours(table["value"].to_numpy()))
    fig, used, n_missing = _panel(geo, table, sorted(frame[by].dropna().unique()), ncols, figsize,
                                  outside=outside, inset=inset)
    fig.suptitle(title or label or value)
    _scale_legend(fig, used, scale, label, missing_label if n_missing else None, panel=True)
    return fig


def _long(frame: pd.DataFrame, column: str, unit: str, by: str, geography, what: str) -> tuple[Shapes, pd.DataFrame]:
    """The shapes, and a table of each row's feature ``code`` and ``period`` (one ``what`` per unit and period)."""
    check_columns(frame, [column, unit, by])
    check_unique(frame, [unit, by], f"give one {what} per unit and period")
    geo = shapes(geography)
    codes = dict(zip(frame[unit].unique(), unit_codes(frame[unit].unique(), geo)))
    return geo, pd.DataFrame({"code": frame[unit].map(codes).to_numpy(), "period": frame[by].to_numpy()})


def _panel(geo: Shapes, table: pd.DataFrame, periods: list, ncols: int | None, figsize, *, outside: str,
           inset: bool) -> tuple[Figure, list[Axes], int]:
    """One map per period, titled by period, at most :data:`PANEL_COLUMNS` a row (rows filled evenly),
    units filled with ``table``'s ``colour`` (by ``code`` and ``period``). Returns the figure, the maps
    and the number of hatched units."""
    ncols = ncols or math.ceil(len(periods) / math.ceil(len(periods) / PANEL_COLUMNS))
    nrows = math.ceil(len(periods) / ncols)
    xmin, xmax, ymin, ymax = geo.extent
    cell = 3.0  # inches per map, plus its title
    size = (cell * ncols + 0.3, (cell * (ymax - ymin) / (xmax - xmin) + 0.35) * nrows + 1.2)
    fig = Figure(figsize=figsize or size, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    n_missing = 0
    for ax, period in zip(axes, periods):
        rows_of = table[table["period"] == period]
        n_missing += _map(ax, geo, dict(zip(rows_of["code"], rows_of["colour"])), outside=outside, inset=inset)
        ax.set_title(str(period))
    for ax in axes[len(periods):]:
        ax.remove()
    return fig, list(axes[: len(periods)]), n_missing


def _lisa_categories(labels: pd.Series) -> pd.Series:
    """``labels`` as LISA categories (case and spaces ignored; ``"ns"`` = not significant), NaN kept."""
    forms = {k.casefold(): k for k in LISA_COLOURS} | {"ns": "not significant"}
    keys = labels.map(lambda v: " ".join(v.split()).casefold() if isinstance(v, str) else v)
    categories = keys.map(forms)
    bad = labels.notna() & categories.isna()
    if bad.any():
        cells = [f"{show(label)} ({show(value)})" for label, value in labels[bad].items()]
        raise DataError(
            f"LISA labels must be HH, LL, LH, HL or 'not significant'; not so at {listing(cells)}"
        )
    return categories


@styled
def lisa_map(
    labels: pd.Series,
    *,
    geography: str | Shapes = "provinces",
    title: str = "LISA cluster map",
    outside: str = "outline",
    inset: bool = True,
    missing_label: str = "No data",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A LISA cluster map: High–High red, Low–Low blue, Low–High light blue, High–Low pink.

    Parameters
    ----------
    labels : Series
        ``"HH"``, ``"LL"``, ``"LH"``, ``"HL"`` or ``"not significant"`` (``"ns"``) per
        unit, indexed as for :func:`choropleth`; missing labels count as no data.
    title, geography, outside, inset, missing_label, figsize
        As for :func:`choropleth`.

    Returns
    -------
    Figure
        One map axes with :data:`LISA_COLOURS` fills and a legend of the five categories
        with their counts.

    Raises
    ------
    UnknownNameError
        Index labels that name no unit.
    DataError
        Labels that are not LISA categories.
    """
    OUTSIDE.require(outside)
    _check_series(labels, "labels")
    geo = shapes(geography)
    codes = unit_codes(labels.index, geo)
    categories = pd.Series(_lisa_categories(labels).to_numpy(), index=codes).dropna()
    fig, ax = one_axes(figsize or _figsize(geo))
    colours = {code: LISA_COLOURS[category] for code, category in categories.items()}
    n_missing = _map(ax, geo, colours, outside=outside, inset=inset)
    ax.set_title(title)
    _lisa_legend(fig, [ax], categories, missing_label if n_missing else None, panel=False)
    return fig


def _lisa_legend(fig: Figure, axes: list[Axes], categories: pd.Series, missing: str | None, *, panel: bool) -> None:
    """The five LISA categories, on a single map with their counts (a panel's would add up the units of
    all its periods: "Not significant (109)" of 31 provinces), plus a ``missing`` entry when given."""
    counts = categories.value_counts()
    handles = [_patch(colour, LISA_NAMES[category] if panel else f"{LISA_NAMES[category]} ({counts.get(category, 0)})")
               for category, colour in LISA_COLOURS.items()]
    _legend(fig, axes, handles + ([_missing_patch(missing)] if missing else []), None, panel=panel)


@styled
def lisa_panel(
    frame: pd.DataFrame,
    cluster: str,
    unit: str,
    by: str,
    *,
    geography: str | Shapes = "provinces",
    title: str = "LISA cluster maps",
    ncols: int | None = None,
    outside: str = "outline",
    inset: bool = True,
    missing_label: str = "No data",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Small multiples of :func:`lisa_map`: one LISA cluster map per period.

    Parameters
    ----------
    frame : DataFrame
        Long table, one row per unit and period.
    cluster, unit, by : str
        Columns holding the LISA category (as for :func:`lisa_map`), the unit and the
        period (one map each, in sorted order).
    title, geography, ncols, outside, inset, missing_label, figsize
        As for :func:`choropleth_panel`.

    Returns
    -------
    Figure
        One map axes per period, titled by period, and one legend of the five categories
        below (the counts over every period).
    """
    OUTSIDE.require(outside)
    geo, table = _long(frame, cluster, unit, by, geography, "cluster")
    table["category"] = _lisa_categories(frame[cluster].reset_index(drop=True)).to_numpy()
    table = table.dropna(subset=["category"])
    table["colour"] = table["category"].map(LISA_COLOURS)
    fig, used, n_missing = _panel(geo, table, sorted(frame[by].dropna().unique()), ncols, figsize,
                                  outside=outside, inset=inset)
    fig.suptitle(title)
    _lisa_legend(fig, used, table["category"], missing_label if n_missing else None, panel=True)
    return fig


@styled
def access_map(points: pd.DataFrame, sites: pd.DataFrame, *, value: str = "access", title: str | None = None,
               label: str = "accessibility (capacity per person)", cmap: str | None = None,
               categories: Mapping | None = None, centre: float | None = None,
               sites_label: str = "sites") -> Figure:
    """Demand points coloured by ``value`` over province outlines, sites as triangles on top.

    ``points`` and ``sites`` need ``lon``, ``lat`` (degrees); point sizes follow
    population, triangle sizes capacity (when those columns are there). Coordinates are
    projected like the province maps (Albers equal-area, 25° N / 47° N, 105° E). Three
    kinds of value:

    - continuous (default, ``viridis``): a colour bar ending at the 98th percentile of
      ``value`` (higher values in the top colour);
    - ``categories`` (value → name, e.g. ``{1: "covered", 0: "not covered"}``): one colour
      and legend entry per category (``cmap`` default ``tab10``), no colour bar;
    - ``centre`` (e.g. 0 for a change): a diverging scale (``RdBu``) symmetric about it,
      points exactly at ``centre`` in grey with a legend entry ("no change").

    The sites are drawn above the points, in the legend as ``sites_label``: black with a white
    edge, or as outlines when there are more than :data:`FEW_SITES`.
    """
    geo = shapes("provinces")
    xy = _ALBERS(points["lon"].to_numpy(), points["lat"].to_numpy())
    fig, ax = one_axes((7.5, 6))
    ax.add_collection(PathCollection(list(geo.paths), facecolors="#f4f4f4", edgecolors="#9a9a9a",
                                     linewidths=0.4), autolim=False)
    sizes = _sizes(points.get("population"), 2, 40)
    handles = []
    if categories is not None:
        handles = _categorical_dots(ax, xy, points[value], sizes, categories, cmap or "tab10")
    else:
        values = points[value].to_numpy(float)
        norm, extend = _dot_norm(values, centre)
        moved = np.ones(len(values), bool) if centre is None else values != centre
        sizes = np.broadcast_to(sizes, len(values))
        if not moved.all():  # unchanged points in grey, not in the diverging scale's white
            handles.append(ax.scatter(xy[~moved, 0], xy[~moved, 1], s=sizes[~moved], color="#bdbdbd", linewidths=0,
                                      zorder=3, label=f"no change ({int((~moved).sum()):,})"))
        dots = ax.scatter(xy[moved, 0], xy[moved, 1], c=values[moved], s=sizes[moved],
                          cmap=cmap or ("RdBu" if centre is not None else "viridis"), norm=norm, linewidths=0,
                          zorder=3)
        fig.colorbar(dots, ax=ax, shrink=0.6, aspect=25, label=label, extend=extend)
    if len(sites):
        sxy = _ALBERS(sites["lon"].to_numpy(), sites["lat"].to_numpy())
        few = len(sites) <= FEW_SITES  # a selection stands out filled; hundreds of sites would hide the points
        style = ({"s": _sizes(sites.get("capacity"), 12, 60), "c": "black", "edgecolors": "white", "linewidths": 0.6}
                 if few else {"s": _sizes(sites.get("capacity"), 4, 30), "facecolors": "none", "edgecolors": "0.15",
                              "linewidths": 0.5})
        handles.append(ax.scatter(sxy[:, 0], sxy[:, 1], marker="^", zorder=4, label=sites_label, **style))
        xy = np.vstack([xy, sxy])
    if handles:
        ax.legend(handles=handles, loc="lower left", frameon=False,
                  title=label if categories is not None else None)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = 0.05 * max(hi - lo) + 10
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title or label)
    return fig


def _dot_norm(values: np.ndarray, centre: float | None) -> tuple[Normalize, str]:
    """The colour norm of continuous dots and the colour bar's ``extend``: symmetric about ``centre``,
    or from min(0, lowest) to the 98th percentile (a few outliers do not take the scale)."""
    if centre is not None:
        reach = float(np.nanmax(np.abs(values - centre))) if len(values) else 0.0
        reach = reach or 1.0
        return Normalize(centre - reach, centre + reach), "neither"
    top = float(np.nanpercentile(values, 98)) if len(values) else 1.0
    top = top if top > np.nanmin(values) else float(np.nanmax(values))
    return Normalize(min(0.0, float(np.nanmin(values))), top), "max" if top < np.nanmax(values) else "neither"


def _categorical_dots(ax: Axes, xy: np.ndarray, values: pd.Series, sizes, categories: Mapping,
                      cmap: str) -> list:
    """One scatter per category (in the order of ``categories``), each a legend entry with its count."""
    unknown = set(values.dropna().unique()) - set(categories)
    if unknown:
        raise DataError(f"values {listing([show(v) for v in sorted(unknown, key=str)])} of column "
                        f"{values.name!r} are not among the categories {listing([show(c) for c in categories])}")
    palette = mpl.colormaps.get_cmap(cmap)
    sizes = np.broadcast_to(sizes, len(values))
    handles = []
    for i, (category, name) in enumerate(categories.items()):
        mask = (values == category).to_numpy()
        handles.append(ax.scatter(xy[mask, 0], xy[mask, 1], s=sizes[mask], color=palette(i % palette.N),
                                  linewidths=0, zorder=3, label=f"{name} ({int(mask.sum()):,})"))
    return handles


def _sizes(values: pd.Series | None, smallest: float, largest: float) -> np.ndarray | float:
    """Marker areas growing with the square root of ``values``."""
    if values is None or not len(values) or values.max() <= 0:
        return smallest
    root = np.sqrt(values.to_numpy(float) / values.max())
    return smallest + (largest - smallest) * root
