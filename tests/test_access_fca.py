"""healthalloc.access: hand-computed 2SFCA/E2SFCA/3SFCA/Huff-2SFCA, decays, distances,
conservation, chunks and engines, tiers, equity of accessibility, bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.access import accessibility, great_circle, make_decay, unit_vectors
from healthalloc.access.distance import EARTH_RADIUS_KM, GreatCircle
from healthalloc.data.validate import DataError

# two demand points a (100 people), b (300); sites h (8 beds), g (2 beds);
# costs a–h 5, b–h 10, b–g 20 (a–g out of reach)
DEMAND = pd.DataFrame({"id": ["a", "b"], "population": [100.0, 300.0]})
SUPPLY = pd.DataFrame({"id": ["h", "g"], "capacity": [8.0, 2.0]})
OD = pd.DataFrame({"origin": ["a", "b", "b"], "destination": ["h", "h", "g"], "cost": [5.0, 10.0, 20.0]})
STEPS = "10:1,20:0.5"  # w(a–h) = w(b–h) = 1, w(b–g) = 0.5


def _od(method, **kw):
    return accessibility(DEMAND, SUPPLY, od=OD, method=method, **kw)


def test_2sfca_by_hand():
    res = _od("2sfca", catchment=25)
    # R_h = 8 / 400, R_g = 2 / 300
    assert res.access.tolist() == pytest.approx([8 / 400, 8 / 400 + 2 / 300])
    assert res.sites["ratio"].tolist() == pytest.approx([8 / 400, 2 / 300])


def test_2sfca_idle_site_and_its_warning():
    with pytest.warns(UserWarning, match="1 site.*no demand in reach.*g"):
        res = _od("2sfca", catchment=15)
    assert res.access.tolist() == pytest.approx([0.02, 0.02])
    assert list(res.idle_sites) == ["g"]
    assert res.sites.set_index("id").loc["g", "ratio"] == 0


def test_e2sfca_step_by_hand():
    res = _od("e2sfca", steps=STEPS)
    assert res.access.tolist() == pytest.approx([8 / 400, 8 / 400 + 0.5 * 2 / 150])


def test_3sfca_by_hand():
    # G_b = (2/3, 1/3); K = G w: a–h 1, b–h 2/3, b–g 1/6; D_h = 300, D_g = 50
    res = _od("3sfca", steps=STEPS)
    assert res.access.tolist() == pytest.approx([8 / 300, 2 / 3 * 8 / 300 + 1 / 6 * 2 / 50])


def test_huff2sfca_by_hand_and_conservation():
    # Prob_b = (8, 1) / 9; D_h = 100 + 300 · 8/9, D_g = 300 / 9
    r_h, r_g = 8 / (100 + 300 * 8 / 9), 2 / (300 / 9)
    res = _od("huff2sfca", steps=STEPS)
    assert res.access.tolist() == pytest.approx([r_h, 8 / 9 * r_h + 1 / 9 * r_g])
    assert res.points["population"] @ res.points["access"] == pytest.approx(10)


def test_unreachable_demand_gets_zero_and_is_reported():
    demand = pd.concat([DEMAND, pd.DataFrame({"id": ["far"], "population": [50.0]})], ignore_index=True)
    with pytest.warns(UserWarning, match=r"1 demand point.*11\.1% of the population.*far"):
        res = accessibility(demand, SUPPLY, od=OD, method="2sfca", catchment=25)
    assert res.access["far"] == 0 and not np.isnan(res.access).any()
    assert list(res.unreachable) == ["far"]
    assert res.summary()["unreachable_population"].iloc[0] == pytest.approx(50 / 450)


def test_decays():
    d = np.array([0.0, 0.5, 10.0, 10.5, 20.0, 30.0, 31.0])
    step = make_decay("step", steps="10:1,20:0.68,30:0.22")
    assert step(d).tolist() == [1, 1, 1, 0.68, 0.68, 0.22, 0]
    gauss = make_decay("gaussian", catchment=30)
    e = math.exp(-0.5)
    assert gauss(d) == pytest.approx([(math.exp(-0.5 * (x / 30) ** 2) - e) / (1 - e) if x <= 30 else 0 for x in d])
    assert gauss(np.array([0.0, 30.0])).tolist() == pytest.approx([1, 0])
    power = make_decay("power", catchment=30, beta=1.5)
    assert power(d) == pytest.approx([1, 1, 10 ** -1.5, 10.5 ** -1.5, 20 ** -1.5, 30 ** -1.5, 0])
    expo = make_decay("exponential", catchment=30, beta=0.1)
    assert expo(d) == pytest.approx([math.exp(-0.1 * x) if x <= 30 else 0 for x in d])
    assert make_decay("step", steps="10:1,20:0.68,30:0.22", catchment=15).steps == ((10, 1), (15, 0.68))


@pytest.mark.parametrize("kind, kw, match", [
    ("gaussian", {}, "needs a catchment"),
    ("power", {"catchment": 30}, "beta > 0"),
    ("step", {"steps": "10:1,5:0.5"}, "increasing"),
    ("step", {"steps": "10:1.5"}, r"\[0, 1\]"),
    ("step", {"steps": "ten:1"}, "bound:weight"),
    ("gaussian", {"catchment": 30, "beta": 1}, "not of gaussian"),
    ("cubic", {"catchment": 30}, "decay must be one of"),
])
def test_bad_decays(kind, kw, match):
    with pytest.raises(ValueError, match=match):
        make_decay(kind, **kw)


def test_great_circle():
    assert great_circle(0, 0, 1, 0) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)
    # Beijing (Tiananmen) – Shanghai (People's Square): about 1,067 km
    assert great_circle(116.3975, 39.9087, 121.4737, 31.2304) == pytest.approx(1067, abs=3)
    assert great_circle(10, 20, 10, 20) == 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), reach=st.floats(1, 400))
def test_sparse_pairs_are_the_brute_force_pairs(seed, reach):
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(100, 106, 80), rng.uniform(25, 31, 80)
    slon, slat = rng.uniform(100, 106, 15), rng.uniform(25, 31, 15)
    pairs = GreatCircle(unit_vectors(lon, lat), unit_vectors(slon, slat), reach).pairs()
    full = great_circle(lon[:, None], lat[:, None], slon[None], slat[None])
    i, j = np.nonzero(full <= reach)
    order = np.lexsort((pairs.j, pairs.i))
    assert (pairs.i[order].tolist(), pairs.j[order].tolist()) == (i.tolist(), j.tolist())
    assert pairs.cost[order] == pytest.approx(full[i, j], abs=1e-9)


def _random(seed, n=120, m=12):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"id": np.arange(n), "population": rng.integers(0, 5000, n).astype(float),
                           "lon": rng.uniform(103, 105, n), "lat": rng.uniform(29, 31, n)})
    supply = pd.DataFrame({"id": [f"s{k}" for k in range(m)], "capacity": rng.integers(0, 300, m).astype(float),
                           "lon": rng.uniform(103, 105, m), "lat": rng.uniform(29, 31, m)})
    return demand, supply


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(["2sfca", "e2sfca", "3sfca", "huff2sfca"]),
       catchment=st.floats(20, 200))
def test_conservation_and_bounds(seed, method, catchment):
    demand, supply = _random(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = accessibility(demand, supply, method=method, catchment=catchment)
    a = res.points["access"].to_numpy()
    assert (a >= 0).all() and np.isfinite(a).all()
    served = res.sites["n_demand"] > 0
    total = res.points["population"] @ a
    if method == "huff2sfca" or (method == "2sfca" and served.all()):
        assert total == pytest.approx(res.sites.loc[served, "capacity"].sum(), rel=1e-9)
    else:  # Σ P A = Σ R D holds for every method
        assert total == pytest.approx(res.sites["ratio"] @ res.sites["demand_potential"], rel=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), factor=st.floats(0.01, 100))
def test_scaling_capacity_scales_access(seed, factor):
    demand, supply = _random(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = accessibility(demand, supply, method="huff2sfca", catchment=80).access
        b = accessibility(demand, supply.assign(capacity=supply["capacity"] * factor), method="huff2sfca",
                          catchment=80).access
    assert b.to_numpy() == pytest.approx(a.to_numpy() * factor, rel=1e-9, abs=1e-15)


def test_chunks_and_engines_give_identical_results():
    demand, supply = _random(7, n=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = accessibility(demand, supply, method="3sfca", catchment=60)
        serial = accessibility(demand, supply, method="3sfca", catchment=60, chunk_size=37)
        pooled = accessibility(demand, supply, method="3sfca", catchment=60, chunk_size=37,
                               engine="processes", workers=2)
    assert serial.access.to_numpy() == pytest.approx(whole.access.to_numpy(), rel=1e-12)
    assert np.array_equal(serial.access.to_numpy(), pooled.access.to_numpy())


def test_coordinates_and_od_agree():
    demand, supply = _random(3, n=60, m=8)
    full = great_circle(demand["lon"].to_numpy()[:, None], demand["lat"].to_numpy()[:, None],
                        supply["lon"].to_numpy()[None], supply["lat"].to_numpy()[None])
    od = pd.DataFrame({"origin": np.repeat(demand["id"], len(supply)), "destination": np.tile(supply["id"], len(demand)),
                       "cost": full.ravel()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = accessibility(demand, supply, method="e2sfca", catchment=70).access
        b = accessibility(demand[["id", "population"]], supply[["id", "capacity"]], od=od, method="e2sfca",
                          catchment=70).access
    assert b.to_numpy() == pytest.approx(a.to_numpy(), rel=1e-9)


def test_tiers_are_measured_separately():
    supply = SUPPLY.assign(level=["hospital", "primary"])
    with pytest.warns(UserWarning, match="1 demand point.*'a'/'primary'"):
        res = accessibility(DEMAND, supply, od=OD, method="2sfca", catchment={"hospital": 25, "primary": 25},
                            tier="level")
    assert res.to_frame()[["id", "tier", "access"]].values.tolist() == [
        ["a", "hospital", pytest.approx(0.02)], ["b", "hospital", pytest.approx(0.02)],
        ["a", "primary", 0.0], ["b", "primary", pytest.approx(2 / 300)]]
    assert res.summary()["tier"].tolist() == ["hospital", "primary"]


def test_equity_of_accessibility():
    res = _od("2sfca", catchment=25)
    row = res.summary(threshold=0.025).iloc[0]
    a, p = np.array([0.02, 0.02 + 2 / 300]), np.array([100, 300])
    mean = a @ p / p.sum()
    assert row["mean"] == pytest.approx(mean)
    gini = (p[:, None] * p[None] * np.abs(a[:, None] - a[None])).sum() / (2 * p.sum() ** 2 * mean)
    assert row["gini"] == pytest.approx(gini)
    assert row["share_below"] == pytest.approx(0.25)
    assert row["theil_t"] == pytest.approx((p / p.sum() * a / mean * np.log(a / mean)).sum())


def test_figure_and_excel(tmp_path):
    demand, supply = _random(5, n=50, m=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = accessibility(demand, supply, method="e2sfca", catchment=80)
    fig = res.plot()
    assert fig.axes[0].get_title() == "Accessibility (E2SFCA)"  # as the literature writes the method
    path = res.to_excel(tmp_path / "access.xlsx")
    with pd.ExcelFile(path) as book:  # closed here, not at a later garbage collection
        assert book.sheet_names == ["access", "sites", "summary"]
    with pytest.raises(ValueError, match="coordinates"):
        _od("2sfca", catchment=25).plot()


@pytest.mark.parametrize("change, match", [
    (lambda d, s: (d.assign(population=[-1, 300]), s), r"population must be finite numbers ≥ 0; not at id 'a' \(-1\)"),
    (lambda d, s: (d.assign(id=["a", "a"]), s), "demand: repeated id a; ids must be unique"),
    (lambda d, s: (d, s.assign(capacity=["8", "x"])), r"capacity must be finite numbers ≥ 0; not at id 'g' \('x'\)"),
    (lambda d, s: (d.rename(columns={"population": "pop"}), s), "unknown column 'population'"),
    (lambda d, s: (d.assign(lon=[200, 104], lat=[30, 30]), s), r"lon must lie in \[−180, 180\]"),
])
def test_bad_tables(change, match):
    demand = DEMAND.assign(lon=[104.0, 104.1], lat=[30.0, 30.0])
    supply = SUPPLY.assign(lon=[104.0, 104.2], lat=[30.0, 30.0])
    d, s = change(demand, supply)
    with pytest.raises(DataError, match=match):
        accessibility(d, s, method="2sfca", catchment=30)


def test_bad_od_and_methods():
    with pytest.warns(UserWarning, match="destination id 'x' is not in the supply table; its rows are left out"):
        res = accessibility(DEMAND, SUPPLY, od=pd.concat([OD, pd.DataFrame({"origin": ["a"], "destination": ["x"],
                                                                           "cost": [1.0]})]), catchment=25)
    assert res.access.tolist() == pytest.approx([0.02, 0.02 + 2 / 300])
    with pytest.raises(DataError, match="od: no row joins a demand id"), pytest.warns(UserWarning):
        accessibility(DEMAND, SUPPLY, od=OD.assign(origin=OD["destination"], destination=OD["origin"]),
                      catchment=25)
    with pytest.raises(DataError, match="repeated origin–destination pairs a→h"):
        accessibility(DEMAND, SUPPLY, od=pd.concat([OD, OD.iloc[:1]]), catchment=25)
    with pytest.raises(ValueError, match="method must be one of"):
        _od("4sfca", catchment=25)
    with pytest.raises(ValueError, match="2sfca counts every pair.*use method e2sfca"):
        _od("2sfca", catchment=25, decay="gaussian")
    with pytest.raises(ValueError, match="2sfca needs a catchment"):
        _od("2sfca")


@pytest.mark.parametrize("method", ["2sfca", "e2sfca", "3sfca"])
def test_against_pysal_access(method):
    """PySAL access on the same pairs (it has no Huff-2SFCA); skipped where it is not installed."""
    access = pytest.importorskip("access")
    demand, supply = _random(12, n=300, m=20)
    kw = {"catchment": 60} if method == "2sfca" else {"steps": "20:1,40:0.68,60:0.22"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = accessibility(demand, supply, method=method, **kw).access
    full = great_circle(demand["lon"].to_numpy()[:, None], demand["lat"].to_numpy()[:, None],
                        supply["lon"].to_numpy()[None], supply["lat"].to_numpy()[None])
    i, j = np.nonzero(full <= 60)
    cost = pd.DataFrame({"origin": demand["id"].to_numpy()[i], "dest": supply["id"].to_numpy()[j],
                         "cost": full[i, j]})
    acc = access.Access(demand_df=demand, demand_index="id", demand_value="population", supply_df=supply,
                        supply_index="id", supply_value="capacity", cost_df=cost, cost_origin="origin",
                        cost_dest="dest", cost_name="cost")
    step = access.weights.step_fn({20: 1, 40: 0.68, 60: 0.22})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "2sfca":
            theirs = acc.two_stage_fca(max_cost=60)
        elif method == "e2sfca":
            theirs = acc.enhanced_two_stage_fca(max_cost=60, weight_fn=step)
        else:
            theirs = acc.three_stage_fca(max_cost=60, weight_fn=step)
    theirs = theirs.iloc[:, 0].reindex(demand["id"]).fillna(0).to_numpy()
    assert ours.to_numpy() == pytest.approx(theirs, rel=1e-9, abs=1e-15)


def test_every_method_has_its_written_name():
    from healthalloc.access.fca import METHODS
    from healthalloc.access.result import METHOD_NAMES

    assert set(METHOD_NAMES) == set(METHODS)
