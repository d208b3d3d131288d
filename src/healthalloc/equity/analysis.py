"""The one-call equity analysis of a resource: :func:`equity` and :class:`EquityResult`.

Gini coefficients by population and by area, population-weighted Theil indices with their
regional decomposition, Lorenz curves, the concentration index and per-unit densities
(HRDI, HRAD, PAD) — the tables of a Chinese health-resource allocation study — per period.
See :mod:`healthalloc.equity.gini`, :mod:`~healthalloc.equity.theil` and
:mod:`~healthalloc.equity.agglomeration` for the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from healthalloc.equity._panel import ROLES, Role, panel, role_name
from healthalloc.equity.agglomeration import POPULATION_UNIT, POPULATION_UNIT_PARAM, unit_table
from healthalloc.equity.gini import concentration_values, gini_values, lorenz_curve, lorenz_table
from healthalloc.equity.theil import INDICES, decompose
from healthalloc.params import Params, declared
from healthalloc.report import figures as draw
from healthalloc.result import Result, flat

__all__ = ["PARAMS", "EquityResult", "equity"]

#: The parameters of :func:`equity`, from which ``healthalloc equity`` and the study
#: analysis ``equity`` are generated.
PARAMS = ROLES + Params(POPULATION_UNIT_PARAM)


@dataclass(frozen=True)
class EquityResult(Result):
    """Equity of one resource's distribution, per period.

    Attributes
    ----------
    indices : DataFrame
        One row per period (the table :meth:`to_frame` returns and ``healthalloc equity``
        writes): the ``by`` column, ``gini_population``, ``gini_area`` (with an area),
        ``theil_l`` (GE(0)), ``theil_t`` (GE(1)), with a group ``theil_l_between``,
        ``theil_l_within``, ``theil_t_between``, ``theil_t_within``, and with a ranking
        variable ``concentration_index``.
    contributions : DataFrame or None
        With a group: per period and group ``units``, ``population_share``,
        ``resource_share``, the within-group ``theil_l`` and ``theil_t`` and their
        ``theil_l_contribution`` (``P_g T_L,g / T_L``) and ``theil_t_contribution``
        (``Y_g T_T,g / T_T``).
    lorenz : DataFrame
        Lorenz points per period and ``basis`` ("population", and "area" with an area):
        ``point`` (0 = the origin), ``unit``, ``cumulative_weight``, ``cumulative_resource``.
    units : DataFrame
        Per unit and period: ``population_share``, ``resource_share``, ``per_population``
        (resource per ``population_unit`` people) and with an area ``area_share``,
        ``per_km2``, ``hrdi``, ``hrad``, ``pad``, ``hrad_pad``.
    """

    indices: pd.DataFrame
    contributions: pd.DataFrame | None
    lorenz: pd.DataFrame
    units: pd.DataFrame
    resource: str
    population: str
    area: str | None
    group: str | None
    ranking: str | None
    by: str | None
    population_unit: float

    def to_frame(self) -> pd.DataFrame:
        """One row per period: the ``by`` column first, then the indices (see ``indices``)."""
        return self.indices.copy()

    def summary(self) -> pd.DataFrame:
        """Per period: the Gini coefficients, the Theil indices and, with a group, the
        between- and within-group contribution rates (shares of the total)."""
        table = self.indices.set_index(self.by) if self.by else self.indices
        out = table.drop(columns=[c for c in table if c.endswith(("_between", "_within"))])
        if self.group:
            for name in INDICES:
                for part in ("between", "within"):
                    out[f"{name}_{part}_contribution"] = table[f"{name}_{part}"] / table[name]
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``results``, ``summary``, ``units``, ``lorenz`` and, with a group, ``contributions``."""
        out = super().tables() | {"units": flat(self.units), "lorenz": self.lorenz}
        if self.contributions is not None:
            out["contributions"] = flat(self.contributions)
        return out

    def plot(self):
        """Lorenz curves by population (of the first and last period with ``by``), Gini in the legend."""
        from healthalloc.report.figures.curves import lorenz_curves

        points = self.lorenz[self.lorenz["basis"] == "population"]
        gini = self.indices["gini_population"]
        if self.by:
            points = points[points[self.by].isin([points[self.by].min(), points[self.by].max()])]
            gini = self.indices.set_index(self.by)["gini_population"]
        return lorenz_curves(points, by=self.by, gini=gini if self.by else gini.iloc[0],
                             title=f"Lorenz curves of {self.resource}")

    def reading(self) -> str:
        """The Gini coefficients of the last period and, with a group, the between-group share of Theil L."""
        last = self.indices.iloc[-1]
        when = f" in {self.indices[self.by].iloc[-1]}" if self.by else ""
        text = f"The Gini coefficient of {self.resource} by population is {last['gini_population']:.3f}{when}"
        if "gini_area" in self.indices:
            text += f" and by area {last['gini_area']:.3f}"
        if "theil_l_between" in self.indices:
            text += f"; {last['theil_l_between'] / last['theil_l']:.0%} of the Theil L index lies between {self.group} groups"
        return text + "."

    def figures(self) -> dict:
        """With ``by``, the Gini coefficients per period; the Lorenz curves (:meth:`plot`)."""
        out = {}
        if self.by:
            columns = [c for c in ("gini_population", "gini_area") if c in self.indices]
            out["gini_trend"] = (f"Gini coefficients per {self.by}.",
                                 lambda: draw.trend_lines(self.indices, self.by, columns, ylabel="gini",
                                                          title=f"Gini coefficients per {self.by}"))
        out["lorenz"] = ("Lorenz curves by population" + (" (first and last period)." if self.by else "."), self.plot)
        return out

    def __str__(self) -> str:
        settings = [f"population {self.population!r}"]
        settings += [f"{role} {name!r}" for role, name in
                     (("area", self.area), ("group", self.group), ("ranking", self.ranking),
                      ("by", self.by)) if name]
        return (f"Equity of {self.resource!r} ({', '.join(settings)})\n"
                + self.summary().round(4).to_string())


