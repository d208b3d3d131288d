"""Readings, messages and model tables write numbers by the one rule of ``report/tables.py``:
p-values ``p < 0.001`` / ``p = 0.042``, indices at three decimals, amounts and counts with
thousands separators, coefficients in significant digits, never scientific notation; and
messages name embedded places instead of their GeoNames ids."""

from __future__ import annotations

import re
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_ergm_reference import load
from test_ergm_scales import logit

from healthalloc.access import accessibility, place_namer
from healthalloc.data import load_china_provinces
from healthalloc.data.datasets import load_china_cities, load_synthetic_facilities
from healthalloc.mobility import fit_networks
from healthalloc.mobility.ergm import compare_models, ergm
from healthalloc.optimize import optimize_capacity
from healthalloc.report.tables import NOISE, format_amount
from healthalloc.spatial import province_weights, spatial_markov

SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


@given(st.integers(-10 ** 12, 10 ** 12))
def test_a_whole_amount_reads_as_a_count(n):
    assert format_amount(float(n)) == f"{n:,}"  # Python's own thousands separators


@given(st.floats(-1e12, 1e12, allow_nan=False))
def test_an_amount_is_never_scientific_and_reads_back_to_three_decimals(x):
    text = format_amount(x)
    assert not SCIENTIFIC.search(text) and not text.endswith((".", "0.0"))
    # within the three decimals, or within the solver noise relative to its size (NOISE)
    assert float(text.replace(",", "")) == pytest.approx(x, abs=5e-4 + NOISE * abs(x))


def test_markov_homogeneity_tests_read_p_by_the_rule():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Hainan's nearest neighbour
        res = spatial_markov(load_china_provinces(), "beds_per_1000_people", province_weights(), by="year",
                             unit="province_code")
    line = str(res).splitlines()[-1]
    # giddy's own p-values, written independently: three decimals, or "< 0.001" below it
    for p in (res.Q_p_value, res.LR_p_value):
        assert (f"(p = {p:.3f})" if p >= 0.001 else "(p < 0.001)") in line, line
    assert f"Q = {res.Q:,.3f}" in line and ".0000" not in line


def test_model_tables_give_fit_statistics_thousands_separators():
    """Seed 003's Table 3 prints AIC 56941.7975 and BIC 57007.0546 (four decimals): in the model
    table they read 56,941.7975 and 57,007.0546, and N a count."""
    fit = ergm(load("florentine_marriage", False), "edges")
    big = replace(fit, aic=56941.7975, bic=57007.0546, n_nodes=2880)
    table = compare_models({"Model 1": big}).to_frame().set_index("variable")["Model 1"]
    assert table[["AIC", "BIC", "N"]].tolist() == ["56,941.7975", "57,007.0546", "2,880"]
    assert big.reading().endswith("nodes, 120 dyads; log-likelihood " + f"{fit.loglik:,.3f}, AIC 56,941.798, "
                                  "BIC 57,007.055")
    assert "2,880 nodes" in big.reading()


def test_scales_note_and_reading_write_coefficients_in_significant_digits():
    nets = {"marriage": load("florentine_marriage", False), "business": load("florentine_business", False)}
    business = nets["business"]
    nets["business"] = replace(business, nodes=business.nodes.assign(wealth=business.nodes["wealth"] * 10))
    both = fit_networks(nets, {"Model 1": "edges + nodecov('wealth')"}, scale_ratio=5)
    (note,) = both.notes()
    # np.std(wealth, ddof=1) = 36.8745... and 368.745... (the same 16 families, ×10): 4 significant figures at least
    assert "standard deviation is 36.875 in marriage but 368.745 in business (×10.0, beyond the ×5 allowed)" in note
    reading = both.reading()
    assert "Lowest AIC: marriage: Model 1, business: Model 1." in reading
    # ergm's published 0.010546 (ergm.html:774) and a tenth of statsmodels' business coefficient, 4 significant figures
    business = logit(load("florentine_business", False), True).params[1] / 10
    assert f"nodecov.wealth (marriage +0.01055 vs business +{business:.4g})" in reading
    assert not SCIENTIFIC.search(reading) and f"{business:.4g}".startswith("0.000")


def test_capacity_reading_writes_large_totals_with_separators():
    """2,500,000.5 beds among two sites: the old ``:,.6g`` read ``2.5e+06``."""
    demand = pd.DataFrame({"id": [1, 2, 3], "population": [1_000_000, 2_000_000, 500_000],
                           "lon": [0.0, 0.1, 0.2], "lat": [0.0, 0.0, 0.0]})
    supply = pd.DataFrame({"id": ["a", "b"], "capacity": [1_500_000.0, 1_000_000.5], "lon": [0.0, 0.2],
                           "lat": [0.0, 0.0]})
    res = optimize_capacity(demand, supply, method="2sfca", catchment=50)
    reading = res.reading()
    assert reading.startswith("Re-allocating 2,500,000.5 units among 2 sites"), reading
    assert not SCIENTIFIC.search(reading)
    gini = res.equity_after["gini"]
    assert f"to {gini:.3f} and the share" in reading  # an index at three decimals


def test_messages_name_embedded_places_and_leave_other_ids_as_written():
    cities = load_china_cities()
    name = place_namer(cities["geonameid"])
    assert name(1280737) == "Lhasa (1280737)" and name("1816670") == "Beijing (1816670)"
    assert place_namer(load_synthetic_facilities()["id"])("SF0001") == "'SF0001' (Beijing)"
    assert place_namer([1280737, 7])(1280737) == "1280737"  # a table of one's own: its ids as written
    assert place_namer(["h1", "SF0001"])("SF0001") == "'SF0001'"


def test_access_warning_names_the_unreachable_places():
    cities = load_china_cities()
    demand = cities[cities["name"].isin(["Beijing", "Mentougou", "Lhasa"])]
    sites = load_synthetic_facilities().query("province_en == 'Beijing'").rename(columns={"id": "geonameid"})
    with pytest.warns(UserWarning, match=r"have no site in reach and accessibility 0: Lhasa \(1280737\)$"):
        accessibility(demand, sites, unit="geonameid", capacity="beds", catchment=60.0)
    mine = demand.assign(geonameid=np.arange(len(demand)))  # the same places under ids of one's own
    with pytest.warns(UserWarning, match=r"accessibility 0: 2$"):
        accessibility(mine, sites, unit="geonameid", capacity="beds", catchment=60.0)
