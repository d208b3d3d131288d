"""Registration of the tier-structure analysis for study files.

``tiers`` (:func:`healthalloc.tiers.tiers`) splits each measure between the high tier and
primary care, on the study's data or on the table ``source`` names (an embedded data set or
a file relative to the study, read as the network's ``records``), so that a study of cities
can compare provinces. Its keys are the library's: ``measures = {beds = ["hospital_beds",
"primary_healthcare_beds"]}``, ``imbalance = "institutions/beds"``, ``occupancy = "HIGH:PRIMARY"``,
``permutations``, ``seed``; ``unit``, ``by`` and ``group`` name columns of the table analysed
(set in the analysis: the study's roles name the study's data, which a ``source`` replaces).
``group = "port"`` or ``"region"`` on a table without that column groups provinces (the
``unit`` column) by :func:`~healthalloc.data.regions.port_of` (seed 003's port-developed
coastal provinces against inland ones, H2b) or the NBS region.
"""

from __future__ import annotations

from dataclasses import replace

from healthalloc.data.datasets import DATASETS
from healthalloc.data.regions import add_port, add_region
from healthalloc.params import Param, Params
from healthalloc.report.section import Section
from healthalloc.study.analyses_access import _source
from healthalloc.study.registry import Context, register
from healthalloc.tiers import PARAMS, tiers

#: Groupings of provinces a table need not hold: derived from its unit column.
GROUPINGS = {"port": add_port, "region": add_region}

SOURCE = Param("source", None, "embedded data set or file holding the areas (default: the study's data)", kind=str,
               source=True)


@register("tiers", title="Tier structure",
          params=Params(*(replace(p, role=None) for p in PARAMS), SOURCE))
def _tiers(ctx: Context) -> Section:
    o = ctx.options
    table, synthetic = _source(ctx, o["source"]) if o["source"] else (ctx.data, False)
    group = o["group"]
    if group in GROUPINGS and group not in table.columns:
        if o["unit"] is None:
            raise ValueError(f"{ctx.name}: group = {group!r} groups provinces: set unit to the column naming them")
        table = GROUPINGS[group](table, o["unit"], name=group)
    res = ctx.call(tiers, table)
    sec = res.section(ctx.name, "Tier structure: high-tier hospitals and primary care")
    sec.add_table("shares", res.to_frame(), "Per unit: each measure's high-tier and primary-care amounts and the "
                  "high-tier share high / (high + primary)" + (", the imbalance ratio" if res.imbalance else "")
                  + (", bed occupancy (%) and its gap high − primary (points)" if res.occupancy else "") + ".")
    if res.groups is not None:
        sec.add_table("groups", res.groups, f"Per {group}: units and pooled high-tier shares Σhigh / Σ(high + "
                      "primary)" + (", mean occupancy and gap." if res.occupancy else "."))
        sec.add_table("tests", res.tests, "Difference between the groups: Mann–Whitney U on the units' shares "
                      f"(gaps) and a permutation test of the pooled difference ({res.permutations} permutations), "
                      "or Kruskal–Wallis with more than two groups.")
    if res.by:
        sec.add_table("trend", res.trend, f"Pooled high-tier shares of all units per {res.by}.")
    sec.add_note(_provenance(o["source"], synthetic) + (" The port provinces are the 11 coastal ones (seed 003 "
                 "names Shanghai, Jiangsu and Zhejiang; see healthalloc.data.regions.PORTS)." if group == "port"
                 else ""))
    return sec


def _provenance(source: str | dict | None, synthetic: bool) -> str:
    """Which data the shares are computed on, and whether they are real."""
    name = source.get("source") if isinstance(source, dict) else source
    if synthetic:
        return f"The data ({name}) are SYNTHETIC: the shares illustrate the method, they are not findings."
    if name in DATASETS:
        return f"The data are real: {DATASETS[name].title} (see describe('{name}'))."
    if name:
        return f"The data are the file {name}, as the study gives it."
    return "The data are the study's data set (see the study's data)."
