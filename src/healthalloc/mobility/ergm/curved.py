"""Curved geometrically weighted terms (``fixed=FALSE``): the decay α estimated with θ.

``gwesp``, ``gwdsp``, ``gwdegree``, ``gwidegree`` and ``gwodegree`` with ``fixed=FALSE`` are
curved exponential family terms (Hunter & Handcock 2006). Their canonical statistics are a
histogram, for k = 1 … K (K = ``cutoff``, default 30, at most n − 2 partners or n − 1 degree):

=================  ====================================  ===========================
term               statistics                            names (ergm's)
=================  ====================================  ===========================
gwesp              ESP_k: ties with k shared partners    ``esp#k`` (``esp.OTP#k``)
gwdsp              DSP_k: dyads with k shared partners   ``dsp#k`` (``dsp.OTP#k``)
gwdegree           D_k: nodes of degree k                ``gwdegree#k``
gwidegree/…odeg…   nodes of in-/out-degree k             ``gwidegree#k``, ``gwodegree#k``
=================  ====================================  ===========================

Their two parameters, named ``gwesp`` and ``gwesp.decay`` (directed ``gwesp.OTP``,
``gwesp.OTP.decay``; ``gwdegree``, ``gwdegree.decay``, …), weight the histogram by the
natural parameters

    η_k(θ, α) = θ e^α (1 − (1 − e^−α)^k),   α ≥ 0,

so that at a fixed α the term is θ times the fixed-decay statistic (``gwesp.fixed.α``).
``decay`` is where the estimation of α starts (default 0). An observed network with a
count past K is refused, as ``ergm``'s summary does; a toggle past it leaves the histogram,
and a sampled network's counts past it are not in its statistics.
:class:`Mapping` is a model's map ψ → η (ψ: every linear θ, and θ and α of each curved
term) with its Jacobian; :meth:`Mapping.ascend` fits through it (ergm's ``logitreg`` MPLE
and the MCMC-MLE step).

References
----------
Hunter, D. R. (2007). Curved exponential family models for social networks. *Social
Networks* 29(2), 216–230.
Hunter, D. R., Handcock, M. S. (2006). Inference in curved exponential family models for
networks. *J. Comput. Graph. Stat.* 15(3), 565–583.
"""

from __future__ import annotations

import numpy as np

from healthalloc.data import DataError
from healthalloc.mobility.ergm.terms import (GWDSP, GWESP, GWDegree, GWIDegree, GWODegree, State, Term, _degrees,
                                             _degrees1, _node_degrees)

__all__ = ["CURVED", "CUTOFF", "Mapping", "gw_weights"]

CUTOFF = 30
"""ergm's default ``cutoff`` (its ``gw.cutoff`` term option)."""


def gw_weights(decay: float, k: np.ndarray) -> np.ndarray:
    """e^α (1 − (1 − e^−α)^k), computed without cancellation for large α (it tends to k)."""
    with np.errstate(divide="ignore"):  # α = 0: log 0 = −inf, and the weights are 1
        return np.exp(decay) * -np.expm1(k * np.log1p(-np.exp(-decay)))


