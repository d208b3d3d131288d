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

The data are rescaled per variable (by the reference mean) before solving; radial
scores are invariant to this and slacks are reported back in the original units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

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
#: Elastic values above this after convergence mean the unit's LP may be infeasible.
ELASTIC_TOL = 1e-7

RTS = ("crs", "vrs", "nirs", "ndrs")
ORIENTATIONS = ("input", "output")


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

    def subset(self, idx, *, elastic: bool = True) -> BlockSpec:
        """The units ``idx`` only (with or without the elastic columns)."""
        return BlockSpec(self.own_A[idx], self.own_c[idx], self.own_lo[idx], self.own_hi[idx],
                         self.row_lo[idx], self.row_hi[idx], self.rts_row,
                         self.elastic if elastic else None)


@dataclass(frozen=True)
class FamilySolution:
    own: np.ndarray  # (k, p) values of the unit-specific columns; NaN where infeasible
    lambdas: sp.csr_matrix  # (k, n) intensities
    objective: np.ndarray  # (k,); NaN where the unit's LP is infeasible
    duals: np.ndarray  # (k, R) optimal row duals (HiGHS signs); NaN where infeasible


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
    """Indices of reference units that are extreme points of the frontier.

    For random positive weights (u, v) the unit maximizing u·y / v·x is CRS-efficient
    and the unit maximizing u·y − v·x is VRS-efficient. A good start for column
    generation; exactness never depends on it.
    """
    rng = np.random.default_rng(seed)
    U = rng.exponential(size=(N_SCREEN, Yr.shape[1]))
    V = rng.exponential(size=(N_SCREEN, Xr.shape[1]))
    uy, vx = Yr @ U.T, Xr @ V.T
    picks = [np.argmax(uy / vx, axis=0)]
    if rts != "crs":
        picks.append(np.argmax(uy - vx, axis=0))
        picks.append(np.argmin(Xr, axis=0))
        picks.append(np.argmax(Yr, axis=0))
    return np.unique(np.concatenate(picks))


