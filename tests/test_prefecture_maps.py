"""Prefecture boundaries, a user's GeoJSON, and paired choropleths (seed 003's Figures 6 and 7)."""

from __future__ import annotations

import json
from contextlib import nullcontext
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colorbar import Colorbar

from healthalloc.data.datasets import load_mobility_cities, load_prefecture_boundaries, load_prefecture_geography
from healthalloc.data.validate import DataError, UnknownNameError
from healthalloc.report.figures.maps import choropleth, paired_choropleth
from healthalloc.report.geo import EARTH_RADIUS_KM, shapes, unit_codes

from conftest import assert_refused, run_cli, snapshot


def _area(path) -> float:
    """Area (km²) of a compound path whose exterior rings run clockwise and holes counter-clockwise."""
    total = 0.0
    starts = [*np.flatnonzero(path.codes == path.MOVETO), len(path.codes)]
    for start, end in zip(starts[:-1], starts[1:]):  # each ring ends on its first point again
        xy = path.vertices[start:end]
        total -= (np.dot(xy[:-1, 0], xy[1:, 1]) - np.dot(xy[1:, 0], xy[:-1, 1])) / 2
    return total


# the embedded prefectures ---------------------------------------------------------------------------


def test_every_prefecture_of_the_centroid_table_has_its_polygon_and_name():
    table = shapes("prefectures").table
    geo = load_prefecture_geography()
    assert len(table) == 370 and table["adcode"].is_unique
    assert table["adcode"].tolist() == geo["adcode"].tolist()
    assert table["name"].tolist() == geo["name_cn"].tolist()
    assert set(table.loc[~table["in_analysis"], "adcode"]) == {710000, 810000, 820000}
    assert load_mobility_cities()["adcode"].isin(table["adcode"]).all()  # the synthetic mobility cities


def test_the_embedded_file_is_small_and_plain_geojson():
    file = resources.files("healthalloc.data.datasets").joinpath("china_prefectures_simplified.geojson")
    assert len(file.read_bytes()) <= 500_000
    kinds = {f["geometry"]["type"] for f in load_prefecture_boundaries()["features"]}
    assert kinds == {"Polygon", "MultiPolygon"}


def test_drawn_areas_match_the_published_full_resolution_areas():
    """Independent: polygon_area_km2 of the centroid table, computed from the full-resolution polygons in
    the same Albers projection (shared/data/SOURCES.md). After the simplification the median unit is
    within 1% and 90% within 3%; only island units and the smallest lose more than 11% (as the data
    dictionary says: Macao 44%, Sansha 40%, Zhoushan 27%, Hong Kong 16%)."""
    geo = shapes("prefectures")
    drawn = np.array([_area(p) for p in geo.inset_paths])
    table = load_prefecture_geography()
    error = np.abs(drawn / table["polygon_area_km2"].to_numpy() - 1)
    assert np.median(error) < 0.01
    assert np.quantile(error, 0.9) < 0.03
    islands = table["name_cn"].isin(["澳门特别行政区", "三沙市", "舟山市", "香港特别行政区"]).to_numpy()
    assert error[~islands].max() < 0.11
    assert error.max() < 0.45


def test_prefectures_are_named_by_code_or_chinese_name():
    assert unit_codes(["杭州", 330200, "330300", " 三沙市", "香港特别行政区"], "prefectures").tolist() == \
        [330100, 330200, 330300, 460300, 810000]
    with pytest.raises(UnknownNameError, match="'Hangzhou'"):
        unit_codes(["Hangzhou"], "prefectures")
    with pytest.raises(DataError, match="both name"):
        unit_codes(["杭州", "杭州市"], "prefectures")


# a user's GeoJSON -----------------------------------------------------------------------------------


def _square(lon: float, lat: float, side: float = 1.0, per_edge: int = 50) -> list:
    """A closed clockwise ring around a lon/lat square, its edges sampled (parallels project to arcs)."""
    t = np.linspace(0, side, per_edge, endpoint=False)
    ring = [*zip(lon + 0 * t, lat + t), *zip(lon + t, lat + side + 0 * t),
            *zip(lon + side + 0 * t, lat + side - t), *zip(lon + side - t, lat + 0 * t)]
    return [[float(x), float(y)] for x, y in ring + ring[:1]]


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


