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


def efficiency_figures(sec: Section, table: pd.DataFrame, value: str, period: str | None,
                       group: str | None, data: pd.DataFrame, unit: str) -> None:
    """Density ridges per period, group means over time, and a province map when possible."""
    if period:
        sec.figures["density"] = draw.density_ridges(table, value, period)
        sec.captions["density_figure"] = f"Kernel density of {value} per {period}."
        if group:
            groups = data.set_index([unit, period])[group]
            frame = table.assign(**{group: groups.reindex(
                pd.MultiIndex.from_frame(table[["unit", period]])).to_numpy()})
            means = frame.groupby([period, group], as_index=False)[value].mean()
            sec.figures["trend"] = draw.trend_lines(means, period, value, group=group)
            sec.captions["trend_figure"] = f"Mean {value} per {period} by {group}."
    last = table if not period else table[table[period] == table[period].max()]
    values = last.set_index("unit")[value]
    if _provinces(values.index):
        sec.figures["map"] = draw.choropleth(values, title=f"{value}" + (
            f", {last[period].iloc[0]}" if period else ""))
        sec.captions["map_figure"] = f"{value} by province" + (f" ({last[period].iloc[0]})." if period else ".")


def malmquist_figure(sec: Section, res) -> None:
    """Mean effch, techch and tfpch per transition, with the no-change line at 1 (``res.plot()``)."""
    sec.figures["trend"] = res.plot()
    sec.captions["trend_figure"] = "Geometric means per transition; above 1 is improvement."


def equity_figures(sec: Section, res, period: str | None) -> None:
    """Lorenz curves by population (first and last period) and the Gini over time."""
    gini = res.to_frame()
    if period:
        sec.figures["gini_trend"] = draw.trend_lines(gini, period, [c for c in ("gini_population", "gini_area")
                                                                      if c in gini])
        sec.captions["gini_trend_figure"] = f"Gini coefficients per {period}."
    sec.figures["lorenz"] = res.plot()
    sec.captions["lorenz_figure"] = "Lorenz curves by population" + (" (first and last period)." if period else ".")


def spatial_figures(sec: Section, tables: dict, value: str, period: str | None, provinces: bool) -> None:
    """Moran's I over time and, for provinces, the LISA cluster map of the last period."""
    moran = tables["moran"]
    if period and len(moran) > 1:
        sec.figures["moran"] = draw.trend_lines(moran, period, "I", reference=0.0)
        sec.captions["moran_figure"] = f"Global Moran's I of {value} per {period}."
    if provinces:
        lisa = tables["lisa"]
        last = lisa if not period else lisa[lisa[period] == lisa[period].max()]
        sec.figures["lisa"] = draw.lisa_map(last.set_index("unit")["cluster"],
                                            title=f"LISA clusters of {value}" + (
                                                f", {last[period].iloc[0]}" if period else ""))
        sec.captions["lisa_figure"] = "LISA clusters: HH red, LL blue, LH light blue, HL pink."
