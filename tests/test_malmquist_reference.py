"""Global (Pastor & Lovell 2005), sequential (Shestalova 2003) and biennial (Pastor, Asmild &
Lovell 2011) Malmquist indices.

Reference: every distance computed here independently, one input-oriented CRS/VRS LP per
unit with ``scipy.optimize.linprog`` on the pooled data (deaR's ``malmquist_index(type1 =
"glob" | "seq")`` solves the same LPs; it has no biennial index), on deaR's ``EconomyLong`` panel (Wang & Lan 2011:
31 Chinese provinces' industry, 2005–2009; ``tests/reference/efficiency/``). Tolerance
1e-6 (relative): two LP solvers at their default tolerances.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from healthalloc.efficiency import malmquist

ECONOMY = Path(__file__).parent / "reference" / "efficiency" / "economy_wang_lan_2011.csv"
INPUTS, OUTPUTS = ["capital", "labor"], ["giov"]
RTOL = 1e-6


@pytest.fixture(scope="module")
def economy():
    return pd.read_csv(ECONOMY)


def theta(x0, y0, X, Y, vrs=False):
    """Farrell input efficiency of (x0, y0) against the technology of the rows of X, Y:
    min θ s.t. Xᵀλ ≤ θx0, Yᵀλ ≥ y0, λ ≥ 0 (Σλ = 1 under VRS)."""
    n = len(X)
    c = np.r_[1.0, np.zeros(n)]
    A = np.vstack([np.c_[-x0[:, None], X.T], np.c_[np.zeros((len(y0), 1)), -Y.T]])
    b = np.r_[np.zeros(len(x0)), -y0]
    eq = dict(A_eq=np.r_[0.0, np.ones(n)][None], b_eq=[1.0]) if vrs else {}
    res = linprog(c, A_ub=A, b_ub=b, **eq, bounds=[(None, None)] + [(0, None)] * n, method="highs")
    assert res.status == 0
    return res.x[0]


def cube(df):
    years = sorted(df["year"].unique())
    panel = [df[df["year"] == t].set_index("province") for t in years]
    units = panel[0].index
    return (years, units, np.stack([p.loc[units, INPUTS].to_numpy(float) for p in panel]),
            np.stack([p.loc[units, OUTPUTS].to_numpy(float) for p in panel]))


def test_global_index_against_pooled_lps(economy):
    res = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference="global")
    years, units, X, Y = cube(economy)
    T, n = X.shape[:2]
    pooled_x, pooled_y = X.reshape(-1, 2), Y.reshape(-1, 1)
    glob = np.array([[theta(X[t, i], Y[t, i], pooled_x, pooled_y) for i in range(n)] for t in range(T)])
    own = np.array([[theta(X[t, i], Y[t, i], X[t], Y[t]) for i in range(n)] for t in range(T)])
    ind = res.indices
    np.testing.assert_allclose(ind["tfpch"], (glob[1:] / glob[:-1]).ravel(), rtol=RTOL)
    np.testing.assert_allclose(ind["effch"], (own[1:] / own[:-1]).ravel(), rtol=RTOL)
    np.testing.assert_allclose(ind["techch"], ((glob[1:] / own[1:]) / (glob[:-1] / own[:-1])).ravel(), rtol=RTOL)
    np.testing.assert_allclose(res.distances["crs_te_global"], glob.ravel(), rtol=RTOL)
    # circular: the index from s to u (pooled LPs) is the product of the adjacent indices
    chained = res.cumulative().set_index(["unit", "period"])["tfpch"]
    for s, u in [(0, 2), (1, 4), (0, 4)]:
        direct = glob[u] / glob[s]
        product = (chained.xs(years[u], level="period") / chained.xs(years[s], level="period"))
        np.testing.assert_allclose(product.loc[units], direct, rtol=RTOL)
    assert (res.distances["crs_te_global"] <= 1 + 1e-9).all()


def test_sequential_index_against_pooled_lps(economy):
    res = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference="sequential")
    years, units, X, Y = cube(economy)
    T, n = X.shape[:2]

    def seq(data_t, front_t, vrs=False):  # data of period data_t against all data up to front_t
        Xr, Yr = X[:front_t + 1].reshape(-1, 2), Y[:front_t + 1].reshape(-1, 1)
        return np.array([theta(X[data_t, i], Y[data_t, i], Xr, Yr, vrs) for i in range(n)])

    for t in range(T - 1):
        rows = res.indices[res.indices["period_from"] == years[t]]
        a, b = seq(t, t), seq(t + 1, t + 1)
        cross_ab, cross_ba = seq(t + 1, t), seq(t, t + 1)
        np.testing.assert_allclose(rows["effch"], b / a, rtol=RTOL)
        np.testing.assert_allclose(rows["techch"], np.sqrt(cross_ab / b * a / cross_ba), rtol=RTOL)
        np.testing.assert_allclose(rows["pech"], seq(t + 1, t + 1, True) / seq(t, t, True), rtol=RTOL)
    # the sequential frontier never moves back: no technical regress
    assert (res.indices["techch"] >= 1 - 1e-9).all()


def test_biennial_index_against_pooled_lps(economy):
    res = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference="biennial")
    years, units, X, Y = cube(economy)
    T, n = X.shape[:2]
    own = np.array([[theta(X[t, i], Y[t, i], X[t], Y[t]) for i in range(n)] for t in range(T)])
    for t in range(T - 1):
        Xb, Yb = X[t:t + 2].reshape(-1, 2), Y[t:t + 2].reshape(-1, 1)
        start = np.array([theta(X[t, i], Y[t, i], Xb, Yb) for i in range(n)])
        end = np.array([theta(X[t + 1, i], Y[t + 1, i], Xb, Yb) for i in range(n)])
        rows = res.indices[res.indices["period_from"] == years[t]]
        np.testing.assert_allclose(rows["tfpch"], end / start, rtol=RTOL)
        np.testing.assert_allclose(rows["effch"], own[t + 1] / own[t], rtol=RTOL)
        np.testing.assert_allclose(rows["techch"], (end / own[t + 1]) / (start / own[t]), rtol=RTOL)
        dist = res.distances.set_index(["period", "unit"])
        np.testing.assert_allclose(dist.loc[years[t], "crs_te_biennial_next"].loc[units], start, rtol=RTOL)
        np.testing.assert_allclose(dist.loc[years[t + 1], "crs_te_biennial_prev"].loc[units], end, rtol=RTOL)
    assert res.distances.loc[res.distances["period"] == 2005, "crs_te_biennial_prev"].isna().all()


def test_two_periods_biennial_is_global(economy):
    two = economy[economy["year"].isin([2008, 2009])]
    glob = malmquist(two, INPUTS, OUTPUTS, unit="province", by="year", reference="global")
    bi = malmquist(two, INPUTS, OUTPUTS, unit="province", by="year", reference="biennial")
    pd.testing.assert_frame_equal(glob.indices, bi.indices, rtol=1e-9)


def test_contemporaneous_stays_the_default(economy):
    default = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year")
    named = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference="contemporaneous")
    pd.testing.assert_frame_equal(default.indices, named.indices)
    assert default.reference == "contemporaneous"


def test_first_period_sequential_equals_contemporaneous(economy):
    seq = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference="sequential")
    cont = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year")
    first = seq.distances["period"] == 2005
    np.testing.assert_allclose(seq.distances.loc[first, ["crs_te", "vrs_te"]],
                               cont.distances.loc[first, ["crs_te", "vrs_te"]], rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_global_index_is_circular(T, n, seed):
    """For any panel, the product of a unit's adjacent global indices is TE^G(last) / TE^G(first)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"unit": np.tile(np.arange(n), T), "t": np.repeat(np.arange(T), n),
                       "x1": rng.uniform(1, 10, T * n), "x2": rng.uniform(1, 10, T * n),
                       "y": rng.uniform(1, 10, T * n)})
    res = malmquist(df, ["x1", "x2"], ["y"], unit="unit", by="t", reference="global")
    product = res.indices.groupby("unit")["tfpch"].prod()
    te = res.distances.pivot(index="unit", columns="period", values="crs_te_global")
    np.testing.assert_allclose(product, te[T - 1] / te[0], rtol=1e-9)
    # and each global distance is the pooled LP's
    Xp, Yp = df[["x1", "x2"]].to_numpy(), df[["y"]].to_numpy()
    expected = [theta(Xp[k], Yp[k], Xp, Yp) for k in range(T * n)]
    np.testing.assert_allclose(res.distances["crs_te_global"], expected, rtol=RTOL)


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_same_numbers_on_every_engine(economy, engine):
    for reference in ("global", "sequential", "biennial"):
        serial = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference=reference)
        other = malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference=reference,
                          engine=engine, workers=2)
        pd.testing.assert_frame_equal(serial.indices, other.indices, check_exact=True)
        pd.testing.assert_frame_equal(serial.distances, other.distances, check_exact=True)


