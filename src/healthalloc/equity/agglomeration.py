"""Per-unit densities, health resource density index and agglomeration degrees.

For unit ``i`` with resource ``R_i``, population ``P_i`` (persons) and area ``A_i`` (km²),
and totals ``R``, ``P``, ``A`` over the units of its period:

``per_population``
    ``R_i / P_i × u``: resource per ``u`` people (``u`` = :data:`POPULATION_UNIT` = 1,000 by
    default, the unit of China's planning norms: beds, physicians, nurses per 1,000 people).
``per_km2``
    ``R_i / A_i``: resource per km².
``hrdi``
    Health resource density index ``√(per_population × per_km2) = R_i / √((P_i / u) A_i)``,
    the geometric mean of the demographic and geographic densities. Papers differ in ``u``:
    most use per 1,000 people, some per 10,000 (万人); values scale with ``√u``
    (``HRDI`` per 10,000 = √10 × ``HRDI`` per 1,000), so say which one you report.
``hrad``
    Health resource agglomeration degree ``(R_i / R) / (A_i / A)``: the unit's share of the
    resource over its share of the land. > 1: more resource than its area's share.
``pad``
    Population agglomeration degree ``(P_i / P) / (A_i / A)``.
``hrad_pad``
    ``HRAD / PAD = (R_i / R) / (P_i / P)``: resource per person relative to the whole.
    > 1: resources more agglomerated than population (more than the population's share);
    < 1: fewer.

References
----------
Healthcare resource density index: e.g. *Healthcare* 10(8), 1401 (2022),
doi:10.3390/healthcare10081401. Agglomeration degrees (集聚度) are used throughout
Chinese health-resource allocation studies; the definitions above are the usual ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataclasses import replace

from healthalloc.equity._panel import ROLES, Panel, Role, panel
from healthalloc.params import REQUIRED, Param, Params, declared

__all__ = ["POPULATION_UNIT", "agglomeration"]

POPULATION_UNIT = 1000
POPULATION_UNIT_PARAM = Param("population_unit", POPULATION_UNIT, "people per population unit in per_population "
                              "and hrdi, e.g. 1000 for per 1,000 people", kind=float, low=0, low_open=True,
                              metavar="N")
"""People per population unit in ``per_population`` and ``hrdi`` (resource per 1,000 people)."""


@declared(Params(ROLES["resource"], ROLES["population"], replace(ROLES["area"], default=REQUIRED, help="area column "
                 "(km², > 0)"), ROLES["by"], ROLES["unit"], replace(ROLES["group"], help="group labels, copied to the "
                 "table (group column)"), POPULATION_UNIT_PARAM), data=("data",))
def agglomeration(
    data: pd.DataFrame,
    resource: Role,
    population: Role,
    area: Role,
    *,
    by: str | None = None,
    unit: str | None = None,
    group: Role | None = None,
    population_unit: float = POPULATION_UNIT,
) -> pd.DataFrame:
    """Densities, HRDI, HRAD, PAD and HRAD/PAD of every unit (per period).

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``): shares are taken within each period.

    Returns
    -------
    DataFrame
        One row per unit and period (by period, then table order): the ``by`` column,
        ``unit``, ``group``, ``population_share``, ``resource_share``, ``per_population``,
        ``area_share``, ``per_km2``, ``hrdi``, ``hrad``, ``pad``, ``hrad_pad``.

    Examples
    --------
    >>> df = pd.DataFrame({"beds": [400, 100], "pop": [100_000, 100_000], "km2": [100, 400]})
    >>> agglomeration(df, "beds", "pop", "km2")[["hrdi", "hrad", "pad", "hrad_pad"]].round(3)
       hrdi  hrad    pad  hrad_pad
    0   4.0  4.00  2.500       1.6
    1   0.5  0.25  0.625       0.4
    """
    p = panel(data, resource=resource, population=population, area=area, group=group, by=by,
              unit=unit)
    return unit_table(p, population_unit)


def unit_table(p: Panel, population_unit: float = POPULATION_UNIT) -> pd.DataFrame:
    """The per-unit table of :func:`agglomeration` (``population_unit`` checked by its declaration); without an
    area only the first columns."""
    pop, res = p.shares(p.population), p.shares(p.resource)
    columns = {"population_share": pop, "resource_share": res,
               "per_population": p.resource / p.population * population_unit}
    if p.area is not None:
        land = p.shares(p.area)
        hrad, pad = res / land, pop / land
        per_km2 = p.resource / p.area
        columns |= {"area_share": land, "per_km2": per_km2,
                    "hrdi": np.sqrt(columns["per_population"] * per_km2),
                    "hrad": hrad, "pad": pad, "hrad_pad": hrad / pad}
    return p.rows(columns)
