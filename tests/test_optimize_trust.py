"""Trust in healthalloc.optimize (issue 16): overflowing or underflowing scales, degenerate and
infeasible location inputs, solver noise in plans, sizing before solving, time limits, Ctrl-C
and progress. Bad inputs at the command line, the rest against independent computations."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import signal
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_refused, assert_warns, run_cli
from test_optimize_capacity import _instance
from test_optimize_location import _instance as _location_instance

from healthalloc import solver
from healthalloc.access import great_circle
from healthalloc.data.validate import DataError
from healthalloc.optimize import capacity as capacity_module
from healthalloc.optimize import location as location_module
from healthalloc.optimize import locate, optimize_capacity, plan, scenario

DEMAND = pd.DataFrame({"id": list("abcd"), "population": [1000.0, 2000.0, 1500.0, 800.0],
                       "lon": [104.0, 104.1, 104.3, 104.2], "lat": [30.0, 30.1, 30.0, 30.2]})
SUPPLY = pd.DataFrame({"id": ["s1", "s2", "s3"], "capacity": [10.0, 20.0, 5.0],
                       "lon": [104.05, 104.25, 104.15], "lat": [30.05, 30.1, 30.0]})
CANDIDATES = SUPPLY[["id", "lon", "lat"]].assign(id=["c1", "c2", "c3"])
CAPACITY = ["optimize", "capacity", "--demand", "d.csv", "--supply", "s.csv", "--method", "2sfca",
            "--catchment", "50"]
LOCATION = ["optimize", "location", "--demand", "d.csv", "--candidates", "c.csv"]


@pytest.fixture
def folder(user):
    """A user folder holding d.csv, s.csv and c.csv, as the working directory."""
    for name, table in (("d.csv", DEMAND), ("s.csv", SUPPLY), ("c.csv", CANDIDATES)):
        table.to_csv(user / name, index=False)
    return user


def _towns(seed, n=40, m=12):
    """Demand points (all populated) and candidates of ``test_optimize_location``'s instances."""
    demand, cand, _ = _location_instance(seed, n, m)
    return demand.assign(population=demand["population"] + 1), cand


def _od(pairs: dict[str, list[str]]) -> pd.DataFrame:
    """An OD table: each demand id to the listed sites, cost 1."""
    return pd.DataFrame([(o, d, 1.0) for o, ds in pairs.items() for d in ds],
                        columns=["origin", "destination", "cost"])


# -- bad and degenerate input at the command line ------------------------------------------------


@pytest.mark.parametrize("extra, message", [
    (["--total", "1e300"], r"total \(1e\+300 in all\) and demand column 'population' \(5300 in all\) put "
                           r"accessibility in units of total / population = 1\.89e\+296, outside"),
    (["--total", "1e-300"], r"total \(1e-300 in all\) .* accessibility in units of total / population = 1\.89e-304"),
    (["--total", "1e130"], r"total \(1e\+130 in all\) .* the objective Σ P \(A − Ā\)² in units of "
                           r"total² / population = 1\.89e\+256"),
    (["--total", "1e-300", "--objective", "shortfall"], r"accessibility in units of total / population"),
])
def test_totals_outside_the_floating_point_range_are_refused(folder, capsys, extra, message):
    assert_refused(CAPACITY + extra, message, folder, capsys)


def test_capacities_whose_objective_overflows_name_the_capacity_column(folder, capsys):
    SUPPLY.assign(capacity=[1e128, 2e128, 5e127]).to_csv(folder / "s.csv", index=False)
    assert_refused(CAPACITY, r"supply column 'capacity' \(3\.5e\+128 in all\) .* total² / population", folder, capsys)


@pytest.mark.parametrize("model", ["mclp", "pmedian"])
def test_p_0_without_existing_sites_is_refused(folder, capsys, model):
    assert_refused(LOCATION + ["--model", model, "--p", "0", "--radius", "30"],
                   rf"{model}: p = 0 new sites and no existing sites: no site would be open", folder, capsys)


