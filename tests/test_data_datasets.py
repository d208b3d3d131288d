"""Embedded data sets: shapes, contents, package resources and the data dictionary."""

from importlib import resources

import numpy as np
import pytest

from healthalloc.data import (
    DATASETS,
    PROVINCES,
    UnknownNameError,
    check_dea_data,
    data_dictionary,
    describe,
    load_china_provinces,
    load_cst_hospitals,
    load_deap_eg1,
    load_deap_eg4,
    load_guangxi_2022,
    load_guangxi_calibration,
    load_province_adjacency,
    load_province_geography,
)
from healthalloc.data.datasets import STATUSES

MAINLAND = {p.code for p in PROVINCES}


def test_province_panel_is_31_provinces_by_10_years_without_gaps():
    panel = load_china_provinces()
    assert panel.shape == (310, 22)
    assert not panel.isna().any(axis=None)
    assert set(panel["province_code"]) == MAINLAND
    assert sorted(panel["year"].unique()) == list(range(2014, 2024))
    assert not panel.duplicated(["province_code", "year"]).any()
    assert panel.groupby("province_code")["year"].count().eq(10).all()
    assert panel[["province_code", "year"]].equals(panel.sort_values(["province_code", "year"])[
        ["province_code", "year"]
    ])


def test_province_panel_derived_columns_are_ratios_of_its_columns():
    p = load_china_provinces()
    pop = p["permanent_population"]
    for derived, value in {
        "beds_per_1000_people": p["medical_health_beds"] / pop * 1000,
        "physicians_per_1000_people": p["licensed_assistant_physicians"] / pop * 1000,
        "nurses_per_1000_people": p["registered_nurses"] / pop * 1000,
        "institutions_per_10000_people": p["medical_health_institutions"] / pop * 10000,
        "hospital_beds_share": p["hospital_beds"] / p["medical_health_beds"],
        "primary_institution_share": p["primary_healthcare_institutions"] / p["medical_health_institutions"],
    }.items():
        np.testing.assert_allclose(p[derived], value, atol=5.1e-5, err_msg=derived)


def test_province_panel_rounding_as_documented():
    p = load_china_provinces()
    for column in ["medical_health_beds", "hospital_beds", "health_technicians", "registered_nurses"]:
        assert (p[column] % 100 == 0).all(), column
    assert (p["permanent_population"] % 10000 == 0).all()
    assert p.loc[(p["province_code"] == 110000) & (p["year"] == 2014), "medical_health_beds"].item() == 109800
    national = p.groupby("year")["medical_health_institutions"].sum()
    assert national[2022] == 1_032_918 and national[2023] == 1_070_785


def test_province_panel_inputs_pass_the_dea_input_checks():
    panel = load_china_provinces()
    inputs = ["medical_health_beds", "health_technicians", "medical_health_institutions"]
    check_dea_data(panel, inputs, ["permanent_population"], unit="province_en", by="year")


def test_province_geography():
    geo = load_province_geography()
    assert geo.shape == (31, 12)
    assert set(geo["adcode"]) == MAINLAND
    assert (geo["polygon_area_km2"] > 0).all()
    assert geo.loc[geo["adcode"] == 110000, "polygon_area_km2"].item() == pytest.approx(16410.9)
    every = load_province_geography(mainland_only=False)
    assert len(every) == 34
    outside = every[every["in_31_mainland"] == 0]
    assert set(outside["adcode"]) == {710000, 810000, 820000}
    assert outside["region"].isna().all()
    assert every["centroid_lon"].between(73, 136).all() and every["centroid_lat"].between(3, 54).all()


def test_province_adjacency():
    adj = load_province_adjacency()
    assert len(adj) == 68
    assert set(adj["adcode_a"]) | set(adj["adcode_b"]) == MAINLAND - {460000}  # Hainan: no land border
    assert (adj["adcode_a"] < adj["adcode_b"]).all()
    assert not adj.duplicated(["adcode_a", "adcode_b"]).any()
    every = load_province_adjacency(mainland_only=False)
    assert len(every) == 70
    extra = every.merge(adj, how="left", indicator=True).query("_merge == 'left_only'")
    assert sorted(zip(extra["adcode_a"], extra["adcode_b"])) == [(440000, 810000), (440000, 820000)]


def test_cst_hospitals():
    h = load_cst_hospitals()
    assert h.shape == (12, 7)
    assert h["hospital"].tolist() == list("ABCDEFGHIJKL")
    assert h.loc[0, ["doctors", "nurses", "outpatients", "inpatients"]].tolist() == [20, 151, 100, 90]
    assert h["ccr_input_theta_computed"].between(0, 1).all()
    assert (h["ccr_input_theta_computed"] <= h["bcc_input_theta_computed"]).all()


