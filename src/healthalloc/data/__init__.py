"""Load and validate a study's data: file readers, the checked panel, China's regions, embedded data sets.

Names are loaded from their submodules on first use (PEP 562), so that light modules
such as :mod:`healthalloc.data.output` can be imported without pandas.
"""

import importlib

_WHERE = {
    "DATASETS": "healthalloc.data.datasets",
    "data_dictionary": "healthalloc.data.datasets",
    "describe": "healthalloc.data.datasets",
    "load_china_provinces": "healthalloc.data.datasets",
    "load_cst_hospitals": "healthalloc.data.datasets",
    "load_deap_eg1": "healthalloc.data.datasets",
    "load_deap_eg4": "healthalloc.data.datasets",
    "load_guangxi_2022": "healthalloc.data.datasets",
    "load_guangxi_boundaries": "healthalloc.data.datasets",
    "load_guangxi_calibration": "healthalloc.data.datasets",
    "load_province_adjacency": "healthalloc.data.datasets",
    "load_province_boundaries": "healthalloc.data.datasets",
    "load_province_geography": "healthalloc.data.datasets",
    "read_table": "healthalloc.data.io",
    "PROVINCES": "healthalloc.data.regions",
    "Province": "healthalloc.data.regions",
    "REGIONS": "healthalloc.data.regions",
    "add_region": "healthalloc.data.regions",
    "province": "healthalloc.data.regions",
    "region_of": "healthalloc.data.regions",
    "simulate_outputs": "healthalloc.data.simulate",
    "DataError": "healthalloc.data.validate",
    "UnknownNameError": "healthalloc.data.validate",
    "check_columns": "healthalloc.data.validate",
    "check_dea_data": "healthalloc.data.validate",
    "Panel": "healthalloc.data.panel",
    "check_panel": "healthalloc.data.panel",
    "numeric_matrix": "healthalloc.data.panel",
}

__all__ = [
    "DATASETS",
    "PROVINCES",
    "REGIONS",
    "DataError",
    "Panel",
    "Province",
    "UnknownNameError",
    "add_region",
    "check_columns",
    "check_dea_data",
    "check_panel",
    "data_dictionary",
    "describe",
    "load_china_provinces",
    "load_cst_hospitals",
    "load_deap_eg1",
    "load_deap_eg4",
    "load_guangxi_2022",
    "load_guangxi_boundaries",
    "load_guangxi_calibration",
    "load_province_adjacency",
    "load_province_boundaries",
    "load_province_geography",
    "numeric_matrix",
    "province",
    "read_table",
    "region_of",
    "simulate_outputs",
]


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