@pytest.fixture
def counties(user) -> Path:
    """Three 1° squares side by side at 29–30° N, ids in property ``code`` (one written as a number)."""
    features = [_feature({"code": code, "name": f"county {i}"},
                         {"type": "Polygon", "coordinates": [_square(119.0 + i, 29.0)]})
                for i, code in enumerate(["330102", "330105", 330106])]
    path = user / "counties.geojson"
    path.write_text(json.dumps(_collection(features)), encoding="utf-8")
    return path


def test_a_users_file_is_projected_equal_area(counties):
    """Independent: a lon/lat cell's area on the sphere is R² Δλ (sin φ₂ − sin φ₁); the Albers projection
    keeps it (its edges sampled every 0.02°, 0.01% tolerance)."""
    geo = shapes(counties, id_property="code")
    assert geo.table["adcode"].tolist() == ["330102", "330105", "330106"]
    assert geo.table["in_analysis"].all() and geo.inset is None and geo.id_property == "code"
    sphere = EARTH_RADIUS_KM ** 2 * np.radians(1.0) * (np.sin(np.radians(30.0)) - np.sin(np.radians(29.0)))
    assert [_area(p) for p in geo.paths] == pytest.approx([sphere] * 3, rel=1e-4)
    assert unit_codes([330105, "330102"], geo).tolist() == ["330105", "330102"]
    assert shapes(str(counties), id_property="code").table.equals(geo.table)


def _write(user: Path, name: str, content) -> Path:
    path = user / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


SQUARE = {"type": "Polygon", "coordinates": [_square(119.0, 29.0, per_edge=2)]}

BAD_FILES = {
    "not JSON": ("a.geojson", "code,name\n1,x\n", "code", "does not read as JSON"),
    "not a FeatureCollection": ("b.geojson", {"type": "Feature", "properties": {}, "geometry": SQUARE}, "code",
                                "not a GeoJSON FeatureCollection"),
    "no features": ("c.geojson", _collection([]), "code", "not a GeoJSON FeatureCollection"),
    "missing property": ("d.geojson", _collection([_feature({"Code": "1"}, SQUARE), _feature({"code": "2"}, SQUARE)]),
                         "code", r"feature 0 has no property 'code' \(did you mean 'Code'\?\); its properties: 'Code'"),
    "duplicate ids": ("e.geojson", _collection([_feature({"code": "1"}, SQUARE), _feature({"code": 1}, SQUARE)]),
                      "code", "ids '1' of property 'code' name several features"),
    "a point": ("f.geojson", _collection([_feature({"code": "1"}, SQUARE),
                                          _feature({"code": "2"}, {"type": "Point", "coordinates": [119, 29]})]),
                "code", "feature 2 is a Point; boundaries must be Polygon or MultiPolygon"),
    "no geometry": ("g.geojson", _collection([_feature({"code": "1"}, None)]), "code", "feature 1 is without geometry"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_users_file_is_one_clear_error(user, case):
    name, content, prop, message = BAD_FILES[case]
    path = _write(user, name, content)
    with pytest.raises(DataError, match=message) as error:
        shapes(path, id_property=prop)
    assert "\n" not in str(error.value)


def test_a_users_path_is_checked(user):
    with pytest.raises(DataError, match="nope.geojson: no such file"):
        shapes("nope.geojson", id_property="code")
    (user / "folder.geojson").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        shapes("folder.geojson", id_property="code")
    with pytest.raises(DataError, match="needs id_property"):
        shapes("nope.geojson")
    with pytest.raises(DataError, match="not the embedded 'prefectures'"):
        shapes("prefectures", id_property="code")
    with pytest.raises(UnknownNameError, match="did you mean 'prefectures'"):
        shapes("prefecture")


def test_unmatched_units_are_missing_and_listed(counties):
    values = pd.Series([1.0, 2.0, 5.0], index=["330102", "330106", "339999"], name="beds")
    with pytest.warns(UserWarning) as caught:
        fig = choropleth(values, geography=shapes(counties, id_property="code"))
    texts = [str(w.message) for w in caught]
    assert any(t.startswith("units with no feature of that 'code'") and t.endswith(": '339999'") for t in texts)
    assert any(t.startswith("features of") and t.endswith("drawn as missing: '330105'") for t in texts), texts
    assert all(w.filename == __file__ for w in caught)  # said at the caller's line
    layers = {c.get_gid(): len(c.get_paths()) for c in fig.axes[0].collections}
    assert layers == {"values": 2, "missing": 1}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["330102", "330105", "330106"]), unique=True, min_size=1),
       st.floats(-1e6, 1e6, allow_nan=False))
