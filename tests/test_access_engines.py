"""Accessibility on a Dask cluster gives the same numbers as in this process (chunks fixed
by chunk_size; a one-worker LocalCluster, started for the call)."""

from __future__ import annotations

import warnings

import numpy as np
from test_access_fca import _random

from healthalloc.access import accessibility


def test_dask_engine_gives_identical_results():
    demand, supply = _random(7, n=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        here = accessibility(demand, supply, method="huff2sfca", catchment=60, chunk_size=37)
        there = accessibility(demand, supply, method="huff2sfca", catchment=60, chunk_size=37, engine="dask",
                              workers=1)
    assert np.array_equal(here.access.to_numpy(), there.access.to_numpy())
    assert np.array_equal(here.sites["ratio"].to_numpy(), there.sites["ratio"].to_numpy())
