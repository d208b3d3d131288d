"""Spatial weights: pairs, k nearest neighbours and distance bands on great-circle
distances, islands (Hainan) and the matching of weights to data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data import DataError, PROVINCES, load_province_adjacency, load_province_geography
from healthalloc.spatial import (
    EARTH_RADIUS_KM,
    adjacency_weights,
    as_weights,
    distance_band_weights,
    knn_weights,
    province_points,
    province_weights,
    unit_coordinates,
)
from healthalloc.spatial.weights import match_units

HAINAN, GUANGDONG, GUANGXI = 460000, 440000, 450000
MAINLAND = [p.code for p in PROVINCES]


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance by the haversine formula, independent of libpysal."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def distances(points: pd.DataFrame) -> np.ndarray:
    lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    return haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])


def dense(sw) -> np.ndarray:
    return sw.w.full()[0]


def random_points(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lon": rng.uniform(73, 135, n), "lat": rng.uniform(18, 53, n)},
                        index=pd.Index([f"u{i}" for i in range(n)], name="unit"))


# --------------------------------------------------------------------------- pairs


def test_pairs_give_symmetric_row_standardized_weights():
    pairs = pd.DataFrame({"a": ["A", "B", "C", "B"], "b": ["B", "C", "D", "A"]})  # B-A repeats A-B
    sw = adjacency_weights(pairs)
    assert sw.ids == ["A", "B", "C", "D"]
    assert sorted(sw.w.neighbors["B"]) == ["A", "C"]
    W = dense(sw)
    np.testing.assert_allclose(W.sum(axis=1), 1.0)
    np.testing.assert_array_equal(W > 0, (W > 0).T)
    np.testing.assert_allclose(dense(adjacency_weights(pairs, transform="b")).sum(), 6)
    assert sw.summary()["components"] == 1


def test_pairs_columns_and_errors():
    pairs = pd.DataFrame({"name": ["x", "y"], "id1": [1, 2], "id2": [2, 3]})
    assert adjacency_weights(pairs, columns=("id1", "id2")).ids == [1, 2, 3]
    with pytest.raises(DataError, match="paired with themselves"):
        adjacency_weights(pd.DataFrame({"a": [1, 2], "b": [1, 3]}))
    with pytest.raises(DataError, match="missing unit ids in rows 2"):
        adjacency_weights(pd.DataFrame({"a": [1, None], "b": [2, 3]}))
    with pytest.raises(DataError, match=r"name units 9 that are not among the 3 study units"):
        adjacency_weights(pd.DataFrame({"a": [1, 2], "b": [2, 9]}), ids=[1, 2, 3], islands="drop")
    with pytest.raises(KeyError, match="unknown column 'id3'"):
        adjacency_weights(pairs, columns=("id1", "id3"))


def test_pair_ids_given_as_text_match_numeric_ids():
    sw = adjacency_weights(pd.DataFrame({"a": ["1", "2"], "b": ["2", "3"]}), ids=[1, 2, 3])
    assert sw.ids == [1, 2, 3] and sorted(sw.w.neighbors[2]) == [1, 3]


def test_disconnected_components_are_warned():
    with pytest.warns(UserWarning, match="2 disconnected components"):
        adjacency_weights(pd.DataFrame({"a": [1, 3], "b": [2, 4]}))


# --------------------------------------------------------------------------- islands


def test_hainan_is_an_island_of_the_province_adjacency():
    with pytest.raises(DataError, match=r"units 460000 have no neighbour.*islands='drop'"):
        province_weights(islands="error")
    pairs = load_province_adjacency()
    assert HAINAN not in set(pairs["adcode_a"]) | set(pairs["adcode_b"])


def test_islands_drop_leaves_hainan_out_with_a_warning():
    with pytest.warns(UserWarning, match="islands='drop': units 460000"):
        sw = province_weights(islands="drop")
    assert sw.w.n == 30 and HAINAN not in sw.ids
    assert sw.dropped == (HAINAN,) and sw.islands == (HAINAN,)
    _, order = match_units(sw, MAINLAND)  # the data may keep Hainan: it is left out
    assert HAINAN not in order and len(order) == 30


def test_islands_nearest_links_hainan_to_the_nearest_centroid():
    with pytest.warns(UserWarning, match=r"Hainan \(460000\) to Guangxi \(450000\), 683 km"):
        sw = province_weights(islands="nearest")
    points = province_points()
    d = distances(points)
    i = list(points.index).index(HAINAN)
    d[i, i] = np.inf
    assert points.index[np.argmin(d[i])] == GUANGXI  # nearest centroid, computed independently
    assert sw.w.neighbors[HAINAN] == [GUANGXI] and HAINAN in sw.w.neighbors[GUANGXI]
    link = sw.links.iloc[0]
    assert (link["unit"], link["neighbor"]) == (HAINAN, GUANGXI)
    assert link["distance_km"] == pytest.approx(d[i].min(), rel=1e-9)
    assert sw.w.n == 31 and sw.w.n_components == 1 and sw.summary()["linked"] == "460000-450000"


def test_hainan_can_be_linked_to_guangdong_by_hand():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no island left, so no warning
        sw = province_weights(extra_pairs=[(HAINAN, GUANGDONG)])
    assert sw.w.neighbors[HAINAN] == [GUANGDONG] and sw.islands == ()


def test_islands_nearest_needs_points_and_a_known_option():
    pairs = pd.DataFrame({"a": [1], "b": [2]})
    with pytest.raises(DataError, match="needs the units' points"):
        adjacency_weights(pairs, ids=[1, 2, 3], islands="nearest")
    with pytest.raises(ValueError, match="islands must be one of"):
        adjacency_weights(pairs, islands="link")


def test_a_plain_libpysal_w_with_an_island_is_refused():
    from libpysal.weights import W

    w = W({1: [2], 2: [1], 3: []}, silence_warnings=True)
    with pytest.raises(DataError, match="units 3 have no neighbour"):
        match_units(w, [1, 2, 3])
    points = pd.DataFrame({"lon": [100.0, 101.0, 103.0], "lat": [30.0, 30.0, 30.0]}, index=[1, 2, 3])
    with pytest.warns(UserWarning, match="3 to 2"):
        sw = as_weights(w, points=points, islands="nearest")
    assert sw.w.neighbors[3] == [2]


# --------------------------------------------------------------------------- distances


@settings(max_examples=25, deadline=None)
@given(n=st.integers(6, 40), k=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_knn_are_the_k_nearest_by_great_circle_distance(n, k, seed):
    points = random_points(n, seed)
    sw = knn_weights(points, k)
    d = distances(points)
    np.fill_diagonal(d, np.inf)
    for i, u in enumerate(points.index):
        want = set(points.index[np.argsort(d[i])[:k]])
        assert set(sw.w.neighbors[u]) == want
    np.testing.assert_allclose(dense(sw).sum(axis=1), 1.0)


def test_distance_band_matches_haversine_pairs():
    points = random_points(60, 7)
    d = distances(points)
    np.fill_diagonal(d, np.inf)
    with pytest.warns(UserWarning, match="islands='drop'"):
        sw = distance_band_weights(points, 800.0, islands="drop")
    for i, u in enumerate(points.index):
        if u in sw.dropped:
            assert np.all(d[i] > 800)
            continue
        assert set(sw.w.neighbors[u]) == set(points.index[d[i] <= 800])
    with pytest.warns(UserWarning, match="islands='drop'"):
        inverse = distance_band_weights(points, 800.0, binary=False, islands="drop")
    u = next(i for i in inverse.ids if len(inverse.w.neighbors[i]) > 1)
    i = list(points.index).index(u)
    nb = inverse.w.neighbors[u]
    inv = 1 / d[i, [list(points.index).index(j) for j in nb]]
    np.testing.assert_allclose(inverse.w.weights[u], inv / inv.sum(), rtol=1e-9)
    with pytest.warns(UserWarning, match="islands='drop'"):
        squared = distance_band_weights(points, 800.0, binary=False, beta=2.0, islands="drop")
    np.testing.assert_allclose(squared.w.weights[u], inv ** 2 / (inv ** 2).sum(), rtol=1e-9)
    with pytest.warns(FutureWarning, match=r"alpha=-2\.0\) is now beta=2\.0"), \
            pytest.warns(UserWarning, match="islands='drop'"):  # libpysal's older spelling
        older = distance_band_weights(points, 800.0, binary=False, alpha=-2.0, islands="drop")
    np.testing.assert_allclose(older.w.weights[u], squared.w.weights[u], rtol=0)


def test_knn_and_band_errors():
    points = random_points(5, 1)
    with pytest.raises(DataError, match="knn must be between 1 and the number of units - 1 \\(4\\)"):
        knn_weights(points, 5)
    with pytest.raises(DataError, match="must be > 0 km"):
        distance_band_weights(points, 0)
    with pytest.warns(FutureWarning, match=r"knn_weights\(k=\.\.\.\) is now knn="):
        assert knn_weights(points, k=2).w.neighbors == knn_weights(points, 2).w.neighbors
    with pytest.raises(KeyError, match="unknown column 'lat'"):
        knn_weights(points.rename(columns={"lat": "y"}), 2)


def test_unit_coordinates_from_a_panel():
    geo = load_province_geography()
    panel = pd.concat([geo.assign(year=y) for y in (2014, 2015)])
    points = unit_coordinates(panel, "capital_lon", "capital_lat", unit="adcode")
    assert list(points.columns) == ["lon", "lat"] and len(points) == 31
    moved = panel.copy()
    moved.iloc[0, moved.columns.get_loc("capital_lon")] += 1
    with pytest.raises(DataError, match="units 110000 have more than one point"):
        unit_coordinates(moved, "capital_lon", "capital_lat", unit="adcode")
    with pytest.raises(DataError, match="swapped"):
        unit_coordinates(geo, "capital_lat", "capital_lon", unit="adcode")
    missing = geo.copy()
    missing.loc[3, "capital_lat"] = np.nan
    with pytest.raises(DataError, match="missing or infinite values in unit 140000"):
        unit_coordinates(missing, "capital_lon", "capital_lat", unit="adcode")


# --------------------------------------------------------------------------- matching


def test_units_in_data_and_weights_must_agree():
    with pytest.warns(UserWarning):
        sw = province_weights()
    with pytest.raises(DataError, match="units 999999 are in the data but not in the weights"):
        match_units(sw, [*MAINLAND, 999999])
    with pytest.raises(DataError, match="units 110000 are in the weights but not in the data"):
        match_units(sw, MAINLAND[1:])
    _, order = match_units(sw, [str(c) for c in reversed(MAINLAND)])  # text ids, other order
    assert order == [str(c) for c in sw.ids]


def test_spatial_weights_from_provinces_uses_the_data_labels():
    from healthalloc.data import load_china_provinces
    from healthalloc.spatial import province_weights, spatial_weights

    data = load_china_provinces()
    with pytest.warns(UserWarning, match="Hainan to Guangxi"):
        sw = spatial_weights(data, "province_en", "provinces")
    with pytest.warns(UserWarning):
        by_code = province_weights()
    name = dict(zip(data["province_code"], data["province_en"]))
    assert sorted(sw.ids) == sorted(name.values())
    for code, neighbours in by_code.w.neighbors.items():
        assert sorted(sw.w.neighbors[name[code]]) == sorted(name[c] for c in neighbours)
    linked = spatial_weights(data, "province_en", "provinces", link_hainan_guangdong=True)
    assert linked.w.neighbors["Hainan"] == ["Guangdong"]


@pytest.mark.parametrize("source, extra, message", [
    ("knn", {}, "needs coordinates"),
    ("band", {"coordinates": ["lon", "lat"]}, "needs the band's width"),
    ("adjacency", {}, "needs a table or file"),
    ("rook", {}, "weights must be one of provinces, adjacency, knn, band"),
])
def test_spatial_weights_says_what_is_missing(source, extra, message):
    from healthalloc.spatial import spatial_weights

    data = pd.DataFrame({"unit": ["a", "b", "c"], "lon": [100, 101, 102], "lat": [30, 31, 30]})
    with pytest.raises(ValueError, match=message):
        spatial_weights(data, "unit", source, **extra)


def test_spatial_weights_knn_and_band_agree_with_the_builders():
    from healthalloc.spatial import distance_band_weights, knn_weights, spatial_weights, unit_coordinates

    data = pd.DataFrame({"unit": list("abcde"), "lon": [100, 101, 102, 104, 110],
                         "lat": [30, 31, 30, 32, 35]})
    points = unit_coordinates(data, "lon", "lat", unit="unit")
    assert spatial_weights(data, "unit", "knn", coordinates=["lon", "lat"], knn=2).w.neighbors == \
        knn_weights(points, 2).w.neighbors
    band = spatial_weights(data, "unit", "band", coordinates=["lon", "lat"], band=400, islands="drop")
    assert band.w.neighbors == distance_band_weights(points, 400, islands="drop").w.neighbors