def test_deap_examples():
    eg1 = load_deap_eg1()
    assert eg1.columns.tolist() == ["firm", "y", "x1", "x2"]
    assert eg1.to_numpy().tolist() == [[1, 1, 2, 5], [2, 2, 2, 4], [3, 3, 6, 6], [4, 1, 3, 2], [5, 2, 6, 2]]
    eg4 = load_deap_eg4()
    assert eg4.shape == (15, 4)
    assert eg4.groupby("year")["firm"].apply(list).tolist() == [[1, 2, 3, 4, 5]] * 3
    year = {t: eg4[eg4["year"] == t][["y", "x"]].to_numpy() for t in (1, 2, 3)}
    np.testing.assert_array_equal(year[2], year[3])
    assert not np.array_equal(year[1], year[2])


def test_guangxi():
    cities = load_guangxi_2022()
    assert cities.shape == (14, 9)
    assert cities["city"].iloc[0] == "Nanning" and cities["city"].is_unique
    assert cities["efficiency"].max() == 1 and cities["efficiency"].mean() == pytest.approx(0.364, abs=5e-4)
    anchors = load_guangxi_calibration()
    assert anchors.shape == (8, 5)
    assert anchors["variable"].tolist() == cities.columns[1:].tolist()
    assert anchors["code"].tolist() == [f"X{i}" for i in range(1, 8)] + ["Y"]
    ordered = anchors["full_membership"] > anchors["crossover"]
    assert (ordered & (anchors["crossover"] > anchors["full_nonmembership"])).all()
    # the documented unit mismatch: X7 data in 10^4 yuan, anchors in yuan
    x7 = anchors.set_index("code").loc["X7"]
    assert cities["health_expenditure_per_capita"].max() < x7["full_nonmembership"]


# data dictionary ----------------------------------------------------------------------


def test_every_data_set_is_registered_shipped_and_documented():
    assert set(DATASETS) == {
        "china_provinces", "province_geography", "province_adjacency", "cst_hospitals",
        "deap_eg1", "deap_eg4", "guangxi_2022", "guangxi_calibration",
        "province_boundaries", "guangxi_boundaries", "china_cities", "prefecture_geography", "prefecture_boundaries",
        "china_facilities_synthetic", "mobility_cities_synthetic", "mobility_records_synthetic",
    }
    root = resources.files("healthalloc.data.datasets")
    for name, ds in DATASETS.items():
        assert root.joinpath(ds.file).is_file(), ds.file
        assert ds.title and ds.origin and ds.licence and ds.caveats, name
        frame = ds.load()
        assert [c.name for c in ds.columns] == frame.columns.tolist(), name
        assert {c.status for c in ds.columns} <= set(STATUSES), name
        assert all(c.meaning and c.unit for c in ds.columns), name


def test_data_dictionary_has_one_row_per_column():
    dd = data_dictionary()
    assert dd.columns.tolist() == ["dataset", "column", "meaning", "unit", "status"]
    assert len(dd) == sum(ds.load().shape[1] for ds in DATASETS.values())
    assert not dd.duplicated(["dataset", "column"]).any()
    status = dd.set_index(["dataset", "column"])["status"]
    assert status["cst_hospitals", "ccr_input_theta_computed"] == "computed"
    assert status["cst_hospitals", "bcc_input_theta_computed"] == "computed"
    assert status["cst_hospitals", "doctors"] == "source"
    assert status["china_provinces", "beds_per_1000_people"] == "derived"
    assert status["china_provinces", "region"] == "added"
    units = dd.set_index(["dataset", "column"])["unit"]
    assert units["guangxi_2022", "health_expenditure_per_capita"] == "10,000 yuan"
    assert "rounded to 100" in units["china_provinces", "hospital_beds"]


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("china_provinces", ["310 rows × 22 columns", "data.stats.gov.cn", "No outputs", "nearest 100"]),
        ("cst_hospitals", ["not copied from a published table", "(computed)"]),
        ("deap_eg1", ["reconstructed", "outputs first"]),
        ("deap_eg4", ["reconstructed", "Years 2 and 3 are identical"]),
        ("guangxi_2022", ["10,000 yuan", "in yuan", "fully out of the set"]),
        ("province_adjacency", ["68 rows", "Hainan"]),
    ],
)
def test_describe_gives_origin_and_caveats(name, needles):
    text = describe(name)
    assert text.startswith(f"{name}: ")
    for needle in needles:
        assert needle in " ".join(text.split()), needle


def test_describe_unknown_name_suggests():
    with pytest.raises(UnknownNameError, match=r"unknown data set 'deap_eg2'; did you mean 'deap_eg\d'"):
        describe("deap_eg2")


def test_loaders_return_independent_frames():
    a = load_china_provinces()
    a.loc[0, "hospitals"] = -1
    assert load_china_provinces().loc[0, "hospitals"] != -1