@pytest.mark.parametrize("model", ["mclp", "pmedian", "lscp"])
def test_population_zero_everywhere_is_refused_for_location(folder, capsys, model):
    DEMAND.assign(population=0).to_csv(folder / "d.csv", index=False)
    p = [] if model == "lscp" else ["--p", "1"]
    assert_refused(LOCATION + ["--model", model, "--radius", "30"] + p,
                   r"d\.csv: population is 0 at every demand point, so every choice of sites is as good", folder,
                   capsys)


def test_population_zero_everywhere_is_refused_for_capacity(folder, capsys):
    DEMAND.assign(population=0).to_csv(folder / "d.csv", index=False)
    assert_refused(CAPACITY, r"d\.csv: population is 0 at every demand point: there is no accessibility", folder,
                   capsys)


def test_capacity_zero_everywhere_without_a_total_is_refused(folder, capsys):
    SUPPLY.assign(capacity=0).to_csv(folder / "s.csv", index=False)
    assert_refused(CAPACITY, r"s\.csv: capacity is 0 at every site and no total was given", folder, capsys)


def test_capacity_zero_everywhere_with_a_total_warns_once(folder, capsys):
    SUPPLY.assign(capacity=0).to_csv(folder / "s.csv", index=False)
    out, _ = assert_warns(CAPACITY + ["--total", "30"], r"s\.csv: capacity is 0 at every site: accessibility before "
                          r"is 0 everywhere, so the Gini and Theil indices before are undefined", folder, capsys)
    summary = json.loads(out[out.index("{"):])
    assert summary["gini_before"] is None and summary["theil_t_before"] is None and summary["gini_after"] < 1e-12


def test_lscp_point_without_candidate_in_the_od_table_is_named(folder, capsys):
    _od({"a": ["c1"], "b": ["c1", "c2"], "c": ["c3"], "d": []}).to_csv(folder / "od.csv", index=False)
    assert_refused(LOCATION + ["--od", "od.csv", "--model", "lscp", "--radius", "5"],
                   r"lscp: demand point 'd' is within the radius \(by the od table\) of no candidate or existing site",
                   folder, capsys)


def test_pmedian_point_without_any_site_in_the_od_table_is_named(folder, capsys):
    _od({"a": ["c1"], "b": ["c2"], "c": ["c3"], "d": []}).to_csv(folder / "od.csv", index=False)
    assert_refused(LOCATION + ["--od", "od.csv", "--model", "pmedian", "--p", "2"],
                   r"pmedian: demand point 'd' has no site in the od table", folder, capsys)


def test_pmedian_needing_more_sites_than_p_names_the_points_and_the_fewest(folder, capsys):
    _od({"a": ["c1"], "b": ["c1", "c2"], "c": ["c3"], "d": ["c2", "c3"]}).to_csv(folder / "od.csv", index=False)
    line = assert_refused(LOCATION + ["--od", "od.csv", "--model", "pmedian", "--p", "1"],
                          r"pmedian: demand points 'a', 'b', 'c' and 'd' have no existing site in the od table, and "
                          r"reaching each of them takes at least 2 new site\(s\) but p = 1", folder, capsys)
    assert "Infeasible" not in line


def test_location_too_large_for_the_memory_gives_its_size_and_what_shrinks_it(folder, capsys, monkeypatch):
    monkeypatch.setattr(solver, "available_memory", lambda: 1e4)
    # p-median, no radius, no existing sites: 3 sites + 4 × 3 assignments; 4 + 12 + 1 rows; 3 × 12 + 3 non-zeros
    assert_refused(LOCATION + ["--model", "pmedian", "--p", "1"],
                   r"pmedian: too large for the memory of this machine: 15 variables, 17 constraints and 39 "
                   r"non-zeros, an estimated 71\.8 kB for HiGHS, above 75% of the 10 kB available\. Shrink it: a "
                   r"radius \(radius=, --radius\)", folder, capsys)


def test_integer_shortfall_too_large_for_the_memory_is_refused(folder, capsys, monkeypatch):
    monkeypatch.setattr(solver, "available_memory", lambda: 1e3)
    assert_refused(CAPACITY + ["--objective", "shortfall", "--integer"],
                   r"capacity \(integer shortfall\): too large .* Shrink it: a smaller catchment", folder, capsys)


