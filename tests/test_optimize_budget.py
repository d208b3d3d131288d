"""Budgets, opening costs and regional quotas in healthalloc.optimize.locate, against exhaustive
enumeration of every feasible set of new sites; their errors; the command-line contract;
tradeoff against separate solves."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_refused, run_cli

from healthalloc.data.validate import DataError
from healthalloc.optimize import locate, tradeoff

RADIUS = 30.0


def _instance(seed: int):
    """6–9 candidates in 2–3 regions with integer costs, 10–20 demand points, maybe one
    existing site; costs by an OD table (1–60)."""
    rng = np.random.default_rng(seed)
    m, n, k = int(rng.integers(6, 10)), int(rng.integers(10, 21)), int(rng.integers(2, 4))
    demand = pd.DataFrame({"id": [f"d{i}" for i in range(n)],
                           "population": rng.integers(0, 1000, n).astype(float)})
    demand.loc[0, "population"] = 500.0  # never all 0
    cand = pd.DataFrame({"id": [f"c{j}" for j in range(m)], "cost": rng.integers(1, 11, m).astype(float),
                         "region": [f"r{g}" for g in rng.integers(0, k, m)]})
    existing = pd.DataFrame({"id": ["e0"]}) if rng.random() < 0.4 else None
    sites = list(cand["id"]) + ([] if existing is None else ["e0"])
    D = np.round(rng.uniform(1, 60, (n, len(sites))), 1)
    od = pd.DataFrame([(d, s, D[i, c]) for i, d in enumerate(demand["id"]) for c, s in enumerate(sites)],
                      columns=["origin", "destination", "cost"])
    old = D[:, m:]  # the existing site's column, if any
    return rng, demand, cand, existing, od, D[:, :m], old


def _quotas(rng, cand):
    regions = sorted(set(cand["region"]))
    low = [rng.choice([np.nan, 0, 1]) for _ in regions]
    high = [rng.choice([np.nan, 1, 2, 3]) for _ in regions]
    high = [h if np.isnan(h) or np.isnan(lo) else max(h, lo) for lo, h in zip(low, high)]
    return pd.DataFrame({"region": regions, "min_sites": low, "max_sites": high})


def _feasible(x, cand, p, budget, quotas) -> bool:
    if p is not None and x.sum() != p:
        return False
    if budget is not None and cand["cost"].to_numpy()[x].sum() > budget * (1 + 1e-9):
        return False
    if quotas is not None:
        counts = cand.loc[x, "region"].value_counts()
        for _, q in quotas.iterrows():
            c = counts.get(q["region"], 0)
            if (not np.isnan(q["min_sites"]) and c < q["min_sites"]) or \
                    (not np.isnan(q["max_sites"]) and c > q["max_sites"]):
                return False
    return True


def _value(model, x, P, D, old, cost):
    """The objective of new sites ``x`` (None when the model cannot use them)."""
    Dopen = np.c_[old, D[:, x]]
    if model == "mclp":
        return P[(Dopen <= RADIUS).any(axis=1)].sum()
    if model == "pmedian":
        return None if Dopen.shape[1] == 0 else (P * Dopen.min(axis=1)).sum()
    need = (P > 0) & ~(old <= RADIUS).any(axis=1)
    if not (Dopen[need] <= RADIUS).any(axis=1).all():
        return None
    return cost[x].sum() if cost is not None else x.sum()


def _enumerate(model, cand, P, D, old, p, budget, quotas, cost):
    """The best objective over every feasible set of new sites (None when there is none)."""
    values = []
    for k in range(len(cand) + 1):
        for combo in itertools.combinations(range(len(cand)), k):
            x = np.zeros(len(cand), bool)
            x[list(combo)] = True
            if _feasible(x, cand, p, budget, quotas):
                v = _value(model, x, P, D, old, cost)
                if v is not None:
                    values.append(v)
    if not values:
        return None
    return max(values) if model == "mclp" else min(values)


#: The constraints tried per model: p, budget, quotas, and a cost column alone.
SETTINGS = {
    "mclp": [("p", "budget"), ("budget",), ("p", "quotas"), ("budget", "quotas"), ("p", "budget", "quotas"),
             ("p", "cost")],
    "pmedian": [("p", "budget"), ("budget",), ("p", "quotas"), ("budget", "quotas"), ("p", "budget", "quotas"),
                ("p", "cost")],
    "lscp": [("cost",), ("quotas",), ("cost", "quotas")],
}
CASES = [(model, used) for model, settings in SETTINGS.items() for used in settings]
SEEDS = range(20)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("model, used", CASES, ids=lambda v: v if isinstance(v, str) else "+".join(v))
def test_every_model_with_budget_costs_and_quotas_equals_enumeration(model, used, seed):
    rng, demand, cand, existing, od, D, old = _instance(seed * 101 + len(CASES))
    P = demand["population"].to_numpy()
    p = int(rng.integers(1, 4)) if "p" in used else None
    costs = cand["cost"].to_numpy()
    budget = float(rng.integers(costs.min(), costs.sum() // 2 + 2)) if "budget" in used else None
    quotas = _quotas(rng, cand) if "quotas" in used else None
    priced = bool({"budget", "cost"} & set(used))
    kwargs = dict(model=model, p=p, radius=None if model == "pmedian" else RADIUS, od=od, existing=existing,
                  cost="cost" if priced else None, budget=budget,
                  region="region" if quotas is not None else None, quotas=quotas)
    best = _enumerate(model, cand, P, D, old, p, budget, quotas, costs if priced else None)
    if best is None:
        with pytest.raises(DataError):
            locate(demand, cand, **kwargs)
        return
    res = locate(demand, cand, **kwargs)
    x = res.candidates["selected"].to_numpy() == 1
    assert res.status == "Optimal"
    assert _feasible(x, cand, p, budget, quotas)
    assert res.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert _value(model, x, P, D, old, costs if priced else None) == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert res.total_cost == (pytest.approx(costs[x].sum()) if priced else None)
    if quotas is not None:
        assert res.sites_by_region == cand.loc[x, "region"].value_counts().reindex(
            pd.unique(cand["region"]), fill_value=0).to_dict()


def test_enumeration_covered_feasible_and_infeasible_cases():
    """The enumeration above is not vacuous: it solves most cases and refuses some."""
    solved = refused = 0
    for seed in SEEDS:
        for model, used in CASES:
            rng, demand, cand, existing, od, D, old = _instance(seed * 101 + len(CASES))
            p = int(rng.integers(1, 4)) if "p" in used else None
            costs = cand["cost"].to_numpy()
            budget = float(rng.integers(costs.min(), costs.sum() // 2 + 2)) if "budget" in used else None
            quotas = _quotas(rng, cand) if "quotas" in used else None
            best = _enumerate(model, cand, demand["population"].to_numpy(), D, old, p, budget, quotas, costs)
            solved, refused = solved + (best is not None), refused + (best is None)
    assert solved >= 0.8 * len(SEEDS) * len(CASES)
    assert solved + refused == len(SEEDS) * len(CASES)


def _small():
    rng, demand, cand, existing, od, D, old = _instance(3)
    return demand, cand, od


def test_bad_costs_are_named_by_candidate():
    demand, cand, od = _small()
    for bad in (np.nan, -1.0, np.inf):
        broken = cand.assign(cost=cand["cost"].where(cand["id"] != "c2", bad))
        with pytest.raises(DataError, match=r"candidates: cost must be finite numbers ≥ 0; not at id 'c2'"):
            locate(demand, broken, model="mclp", p=2, radius=RADIUS, od=od, cost="cost", budget=20)
    with pytest.raises(DataError, match="unknown column 'price'"):
        locate(demand, cand, model="mclp", p=2, radius=RADIUS, od=od, cost="price")
    with pytest.raises(ValueError, match="budget needs cost"):
        locate(demand, cand, model="mclp", p=2, radius=RADIUS, od=od, budget=20)
    with pytest.raises(ValueError, match="budget is for mclp and pmedian"):
        locate(demand, cand, model="lscp", radius=RADIUS, od=od, cost="cost", budget=20)
    with pytest.raises(ValueError, match="budget must be > 0"):
        locate(demand, cand, model="mclp", p=2, radius=RADIUS, od=od, cost="cost", budget=0)
    cheapest = np.sort(cand["cost"])[:2].sum()
    with pytest.raises(DataError, match=f"budget: the cheapest 2 new sites cost {cheapest:g}, above the budget"):
        locate(demand, cand, model="pmedian", p=2, od=od, cost="cost", budget=cheapest - 0.5)


def _quota_error(demand, cand, od, quotas, message, p=2, **kw):
    with pytest.raises(DataError, match=message):
        locate(demand, cand, model="mclp", p=p, radius=RADIUS, od=od, region="region", quotas=quotas, **kw)


def test_bad_quotas_are_named_by_region():
    demand, cand, od = _small()
    cand = cand.assign(region=["a", "a", "b", "b", "c", "c", "c", "a", "b"][:len(cand)])
    q = pd.DataFrame({"region": ["a", "b"], "min_sites": [1, np.nan], "max_sites": [2, 1]})
    with pytest.raises(DataError, match="quotas: they need region"):
        locate(demand, cand, model="mclp", p=2, radius=RADIUS, od=od, quotas=q)
    _quota_error(demand, cand, od, q.assign(region=["a", "x"]), "quotas: region 'x' not found in the candidates' "
                 "region column")
    _quota_error(demand, cand, od, q.assign(min_sites=[3, np.nan]), "min_sites is above max_sites for region 'a'")
    _quota_error(demand, cand, od, q.assign(min_sites=[2, 1], max_sites=[2, 2]), r"min_sites add up to 3 new "
                 r"sites \(regions 'a' and 'b'\), more than p = 2")
    _quota_error(demand, cand, od, pd.DataFrame({"region": ["a", "b", "c"], "max_sites": [0, 1, 0],
                                                 "min_sites": np.nan}),
                 r"at most 1 new sites fit within max_sites \(regions 'a', 'b' and 'c'\), fewer than p = 2")
    _quota_error(demand, cand, od, q.assign(min_sites=[9, np.nan], max_sites=[np.nan, 1]),
                 "region 'a' asks for more new sites")
    _quota_error(demand, cand, od, q.assign(min_sites=[-1, 1.5]), r"min_sites must be whole numbers ≥ 0 or empty; "
                 r"not at region 'a' \(-1\) and region 'b' \(1.5\)")
    _quota_error(demand, cand, od, pd.concat([q, q.iloc[[0]]]), "region 'a' listed more than once")
    _quota_error(demand, cand, od, q.drop(columns="max_sites"), "unknown column 'max_sites'")
    _quota_error(demand, cand.assign(region=cand["region"].where(cand["id"] != "c1")), od, q,
                 "candidates: region is missing at id 'c1'")
    low_a = np.sort(cand.loc[cand["region"] == "a", "cost"])[0]
    _quota_error(demand, cand, od, q, "budget: the cheapest new sites meeting the quotas of region 'a' cost",
                 p=None, cost="cost", budget=low_a - 0.5)


def _files(cand: pd.DataFrame, demand: pd.DataFrame, od: pd.DataFrame) -> None:
    demand.to_csv("d.csv", index=False)
    cand.to_csv("c.csv", index=False)
    od.to_csv("od.csv", index=False)
    pd.DataFrame({"region": ["r0", "r1"], "min_sites": [1, None], "max_sites": [None, 1]}).to_csv("q.csv",
                                                                                                 index=False)


BASE = ["optimize", "location", "--demand", "d.csv", "--candidates", "c.csv", "--od", "od.csv", "--quiet"]
KEYS = {"model", "objective", "covered_population", "n_selected", "status", "gap", "total_population", "coverage",
        "p", "radius", "n_existing", "seconds"}


def test_cli_contract_with_and_without_costs_and_regions(user, capsys):
    rng, demand, cand, existing, od, D, old = _instance(5)
    cand = cand.assign(region=np.where(np.arange(len(cand)) % 2, "r1", "r0"))
    _files(cand, demand, od)
    code, out, err = run_cli(BASE + ["--model", "mclp", "--p", "2", "--radius", "30", "-o", "plain.csv"], capsys)
    assert code == 0, err
    assert list(pd.read_csv("plain.csv").columns) == ["id", "selected", "covered_population"]
    plain = json.loads(Path("plain.summary.json").read_text())
    assert KEYS <= set(plain) and plain["total_cost"] is None and plain["budget"] is None
    assert plain["sites_by_region"] == {}
    code, out, err = run_cli(BASE + ["--model", "mclp", "--p", "3", "--radius", "30", "--cost", "cost", "--budget",
                                     "25", "--region", "region", "--quotas", "q.csv", "-o", "out.csv"], capsys)
    assert code == 0, err
    table = pd.read_csv("out.csv")
    assert list(table.columns) == ["id", "selected", "covered_population"]
    summary = json.loads(Path("out.summary.json").read_text())
    chosen = cand.set_index("id").loc[table.loc[table["selected"] == 1, "id"]]
    assert KEYS <= set(summary) and summary["budget"] == 25
    assert summary["total_cost"] == pytest.approx(chosen["cost"].sum()) and summary["total_cost"] <= 25
    assert summary["sites_by_region"] == {"r0": int((chosen["region"] == "r0").sum()),
                                          "r1": int((chosen["region"] == "r1").sum())}
    assert summary["sites_by_region"]["r0"] >= 1 and summary["sites_by_region"]["r1"] <= 1
    assert "cost" in out and "per unit of cost" in out


def test_cli_refuses_bad_quotas_naming_the_file_and_region(user, capsys):
    rng, demand, cand, existing, od, D, old = _instance(5)
    _files(cand.assign(region="r0"), demand, od)
    assert_refused(BASE + ["--model", "mclp", "--p", "2", "--radius", "30", "--quotas", "q.csv", "-o", "o.csv"],
                   "q.csv: they need region", user, capsys)
    assert_refused(BASE + ["--model", "mclp", "--p", "2", "--radius", "30", "--region", "region", "--quotas", "q.csv",
                           "-o", "o.csv"], "q.csv: region 'r1' not found", user, capsys)
    assert_refused(BASE + ["--model", "mclp", "--p", "2", "--radius", "30", "--cost", "cost", "--budget", "0",
                           "-o", "o.csv"], "budget must be > 0", user, capsys)


@pytest.mark.parametrize("model", ["mclp", "pmedian"])
def test_tradeoff_equals_separate_solves(model):
    rng, demand, cand, existing, od, D, old = _instance(11)
    radius = RADIUS if model == "mclp" else None
    total = demand["population"].sum()
    curve = tradeoff(demand, cand, model=model, p=[3, 1, 2], radius=radius, od=od, cost="cost")
    assert list(curve.to_frame().columns) == ["p", "objective", "total_cost", "n_selected", "gap"]
    assert list(curve.table["p"]) == [1, 2, 3]
    for row, res in zip(curve.table.itertuples(), curve.results):
        alone = locate(demand, cand, model=model, p=row.p, radius=radius, od=od, cost="cost")
        assert res.objective == pytest.approx(alone.objective, rel=1e-9)
        share = alone.covered_population / total if model == "mclp" else alone.objective / total
        assert row.objective == pytest.approx(share, rel=1e-9) and row.n_selected == row.p
    budgets = tradeoff(demand, cand, model=model, budgets=[8, 15, 30], radius=radius, od=od, cost="cost")
    for row, res in zip(budgets.table.itertuples(), budgets.results):
        alone = locate(demand, cand, model=model, budget=row.budget, radius=radius, od=od, cost="cost")
        assert res.objective == pytest.approx(alone.objective, rel=1e-9) and row.total_cost <= row.budget
    steps = np.diff(budgets.table["objective"])
    assert (steps >= -1e-12).all() if model == "mclp" else (steps <= 1e-12).all()
    assert "at budget = 8" in budgets.reading()
    with pytest.raises(ValueError, match="needs p .* or budgets"):
        tradeoff(demand, cand, model=model, radius=radius, od=od)


def test_tradeoff_figure():
    pytest.importorskip("matplotlib")
    rng, demand, cand, existing, od, D, old = _instance(11)
    curve = tradeoff(demand, cand, p=[1, 2], radius=RADIUS, od=od)
    fig = curve.figures()["tradeoff"][1]()
    assert fig.axes[0].get_xlabel() == "new sites (p)" and len(fig.axes[0].lines) == 1
