"""Data envelopment analysis on tables: :func:`dea` and its result, :class:`DEAResult`.

References: Charnes, Cooper & Rhodes (1978) (CRS); Banker, Charnes & Cooper (1984) (VRS);
Andersen & Petersen (1993) (super-efficiency); Tone (2001) (SBM); Tone (2002) (super-SBM);
Tone (2004) (SBM with undesirable outputs); Coelli (1996), DEAP 2.1 (returns-to-scale rule,
scale efficiency).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd

from healthalloc.data.messages import named
from healthalloc.data.regions import all_provinces
from healthalloc.data.validate import check_dea_data
from healthalloc.efficiency import models
from healthalloc.efficiency.declarations import DEA, MODELS
from healthalloc.engine import ENGINE, Executor, get_executor, progress_bar
from healthalloc.params import declared
from healthalloc.report import figures as draw
from healthalloc.result import Result, last_period
from healthalloc.solver import SolverError

@dataclass(frozen=True)
class Model:
    """How one DEA model's LPs are built and read.

    ``radial``: a radial score θ (input) or φ (output) from the envelopment LP with pilot
    duals, and targets from the radial projection; otherwise Tone's (2001) non-oriented
    SBM score ρ, which may take undesirable outputs. ``excludes_self``: the evaluated unit
    leaves its own reference set (Andersen & Petersen's super-efficiency, Tone's super-SBM
    for SBM-efficient units; the LP can be infeasible). ``scale``: scale efficiency and
    returns to scale are reported with ``rts="vrs"``. ``directional``: the directional
    distance β (Chung et al. 1997) instead, reported as efficiency 1/(1 + β).
    """

    radial: bool
    excludes_self: bool
    scale: bool
    directional: bool = False


#: The DEA models by name.
MODEL_TABLE = {
    "radial": Model(radial=True, excludes_self=False, scale=True),
    "super": Model(radial=True, excludes_self=True, scale=False),
    "sbm": Model(radial=False, excludes_self=False, scale=False),
    "super-sbm": Model(radial=False, excludes_self=True, scale=False),
    "ddf": Model(radial=False, excludes_self=False, scale=False, directional=True),
}

#: The parameters of :func:`dea` (declared in :mod:`healthalloc.efficiency.declarations`).
PARAMS = DEA
if MODELS != tuple(MODEL_TABLE):
    raise ImportError(f"the declared DEA models {MODELS} are not the model table's {tuple(MODEL_TABLE)}")

#: Scores within this distance of 1 count as efficient.
EFFICIENT_TOL = models.EFFICIENT_TOL
#: Evaluated units per engine task. Fixed, whatever the engine, so that every engine
#: solves the same LPs in the same blocks and even peers (λ) come out identical.
UNITS_PER_TASK = 2000


@dataclass(frozen=True)
class DEAResult(Result):
    """Efficiency of every unit (per period with ``by``) and what it would take to improve.

    Attributes
    ----------
    efficiency : pandas.Series
        Technical efficiency ≤ 1 (> 1 possible for ``model="super"`` and ``"super-sbm"``): θ
        for input orientation, 1/φ for output orientation (DEAP's convention), ρ for SBM,
        1/(1 + β) for the directional distance function.
    phi : pandas.Series or None
        Farrell output efficiency φ ≥ 1 (output orientation only; R ``Benchmarking``'s
        and DEA.jl's convention).
    slacks : pandas.DataFrame
        Input excesses and output shortfalls left after the radial projection (original
        units; two-phase: maximum sum of slacks at the radial optimum); bad outputs' excesses.
        Negative for super-SBM's efficient units (how far their targets lie beyond the data).
    targets : pandas.DataFrame
        Projections onto the frontier: inputs ``θx − s⁻`` and outputs ``y + s⁺`` (input
        orientation) or ``x − s⁻`` and ``φy + s⁺`` (output orientation); bad outputs ``y − s``.
    peers : pandas.DataFrame
        Long table ``unit, peer, weight`` (λ > 0), plus the ``by`` column for panels.
    beta : pandas.Series or None
        The directional distance β ≥ 0 (``model="ddf"`` only): good outputs could grow and bad
        outputs shrink by the share β.
    scale : pandas.DataFrame or None
        For ``rts="vrs"`` radial models: ``crs_efficiency``, ``scale_efficiency``
        (CRS/VRS) and ``rts`` (irs / crs / drs by DEAP's rule).
    """

    efficiency: pd.Series
    phi: pd.Series | None
    slacks: pd.DataFrame
    targets: pd.DataFrame
    peers: pd.DataFrame
    scale: pd.DataFrame | None
    data: pd.DataFrame = field(repr=False)
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    rts: str
    orientation: str
    model: str
    by: str | None
    undesirable: tuple[str, ...] = ()
    beta: pd.Series | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per unit (and period): the table ``healthalloc dea`` writes.

        Columns: ``unit``, the ``by`` column, ``efficiency`` (and ``phi`` or ``beta``), ``slack_*``,
        ``target_*``, ``redundancy_*`` (input excess as a share of the input),
        ``shortfall_*`` (output shortfall as a share of the output), ``excess_*`` (bad
        output excess as a share of the bad output), ``peers``,
        ``peer_weights``, and for VRS ``crs_efficiency``, ``scale_efficiency``, ``rts``.
        """
        out = pd.DataFrame({"efficiency": self.efficiency})
        if self.phi is not None:
            out["phi"] = self.phi
        if self.beta is not None:
            out["beta"] = self.beta
        out = out.join(self.slacks.add_prefix("slack_")).join(self.targets.add_prefix("target_"))
        x, y = self.data[list(self.inputs)], self.data[list(self.outputs)]
        for v in self.inputs:
            out[f"redundancy_{v}"] = (x[v] - self.targets[v]) / x[v]
        for v in self.outputs:
            out[f"shortfall_{v}"] = np.where(y[v] > 0, (self.targets[v] - y[v]) / y[v].where(y[v] > 0), 0.0)
        for v in self.undesirable:
            b = self.data[v]
            out[f"excess_{v}"] = np.where(b > 0, (b - self.targets[v]) / b.where(b > 0), 0.0)
        keys = list(out.index.names)
        grouped = self.peers.groupby(keys, sort=False)
        out["peers"] = grouped["peer"].agg(lambda p: ";".join(map(str, p)))
        out["peer_weights"] = grouped["weight"].agg(lambda w: ";".join(f"{v:.6g}" for v in w))
        if self.scale is not None:
            out = out.join(self.scale)
        return out.reset_index()

    def summary(self, group: str | pd.Series | None = None) -> pd.DataFrame:
        """Counts of efficient units and mean scores, per period and optionally per group.

        ``group`` is a column of the input data (e.g. ``"region"``) or a Series mapping
        units to groups.
        """
        frame = pd.DataFrame({"efficiency": self.efficiency})
        if self.scale is not None:
            frame = frame.join(self.scale)
        keys: list = [self.by] if self.by else []
        if group is not None:
            g = self.data[group] if isinstance(group, str) else group.reindex(
                frame.index.get_level_values(-1)).set_axis(frame.index)
            frame["group"] = g.to_numpy()
            keys.append("group")
        frame["efficient"] = frame["efficiency"] >= 1 - EFFICIENT_TOL
        agg = {"units": ("efficiency", "size"), "efficient": ("efficient", "sum"),
               "mean_efficiency": ("efficiency", "mean"), "min_efficiency": ("efficiency", "min")}
        if self.scale is not None:
            agg |= {"mean_crs_efficiency": ("crs_efficiency", "mean"),
                    "mean_scale_efficiency": ("scale_efficiency", "mean")}
            for c in ("irs", "crs", "drs"):
                frame[c] = frame["rts"] == c
                agg[c] = (c, "sum")
        if not keys:
            frame["all"] = "all"
            keys = ["all"]
        return frame.groupby(keys, sort=True).agg(**agg)

    def plot(self):
        """Efficiency by unit: sorted bars, or with ``by`` one line per unit over the periods."""
        from healthalloc.report.figures.bars import bars
        from healthalloc.report.figures.curves import trend_lines

        title = f"DEA efficiency ({self.model}, {self.rts}, {self.orientation})"
        if self.by:
            return trend_lines(self.efficiency.rename("efficiency").reset_index(), self.by, "efficiency",
                               group="unit", reference=1.0, title=title)
        return bars(self.efficiency.rename("efficiency").sort_values(ascending=False), reference=1.0,
                    title=title)

    def reading(self) -> str:
        """Mean efficiency (of the last period with ``by``), units on the frontier, and the lowest;
        with the scale decomposition (VRS) headlined as the DEA literature does: comprehensive (CRS)
        efficiency, with pure technical (VRS) and scale efficiency beside it."""
        scores = self.efficiency.rename("vrs").to_frame()
        if self.scale is not None:
            scores = scores.assign(crs=self.scale["crs_efficiency"], scale=self.scale["scale_efficiency"])
        when = ""
        if self.by:
            last = scores.index.get_level_values(self.by).max()
            scores, when = scores.xs(last, level=self.by), f" in {last}"
        if self.scale is None:
            eff = scores["vrs"]
            return (f"Mean efficiency{when} is {eff.mean():.3f}; {int((eff >= 1 - EFFICIENT_TOL).sum())} of "
                    f"{len(eff)} units are on the frontier; the lowest is {eff.idxmin()} ({eff.min():.3f}).")
        crs = scores["crs"]
        return (f"Mean comprehensive (CRS) efficiency{when} is {crs.mean():.3f}, with pure technical (VRS) "
                f"efficiency {scores['vrs'].mean():.3f} and scale efficiency {scores['scale'].mean():.3f}; "
                f"{int((crs >= 1 - EFFICIENT_TOL).sum())} of {len(crs)} units are CRS-efficient; the lowest is "
                f"{crs.idxmin()} ({crs.min():.3f}).")

    def figures(self, group: str | None = None) -> dict:
        """With ``by``, density ridges per period and the mean per period by ``group`` (a data
        column); a map of the last period when the units are China's 31 provinces. With the scale
        decomposition they show what the reading headlines, comprehensive (CRS) efficiency, and
        with ``by`` the mean CRS, VRS and scale efficiency per period beside each other."""
        if self.scale is None:
            name, what, scores = "efficiency", "efficiency", self.efficiency.rename("efficiency")
        else:
            name, what, scores = "crs_efficiency", "comprehensive (CRS) efficiency", self.scale["crs_efficiency"]
        table, by, out = scores.reset_index(), self.by, {}
        if by:
            out["density"] = (f"Kernel density of {what} per {by}.",
                              lambda: draw.density_ridges(table, name, by, title=f"Kernel density of {what} by {by}",
                                                          bounds=(0.0, 1.0) if table[name].max() <= 1 + EFFICIENT_TOL
                                                          else None))
        if by and self.scale is not None:
            national = self.efficiency.rename("vrs_efficiency").to_frame().join(self.scale).groupby(level=by)[
                ["crs_efficiency", "vrs_efficiency", "scale_efficiency"]].mean().reset_index()
            out["national"] = (f"Mean comprehensive (CRS), pure technical (VRS) and scale efficiency per {by}.",
                               lambda: draw.trend_lines(national, by, ["crs_efficiency", "vrs_efficiency",
                                                                       "scale_efficiency"], ylabel="mean_efficiency",
                                                        title=f"Mean efficiency per {by}: CRS, VRS and scale"))
        if by and group:
            means = table.assign(**{group: self.data[group].to_numpy()}).groupby(
                [by, group], as_index=False)[name].mean()
            out["trend"] = (f"Mean {what} per {by} by {group}.",
                            lambda: draw.trend_lines(means, by, name, group=group, ylabel=f"mean_{name}",
                                                     title=f"Mean {what} per {by} by {group}"))
        last, when = last_period(table, by)
        values = last.set_index("unit")[name]
        if all_provinces(values.index):
            heading = what[0].upper() + what[1:]
            out["map"] = (f"{heading} by province" + (f" ({when})." if by else "."),
                          lambda: draw.choropleth(values, title=heading + (f", {when}" if by else "")))
        return out

    def __str__(self) -> str:
        head = (f"DEA ({self.model}, rts={self.rts}, orientation={self.orientation}): "
                f"{len(self.efficiency)} evaluations, inputs {', '.join(self.inputs)}; "
                f"outputs {', '.join(self.outputs)}" + (f"; bad outputs {', '.join(self.undesirable)}"
                                                         if self.undesirable else ""))
        return head + "\n" + self.summary().round(3).to_string()


@declared(DEA + ENGINE, data=("data",))
def dea(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    unit: str | None = None,
    by: str | None = None,
    rts: str = "crs",
    orientation: str = "input",
    model: str = "radial",
    undesirable: list[str] | None = None,
    slacks: bool = True,
    progress: bool | None = None,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> DEAResult:
    """Evaluate every unit's efficiency against the frontier of its period.

    The LPs run on ``engine`` in chunks of ``UNITS_PER_TASK`` units, each against its
    period's full frontier (``progress`` counts the chunks). ``undesirable`` columns are bad
    outputs, separate from ``outputs`` (the good ones), for the SBM models only.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per period with ``by``).

    Examples
    --------
    >>> from healthalloc.data import load_cst_hospitals
    >>> res = dea(load_cst_hospitals(), ["doctors", "nurses"], ["outpatients", "inpatients"],
    ...           unit="hospital", rts="vrs")
    >>> round(float(res.efficiency["C"]), 4)
    0.8958
    """
    inputs, outputs, bad = list(inputs), list(outputs), list(undesirable or ())
    spec = MODEL_TABLE[model]
    if bad and spec.radial:
        raise ValueError("undesirable outputs need model 'sbm', 'super-sbm' or 'ddf' (the radial models expand every "
                         "output)")
    check_undesirable(outputs, bad)
    frame = data.set_axis(check_dea_data(data, inputs, outputs + bad, unit=unit, by=by).index)
    groups = [frame] if by is None else [f for _, f in frame.groupby(level=by, sort=False)]
    for f in groups:
        _warn_small(f, inputs, outputs + bad, None if by is None else f.index[0][1])
    with_scale = rts == "vrs" and spec.scale
    periods = [_period(f[inputs].to_numpy(float), f[outputs + bad].to_numpy(float), rts,
                       orientation, spec, with_scale) + (_labels(f.index),) for f in groups]
    bounds = [[(lo, min(lo + UNITS_PER_TASK, len(f))) for lo in range(0, len(f), UNITS_PER_TASK)]
              for f in groups]
    tasks = [(g, lo, hi) for g, b in enumerate(bounds) for lo, hi in b]
    solve = partial(_solve_chunk, periods=periods, rts=rts, orientation=orientation,
                    spec=spec, slacks=slacks, with_scale=with_scale, bad=len(bad))
    with (get_executor(engine, scheduler=scheduler, workers=workers) as ex,
          progress_bar(progress, total=len(frame), desc="DEA", unit="unit") as bar):
        chunks = iter(ex.map(solve, tasks, done=lambda i: bar.update(tasks[i][2] - tasks[i][1])))
    parts = [_tables(f, X, Y, inputs, outputs, bad, orientation, spec, [next(chunks) for _ in b])
             for f, (X, Y, *_), b in zip(groups, periods, bounds)]
    stacked = {k: [p[k] for p in parts] for k in parts[0]}
    peers = pd.concat(stacked.pop("peers"), ignore_index=True)
    tables = {k: None if t[0] is None else pd.concat(t).reindex(frame.index) for k, t in stacked.items()}
    efficiency = tables["efficiency"]
    if efficiency.isna().any():
        missing = named("unit", _labels(efficiency.index[efficiency.isna()]))
        if not spec.excludes_self:  # the unit itself is a solution of its LP
            raise SolverError(f"HiGHS found the DEA LP infeasible for {missing}, although the "
                              "unit itself is a solution: a numerical failure")
        warnings.warn(f"super-efficiency LP infeasible (efficiency set to NaN) for {missing}",
                      RuntimeWarning, stacklevel=2)
    return DEAResult(
        **tables,
        peers=peers,
        data=frame,
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        rts=rts,
        orientation=orientation if spec.radial else "non-oriented",
        model=model,
        by=by,
        undesirable=tuple(bad),
    )


def check_undesirable(outputs: list[str], bad: list[str]) -> None:
    """Bad outputs are not good outputs as well."""
    both = [v for v in bad if v in outputs]
    if both:
        raise ValueError(f"{named('column', both)} listed both as an output and as undesirable: list bad outputs "
                         "under undesirable only")


def _warn_small(frame: pd.DataFrame, inputs: list[str], outputs: list[str], period) -> None:
    """Warn (one line each) when one period's data cannot discriminate much: a single
    unit, an output that is zero for every unit, fewer units than the rule of thumb
    n ≥ max(m·s, 3(m + s)) of Cooper, Seiford & Tone."""
    where = "" if period is None else f" in period {period}"
    n, m, s = len(frame), len(inputs), len(outputs)
    need = max(m * s, 3 * (m + s))
    if n == 1:
        warnings.warn(f"DEA with a single unit{where}: it is efficient by construction",
                      UserWarning, stacklevel=3)
    elif n < need:
        warnings.warn(f"DEA with {n} units{where} for {_count(m, 'input')} and "
                      f"{_count(s, 'output')}: fewer than the rule of thumb "
                      f"n ≥ max(m·s, 3(m + s)) = {need}; many units will look efficient",
                      UserWarning, stacklevel=3)
    for v in outputs:
        if not (frame[v] > 0).any():
            warnings.warn(f"output {v!r} is zero for every unit{where}: it does not shape "
                          "the frontier", UserWarning, stacklevel=3)


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}{'s' if k != 1 else ''}"


def _labels(index: pd.Index) -> list:
    """Units as messages name them: the unit, with its period in parentheses."""
    return list(index) if index.nlevels == 1 else [f"{u} ({p})" for u, p in index]


def _period(X, Y, rts, orientation, spec: Model, with_scale) -> tuple:
    """One period's data and the pilot duals of its radial LP families (solved once for
    all its chunks, by rts), as :func:`_solve_chunk` needs them."""
    pilots = {}
    if spec.radial:
        exclude = np.arange(len(X)) if spec.excludes_self else None
        for r in (rts, "crs") if with_scale else (rts,):
            pilots[r] = models.pilot_duals(X, Y, X, Y, rts=r, orientation=orientation,
                                           exclude=exclude)
    return X, Y, pilots


def _solve_chunk(task, *, periods, rts, orientation, spec: Model, slacks, with_scale, bad=0):
    """Units ``lo:hi`` of period ``g`` against that period's frontier (one engine task):
    their envelopment solution, and for scale efficiency their CRS TE and CRS Σλ."""
    g, lo, hi = task
    X, Y, pilots, labels = periods[g]
    Xe, Ye = X[lo:hi], Y[lo:hi]
    try:
        exclude = np.arange(lo, hi) if spec.excludes_self else None
        if spec.directional:
            return models.ddf(Xe, Ye, X, Y, rts=rts, bad=bad), None
        if not spec.radial:
            if spec.excludes_self:
                return models.super_sbm(Xe, Ye, X, Y, rts=rts, bad=bad, exclude=exclude), None
            return models.sbm(Xe, Ye, X, Y, rts=rts, bad=bad), None
        sol = models.radial(Xe, Ye, X, Y, rts=rts, orientation=orientation, exclude=exclude,
                            slacks=slacks, pilot=pilots[rts], warn=False)
        if not with_scale:
            return sol, None
        crs = models.radial(Xe, Ye, X, Y, rts="crs", orientation=orientation, slacks=False,
                            pilot=pilots["crs"])
        return sol, [models.efficiency(crs.score, orientation),
                     np.asarray(crs.lambdas.sum(axis=1)).ravel()]
    except SolverError as exc:
        raise exc.naming([labels[lo + u] for u in exc.units]) from None


def _tables(frame, X, Y, inputs, outputs, bad, orientation, spec: Model, chunks):
    """One period's result tables, by :class:`DEAResult` field, from its chunks' solutions."""
    idx = frame.index
    sol = models.EnvelopmentSolution.concat([c[0] for c in chunks])
    if spec.directional:  # β ≥ 0 against the unit's own technology: rounding below 0 is noise
        sol = replace(sol, score=np.maximum(sol.score, 0.0))
    shrink = spec.radial and orientation == "input"
    expand = spec.radial and orientation == "output"
    eff = 1.0 / sol.score if expand else 1.0 / (1.0 + sol.score) if spec.directional else sol.score
    phi = pd.Series(sol.score, index=idx, name="phi") if expand else None
    beta = pd.Series(sol.score, index=idx, name="beta") if spec.directional else None
    sx = pd.DataFrame(sol.slack_x, index=idx, columns=inputs)
    sy = pd.DataFrame(sol.slack_y, index=idx, columns=outputs + bad)
    radial_x = X * eff[:, None] if shrink else X
    sign = np.r_[np.ones(len(outputs)), -np.ones(len(bad))]  # bad outputs' targets are y − s
    radial_y = Y * sol.score[:, None] if expand else Y * (1 + sign * sol.score[:, None]) if spec.directional else Y
    targets = pd.concat([
        pd.DataFrame(radial_x - sol.slack_x, index=idx, columns=inputs),
        pd.DataFrame(radial_y + sign * sol.slack_y, index=idx, columns=outputs + bad)], axis=1)
    lam = sol.lambdas.tocoo()
    peers = pd.DataFrame({"peer": idx.get_level_values("unit")[lam.col], "weight": lam.data})
    for level in range(idx.nlevels):
        peers.insert(level, idx.names[level], idx.get_level_values(level)[lam.row])
    peers = peers.iloc[np.lexsort((lam.col, lam.row))].reset_index(drop=True)
    scale = None
    if chunks[0][1] is not None:
        crs, crs_sum = (np.concatenate([c[1][i] for c in chunks]) for i in range(2))
        scale = scale_efficiency(crs, crs_sum, eff, idx)
    return dict(efficiency=pd.Series(eff, index=idx, name="efficiency"), phi=phi, beta=beta,
                slacks=pd.concat([sx, sy], axis=1), targets=targets, peers=peers, scale=scale)


def scale_efficiency(crs_te, crs_lambda_sum, vrs_te, index) -> pd.DataFrame:
    """CRS efficiency, scale efficiency (CRS/VRS) and returns-to-scale class, from the
    units' technical efficiencies under CRS and VRS and the Σλ of their CRS solutions
    (same orientation).

    DEAP's rule: CRS score = VRS score → "crs"; otherwise NIRS score = VRS score → "drs";
    otherwise "irs". The NIRS LP need not be solved: if its optimum has Σλ < 1 it is a
    CRS optimum, and otherwise it is VRS-feasible; and when the CRS and VRS scores
    differ, no CRS optimum has Σλ = 1, so by convexity all have Σλ on the same side of
    1. Hence NIRS score = VRS score exactly when the CRS solution has Σλ > 1. Input and
    output orientation can classify a unit differently.
    """
    cls = np.where(np.abs(crs_te - vrs_te) <= EFFICIENT_TOL, "crs",
                   np.where(crs_lambda_sum > 1.0, "drs", "irs"))
    return pd.DataFrame({"crs_efficiency": crs_te, "scale_efficiency": crs_te / vrs_te,
                         "rts": cls}, index=index)
