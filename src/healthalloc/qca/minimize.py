"""Exact Boolean minimization of truth-table rows encoded as bitmasks.

Encoding. With ``k`` conditions, condition ``j`` (0-based, in truth-table order) is bit
``k − 1 − j`` of an integer, so a row's configuration read as a binary number is its
R ``QCA`` row id minus one. A *term* (cube, implicant) is a pair ``(mask, value)`` of
integers: ``mask`` has the bits of the conditions the term contains and ``value`` their
required values (``value ⊆ mask``); it covers row ``r`` iff ``r & mask == value``. The
empty term (``mask = 0``) covers every row.

Prime implicants come from two exact generators:

* :func:`primes_avoiding` — every maximal term that covers some on-row and no off-row, all
  other rows being don't-cares (the parsimonious solution, with logical remainders kept
  implicit). The terms containing on-row ``p`` that avoid off-row ``q`` are those whose
  mask meets ``p ^ q``; the primes through ``p`` are the minimal transversals of the
  hypergraph ``{p ^ q}``, enumerated with Berge's algorithm on bit arrays.
* :func:`primes_of_union` — every prime implicant of a union of terms (its Blake canonical
  form) by iterated consensus and absorption (Quine 1952, 1955; McCluskey 1956): on the
  positive rows alone this is the Quine–McCluskey result of the complex solution.

:func:`minimum_covers` then returns every cover of the prime implicant chart with the
minimum number of prime implicants, essential ones first, by exact branch and bound
(R ``QCA`` likewise reports every tied model and does not prune by literals; Dusa 2019).

References
----------
Quine, W. V. (1952). The problem of simplifying truth functions. *Am. Math. Monthly* 59(8).
Quine, W. V. (1955). A way to simplify truth functions. *Am. Math. Monthly* 62(9).
McCluskey, E. J. (1956). Minimization of Boolean functions. *Bell Syst. Tech. J.* 35(6).
Berge, C. (1989). *Hypergraphs: Combinatorics of Finite Sets*, ch. 2 (transversals).
Dusa, A. (2019). *QCA with R: A Comprehensive Resource*, ch. 8. Springer.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MAX_CONDITIONS", "bits", "covers", "cubes_order", "expand", "minimum_covers", "order_matters",
    "primes_avoiding", "primes_of_union", "quine_mccluskey", "r_order", "term_membership", "widen",
]

MAX_CONDITIONS = 30
"""Most conditions a truth table may have (terms are 64-bit integer pairs)."""

QMC_LIMIT = 1 << 17
"""Most implicants of one level :func:`quine_mccluskey` builds before giving up."""

_CHUNK = 1 << 22
"""Elements of the largest temporary array built at once by pairwise comparisons."""


# --------------------------------------------------------------------------- term algebra


def bits(x: np.ndarray, k: int) -> np.ndarray:
    """Bool array (len(x), k) whose column ``j`` is bit ``k − 1 − j`` (condition ``j``)."""
    shifts = np.arange(k - 1, -1, -1, dtype=np.int64)
    return ((np.asarray(x, dtype=np.int64)[:, None] >> shifts) & 1).astype(bool)


def covers(mask: np.ndarray, value: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Bool array (terms, rows): does each term cover each row."""
    rows = np.asarray(rows, dtype=np.int64)
    return (rows[None, :] & mask[:, None]) == value[:, None]