def _solve_block(spec: BlockSpec, idx: np.ndarray, cols: np.ndarray, Aref: np.ndarray,
                 exclude: np.ndarray | None):
    """Solve units ``idx`` as one block-diagonal LP; unit i may use the reference columns
    ``cols[i]`` (padded with -1)."""
    b, K = cols.shape
    R, p = spec.own_A.shape[1:]
    w = p + K
    oa = spec.own_A[idx]  # (b, R, p)
    blk, row, col = np.nonzero(oa)
    rows, cidx, vals = [blk * R + row], [blk * w + col], [oa[blk, row, col]]
    valid = cols >= 0
    lam = np.where(valid[None], Aref[:, np.where(valid, cols, 0)], 0.0)  # (R, b, K)
    r_nz, b_nz, k_nz = np.nonzero(lam)
    rows.append(b_nz * R + r_nz)
    cidx.append(b_nz * w + p + k_nz)
    vals.append(lam[r_nz, b_nz, k_nz])
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cidx))),
                      shape=(b * R, b * w))
    c = np.zeros((b, w))
    c[:, :p] = spec.own_c[idx]
    lo = np.zeros((b, w))
    hi = np.where(np.c_[np.ones((b, p), bool), valid], np.inf, 0.0)
    lo[:, :p], hi[:, :p] = spec.own_lo[idx], spec.own_hi[idx]
    if exclude is not None:
        hi[:, p:][cols == exclude[idx][:, None]] = 0.0
    sol = solve_lp(c.ravel(), A, spec.row_lo[idx].ravel(), spec.row_hi[idx].ravel(),
                   lo.ravel(), hi.ravel(), presolve=False)
    x = sol.x.reshape(b, w)
    return x[:, :p], x[:, p:], sol.row_dual.reshape(b, R), (c * x).sum(axis=1)


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
    use (super-efficiency), or -1. A unit whose elastic columns stay positive is
    re-solved alone on every column without them; if that LP is infeasible its values
    are NaN.
    """
    p = spec.own_A.shape[2]
    # the pricing products are skinny (R ≈ m + s rows): a multithreaded BLAS spends more
    # time starting threads than computing (≈ 4× slower on 2 cores in make bench)
    with threadpool_limits(1, user_api="blas"):
        sol = _column_generation(Xr, Yr, spec.with_elastic(), exclude, candidates, rts)
    own, obj, duals, lambdas = sol.own[:, :p], sol.objective, sol.duals, sol.lambdas.tolil()
    for i in np.nonzero(sol.own[:, p:].max(axis=1, initial=0.0) > ELASTIC_TOL)[0]:
        try:
            one = _column_generation(Xr, Yr, spec.subset([i], elastic=False), None if exclude is None else
                                     exclude[i : i + 1], np.arange(len(Xr)), rts)
        except SolverError:
            own[i], obj[i], duals[i] = np.nan, np.nan, np.nan
            lambdas[i] = 0.0
            continue
        own[i], obj[i], duals[i], lambdas[i] = one.own[0], one.objective[0], one.duals[0], one.lambdas[0]
    return FamilySolution(own, lambdas.tocsr(), obj, duals)


def _pad(lists: list[np.ndarray]) -> np.ndarray:
    K = max(len(c) for c in lists)
    out = np.full((len(lists), K), -1, dtype=np.int64)
    for i, c in enumerate(lists):
        out[i, : len(c)] = c
    return out


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
        lists = [np.unique(c) for c in candidates]
    own, obj, duals = np.zeros((k, p)), np.zeros(k), np.zeros((k, R))
    lam_rows, lam_cols, lam_vals = [], [], []
    pending = np.arange(k)
    while len(pending):
        again, new_cols = [], []
        for first in range(0, len(pending), CHUNK):
            idx = pending[first : first + CHUNK]
            cols = _pad([lists[i] for i in idx])
            x_own, lam, du, ob = _solve_block(spec, idx, cols, Aref, exclude)
            rc = reduced_costs(du, Aref)
            rows = np.arange(len(idx))[:, None]
            rc[rows, np.where(cols >= 0, cols, 0)] = np.inf  # HiGHS has priced these
            if exclude is not None:
                ok = exclude[idx] >= 0
                rc[np.nonzero(ok)[0], exclude[idx][ok]] = np.inf
            bad = rc < -PRICING_TOL * (1.0 + np.abs(du).max(axis=1, keepdims=True))
            bad_units = np.nonzero(bad.any(axis=1))[0]
            if len(bad_units):
                # each unit's most violated columns enter its candidate list
                top = min(TOP_SHARED if shared else TOP_OWN, n - 1)
                worst = np.argpartition(rc[bad_units], top, axis=1)[:, :top]
                keep = np.take_along_axis(bad[bad_units], worst, axis=1)
                again.append(idx[bad_units])
                new_cols.extend(w[kk] for w, kk in zip(worst, keep))
            good = np.setdiff1d(np.arange(len(idx)), bad_units)
            g = idx[good]
            own[g], obj[g], duals[g] = x_own[good], ob[good], du[good]
            r, cc = np.nonzero(lam[good] > LAMBDA_TOL)
            lam_rows.append(g[r])
            lam_cols.append(cols[good][r, cc])
            lam_vals.append(lam[good][r, cc])
        if not again:
            break
        pending = np.concatenate(again)
        if shared:
            grown = np.union1d(lists[pending[0]], np.concatenate(new_cols))
            for i in pending:
                lists[i] = grown
        else:
            for i, extra in zip(pending, new_cols):
                lists[i] = np.union1d(lists[i], extra)
    lambdas = sp.csr_matrix(
        (np.concatenate(lam_vals), (np.concatenate(lam_rows), np.concatenate(lam_cols))),
        shape=(k, n),
    )
    return FamilySolution(own=own, lambdas=lambdas, objective=obj, duals=duals)


def rts_bounds(rts: str) -> tuple[float, float] | None:
    """Bounds on Σλ for a returns-to-scale assumption; None for CRS (no row)."""
    return {"crs": None, "vrs": (1.0, 1.0), "nirs": (-np.inf, 1.0), "ndrs": (1.0, np.inf)}[rts]