def test_every_feature_is_filled_or_hatched_once(tmp_path_factory, given_ids, offset):
    folder = tmp_path_factory.mktemp("squares")
    features = [_feature({"code": code}, {"type": "Polygon", "coordinates": [_square(119.0 + i, 29.0, per_edge=2)]})
                for i, code in enumerate(["330102", "330105", "330106"])]
    geo = shapes(_write(folder, "s.geojson", _collection(features)), id_property="code")
    values = pd.Series(offset + np.arange(len(given_ids), dtype=float), index=given_ids)
    with pytest.warns(UserWarning, match="drawn as missing") if len(given_ids) < 3 else nullcontext():
        fig = choropleth(values, geography=geo)
    layers = {c.get_gid(): len(c.get_paths()) for c in fig.axes[0].collections}
    assert layers.get("values") == len(given_ids)
    assert layers.get("missing", 0) == 3 - len(given_ids)


# paired choropleths -----------------------------------------------------------------------------------


def _maps(fig) -> list:
    return [ax for ax in fig.axes if any(c.get_gid() == "values" for c in ax.collections)]


def _layers(ax) -> dict:
    return {c.get_gid(): len(c.get_paths()) for c in ax.collections}


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return load_mobility_cities().set_index("adcode")


def test_paired_maps_draw_each_measure_on_its_own_classes(cities):
    fig = paired_choropleth(cities["PCF"], cities["HTH"], geography="prefectures", classes=4,
                            labels=("primary-care facilities", "high-tier hospitals"), title="supply")
    maps = _maps(fig)
    assert len(maps) == 2
    for ax in maps:  # 337 cities filled, the 30 other mainland units hatched, Taiwan, Hong Kong, Macao outlined
        assert _layers(ax) == {"values": 337, "missing": 30, "outside": 3}
    titles = [ax.get_legend().get_title().get_text() for ax in maps]
    assert titles == ["primary-care facilities", "high-tier hospitals"]
    # each map's classes are its own quartiles: independent np.quantile of each column
    for ax, column in zip(maps, ["PCF", "HTH"]):
        q = np.quantile(cities[column], [0, 0.25, 0.5, 0.75, 1])
        pairs = [t.get_text().replace(",", "").split(" – ") for t in ax.get_legend().get_texts()[:4]]
        edges = [float(pairs[0][0])] + [float(hi) for _, hi in pairs]
        assert edges == pytest.approx(q, abs=0.5), (pairs, q)  # labels rounded to at most 1 digit
    assert fig._suptitle.get_text() == "supply"


def test_paired_maps_without_classes_have_one_colour_bar_each(cities):
    fig = paired_choropleth(cities["PCF"].rename("PCF"), cities["HTH"].rename("HTH"), geography="prefectures")
    bars = [ax for ax in fig.axes if ax not in _maps(fig)]
    assert len(bars) == 2
    assert sorted(ax.get_ylabel() for ax in bars) == ["HTH", "PCF"]
    limits = sorted(tuple(np.round(ax.get_ylim(), 6)) for ax in bars)
    assert limits == sorted([(cities[c].min(), cities[c].max()) for c in ["HTH", "PCF"]])


def test_paired_maps_refuse_what_a_map_refuses(cities):
    with pytest.raises(TypeError, match="pandas Series"):
        paired_choropleth(cities["PCF"].to_numpy(), cities["HTH"], geography="prefectures")
    with pytest.raises(UnknownNameError, match="'Atlantis'"):
        paired_choropleth(pd.Series([1.0], index=["Atlantis"]), cities["HTH"], geography="prefectures")


# the mobility results on polygons -------------------------------------------------------------------


@pytest.fixture(scope="module")
def alignment(cities):
    from healthalloc.mobility import centrality, network_from_records
    from healthalloc.data.datasets import load_mobility_records
    from healthalloc.mobility.centrality import supply_correlation

    nodes = load_mobility_cities().astype({"adcode": str})
    records = load_mobility_records().astype({"origin": str, "destination": str})
    net = network_from_records(records, nodes=nodes, origin="origin", destination="destination")
    result = centrality(net.binarize("top_k", 10))
    return result, supply_correlation(result, nodes[["adcode", "HTH", "PCF"]], against=["HTH", "PCF"],
                                      measures=["in_degree_std"])


