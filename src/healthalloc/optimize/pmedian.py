"""The p-median (Hakimi 1964) as :func:`~healthalloc.optimize.locate` solves it: the ReVelle–Swain
MILP while small, beyond ``DENSE_PAIRS`` pairs a greedy and Teitz–Bart interchange start, a
Lagrangian bound that rules sites in or out, and the radius formulation (see the references of
:mod:`healthalloc.optimize.location`)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from healthalloc.optimize.siting import SHRINK, Limits, grow, nearest
from healthalloc.solver import ModelSize, SolverError, check_size, solve_milp

#: Pairs up to which the p-median is the ReVelle–Swain MILP (one variable per pair: the
#: tightest, solved fast while small); beyond, the radius formulation of :func:`_radius_search`.
DENSE_PAIRS = 200_000


def solve(pb, limits: Limits, search: dict, warm: np.ndarray | None):
    """The p-median of ``pb`` (a location problem) within ``limits``: the ReVelle–Swain MILP up to
    ``DENSE_PAIRS`` pairs, else the radius formulation; SolverError "Infeasible" when no choice of
    sites reaches every demand point."""
    P, n_old = pb.dem.amount, pb.n_old
    demand = np.flatnonzero(P > 0)
    if len(pb.pairs.i) <= DENSE_PAIRS:
        return _dense_median(pb, limits, search, warm)
    keep = P[pb.pairs.i] > 0
    lv = _Levels(np.searchsorted(demand, pb.pairs.i[keep]), pb.pairs.j[keep], pb.pairs.cost[keep], P[demand])
    deadline = None if search.get("time_limit") is None else time.monotonic() + search["time_limit"]
    chosen = _median_start(lv, n_old, limits, warm, deadline)
    return _radius_search(lv, n_old, limits, chosen, search, deadline)


def _dense_median(pb, limits: Limits, search: dict, warm: np.ndarray | None):
    """ReVelle & Swain (1970): ``z`` per pair (see the module docstring)."""
    P, present, n_old = pb.dem.amount, pb.present, pb.n_old
    m_all = present.shape[1]
    demand = np.flatnonzero(P > 0)
    keep = P[pb.pairs.i] > 0
    i, j, d = pb.pairs.i[keep], pb.pairs.j[keep], pb.pairs.cost[keep]
    k = len(i)
    scale = max(float((P[i] * d).mean()), 1e-12) if k else 1.0
    z = m_all + np.arange(k)  # columns: x (every site; existing fixed at 1), then z (one per pair)
    row = np.searchsorted(demand, i)
    assign = sp.csr_matrix((np.ones(k), (row, z)), shape=(len(demand), m_all + k))
    link = sp.csr_matrix((np.r_[np.ones(k), -np.ones(k)], (np.r_[np.arange(k), np.arange(k)], np.r_[z, j])),
                         shape=(k, m_all + k))                          # z_ij − x_j ≤ 0
    S, s_lo, s_hi = limits.rows()                                       # over the new x_j: p, budget, quotas
    new = sp.hstack([sp.csr_matrix((S.shape[0], n_old)), S, sp.csr_matrix((S.shape[0], k))])
    A = sp.vstack([assign, link, new]).tocsc()
    lo = np.r_[np.ones(len(demand)), np.full(k, -np.inf), s_lo]
    hi = np.r_[np.ones(len(demand)), np.zeros(k), s_hi]
    col_lo = np.r_[np.ones(n_old), np.zeros(m_all - n_old + k)]
    sol = solve_milp(np.r_[np.zeros(m_all), P[i] * d / scale], A, lo, hi, col_lo, np.ones(m_all + k),
                     np.r_[np.ones(m_all, bool), np.zeros(k, bool)],
                     start=_greedy_median(row, j, d, P[i], n_old, limits, warm), shown=lambda v: v * scale,
                     **search)
    return sol.x[n_old:m_all] > 0.5, sol.status, sol.gap


def _greedy_median(row, j, d, weight, n_old: int, limits: Limits, warm: np.ndarray | None) -> np.ndarray | None:
    """A p-median start (x, then z per pair): new sites added by :func:`grow` for the largest
    saving in ``Σ weight × cost``, each row then assigned to its nearest open site; None when
    a row is left without an open site in reach."""
    new = j >= n_old
    unassigned = 2 * float(d.max()) + 1  # the cost of a row with no open site, while choosing
    base = np.full(row.max() + 1, unassigned)
    np.minimum.at(base, row[~new], d[~new])
    chosen = grow(limits, _savings(base, row[new], j[new] - n_old, d[new], weight[new]), warm)
    if chosen is None:
        return None
    is_open = np.r_[np.ones(n_old, bool), chosen]
    use = np.flatnonzero(is_open[j])
    if len(np.unique(row[use])) < len(base):
        return None
    z = np.zeros(len(row))
    z[use[nearest(row[use], d[use])]] = 1.0
    return np.r_[is_open, z]


class _Levels:
    """The p-median's pairs by demand row and cost, grouped into levels: the distinct costs
    ``D_r0 < D_r1 < … < D_r(K−1)`` of each row ``r`` (Cornuéjols et al. 1980; Elloumi 2010).
    Attributes: per pair ``row``, ``j`` (site), ``d`` (cost), ``level`` (global level id);
    per level ``of`` (its row), ``cost``; per row ``first`` (its first level), ``count``
    (its levels ``K``), ``weight`` (population)."""

    def __init__(self, row: np.ndarray, j: np.ndarray, d: np.ndarray, weight: np.ndarray):
        order = np.lexsort((d, row))
        self.row, self.j, self.d, self.weight = row[order], j[order], d[order], weight
        starts = np.r_[True, (np.diff(self.row) != 0) | (np.diff(self.d) != 0)] if len(order) else np.zeros(0, bool)
        self.level = np.cumsum(starts) - 1
        self.of, self.cost = self.row[starts], self.d[starts]
        self.first = np.searchsorted(self.of, np.arange(len(weight)))
        self.count = np.diff(np.r_[self.first, len(self.of)])

    def nearest(self, is_open: np.ndarray, unreached: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the cost to the nearest open site (``unreached`` if none) and its level (``count`` if none)."""
        at = np.flatnonzero(is_open[self.j])
        first = at[np.r_[True, np.diff(self.row[at]) > 0]] if len(at) else at
        d1, lev = np.full(len(self.weight), unreached), self.count.copy()
        d1[self.row[first]], lev[self.row[first]] = self.d[first], self.level[first] - self.first[self.row[first]]
        return d1, lev

    def total(self, is_open: np.ndarray) -> float:
        """``Σ weight × cost to the nearest open site`` (infinite when a row has none)."""
        return float(self.weight @ self.nearest(is_open)[0])


