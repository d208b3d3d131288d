"""Fast exact solver for families of DEA envelopment LPs (the hot path).

Every DEA model here evaluates k units against one reference technology of n units.
Each unit's LP has a few columns of its own (θ, φ, slacks, the SBM scale t) and one
intensity column λ_j per reference unit, whose coefficients (x_j, y_j, 1) are the same
for every unit. Two facts make the family cheap:

* only units on the frontier can carry weight, so each LP is solved on a small
  candidate set of reference columns (shared by all units, or a unit's own: the face of
  a known optimal dual), and an exact pricing step (reduced costs of all n columns from
  the LP's duals, one matrix product) proves optimality or names the columns to add
  (column generation: the answer is the full LP's optimum, not an approximation);
* a HiGHS call has a fixed cost (~70 µs) larger than solving one small LP, so a chunk
  of units is solved as one block-diagonal LP.

A restricted LP (few columns) may be infeasible where the full one is not, so rows at
risk get elastic columns of cost ``BIG_M``. That penalty is only right while it exceeds
the row's true dual: where a frontier is nearly vertical (two units almost tie on the
best output) the dual can be larger, and the LP would rather pay a tiny shortfall than
the true optimum. A unit whose elastic row is priced near ``BIG_M`` is therefore solved
again on all columns without elastic columns. A block HiGHS fails on is split until the
failing units are found; they are reported by position, never lost in the block.

The data are rescaled per variable (by the reference mean) before solving; radial
scores are invariant to this and slacks are reported back in the original units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from healthalloc.efficiency.declarations import RTS
from healthalloc.solver import SolverError, solve_lp

#: Units per block-diagonal LP.
CHUNK = 250
#: Reduced cost below -PRICING_TOL (data rescaled to mean 1) brings a column in.
PRICING_TOL = 1e-9
#: λ values below this are reported as zero (no peer).
LAMBDA_TOL = 1e-9
#: Random weight vectors used to screen frontier candidates.
N_SCREEN = 256
#: Most violated columns each unit brings into its candidate list per round
#: (shared lists grow by the union over units, so fewer each).
TOP_SHARED = 2
TOP_OWN = 6
#: Cost of the elastic columns that keep every restricted LP feasible.
BIG_M = 1e6

#: Bounds on Σλ for each returns-to-scale assumption (CRS: none, and no row).
LAMBDA_SUM = {"crs": None, "vrs": (1.0, 1.0), "nirs": (-np.inf, 1.0), "ndrs": (1.0, np.inf)}
if tuple(LAMBDA_SUM) != RTS:
    raise ImportError(f"the declared returns to scale {RTS} are not the Σλ table's {tuple(LAMBDA_SUM)}")


@dataclass(frozen=True)
class BlockSpec:
    """Per-unit part of a family of LPs; see :func:`solve_family`.

    ``own_A`` is (k, R, p): the p unit-specific columns on the R rows (rows 0..m-1 are
    inputs, m..m+s-1 outputs, then ``rts_row`` if any, then extra rows). ``elastic``
    (R,) puts a column of that sign (+1 / -1, 0 for none) and cost ``BIG_M`` on a row
    whose restricted LP (few candidate columns) could be infeasible.
    """

    own_A: np.ndarray
    own_c: np.ndarray
    own_lo: np.ndarray
    own_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    rts_row: int | None
    elastic: np.ndarray | None = None

    def with_elastic(self) -> BlockSpec:
        """The same family with the elastic columns appended to the own columns."""
        if self.elastic is None or not self.elastic.any():
            return self
        k, R, _ = self.own_A.shape
        rows = np.nonzero(self.elastic)[0]
        E = np.zeros((k, R, len(rows)))
        E[:, rows, np.arange(len(rows))] = self.elastic[rows]
        return BlockSpec(
            np.concatenate([self.own_A, E], axis=2),
            np.concatenate([self.own_c, np.full((k, len(rows)), BIG_M)], axis=1),
            np.concatenate([self.own_lo, np.zeros((k, len(rows)))], axis=1),
            np.concatenate([self.own_hi, np.full((k, len(rows)), np.inf)], axis=1),
            self.row_lo, self.row_hi, self.rts_row,
        )

    def subset(self, idx) -> BlockSpec:
        """The units ``idx`` only, without elastic columns."""
        return BlockSpec(self.own_A[idx], self.own_c[idx], self.own_lo[idx], self.own_hi[idx],
                         self.row_lo[idx], self.row_hi[idx], self.rts_row)


@dataclass(frozen=True)
class FamilySolution:
    own: np.ndarray  # (k, p) values of the unit-specific columns; NaN where failed
    lambdas: sp.csr_matrix  # (k, n) intensities
    objective: np.ndarray  # (k,); NaN where failed
    duals: np.ndarray  # (k, R) optimal row duals (HiGHS signs); NaN where failed
    failed: dict = field(default_factory=dict)  # unit → HiGHS status of its unsolved LP

    def check(self, what: str, *, infeasible_ok: bool = False) -> None:
        """Raise :class:`SolverError` naming (in ``units``) the units HiGHS failed on,
        except those whose LP it found infeasible when ``infeasible_ok``."""
        bad = {i: st for i, st in self.failed.items() if not (infeasible_ok and st == "Infeasible")}
        if bad:
            statuses = ", ".join(sorted(set(map(str, bad.values()))))
            raise SolverError(f"HiGHS did not solve the {what} ({statuses})",
                              status=next(iter(bad.values())), units=sorted(bad))


def _ref_matrix(Xr: np.ndarray, Yr: np.ndarray, R: int, rts_row: int | None) -> np.ndarray:
    """Coefficients of every reference column on the R rows: (R, n)."""
    n, m = Xr.shape
    A = np.zeros((R, n))
    A[:m] = Xr.T
    A[m : m + Yr.shape[1]] = Yr.T
    if rts_row is not None:
        A[rts_row] = 1.0
    return A


def screen(Xr: np.ndarray, Yr: np.ndarray, rts: str, seed: int = 0) -> np.ndarray:
    """Indices of reference units that are extreme points of the frontier (:func:`on_frontier`)."""
    return np.flatnonzero(on_frontier(Xr, Yr, rts, seed))


def on_frontier(Xr: np.ndarray, Yr: np.ndarray, rts: str, seed: int = 0, directions: int = N_SCREEN) -> np.ndarray:
    """Which reference units (rows of the last two axes; any leading axes are separate
    technologies) are found to be extreme points of the frontier: a boolean (..., n).

    For each of ``directions`` random positive weights (u, v) the unit maximizing u·y / v·x is CRS-efficient
    and the unit maximizing u·y − v·x is VRS-efficient. A good start for column
    generation; exactness never depends on it.
    """
    rng = np.random.default_rng(seed)
    U = rng.exponential(size=(directions, Yr.shape[-1]))
    V = rng.exponential(size=(directions, Xr.shape[-1]))
    uy, vx = Yr @ U.T, Xr @ V.T
    picks = [np.argmax(uy / vx, axis=-2)]
    if rts != "crs":
        picks.append(np.argmax(uy - vx, axis=-2))
        picks.append(np.argmin(Xr, axis=-2))
        picks.append(np.argmax(Yr, axis=-2))
    found = np.zeros(Xr.shape[:-1], bool)
    np.put_along_axis(found, np.concatenate(picks, axis=-1), True, axis=-1)
    return found


def _solve_block(spec: BlockSpec, idx: np.ndarray, lists: list[np.ndarray], Aref: np.ndarray,
                 exclude: np.ndarray | None):
    """Solve units ``idx`` as one block-diagonal LP; unit i may use the reference columns
    ``lists[i]``. Returns own values (b, p), the λ of the listed columns (concatenated),
    row duals (b, R) and objectives (b,)."""
    b = len(idx)
    R, p = spec.own_A.shape[1:]
    lens = np.array([len(c) for c in lists])
    flat = np.concatenate(lists).astype(np.int64)
    owner = np.repeat(np.arange(b), lens)
    first = np.r_[0, np.cumsum(p + lens)[:-1]]  # first column of each unit
    own_pos = (first[:, None] + np.arange(p)).ravel()
    rank = np.arange(len(flat)) - np.repeat(np.r_[0, np.cumsum(lens)[:-1]], lens)  # in own list
    lam_pos = first[owner] + p + rank
    oa = spec.own_A[idx]  # (b, R, p)
    blk, row, col = np.nonzero(oa)
    lam = Aref[:, flat]  # (R, total listed)
    r_nz, l_nz = np.nonzero(lam)
    A = sp.csc_matrix((np.r_[oa[blk, row, col], lam[r_nz, l_nz]],
                       (np.r_[blk * R + row, owner[l_nz] * R + r_nz],
                        np.r_[first[blk] + col, lam_pos[l_nz]])),
                      shape=(b * R, p * b + len(flat)))
    c = np.zeros(A.shape[1])
    lo = np.zeros(A.shape[1])
    hi = np.full(A.shape[1], np.inf)
    c[own_pos] = spec.own_c[idx].ravel()
    lo[own_pos], hi[own_pos] = spec.own_lo[idx].ravel(), spec.own_hi[idx].ravel()
    if exclude is not None:
        hi[lam_pos[flat == exclude[idx][owner]]] = 0.0
    sol = solve_lp(c, A, spec.row_lo[idx].ravel(), spec.row_hi[idx].ravel(), lo, hi,
                   presolve=False)
    x_own = sol.x[own_pos].reshape(b, p)
    return x_own, sol.x[lam_pos], sol.row_dual.reshape(b, R), (spec.own_c[idx] * x_own).sum(axis=1)


def _solve_units(spec, idx, lists, Aref, exclude):
    """:func:`_solve_block`, or when HiGHS fails on the block, its halves in turn down to
    the single units it fails on: their results are NaN, with HiGHS' status in the
    returned ``{unit: status}``."""
    try:
        return (*_solve_block(spec, idx, lists, Aref, exclude), {})
    except SolverError as exc:
        if len(idx) == 1:
            R, p = spec.own_A.shape[1:]
            return (np.full((1, p), np.nan), np.full(len(lists[0]), np.nan),
                    np.full((1, R), np.nan), np.full(1, np.nan), {int(idx[0]): exc.status})
    h = len(idx) // 2
    a, z = (_solve_units(spec, idx[part], lists[part], Aref, exclude)
            for part in (slice(0, h), slice(h, None)))
    return (*(np.concatenate(pair) for pair in zip(a[:4], z[:4])), a[4] | z[4])


def reduced_costs(duals: np.ndarray, Aref: np.ndarray) -> np.ndarray:
    """Reduced cost of every reference column (cost 0) for each unit's duals: (k, n)."""
    return -(duals @ Aref)


