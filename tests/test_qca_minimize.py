"""The Boolean engine against brute-force oracles (all 3^k terms, all covers) and R's order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthalloc.qca.minimize import (
    covers,
    cubes_order,
    expand,
    minimum_covers,
    order_matters,
    primes_avoiding,
    primes_of_union,
    quine_mccluskey,
    r_order,
    term_membership,
    widen,
)

# --------------------------------------------------------------------------- oracles


def all_terms(k: int):
    """Every term over k conditions as (mask, value)."""
    for code in itertools.product((None, 0, 1), repeat=k):
        mask = sum(1 << (k - 1 - j) for j, c in enumerate(code) if c is not None)
        value = sum(1 << (k - 1 - j) for j, c in enumerate(code) if c == 1)
        yield mask, value


def rows_of(mask: int, value: int, k: int) -> set[int]:
    return {r for r in range(2**k) if r & mask == value}


def maximal(terms: set[tuple[int, int]], k: int) -> set[tuple[int, int]]:
    """Terms not strictly contained in another term of the set."""
    cells = {t: frozenset(rows_of(*t, k)) for t in terms}
    return {t for t in terms if not any(cells[t] < cells[u] for u in terms)}


def oracle_primes_avoiding(on, off, k):
    ok = {t for t in all_terms(k) if not rows_of(*t, k) & set(off)}
    return {t for t in maximal(ok, k) if rows_of(*t, k) & set(on)}


def oracle_primes_of_union(cells: set[int], k):
    return maximal({t for t in all_terms(k) if rows_of(*t, k) <= cells}, k)


def oracle_minimum_covers(chart: np.ndarray) -> set[frozenset[int]]:
    n = chart.shape[0]
    for size in range(1, n + 1):
        found = {frozenset(c) for c in itertools.combinations(range(n), size)
                 if chart[list(c)].any(axis=0).all()}
        if found:
            return found
    return set()


def as_set(mask, value) -> set[tuple[int, int]]:
    return set(zip(map(int, mask), map(int, value)))


problems = st.integers(1, 5).flatmap(lambda k: st.tuples(
    st.just(k),
    st.lists(st.sampled_from(range(2**k)), min_size=1, max_size=2**k, unique=True),
    st.lists(st.booleans(), min_size=2**k, max_size=2**k),
))

# --------------------------------------------------------------------------- primes


@settings(max_examples=150, deadline=None)
@given(problems)
def test_primes_avoiding_equal_brute_force(problem):
    k, observed, positive = problem
    on = [r for r in observed if positive[r]]
    off = [r for r in observed if not positive[r]]
    got = as_set(*primes_avoiding(np.array(on, dtype=np.int64), np.array(off, dtype=np.int64), k))
    assert got == oracle_primes_avoiding(on, off, k)


@settings(max_examples=150, deadline=None)
@given(problems)
def test_primes_of_minterms_equal_brute_force(problem):
    k, observed, _ = problem
    on = np.array(observed, dtype=np.int64)
    got = as_set(*primes_of_union(np.full(len(on), 2**k - 1, dtype=np.int64), on))
    assert got == oracle_primes_of_union(set(observed), k)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 5).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.sampled_from(list(all_terms(k))), min_size=1, max_size=6))))
def test_primes_of_union_of_terms_equal_brute_force(problem):
    k, terms = problem
    mask, value = np.array(terms, dtype=np.int64).T
    cells = set().union(*(rows_of(m, v, k) for m, v in terms))
    assert as_set(*primes_of_union(mask, value)) == oracle_primes_of_union(cells, k)


def test_no_off_rows_leave_the_empty_term():
    assert as_set(*primes_avoiding(np.array([3]), np.array([], dtype=np.int64), 2)) == {(0, 0)}


# --------------------------------------------------------------------------- covers


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9).flatmap(lambda n: st.lists(
    st.lists(st.booleans(), min_size=n, max_size=n), min_size=1, max_size=10)))
def test_minimum_covers_equal_brute_force(rows):
    chart = np.array(rows, dtype=bool)
    chart = chart[:, chart.any(axis=0)]  # every column must be coverable
    if chart.shape[1] == 0:
        return
    essential, found = minimum_covers(chart)
    assert {frozenset(c) for c in found} == oracle_minimum_covers(chart)
    assert len(found) == len(set(map(frozenset, found)))
    assert len({len(c) for c in found}) == 1
    for cover in found:
        assert cover[: len(essential)] == essential
        assert chart[list(cover)].any(axis=0).all()
    single = chart.sum(axis=0) == 1
    assert set(essential) == {int(np.flatnonzero(chart[:, c])[0]) for c in np.flatnonzero(single)}


def test_minimum_covers_order_tied_models_like_r():
    # Cebotari & Vink's PI chart (R QCA minimize.html): rows in R's PI order,
    # columns 5 15 16 24 27 29 30 31 32
    chart = np.array([
        [1, 1, 0, 0, 1, 1, 0, 1, 0],  # ~NATPRIDE
        [0, 1, 1, 0, 0, 0, 0, 0, 0],  # ~DEMOC*ETHFRACT*POLDIS
        [0, 0, 0, 0, 0, 1, 1, 1, 1],  # DEMOC*ETHFRACT*GEOCON
        [0, 0, 0, 0, 0, 1, 1, 0, 0],  # DEMOC*ETHFRACT*~POLDIS
        [0, 0, 0, 1, 0, 0, 0, 1, 1],  # DEMOC*GEOCON*POLDIS
        [0, 1, 1, 0, 0, 0, 0, 1, 1],  # ETHFRACT*GEOCON*POLDIS
    ], dtype=bool)
    essential, found = minimum_covers(chart)
    assert essential == (0, 4)
    assert found == [(0, 4, 1, 2), (0, 4, 1, 3), (0, 4, 2, 5), (0, 4, 3, 5)]  # R's M1..M4


def test_uncoverable_column_is_an_error():
    with pytest.raises(ValueError, match="covered by no implicant"):
        minimum_covers(np.array([[True, False]]))


# --------------------------------------------------------------------------- term algebra


def test_r_order_reproduces_r_pi_chart_order():
    # DEMOC ETHFRACT GEOCON POLDIS NATPRIDE; codes 1 present, 0 absent, None not in term
    names = ["~DEMOC*ETHFRACT*POLDIS", "DEMOC*ETHFRACT*GEOCON", "DEMOC*ETHFRACT*~POLDIS",
             "DEMOC*GEOCON*POLDIS", "ETHFRACT*GEOCON*POLDIS", "~NATPRIDE"]
    codes = [(0, 1, None, 1, None), (1, 1, 1, None, None), (1, 1, None, 0, None),
             (1, None, 1, 1, None), (None, 1, 1, 1, None), (None, None, None, None, 0)]
    mask = np.array([sum(1 << (4 - j) for j, c in enumerate(t) if c is not None) for t in codes])
    value = np.array([sum(1 << (4 - j) for j, c in enumerate(t) if c == 1) for t in codes])
    shuffled = np.array([4, 2, 5, 0, 3, 1])
    order = r_order(mask[shuffled], value[shuffled], 5)
    assert [names[i] for i in shuffled[order]] == [names[5]] + names[:5]


def test_covers_and_membership_follow_the_definitions():
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(7, 3))
    mask, value = np.array([0b101, 0b010, 0]), np.array([0b100, 0b000, 0])
    M = term_membership(X, mask, value)
    np.testing.assert_allclose(M[:, 0], np.minimum(X[:, 0], 1 - X[:, 2]))
    np.testing.assert_allclose(M[:, 1], 1 - X[:, 1])
    np.testing.assert_allclose(M[:, 2], 1.0)
    assert covers(mask, value, np.arange(8))[0].tolist() == [r & 0b101 == 0b100 for r in range(8)]


def test_widen_drops_only_literals_outside_p_against_their_expectation():
    # c = A*~B*C*~D inside p = A*~B; expectations are terms: A, B, C present (one literal
    # each). Outside p, C agrees and D has none (both stay); ~B contradicts B but is in p
    c_mask, c_value, p_mask, p_value = np.array([0b1111]), np.array([0b1010]), np.array([0b1100]), np.array([0b1000])
    present = np.array([0b1000, 0b0100, 0b0010])
    assert as_set(*widen(c_mask, c_value, p_mask, p_value, present, present)) == {(0b1111, 0b1010)}
    # C absent: C (outside p) contradicts it and goes
    assert as_set(*widen(c_mask, c_value, p_mask, p_value, [0b0010], [0])) == {(0b1101, 0b1000)}
    # conjunctural ~C*~D: C contradicts it, so C and D go together
    assert as_set(*widen(c_mask, c_value, p_mask, p_value, [0b0011], [0])) == {(0b1100, 0b1000)}
    # c is not inside B, nor inside A*C*D: no pair
    assert len(widen(c_mask, c_value, np.array([0b0100, 0b1011]), np.array([0b0100, 0b1011]), [], [])[0]) == 0


def r_sort_cols(codes: list[tuple[int, ...]]) -> list[int]:
    """R QCA's sort_cols / sort_matrix, step by step on lists (codes: 0 absent, 1 ~A, 2 A)."""
    order = list(range(len(codes)))

    def move(c1, c2):
        order.insert(c1, order.pop(c2))

    for i in reversed(range(len(codes[0]) if codes else 0)):
        for c1 in range(len(order)):
            for c2 in range(c1 + 1, len(order)):
                if codes[order[c1]][i] < codes[order[c2]][i]:
                    move(c1, c2)
        z = 0
        while z < len(order) and codes[order[z]][i]:
            z += 1
        z = min(z, len(order) - 1)
        for c1 in range(z):
            for c2 in range(c1 + 1, z):
                if codes[order[c1]][i] > codes[order[c2]][i]:
                    move(c1, c2)
    size = [sum(c > 0 for c in code) for code in codes]
    for c1 in range(len(order)):
        for c2 in range(c1 + 1, len(order)):
            if size[order[c1]] > size[order[c2]]:
                move(c1, c2)
    return order


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 5).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.sampled_from(list(all_terms(k))), min_size=1, max_size=12, unique=True))))
def test_r_order_equals_r_sort_step_by_step(problem):
    k, terms = problem
    mask, value = np.array(terms, dtype=np.int64).T
    codes = [tuple(2 if v >> (k - 1 - j) & 1 else 1 if m >> (k - 1 - j) & 1 else 0 for j in range(k))
             for m, v in terms]
    assert r_order(mask, value, k).tolist() == r_sort_cols(codes)


