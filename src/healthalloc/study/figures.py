"""Which figures each analysis puts in the report (drawing is in healthalloc.report.figures)."""

from __future__ import annotations

import pandas as pd

from healthalloc.data.regions import province
from healthalloc.data.validate import DataError
from healthalloc.report import figures as draw
from healthalloc.report.section import Section


def _provinces(units: pd.Index) -> bool:
    """True when every unit names one of China's 31 provinces (so a map can be drawn)."""
    try:
        return len({province(u).code for u in units}) == len(units) == 31
    except (DataError, KeyError, ValueError):
        return False


def _last(table: pd.DataFrame, period: str | None) -> tuple[pd.DataFrame, object]:
    """The rows of the last period (all rows without one) and that period."""
    if not period:
        return table, None
    when = table[period].max()
    return table[table[period] == when], when


def efficiency_figures(sec: Section, table: pd.DataFrame, value: str, period: str | None,
                       group: str | None, data: pd.DataFrame, unit: str) -> None:
    """Density ridges per period, group means over time, and a province map when possible."""
    if period:
        sec.add_figure("density", draw.density_ridges(table, value, period),
                       f"Kernel density of {value} per {period}.")
        if group:
            groups = data.set_index([unit, period])[group]
            frame = table.assign(**{group: groups.reindex(
                pd.MultiIndex.from_frame(table[["unit", period]])).to_numpy()})
            means = frame.groupby([period, group], as_index=False)[value].mean()
            sec.add_figure("trend", draw.trend_lines(means, period, value, group=group),
                           f"Mean {value} per {period} by {group}.")
    last, when = _last(table, period)
    values = last.set_index("unit")[value]
    if _provinces(values.index):
        sec.add_figure("map", draw.choropleth(values, title=f"{value}" + (f", {when}" if period else "")),
                       f"{value} by province" + (f" ({when})." if period else "."))


def malmquist_figure(sec: Section, res) -> None:
    """Mean effch, techch and tfpch per transition, with the no-change line at 1 (``res.plot()``)."""
    sec.add_figure("trend", res.plot(), "Geometric means per transition; above 1 is improvement.")


def equity_figures(sec: Section, res, period: str | None) -> None:
    """Lorenz curves by population (first and last period) and the Gini over time."""
    gini = res.to_frame()
    if period:
        columns = [c for c in ("gini_population", "gini_area") if c in gini]
        sec.add_figure("gini_trend", draw.trend_lines(gini, period, columns),
                       f"Gini coefficients per {period}.")
    sec.add_figure("lorenz", res.plot(),
                   "Lorenz curves by population" + (" (first and last period)." if period else "."))


def spatial_figures(sec: Section, tables: dict, value: str, period: str | None, provinces: bool) -> None:
    """Moran's I over time and, for provinces, the LISA cluster map of the last period."""
    moran = tables["moran"]
    if period and len(moran) > 1:
        sec.add_figure("moran", draw.trend_lines(moran, period, "I", reference=0.0),
                       f"Global Moran's I of {value} per {period}.")
    if provinces:
        last, when = _last(tables["lisa"], period)
        title = f"LISA clusters of {value}" + (f", {when}" if period else "")
        sec.add_figure("lisa", draw.lisa_map(last.set_index("unit")["cluster"], title=title),
                       "LISA clusters: HH red, LL blue, LH light blue, HL pink.")