def faces(Xr, Yr, duals: np.ndarray, rts_row: int | None) -> list[np.ndarray]:
    """For each unit, the reference columns on the face of its optimal dual (reduced
    cost ≈ 0): the only columns any optimal solution of that LP can use."""
    Aref = _ref_matrix(Xr, Yr, duals.shape[1], rts_row)
    out = []
    for start in range(0, len(duals), CHUNK):
        d = duals[start : start + CHUNK]
        rc = reduced_costs(d, Aref)
        tol = PRICING_TOL * 1e3 * (1.0 + np.abs(d).max(axis=1, keepdims=True))
        on = rc <= tol
        out.extend(np.nonzero(row)[0] for row in on)
    return out


def solve_family(Xr: np.ndarray, Yr: np.ndarray, spec: BlockSpec, *,
                 exclude: np.ndarray | None = None, candidates=None,
                 rts: str = "crs") -> FamilySolution:
    """Solve every unit's LP exactly against all n reference columns.

    ``candidates`` is where column generation starts: None (a frontier screen, shared by
    every unit), an index array (shared), or a list with one index array per unit (each
    unit then grows its own list). ``exclude[i]`` is a reference column unit i may not
    use (super-efficiency), or -1.

    A unit is re-solved alone on every column without elastic columns when its elastic
    rows are priced at their cap (a row dual of ``BIG_M / 2`` or more: the penalty may be
    what stops the LP, so the answer might not be the LP's) or when HiGHS failed on it.
    Units HiGHS still fails on (an infeasible LP, or numerical trouble) get NaN values
    and their status in ``failed``; see :meth:`FamilySolution.check`.
    """
    p = spec.own_A.shape[2]
    # the pricing products are skinny (R ≈ m + s rows): a multithreaded BLAS spends more
    # time starting threads than computing (≈ 4× slower on 2 cores in make bench)
    with threadpool_limits(1, user_api="blas"):
        sol = _column_generation(Xr, Yr, spec.with_elastic(), exclude, candidates, rts)
        own, obj, duals, lambdas = sol.own[:, :p], sol.objective, sol.duals, sol.lambdas.tolil()
        failed = dict(sol.failed)
        redo = set(failed)
        if spec.elastic is not None:
            capped = (np.abs(duals[:, spec.elastic != 0]) >= BIG_M / 2).any(axis=1)
            redo |= set(np.nonzero(capped)[0])
        for i in sorted(redo):
            one = _column_generation(Xr, Yr, spec.subset([i]),
                                     None if exclude is None else exclude[i : i + 1],
                                     np.arange(len(Xr)), rts)
            failed.pop(i, None)
            if one.failed:
                failed[i] = one.failed[0]
            own[i], obj[i], duals[i] = one.own[0], one.objective[0], one.duals[0]
            lambdas[i] = one.lambdas[0]
    return FamilySolution(own, lambdas.tocsr(), obj, duals, failed)


