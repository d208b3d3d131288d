"""Simulating networks from an ERGM: a tie/no-tie Metropolis–Hastings sampler.

Each proposal toggles one dyad: with probability 1/2 a random existing tie (removal), else
a uniformly random dyad (Morris, Handcock & Hunter 2008, the TNT proposal of ``ergm``);
the Hastings ratio corrects for the two ways a tie can be drawn. The change statistics
are the hot path: the dyad-independent terms' contribution θ'Δ is one precomputed
``n × n`` matrix (looked up per proposal), the dependent terms' changes are computed on the
dense adjacency and degree arrays of :class:`~.terms.State` (a row intersection for
triangles, a degree lookup for stars, two-path counts kept current in O(n) per accepted
toggle for GWDSP) or its neighbour sets (GWESP: the few pairs a toggle closes, each one's
partners a set intersection, O(degree) with no update beyond the sets' own), and
statistics are updated only on accepted toggles.

Independent chains are seeded from one :class:`numpy.random.SeedSequence` and run on any
engine (:mod:`healthalloc.engine`); results do not depend on the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from operator import mul

import numpy as np

from healthalloc.engine import get_executor
from healthalloc.mobility.ergm.terms import State, dyads

__all__ = ["Chains", "run_chains", "simulate"]


@dataclass(frozen=True)
class Chains:
    """Statistics sampled by independent chains: ``stats[c]`` is chain c's ``(draws, p)``
    array of network statistics; ``networks`` the last network of each chain, or every
    sampled network in order (``keep_networks=True``), as boolean adjacency matrices."""

    stats: list[np.ndarray]
    networks: list[np.ndarray]
    acceptance: float

    def pooled(self) -> np.ndarray:
        return np.concatenate(self.stats, axis=0)


class _Edges:
    """The current ties, for drawing one uniformly at random and updating in O(1)."""

    def __init__(self, A: np.ndarray, directed: bool):
        t, h = np.nonzero(A if directed else np.triu(A))
        n = A.shape[0]
        cap = n * (n - 1) // (1 if directed else 2)  # every dyad a tie at most
        self.t = np.zeros(cap, dtype=np.int32)
        self.h = np.zeros(cap, dtype=np.int32)
        self.m = len(t)
        self.t[:self.m], self.h[:self.m] = t, h
        self.pos = np.full(A.shape, -1, dtype=np.int32)
        self.pos[t, h] = np.arange(self.m)

    def add(self, t: int, h: int) -> None:
        self.t[self.m], self.h[self.m] = t, h
        self.pos[t, h] = self.m
        self.m += 1

    def remove(self, t: int, h: int) -> None:
        k, last = self.pos[t, h], self.m - 1
        lt, lh = self.t[last], self.h[last]
        self.t[k], self.h[k] = lt, lh
        self.pos[lt, lh] = k
        self.pos[t, h] = -1
        self.m -= 1


def _independent_eta(model, theta: np.ndarray) -> np.ndarray:
    """θ'Δ of the dyad-independent terms for every dyad, as an ``n × n`` matrix."""
    n = model.n
    eta = np.zeros((n, n))
    terms = [(term, sl) for term, sl in zip(model.terms, model.slices) if term.dyad_independent]
    if not terms:
        return eta
    st = State(np.zeros((n, n), dtype=bool), model.directed)
    rows = max(1, (1 << 20) // n)
    for a in range(0, n, rows):
        t, h = dyads(n, model.directed, slice(a, min(a + rows, n)))
        eta[t, h] = sum(term.change(st, t, h) @ theta[sl] for term, sl in terms)
    return eta


def _chain(task: tuple, *, model, theta: np.ndarray, interval: int, burnin: int, keep: bool = False):
    """One chain: ``draws`` statistics every ``interval`` proposals after ``burnin``.

    The dyad-independent terms enter the acceptance ratio through one precomputed
    ``n × n`` matrix of θ'Δ and are summed over the ties only when a network is recorded;
    the dyad-dependent terms' change statistics are computed per proposal
    (:meth:`~.terms.Term.change1`) and their statistics updated on each accepted toggle.
    With ``keep`` every recorded network is returned, else the last one.
    """
    seed, draws, A0 = task
    rng = np.random.default_rng(seed)
    st = State(A0.copy(), model.directed)
    A, n, directed = st.A, model.n, model.directed
    successors = st.neighbours()[0]
    n_dyads = float(model.n_dyads)
    eta = _independent_eta(model, theta)
    dependent = [term for term in model.terms if not term.dyad_independent]
    independent = [(term, sl) for term, sl in zip(model.terms, model.slices) if term.dyad_independent]
    dep_cols = np.concatenate([np.arange(sl.start, sl.stop) for term, sl in zip(model.terms, model.slices)
                               if not term.dyad_independent] or [np.zeros(0, dtype=int)])
    theta_dep = theta[dep_cols].tolist()
    g_dep = [float(v) for term in dependent for v in np.atleast_1d(term.stat(st))]
    ties = _Edges(A, directed)
    out = np.empty((draws, len(theta)))
    kept = []
    done, record, recorded, accepted, i, size = 0, burnin + interval, 0, 0, 0, 0
    half_n = 0.5 / n_dyads
    while recorded < draws:
        if i == size:  # random numbers in blocks
            size = 4096
            mode = rng.random(size).tolist()
            ut = rng.integers(n, size=size).tolist()
            uh = rng.integers(n - 1, size=size).tolist()
            ue = rng.random(size).tolist()
            la = np.log(rng.random(size)).tolist()
            i = 0
        m = ties.m
        if m > 0 and mode[i] < 0.5:
            k = int(ue[i] * m)
            t, h = int(ties.t[k]), int(ties.h[k])
        else:
            t, h = ut[i], uh[i]
            h += h >= t
            if not directed and t > h:
                t, h = h, t
        present = h in successors[t]
        changes = [c for term in dependent for c in term.change1(st, t, h)]
        ratio = eta.item(t, h) + sum(map(mul, changes, theta_dep))
        if present:  # TNT Hastings ratio: removal drawn as a tie or a dyad, and back
            log_ratio = -ratio + math.log(((0.5 if m > 1 else 1.0) / n_dyads) / (0.5 / m + half_n))
        else:
            log_ratio = ratio + math.log((0.5 / (m + 1) + half_n) / ((0.5 if m > 0 else 1.0) / n_dyads))
        if la[i] < log_ratio:
            if st.toggle(t, h) > 0:
                ties.add(t, h)
                sign = 1.0
            else:
                ties.remove(t, h)
                sign = -1.0
            for j, c in enumerate(changes):
                g_dep[j] += sign * c
            accepted += 1
        i += 1
        done += 1
        if done == record:
            tt, hh = ties.t[:ties.m], ties.h[:ties.m]
            for term, sl in independent:
                out[recorded, sl] = term.change(st, tt, hh).sum(axis=0)
            out[recorded, dep_cols] = g_dep
            if keep:
                kept.append(A.copy())
            recorded += 1
            record += interval
    return out, (kept if keep else [A]), accepted / max(done, 1)


def run_chains(model, theta, A0, *, draws: int, interval: int, burnin: int, chains: int = 1,
               seed=None, engine="serial", keep_networks: bool = False) -> Chains:
    """Run ``chains`` independent chains at parameter ``theta``, together ``draws`` statistics
    (split as evenly as possible), each after ``burnin`` proposals and then every
    ``interval``; seeded by ``seed`` (an int, a SeedSequence or None), on ``engine``. ``A0``
    is the starting network (boolean adjacency), or one per chain (a list, e.g. the
    ``networks`` of an earlier run, so that a chain goes on where it stopped)."""
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    starts = list(A0) if isinstance(A0, list) else [A0] * chains
    if len(starts) != chains:
        raise ValueError(f"{len(starts)} starting networks for {chains} chains")
    sizes = [draws // chains + (c < draws % chains) for c in range(chains)]
    tasks = [(s, k, np.asarray(a, bool)) for s, k, a in zip(seq.spawn(chains), sizes, starts) if k > 0]
    func = partial(_chain, model=model, theta=np.asarray(theta, float), interval=int(interval),
                   burnin=int(burnin), keep=keep_networks)
    with get_executor(engine) as ex:
        results = ex.map(func, tasks)
    return Chains([r[0] for r in results], [a for r in results for a in r[1]],
                  float(np.mean([r[2] for r in results])))


def simulate(fit, nsim: int = 100, *, interval: int | None = None, burnin: int | None = None, chains: int = 1,
             seed=None, engine="serial", keep_networks: bool = True) -> Chains:
    """Networks from a fitted ERGM (:class:`~healthalloc.mobility.ergm.fit.ErgmResult`):
    ``nsim`` draws, ``interval`` proposals apart (default: the fit's), after ``burnin``
    (default 16 intervals), by ``chains`` chains on ``engine``, seeded by ``seed``; the
    networks themselves are kept unless ``keep_networks=False``.
    Infinite coefficients are not supported here (the sampler needs finite ones).
    """
    theta = fit.coef.to_numpy(float)
    if not np.isfinite(theta).all():
        raise ValueError("simulate: the model has infinite or missing coefficients "
                         f"({', '.join(fit.coef.index[~np.isfinite(theta)])}); refit without those terms")
    interval = interval or fit.control.interval_for(fit.model)
    burnin = burnin if burnin is not None else 16 * interval
    return run_chains(fit.model, fit.model.map.eta(theta), fit.model.observed, draws=nsim, interval=interval,
                      burnin=burnin, chains=chains, seed=seed, engine=engine, keep_networks=keep_networks)