@declared(PARAMS, data=("data",))
def equity(
    data: pd.DataFrame,
    resource: Role,
    population: Role,
    *,
    area: Role | None = None,
    group: Role | None = None,
    ranking: Role | None = None,
    by: str | None = None,
    unit: str | None = None,
    population_unit: float = POPULATION_UNIT,
) -> EquityResult:
    """Gini, Theil (decomposed), Lorenz curves, concentration index and HRDI/HRAD/PAD in one call.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``).

    Returns
    -------
    EquityResult

    Raises
    ------
    DataError
        Unknown columns (with suggestions), values not of the table's length, non-numeric,
        missing or infinite values, population or area ≤ 0, negative resources, missing
        periods or group labels, duplicate unit–period rows, a period without resources.
    ValueError
        ``population_unit`` ≤ 0 or not a finite number.

    Examples
    --------
    >>> from healthalloc.data import load_china_provinces
    >>> res = equity(load_china_provinces(), "medical_health_beds", "permanent_population",
    ...              group="region", by="year", unit="province_en")
    >>> list(res.to_frame().columns)  # doctest: +NORMALIZE_WHITESPACE
    ['year', 'gini_population', 'theil_l', 'theil_t', 'theil_l_between', 'theil_l_within',
     'theil_t_between', 'theil_t_within']
    """
    p = panel(data, resource=resource, population=population, area=area, ranking=ranking,
              group=group, by=by, unit=unit)
    units = unit_table(p, population_unit)
    columns, curves = {}, []
    for basis, weight in (("population", p.population), ("area", p.area)):
        if weight is not None:
            curve = lorenz_curve(p, weight)
            columns[f"gini_{basis}"] = gini_values(p, curve)
            curves.append(lorenz_table(p, curve).assign(basis=basis))
    theil, contributions = decompose(p)
    columns |= theil
    if p.ranking is not None:
        columns["concentration_index"] = concentration_values(p)
    lorenz = pd.concat(curves, ignore_index=True)
    lorenz.insert(1 if by else 0, "basis", lorenz.pop("basis"))
    return EquityResult(
        indices=p.per_period(columns),
        contributions=contributions,
        lorenz=lorenz,
        units=units,
        resource=role_name("resource", resource),
        population=role_name("population", population),
        area=role_name("area", area),
        group=role_name("group", group),
        ranking=role_name("ranking", ranking),
        by=by,
        population_unit=population_unit,
    )

