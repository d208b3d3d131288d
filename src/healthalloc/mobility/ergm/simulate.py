"""Simulating networks from an ERGM: a tie/no-tie Metropolis–Hastings sampler.

Each proposal toggles one dyad: with probability 1/2 a random existing tie (removal), else
a uniformly random dyad (Morris, Handcock & Hunter 2008, the TNT proposal of ``ergm``);
the Hastings ratio corrects for the two ways a tie can be drawn. The change statistics
are the hot path; they are computed vectorized for a *batch* of proposals drawn from the
same state, and the batch is scanned for its first accepted proposal, which is applied;
the proposals after it are discarded and drawn again from the new state. Every proposal up
to the first acceptance is a draw from the current state, so the chain is exactly the
sequential sampler, while numpy does the work of many proposals in one call. The batch
size adapts to the acceptance rate.

Independent chains are seeded from one :class:`numpy.random.SeedSequence` and run on any
engine (:mod:`healthalloc.engine`); results do not depend on the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from healthalloc.engine import get_executor
from healthalloc.mobility.ergm.terms import State

__all__ = ["Chains", "run_chains", "simulate"]


@dataclass(frozen=True)
class Chains:
    """Statistics sampled by independent chains: ``stats[c]`` is chain c's ``(draws, p)``
    array of network statistics; ``networks[c]`` its last network (boolean adjacency)."""

    stats: list[np.ndarray]
    networks: list[np.ndarray]
    acceptance: float

    def pooled(self) -> np.ndarray:
        return np.concatenate(self.stats, axis=0)


class _Edges:
    """The current ties, for drawing one uniformly at random and updating in O(1)."""

    def __init__(self, A: np.ndarray, directed: bool):
        t, h = np.nonzero(A if directed else np.triu(A))
        cap = A.shape[0] * A.shape[0]
        self.t = np.zeros(cap, dtype=np.int64)
        self.h = np.zeros(cap, dtype=np.int64)
        self.m = len(t)
        self.t[:self.m], self.h[:self.m] = t, h
        self.pos = np.full(A.shape, -1, dtype=np.int64)
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


def _chain(task: tuple, *, model, theta: np.ndarray, A0: np.ndarray, interval: int, burnin: int):
    """One chain: ``draws`` statistics every ``interval`` proposals after ``burnin``."""
    seed, draws = task
    rng = np.random.default_rng(seed)
    st = State(A0.copy(), model.directed)
    n = st.A.shape[0]
    n_dyads = n * (n - 1) // (1 if model.directed else 2)
    ties = _Edges(st.A, model.directed)
    g = model.stats(st)
    out = np.empty((draws, len(g)))
    total, done, record, recorded = burnin + draws * interval, 0, burnin + interval, 0
    batch, accepted = 8, 0
    while recorded < draws:
        size = min(batch, record - done)
        m = ties.m
        from_ties = (rng.random(size) < 0.5) if m > 0 else np.zeros(size, dtype=bool)
        t = rng.integers(n, size=size)
        h = rng.integers(n - 1, size=size)
        h += h >= t
        if not model.directed:
            t, h = np.minimum(t, h), np.maximum(t, h)
        if m > 0 and from_ties.any():
            k = rng.integers(m, size=int(from_ties.sum()))
            t[from_ties], h[from_ties] = ties.t[k], ties.h[k]
        present = st.A[t, h]
        delta = model.change(st, t, h)
        sign = np.where(present, -1.0, 1.0)
        # Hastings ratio of the TNT proposal: q(y → y') for this dyad and back
        add_fwd = (0.5 if m > 0 else 1.0) / n_dyads
        q_fwd = np.where(present, 0.5 / max(m, 1) + 0.5 / n_dyads, add_fwd)
        q_rev = np.where(present, (0.5 if m > 1 else 1.0) / n_dyads, 0.5 / (m + 1) + 0.5 / n_dyads)
        log_ratio = sign * (delta @ theta) + np.log(q_rev) - np.log(q_fwd)
        accept = np.log(rng.random(size)) < log_ratio
        first = int(np.argmax(accept)) if accept.any() else size
        done += min(first + 1, size)
        if first < size:
            a, b = int(t[first]), int(h[first])
            if st.toggle(a, b) > 0:
                ties.add(a, b)
            else:
                ties.remove(a, b)
            g += sign[first] * delta[first]
            accepted += 1
            batch = max(4, min(512, 2 * (first + 1)))
        else:
            batch = min(512, 2 * batch)
        if done == record:
            out[recorded] = g
            recorded += 1
            record += interval
    return out, st.A, accepted / max(total, 1)


def run_chains(model, theta, A0: np.ndarray, *, draws: int, interval: int, burnin: int, chains: int = 1,
               seed=None, engine="serial") -> Chains:
    """Run ``chains`` independent chains from network ``A0`` at parameter ``theta``, together
    ``draws`` statistics (split as evenly as possible), each after ``burnin`` proposals and
    then every ``interval``; seeded by ``seed`` (an int, a SeedSequence or None), on ``engine``."""
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    sizes = [draws // chains + (c < draws % chains) for c in range(chains)]
    tasks = [(s, k) for s, k in zip(seq.spawn(chains), sizes) if k > 0]
    func = partial(_chain, model=model, theta=np.asarray(theta, float), A0=np.asarray(A0, bool),
                   interval=int(interval), burnin=int(burnin))
    with get_executor(engine) as ex:
        results = ex.map(func, tasks)
    return Chains([r[0] for r in results], [r[1] for r in results], float(np.mean([r[2] for r in results])))


def simulate(fit, nsim: int = 100, *, interval: int | None = None, burnin: int | None = None, chains: int = 1,
             seed=None, engine="serial") -> Chains:
    """Networks from a fitted ERGM (:class:`~healthalloc.mobility.ergm.fit.ErgmResult`):
    ``nsim`` draws, ``interval`` proposals apart (default: the fit's), after ``burnin``.
    Infinite coefficients are not supported here (the sampler needs finite ones).
    """
    theta = fit.coef.to_numpy(float)
    if not np.isfinite(theta).all():
        raise ValueError("simulate: the model has infinite or missing coefficients "
                         f"({', '.join(fit.coef.index[~np.isfinite(theta)])}); refit without those terms")
    interval = interval or fit.control.interval_for(fit.model)
    burnin = burnin if burnin is not None else 16 * interval
    return run_chains(fit.model, theta, fit.model.observed, draws=nsim, interval=interval, burnin=burnin,
                      chains=chains, seed=seed, engine=engine)