def test_supply_maps_put_the_statistics_in_the_caption(alignment, cities):
    result, found = alignment
    figures = found.figures(boundaries="prefectures")
    assert list(figures) == ["in_degree_std_HTH_map", "in_degree_std_PCF_map"]
    # independent: Pearson's r of the average ranks (Spearman's definition), with numpy and pandas
    hth = cities["HTH"].reindex(result.table.index.astype(int))
    rho = np.corrcoef(result.table["in_degree_std"].rank(), hth.rank())[0, 1]
    caption, draw = figures["in_degree_std_HTH_map"]
    assert f"Spearman's rho {rho:.3f}" in caption and caption.startswith("in_degree_std (left) beside HTH (right)")
    fig = draw()
    assert [ax.get_title() for ax in _maps(fig)] == ["in_degree_std", "HTH"]
    assert f"{rho:.3f}" in fig._suptitle.get_text()
    assert found.figures() == {}
    with pytest.raises(ValueError, match="no correlation of in_strength with HTH"):
        found.map("prefectures", "in_strength", "HTH")


def test_centrality_maps_on_polygons_or_points(alignment):
    result, _ = alignment
    fig = result.map(boundaries="prefectures")
    assert _layers(fig.axes[0]) == {"values": 337, "missing": 30, "outside": 3}
    assert any(isinstance(getattr(ax, "_colorbar", None), Colorbar) for ax in fig.axes)
    with pytest.raises(ValueError, match="coords"):
        result.map()


# the command line -------------------------------------------------------------------------------------


@pytest.fixture
def network(user) -> Path:
    cities = load_mobility_cities().set_index("adcode").loc[[330100, 330200, 330300, 330400, 330500]]
    cities.reset_index()[["adcode", "lon", "lat", "HTH", "PCF"]].to_csv("nodes.csv", index=False)
    pd.DataFrame({"from": [330200, 330300, 330400, 330500, 330100], "to": [330100, 330100, 330100, 330200, 330300]}
                 ).to_csv("edges.csv", index=False)
    return user


CENTRALITY = ["network", "centrality", "--nodes", "nodes.csv", "--edges", "edges.csv", "--directed",
              "--supply", "nodes.csv", "--against", "HTH", "--measures", "in_degree_std", "--coords", "lon,lat",
              "--knn", "2", "--permutations", "9", "--seed", "1"]


def test_the_cli_writes_the_map_and_replaces_it_only_with_overwrite(network, capsys):
    code, out, err = run_cli([*CENTRALITY, "--map", "align.png", "-o", "align.csv"], capsys)
    assert code == 0, err
    assert "wrote align.png" in out
    assert (network / "align.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_refused([*CENTRALITY, "--map", "align.png", "-o", "again.csv"], "align.png: already exists", network,
                   capsys)
    code, out, err = run_cli([*CENTRALITY, "--map", "align.png", "-o", "align.csv", "--overwrite"], capsys)
    assert code == 0, err


def test_the_cli_writes_one_map_per_pair_and_reads_a_geojson(network, capsys):
    features = [_feature({"code": str(c)}, {"type": "Polygon", "coordinates": [_square(119.0 + i, 29.0, per_edge=2)]})
                for i, c in enumerate([330100, 330200, 330300, 330400, 330500])]
    _write(network, "zj.geojson", _collection(features))
    argv = [*CENTRALITY, "--against", "HTH,PCF", "--map", "m.svg", "--boundaries", "zj.geojson",
            "--id-property", "code"]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    assert sorted(p.name for p in network.glob("m_*.svg")) == ["m_in_degree_std_HTH.svg", "m_in_degree_std_PCF.svg"]
    assert (network / "m_in_degree_std_HTH.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_the_cli_map_options_and_bad_boundaries_are_one_line(network, capsys):
    before = snapshot(network)
    assert_refused([*CENTRALITY, "--boundaries", "provinces"], "--boundaries describe the map: give it with --map",
                   network, capsys)
    assert_refused([*CENTRALITY, "--map", "m.pdf"], "m.pdf: output file must end in .png or .svg", network, capsys)
    assert_refused([*CENTRALITY, "--map", "m.png", "--boundaries", "nope.geojson", "--id-property", "code"],
                   "nope.geojson: no such file", network, capsys)
    assert_refused([*CENTRALITY, "--map", "m.png", "--boundaries", "provinces"], "unknown names in the 'provinces'",
                   network, capsys)
    assert snapshot(network) == before


def test_help_explains_the_map(capsys):
    code, out, _ = run_cli(["network", "centrality", "--help"], capsys)
    assert code == 0
    assert "--map OUT.png" in out and "--boundaries prefectures|FILE.geojson" in out and "--id-property NAME" in out
