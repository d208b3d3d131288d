"""DEA envelopment models on arrays: radial (Farrell), super-efficiency and SBM.

These functions take plain arrays and return plain arrays; :func:`healthalloc.efficiency.dea`
wraps them for tables. ``Xe, Ye`` are the evaluated units (k × m inputs, k × s outputs),
``Xr, Yr`` the reference technology (n × m, n × s).

References: Charnes, Cooper & Rhodes (1978); Banker, Charnes & Cooper (1984);
Andersen & Petersen (1993); Tone (2001), EJOR 130:498–509; Tone (2002), EJOR
143:32–41; Tone (2004), "Dealing with undesirable outputs in DEA: a slacks-based measure
(SBM) approach", North American Productivity Workshop; Cooper, Seiford & Tone (2007),
Data Envelopment Analysis, 2nd ed., ch. 13.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from healthalloc.efficiency._envelopment import LAMBDA_SUM, LAMBDA_TOL, BlockSpec, faces, solve_family
from healthalloc.solver import SolverError

#: Units solved first, whose optimal duals suggest where every other unit starts.
N_PILOT = 128
#: Pilot duals whose faces make up a unit's starting columns (VRS faces are small and
#: many, so the single best one often misses a unit's optimal face).
START_FACES = 4
#: SBM scores within this distance of 1 count as efficient (super-SBM evaluates them again).
EFFICIENT_TOL = 1e-6


@dataclass(frozen=True)
class EnvelopmentSolution:
    """Scores, intensities and slacks (original units) of k evaluated units.

    ``score`` is θ ≤ 1 for input orientation and Farrell's φ ≥ 1 for output orientation
    (radial models), or ρ ∈ (0, 1] for SBM. NaN marks an infeasible super-efficiency LP.
    """

    score: np.ndarray
    lambdas: sp.csr_matrix
    slack_x: np.ndarray
    slack_y: np.ndarray

    @classmethod
    def concat(cls, parts: list[EnvelopmentSolution]) -> EnvelopmentSolution:
        """The solutions of consecutive chunks of evaluated units, stacked."""
        return cls(np.concatenate([p.score for p in parts]),
                   sp.vstack([p.lambdas for p in parts], format="csr"),
                   np.concatenate([p.slack_x for p in parts]),
                   np.concatenate([p.slack_y for p in parts]))


def efficiency(score: np.ndarray, orientation: str) -> np.ndarray:
    """Technical efficiency ≤ 1 of radial scores: θ, or 1/φ (DEAP's convention)."""
    return score if orientation == "input" else 1.0 / score


def _rescale(Xe, Ye, Xr, Yr):
    """The data as C-contiguous floats divided by the reference means, and those means.

    numpy rounds reductions over strided views (a pandas frame's columns) differently,
    so one layout keeps results independent of how the data arrived (e.g. pickled to an
    engine's worker)."""
    Xe, Ye, Xr, Yr = (np.ascontiguousarray(a, dtype=float) for a in (Xe, Ye, Xr, Yr))
    sx, sy = (np.where(a.mean(axis=0) > 0, a.mean(axis=0), 1.0) for a in (Xr, Yr))
    return Xe / sx, Ye / sy, Xr / sx, Yr / sy, sx, sy


def _rows(k: int, m: int, s: int, rts: str, extra: int = 0):
    """Row layout shared by every model: inputs, outputs, optional Σλ row, extras."""
    bounds = LAMBDA_SUM[rts]
    rts_row = None if bounds is None else m + s
    R = m + s + (bounds is not None) + extra
    lo = np.full((k, R), -np.inf)
    hi = np.full((k, R), np.inf)
    if bounds is not None:
        lo[:, rts_row], hi[:, rts_row] = bounds
    return R, rts_row, lo, hi


def radial(Xe, Ye, Xr, Yr, *, rts="crs", orientation="input", exclude=None, slacks=True,
           pilot=None, warn=True):
    """Radial DEA scores, with two-phase slacks (max Σ slacks at the radial optimum).

    ``exclude[i]`` (index into the reference set, or -1) removes unit i's own column:
    the Andersen–Petersen super-efficiency model. Such LPs can be infeasible under
    non-constant returns; their score is NaN and, with ``warn``, a warning names their
    positions. ``pilot`` holds duals from :func:`pilot_duals` to start column generation
    from (default: solve a pilot of these units when there are more than 2·N_PILOT).
    """
    if pilot is None:
        pilot = pilot_duals(Xe, Ye, Xr, Yr, rts=rts, orientation=orientation, exclude=exclude)
    Xe, Ye, Xr, Yr, sx, sy = _rescale(Xe, Ye, Xr, Yr)
    k, m = Xe.shape
    s = Ye.shape[1]
    inp = orientation == "input"
    spec = _phase1(Xe, Ye, rts, inp)
    start = None if pilot is None else _dual_guided_start(pilot, spec, Xe, Ye, Xr, Yr, inp)
    sol = solve_family(Xr, Yr, spec, exclude=exclude, candidates=start, rts=rts)
    sol.check("radial DEA LP", infeasible_ok=True)
    score = sol.own[:, 0].copy()
    lambdas = sol.lambdas
    if warn and np.isnan(score).any():
        warnings.warn(
            "super-efficiency LP infeasible (score set to NaN) for units at positions "
            f"{np.nonzero(np.isnan(score))[0].tolist()}",
            RuntimeWarning,
            stacklevel=2,
        )
    slack_x = np.zeros((k, m))
    slack_y = np.zeros((k, s))
    if slacks and exclude is None:
        ok = np.flatnonzero(~np.isnan(score))  # an infeasible LP has no slacks
        face = faces(Xr, Yr, sol.duals[ok], spec.rts_row)
        try:
            lam2, slack_x[ok], slack_y[ok] = _phase2(Xe[ok], Ye[ok], Xr, Yr, score[ok], rts, inp,
                                                     face, sx, sy)
        except SolverError as exc:
            raise exc.at(ok[list(exc.units)]) from None
        lambdas = sp.csr_matrix((np.ones(len(ok)), (ok, np.arange(len(ok)))),
                                shape=(k, len(ok))) @ lam2
    return EnvelopmentSolution(score, lambdas, _clean(slack_x) * sx, _clean(slack_y) * sy)


def _phase1(Xe, Ye, rts: str, inp: bool) -> BlockSpec:
    """The radial LPs: θ (input) or φ (output); the rows without the radial variable may
    be infeasible on a restricted candidate set, so they get elastic columns."""
    k, m = Xe.shape
    s = Ye.shape[1]
    R, rts_row, lo, hi = _rows(k, m, s, rts)
    A = np.zeros((k, R, 1))
    elastic = np.zeros(R)
    if inp:
        A[:, :m, 0] = -Xe
        hi[:, :m] = 0.0
        lo[:, m : m + s] = Ye
        elastic[m : m + s] = 1.0
    else:
        A[:, m : m + s, 0] = -Ye
        hi[:, :m] = Xe
        lo[:, m : m + s] = 0.0
        elastic[:m] = -1.0
    return BlockSpec(A, np.full((k, 1), 1.0 if inp else -1.0), np.full((k, 1), -np.inf),
                     np.full((k, 1), np.inf), lo, hi, rts_row, elastic)


def pilot_duals(Xe, Ye, Xr, Yr, *, rts="crs", orientation="input", exclude=None):
    """Optimal duals of the radial LPs of N_PILOT of the evaluated units (chosen with a
    fixed seed; ``exclude`` as for :func:`radial`), or None for at most 2·N_PILOT units.

    :func:`radial` solves this pilot itself. To evaluate the units in chunks, solve it
    once for all of them and pass it to every chunk's ``radial(..., pilot=...)``, which
    starts each unit exactly as the whole call would.
    """
    Xe, Ye, Xr, Yr, *_ = _rescale(Xe, Ye, Xr, Yr)
    if len(Xe) <= 2 * N_PILOT:
        return None
    pilot = np.random.default_rng(0).choice(len(Xe), N_PILOT, replace=False)
    first = solve_family(Xr, Yr, _phase1(Xe[pilot], Ye[pilot], rts, orientation == "input"), rts=rts,
                         exclude=None if exclude is None else exclude[pilot])
    return first.duals[~np.isnan(first.duals).any(axis=1)]  # feasible LPs only


def technical_efficiency(Xe, Ye, Xr, Yr, *, rts="crs", orientation="input", pilot=None):
    """Radial technical efficiency ≤ 1 (θ, or 1/φ: DEAP's convention) of the rows of
    ``Xe, Ye`` (any leading shape) against the technology of ``Xr, Yr``; no slacks.
    ``pilot`` as for :func:`radial`."""
    Xe = np.asarray(Xe, dtype=float).reshape(-1, np.shape(Xr)[1])
    Ye = np.asarray(Ye, dtype=float).reshape(-1, np.shape(Yr)[1])
    score = radial(Xe, Ye, Xr, Yr, rts=rts, orientation=orientation, slacks=False,
                   pilot=pilot).score
    return efficiency(score, orientation)


def _clean(slack: np.ndarray) -> np.ndarray:
    """Solver noise (|s| below the λ tolerance, on data rescaled to mean 1) becomes 0."""
    return np.where(slack > LAMBDA_TOL, slack, 0.0)


def _dual_guided_start(D, spec, Xe, Ye, Xr, Yr, inp) -> list[np.ndarray]:
    """Each unit's starting columns: the faces of the ``START_FACES`` known optimal duals
    (rows of ``D``, from a pilot) that give it the tightest bounds on its score.

    A dual of one unit's LP, rescaled to satisfy another unit's θ (or φ) column, is
    feasible for it, so ``(π_out·y + π_Σ) / (−π_in·x)`` bounds θ from below (input) and
    ``−(π_in·x + π_Σ) / (π_out·y)`` bounds φ from above (output). Only a start: column
    generation still prices every column.
    """
    m, s = Xe.shape[1], Ye.shape[1]
    pi_in, pi_out = D[:, :m], D[:, m : m + s]
    pi_sum = D[:, spec.rts_row] if spec.rts_row is not None else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        if inp:
            bound = (Ye @ pi_out.T + pi_sum) / -(Xe @ pi_in.T)
        else:
            bound = (Xe @ pi_in.T + pi_sum) / (Ye @ pi_out.T)
    best = np.argsort(-np.nan_to_num(bound, nan=-np.inf, posinf=-np.inf), axis=1)[:, :START_FACES]
    face = faces(Xr, Yr, D, spec.rts_row)
    return [np.concatenate([face[b] for b in row]) for row in best]


def _phase2(Xe, Ye, Xr, Yr, score, rts, inp, face, sx, sy):
    """Maximize the sum of slacks (in original units) with the radial score fixed.

    Every optimal solution lies on the face of the phase-1 dual, so each unit starts
    from its own face's columns."""
    k, m = Xe.shape
    s = Ye.shape[1]
    R, rts_row, lo, hi = _rows(k, m, s, rts)
    A = np.zeros((k, R, m + s))
    A[:, np.arange(m + s), np.arange(m + s)] = np.r_[np.ones(m), -np.ones(s)]  # s⁻, s⁺
    rhs_x = Xe * score[:, None] if inp else Xe
    rhs_y = Ye if inp else Ye * score[:, None]
    lo[:, :m] = hi[:, :m] = rhs_x
    lo[:, m : m + s] = hi[:, m : m + s] = rhs_y
    c = -np.r_[sx, sy]
    spec = BlockSpec(A, np.tile(c, (k, 1)), np.zeros((k, m + s)),
                     np.full((k, m + s), np.inf), lo, hi, rts_row)
    sol = solve_family(Xr, Yr, spec, candidates=face, rts=rts)
    sol.check("max-slack LP")
    return sol.lambdas, sol.own[:, :m], sol.own[:, m:]


def _output_weights(Ye: np.ndarray) -> np.ndarray:
    """1 / (S·y_r0) for each unit's positive outputs (good and bad) and 0 for the rest, with
    S the number of positive outputs: outputs equal to zero for the unit are left out of
    the output average, as Tone (2001) suggests."""
    pos_y = Ye > 0
    return np.where(pos_y, 1.0 / np.where(pos_y, Ye, 1.0), 0.0) / np.maximum(pos_y.sum(1), 1)[:, None]


def _scale_row(A, lo, hi, rts_row) -> None:
    """The bound on Σλ after the Charnes–Cooper transform λ = Λ/t: Σ Λ − t against the bound − 1."""
    if rts_row is not None:
        A[:, rts_row, 0] = -1.0
        lo[:, rts_row] -= 1.0
        hi[:, rts_row] -= 1.0


def sbm(Xe, Ye, Xr, Yr, *, rts="crs", bad=0):
    """Non-oriented slacks-based measure (Tone 2001), via the Charnes–Cooper transform.

    ρ = (1 − Σ sᵢ⁻/xᵢₒ / m) / (1 + Σ sᵣ/yᵣₒ / s); outputs equal to zero for the unit are
    left out of the output average, as Tone (2001) suggests. The last ``bad`` output
    columns are undesirable (Tone 2004; Cooper, Seiford & Tone 2007, §13.6): contracted,
    ``y_b0 = Y_b λ + s_b``, their slacks in the same average as the good outputs'.
    """
    Xe, Ye, Xr, Yr, sx, sy = _rescale(Xe, Ye, Xr, Yr)
    k, m = Xe.shape
    s = Ye.shape[1]
    sign = np.r_[np.ones(s - bad), -np.ones(bad)]  # +1: good output, −1: bad output
    R, rts_row, lo, hi = _rows(k, m, s, rts, extra=1)
    norm_row = R - 1
    # own columns: t, S⁻ (m), S_g and S_b (s)
    A = np.zeros((k, R, 1 + m + s))
    A[:, :m, 0] = -Xe
    A[:, m : m + s, 0] = -Ye
    A[:, np.arange(m + s), 1 + np.arange(m + s)] = np.r_[np.ones(m), -sign]
    A[:, norm_row, 0] = 1.0
    A[:, norm_row, 1 + m :] = _output_weights(Ye)
    lo[:, : m + s] = hi[:, : m + s] = 0.0
    lo[:, norm_row] = hi[:, norm_row] = 1.0
    _scale_row(A, lo, hi, rts_row)
    c = np.zeros((k, 1 + m + s))
    c[:, 0] = 1.0
    c[:, 1 : 1 + m] = -1.0 / (m * Xe)
    own_lo = np.zeros((k, 1 + m + s))
    elastic = np.zeros(R)
    elastic[m : m + s] = sign
    spec = BlockSpec(A, c, own_lo, np.full((k, 1 + m + s), np.inf), lo, hi, rts_row, elastic)
    sol = solve_family(Xr, Yr, spec, rts=rts)
    sol.check("SBM LP")
    t = sol.own[:, 0]
    lambdas = sp.diags(1.0 / t) @ sol.lambdas
    slack_x = _clean(sol.own[:, 1 : 1 + m] / t[:, None]) * sx
    slack_y = _clean(sol.own[:, 1 + m :] / t[:, None]) * sy
    # ρ ≤ 1 (the unit itself is feasible with zero slacks): rounding above it is noise
    return EnvelopmentSolution(np.minimum(sol.objective, 1.0), sp.csr_matrix(lambdas), slack_x, slack_y)


def super_sbm(Xe, Ye, Xr, Yr, *, rts="crs", bad=0, exclude):
    """Super-efficiency SBM (Tone 2002): ρ for units with ρ < 1, and for SBM-efficient
    units δ ≥ 1, the smallest SBM distance to the technology without their own column
    (``exclude[i]``, as for :func:`radial`).

    δ = (1 + Σ tᵢ⁻/xᵢₒ / m) / (1 − Σ tᵣ/yᵣₒ / s) over x̄ = xₒ + t⁻ ≥ Xλ, good
    ȳ = yₒ − t ≤ Yλ with ȳ ≥ 0, and bad ȳ = yₒ + t ≥ Y_b λ (the last ``bad`` outputs;
    Tone 2004). The slacks of such units are −t (their targets x̄, ȳ lie beyond the
    data); an infeasible LP (possible under VRS, or with bad outputs) gives NaN.
    """
    first = sbm(Xe, Ye, Xr, Yr, rts=rts, bad=bad)
    top = np.flatnonzero(first.score >= 1.0 - EFFICIENT_TOL)
    if not len(top):
        return first
    Xe, Ye, Xr, Yr, sx, sy = _rescale(Xe[top], Ye[top], Xr, Yr)
    k, m = Xe.shape
    s = Ye.shape[1]
    good = np.r_[np.ones(s - bad, bool), np.zeros(bad, bool)]
    R, rts_row, lo, hi = _rows(k, m, s, rts, extra=1 + s)
    norm_row, floor = R - 1 - s, np.arange(R - s, R)
    # own columns: t, T⁻ (m), T_g and T_b (s); rows: Xλ − T⁻ − t·x ≤ 0, Y_g λ + T_g − t·y_g ≥ 0,
    # Y_b λ − T_b − t·y_b ≤ 0, the normalisation, then T_g − t·y_g ≤ 0 (ȳ ≥ 0)
    A = np.zeros((k, R, 1 + m + s))
    A[:, :m, 0] = -Xe
    A[:, m : m + s, 0] = -Ye
    A[:, np.arange(m + s), 1 + np.arange(m + s)] = np.r_[-np.ones(m), np.where(good, 1.0, -1.0)]
    hi[:, :m] = 0.0
    lo[:, m : m + s] = np.where(good, 0.0, -np.inf)
    hi[:, m : m + s] = np.where(good, np.inf, 0.0)
    A[:, norm_row, 0] = 1.0
    A[:, norm_row, 1 + m :] = -_output_weights(Ye)
    lo[:, norm_row] = hi[:, norm_row] = 1.0
    A[:, floor, 0] = -Ye
    A[:, floor, 1 + m + np.arange(s)] = 1.0
    hi[:, floor] = np.where(good, 0.0, np.inf)
    _scale_row(A, lo, hi, rts_row)
    c = np.zeros((k, 1 + m + s))
    c[:, 0] = 1.0
    c[:, 1 : 1 + m] = 1.0 / (m * Xe)
    elastic = np.zeros(R)
    elastic[m : m + s] = good
    spec = BlockSpec(A, c, np.zeros((k, 1 + m + s)), np.full((k, 1 + m + s), np.inf), lo, hi, rts_row, elastic)
    sol = solve_family(Xr, Yr, spec, exclude=np.asarray(exclude)[top], rts=rts)
    sol.check("super-SBM LP", infeasible_ok=True)
    t = sol.own[:, 0]
    score, lambdas = first.score.copy(), first.lambdas.tolil()
    slack_x, slack_y = first.slack_x.copy(), first.slack_y.copy()
    score[top] = sol.objective
    lambdas[top] = sp.diags(1.0 / t) @ sol.lambdas
    slack_x[top] = 0.0 - _clean(sol.own[:, 1 : 1 + m] / t[:, None]) * sx
    slack_y[top] = 0.0 - _clean(sol.own[:, 1 + m :] / t[:, None]) * sy
    return EnvelopmentSolution(score, sp.csr_matrix(lambdas), slack_x, slack_y)


def ddf(Xe, Ye, Xr, Yr, *, rts="crs", bad=0):
    """Directional distance β of each evaluated unit with bad outputs (Chung, Färe &
    Grosskopf 1997), in the direction g = (0, y_g0, −y_b0): inputs held, good outputs
    expanded and bad outputs contracted by the same share β.

    max β over Xλ ≤ x₀, Y_g λ ≥ (1 + β) y_g0, Y_b λ = (1 − β) y_b0 (the last ``bad``
    outputs; the equality is their weak disposability), λ ≥ 0 with the ``rts`` bound on
    Σλ. β ≥ 0 against a technology the unit belongs to (0 on the frontier); against
    another period's it may be negative, and NaN where the LP is infeasible. The solution's
    score is β; its slacks are zero (β alone is the measure).
    """
    Xe, Ye, Xr, Yr, *_ = _rescale(Xe, Ye, Xr, Yr)
    k, m = Xe.shape
    s = Ye.shape[1]
    R, rts_row, lo, hi = _rows(k, m, s, rts)
    A = np.zeros((k, R, 1))
    A[:, m : m + s, 0] = Ye * np.r_[-np.ones(s - bad), np.ones(bad)]
    hi[:, :m] = Xe
    lo[:, m : m + s] = Ye
    hi[:, m + s - bad : m + s] = Ye[:, s - bad :]
    spec = BlockSpec(A, np.full((k, 1), -1.0), np.full((k, 1), -np.inf), np.full((k, 1), np.inf), lo, hi,
                     rts_row)
    # every column from the start: the equality rows of a restricted LP have no elastic columns
    sol = solve_family(Xr, Yr, spec, candidates=np.arange(len(Xr)), rts=rts)
    sol.check("directional distance LP", infeasible_ok=True)
    return EnvelopmentSolution(sol.own[:, 0], sp.csr_matrix(sol.lambdas), np.zeros((k, m)), np.zeros((k, s)))