def _median_start(lv: _Levels, n_old: int, limits: Limits, warm: np.ndarray | None, deadline) -> np.ndarray | None:
    """A p-median start: new sites added by :func:`grow` for the largest saving in ``Σ weight
    × cost`` (from ``warm`` when given), then improved by :func:`_interchange`; None when
    a row is left without an open site in reach."""
    row, j, d = lv.row, lv.j, lv.d
    new = j >= n_old
    base = np.full(len(lv.weight), 2 * float(d.max()) + 1)  # a row with no open site in reach, while choosing
    np.minimum.at(base, row[~new], d[~new])
    chosen = grow(limits, _savings(base, row[new], j[new] - n_old, d[new], lv.weight[row[new]]), warm)
    if chosen is None or not np.isfinite(lv.total(np.r_[np.ones(n_old, bool), chosen])):
        return None
    return _interchange(lv, n_old, limits, chosen, deadline)


#: Share of the time limit the interchange heuristic may take before the MILP.
INTERCHANGE_SHARE = 0.25
#: Largest ``candidates × open new sites`` matrix of swap gains the interchange builds.
INTERCHANGE_CELLS = 1 << 24


def _interchange(lv: _Levels, n_old: int, limits: Limits, chosen: np.ndarray, deadline) -> np.ndarray:
    """Teitz & Bart (1968) vertex substitution with the fast gains of Whitaker (1983): while
    some swap of an open new site for a closed candidate (within the limits) lowers the
    total cost, make the best one. Per row with nearest open cost ``d1`` (site ``f1``) and
    second ``d2``, swapping ``j`` in for ``r`` gains ``Σᵢ wᵢ (d1 − dᵢⱼ)⁺ − Σ_{f1=r} wᵢ
    (min(dᵢⱼ, d2) − d1)⁺``."""
    row, j, d, w = lv.row, lv.j, lv.d, lv.weight
    m = len(chosen)
    if chosen.sum() * m > INTERCHANGE_CELLS:
        return chosen
    stop = None if deadline is None else time.monotonic() + INTERCHANGE_SHARE * (deadline - time.monotonic())
    big = 2 * float(d.max()) + 1  # the cost of a row with no open site
    chosen = chosen.copy()
    new = j >= n_old
    while stop is None or time.monotonic() < stop:
        is_open = np.r_[np.ones(n_old, bool), chosen]
        at = np.flatnonzero(is_open[j])
        head = np.r_[True, np.diff(row[at]) > 0]
        second = at[np.r_[False, ~head[1:] & head[:-1]]]
        d1, f1, d2 = np.full(len(w), big), np.full(len(w), -1), np.full(len(w), big)
        d1[row[at[head]]], f1[row[at[head]]], d2[row[second]] = d[at[head]], j[at[head]], d[second]
        closed = new & ~is_open[j]
        gain = np.bincount(j[closed] - n_old, weights=(w[row] * np.maximum(d1[row] - d, 0))[closed], minlength=m)
        S = np.flatnonzero(chosen)
        slot = np.full(m, -1)
        slot[S] = np.arange(len(S))
        mine = f1 >= n_old  # rows served by a new site
        r_of = np.where(mine, slot[np.maximum(f1 - n_old, 0)], -1)
        loss = np.bincount(r_of[mine], weights=(w * (d2 - d1))[mine], minlength=len(S))
        q = np.flatnonzero(closed & mine[row] & (d < d2[row]))
        back = np.bincount((j[q] - n_old) * len(S) + r_of[row[q]], minlength=m * len(S),
                           weights=w[row[q]] * (d2[row[q]] - np.maximum(d[q], d1[row[q]]))).reshape(m, len(S))
        profit = np.where(limits.swaps(chosen), gain[:, None] - loss[None, :] + back, -np.inf)
        k = int(np.argmax(profit))
        if not profit.size or profit.flat[k] <= 1e-9 * float(w @ d1):
            break
        chosen[k // len(S)], chosen[S[k % len(S)]] = True, False
    return chosen


#: Levels kept at first beyond each row's level in the start: those within this factor of its cost.
LEVEL_SLACK = 1.5


def _radius_search(lv: _Levels, n_old: int, limits: Limits, chosen: np.ndarray | None, search: dict, deadline):
    """The p-median solved exactly through truncated radius formulations (García, Labbé &
    Marín 2011). Row ``r`` keeps its first ``L_r`` levels; ``z_rk`` (k < L_r) is 1 when no
    open site is within ``D_rk``: minimize ``Σ_r w_r (D_r0 + Σ_k (D_r(k+1) − D_rk) z_rk)``
    subject to ``z_r0 + Σ_{level 0} xⱼ ≥ 1``, ``z_rk − z_r(k−1) + Σ_{level k} xⱼ ≥ 0`` and the
    limits; ``z_r(K−1) = 0`` where every level is kept. Dropping the later terms (all ≥ 0)
    makes each truncated model a relaxation, so its bound is a bound of the p-median; a
    solution with every ``z_r(L−1) = 0`` costs what the model says and is optimal. Else
    the rows it leaves beyond their levels get levels up to their cost in it (so it stays
    feasible at its true cost) and the model is solved again, from the best solution so far.

    With ``p`` given, the Lagrangian bound (:func:`_lagrangian`) comes first: its own sites
    may be the better start (then improved by :func:`_interchange`), and when it leaves a gap
    its reduction (:func:`_reduce`) shrinks the model: sites it proves closed go, sites it
    proves open are fixed, and each row keeps only the pairs up to its nearest fixed site."""
    m_all = n_old + len(limits.cost)
    tolerance = search.get("mip_rel_gap") or 1e-4
    is_open = None if chosen is None else np.r_[np.ones(n_old, bool), chosen]
    best = math.inf if is_open is None else lv.total(is_open)
    lower, shut, fixed = -math.inf, np.zeros(m_all - n_old, bool), np.zeros(m_all - n_old, bool)
    if is_open is not None and limits.p:
        dual = _lagrangian(lv, n_old, limits, best, is_open, deadline)
        lower = dual.lower
        if dual.cost < best:  # the relaxation's sites, to a local optimum of the interchange
            found = _interchange(lv, n_old, limits, dual.is_open[n_old:], deadline)
            is_open = np.r_[np.ones(n_old, bool), found]
            best = lv.total(is_open)
        if best - lower <= tolerance * abs(best):
            return is_open[n_old:], "Optimal", _gap(best, lower)
        if deadline is not None and deadline - time.monotonic() < 1.0:
            return is_open[n_old:], "Time limit reached", _gap(best, lower)
        shut, fixed, reduced = _reduce(lv, n_old, limits.p, dual, best, is_open)
        if reduced is None:  # a row every site of which is closed: no solution is cheaper
            return is_open[n_old:], "Optimal", 0.0
        lv, ceiling = reduced, best  # bounds of the reduced model hold for solutions cheaper than the ceiling
    else:
        ceiling = math.inf
    if is_open is None:
        keep = np.minimum(lv.count, 2)
    else:  # the levels within LEVEL_SLACK × the start's cost, and at least up to the start's
        d1, lev = lv.nearest(is_open)
        within = np.bincount(lv.of[lv.cost <= (d1 * LEVEL_SLACK)[lv.of]], minlength=len(lv.weight))
        keep = np.minimum(np.maximum(within, lev + 1), lv.count)
    while True:
        try:
            sol = _truncated(lv, n_old, m_all, keep, is_open, limits, search, deadline, shut, fixed)
        except SolverError as exc:
            if exc.status != "Infeasible" or not math.isfinite(ceiling):
                raise
            return is_open[n_old:], "Optimal", 0.0  # nothing within the reduction: the start is optimal
        x = np.r_[np.ones(n_old, bool), sol.x[n_old:m_all] > 0.5]
        value = lv.total(x)
        if value < best:
            best, is_open = value, x
        lower = max(lower, min(sol.bound, ceiling))
        lev = lv.nearest(x)[1]
        short = lev >= keep  # nearest open site beyond the kept levels
        gap = _gap(best, lower)
        if gap <= tolerance:
            return is_open[n_old:], "Optimal", gap
        if not short.any() or not sol.optimal:  # x costs what the model says, or the time is up
            return is_open[n_old:], sol.status, gap
        keep = np.where(short, np.minimum(np.maximum(2 * keep, lev + 1), lv.count), keep)


def _gap(best: float, lower: float) -> float:
    """``(best − lower) / best``, at least 0 (0 when ``best`` is)."""
    return max((best - lower) / abs(best), 0.0) if best else 0.0


#: Share of the time left that the Lagrangian bound may take, its most subgradient steps, and
#: the steps without a better bound after which the step size is halved.
LAGRANGIAN_SHARE, LAGRANGIAN_STEPS, LAGRANGIAN_PATIENCE = 0.5, 20_000, 100


@dataclass(frozen=True)
class _Dual:
    """What the Lagrangian relaxation of :func:`_lagrangian` found: its best bound ``lower``
    with the per-site ``rho`` there (new sites of least ``rho`` make up its solution), and the
    cheapest sites it met within the limits (``is_open``, every site; the start's when none is
    cheaper) with their ``cost``."""

    lower: float
    rho: np.ndarray
    is_open: np.ndarray | None
    cost: float


def _lagrangian(lv: _Levels, n_old: int, limits: Limits, upper: float, is_open: np.ndarray, deadline) -> _Dual:
    """A lower bound of the p-median with ``p`` new sites (any budget or quotas relaxed): the
    Lagrangian relaxation of the assignment rows (Cornuéjols, Fisher & Nemhauser 1977;
    Beasley 1993), ``L(λ) = Σᵣ λᵣ + Σ_{j open} ρⱼ`` with ``ρⱼ = Σᵣ min(0, wᵣ dᵣⱼ − λᵣ)``, the
    existing sites and the ``p`` new ones of least ``ρ`` open. Every ``L(λ)`` is a bound (it
    tends to the LP bound); ``λ`` by subgradient steps from the costs of ``is_open`` (cost
    ``upper``): Polyak's, to the best cost known, halved after ``LAGRANGIAN_PATIENCE`` steps
    without a better bound. A step reads only the pairs with ``wᵣ dᵣⱼ < λᵣ`` (a prefix of each
    row, found by one binary search), so thousands take seconds. The relaxation's own sites
    are costed as it goes: when each row has exactly one open site below its ``λᵣ`` they cost
    ``L(λ)`` and are optimal. The best bound is recomputed over every pair at the end."""
    n, m_all, p = len(lv.weight), n_old + len(limits.cost), limits.p
    row, j = lv.row, lv.j
    wd = lv.weight[row] * lv.d  # ascending within each row
    head = np.searchsorted(row, np.arange(n))
    size = np.diff(np.r_[head, len(row)])
    top = 2 * np.maximum(wd[head + size - 1], np.finfo(float).tiny)
    key = row + wd / top[row]  # ascending: one search finds each row's prefix below λ
    rows = np.arange(n)
    lam = lv.weight * lv.nearest(is_open)[0]
    best_sites, best_cost = is_open, upper
    stop = None if deadline is None else time.monotonic() + LAGRANGIAN_SHARE * (deadline - time.monotonic())
    best, best_lam, mu, stall = -math.inf, lam, 2.0, 0
    for step in range(LAGRANGIAN_STEPS):
        # each row's pairs below λ and one more (the key's rounding; the bound returned is recomputed exactly)
        count = np.minimum(np.searchsorted(key, rows + np.minimum(lam / top, 0.75), side="right") + 1 - head, size)
        at = np.repeat(head - np.r_[0, np.cumsum(count)[:-1]], count) + np.arange(count.sum())
        r, diff = row[at], np.minimum(wd[at] - lam[row[at]], 0.0)
        rho = np.bincount(j[at], weights=diff, minlength=m_all)
        pick = np.r_[np.ones(n_old, bool), np.zeros(m_all - n_old, bool)]
        if p:
            pick[n_old + np.argpartition(rho[n_old:], p - 1)[:p]] = True
        value = float(lam.sum() + rho[pick].sum())
        if value > best:
            best, best_lam, stall = value, lam, 0
        elif (stall := stall + 1) >= LAGRANGIAN_PATIENCE:
            mu, stall = mu / 2, 0
        g = 1.0 - np.bincount(r, weights=(diff < 0) & pick[j[at]], minlength=n)
        norm = float(g @ g)
        if (norm == 0 or step % 50 == 0) and limits.allows(pick[n_old:]):
            cost = lv.total(pick)
            if cost < best_cost:
                best_sites, best_cost = pick, cost
        if (norm == 0 or mu < 1e-4 or best_cost - best <= 1e-6 * abs(best_cost)
                or (stop is not None and time.monotonic() > stop)):
            break
        lam = np.maximum(lam + mu * (best_cost - value) / norm * g, 0.0)
    rho = np.bincount(j, weights=np.minimum(wd - best_lam[row], 0.0), minlength=m_all)  # every pair: exact
    new = rho[n_old:]
    lower = float(best_lam.sum() + rho[:n_old].sum() + (np.partition(new, p - 1)[:p].sum() if p else 0.0))
    return _Dual(lower, rho, best_sites, best_cost)


def _reduce(lv: _Levels, n_old: int, p: int, dual: _Dual, upper: float, is_open: np.ndarray):
    """Lagrangian reduction: new sites the bound proves closed (``shut``) or open (``fixed``) in
    every solution cheaper than ``upper``, and the pairs still of use. With ``j`` forced into
    (out of) the relaxation's solution, its bound rises by ``ρⱼ`` less the largest ``ρ`` of the
    ``p`` chosen (the least not chosen, less ``ρⱼ``); above ``upper``, no cheaper solution has
    ``j`` open (closed). A row's pairs beyond its nearest site known open are never used."""
    rho = dual.rho[n_old:]
    order = np.argsort(rho, kind="stable")
    inside = np.zeros(len(rho), bool)
    inside[order[:p]] = True
    margin = 1e-9 * abs(upper)
    last, after = rho[order[p - 1]], rho[order[p]] if p < len(rho) else math.inf
    shut = ~inside & (dual.lower + rho - last > upper + margin) & ~is_open[n_old:]
    fixed = inside & (dual.lower - rho + after > upper + margin)
    known = np.r_[np.ones(n_old, bool), fixed]
    reach = np.full(len(lv.weight), np.inf)
    np.minimum.at(reach, lv.row[known[lv.j]], lv.d[known[lv.j]])
    use = ~np.r_[np.zeros(n_old, bool), shut][lv.j] & (lv.d <= reach[lv.row])
    if len(np.unique(lv.row[use])) < len(lv.weight):  # a row with every site closed
        return shut, fixed, None
    return shut, fixed, _Levels(lv.row[use], lv.j[use], lv.d[use], lv.weight)


def _truncated(lv: _Levels, n_old: int, m_all: int, keep: np.ndarray, is_open, limits: Limits, search: dict,
               deadline, shut: np.ndarray, fixed: np.ndarray):
    """The radius formulation of :func:`_radius_search` keeping the first ``keep[r]`` levels of
    each row, solved from ``is_open`` (when given), the new sites ``shut`` closed and ``fixed`` open."""
    rank = np.arange(len(lv.of)) - lv.first[lv.of]
    kept = np.flatnonzero(rank < keep[lv.of])  # global level ids, in row order
    k = len(kept)
    pos = np.full(len(lv.of), -1)
    pos[kept] = np.arange(k)
    last = rank[kept] == keep[lv.of[kept]] - 1
    full = last & (keep[lv.of[kept]] == lv.count[lv.of[kept]])
    w = lv.weight[lv.of[kept]]
    step = np.where(full, 0.0, lv.cost[np.minimum(kept + 1, len(lv.of) - 1)] - lv.cost[kept])
    offset = float(lv.weight @ lv.cost[lv.first])
    scale = float((w * step).sum()) / len(lv.weight) or 1.0  # the objective's unit: ~ a row's share
    use = np.flatnonzero(pos[lv.level] >= 0)  # pairs at kept levels
    S, s_lo, s_hi = limits.rows()
    size = ModelSize(k + S.shape[0], m_all + k, len(use) + 2 * k + S.nnz)
    check_size(size, "pmedian", SHRINK)
    chain = np.flatnonzero(rank[kept] > 0)  # z_rk − z_r(k−1)
    A = sp.vstack([sp.csr_matrix((np.r_[np.ones(len(use)), np.ones(k), -np.ones(len(chain))],
                                  (np.r_[pos[lv.level[use]], np.arange(k), chain],
                                   np.r_[lv.j[use], m_all + np.arange(k), m_all + chain - 1])), shape=(k, m_all + k)),
                   sp.hstack([sp.csr_matrix((S.shape[0], n_old)), S, sp.csr_matrix((S.shape[0], k))])]).tocsc()
    lo = np.r_[(rank[kept] == 0).astype(float), s_lo]
    hi = np.r_[np.full(k, np.inf), s_hi]
    col_lo = np.r_[np.ones(n_old), fixed, np.zeros(k)].astype(float)
    col_hi = np.r_[np.ones(n_old), ~shut, np.where(full, 0.0, 1.0)].astype(float)
    start = None
    if is_open is not None:
        d1 = lv.nearest(is_open)[0]
        start = np.r_[is_open, d1[lv.of[kept]] > lv.cost[kept]].astype(float)
    left = dict(search)
    if deadline is not None:
        left["time_limit"] = max(deadline - time.monotonic(), 1e-3)
    sol = solve_milp(np.r_[np.zeros(m_all), w * step / scale], A, lo, hi, col_lo, col_hi,
                     np.r_[np.ones(m_all, bool), np.zeros(k, bool)], start=start, offset=offset / scale,
                     shown=lambda v: v * scale, **left)
    return replace(sol, objective=sol.objective * scale, bound=sol.bound * scale)


def _savings(base: np.ndarray, row, site, d, weight) -> Callable[[np.ndarray], np.ndarray]:
    """``gain(chosen)`` of the p-median greedy: per candidate ``site``, ``Σ weight × (cost now −
    cost to it)`` over its pairs; the cost now (``base``: to the existing sites) follows the
    sites opened since the last call."""
    best, opened = base.copy(), None

    def saving(chosen: np.ndarray) -> np.ndarray:
        nonlocal best, opened
        if opened is None or (opened & ~chosen).any():
            best, opened = base.copy(), np.zeros(len(chosen), bool)
        for s in np.flatnonzero(chosen & ~opened):
            at = site == s
            np.minimum.at(best, row[at], d[at])
        opened = chosen.copy()
        return np.bincount(site, weights=weight * np.maximum(best[row] - d, 0), minlength=len(chosen))

    return saving
