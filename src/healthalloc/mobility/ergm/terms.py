"""ERGM terms with statnet's names and definitions, and their vectorized change statistics.

Every term computes, for arrays of dyads ``(t, h)``, the change statistic
Δ = g(y with t → h present) − g(y with t → h absent), the rest of the network as in the
state (the dyad's own current value never matters), and the network statistic g(y)
itself. Dyad-independent terms do not look at the network in :meth:`Term.change`.

Definitions follow ergm's term documentation (``?ergmTerm``; Morris, Handcock & Hunter
2008, *J. Stat. Softw.* 24(4)); for undirected networks a dyad is an unordered pair and
``t < h``. Coefficient names are ergm's: ``nodeicov.HTH``, ``nodefactor.Grade.8``,
``nodematch.Race.Hisp``, ``gwesp.fixed.0.5``, ``gwdsp.OTP.fixed.0.5``, ``istar2``.

=================  ==========================================================  ===========
term               statistic (sum over ties i → j, or nodes)                   directed
=================  ==========================================================  ===========
edges              number of ties                                              both
nodecov(a)         Σ a_i + a_j                                                 both
nodeicov(a)        Σ a_j (receiver)                                            directed
nodeocov(a)        Σ a_i (sender)                                              directed
nodefactor(a)      Σ [a_i = l] + [a_j = l] for each level l but the first     both
nodeifactor(a)     Σ [a_j = l]                                                 directed
nodeofactor(a)     Σ [a_i = l]                                                 directed
nodematch(a)       Σ [a_i = a_j]; ``diff=TRUE``: one per level, [a_i = a_j = l] both
absdiff(a, pow)    Σ |a_i − a_j|^pow                                           both
edgecov(x)         Σ x_ij                                                      both
mutual             pairs with i → j and j → i                                  directed
triangle           triangles; directed: ttriple + ctriple                      both
ttriple            transitive triples i → j → k, i → k                         both
ctriple            cyclic triples i → j → k → i                                both
gwesp(α)           e^α Σ_k (1 − (1 − e^−α)^k) ESP_k (directed: outgoing        both
                   two-paths, ergm's OTP)
gwdsp(α)           the same for DSP_k: dyads, tied or not, with k partners     both
gwdegree(α)        e^α Σ_k (1 − (1 − e^−α)^k) D_k                              undirected
gwidegree(α)       the same for in-degrees                                     directed
gwodegree(α)       the same for out-degrees                                    directed
gw…(fixed=FALSE)   gwesp, gwdsp, gw*degree curved: α estimated with θ, the     as above
                   histogram (ESP_k, DSP_k, D_k) the statistics (:mod:`.curved`)
kstar(k)           Σ_i C(deg_i, k)                                             undirected
istar(k), ostar(k) Σ_i C(indeg_i, k), Σ_i C(outdeg_i, k)                       directed
degree(d)          nodes of degree d                                           undirected
idegree(d), odeg…  nodes of in-/out-degree d                                   directed
=================  ==========================================================  ===========

References
----------
Hunter, D. R. (2007). Curved exponential family models for social networks. *Social
Networks* 29(2), 216–230 (geometrically weighted terms).
Snijders, T. A. B., Pattison, P. E., Robins, G. L., Handcock, M. S. (2006). New
specifications for exponential random graph models. *Sociological Methodology* 36, 99–153.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import comb

from healthalloc.data import DataError
from healthalloc.data.messages import did_you_mean, listing

__all__ = ["TERMS", "State", "Term", "make_term"]


@dataclass
class State:
    """A binary network as the change statistics see it.

    ``A`` is the dense boolean adjacency (symmetric when undirected); ``indeg`` and
    ``outdeg`` are its column and row sums (both the degree when undirected). The
    two-path counts ``S = A @ A`` (shared partners; outgoing two-paths i → k → j when
    directed) are built on first use (:meth:`two_paths`) and then kept up to date by
    :meth:`toggle` in O(n), for the sampler's GWDSP; each node's out- and in-neighbours
    as sets (:meth:`neighbours`) likewise, in O(1), for the sampler's GWESP, which counts
    the few shared partners it needs by set intersection.
    """

    A: np.ndarray
    directed: bool

    def __post_init__(self):
        self.indeg = self.A.sum(axis=0).astype(np.int64)
        self.outdeg = self.A.sum(axis=1).astype(np.int64)
        self.S: np.ndarray | None = None
        self.out: list[set[int]] | None = None
        self.inn: list[set[int]] | None = None

    def neighbours(self) -> tuple[list[set[int]], list[set[int]]]:
        """Out- and in-neighbours of every node as sets (one list when undirected), kept
        current by :meth:`toggle` once built."""
        if self.out is None:
            self.out = [set(np.flatnonzero(row).tolist()) for row in self.A]
            self.inn = [set(np.flatnonzero(col).tolist()) for col in self.A.T] if self.directed else self.out
        return self.out, self.inn

    def two_paths(self) -> np.ndarray:
        """``A @ A`` as integers (kept current by :meth:`toggle` once built)."""
        if self.S is None:
            Af = self.A.astype(float)
            self.S = np.rint(Af @ Af).astype(np.int64)
        return self.S

    def toggle(self, t: int, h: int) -> int:
        """Toggle dyad (t, h) in place; +1 if a tie was added, −1 if removed."""
        sign = -1 if self.A[t, h] else 1
        self.A[t, h] = sign > 0
        self.outdeg[t] += sign
        self.indeg[h] += sign
        if not self.directed:
            self.A[h, t] = sign > 0
            self.outdeg[h] += sign
            self.indeg[t] += sign
        if self.out is not None:  # undirected, inn is out: h joins t's set, t joins h's
            (self.out[t].add if sign > 0 else self.out[t].remove)(h)
            (self.inn[h].add if sign > 0 else self.inn[h].remove)(t)
        if self.S is not None:  # two-paths through the toggled tie: t → h → j and i → t → h
            update = np.add if sign > 0 else np.subtract
            S, A = self.S, self.A
            update(S[t], A[h], out=S[t])
            update(S[:, h], A[:, t], out=S[:, h])
            if not self.directed:
                update(S[h], A[t], out=S[h])
                update(S[:, t], A[:, h], out=S[:, t])
        return sign


def dyads(n: int, directed: bool, rows: slice | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Tails and heads of every dyad whose tail is in ``rows`` (default all), row-major:
    (i, j), i ≠ j, when directed; i < j when undirected."""
    start, stop = (0, n) if rows is None else (rows.start, rows.stop)
    t = np.repeat(np.arange(start, stop), n)
    h = np.tile(np.arange(n), stop - start)
    keep = t != h if directed else t < h
    return t[keep], h[keep]


