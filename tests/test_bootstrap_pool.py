"""The bootstrap's batched LPs (``bootstrap.pseudo_scores``): every unit's score against the
pooled frontier equals plain DEA against the whole pseudo-sample; HiGHS takes over what the
simplex does not certify; the engine does not change a number; the 12 hospitals give the
published bias-corrected mean."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.data import load_cst_hospitals
from healthalloc.efficiency import bootstrap, dea_bootstrap, models

RTS_ORIENTATION = [(r, o) for r in ("crs", "vrs", "nirs", "ndrs") for o in ("input", "output")]


def pseudo_samples(X, Y, drawn, orientation):
    """The replications' pseudo-data as ``bootstrap._replicate_chunk`` builds them, from the
    drawn distances ``drawn`` (b × n, ≥ 1) and the units' own DEA distances."""
    score = models.radial(X, Y, X, Y, rts="vrs", orientation=orientation, slacks=False).score
    dist = 1 / score if orientation == "input" else score
    b = len(drawn)
    if orientation == "input":
        return X * (drawn / dist)[:, :, None], np.broadcast_to(Y, (b, *Y.shape))
    return np.broadcast_to(X, (b, *X.shape)), Y * (dist / drawn)[:, :, None]


def plain(X, Y, Xp, Yp, rts, orientation):
    """Independent computation: HiGHS DEA of the units against each whole pseudo-sample."""
    return np.stack([models.radial(X, Y, Xp[r], Yp[r], rts=rts, orientation=orientation, slacks=False).score
                     for r in range(len(Xp))])


@st.composite
def problems(draw):
    n = draw(st.integers(2, 25))
    m, s = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 10, (n, m))
    Y = rng.uniform(0, 10, (n, s))
    if draw(st.booleans()):  # ties and repeated units: degenerate LPs
        X, Y = X.round(0), Y.round(0)
        X[n // 2 :] = X[: n - n // 2]
    Y[Y.sum(axis=1) == 0, 0] = 1.0  # outputs ≥ 0, not all zero
    drawn = 1 + np.abs(rng.normal(0, 0.3, (draw(st.integers(1, 3)), n)))
    rts, orientation = draw(st.sampled_from(RTS_ORIENTATION))
    return X, Y, drawn, rts, orientation, draw(st.sampled_from([0, bootstrap.WHOLE_POOL]))


@settings(max_examples=150, deadline=None)
@given(problems())
def test_pooled_scores_equal_dea_against_the_whole_pseudo_sample(problem):
    """Property, tolerance 1e-8: with the screened pool (``WHOLE_POOL = 0``) or the whole
    pseudo-sample as the pool, on any returns to scale and orientation, with ties."""
    X, Y, drawn, rts, orientation, whole_pool = problem
    Xp, Yp = pseudo_samples(X, Y, drawn, orientation)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bootstrap, "WHOLE_POOL", whole_pool)
        got = bootstrap.pseudo_scores(X, Y, Xp, Yp, rts=rts, orientation=orientation)
    np.testing.assert_allclose(got, plain(X, Y, Xp, Yp, rts, orientation), rtol=0, atol=1e-8)


def synthetic(n: int, seed: int = 20240917):
    """2 inputs U(1, 100), 2 outputs √x·exp(−|N(0, 0.3)|) (the data of benchmarks/dea_speed.py)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.0, 100.0, (n, 2))
    return X, np.sqrt(X) * np.exp(-np.abs(rng.normal(0.0, 0.3, (n, 2))))


@pytest.mark.parametrize("rts, orientation", [("vrs", "input"), ("vrs", "output"), ("crs", "input")])
def test_screened_pool_grows_to_the_whole_frontier(rts, orientation):
    """300 units (above ``WHOLE_POOL``, so the random-weight screen starts the pool and
    twins outside it join it), 3 replications: equal to HiGHS on every pseudo-unit to 1e-8."""
    X, Y = synthetic(300)
    drawn = 1 + np.abs(np.random.default_rng(1).normal(0, 0.1, (3, 300)))
    Xp, Yp = pseudo_samples(X, Y, drawn, orientation)
    got = bootstrap.pseudo_scores(X, Y, Xp, Yp, rts=rts, orientation=orientation)
    np.testing.assert_allclose(got, plain(X, Y, Xp, Yp, rts, orientation), rtol=0, atol=1e-8)


@pytest.mark.parametrize("lever, value", [("FEASIBILITY_TOL", -np.inf), ("BATCHED_UNITS", 0)])
def test_highs_gives_the_simplex_numbers(monkeypatch, lever, value):
    """HiGHS solves the LPs the simplex does not certify (a feasibility tolerance of −∞
    certifies none) and every LP above ``BATCHED_UNITS`` units: the replicates agree with
    the batched simplex's to 1e-10."""
    df = pd.DataFrame(np.c_[synthetic(40)], columns=["x1", "x2", "y1", "y2"])
    simplex = dea_bootstrap(df, ["x1", "x2"], ["y1", "y2"], rts="vrs", n_boot=20, seed=4).replicates
    monkeypatch.setattr(bootstrap, lever, value)
    highs = dea_bootstrap(df, ["x1", "x2"], ["y1", "y2"], rts="vrs", n_boot=20, seed=4).replicates
    np.testing.assert_allclose(highs, simplex, rtol=0, atol=1e-10)


def test_processes_give_the_serial_numbers():
    """A seed gives identical replicates (bit for bit) serially and on two processes, over
    several tasks of ``REPLICATIONS_PER_TASK``."""
    df = load_cst_hospitals()
    kw = dict(unit="hospital", rts="vrs", n_boot=2 * bootstrap.REPLICATIONS_PER_TASK + 30, seed=9)
    io = (["doctors", "nurses"], ["outpatients", "inpatients"])
    serial = dea_bootstrap(df, *io, **kw)
    pooled = dea_bootstrap(df, *io, **kw, engine="processes", workers=2)
    np.testing.assert_array_equal(pooled.replicates, serial.replicates)


def test_hospitals_bias_corrected_mean_as_published():
    """Cooper, Seiford & Tone's 12 hospitals, VRS input, 2,000 replications, seed 1: the
    mean bias-corrected efficiency 0.9204 that issue 22 reports for healthalloc before the
    batched LPs (the random stream is unchanged, so to 1e-4), and R
    ``Benchmarking::dea.boot``'s 0.9202 from the same issue within Monte Carlo error (0.002)."""
    res = dea_bootstrap(load_cst_hospitals(), ["doctors", "nurses"], ["outpatients", "inpatients"],
                        unit="hospital", rts="vrs", n_boot=2000, seed=1)
    assert res.bias_corrected.mean() == pytest.approx(0.9204, abs=1e-4)
    assert res.bias_corrected.mean() == pytest.approx(0.9202, abs=0.002)