def _column_generation(Xr, Yr, spec: BlockSpec, exclude, candidates, rts) -> FamilySolution:
    k = spec.own_A.shape[0]
    R, p = spec.own_A.shape[1:]
    n = Xr.shape[0]
    Aref = _ref_matrix(Xr, Yr, R, spec.rts_row)
    shared = not isinstance(candidates, list)
    if shared:
        start = np.unique(screen(Xr, Yr, rts) if candidates is None else candidates)
        lists = [start] * k
    else:
        lists = _unique_lists(candidates, n)
    top = TOP_SHARED if shared else TOP_OWN
    # partial pricing: columns in some unit's list are priced first; all n only for units
    # none of these improves (always before a unit is done, so the result stays exact)
    in_pool = np.zeros(n, bool)
    in_pool[np.concatenate(lists)] = True
    own, obj, duals = np.zeros((k, p)), np.zeros(k), np.zeros((k, R))
    lam_rows, lam_cols, lam_vals = [], [], []
    failed = {}
    pending = np.arange(k)
    while len(pending):
        again, new_cols = [], []
        for first in range(0, len(pending), CHUNK):
            idx = pending[first : first + CHUNK]
            cols = [lists[i] for i in idx]
            x_own, lam, du, ob, why = _solve_units(spec, idx, cols, Aref, exclude)
            failed |= why
            ex = None if exclude is None else exclude[idx]
            bad, enter = _entering(du, cols, ex, Aref, np.flatnonzero(in_pool), top)
            rest = np.setdiff1d(np.arange(len(idx)), bad)
            bad2, enter2 = _entering(du[rest], [cols[i] for i in rest],
                                     None if ex is None else ex[rest], Aref, np.arange(n), top)
            bad = np.r_[bad, rest[bad2]]
            enter += enter2
            if len(bad):
                again.append(idx[bad])
                new_cols.extend(enter)
                in_pool[np.concatenate(enter)] = True
            good = np.ones(len(idx), bool)
            good[bad] = False
            g = idx[good]
            own[g], obj[g], duals[g] = x_own[good], ob[good], du[good]
            owner = np.repeat(np.arange(len(idx)), [len(c) for c in cols])
            use = good[owner] & (lam > LAMBDA_TOL)
            lam_rows.append(idx[owner[use]])
            lam_cols.append(np.concatenate(cols)[use])
            lam_vals.append(lam[use])
        if not again:
            break
        pending = np.concatenate(again)
        if shared:
            grown = np.union1d(lists[pending[0]], np.concatenate(new_cols))
            for i in pending:
                lists[i] = grown
        else:
            for i, grown in zip(pending, _unique_lists(
                    [np.concatenate((lists[i], extra)) for i, extra in zip(pending, new_cols)], n)):
                lists[i] = grown
    lambdas = sp.csr_matrix(
        (np.concatenate(lam_vals), (np.concatenate(lam_rows), np.concatenate(lam_cols))),
        shape=(k, n),
    )
    return FamilySolution(own, lambdas, obj, duals, failed)