class Term:
    """One model term: its coefficient names and statistics (subclasses set ``name``)."""

    name = ""
    dyad_independent = True
    directed: bool | None = None  # None: both; True/False: only directed/undirected networks

    def __init__(self, net, args: tuple = (), kwargs: dict | None = None):
        self.net = net
        self.args, self.kwargs = args, dict(kwargs or {})
        if self.directed is not None and self.directed != net.directed:
            kind = "directed" if self.directed else "undirected"
            raise DataError(f"term {self.name} is for {kind} networks; this network is "
                            f"{'directed' if net.directed else 'undirected'}")
        self.setup()
        self._check_args()

    def setup(self) -> None:
        self.coef_names = [self.name]

    def _check_args(self) -> None:
        left = [a for a in self.args if a is not _TAKEN]
        if left or self.kwargs:
            got = ", ".join([repr(a) for a in left] + [f"{k}={v!r}" for k, v in self.kwargs.items()])
            raise DataError(f"term {self.name} got arguments it does not take: {got}")

    def arg(self, position: int, key: str, default=None, *, required: bool = False):
        """Take the argument at ``position`` or named ``key`` (consumed, so leftovers are errors)."""
        if key in self.kwargs:
            return self.kwargs.pop(key)
        if len(self.args) > position and self.args[position] is not _TAKEN:
            value = self.args[position]
            self.args = self.args[:position] + (_TAKEN,) + self.args[position + 1:]
            return value
        if required:
            raise DataError(f"term {self.name} needs the argument {key!r}, e.g. {self.name}('{key}')")
        return default

    def number(self, position: int, key: str, default=None, *, required: bool = False) -> float:
        """:meth:`arg` as a finite number (DataError naming the term and argument otherwise)."""
        value = self.arg(position, key, default, required=required)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise DataError(f"term {self.name}: argument {key!r} must be a finite number, got {value!r}")
        return float(value)

    def change(self, st: State, t: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Change statistics of adding each dyad (t, h): array ``(len(t), k)``."""
        raise NotImplementedError

    def change1(self, st: State, t: int, h: int):
        """The change statistics of one dyad (the sampler's hot path): a sequence of floats."""
        return self.change(st, np.array([t]), np.array([h]))[0]

    def stat(self, st: State) -> np.ndarray:
        """The network statistics, array ``(k,)``; by default the sum of the changes over ties."""
        t, h = np.nonzero(np.triu(st.A) if not st.directed else st.A)
        return self.change(st, t, h).sum(axis=0) if self.dyad_independent else self._stat(st)

    def _stat(self, st: State) -> np.ndarray:
        raise NotImplementedError


class _TakenType:
    def __repr__(self):
        return "<taken>"


_TAKEN = _TakenType()


def _fmt(value) -> str:
    """A number or level as R prints it in coefficient names (``7``, ``0.5``, ``TRUE``)."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def sorted_levels(values: pd.Series) -> list:
    """Distinct values sorted as R's ``sort(unique(x))``: numbers as numbers, FALSE < TRUE,
    text in a case-insensitive collation (lower case first on ties), as in an English locale."""
    uniq = list(pd.unique(values))
    if all(isinstance(v, (bool, np.bool_)) for v in uniq):
        return sorted(uniq)
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in uniq):
        return sorted(uniq)
    return sorted(uniq, key=lambda v: (str(v).casefold(), str(v).swapcase()))


class _Attr(Term):
    """A term on one node attribute (argument ``attr``)."""

    def attr_values(self) -> pd.Series:
        self.attr = self.arg(0, "attr", required=True)
        return self.net.attribute(str(self.attr))

    def numeric(self) -> np.ndarray:
        values = self.attr_values()
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any():
            bad = values[numbers.isna()]
            raise DataError(f"{self.name}: node attribute {self.attr!r} must be numeric; not at "
                            f"{listing([f'{i} ({v!r})' for i, v in bad.items()])}")
        infinite = numbers[~np.isfinite(numbers.to_numpy(float))]
        if len(infinite):
            raise DataError(f"{self.name}: node attribute {self.attr!r} must be finite; it is "
                            f"{listing([f'{v} at {i}' for i, v in infinite.items()])}")
        return numbers.to_numpy(float)


class Edges(Term):
    name = "edges"

    def change(self, st, t, h):
        return np.ones((len(t), 1))


class NodeCov(_Attr):
    name = "nodecov"
    side = "both"

    def setup(self):
        self.x = self.numeric()
        self.coef_names = [f"{self.name}.{self.attr}"]

    def change(self, st, t, h):
        x = self.x
        v = x[h] if self.side == "in" else x[t] if self.side == "out" else x[t] + x[h]
        return v[:, None]


class NodeICov(NodeCov):
    name, side, directed = "nodeicov", "in", True


class NodeOCov(NodeCov):
    name, side, directed = "nodeocov", "out", True


class NodeFactor(_Attr):
    name = "nodefactor"
    side = "both"

    def setup(self):
        values = self.attr_values()
        levels = _choose_levels(self, sorted_levels(values), self.arg(1, "levels", -1))
        self.F = np.stack([(values == lv).to_numpy(float) for lv in levels], axis=1) if levels else \
            np.zeros((self.net.n, 0))
        self.coef_names = [f"{self.name}.{self.attr}.{_fmt(lv)}" for lv in levels]

    def change(self, st, t, h):
        F = self.F
        return F[h] if self.side == "in" else F[t] if self.side == "out" else F[t] + F[h]


class NodeIFactor(NodeFactor):
    name, side, directed = "nodeifactor", "in", True


class NodeOFactor(NodeFactor):
    name, side, directed = "nodeofactor", "out", True


def _choose_levels(term: Term, levels: list, spec) -> list:
    """ergm's ``levels=``: numbers are 1-based positions in the sorted levels, negative ones
    dropped (−1, nodefactor's default, drops the first: the reference); TRUE/NULL keeps all;
    text keeps the levels named."""
    if spec is None or spec is True:
        return levels
    wanted = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    if all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in wanted):
        if all(-len(levels) <= s < 0 for s in wanted):
            drop = {int(-s) - 1 for s in wanted}
            return [lv for i, lv in enumerate(levels) if i not in drop]
        if all(0 < s <= len(levels) for s in wanted):
            return [levels[int(s) - 1] for s in sorted(set(wanted))]
        raise DataError(f"{term.name}: levels={spec!r} mixes signs or is out of range: positions are 1..{len(levels)} "
                        f"(or -1..-{len(levels)} to drop), for the {len(levels)} levels of {term.attr!r}")
    by_name = {_fmt(lv): lv for lv in levels}
    unknown = [w for w in wanted if _fmt(w) not in by_name]
    if unknown:
        raise DataError(f"{term.name}: levels {listing(list(map(str, unknown)))} are not values of "
                        f"{term.attr!r} ({listing(list(by_name))})")
    keep = {_fmt(w) for w in wanted}
    return [lv for lv in levels if _fmt(lv) in keep]


class NodeMatch(_Attr):
    name = "nodematch"

    def setup(self):
        values = self.attr_values()
        levels = sorted_levels(values)
        self.codes = np.array([levels.index(v) for v in values])
        diff = self.arg(1, "diff", False)
        if self.arg(2, "keep") is not None:
            raise DataError(f"{self.name}: keep= is deprecated in ergm; use levels=")
        keep = _choose_levels(self, levels, self.arg(3, "levels", None))
        self.diff = bool(diff)
        self.keep = np.array([levels.index(lv) for lv in keep])
        self.kept = np.isin(self.codes, self.keep)  # nodes whose level is kept
        if self.diff:
            self.coef_names = [f"{self.name}.{self.attr}.{_fmt(lv)}" for lv in keep]
        else:
            self.coef_names = [f"{self.name}.{self.attr}"]

    def change(self, st, t, h):
        ct, ch = self.codes[t], self.codes[h]
        match = ct == ch
        if self.diff:
            return (match[:, None] & (ct[:, None] == self.keep[None, :])).astype(float)
        return (match & self.kept[t]).astype(float)[:, None]


class AbsDiff(_Attr):
    name = "absdiff"

    def setup(self):
        self.x = self.numeric()
        self.pow = self.number(1, "pow", 1)
        self.coef_names = [f"absdiff{'' if self.pow == 1 else _fmt(self.pow)}.{self.attr}"]

    def change(self, st, t, h):
        return (np.abs(self.x[t] - self.x[h]) ** self.pow)[:, None]


class EdgeCov(Term):
    name = "edgecov"

    def setup(self):
        key = str(self.arg(0, "x", required=True))
        if key not in self.net.covariates:
            known = list(self.net.covariates)
            hint = did_you_mean(key, known)
            raise DataError(f"edgecov: no dyadic covariate {key!r}" + (f"; {hint}" if hint else
                            f" (covariates: {', '.join(known) or 'none; supply one, e.g. --edgecov NAME=MATRIX.csv'})"))
        self.M = self.net.covariates[key]
        self.coef_names = [f"edgecov.{key}"]

    def change(self, st, t, h):
        return self.M[t, h][:, None]


# ---------------------------------------------------------------- dyad-dependent terms


class _Dependent(Term):
    dyad_independent = False


class Mutual(_Dependent):
    name, directed = "mutual", True

    def change(self, st, t, h):
        return st.A[h, t].astype(float)[:, None]

    def change1(self, st, t, h):
        return (1.0 if st.A[h, t] else 0.0,)

    def _stat(self, st):
        return np.array([(st.A & st.A.T).sum() / 2])


def _paths(st: State, X: np.ndarray, Y: np.ndarray, t: np.ndarray, h: np.ndarray) -> np.ndarray:
    """(X @ Y)[t, h] for boolean/float matrices: one product for many dyads, row sums for few."""
    if len(t) > X.shape[0] // 4:
        return (X.astype(float) @ Y.astype(float))[t, h]
    return np.einsum("ij,ji->i", X[t].astype(float), Y[:, h].astype(float))


class Triangle(_Dependent):
    name = "triangle"

    def change(self, st, t, h):
        A = st.A
        if not st.directed:
            return _paths(st, A, A, t, h)[:, None]
        W = A.astype(np.int8) + A.T
        return _paths(st, W, W, t, h)[:, None]

    def change1(self, st, t, h):
        A = st.A
        if not st.directed:
            return (float(np.count_nonzero(A[t] & A[h])),)
        return (float(np.dot(A[t].astype(np.int64) + A[:, t], A[h].astype(np.int64) + A[:, h])),)

    def _stat(self, st):
        W = st.A.astype(float) + (st.A.T if st.directed else 0)
        return np.array([np.trace(W @ W @ W) / 6])


class TTriple(_Dependent):
    name = "ttriple"

    def change(self, st, t, h):
        if not st.directed:
            return Triangle.change(self, st, t, h)
        A = st.A
        return (_paths(st, A, A.T, t, h) + _paths(st, A.T, A, t, h) + _paths(st, A, A, t, h))[:, None]

    def change1(self, st, t, h):
        if not st.directed:
            return Triangle.change1(self, st, t, h)
        A = st.A
        return (float(np.count_nonzero(A[t] & A[h]) + np.count_nonzero(A[:, t] & A[:, h])
                      + np.count_nonzero(A[t] & A[:, h])),)

    def _stat(self, st):
        if not st.directed:
            return Triangle._stat(self, st)
        A = st.A.astype(float)
        return np.array([((A @ A) * A).sum()])


class CTriple(_Dependent):
    name = "ctriple"

    def change(self, st, t, h):
        if not st.directed:
            return Triangle.change(self, st, t, h)
        return _paths(st, st.A, st.A, h, t)[:, None]

    def change1(self, st, t, h):
        if not st.directed:
            return Triangle.change1(self, st, t, h)
        return (float(np.count_nonzero(st.A[h] & st.A[:, t])),)

    def _stat(self, st):
        if not st.directed:
            return Triangle._stat(self, st)
        A = st.A.astype(float)
        return np.array([np.trace(A @ A @ A) / 3])


class _Decay(_Dependent):
    """A geometrically weighted term with fixed decay α (``fixed=TRUE``); :func:`make_term`
    hands ``fixed=FALSE`` over to its curved twin (:mod:`.curved`)."""

    label = ""

    def setup(self):
        self.decay = self.number(0, "decay", required=True)
        if not self.arg(1, "fixed", True):
            raise DataError(f"{self.name}: fixed=FALSE is the curved term; build it with make_term")
        self.r = 1.0 - np.exp(-self.decay)
        self.scale = float(np.exp(self.decay))
        self.coef_names = [f"{self.label}fixed.{_fmt(self.decay)}"]

    def weight(self, k: np.ndarray) -> np.ndarray:
        """e^α (1 − r^k): a tie's (or node's) contribution with k partners (degree k)."""
        return np.exp(self.decay) * (1.0 - self.r ** k)


class _SharedPartners(_Decay):
    """A geometrically weighted shared partner term over the pairs :meth:`pairs` selects.

    The partners of a pair (i, j) are the k with i – k – j, or, directed, the outgoing
    two-paths i → k → j (ergm's ``type="OTP"``, its default and the only type here):
    ``S = A @ A``. A pair that gains one partner, k → k + 1, adds
    w(k + 1) − w(k) = r^k to the statistic, r = 1 − e^−α. Labels are ergm's:
    ``<name>.fixed.<α>``, directed ``<name>.OTP.fixed.<α>``.
    """

    def setup(self):
        self.label = f"{self.name}.OTP." if self.net.directed else f"{self.name}."
        super().setup()
        self.powers = np.ones(0)

    def pairs(self, A: np.ndarray) -> np.ndarray:
        """Which pairs (i, j) the statistic sums w(S_ij) over (each twice when undirected)."""
        raise NotImplementedError

    def two_path_rows(self, A: np.ndarray, t: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``S[t, :]`` and ``S[:, h]`` as rows: one product for many dyads, the rows needed for few."""
        Af = A.astype(float)
        if len(t) > A.shape[0] // 4:
            S = Af @ Af
            return S[t], S[:, h].T
        return Af[t] @ Af, (Af @ Af[:, h]).T

    def gained(self, St, Sh, out, into, a) -> np.ndarray:
        """Σ r^k over the pairs (t, l), l in ``out``, and (i, h), i in ``into``, that gain the
        partner h (t) when t → h is added; k = their count without the dyad (``a`` its tie)."""
        def part(mask, S):
            return np.power(self.r, S - a, out=np.zeros(S.shape), where=mask).sum(axis=1)
        return part(out, St) + part(into, Sh)

    def power_table(self, n: int) -> np.ndarray:
        """r^k for k = 0 … n + 1 (``powers``; ``power_list`` the same as floats, for lookups one at a time)."""
        if len(self.powers) <= n:
            self.powers = self.r ** np.arange(n + 2)
            self.power_list = self.powers.tolist()
        return self.powers

    def gained1(self, st: State, t: int, h: int, out: np.ndarray, into: np.ndarray) -> float:
        """:meth:`gained` for one dyad, with node indices ``out`` and ``into``, by lookup of r^k."""
        A, S = st.A, st.two_paths()
        powers = self.power_table(len(A))
        shift = int(A[t, h])
        return float(powers[S[t, out] - shift].sum() + powers[S[into, h] - shift].sum())

    def _stat(self, st):
        Af = st.A.astype(float)
        total = (self.weight(Af @ Af) * self.pairs(st.A)).sum()
        return np.array([total if st.directed else total / 2])


class GWESP(_SharedPartners):
    """Edgewise shared partners: the pairs are the ties (Hunter 2007)."""

    name = "gwesp"

    def pairs(self, A):
        return A

    def change(self, st, t, h):
        A = st.A
        if len(t) > A.shape[0] // 4:
            return self.change_all(A, t, h)
        St, Sh = self.two_path_rows(A, t, h)
        a = A[t, h].astype(float)[:, None]         # the dyad's own tie, taken out of sp
        sp = St[np.arange(len(t)), h]              # (OTP) shared partners of t and h
        first = A[t] & A[h]                        # ties t–k (t → k) closed by h
        second = first if not st.directed else (A[:, t] & A[:, h]).T  # ties i → h via i → t
        return (self.weight(sp) + self.gained(St, Sh, first, second, a))[:, None]

    def change_all(self, A: np.ndarray, t: np.ndarray, h: np.ndarray) -> np.ndarray:
        """:meth:`change` for many dyads by matrix products: with M = A ∘ r^(S − a), the ties
        t → k closed by h weigh (M Aᵀ)_th and the ties i → h closed via t (Aᵀ M)_th, for the
        dyads whose own tie is a (0 or 1)."""
        Af = A.astype(float)
        S = np.rint(Af @ Af)
        a = A[t, h]
        out = self.weight(S[t, h])
        for shift in (0, 1):
            rows = np.flatnonzero(a == shift)
            if len(rows):
                M = np.power(self.r, S - shift, out=np.zeros_like(Af), where=A & (S >= shift))  # no 0 ** -1
                out[rows] += (M @ Af.T + Af.T @ M)[t[rows], h[rows]]
        return out[:, None]

    def change1(self, st, t, h):
        """:meth:`change` for one dyad from the neighbour sets: the pairs gaining a partner
        are few, and each one's partners are one set intersection (S_ij = |out_i ∩ in_j|)."""
        out, inn = st.neighbours()
        self.power_table(len(out))
        pw, ot, ih = self.power_list, out[t], inn[h]
        a = h in ot
        gained = (sum([pw[len(ot & inn[k]) - a] for k in ot & out[h]])       # t → k closed by h
                  + sum([pw[len(out[i] & ih) - a] for i in inn[t] & ih]))   # i → h closed via t
        return (self.scale * (1.0 - pw[len(ot & ih)]) + gained,)


class GWDSP(_SharedPartners):
    """Dyadwise shared partners: the pairs are all dyads, tied or not (Hunter 2007).

    Adding t → h gives the partner h to the pairs (t, l) with h → l, l ≠ t, and the
    partner t to the pairs (i, h) with i → t, i ≠ h (undirected: the neighbours of h and
    of t); the pair (t, h) keeps its partners.
    """

    name = "gwdsp"

    def pairs(self, A):
        return ~np.eye(len(A), dtype=bool)

    def change(self, st, t, h):
        A = st.A
        St, Sh = self.two_path_rows(A, t, h)
        a = A[t, h].astype(float)[:, None]
        rows = np.arange(len(t))
        out, into = A[h], A[:, t].T                # fancy indexing: copies
        out[rows, t] = into[rows, h] = False
        return self.gained(St, Sh, out, into, a)[:, None]

    def change1(self, st, t, h):
        out, into = np.flatnonzero(st.A[h]), np.flatnonzero(st.A[:, t])
        return (self.gained1(st, t, h, out[out != t], into[into != h]),)


class _GWDegree(_Decay):
    side = "both"

    def change(self, st, t, h):
        return sum(self.r ** d for d in _degrees(st, self.side, t, h))[:, None]

    def change1(self, st, t, h):
        return (sum(self.r ** d for d in _degrees1(st, self.side, t, h)),)

    def _stat(self, st):
        return np.array([self.weight(_node_degrees(st, self.side)).sum()])


class GWDegree(_GWDegree):
    name, directed, label = "gwdegree", False, "gwdeg."


class GWIDegree(_GWDegree):
    name, directed, label, side = "gwidegree", True, "gwideg.", "in"


class GWODegree(_GWDegree):
    name, directed, label, side = "gwodegree", True, "gwodeg.", "out"


def _degrees(st: State, side: str, t: np.ndarray, h: np.ndarray) -> list[np.ndarray]:
    """Degrees of the node(s) a term looks at for dyads (t, h), without the dyads themselves."""
    a = st.A[t, h].astype(np.int64)
    if side == "in":
        return [st.indeg[h] - a]
    if side == "out":
        return [st.outdeg[t] - a]
    return [st.indeg[t] - a, st.indeg[h] - a]


def _node_degrees(st: State, side: str) -> np.ndarray:
    """Each node's degree (in-degree for ``both``: undirected, the two are equal)."""
    return st.indeg if side in ("in", "both") else st.outdeg


def _degrees1(st: State, side: str, t: int, h: int) -> list[int]:
    """Degrees of the node(s) a term looks at for dyad (t, h), without the dyad itself."""
    a = int(st.A[t, h])
    if side == "in":
        return [int(st.indeg[h]) - a]
    if side == "out":
        return [int(st.outdeg[t]) - a]
    return [int(st.indeg[t]) - a, int(st.indeg[h]) - a]


class _ByValue(_Dependent):
    """A term with one statistic per value of its first argument (``istar(2:3)``)."""

    key = "k"

    def setup(self):
        values = self.arg(0, self.key, required=True)
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer()
                   and v >= 0 for v in values):
            raise DataError(f"{self.name}: {self.key} must be whole numbers ≥ 0, got {values!r}")
        self.values = np.array([int(v) for v in values])
        self.coef_names = [f"{self.name}{v}" for v in self.values]


class _Star(_ByValue):
    def change(self, st, t, h):
        return sum(comb(d[:, None], self.values[None, :] - 1) for d in _degrees(st, self.side, t, h))

    def change1(self, st, t, h):
        degs = _degrees1(st, self.side, t, h)
        return [float(sum(math.comb(d, k - 1) if k >= 1 else 0 for d in degs)) for k in self.values.tolist()]

    def _stat(self, st):
        return comb(_node_degrees(st, self.side)[:, None], self.values[None, :]).sum(axis=0)


class KStar(_Star):
    name, directed, side = "kstar", False, "both"


class IStar(_Star):
    name, directed, side = "istar", True, "in"


class OStar(_Star):
    name, directed, side = "ostar", True, "out"


class _Degree(_ByValue):
    key = "d"

    def change(self, st, t, h):
        v = self.values[None, :]
        return sum(((d[:, None] + 1) == v).astype(float) - (d[:, None] == v)
                   for d in _degrees(st, self.side, t, h))

    def change1(self, st, t, h):
        degs = _degrees1(st, self.side, t, h)
        return [float(sum(int(d + 1 == k) - int(d == k) for d in degs)) for k in self.values.tolist()]

    def _stat(self, st):
        return (_node_degrees(st, self.side)[:, None] == self.values[None, :]).sum(axis=0).astype(float)


class Degree(_Degree):
    name, directed, side = "degree", False, "both"


class IDegree(_Degree):
    name, directed, side = "idegree", True, "in"


class ODegree(_Degree):
    name, directed, side = "odegree", True, "out"


TERMS: dict[str, type[Term]] = {cls.name: cls for cls in (
    Edges, NodeCov, NodeICov, NodeOCov, NodeFactor, NodeIFactor, NodeOFactor, NodeMatch, AbsDiff, EdgeCov,
    Mutual, Triangle, TTriple, CTriple, GWESP, GWDSP, GWDegree, GWIDegree, GWODegree, KStar, IStar, OStar,
    Degree, IDegree, ODegree)}
"""Every term by its ergm name."""


def term_class(name: str) -> type[Term]:
    """The term called ``name``; DataError with close suggestions for unknown names."""
    if name not in TERMS:
        hint = did_you_mean(name, TERMS)
        raise DataError(f"unknown ERGM term {name!r}" + (f"; {hint}" if hint else
                        f" (terms: {', '.join(TERMS)})"))
    return TERMS[name]


def make_term(net, name: str, args: tuple = (), kwargs: dict | None = None) -> Term:
    """The term ``name`` bound to ``net`` (see :func:`term_class`); ``fixed=FALSE`` gives a
    geometrically weighted term's curved twin (:mod:`.curved`)."""
    cls = term_class(name)
    if issubclass(cls, _Decay) and not (kwargs or {}).get("fixed", args[1] if len(args) > 1 else True):
        from healthalloc.mobility.ergm.curved import CURVED

        cls = CURVED[cls]
    return cls(net, tuple(args), kwargs)
