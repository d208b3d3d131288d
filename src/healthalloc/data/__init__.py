"""Load and validate a study's data: file readers, checks, China's regions, embedded data sets."""

from healthalloc.data.datasets import (
    DATASETS,
    data_dictionary,
    describe,
    load_china_provinces,
    load_cst_hospitals,
    load_deap_eg1,
    load_deap_eg4,
    load_guangxi_2022,
    load_guangxi_boundaries,
    load_guangxi_calibration,
    load_province_adjacency,
    load_province_boundaries,
    load_province_geography,
)
from healthalloc.data.simulate import simulate_outputs
from healthalloc.data.io import read_table
from healthalloc.data.regions import PROVINCES, REGIONS, Province, add_region, province, region_of
from healthalloc.data.validate import (
    DataError,
    UnknownNameError,
    check_columns,
    check_dea_data,
    numeric_matrix,
)

__all__ = [
    "DATASETS",
    "PROVINCES",
    "REGIONS",
    "DataError",
    "Province",
    "UnknownNameError",
    "add_region",
    "check_columns",
    "check_dea_data",
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
