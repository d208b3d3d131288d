"""Load and validate a study's data: file readers, the checked panel, China's regions, embedded data sets.

Names are loaded from their submodules on first use (PEP 562), so that light modules
such as :mod:`healthalloc.data.output` can be imported without pandas.
"""

from healthalloc.lazy import exports

#: Public name → the submodule that defines it.
_HOMES = dict.fromkeys(("DATASETS", "data_dictionary", "describe", "load_china_provinces", "load_cst_hospitals",
                        "load_deap_eg1", "load_deap_eg4", "load_guangxi_2022", "load_guangxi_boundaries",
                        "load_guangxi_calibration", "load_province_adjacency", "load_province_boundaries",
                        "load_province_geography"), "datasets") | {"read_table": "io", "simulate_outputs": "simulate"} \
    | dict.fromkeys(("PORTS", "PROVINCES", "Province", "REGIONS", "add_port", "add_region", "port_of", "province",
                     "region_of"), "regions") \
    | dict.fromkeys(("DataError", "UnknownNameError", "check_columns", "check_dea_data"), "validate") \
    | dict.fromkeys(("Panel", "check_panel", "numeric_matrix"), "panel")

__all__ = sorted(_HOMES, key=lambda name: (not name[0].isupper(), name))

__getattr__, __dir__ = exports(__name__, _HOMES)
