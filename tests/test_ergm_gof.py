"""Goodness of fit and simulation: distributions of known graphs, the sampler's stationary
means against exact expectations, reproducibility on every engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from matplotlib.figure import Figure

from healthalloc.mobility import network_from_edges
from healthalloc.mobility.ergm import Control, compare_models, ergm, gof, simulate
from healthalloc.mobility.ergm.gof import network_distributions


def load(name, directed):
    folder = reference("network")
    return network_from_edges(pd.read_csv(folder / f"{name}_edges.csv"), pd.read_csv(folder / f"{name}_nodes.csv"),
                              directed=directed)


def test_distributions_of_a_triangle_with_a_tail_and_an_isolate():
    A = np.zeros((5, 5), dtype=bool)
    for a, b in [(0, 1), (1, 2), (0, 2), (2, 3)]:
        A[a, b] = A[b, a] = True
    d = network_distributions(A, directed=False)
    assert d["degree"].tolist() == [1, 1, 2, 1]                      # degrees 0, 1, 2, 3
    assert d["espartners"].tolist() == [1, 3]                        # the tail has none, triangle ties one
    assert d["distance"].to_dict() == {1: 4, 2: 2, np.inf: 4}


def test_directed_distributions_use_outgoing_two_paths():
    A = np.zeros((3, 3), dtype=bool)
    A[0, 1] = A[1, 2] = A[0, 2] = True
    d = network_distributions(A, directed=True)
    assert d["idegree"].tolist() == [1, 1, 1] and d["odegree"].tolist() == [1, 1, 1]
    assert d["espartners"].tolist() == [2, 1]                        # only 0 → 2 has a partner (via 1)
    assert d["distance"].to_dict() == {1: 3, np.inf: 3}             # nothing leads back to 0


def test_sampler_matches_exact_expectations_of_a_dyad_independent_model():
    fit = ergm(load("florentine_marriage", False), "edges + nodecov('wealth')")
    sims = simulate(fit, 400, seed=2, chains=2, keep_networks=False)
    stats = sims.pooled()
    # E[edges] at the MLE equals the observed count (20): the sampler's mean within 4 MC SE
    assert abs(stats[:, 0].mean() - 20) < 4 * stats[:, 0].std() / np.sqrt(len(stats) / 2)
    assert abs(stats[:, 1].mean() - fit.model.stats(_state(fit))[1]) < 4 * stats[:, 1].std() / np.sqrt(len(stats) / 2)


def _state(fit):
    from healthalloc.mobility.ergm.terms import State

    return State(fit.model.observed.copy(), fit.model.directed)


def test_gof_is_reproducible_on_every_engine_and_plots():
    fit = ergm(load("sampson_samplk3", True), "edges + mutual", seed=1, control=Control(sample_size=256, bridges=0))
    a = gof(fit, 30, seed=4, chains=2)
    b = gof(fit, 30, seed=4, chains=2, engine="processes")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    table = a.to_frame()
    assert list(table["statistic"].unique()) == ["idegree", "odegree", "espartners", "distance"]
    assert table["p_value"].between(0, 1).all()
    assert (table["min"] <= table["mean"]).all() and (table["mean"] <= table["max"]).all()
    # monks name (mostly) three others: out-degree 3 is far above what edges + mutual spreads
    row = table[(table["statistic"] == "odegree") & (table["value"] == 3)].iloc[0]
    assert row["observed"] == 16 and row["observed"] > row["max"] and row["p_value"] == 0
    assert isinstance(a.plot(), Figure)
    assert set(a.summary()["statistic"]) == {"idegree", "odegree", "espartners", "distance"}


def test_to_excel_writes_the_tables_of_fit_model_table_and_gof(tmp_path):
    fit = ergm(load("florentine_marriage", False), "edges + nodecov('wealth')")
    for name, result in {"fit": fit, "models": compare_models({"m": fit}), "gof": gof(fit, 10, seed=1)}.items():
        sheets = pd.read_excel(result.to_excel(tmp_path / f"{name}.xlsx"), sheet_name=None)
        assert list(sheets) == list(result.tables())
        assert len(sheets[next(iter(sheets))]) == len(result.to_frame())
    assert list(fit.tables()) == ["coefficients", "fit"] and list(compare_models({"m": fit}).tables()) == ["models", "fit"]


def test_simulate_refuses_infinite_coefficients():
    with pytest.warns(UserWarning):
        fit = ergm(load("faux_mesa_high", False), "edges + nodematch('Race', diff=TRUE)")
    with pytest.raises(ValueError, match="nodematch.Race.Black"):
        simulate(fit, 5)