def term_membership(X: np.ndarray, mask: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Fuzzy membership (cases, terms) of every case in every term: min over its literals.

    ``X`` holds the condition memberships (cases, k); a literal ``~A`` has membership
    ``1 − A``. The empty term has membership 1.
    """
    X = np.asarray(X, dtype=float)
    n, k = X.shape
    literals = np.concatenate([X, 1.0 - X], axis=1)  # A_j then ~A_j
    has, val = bits(mask, k), bits(value, k)
    select = np.concatenate([has & val, has & ~val], axis=1)
    out = np.empty((n, len(mask)))
    step = max(1, _CHUNK // max(1, n * 2 * k))
    for s in range(0, len(mask), step):
        sel = select[s : s + step]
        out[:, s : s + step] = np.where(sel[None, :, :], literals[:, None, :], 1.0).min(axis=2)
    return out


def widen(c_mask, c_value, p_mask, p_value, e_mask, e_value) -> tuple[np.ndarray, np.ndarray]:
    """Every term ``c`` lying inside a term ``p``, widened towards the expectations (unique).

    Expectations are terms ``e`` too: one literal for an expectation on one condition,
    several for a conjunctural one (``~LIT*IND``). For each pair with ``c ⊆ p`` (the
    literals of ``p`` are among those of ``c``), the literals of ``c`` outside ``p`` on the
    conditions of an expectation are dropped, together, when one of them contradicts it;
    literals of ``p``, literals that agree and literals of conditions without expectation
    stay. The remainders inside the widened terms are the easy counterfactuals of an
    intermediate solution (Ragin & Sonnett 2005; R ``QCA``'s ``getEC``, Dusa 2019, ch. 8).
    """
    cm, cv = np.asarray(c_mask, np.int64)[:, None], np.asarray(c_value, np.int64)[:, None]
    pm, pv = np.asarray(p_mask, np.int64)[None, :], np.asarray(p_value, np.int64)[None, :]
    inside = ((cm & pm) == pm) & ((cv & pm) == pv)
    drop = np.zeros(inside.shape, dtype=np.int64)
    for em, ev in zip(np.asarray(e_mask, np.int64), np.asarray(e_value, np.int64)):
        outside = cm & ~pm & em
        drop |= np.where((cv ^ ev) & outside, outside, 0)
    kept = (cm & ~drop)[inside]
    return _unique(kept, np.broadcast_to(cv, inside.shape)[inside] & kept)


def _unique(mask, value) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.unique(np.stack([np.asarray(mask, np.int64), np.asarray(value, np.int64)], 1), axis=0)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def _absorb(mask: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique terms not contained in another term (absorption ``A + A·B = A``)."""
    mask, value = _unique(mask, value)
    m = len(mask)
    absorbed = np.zeros(m, dtype=bool)
    step = max(1, _CHUNK // max(1, m))
    for s in range(0, m, step):
        am, av = mask[s : s + step, None], value[s : s + step, None]
        # term a (row) lies in term b (column): b's literals are a subset of a's
        inside = ((am & mask[None, :]) == mask[None, :]) & ((av & mask[None, :]) == value[None, :])
        inside[np.arange(len(am)), np.arange(s, s + len(am))] = False
        absorbed[s : s + step] = inside.any(axis=1)
    return mask[~absorbed], value[~absorbed]


# --------------------------------------------------------------------------- prime implicants


def primes_avoiding(on: np.ndarray, off: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """All maximal terms that cover at least one ``on`` row and no ``off`` row.

    Every row in neither set is a don't-care, so logical remainders never need listing.

    Parameters
    ----------
    on, off : array of int
        Configurations (row id − 1) of the positive and negative rows.
    k : int
        Number of conditions.

    Returns
    -------
    mask, value : ndarray of int64
        The prime implicants, unique.
    """
    on = np.asarray(on, dtype=np.int64)
    off = np.asarray(off, dtype=np.int64)
    if len(on) == 0 or len(off) == 0:
        return np.zeros(min(len(on), 1), np.int64), np.zeros(min(len(on), 1), np.int64)
    masks, values = [], []
    for p in on:
        t = _minimal_transversals(p ^ off, k)
        masks.append(t)
        values.append(t & p)
    return _unique(np.concatenate(masks), np.concatenate(values))


def _minimal_transversals(edges: np.ndarray, k: int) -> np.ndarray:
    """Minimal bit sets meeting every edge (Berge's algorithm, edges smallest first)."""
    edges = np.unique(edges)
    edges = edges[np.argsort(np.bitwise_count(edges), kind="stable")]
    # an edge containing another edge is met whenever the smaller one is
    keep = np.ones(len(edges), dtype=bool)
    for i in range(len(edges)):
        if keep[i]:
            sup = (edges[i + 1 :] & edges[i]) == edges[i]
            keep[i + 1 :] &= ~sup
    found = np.zeros(1, dtype=np.int64)
    for edge in edges[keep]:
        hit = (found & edge) != 0
        met, unmet = found[hit], found[~hit]
        if len(unmet) == 0:
            continue
        # unmet | bit is minimal unless it contains a set that met the edge; such a set
        # meets the edge in ``bit`` only and the rest of it lies inside the unmet set
        alone = met[np.bitwise_count(met & edge) == 1]
        rest = alone & ~edge
        by_bit = bits(alone & edge, k)[:, ::-1].astype(np.float32)  # column b: bit b
        blocked = np.empty((len(unmet), k), dtype=bool)
        step = max(1, _CHUNK // max(1, len(alone)))
        for s in range(0, len(unmet), step):
            inside = (unmet[s : s + step, None] & rest[None, :]) == rest[None, :]
            blocked[s : s + step] = inside.astype(np.float32) @ by_bit > 0
        allowed = ~blocked & bits(np.array([edge]), k)[0, ::-1]
        t, b = np.nonzero(allowed)
        found = np.concatenate([met, unmet[t] | (np.int64(1) << b.astype(np.int64))])
    return found


def primes_of_union(mask: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All prime implicants of the union of the given terms (Blake canonical form).

    Iterated consensus: two terms that clash in exactly one condition yield the term of
    their other literals; new terms not absorbed by existing ones are added and absorb
    what they contain, until nothing new appears. Starting from minterms this is the
    Quine–McCluskey procedure.
    """
    mask, value = _absorb(mask, value)
    fresh = np.ones(len(mask), dtype=bool)
    while fresh.any():
        new_m, new_v = _consensus(mask[fresh], value[fresh], mask, value)
        if len(new_m) == 0:
            break
        known = {(int(a), int(b)) for a, b in zip(mask, value)}
        all_m, all_v = _absorb(np.concatenate([mask, new_m]), np.concatenate([value, new_v]))
        fresh = np.array([(int(a), int(b)) not in known for a, b in zip(all_m, all_v)], dtype=bool)
        mask, value = all_m, all_v
    return mask, value


def quine_mccluskey(rows: np.ndarray, k: int, limit: int = QMC_LIMIT) -> tuple[np.ndarray, np.ndarray] | None:
    """All prime implicants of a set of rows, in the order R ``QCA``'s classical
    Quine–McCluskey (``C_QMC``) finds them; ``None`` when a level would hold more than
    ``limit`` implicants.

    Level by level, two implicants of the newest level that differ in exactly one literal
    merge; pairs are taken in lexicographic order of their positions and a merged
    implicant takes the place of the first pair that yields it. Implicants that merge with
    none are prime. The primes are listed by level, the largest implicants first, each
    level in its own order; that order breaks the ties :func:`r_order` leaves.
    """
    rows = np.asarray(rows, dtype=np.int64)
    first = np.sort(np.unique(rows, return_index=True)[1])
    value = rows[first]
    mask = np.full(len(value), (1 << k) - 1, dtype=np.int64)
    levels = []
    while len(mask):
        if len(mask) > limit:
            return None
        key = (mask << k) | value
        by_key = np.argsort(key)
        sorted_key = key[by_key]
        pairs = []
        for j in range(k):
            bit = np.int64(1) << j
            a = np.flatnonzero(mask & bit)
            partner = (mask[a] << k) | (value[a] ^ bit)
            at = np.minimum(np.searchsorted(sorted_key, partner), len(key) - 1)
            hit = sorted_key[at] == partner
            a, b = a[hit], by_key[at[hit]]
            later = b > a
            pairs.append((a[later], b[later], bit))
        a = np.concatenate([p[0] for p in pairs])
        b = np.concatenate([p[1] for p in pairs])
        drop = np.concatenate([np.full(len(p[0]), p[2], dtype=np.int64) for p in pairs])
        merged = np.zeros(len(mask), dtype=bool)
        merged[a] = merged[b] = True
        levels.append((mask[~merged], value[~merged]))
        found = np.lexsort((b, a))
        new_mask, new_value = mask[a][found] & ~drop[found], value[a][found] & ~drop[found]
        keep = np.sort(np.unique((new_mask << k) | new_value, return_index=True)[1])
        mask, value = new_mask[keep], new_value[keep]
    return (np.concatenate([m for m, _ in reversed(levels)]),
            np.concatenate([v for _, v in reversed(levels)]))


def cubes_order(mask: np.ndarray, value: np.ndarray, on: np.ndarray, k: int) -> np.ndarray:
    """The order in which R ``QCA``'s CCubes finds the prime implicants of the ``on`` rows.

    Fewer literals first; then the set of conditions, as combinations in lexicographic
    order; then the first ``on`` row (in the given order) each implicant covers.
    """
    first = covers(mask, value, on).argmax(axis=1)
    sets = [tuple(np.flatnonzero(b)) for b in bits(mask, k)]
    return np.array(sorted(range(len(mask)), key=lambda i: (len(sets[i]), sets[i], first[i])), dtype=np.int64)


def order_matters(mask: np.ndarray, value: np.ndarray) -> bool:
    """Does :func:`r_order` depend on the order the terms come in? Only when every term
    contains some condition, present in some and absent in others (R's leading-run quirk)."""
    if len(mask) == 0:
        return False
    shared = np.bitwise_and.reduce(mask)
    return bool(shared & np.bitwise_or.reduce(value) & ~np.bitwise_and.reduce(value))


def expand(mask: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    """The rows (configurations) covered by the terms, in term order, each term's rows ascending."""
    out = []
    for m, v in zip(np.asarray(mask, np.int64), np.asarray(value, np.int64)):
        free = np.flatnonzero(bits(np.array([~m & ((1 << k) - 1)]), k)[0, ::-1])  # free bit positions
        subsets = np.arange(1 << len(free), dtype=np.int64)
        out.append(v | ((subsets[:, None] >> np.arange(len(free))) & 1) @ (np.int64(1) << free))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _consensus(am, av, bm, bv) -> tuple[np.ndarray, np.ndarray]:
    """Consensus terms of every pair (a, b) that clash in exactly one condition."""
    out_m, out_v = [], []
    step = max(1, _CHUNK // max(1, len(bm)))
    for s in range(0, len(am), step):
        m1, v1 = am[s : s + step, None], av[s : s + step, None]
        clash = (m1 & bm[None, :]) & (v1 ^ bv[None, :])
        one = np.bitwise_count(clash) == 1
        m = ((m1 | bm[None, :]) & ~clash)[one]
        out_m.append(m)
        out_v.append(((v1 | bv[None, :]) & ~clash)[one] & m)
    if not out_m:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return _unique(np.concatenate(out_m), np.concatenate(out_v))


def r_order(mask: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    """Order of terms as R ``QCA`` lists prime implicants (its C routines ``sort_matrix``
    and ``sort_cols``, which order the PI charts of all three solution types).

    Conditions are keys from the last to the first (so the first is the most
    significant), each applied as a stable sort: present before negated before absent,
    then negated before present within the leading run of terms that contain the
    condition; finally fewer literals first. R's leading run stops one term short when
    every term contains the condition, so the last term keeps its place there (e.g. the
    complex solution of Lipset's fuzzy data lists ``DEV*URB*LIT*IND*STB`` before
    ``DEV*~URB*LIT*~IND*STB``). This order fixes the order of tied models (Cebotari &
    Vink, M1–M4) and of the terms in each.
    """
    has, val = bits(mask, k), bits(value, k)
    code = np.where(has, np.where(val, 2, 1), 0).astype(np.int8)  # R: absent 0, ~A 1, A 2
    order = np.arange(len(mask))
    if len(order) == 0:
        return order
    for j in range(k - 1, -1, -1):
        order = order[np.argsort(-code[order, j], kind="stable")]
        absent = np.flatnonzero(code[order, j] == 0)
        run = order[: absent[0] if len(absent) else len(order) - 1]
        order[: len(run)] = run[np.argsort(code[run, j], kind="stable")]
    return order[np.argsort(has[order].sum(axis=1), kind="stable")]


# --------------------------------------------------------------------------- PI chart


def minimum_covers(chart: np.ndarray) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """Every cover of a prime implicant chart that uses the fewest prime implicants.

    Parameters
    ----------
    chart : bool ndarray (implicants, columns)
        Which implicant covers which positive row; every column must be covered.

    Returns
    -------
    essential : tuple of int
        Implicants that alone cover some column (in every cover), ascending.
    covers : list of tuple of int
        All minimum covers, each as its essential implicants then the others (both
        ascending), ordered by the others lexicographically (R's M1, M2, ... order).

    Notes
    -----
    Essential implicants are taken first; columns whose implicants include all those of
    another column are dropped (covering the other covers them). The reduced chart is
    searched depth first by iterative deepening on the cover size, branching on the
    column with the fewest usable implicants and excluding, in later branches, those
    already tried (so each cover is met once); a packing of columns with disjoint
    implicant sets bounds the implicants still needed.
    """
    chart = np.asarray(chart, dtype=bool)
    if chart.shape[1] and not chart.any(axis=0).all():
        raise ValueError("a column of the prime implicant chart is covered by no implicant")
    counts = chart.sum(axis=0)
    essential = tuple(sorted({int(np.flatnonzero(chart[:, c])[0]) for c in np.flatnonzero(counts == 1)}))
    left = ~chart[list(essential)].any(axis=0) if essential else np.ones(chart.shape[1], bool)
    rest = chart[:, left]
    rest[list(essential)] = False
    usable = np.flatnonzero(rest.any(axis=1))
    if rest.shape[1] == 0:
        return essential, [essential]
    found = _Search(rest[usable]).all_minimum()
    return essential, [essential + c for c in sorted(tuple(sorted(int(usable[i]) for i in c)) for c in found)]


def _as_int(flags: np.ndarray) -> int:
    """Python int with bit ``i`` set where ``flags[i]``."""
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def _indices(x: int) -> np.ndarray:
    """Positions of the set bits of a Python int, ascending."""
    raw = np.frombuffer(x.to_bytes((x.bit_length() + 7) // 8 or 1, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little"))


class _Search:
    """Exact enumeration of the minimum covers of a reduced chart (Python-int bitsets)."""

    def __init__(self, chart: np.ndarray):
        sets = [_as_int(chart[:, c]) for c in range(chart.shape[1])]
        # column dominance: a column whose implicants include another column's is implied
        order = sorted(range(len(sets)), key=lambda c: sets[c].bit_count())
        kept: list[int] = []
        for c in order:
            if not any(sets[d] & sets[c] == sets[d] for d in kept):
                kept.append(c)
        self.columns = [sets[c] for c in kept]
        packed = np.packbits(chart[:, kept], axis=1, bitorder="little")
        self.cover = [int.from_bytes(row.tobytes(), "little") for row in packed]
        self.found: list[tuple[int, ...]] = []

    def all_minimum(self) -> list[tuple[int, ...]]:
        everything = (1 << len(self.columns)) - 1
        budget = self._bound(everything, 0)
        while not self.found:
            self._branch(everything, 0, (), budget)
            budget += 1
        return self.found

    def _usable(self, left: int, banned: int) -> list[tuple[int, int]]:
        """(usable implicants, column) for each column still to cover, fewest first."""
        out = [(self.columns[c] & ~banned, c) for c in _indices(left)]
        return sorted(out, key=lambda sc: sc[0].bit_count())

    def _bound(self, left: int, banned: int) -> int:
        """Columns with pairwise disjoint implicant sets: each needs its own implicant."""
        taken, n = 0, 0
        for usable, _ in self._usable(left, banned):
            if usable & taken == 0:
                taken |= usable
                n += 1
        return n

    def _branch(self, left: int, banned: int, chosen: tuple[int, ...], budget: int) -> None:
        if left == 0:
            self.found.append(chosen)
            return
        if budget == 0:
            return
        if budget == 1:
            # one implicant must cover every column left
            common = ~banned
            for c in _indices(left):
                common &= self.columns[c]
                if not common:
                    return
            self.found.extend(chosen + (int(i),) for i in _indices(common))
            return
        if self._bound(left, banned) > budget:
            return
        for i in _indices(self._usable(left, banned)[0][0]):
            self._branch(left & ~self.cover[i], banned, chosen + (int(i),), budget - 1)
            banned |= 1 << int(i)