class _Curved:
    """What the curved terms share (a base placed before the fixed-decay term's class, whose
    name and kind of network they keep): arguments, names, the histogram and η(θ, α)."""

    curved = True
    cutoff_at = 2  # position of ``cutoff`` in ergm's arguments
    twin: type[Term]

    def setup(self):
        self.start = self.number(0, "decay", 0.0)
        if self.start < 0:
            raise DataError(f"term {self.name}: the starting decay must be ≥ 0 (ergm's bound), got {self.start:g}")
        self.arg(1, "fixed")
        cutoff = self.arg(self.cutoff_at, "cutoff", CUTOFF)
        if isinstance(cutoff, bool) or not isinstance(cutoff, (int, float)) or not float(cutoff).is_integer() \
                or cutoff < 1:
            raise DataError(f"term {self.name}: cutoff must be a whole number ≥ 1, got {cutoff!r}")
        self.size = min(int(cutoff), self.most())
        if self.size < 1:
            raise DataError(f"term {self.name}: a network of {self.net.n} nodes has nothing to count")
        self.k = np.arange(1, self.size + 1)
        base = self.param_base()
        self.param_names = [base, f"{base}.decay"]
        self.coef_names = [f"{self.stat_base(base)}#{k}" for k in self.k]
        largest = int(self.counts(State(self.net.adjacency(), self.net.directed)).max(initial=0))
        if largest > self.size:  # the observed network within the cutoff, as ergm's summary
            raise DataError(f"term {self.name}: the network has a count of {largest}, past the cutoff {self.size}; "
                            f"raise cutoff= (e.g. {self.name}(fixed=FALSE, cutoff={min(2 * largest, self.most())}))")

    def param_base(self) -> str:
        return self.name

    def stat_base(self, base: str) -> str:
        return base

    def most(self) -> int:
        raise NotImplementedError

    def at_start(self) -> Term:
        """The fixed-decay term at the starting decay (θ · its statistic = this term at that α)."""
        return self.twin(self.net, (self.start,), {})

    def eta(self, theta: float, decay: float) -> np.ndarray:
        return theta * gw_weights(decay, self.k)

    def gradient(self, theta: float, decay: float) -> np.ndarray:
        """∂η/∂θ and ∂η/∂α as two rows: w_k and θ (w_k − k r^(k−1)), r = 1 − e^−α."""
        w = gw_weights(decay, self.k)
        return np.vstack([w, theta * (w - self.k * (-np.expm1(-decay)) ** (self.k - 1))])

    def counts(self, st: State) -> np.ndarray:
        """The count of each pair (shared partners) or node (degree)."""
        raise NotImplementedError

    def _stat(self, st):
        """The histogram over 1 … K; a sampled network's counts past K are out of it, as a
        toggle past the cutoff leaves it (the observed network's are refused by :meth:`setup`)."""
        counts = np.asarray(self.counts(st), dtype=np.int64).ravel()
        return np.bincount(counts[counts <= self.size], minlength=self.size + 1)[1:].astype(float)

    def moved(self, rows: np.ndarray, before: np.ndarray, m: int, own: np.ndarray | None = None) -> np.ndarray:
        """Change statistics ``(m, K)``: each pair of dyad ``rows`` moves from bin ``before``
        to the next; ``own``, a pair that enters at that count (the new tie's partners).
        Counts past K fall out of the histogram (a toggle may pass the cutoff)."""
        top = self.size + 1  # one bin for every count past K
        before = np.minimum(np.asarray(before, dtype=np.int64), top)
        out = np.zeros((m, top + 2))
        np.add.at(out, (rows, before + 1), 1.0)
        np.add.at(out, (rows, before), -1.0)
        if own is not None:
            np.add.at(out, (np.arange(m), np.minimum(own, top)), 1.0)
        return out[:, 1:top]


