"""How fairly health resources are spread: Gini, Theil, Lorenz, concentration, HRDI, agglomeration.

Every function takes a table with one row per unit (per unit and period with
``by="year"``) and returns a tidy table: one row per period, or per period and unit for the
unit-level densities; :func:`equity` returns an :class:`EquityResult` holding them all.

===========================  ====================================================================
:func:`equity`               everything below on one resource, per period (:class:`EquityResult`)
:func:`gini`                 Gini coefficient by population or by area (Brown's formula)
:func:`lorenz`               Lorenz curve points
:func:`theil`                population-weighted Theil GE(0) ``theil_l`` and GE(1) ``theil_t``,
                             with between/within decomposition by group
:func:`theil_groups`         each group's shares, within-group indices and contribution rates
:func:`concentration_index`  per-capita resource concentration by a ranking variable
:func:`agglomeration`        per-unit densities, HRDI, HRAD, PAD and HRAD/PAD
===========================  ====================================================================
"""

from healthalloc.equity.agglomeration import POPULATION_UNIT, agglomeration
from healthalloc.equity.analysis import EquityResult, equity
from healthalloc.equity.gini import concentration_index, gini, lorenz
from healthalloc.equity.theil import theil, theil_groups

__all__ = [
    "POPULATION_UNIT", "EquityResult", "agglomeration", "concentration_index", "equity", "gini", "lorenz", "theil",
    "theil_groups",
]
