"""Publication figures from plain tables: maps, Lorenz curves, density ridges, trend lines.

Every function takes pandas Series or DataFrames (e.g. a result's ``to_frame()``
columns) and returns a :class:`matplotlib.figure.Figure` with a title and labelled axes;
none calls ``pyplot.show``. :func:`save` writes SVG and PNG in one call. Every figure,
the QCA configuration chart included, has one style: Chinese text is drawn with an
installed CJK font (:func:`cjk_font`; one installed after matplotlib cached its font list
is found too), and text that no installed font can draw gives one warning.

==========================  ====================================================
:func:`choropleth`          one value per province, prefecture, Guangxi city or unit of a GeoJSON file
:func:`paired_choropleth`   two measures side by side, each on its own scale
:func:`choropleth_panel`    one map per period on a shared colour scale
:func:`lisa_map`            LISA cluster categories (HH, LL, LH, HL, ns)
:func:`lisa_panel`          one LISA cluster map per period
:func:`access_map`          demand points by accessibility, a category or a change; sites on top
:func:`lorenz_curves`       Lorenz curves with the line of equality and Gini
:func:`density_ridges`      kernel densities per period, offset vertically
:func:`trend_lines`         indices or means over periods, per group
:func:`tradeoff_curve`      a location model's objective against p or the budget
:func:`transition_heatmaps` Markov transition matrices side by side, cells printed
:func:`dot_whisker`         an estimate and its interval per unit, sorted (bootstrap efficiency)
:func:`place_labels`        point labels that do not collide (overlapping ones dropped)
:func:`save`                SVG and PNG (200 dpi) side by side
==========================  ====================================================

They load on first use, so a module that needs only :mod:`~healthalloc.report.figures.base`
does not load scipy's statistics or the maps.
"""

import functools

from healthalloc.lazy import exports

__getattr__, __dir__ = exports(__name__, {
    "CJK_FONTS": "base", "DPI": "base", "cjk_font": "base", "save": "base", "lorenz_curves": "curves",
    "trend_lines": "curves", "density_ridges": "density", "LISA_COLOURS": "maps", "choropleth": "maps",
    "choropleth_panel": "maps", "lisa_map": "maps", "lisa_panel": "maps", "paired_choropleth": "maps", "access_map": "maps",
    "tradeoff_curve": "tradeoff", "transition_heatmaps": "heatmap", "dot_whisker": "intervals",
    "place_labels": "placement"})


def styled(draw):
    """:func:`healthalloc.report.figures.base.styled`, applied when the figure is drawn, so that
    a module defining figure methods loads matplotlib only when one is drawn."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        from healthalloc.report.figures.base import styled as style

        return style(draw)(*args, **kwargs)

    return wrapper

__all__ = ["CJK_FONTS", "DPI", "LISA_COLOURS", "access_map", "choropleth", "choropleth_panel", "cjk_font",
           "density_ridges", "dot_whisker", "lisa_map", "lisa_panel", "lorenz_curves", "paired_choropleth", "place_labels", "save",
           "tradeoff_curve", "transition_heatmaps", "trend_lines"]