def r_qmc(rows: list[int], k: int) -> list[tuple[int, int]]:
    """R QCA's C_QMC loop on lists: all pairs of the current list in order, merged
    implicants first (first pair wins), then the implicants that did not merge."""
    current = [((1 << k) - 1, r) for r in dict.fromkeys(rows)]
    while len(current) > 1:
        found, merged = [], set()
        for a, b in itertools.combinations(range(len(current)), 2):
            (ma, va), (mb, vb) = current[a], current[b]
            if ma == mb and bin(va ^ vb).count("1") == 1:
                merged |= {a, b}
                term = (ma & ~(va ^ vb), va & ~(va ^ vb))
                if term not in found:
                    found.append(term)
        if not found:
            break
        current = found + [t for i, t in enumerate(current) if i not in merged]
    return current


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 5).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.sampled_from(range(2**k)), min_size=1, max_size=2**k, unique=True))))
def test_quine_mccluskey_finds_rs_primes_in_rs_order(problem):
    k, rows = problem
    mask, value = quine_mccluskey(np.array(rows, dtype=np.int64), k)
    assert list(zip(mask.tolist(), value.tolist())) == r_qmc(rows, k)
    assert as_set(mask, value) == oracle_primes_of_union(set(rows), k)
    assert quine_mccluskey(np.array(rows, dtype=np.int64), k, limit=len(rows) - 1) is None


