"""Conditional randomization of local Moran's Iᵢ (healthalloc.spatial.crand): against
esda.Moran_Local at 9,999 permutations, against the exact moments of the conditional null,
seeding, chunking, islands, and no numba compilation in moran_local.

The draws are not esda's (numpy's default_rng instead of esda's numba stream), so p_sim
is compared in distribution: two independent Monte Carlo estimates of the same p differ
by less than BOUND_SE standard errors of a difference of binomial proportions,
4·sqrt(2·p̄(1 − p̄)/P), plus 2/(P + 1) for the discreteness of counts near p = 0.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from itertools import permutations

import numpy as np
import pandas as pd
import pytest

from healthalloc.data import DataError
from healthalloc.spatial import adjacency_weights, crand, moran_local
from healthalloc.spatial.crand import moran_local_crand, pseudo_p_value

P = 9_999
SIDE = 15  # a 15 × 15 rook lattice, 225 units
BOUND_SE = 4
ALPHA = 0.05


def rook_pairs(rows: int, cols: int) -> pd.DataFrame:
    """Neighbouring cells of a rows × cols rook lattice, numbered row by row."""
    pairs = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    pairs += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return pd.DataFrame(pairs, columns=["a", "b"])


def values(kind: str) -> np.ndarray:
    """Strong clustering (smooth surface, Moran's I ≈ 0.9) or none (independent noise)."""
    rng = np.random.default_rng(2024)
    n = SIDE * SIDE
    row, col = np.divmod(np.arange(n), SIDE)
    if kind == "clustered":
        return np.sin(row / 3) + np.cos(col / 4) + rng.normal(0, 0.3, n)
    return rng.normal(size=n)


@pytest.fixture(scope="module")
def lattice():
    return adjacency_weights(rook_pairs(SIDE, SIDE))


@pytest.fixture(scope="module", params=["clustered", "random"])
def case(request, lattice):
    """(ours, esda) on the same data and weights, 9,999 permutations each."""
    from esda import Moran_Local

    y = values(request.param)
    ours = moran_local(pd.DataFrame({"y": y}), "y", lattice, permutations=P, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # esda's note on `alternative`
        theirs = Moran_Local(y, lattice.w, transformation="r", permutations=P, seed=11)
    return ours, theirs


def test_Ii_and_quadrants_are_esdas(case):
    ours, theirs = case
    np.testing.assert_allclose(ours.Ii.to_numpy(), theirs.Is, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours.q.to_numpy(), theirs.q)


def test_p_sim_agrees_with_esda_within_monte_carlo_error(case):
    ours, theirs = case
    p = ours.p_sim.to_numpy()
    mean = (p + theirs.p_sim) / 2
    bound = BOUND_SE * np.sqrt(2 * mean * (1 - mean) / P) + 2 / (P + 1)
    assert (np.abs(p - theirs.p_sim) <= bound).all()
    counts = p * (P + 1)  # (larger + 1): whole numbers from 1
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-6)
    assert counts.min() > 0.5


def test_clusters_agree_with_esda_away_from_alpha(case):
    ours, theirs = case
    far = np.abs(theirs.p_sim - ALPHA) > BOUND_SE * np.sqrt(2 * ALPHA * (1 - ALPHA) / P)
    assert far.mean() > 0.8
    labels = np.where(theirs.p_sim < ALPHA, ours.quadrant.to_numpy(), "not significant")
    np.testing.assert_array_equal(ours.cluster.to_numpy()[far], labels[far])


def small_graph() -> tuple[np.ndarray, np.ndarray]:
    """8 units, unequal weights: unit 0 linked to all others (its draws are all of them, so
    Var[I₀*] = 0), units 1–7 in a ring. With n this small, drawing with replacement or
    from all n units instead of the other n − 1 moves the moments far beyond their error."""
    rng = np.random.default_rng(5)
    W = np.zeros((8, 8))
    W[0, 1:] = W[1:, 0] = 1.0
    for i in range(1, 8):
        W[i, i % 7 + 1] = W[i % 7 + 1, i] = 1.0
    return W * rng.uniform(0.5, 2, W.shape), rng.normal(size=8)


@pytest.mark.parametrize("self_weight", [0.0, 0.5])
@pytest.mark.parametrize("graph", ["lattice", "small"])
def test_reference_moments_are_the_exact_conditional_moments(lattice, graph, self_weight):
    """Sampling kᵢ of the other N = n − 1 values (mean μᵢ = −zᵢ/N, variance σᵢ²) without
    replacement: E[Iᵢ*] = S zᵢ (wᵢᵢ zᵢ + wᵢ μᵢ), Var[Iᵢ*] = (S zᵢ)² σᵢ² (N Σⱼwᵢⱼ² − wᵢ²)/(N − 1),
    with wᵢ = Σⱼ≠ᵢ wᵢⱼ and S = (n − 1)/Σz². The mean is checked to 4 standard errors, the
    variance to 8 % (4 standard errors of a variance of 9,999 draws with kurtosis ≤ 5)."""
    if graph == "lattice":
        W, y = lattice.w.full()[0], values("clustered")
    else:
        W, y = small_graph()
    z = (y - y.mean()) / y.std()
    n, N = len(z), len(z) - 1
    W = W + self_weight * np.eye(n)
    S = (n - 1) / (z @ z)
    Ii = S * z * (W @ z)
    ref = moran_local_crand(z, W, Ii, P, seed=3)
    off = W - np.diag(np.diag(W))
    wi, wi2 = off.sum(axis=1), (off**2).sum(axis=1)
    mu = -z / N
    var_z = (z @ z - z**2) / N - mu**2
    mean = S * z * (self_weight * z + wi * mu)
    var = (S * z) ** 2 * var_z * (N * wi2 - wi**2) / (N - 1)
    assert (np.abs(ref.EI_sim - mean) <= BOUND_SE * np.sqrt(var / P) + 1e-12).all()
    np.testing.assert_allclose(ref.seI_sim**2, var, rtol=0.08, atol=1e-12)


def test_p_sim_estimates_the_exact_p_value_of_a_small_graph_ties_included():
    """A path of 12 units plus the link 0–5 (kᵢ = 1, 2 or 3): every ordered kᵢ-tuple of
    the other 11 units is one equally likely draw, so the exact p-value is enumerable. One
    tuple in C(11, kᵢ) is the observed neighbourhood (1 in 11 for the path's ends): these
    ties count on both sides, however the floating-point sums are ordered."""
    n = 12
    W = np.zeros((n, n))
    for a, b in [(i, i + 1) for i in range(n - 1)] + [(0, 5)]:
        W[a, b] = W[b, a] = 1.0
    W /= W.sum(axis=1, keepdims=True)
    y = np.random.default_rng(7).normal(size=n)
    z = (y - y.mean()) / y.std()
    S = (n - 1) / (z @ z)
    Ii = (n - 1) * z * (W @ z) / (z @ z)  # as esda computes it, not as the draws are
    ref = moran_local_crand(z, W, Ii, P, seed=2)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        w = W[i, W[i] > 0]
        draws = np.array([S * z[i] * (w @ z[list(t)]) for t in permutations(others, len(w))])
        tie = np.isclose(draws, Ii[i], rtol=1e-9, atol=0)
        p = min(((draws > Ii[i]) | tie).mean(), ((draws < Ii[i]) | tie).mean())
        expected = (P * p + 1) / (P + 1)
        assert abs(ref.p_sim[i] - expected) <= BOUND_SE * np.sqrt(p * (1 - p) / P) + 1 / (P + 1)


def test_pseudo_p_value_is_esdas_rule_on_esdas_own_draws(case):
    _, theirs = case
    np.testing.assert_array_equal(pseudo_p_value(theirs.sim.T, theirs.Is), theirs.p_sim)
    ties = np.zeros((1, 9))
    assert pseudo_p_value(ties, [0.0])[0] == 1  # esda: 1/10, "significant"


def test_seeded_reproducible_and_leaves_numpy_alone(lattice):
    y = values("random")
    n = SIDE * SIDE
    two = pd.DataFrame({"unit": np.tile(np.arange(n), 2), "t": np.repeat([1, 2], n),
                        "y": np.r_[y, values("clustered")]})
    np.random.seed(1)
    before = np.random.get_state()[1].copy()
    a = moran_local(two, "y", lattice, unit="unit", by="t", permutations=99, seed=5)
    b = moran_local(two, "y", lattice, unit="unit", by="t", permutations=99, seed=5)
    c = moran_local(two, "y", lattice, unit="unit", by="t", permutations=99, seed=6)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    pd.testing.assert_series_equal(a.p_sim, b.p_sim)
    pd.testing.assert_series_equal(a.z_sim, b.z_sim)
    assert not a.p_sim.equals(c.p_sim)
    one = moran_local(two[two.t == 2], "y", lattice, unit="unit", permutations=99, seed=5)
    np.testing.assert_array_equal(one.p_sim.to_numpy(), a.p_sim.xs(2, level="t").to_numpy())


def test_chunks_do_not_change_the_result(lattice, monkeypatch):
    y = values("clustered")
    z = (y - y.mean()) / y.std()
    W = lattice.w.sparse
    Ii = (len(z) - 1) / (z @ z) * z * (W @ z)
    whole = moran_local_crand(z, W, Ii, 199, seed=8)
    monkeypatch.setattr(crand, "CHUNK", 1)  # one unit at a time
    chunked = moran_local_crand(z, W, Ii, 199, seed=8)
    np.testing.assert_array_equal(chunked.p_sim, whole.p_sim)
    np.testing.assert_allclose(chunked.EI_sim, whole.EI_sim, rtol=1e-12)
    np.testing.assert_allclose(chunked.seI_sim, whole.seI_sim, rtol=1e-12)


def test_an_island_has_no_reference_distribution():
    """Unit 3 has no neighbour: Iᵢ = 0 and every draw is 0, so p_sim = 1 and z_sim is NaN
    (esda counts the ties on one side only and reports 1/(P + 1))."""
    W = np.zeros((4, 4))
    W[0, 1] = W[1, 0] = W[1, 2] = W[2, 1] = 1.0
    W = W / np.maximum(W.sum(axis=1, keepdims=True), 1)
    z = np.array([-1.2, -0.4, 0.3, 1.3])
    z = (z - z.mean()) / z.std()
    Ii = 3 / (z @ z) * z * (W @ z)
    ref = moran_local_crand(z, W, Ii, 99, seed=1)
    assert ref.p_sim[3] == 1 and ref.EI_sim[3] == 0 and ref.seI_sim[3] == 0
    assert np.isnan(ref.z_sim[3]) and np.isfinite(ref.z_sim[:3]).all()


def test_moran_local_leaves_dropped_islands_out_and_refuses_a_w_with_islands():
    pairs = rook_pairs(3, 3)
    y = pd.DataFrame({"unit": range(10), "y": np.arange(10.0) ** 1.5})  # unit 9: no neighbour
    with pytest.warns(UserWarning, match="islands='drop'"):
        dropped = adjacency_weights(pairs, ids=range(10), islands="drop")
    res = moran_local(y, "y", dropped, unit="unit", permutations=99, seed=1)
    assert list(res.p_sim.index) == list(range(9)) and res.p_sim.notna().all()
    from libpysal.weights import W as PysalW

    w = PysalW({i: [] for i in range(10)} | adjacency_weights(pairs).w.neighbors,
               silence_warnings=True)
    with pytest.raises(DataError, match="units 9 have no neighbour"):
        moran_local(y, "y", w, unit="unit")


def test_bad_arguments_are_named():
    z = np.array([-1.0, 0.0, 1.0])
    W = np.ones((3, 3)) - np.eye(3)
    with pytest.raises(ValueError, match="permutations must be ≥ 1"):
        moran_local_crand(z, W, z, 0)
    with pytest.raises(ValueError, match=r"weights of shape \(3, 3\) and 3 values of Ii"):
        moran_local_crand(z, W[:2], z, 9)


def test_moran_local_compiles_no_numba_in_a_fresh_process():
    code = """
import numpy as np, pandas as pd
from libpysal.weights import lat2W
from healthalloc.spatial import moran_local
from esda import crand
df = pd.DataFrame({"y": np.random.default_rng(0).normal(size=25)})
moran_local(df, "y", lat2W(5, 5), seed=1)
print(sum(len(f.signatures) for f in vars(crand).values() if hasattr(f, "signatures")))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "0"
