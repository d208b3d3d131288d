"""Fast exact solver for families of DEA envelopment LPs (the hot path).

Every DEA model here evaluates k units against one reference technology of n units.
Each unit's LP has a few columns of its own (θ, φ, slacks, the SBM scale t) and one
intensity column λ_j per reference unit, whose coefficients (x_j, y_j, 1) are the same
for every unit. Two facts make the family cheap:

* only units on the frontier can carry weight, so each LP is solved on a small
  candidate set of reference columns, and an exact pricing step (reduced costs of all
  n columns from the LP's duals, one matrix product) proves optimality or names the
  columns to add (column generation: the answer is the full LP's optimum, not an
  approximation);
* a HiGHS call has a fixed cost (~70 µs) larger than solving one small LP, so a chunk
  of units is solved as one block-diagonal LP.

The data are rescaled per variable (by the reference mean) before solving; radial
scores are invariant to this and slacks are reported back in the original units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from healthalloc.solver import SolverError, solve_lp

#: Units per block-diagonal LP.
CHUNK = 250
#: Reduced cost below -PRICING_TOL (data rescaled to mean 1) brings a column in.
PRICING_TOL = 1e-9
#: λ values below this are reported as zero (no peer).
LAMBDA_TOL = 1e-9
#: Random weight vectors used to screen frontier candidates.
N_SCREEN = 256
#: Most violated columns each unit brings into the candidate set per round.
TOP = 2
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

    def unit(self, i: int) -> BlockSpec:
        """Unit i alone, without elastic columns."""
        sl = slice(i, i + 1)
        return BlockSpec(self.own_A[sl], self.own_c[sl], self.own_lo[sl], self.own_hi[sl],
                         self.row_lo[sl], self.row_hi[sl], self.rts_row)


@dataclass(frozen=True)
class FamilySolution:
    own: np.ndarray  # (k, p) values of the unit-specific columns; NaN where infeasible
    lambdas: sp.csr_matrix  # (k, n) intensities
    objective: np.ndarray  # (k,); NaN where the unit's LP is infeasible


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


def _solve_block(spec: BlockSpec, idx: np.ndarray, Aref_C: np.ndarray, cand: np.ndarray,
                 exclude: np.ndarray | None):
    """Solve the units ``idx`` on candidate columns ``cand`` as one block-diagonal LP."""
    b = len(idx)
    R, p = spec.own_A.shape[1:]
    K = len(cand)
    w = p + K
    # unit-specific columns
    oa = spec.own_A[idx]  # (b, R, p)
    blk, row, col = np.nonzero(oa)
    rows = [blk * R + row]
    cols = [blk * w + col]
    vals = [oa[blk, row, col]]
    # shared λ columns, one copy per block
    r_nz, c_nz = np.nonzero(Aref_C)
    v_nz = Aref_C[r_nz, c_nz]
    base = np.arange(b)[:, None]
    rows.append((base * R + r_nz[None, :]).ravel())
    cols.append((base * w + p + c_nz[None, :]).ravel())
    vals.append(np.broadcast_to(v_nz, (b, len(v_nz))).ravel())
    A = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(b * R, b * w)
    )
    c = np.zeros((b, w))
    c[:, :p] = spec.own_c[idx]
    lo = np.zeros((b, w))
    hi = np.full((b, w), np.inf)
    lo[:, :p], hi[:, :p] = spec.own_lo[idx], spec.own_hi[idx]
    if exclude is not None:
        pos = np.searchsorted(cand, exclude[idx])
        hit = (pos < K) & (cand[np.minimum(pos, K - 1)] == exclude[idx])
        hi[np.nonzero(hit)[0], p + pos[hit]] = 0.0
    sol = solve_lp(c.ravel(), A, spec.row_lo[idx].ravel(), spec.row_hi[idx].ravel(),
                   lo.ravel(), hi.ravel(), presolve=False)
    x = sol.x.reshape(b, w)
    obj = (c * x).sum(axis=1)
    return x[:, :p], x[:, p:], sol.row_dual.reshape(b, R), obj


def solve_family(Xr: np.ndarray, Yr: np.ndarray, spec: BlockSpec, *,
                 exclude: np.ndarray | None = None, candidates: np.ndarray | None = None,
                 rts: str = "crs") -> tuple[FamilySolution, np.ndarray]:
    """Solve every unit's LP exactly against all n reference columns.

    Returns the solution and the final candidate set (reusable by a second phase).
    ``exclude[i]`` is a reference column unit i may not use (super-efficiency), or -1.
    A unit whose elastic columns stay positive is re-solved alone on every column
    without them; if that LP is infeasible its values are NaN.
    """
    p = spec.own_A.shape[2]
    sol, cand = _column_generation(Xr, Yr, spec.with_elastic(), exclude, candidates, rts)
    own, obj, lambdas = sol.own[:, :p], sol.objective, sol.lambdas.tolil()
    for i in np.nonzero(sol.own[:, p:].max(axis=1, initial=0.0) > ELASTIC_TOL)[0]:
        try:
            one, _ = _column_generation(Xr, Yr, spec.unit(i), None if exclude is None else
                                        exclude[i : i + 1], np.arange(len(Xr)), rts)
        except SolverError:
            own[i], obj[i] = np.nan, np.nan
            lambdas[i] = 0.0
            continue
        own[i], obj[i], lambdas[i] = one.own[0], one.objective[0], one.lambdas[0]
    return FamilySolution(own, lambdas.tocsr(), obj), cand


def _column_generation(Xr, Yr, spec: BlockSpec, exclude, candidates, rts):
    k = spec.own_A.shape[0]
    R, p = spec.own_A.shape[1:]
    n = Xr.shape[0]
    Aref = _ref_matrix(Xr, Yr, R, spec.rts_row)
    cand = np.unique(screen(Xr, Yr, rts) if candidates is None else candidates)
    own = np.zeros((k, p))
    obj = np.zeros(k)
    lam_rows: list[np.ndarray] = []
    lam_cols: list[np.ndarray] = []
    lam_vals: list[np.ndarray] = []
    pending = np.arange(k)
    while len(pending):
        Aref_C = Aref[:, cand]
        again: list[np.ndarray] = []
        new_cols: list[np.ndarray] = []
        for start in range(0, len(pending), CHUNK):
            idx = pending[start : start + CHUNK]
            x_own, lam, duals, ob = _solve_block(spec, idx, Aref_C, cand, exclude)
            # pricing: reduced cost of every reference column for every unit
            rc = -(duals @ Aref)
            rc[:, cand] = np.inf  # HiGHS has priced these already
            if exclude is not None:
                ok = exclude[idx] >= 0
                rc[np.nonzero(ok)[0], exclude[idx][ok]] = np.inf
            scale = 1.0 + np.abs(duals).max(axis=1, keepdims=True)
            bad = rc < -PRICING_TOL * scale
            bad_units = np.nonzero(bad.any(axis=1))[0]
            if len(bad_units):
                again.append(idx[bad_units])
                # the most violated columns of each unit enter the candidate set
                worst = np.argsort(rc[bad_units], axis=1)[:, :TOP]
                worst = worst[np.take_along_axis(bad[bad_units], worst, axis=1)]
                new_cols.append(np.unique(worst))
            good = np.setdiff1d(np.arange(len(idx)), bad_units)
            own[idx[good]] = x_own[good]
            obj[idx[good]] = ob[good]
            r, cc = np.nonzero(lam[good] > LAMBDA_TOL)
            lam_rows.append(idx[good][r])
            lam_cols.append(cand[cc])
            lam_vals.append(lam[good][r, cc])
        if not again:
            break
        pending = np.concatenate(again)
        cand = np.union1d(cand, np.concatenate(new_cols))
    lambdas = sp.csr_matrix(
        (np.concatenate(lam_vals), (np.concatenate(lam_rows), np.concatenate(lam_cols))),
        shape=(k, n),
    )
    return FamilySolution(own=own, lambdas=lambdas, objective=obj), cand


def rts_bounds(rts: str) -> tuple[float, float] | None:
    """Bounds on Σλ for a returns-to-scale assumption; None for CRS (no row)."""
    return {"crs": None, "vrs": (1.0, 1.0), "nirs": (-np.inf, 1.0), "ndrs": (1.0, np.inf)}[rts]