def _entering(du, lists, exclude, Aref, cols, top):
    """Pricing of the reference columns ``cols`` for units with row duals ``du`` (rows),
    each of which already has the columns ``lists[i]`` (and may not use ``exclude[i]``).

    Returns the units with a column of negative reduced cost and, for each, its ``top``
    most violated columns (chosen among the columns violated for some unit: few, where
    ``cols`` are many)."""
    if not len(du):
        return np.zeros(0, np.int64), []
    rc = reduced_costs(np.nan_to_num(du), Aref[:, cols])
    pos = np.full(Aref.shape[1], -1)
    pos[cols] = np.arange(len(cols))
    owner = np.repeat(np.arange(len(du)), [len(c) for c in lists])
    at = pos[np.concatenate(lists).astype(np.int64)]
    rc[owner[at >= 0], at[at >= 0]] = np.inf  # HiGHS has priced these
    if exclude is not None:
        at = np.where(exclude >= 0, pos[exclude], -1)
        rc[np.nonzero(at >= 0)[0], at[at >= 0]] = np.inf
    bad = rc < -PRICING_TOL * (1.0 + np.abs(du).max(axis=1, keepdims=True))
    units = np.nonzero(bad.any(axis=1))[0]
    if not len(units):
        return units, []
    hot = np.nonzero(bad[units].any(axis=0))[0]
    if len(hot) > top:
        worst = np.argpartition(rc[np.ix_(units, hot)], top, axis=1)[:, :top]
    else:
        worst = np.broadcast_to(np.arange(len(hot)), (len(units), len(hot)))
    keep = np.take_along_axis(bad[np.ix_(units, hot)], worst, axis=1)
    return units, [cols[hot[w[kk]]] for w, kk in zip(worst, keep)]


def _unique_lists(lists: list[np.ndarray], n: int) -> list[np.ndarray]:
    """Each array of column indices (< n) sorted and without repeats (one sparse
    conversion instead of a ``numpy.unique`` call per unit)."""
    rows = np.repeat(np.arange(len(lists)), [len(c) for c in lists])
    M = sp.csr_matrix((np.ones(len(rows), np.int8), (rows, np.concatenate(lists).astype(np.int64))),
                      shape=(len(lists), n))
    M.sort_indices()
    return np.split(M.indices.astype(np.int64), M.indptr[1:-1])