def test_location_time_limit_keeps_the_start_solution_and_says_so(folder, capsys):
    demand, cand = _towns(5, n=400, m=120)
    demand.to_csv("d.csv", index=False)
    cand.to_csv("c.csv", index=False)
    out, _ = assert_warns(LOCATION + ["--model", "mclp", "--p", "5", "--radius", "10", "--time-limit", "1e-9"],
                          r"stopped by the time limit of 1e-09 s before the solution was proven optimal: the best "
                          r"solution found is kept \(status 'Time limit reached'", folder, capsys)
    summary = json.loads(out[out.index("{"):])
    assert summary["status"] == "Time limit reached" and summary["n_selected"] == 5
    assert 0 < summary["covered_population"] <= summary["total_population"]


TOWNS = pd.DataFrame({"id": list("abc"), "population": [100.0, 300.0, 600.0], "lon": [104.0, 104.3, 110.0],
                      "lat": [30.0, 30.0, 35.0]})


@pytest.mark.parametrize("objective", ["variance", "shortfall"])
def test_integer_keeps_the_fraction_of_idle_sites_and_reports_the_total_allocated(user, capsys, objective):
    # z reaches no one and keeps its 2.5; h and k share the 8 whole units left of 10.5 (was h 3, k 4: 9.5 in
    # all, reported as 10; shortfall: "HiGHS found no integer solution: Infeasible")
    TOWNS.to_csv("d.csv", index=False)
    pd.DataFrame({"id": list("hkz"), "capacity": [5.5, 2.5, 2.5], "lon": [104.1, 110.01, 80.0],
                  "lat": [30.0, 35.0, 30.0]}).to_csv("s.csv", index=False)
    out, _ = assert_warns(["optimize", "capacity", "--demand", "d.csv", "--supply", "s.csv", "--method", "2sfca",
                           "--catchment", "30", "--integer", "--objective", objective, "-o", "k1.csv"],
                          r"1 site\(s\) have no demand in reach and keep their capacity \(2\.5 in all\): 'z'", user,
                          capsys)
    sites = pd.read_csv("k1.csv").set_index("id")["capacity_after"]
    assert sites.to_dict() == {"h": 3.0, "k": 5.0, "z": 2.5}
    assert json.loads(Path("k1.summary.json").read_text())["total"] == sites.sum() == 10.5
    assert "-0" not in Path("k1.csv").read_text()  # the lower bounds 0 were written -0.0


def test_integer_fraction_left_over_is_said_and_the_total_is_what_is_allocated():
    supply = pd.DataFrame({"id": list("hk"), "capacity": [5.5, 2.0], "lon": [104.1, 110.01], "lat": [30.0, 35.0]})
    with pytest.warns(UserWarning, match=r"integer: 0\.5 of the total 7\.5 is less than one whole unit and is not "
                                         r"allocated; the total is 7 \(7 in whole units\)"):
        res = optimize_capacity(TOWNS, supply, method="2sfca", catchment=30, integer=True)
    assert res.total == res.sites["capacity_after"].sum() == 7


@pytest.mark.parametrize("objective", ["variance", "shortfall"])
@pytest.mark.parametrize("integer", [False, True])
def test_an_allocation_already_optimal_is_kept(objective, integer):
    # both sites reach both towns: every allocation is equally good (was h 8 → 0, k 4 → 12 for variance)
    demand = pd.DataFrame({"id": list("ab"), "population": [100.0, 300.0], "lon": [104.0, 104.05],
                           "lat": [30.0, 30.0]})
    supply = pd.DataFrame({"id": list("hk"), "capacity": [8.0, 4.0], "lon": [104.02, 104.03], "lat": [30.0, 30.0]})
    res = optimize_capacity(demand, supply, method="2sfca", catchment=30, objective=objective, integer=integer)
    assert res.sites["capacity_after"].tolist() == [8.0, 4.0] and (res.sites["change"] == 0).all()
    assert res.objective_before == res.objective_after == 0
    assert res.status.endswith("today's allocation kept: no better one found")


# -- scales: exact rescaling, objectives at extreme units ------------------------------------------