def test_bad_reference(economy):
    with pytest.raises(ValueError, match="reference must be one of"):
        malmquist(economy, INPUTS, OUTPUTS, unit="province", by="year", reference="pooled")


def test_sequential_needs_an_output_produced_earlier(economy):
    new = economy.assign(beds=np.where(economy["year"] >= 2007, 1.0, 0.0))
    with pytest.raises(ValueError, match=r"output 'beds' is zero for every unit in 2005, 2006 but not in 2007"):
        malmquist(new, INPUTS, ["giov", "beds"], unit="province", by="year", reference="sequential")
    # the global frontier holds every period's data: always feasible
    malmquist(new, INPUTS, ["giov", "beds"], unit="province", by="year", reference="global")


@pytest.mark.parametrize("reference", ["global", "sequential", "biennial"])
def test_orientation_leaves_the_crs_indices_unchanged(economy, reference):
    """Under CRS the output distance is the reciprocal of the input distance, so effch, techch and tfpch do not
    depend on the orientation (pech and sech, from VRS, do)."""
    kw = dict(unit="province", by="year", reference=reference)
    inp = malmquist(economy, INPUTS, OUTPUTS, **kw).indices
    out = malmquist(economy, INPUTS, OUTPUTS, orientation="output", **kw).indices
    cols = ["effch", "techch", "tfpch"]
    np.testing.assert_allclose(out[cols], inp[cols], rtol=RTOL)
