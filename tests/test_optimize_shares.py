"""Capacity bounds as shares of today's capacity (issue 18, part 3): the shares hold exactly,
the optimum equals an independent solution (scipy SLSQP of the same objective, and its KKT
conditions), sites closed and capacity moved are counted right, closures warn, infeasible
shares are DataErrors naming sites, and the command line keeps its contract."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from healthalloc.cli import main
from healthalloc.data.validate import DataError
from healthalloc.optimize import optimize_capacity
from test_optimize_capacity import _instance


def _small(seed, n=60, m=6, spread=1.0):
    return _instance(seed, n, m, spread)


def _quiet(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optimize_capacity(*args, **kw)


def _closing():
    """An instance whose unbounded optimum closes sites (a seed found once, checked here)."""
    demand, supply = _small(3, n=80, m=10, spread=0.6)
    assert _quiet(demand, supply, method="2sfca", catchment=60).n_closed > 0
    return demand, supply


@pytest.mark.parametrize("seed", range(4))
def test_shares_hold_exactly_and_the_optimum_equals_an_independent_solution(seed):
    demand, supply = _small(seed)
    a, b = 0.6, 1.5
    res = _quiet(demand, supply, method="e2sfca", catchment=60, lower_share=a, upper_share=b)
    S, S1 = supply["capacity"].to_numpy(), res.sites["capacity_after"].to_numpy()
    assert (res.sites["lower"].to_numpy() == a * S).all() and (res.sites["upper"].to_numpy() == b * S).all()
    assert (S1 >= a * S).all() and (S1 <= b * S).all()
    assert S1.sum() == pytest.approx(S.sum(), rel=1e-12)
    model = res.model
    scale = S.sum() / len(S)  # SLSQP in units near 1
    ref = minimize(lambda x: model.objective(x * scale), S / scale, method="SLSQP",
                   bounds=list(zip(a * S / scale, b * S / scale)),
                   constraints=[{"type": "eq", "fun": lambda x: x.sum() - S.sum() / scale}],
                   options={"ftol": 1e-14, "maxiter": 1000})
    assert ref.success
    assert res.objective_after <= model.objective(ref.x * scale) * (1 + 1e-6)
    # KKT: one multiplier λ; free sites have gradient λ, sites at a (b) share at least (most) λ
    g = model.hessian() @ S1
    tol = 1e-6 * np.abs(g).max()
    at_lo, at_hi = S1 <= a * S * (1 + 1e-9), S1 >= b * S * (1 - 1e-9)
    free = ~at_lo & ~at_hi
    lam = np.median(g[free]) if free.any() else (g[at_lo].min() + g[at_hi].max()) / 2
    assert np.abs(g[free] - lam).max(initial=0) <= tol
    assert (g[at_lo] >= lam - tol).all() and (g[at_hi] <= lam + tol).all()


def test_shares_combine_with_absolute_bounds_the_tighter_winning():
    demand, supply = _small(7)
    S = supply["capacity"].to_numpy()
    lower, upper = np.full(len(S), 20.0), np.full(len(S), 150.0)
    res = _quiet(demand, supply, method="2sfca", catchment=60, lower=lower, upper=upper, lower_share=0.5,
                 upper_share=1.4)
    assert (res.sites["lower"].to_numpy() == np.maximum(lower, 0.5 * S)).all()
    assert (res.sites["upper"].to_numpy() == np.minimum(upper, 1.4 * S)).all()
    S1 = res.sites["capacity_after"].to_numpy()
    assert (S1 >= res.sites["lower"]).all() and (S1 <= res.sites["upper"]).all()


def test_integer_shares_round_inwards():
    demand, supply = _small(2)
    S = supply["capacity"].to_numpy()
    res = _quiet(demand, supply, method="2sfca", catchment=60, lower_share=0.55, upper_share=1.33, integer=True)
    S1 = res.sites["capacity_after"].to_numpy()
    assert (S1 == np.round(S1)).all() and (S1 >= 0.55 * S).all() and (S1 <= 1.33 * S).all()
    assert S1.sum() == S.sum()


def test_closed_sites_and_capacity_moved_are_counted_and_warned():
    demand, supply = _closing()
    with pytest.warns(UserWarning, match=r"of the 10 sites with capacity today are set to 0 .*--lower-share"):
        res = optimize_capacity(demand, supply, method="2sfca", catchment=60)
    before, after = res.sites["capacity_before"].to_numpy(), res.sites["capacity_after"].to_numpy()
    assert res.n_closed == int(((before > 0) & (after == 0)).sum()) > 0
    assert res.capacity_moved == pytest.approx(np.abs(after - before).sum() / 2, rel=1e-12)
    assert res.summary_dict()["n_closed"] == res.n_closed
    assert res.summary_dict()["capacity_moved"] == res.capacity_moved
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = optimize_capacity(demand, supply, method="2sfca", catchment=60, lower_share=0.5)
    assert kept.n_closed == 0 and kept.capacity_moved <= res.capacity_moved
    assert kept.objective_after >= res.objective_after * (1 - 1e-9)


def test_nothing_moved_when_the_shares_fix_every_site():
    demand, supply = _small(1)
    res = _quiet(demand, supply, method="2sfca", catchment=60, lower_share=1.0, upper_share=1.0)
    assert res.capacity_moved == 0 and res.n_closed == 0
    assert (res.sites["capacity_after"] == supply["capacity"]).all()


@pytest.mark.parametrize("kw, message", [
    (dict(lower_share=0.8, upper_share=0.5), r"upper_share 0.5 is below lower_share 0.8.*'s0', 's1'"),
    (dict(lower_share=1.2), r"the lower bounds sum to .* above the total"),
    (dict(upper_share=0.9), r"the upper bounds sum to .* below the total"),
    (dict(lower=np.array([0, 0, 0, 0, 0, 500.0]), upper_share=2.0), r"lower bound above upper bound at site 's5' \(500 > 40\)"),
])
def test_infeasible_shares_are_data_errors(kw, message):
    demand, supply = _small(0)
    with pytest.raises(DataError, match=message):
        _quiet(demand, supply, method="2sfca", catchment=60, **kw)


def test_negative_share_is_refused_by_the_declaration():
    demand, supply = _small(0)
    with pytest.raises(ValueError, match="lower_share must be ≥ 0"):
        optimize_capacity(demand, supply, method="2sfca", catchment=60, lower_share=-0.1)


OLD_KEYS = {"method", "objective", "integer", "total", "objective_before", "objective_after", "gini_before",
            "gini_after", "theil_t_before", "theil_t_after", "status", "gap"}


@pytest.mark.parametrize("shares", [[], ["--lower-share", "0.5", "--upper-share", "1.8"]])
def test_cli_contract(tmp_path, capsys, shares):
    demand, supply = _closing()
    demand.to_csv(tmp_path / "d.csv", index=False)
    supply.rename(columns={"capacity": "beds"}).to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "beds.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["optimize", "capacity", "--demand", str(tmp_path / "d.csv"), "--supply", str(tmp_path / "s.csv"),
                     "--capacity", "beds", "--method", "2sfca", "--catchment", "60", *shares, "-o", str(out)])
    capsys.readouterr()
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["id", "capacity_before", "capacity_after", "change", "lower", "upper"]
    summary = json.loads((tmp_path / "beds.summary.json").read_text())
    assert set(summary) == OLD_KEYS | {"n_closed", "capacity_moved"}
    S, S1 = table["capacity_before"].to_numpy(), table["capacity_after"].to_numpy()
    assert summary["n_closed"] == int(((S > 0) & (S1 == 0)).sum())
    assert summary["capacity_moved"] == pytest.approx(np.abs(S1 - S).sum() / 2, rel=1e-9)
    if shares:
        assert (S1 >= 0.5 * S).all() and (S1 <= 1.8 * S).all() and summary["n_closed"] == 0
    else:
        assert summary["n_closed"] > 0


def test_cli_refuses_a_negative_share(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["optimize", "capacity", "--demand", "d.csv", "--supply", "s.csv", "--method", "2sfca",
              "--lower-share", "-1", "-o", str(tmp_path / "x.csv")])
    assert "lower_share must be ≥ 0" in capsys.readouterr().err
