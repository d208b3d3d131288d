"""Mobility meets supply: the bivariate Moran's I (against esda), Spearman (against scipy), and
``network centrality --supply`` (issue 19, part 2)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from esda.moran import Moran_BV
from scipy.stats import spearmanr

from conftest import assert_refused, run_cli
from healthalloc.data import DataError, load_china_provinces
from healthalloc.mobility import centrality, read_network
from healthalloc.mobility.centrality import CORRELATION_COLUMNS, supply_correlation
from healthalloc.spatial import knn_weights, moran_bv, province_weights

N = 30
IDS = [f"{i:02d}" for i in range(N)]  # ids as written: 00, 01, ...
CENTRALITY = ["network", "centrality", "--nodes", "nodes.csv", "--edges", "edges.csv", "--directed"]
SUPPLIED = [*CENTRALITY, "--supply", "supply.csv", "--against", "high,primary", "--coords", "lon,lat",
            "--seed", "7", "-o", "out.csv"]


def _tables(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    lon, lat = 110 + rng.uniform(0, 10, N), 25 + rng.uniform(0, 10, N)
    nodes = pd.DataFrame({"id": IDS, "lon": lon, "lat": lat})
    edges = pd.DataFrame([(a, b, int(rng.integers(1, 20))) for a in IDS for b in IDS
                          if a != b and rng.random() < 0.15], columns=["from", "to", "weight"])
    supply = pd.DataFrame({"id": IDS, "lon": lon, "lat": lat, "high": rng.poisson(5, N) + lon / 3,
                           "primary": rng.poisson(50, N).astype(float)})
    return nodes, edges, supply


@pytest.fixture
def files(user):
    for name, table in zip(("nodes", "edges", "supply"), _tables()):
        table.to_csv(f"{name}.csv", index=False)
    return user


@pytest.fixture(scope="module")
def provinces():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = province_weights()
    data = load_china_provinces().query("year == 2023").set_index("province_code").loc[w.ids].reset_index()
    return data, w


@pytest.mark.parametrize("x, y", [("beds_per_1000_people", "physicians_per_1000_people"),
                                  ("hospital_beds_share", "nurses_per_1000_people")])
@pytest.mark.parametrize("seed", [1, 12345])
def test_moran_bv_equals_esda_draw_for_draw(provinces, x, y, seed):
    data, w = provinces
    res = moran_bv(data, x, y, w, unit="province_code", permutations=499, seed=seed)
    np.random.seed(seed)
    ref = Moran_BV(data[x].to_numpy(), data[y].to_numpy(), w.w, transformation=w.w.transform, permutations=499)
    assert res.I == pytest.approx(ref.I, abs=1e-12)
    np.testing.assert_allclose(res.sim, ref.sim, atol=1e-12)
    for name in ("EI_sim", "seI_sim", "z_sim", "p_sim", "p_z_sim"):
        assert getattr(res, name) == pytest.approx(getattr(ref, name), abs=1e-12), name
    assert res.EI == 0.0 and res.n == 31
    # E[I] = 0 under permutations of y: the permutation mean is within Monte Carlo error of it
    assert abs(res.EI_sim) < 4 * res.seI_sim / np.sqrt(499)


def test_moran_bv_is_the_formula_and_refuses_a_constant_column(provinces):
    data, w = provinces
    x, y = data["beds_per_1000_people"].to_numpy(), data["physicians_per_1000_people"].to_numpy()
    zx, zy = (x - x.mean()) / x.std(ddof=1), (y - y.mean()) / y.std(ddof=1)
    W = w.w.sparse.toarray()
    assert np.allclose(W.sum(axis=1), 1)  # row-standardized
    res = moran_bv(data, "beds_per_1000_people", "physicians_per_1000_people", w, unit="province_code",
                   permutations=0)
    assert res.I == pytest.approx(zx @ W @ zy / (zx @ zx)) and np.isnan(res.p_sim)
    with pytest.raises(DataError, match="one value for every unit"):
        moran_bv(data.assign(flat=1.0), "flat", "beds_per_1000_people", w, unit="province_code")
    with pytest.raises(ValueError, match="permutations must be ≥ 0"):
        moran_bv(data, "beds_per_1000_people", "physicians_per_1000_people", w, unit="province_code",
                 permutations=-1)


def test_supply_correlation_is_spearman_and_moran_bv_per_pair():
    nodes, edges, supply = _tables()
    res = centrality(read_network(nodes, edges, directed=True))
    w = knn_weights(supply.set_index("id")[["lon", "lat"]], 4)
    found = supply_correlation(res, supply, w, against=["high", "primary"], seed=3)
    table = found.to_frame()
    assert tuple(table.columns) == CORRELATION_COLUMNS
    assert list(zip(table["measure"], table["against"])) == [
        ("in_degree_std", "high"), ("in_degree_std", "primary"), ("in_strength", "high"), ("in_strength", "primary")]
    for row in table.itertuples():
        x = res.table[row.measure].to_numpy()
        y = supply.set_index("id").loc[res.table.index, row.against].to_numpy()
        rho, p = spearmanr(x, y)
        assert (row.spearman, row.spearman_p) == pytest.approx((rho, p))
        frame = pd.DataFrame({"u": res.table.index, "x": x, "y": y})
        bv = moran_bv(frame, "x", "y", w, unit="u", seed=3)
        assert (row.bivariate_moran, row.bivariate_moran_p, row.n) == pytest.approx((bv.I, bv.p_sim, N))
    assert "Spearman's rho" in found.reading()
    # the centrality table as written (node column) gives the same; without weights no Moran
    again = supply_correlation(res.to_frame(), supply.iloc[::-1], against=["high"], measures=["pagerank"])
    assert again.table["spearman"].iloc[0] == pytest.approx(spearmanr(
        res.table["pagerank"], supply.set_index("id").loc[res.table.index, "high"])[0])
    assert again.table["bivariate_moran"].isna().all()


def test_supply_correlation_names_missing_nodes_and_drops_other_units_with_a_warning():
    nodes, edges, supply = _tables()
    res = centrality(read_network(nodes, edges, directed=True))
    with pytest.raises(DataError, match=r"no row for nodes 03 and 07 of the network"):
        supply_correlation(res, supply.drop(index=[3, 7]), against=["high"])
    extra = pd.concat([supply, supply.iloc[:1].assign(id="99")])
    with pytest.warns(UserWarning, match="not nodes of the network left out: 99"):
        found = supply_correlation(res, extra, against=["high"])
    assert found.table["n"].iloc[0] == N
    with pytest.raises(DataError, match="hihg"):
        supply_correlation(res, supply, against=["hihg"])
    with pytest.raises(ValueError, match="measures must be one of"):
        supply_correlation(res, supply, against=["high"], measures=["indegree"])


def test_cli_writes_the_correlations_and_the_centrality_beside_them(files, capsys):
    code, out, err = run_cli(SUPPLIED, capsys)
    assert code == 0, err
    table = pd.read_csv("out.csv")
    assert list(table.columns[:6]) == ["measure", "against", "spearman", "spearman_p", "bivariate_moran",
                                       "bivariate_moran_p"]
    beside = pd.read_csv("out.centrality.csv", dtype={"node": str})
    # the centrality beside it is exactly the command's output without --supply
    code, _, err = run_cli([*CENTRALITY, "-o", "plain.csv"], capsys)
    assert code == 0, err
    assert open("plain.csv").read() == open("out.centrality.csv").read()
    assert beside["node"].tolist() == IDS
    nodes, edges, supply = _tables()
    res = centrality(read_network(nodes, edges, directed=True))
    w = knn_weights(supply.set_index("id")[["lon", "lat"]], 5)  # --coords alone: the 5 nearest
    expected = supply_correlation(res, supply, w, against=["high", "primary"], seed=7).to_frame()
    pd.testing.assert_frame_equal(table, expected, check_exact=False, atol=1e-12)
    assert sorted(p.name for p in files.iterdir()) == ["edges.csv", "nodes.csv", "out.centrality.csv", "out.csv",
                                                       "plain.csv", "supply.csv"]


def test_cli_weights_options_and_coordinates_of_the_nodes(files, capsys):
    pd.read_csv("supply.csv", dtype={"id": str}).drop(columns=["lon", "lat"]).to_csv("supply.csv", index=False)
    argv = [*SUPPLIED[:-2], "--knn", "3", "--measures", "pagerank", "-o", "k3.csv"]
    code, _, err = run_cli(argv, capsys)
    assert code == 0, err
    nodes, edges, supply = _tables()
    res = centrality(read_network(nodes, edges, directed=True))
    w = knn_weights(nodes.set_index("id")[["lon", "lat"]], 3)
    expected = supply_correlation(res, supply, w, against=["high", "primary"], measures=["pagerank"], seed=7)
    assert pd.read_csv("k3.csv")["bivariate_moran"].tolist() == pytest.approx(
        expected.table["bivariate_moran"].tolist())


def test_cli_refuses_bad_input_and_keeps_existing_files(files, capsys):
    assert_refused([*CENTRALITY, "--supply", "supply.csv", "--against", "hihg", "--coords", "lon,lat", "-o",
                    "o.csv"], "hihg", files, capsys)
    pd.read_csv("supply.csv", dtype={"id": str}).iloc[2:].to_csv("short.csv", index=False)
    assert_refused([*CENTRALITY, "--supply", "short.csv", "--against", "high", "--coords", "lon,lat", "-o",
                    "o.csv"], r"short\.csv: no row for nodes 00 and 01", files, capsys)
    assert_refused([*CENTRALITY, "--supply", "supply.csv", "--against", "high", "-o", "o.csv"],
                   "needs spatial weights", files, capsys)
    assert_refused([*CENTRALITY, "--supply", "supply.csv", "--coords", "lon,lat", "-o", "o.csv"],
                   "--against", files, capsys)
    assert_refused([*CENTRALITY, "--against", "high", "-o", "o.csv"], "give it with --supply", files, capsys)
    assert_refused([*CENTRALITY, "--supply", "supply.csv", "--against", "high", "--knn", "3", "--band", "100",
                    "-o", "o.csv"], "not allowed with", files, capsys)
    code, _, err = run_cli(SUPPLIED, capsys)
    assert code == 0, err
    assert_refused(SUPPLIED, "exist", files, capsys)  # replaced only with --overwrite
    code, _, err = run_cli([*SUPPLIED, "--overwrite"], capsys)
    assert code == 0, err


def test_a_measure_or_supply_without_variation_leaves_its_correlations_empty():
    nodes = pd.DataFrame({"id": list("abcd")})
    net = read_network(nodes, pd.DataFrame({"from": list("abcd"), "to": list("bcda")}), directed=True)
    supply = pd.DataFrame({"id": list("abcd"), "beds": [5, 5, 5, 5], "nurses": [1, 2, 3, 4]})
    with pytest.warns(UserWarning, match="takes one value at every node"):
        res = supply_correlation(centrality(net), supply, against=["beds", "nurses"])
    assert res.table[["spearman", "spearman_p"]].isna().all().all()  # a cycle: every in-degree is 1
    assert "does not vary" in res.reading()