class _CurvedPartners(_Curved):
    """Shared partner histograms; the pairs that gain a partner are those of the fixed term."""

    def param_base(self):
        return f"{self.name}.OTP" if self.net.directed else self.name

    def stat_base(self, base):
        return base[2:]

    def most(self):
        return self.net.n - 2

    def gaining(self, A: np.ndarray, t: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Boolean rows: the l of pairs (t, l) and the i of pairs (i, h) that gain a partner."""
        raise NotImplementedError

    def own(self, St: np.ndarray, t: np.ndarray, h: np.ndarray) -> np.ndarray | None:
        """The partners of the pair (t, h) itself where the statistic gains it (ESP), else None."""
        return None

    def change(self, st, t, h):
        St, Sh = (np.rint(S).astype(np.int64) for S in self.two_path_rows(st.A, t, h))
        out, into = self.gaining(st.A, t, h)
        (r1, l1), (r2, i2) = np.nonzero(out), np.nonzero(into)
        rows = np.concatenate([r1, r2])
        before = np.concatenate([St[r1, l1], Sh[r2, i2]]) - st.A[t, h].astype(np.int64)[rows]
        return self.moved(rows, before, len(t), self.own(St, t, h))

    def change1(self, st, t, h):
        S = st.two_paths()
        out, into = self.gaining(st.A, np.array([t]), np.array([h]))
        before = np.concatenate([S[t, out[0]], S[into[0], h]]) - int(st.A[t, h])
        return self.moved(np.zeros(len(before), dtype=np.int64), before, 1,
                          self.own(S[[t]], np.array([t]), np.array([h])))[0].tolist()

    def counts(self, st):
        pairs = self.pairs(st.A)
        return st.two_paths()[pairs if st.directed else np.triu(pairs)]


class CurvedGWESP(_CurvedPartners, GWESP):
    twin = GWESP

    def gaining(self, A, t, h):
        first = A[t] & A[h]  # ties t → l closed by h
        return first, first if not self.net.directed else (A[:, t] & A[:, h]).T  # ties i → h via i → t

    def own(self, St, t, h):
        return St[np.arange(len(t)), h]

    def change1(self, st, t, h):
        """:meth:`change` for one dyad from the neighbour sets, as the fixed term's: each
        pair gaining a partner moves from bin c to c + 1, and (t, h) enters at its count."""
        out, inn = st.neighbours()
        ot, ih, size = out[t], inn[h], self.size
        a = h in ot
        moves = [0.0] * (size + 2)  # bins 0 … K + 1; 0 and past K are not in the histogram
        for c in ([len(ot & inn[k]) - a for k in ot & out[h]]      # t → k closed by h
                  + [len(out[i] & ih) - a for i in inn[t] & ih]):  # i → h closed via t
            c = min(c, size + 1)
            moves[c] -= 1.0
            moves[min(c + 1, size + 1)] += 1.0
        moves[min(len(ot & ih), size + 1)] += 1.0
        return moves[1:size + 1]


class CurvedGWDSP(_CurvedPartners, GWDSP):
    twin = GWDSP

    def gaining(self, A, t, h):
        rows = np.arange(len(t))
        out, into = A[h], A[:, t].T  # fancy indexing: copies
        out[rows, t] = into[rows, h] = False
        return out, into


class _CurvedDegree(_Curved):
    cutoff_at = 3  # ergm: gwdegree(decay, fixed, attr, cutoff, levels)

    def most(self):
        return self.net.n - 1

    def change(self, st, t, h):
        before = _degrees(st, self.side, t, h)
        return self.moved(np.tile(np.arange(len(t)), len(before)), np.concatenate(before), len(t))

    def change1(self, st, t, h):
        before = np.array(_degrees1(st, self.side, t, h))
        return self.moved(np.zeros(len(before), dtype=np.int64), before, 1)[0].tolist()

    def counts(self, st: State):
        return _node_degrees(st, self.side)


class CurvedGWDegree(_CurvedDegree, GWDegree):
    twin = GWDegree


class CurvedGWIDegree(_CurvedDegree, GWIDegree):
    twin = GWIDegree


class CurvedGWODegree(_CurvedDegree, GWODegree):
    twin = GWODegree


CURVED: dict[type[Term], type[Term]] = {cls.twin: cls for cls in (
    CurvedGWESP, CurvedGWDSP, CurvedGWDegree, CurvedGWIDegree, CurvedGWODegree)}
"""The curved term of each fixed-decay term."""


class Mapping:
    """A model's parameters ψ (each linear term's θ; θ and α of each curved term, in the
    order of the formula) and the natural parameters η(ψ) its statistics are weighted by."""

    def __init__(self, terms: list[Term], slices: list[slice]):
        self.parts, self.names = [], []
        for term, sl in zip(terms, slices):
            own = list(getattr(term, "param_names", term.coef_names))
            self.parts.append((term if getattr(term, "curved", False) else None, sl,
                               slice(len(self.names), len(self.names) + len(own))))
            self.names += own
        self.curved = any(term is not None for term, _, _ in self.parts)
        self.n_eta = slices[-1].stop if slices else 0
        self.lower = np.full(len(self.names), -np.inf)  # ergm's bounds: decays ≥ 0
        for term, _, ps in self.parts:
            if term is not None:
                self.lower[ps.stop - 1] = 0.0

    def eta(self, psi) -> np.ndarray:
        psi = np.asarray(psi, dtype=float)
        if not self.curved:
            return psi
        out = np.empty(self.n_eta)
        for term, sl, ps in self.parts:
            out[sl] = psi[ps] if term is None else term.eta(*psi[ps])
        return out

    def jacobian(self, psi) -> np.ndarray:
        """∂η/∂ψ, ``(len(η), len(ψ))``."""
        psi = np.asarray(psi, dtype=float)
        J = np.zeros((self.n_eta, len(self.names)))
        for term, sl, ps in self.parts:
            J[sl, ps] = np.eye(sl.stop - sl.start) if term is None else term.gradient(*psi[ps]).T
        return J

    def lift(self, linear: np.ndarray) -> np.ndarray:
        """ψ from the estimates of the model with every curved term at its starting decay
        (one θ each): those θ, with the starting decays."""
        values, pos = [], 0
        for term, _, ps in self.parts:
            width = 1 if term is not None else ps.stop - ps.start
            values += list(linear[pos:pos + width]) + ([term.start] if term is not None else [])
            pos += width
        return np.array(values, dtype=float)

    def step(self, psi: np.ndarray, cov: np.ndarray, target: np.ndarray, trust: float = np.inf) -> np.ndarray:
        """The MCMC-MLE step: ψ maximizing δ'target − ½ δ'Σδ, δ = η(ψ) − η(ψ_now), the
        log-normal approximation of the log-likelihood ratio (``target`` = γ·(g(y_obs) − mean),
        Σ the sample covariance); Σ⁻¹·target in η when nothing is curved. Statistics the
        sample never varied (a bin no sampled network reached) do not pull, as in Hummel's step.

        A curved model's step raises the approximation by at most ``trust`` (ergm 3's
        ``MCMLE.trustregion``, whose optimizer stops on that level set, the closed-form linear
        step never bounded): past it, the point of the segment from ψ_now to the maximum where
        the approximated gain is ``trust`` (bisection)."""
        if not self.curved:
            return psi + np.linalg.solve(cov, target)
        eta0, target = self.eta(psi), np.where(np.diag(cov) > 0, target, 0.0)

        def approx(eta):
            d = eta - eta0
            return float(d @ target - d @ cov @ d / 2), target - cov @ d, cov

        best = self.ascend(psi, approx)[0]
        if approx(self.eta(best))[0] <= trust:
            return best
        lo, hi = 0.0, 1.0  # the gain is 0 at lo, above trust at hi
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if approx(self.eta(psi + mid * (best - psi)))[0] <= trust else (lo, mid)
        return psi + lo * (best - psi)

    def ascend(self, psi: np.ndarray, objective, *, tol: float = 1e-10, max_iter: int = 100):
        """Maximize ``objective(η(ψ))`` — its value, gradient and information in η — by Fisher
        scoring through the Jacobian (ergm's ``logitreg``), halving steps that lower it and
        keeping decays ≥ 0: (ψ, information J'IJ, value, steps)."""
        psi = np.maximum(np.asarray(psi, dtype=float), self.lower)
        value, grad, info = objective(self.eta(psi))
        for step in range(1, max_iter + 1):
            J = self.jacobian(psi)
            H, score = J.T @ info @ J, J.T @ grad
            free = (psi > self.lower) | (score > 0)  # a decay at 0 pulled below stays there
            scale = np.sqrt(np.clip(np.diag(H)[free], 1e-300, None))
            move = np.zeros(len(psi))
            move[free] = np.linalg.lstsq(H[np.ix_(free, free)] / np.outer(scale, scale), score[free] / scale,
                                         rcond=None)[0] / scale
            for _ in range(30):
                trial = np.maximum(psi + move, self.lower)
                found, g, i = objective(self.eta(trial))
                if np.isfinite(found) and found >= value - 1e-9 * (1 + abs(value)):
                    break
                move /= 2
            else:
                break  # no step up: at the maximum to rounding
            done = (np.abs(trial - psi) < tol * (1 + np.abs(trial))).all() or abs(found - value) < 1e-12 * (
                1 + abs(found))
            psi, value, grad, info = trial, found, g, i
            if done:
                break
        J = self.jacobian(psi)
        return psi, J.T @ info @ J, value, step