def _quiet(func, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return func(*args, **kw)


@pytest.mark.parametrize("method", ["2sfca", "e2sfca", "3sfca", "huff2sfca"])
@pytest.mark.parametrize("objective", ["variance", "shortfall"])
def test_allocation_scales_exactly_with_population_and_capacity(method, objective):
    """Powers of two: the same model bit for bit, so the allocation scales exactly; other factors
    within rounding (variance: a unique optimum; shortfall's optimum is not unique, its value is)."""
    demand, supply = _instance(3, n=60, spread=2)
    upper = 1.5 * supply["capacity"].to_numpy()
    kw = dict(method=method, catchment=60, objective=objective)
    base = _quiet(optimize_capacity, demand, supply, upper=upper, **kw)
    S = base.sites["capacity_after"].to_numpy()
    for kp, kc in [(2.0**40, 1.0), (1.0, 2.0**-30), (2.0**-60, 2.0**100), (1e6, 1.0), (1e-6, 1e120)]:
        res = _quiet(optimize_capacity, demand.assign(population=demand["population"] * kp),
                     supply.assign(capacity=supply["capacity"] * kc), upper=upper * kc, **kw)
        unit = kc**2 / kp if objective == "variance" else kc / kp
        assert res.objective_after == pytest.approx(base.objective_after * unit, rel=1e-12)
        assert res.objective_before == pytest.approx(base.objective_before * unit, rel=1e-12)
        after = res.sites["capacity_after"].to_numpy()
        if np.log2(kp).is_integer() and np.log2(kc).is_integer():
            assert (after == S * kc).all()
        elif objective == "variance":
            assert after == pytest.approx(S * kc, rel=1e-12, abs=1e-12 * kc * S.max())


def test_objective_at_tiny_units_matches_exact_arithmetic():
    """Population in the 1e151s and a total of 1e-45: accessibility near 1e-199, whose squares
    underflow to 0 in floating point; the objective must still equal the exact rational sum."""
    demand, supply = _instance(5, n=60, spread=2)
    res = _quiet(optimize_capacity, demand.assign(population=demand["population"] * 1e148), supply,
                 method="e2sfca", catchment=60, total=1e-45)
    P = [Fraction(v) for v in res.model.population]
    for S, reported in ((res.sites["capacity_before"], res.objective_before),
                        (res.sites["capacity_after"], res.objective_after)):
        M = res.model.matrix.toarray()
        A = [sum(Fraction(float(M[i, j])) * Fraction(float(s)) for j, s in enumerate(S) if M[i, j])
             for i in range(M.shape[0])]
        mean = sum(p * a for p, a in zip(P, A)) / sum(P)
        exact = sum(p * (a - mean) ** 2 for p, a in zip(P, A))
        assert exact > 0 and reported == pytest.approx(float(exact), rel=1e-9)
    assert res.objective_after < res.objective_before


# -- solver noise -------------------------------------------------------------------------------


def test_noise_near_a_bound_is_exactly_the_bound_and_the_total_holds():
    total = 1e6
    lo, hi = np.zeros(5), np.array([np.inf, np.inf, 4e5, np.inf, np.inf])
    noisy = np.array([8e-10, 6e5 - 3e-4, 4e5 - 2e-4, -1e-10, 0.0]) + np.array([0, 0, 0, 0, 5e-4])
    tidy = capacity_module._tidy(noisy, total, lo, hi)
    assert tidy[0] == 0 and tidy[3] == 0 and tidy[4] == 0 and tidy[2] == 4e5
    assert tidy.sum() == pytest.approx(total, rel=1e-15) and tidy[1] == pytest.approx(6e5, rel=1e-15)
    assert list(capacity_module.change([1.0, 5e6, 0.0], [1.0 + 1e-12, 5e6 + 1e-4, 1e-300])) == [0.0, 0.0, 1e-300]


def test_plan_opens_and_counts_only_sites_given_capacity():
    demand, supply = _instance(8, n=200, m=10, spread=2)
    rng = np.random.default_rng(2)
    candidates = pd.DataFrame({"id": [f"c{k}" for k in range(15)], "lon": rng.uniform(104, 106, 15),
                               "lat": rng.uniform(30, 32, 15)})
    with pytest.warns(UserWarning, match=r"1 of the 3 sites chosen by the MCLP get no capacity when sized for "
                                         r"equal accessibility and are not opened: 'c\d+'"):
        planned = plan(demand, supply, candidates, p=3, added=120, radius=25, method="2sfca", catchment=50)
    sized = planned.capacity.sites.set_index("id")["capacity_after"]
    total = planned.capacity.total
    assert ((sized == 0) | (sized > capacity_module.NOISE * total)).all()  # no noise left anywhere
    after = planned.supply_after
    assert (after["capacity"] > 0).all() and len(after) == len(supply) + 2
    # coverage within 25 km of a site with capacity, by brute force over every pair
    D = great_circle(demand["lon"].to_numpy()[:, None], demand["lat"].to_numpy()[:, None],
                     after["lon"].to_numpy()[None], after["lat"].to_numpy()[None])
    P = demand["population"].to_numpy()
    table = planned.scenario.comparison.set_index("measure")
    assert table.loc["coverage", "after"] == pytest.approx(P[(D <= 25).any(axis=1)].sum() / P.sum(), rel=1e-12)
    assert table.loc["sites", "change"] == 2


def test_plan_with_no_new_site_says_the_added_capacity_has_nowhere_to_go():
    demand, supply = _instance(8, n=50, m=5, spread=2)
    candidates = pd.DataFrame({"id": ["c1"], "lon": [105.0], "lat": [31.0]})
    with pytest.raises(ValueError, match=r"p = 0 new sites leaves the added capacity of 120 nowhere to go"):
        plan(demand, supply, candidates, p=0, added=120, radius=25, method="2sfca", catchment=50)


@pytest.mark.parametrize("which", ["before", "after", "population"])
def test_scenario_warns_once_about_zero_capacity_and_zero_population(which):
    demand, supply = _instance(4, n=60, spread=2)
    empty = supply.assign(capacity=0.0)
    tables = {"before": (demand, empty, supply), "after": (demand, supply, empty),
              "population": (demand.assign(population=0.0), supply, supply)}[which]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sc = scenario(*tables, method="2sfca", catchment=60)
    said = [str(w.message) for w in caught if "is 0 at every" in str(w.message)]
    assert len(said) == 1, said
    assert said[0].startswith({"before": "before: capacity", "after": "supply: capacity",
                               "population": "demand: population"}[which])
    gini = sc.comparison.set_index("measure").loc["gini"]
    assert np.isnan(gini["after" if which == "after" else "before"])


# -- sizing, time limit, Ctrl-C, progress -------------------------------------------------------------


def test_sizing_extrapolates_from_the_points_read_before_refusing(monkeypatch):
    """Chunks of two demand points: refused after the first chunk, the size extrapolated from it
    (exact here: without a radius every point has a pair with every site)."""
    demand, cand = _towns(1)
    monkeypatch.setattr(location_module, "CHUNK_PAIRS", 2 * len(cand))
    monkeypatch.setattr(solver, "available_memory", lambda: 1e6)
    n, m = len(demand), len(cand)
    with pytest.raises(ValueError, match=rf"pmedian: too large for the memory of this machine: about {m + n * m:,} "
                                         rf"variables, {n + n * m + 1:,} constraints and {3 * n * m + m:,} non-zeros"):
        locate(demand, cand, model="pmedian", p=2)


def test_sizing_counts_only_pairs_up_to_the_nearest_existing_site(monkeypatch):
    """With existing sites, pairs farther than a point's nearest one are not variables: the refused
    size counts exactly the pairs an enumeration keeps."""
    demand, cand = _towns(2)
    existing = pd.DataFrame({"id": ["e0", "e1"], "lon": [100.3, 100.7], "lat": [25.3, 25.7]})
    monkeypatch.setattr(solver, "available_memory", lambda: 1.0)
    D = great_circle(demand["lon"].to_numpy()[:, None], demand["lat"].to_numpy()[:, None],
                     np.r_[existing["lon"], cand["lon"]][None], np.r_[existing["lat"], cand["lat"]][None])
    k = int((D <= D[:, :2].min(axis=1, keepdims=True)).sum())
    m_all = len(cand) + 2
    with pytest.raises(ValueError, match=rf": {m_all + k:,} variables, {len(demand) + k + 1:,} constraints and "
                                         rf"{3 * k + len(cand):,} non-zeros"):
        locate(demand, cand, model="pmedian", p=2, existing=existing)


def test_default_time_limit_has_one_source():
    from healthalloc.cli import build_parser
    from healthalloc.optimize.capacity import PARAMS as CAPACITY_PARAMS
    from healthalloc.optimize.location import PARAMS as LOCATION_PARAMS
    from healthalloc.optimize.scenario import PLAN

    STUDY = PLAN["time_limit"]  # the study's scenario analysis declares its keys from PLAN

    import inspect

    defaults = {LOCATION_PARAMS["time_limit"].default, CAPACITY_PARAMS["time_limit"].default, STUDY.default,
                inspect.signature(locate).parameters["time_limit"].default,
                inspect.signature(optimize_capacity).parameters["time_limit"].default,
                inspect.signature(plan).parameters["time_limit"].default}
    for kind in ("location", "capacity"):
        args = build_parser("optimize").parse_args(["optimize", kind, "--demand", "d", "--supply" if
                                                    kind == "capacity" else "--candidates", "s"] +
                                                   (["--method", "2sfca"] if kind == "capacity" else
                                                    ["--model", "lscp"]))
        defaults.add(args.time_limit)
    assert defaults == {solver.TIME_LIMIT} and solver.TIME_LIMIT == 60


def _hard_pmedian():
    demand, cand = _towns(7, n=150, m=60)
    return demand, cand


def test_ctrl_c_keeps_the_best_solution_with_its_gap():
    """SIGINT during the search (sent from the progress hook, as a terminal's Ctrl-C would be):
    the best solution found is returned, its status and gap say it is not proven optimal."""
    demand, cand = _hard_pmedian()
    reports = []

    def hook(seconds, incumbent, bound, gap):
        reports.append((incumbent, bound, gap))
        if len(reports) == 1:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the main thread takes the signal meanwhile; the solver checks it on return

    with pytest.warns(UserWarning, match=r"stopped by Ctrl-C before the solution was proven optimal"):
        res = locate(demand, cand, model="pmedian", p=6, progress=hook)
    assert res.status == "Interrupted by user" and res.gap > 0 and res.n_selected == 6
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    # the returned solution is feasible and no better than the optimum
    optimum = locate(demand, cand, model="pmedian", p=6, progress=False)
    assert optimum.status == "Optimal" and res.objective >= optimum.objective * (1 - 1e-9)


def test_progress_reports_bracket_the_optimum_in_the_objective_units():
    """MCLP reports covered population: each incumbent at most, each bound at least the optimum."""
    demand, cand = _towns(3, n=120, m=30)
    reports = []
    res = locate(demand, cand, model="mclp", p=4, radius=12, time_limit=None,
                 progress=lambda s, inc, bound, gap: reports.append((inc, bound)))
    P = demand["population"].to_numpy()
    D = great_circle(demand["lon"].to_numpy()[:, None], demand["lat"].to_numpy()[:, None],
                     cand["lon"].to_numpy()[None], cand["lat"].to_numpy()[None]) <= 12
    best = max(P[D[:, list(c)].any(axis=1)].sum() for c in itertools.combinations(range(len(cand)), 4))
    assert res.objective == pytest.approx(best) and reports
    assert all(inc <= best * (1 + 1e-9) and bound >= best * (1 - 1e-4) for inc, bound in reports)


def test_progress_line_follows_the_terminal_rule(capsys):
    demand, cand = _hard_pmedian()
    locate(demand, cand, model="pmedian", p=6, time_limit=None)  # stderr captured: not a terminal
    assert capsys.readouterr().err == ""
    locate(demand, cand, model="pmedian", p=6, time_limit=None, progress=True)
    assert "MILP" in capsys.readouterr().err


def test_pmedian_infeasible_diagnosis_matches_enumeration():
    """Points reachable only through candidates (OD table), p too small: the fewest new sites
    named in the message is the smallest set cover, by enumeration."""
    rng = np.random.default_rng(4)
    demand = pd.DataFrame({"id": [f"d{i}" for i in range(12)], "population": rng.integers(1, 9, 12).astype(float)})
    cand = pd.DataFrame({"id": [f"c{k}" for k in range(7)]})
    reach = {f"d{i}": [f"c{k}" for k in range(7) if rng.random() < 0.3] or [f"c{i % 7}"] for i in range(12)}
    od = _od(reach)
    fewest = next(size for size in range(1, 8) for combo in itertools.combinations(cand["id"], size)
                  if all(set(sites) & set(combo) for sites in reach.values()))
    if fewest == 1:
        pytest.fail("the instance must need two sites or more")
    with pytest.raises(DataError, match=rf"takes at least {fewest} new site\(s\) but p = {fewest - 1}"):
        locate(demand, cand, model="pmedian", p=fewest - 1, od=od)
    assert locate(demand, cand, model="pmedian", p=fewest, od=od).status == "Optimal"


def test_cli_runs_with_the_default_time_limit(folder, capsys):
    code, out, err = run_cli(LOCATION + ["--model", "pmedian", "--p", "1"], capsys)
    assert code == 0 and err == ""
    summary = json.loads(out[out.index("{"):])
    assert summary["status"] == "Optimal" and summary["n_selected"] == 1


# -- plans and study readings -----------------------------------------------------------------------


def _plan_files(folder):
    """Towns near Chengdu, two hospitals, three candidates among the towns and one (c4) far from everyone."""
    demand, supply = _instance(8, n=60, m=2, spread=1)
    rng = np.random.default_rng(3)
    candidates = pd.DataFrame({"id": ["c1", "c2", "c3", "c4"], "lon": np.r_[rng.uniform(104, 105, 3), 80.0],
                               "lat": np.r_[rng.uniform(30, 31, 3), 30.0]})
    for name, table in (("towns.csv", demand), ("hosp.csv", supply), ("cand.csv", candidates)):
        table.to_csv(folder / name, index=False)
    return demand, supply, candidates


def test_plan_gives_no_capacity_to_a_chosen_site_nobody_reaches(tmp_path):
    # c4 was opened with its provisional 10 / 4 = 2.5 serving no one; the reading said "Opening 4 sites with 10"
    demand, supply, candidates = _plan_files(tmp_path)
    with pytest.warns(UserWarning, match=r"1 of the 4 sites chosen by the MCLP have no demand in reach \(2sfca, "
                                         r"30 km\) and are not opened; the added capacity goes to the others: 'c4'"):
        planned = plan(demand, supply, candidates, p=4, added=10, radius=25, method="2sfca", catchment=30)
    new = planned.supply_after[planned.supply_after["new"] == 1]
    assert "c4" not in set(new["id"]) and (new["capacity"] > 0).all()
    assert planned.n_opened == len(new) and new["capacity"].sum() == pytest.approx(10, rel=1e-12)
    assert planned.added == pytest.approx(10, rel=1e-12)
    with pytest.raises(DataError, match=r"plan: no demand point is in reach \(2sfca, 30 km\) of the site chosen "
                                        r"by the MCLP, 'c4': the added capacity would serve no one"):
        plan(demand, supply, candidates[candidates["id"] == "c4"], p=1, added=10, radius=25, method="2sfca",
             catchment=30)
    with pytest.raises(ValueError, match=r"added = 0\.5 is less than one whole unit"):  # was "1 sites with 0 units"
        plan(demand, supply, candidates, p=1, added=0.5, radius=25, integer=True, method="2sfca", catchment=30)


def _study(folder, *analyses) -> dict:
    return {"study": {"title": "readings"}, "data": {"source": str(folder / "towns.csv")},
            "roles": {"unit": "id", "population": "population", "coordinates": ["lon", "lat"]},
            "analyses": list(analyses)}


def _readings(folder, *analyses) -> list[str]:
    from healthalloc.study import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = run_study(_study(folder, *analyses), folder / "out", progress=False)
    sections = result.sections.values() if isinstance(result.sections, dict) else result.sections
    return [sec.reading for sec in sections]


def test_study_readings_count_what_is_opened_and_say_when_there_is_no_bound(tmp_path, monkeypatch):
    _plan_files(tmp_path)
    sites = {"supply": str(tmp_path / "hosp.csv"), "method": "2sfca", "catchment": 30.0}
    [scenario_reading] = _readings(tmp_path, {"type": "scenario", **sites, "candidates": str(tmp_path / "cand.csv"),
                                              "p": 4, "radius": 25.0, "added": 10.0})
    opened = pd.read_csv(tmp_path / "out" / "tables" / "scenario_new_sites.csv")
    assert "c4" not in set(opened["id"]) and opened["capacity"].sum() == pytest.approx(10, rel=1e-12)
    assert scenario_reading.startswith(f"Opening {len(opened)} site(s) with 10 units"), scenario_reading  # was 4
    real = location_module.solve_milp  # as if the time limit stopped the search before HiGHS had a bound
    monkeypatch.setattr(location_module, "solve_milp", lambda *a, **k: dataclasses.replace(
        real(*a, **k), bound=-np.inf, gap=np.inf, status="Time limit reached", optimal=False))
    [location_reading] = _readings(tmp_path, {"type": "location", "candidates": str(tmp_path / "cand.csv"),
                                              "model": "mclp", "p": 2, "radius": 25.0})
    assert "(Time limit reached, no bound)" in location_reading and "inf" not in location_reading


def test_study_bound_column_that_does_not_exist_is_named_with_its_table(tmp_path):
    from healthalloc.study.spec import StudyError

    _plan_files(tmp_path)
    with pytest.raises(StudyError, match=r"capacity failed: capacity: supply '.*hosp\.csv' has no column "
                                         r"lower = 'nope' \(the bound per site\); its columns: id, capacity, lon, lat"):
        _readings(tmp_path, {"type": "capacity", "supply": str(tmp_path / "hosp.csv"), "method": "2sfca",
                             "catchment": 30.0, "lower": "nope"})


def test_study_capacity_reading_gives_the_total_allocated(tmp_path):
    # 10.5 with integer: 10 whole units allocated; the reading said "Re-allocating 10 units ..., the total unchanged"
    _, supply, _ = _plan_files(tmp_path)
    [reading] = _readings(tmp_path, {"type": "capacity", "supply": str(tmp_path / "hosp.csv"), "method": "2sfca",
                                     "catchment": 30.0, "total": 10.5, "integer": True})
    today = supply["capacity"].sum()
    assert reading.startswith("Re-allocating 10 units among 2 sites") and reading.endswith(
        f"the total from {today:,.6g} today to 10."), reading


def test_errors_name_the_file_of_the_table_at_fault(folder, capsys):
    Path("none.csv").write_text("id,lon,lat\n", encoding="utf-8")
    assert_refused([*LOCATION, "--existing", "none.csv", "--model", "mclp", "--p", "1", "--radius", "30"],
                   r"^error: none\.csv: the table has no rows", folder, capsys)


def test_a_plan_that_raises_the_gini_says_so():
    demand = pd.DataFrame({"id": ["a", "b", "c"], "population": [100, 300, 600], "lon": [104.0, 104.3, 110.0],
                           "lat": [30.0, 30.0, 35.0]})
    supply = pd.DataFrame({"id": ["h", "k"], "capacity": [8, 5], "lon": [104.1, 110.01], "lat": [30.0, 35.0]})
    candidates = pd.DataFrame({"id": ["h1", "h2", "h3"], "lon": [104.1, 110.01, 104.3], "lat": [30.0, 35.0, 30.01]})
    with pytest.warns(UserWarning, match=r"the plan raises the Gini of accessibility from 0\.215 to 0\.383"):
        planned = plan(demand, supply, candidates, p=1, added=10, radius=30, method="2sfca", catchment=30)
    gini = planned.scenario.comparison.set_index("measure").loc["gini"]
    assert gini["after"] > gini["before"]