def r_ccubes(on: list[int], off: list[int], k: int) -> list[tuple[int, int]]:
    """R QCA's CCubes search on lists: k literals at a time, conditions as combinations in
    lexicographic order, patterns of the on rows in order of first appearance; a pattern
    found in no off row and containing no implicant found before is a prime implicant."""
    found = []
    for size in range(1, k + 1):
        for combo in itertools.combinations(range(k), size):
            mask = sum(1 << (k - 1 - j) for j in combo)
            for value in dict.fromkeys(r & mask for r in on):
                if all(r & mask != value for r in off) and not any(
                        m & mask == m and value & m == v for m, v in found):
                    found.append((mask, value))
    return found


@settings(max_examples=150, deadline=None)
@given(problems)
def test_cubes_order_is_rs_ccubes_order(problem):
    k, observed, positive = problem
    on = [r for r in observed if positive[r]]
    off = [r for r in observed if not positive[r]]
    if not on or not off:
        return
    mask, value = primes_avoiding(np.array(on, dtype=np.int64), np.array(off, dtype=np.int64), k)
    order = cubes_order(mask, value, np.array(on, dtype=np.int64), k)
    assert list(zip(mask[order].tolist(), value[order].tolist())) == r_ccubes(on, off, k)


def test_order_matters_only_with_a_shared_condition_of_both_values():
    assert order_matters(np.array([0b11, 0b10]), np.array([0b10, 0b00]))  # A*~B, ~A
    assert not order_matters(np.array([0b11, 0b10]), np.array([0b10, 0b10]))  # A*~B, A
    assert not order_matters(np.array([0b10, 0b01]), np.array([0b10, 0b00]))  # A, ~B


def test_expand_lists_each_terms_rows():
    assert expand(np.array([0b101, 0b111]), np.array([0b001, 0b110]), 3).tolist() == [1, 3, 6]
