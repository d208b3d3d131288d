"""Registration of the efficiency analyses beyond DEA and Malmquist for study files.

``sfa`` (:func:`healthalloc.efficiency.sfa.sfa`) fits a stochastic frontier: its keys are the
library's, ``output`` (a column, or the role of that name), ``distribution``, ``form``,
``cost``, ``determinants`` and ``panel`` (pooled, or Battese–Coelli's time-invariant or
time-varying u); ``inputs``, ``unit`` and ``period`` come from the study's roles. The section shows the reading, the ranked efficiencies (and their density
per period), the coefficient table, the fit statistics and the unit efficiencies.

``window`` (:func:`healthalloc.efficiency.window_dea`): ``window`` (periods per window), ``rts``
and ``orientation``; the means by window and by period and the unit × window by period layout.
``cross_efficiency`` (:func:`healthalloc.efficiency.cross_efficiency`): ``secondary``, and with
a ``period`` role the period ``at`` which the units rate each other (default: the last); each
unit's CCR efficiency beside its cross-efficiency, and the matrix.

``second_stage`` (:func:`healthalloc.efficiency.second_stage.second_stage`): ``covariates``,
``method`` (``tobit`` or ``simar-wilson``) and the bootstrap keys; the scores from the
``outcome`` role or a ``score`` column, else computed by DEA from the ``inputs`` and
``outputs`` roles; with a ``period`` role the period ``at`` (default: the last).

``luenberger`` (:func:`healthalloc.efficiency.luenberger.luenberger`): ``undesirable`` (the bad
outputs, columns) and ``reference`` (``contemporaneous`` or ``global``); inputs, outputs, unit
and period from the roles.

``three_stage`` (:func:`healthalloc.efficiency.three_stage.three_stage`): ``environment`` (the
columns), ``rts`` and ``distribution``; inputs, outputs and unit from the roles, one period
``at`` (default: the last) of a panel.
"""

from __future__ import annotations

from healthalloc.efficiency.cross import PARAMS as CROSS_PARAMS
from healthalloc.efficiency.cross import cross_efficiency
from healthalloc.efficiency.declarations import LUENBERGER
from healthalloc.efficiency.declarations import SECOND_STAGE as SECOND_STAGE_PARAMS
from healthalloc.efficiency.luenberger import luenberger
from healthalloc.efficiency.second_stage import second_stage
from healthalloc.efficiency.sfa import PARAMS as SFA_PARAMS
from healthalloc.efficiency.sfa import sfa
from healthalloc.efficiency.three_stage import THREE_STAGE, three_stage
from healthalloc.efficiency.window import PARAMS as WINDOW_PARAMS
from healthalloc.efficiency.window import window_dea
from healthalloc.params import Param, Params
from healthalloc.report.section import Section
from healthalloc.study.registry import Context, register


@register("sfa", title="Stochastic frontier analysis", params=SFA_PARAMS, exports=("efficiency", "statistics"))
def _sfa(ctx: Context) -> Section:
    res = ctx.call(sfa, ctx.data)
    kind = "cost" if res.cost else "production"
    sec = res.section(ctx.name, f"Stochastic frontier: {res.form} {kind} frontier, {res.distribution} inefficiency")
    sec.add_table("coefficients", res.coefficients,
                  "Maximum-likelihood estimates: the frontier's terms (logs of the variables), "
                  + ("the determinants of the mean of u (Z_), " if any(res.coefficients.term.str.startswith("Z_"))
                     else "the mean of u (mu), " if "mu" in set(res.coefficients.term) else "")
                  + "σ² = σ_u² + σ_v² and γ = σ_u²/σ²; standard errors from the "
                  + ("outer product of the scores (BHHH: the Hessian was not negative definite)." if res.bhhh
                     else "inverse Hessian."))
    sec.add_table("fit", res.summary(),
                  "Log-likelihood (and OLS's), σ², γ, λ = σ_u/σ_v, the LR test of no inefficiency (mixed χ², "
                  f"{res.restrictions} restriction{'s' if res.restrictions > 1 else ''}), observations and the "
                  "mean efficiency.")
    sec.add_table("efficiencies", res.to_frame(),
                  "Per observation: Battese–Coelli efficiency E[exp(−u)|ε], the JLMS efficiency exp(−E[u|ε]) "
                  "and E[u|ε].")
    index = ["unit", res.by] if res.by else ["unit"]
    sec.exports["efficiency"] = res.units.set_index(index)["efficiency"]
    sec.exports["statistics"] = res.summary().set_index("statistic")["value"]
    return sec


@register("window", title="DEA window analysis", params=WINDOW_PARAMS)
def _window(ctx: Context) -> Section:
    res = ctx.call(window_dea, ctx.data, progress=False, **ctx.engine)
    sec = res.section(ctx.name, f"DEA window analysis ({res.width} periods per window, {res.rts.upper()}, "
                                f"{res.orientation})")
    sec.add_table("windows", res.summary().reset_index(),
                  "Per window (named by its first period): evaluations, units on the window's pooled frontier, "
                  "mean and lowest efficiency.")
    sec.add_table("periods", res.period_means().reset_index(),
                  f"Per {res.by}, over every window holding it: evaluations, efficient ones, mean and lowest "
                  "efficiency.")
    sec.add_table("layout", res.layout().reset_index(),
                  f"Efficiency of every unit in every window (rows) and {res.by} (columns), as Charnes et al. "
                  "(1985) lay it out.")
    return sec


@register("cross_efficiency", title="DEA cross-efficiency",
          params=CROSS_PARAMS + Params(Param("by", None, role="period"),
                                       Param("at", None, "the period in which the units rate each other "
                                             "(default: the last)", kind=(int, str))))
def _cross_efficiency(ctx: Context) -> Section:
    data, when = _one_period(ctx, "rate")
    res = ctx.call(cross_efficiency, data, progress=False, **ctx.engine)
    sec = res.section(ctx.name, f"DEA cross-efficiency ({res.secondary}, CCR{when and ', ' + str(when)})")
    sec.add_table("cross_efficiency", res.to_frame(),
                  "Per unit: CCR efficiency (self-appraisal), cross-efficiency (the mean rating with every "
                  "unit's weights, its own included), peer appraisal (its own left out), the maverick index "
                  "(θ − e)/e and the rank by cross-efficiency.")
    sec.add_table("matrix", res.matrix.reset_index(),
                  "The cross-efficiency matrix: each row rates every unit (columns) with that row's weights.")
    return sec


def _one_period(ctx: Context, verb: str) -> tuple:
    """The rows of the period ``at`` (default: the last) when the study has a period role,
    and ``", AT"`` for a title ("" without one)."""
    data, by = ctx.data, ctx.roles.get("period")
    if by is None:
        return data, ""
    at = ctx.options.get("at")
    at = data[by].max() if at is None else at
    if not (data[by] == at).any():
        raise ValueError(f"no rows with {by} = {at!r} to {verb}")
    return data[data[by] == at], f", {at}"


@register("second_stage", title="Second-stage regression of efficiency",
          params=SECOND_STAGE_PARAMS + Params(Param("by", None, role="period"),
                                              Param("at", None, "the period whose scores are regressed "
                                                    "(default: the last)", kind=(int, str))))
def _second_stage(ctx: Context) -> Section:
    data, when = _one_period(ctx, "regress")
    res = ctx.call(second_stage, data, progress=False, **ctx.engine)
    how = "Tobit" if res.method == "tobit" else f"Simar–Wilson Algorithm {res.algorithm}"
    sec = res.section(ctx.name, f"Second stage: {how}{when}")
    sec.add_table("coefficients", res.to_frame(),
                  ("Tobit of the efficiency censored at 1: maximum-likelihood estimates, standard errors from the "
                   "observed information, Wald intervals, z and p; sigma is the error's standard deviation."
                   if res.method == "tobit" else
                   "Truncated regression of the distance 1/θ (≥ 1) on the covariates, fitted on the "
                   f"{res.n_used} inefficient units (a positive estimate means less efficient); standard errors "
                   f"and {100 * (1 - res.alpha):g}% intervals from {res.n_boot} parametric bootstrap "
                   "replications (Simar & Wilson 2007)."))
    if "bias_corrected" in res.scores:
        sec.add_table("scores", res.scores.reset_index(),
                      "Per unit: the DEA efficiency and its bias-corrected value (Algorithm 2's DEA bootstrap).")
    return sec


@register("three_stage", title="Three-stage DEA",
          params=THREE_STAGE + Params(Param("by", None, role="period"),
                                      Param("at", None, "the period evaluated (default: the last)", kind=(int, str))))
def _three_stage(ctx: Context) -> Section:
    data, when = _one_period(ctx, "evaluate")
    res = ctx.call(three_stage, data, progress=False, **ctx.engine)
    sec = res.section(ctx.name, f"Three-stage DEA ({res.rts.upper()}, input orientation{when})")
    sec.add_table("efficiency", res.to_frame(),
                  "Per unit: CRS, VRS and scale efficiency before (stage 1) and after (stage 3) the inputs are "
                  "adjusted for the environment and noise, and the adjusted inputs.")
    sec.add_table("slack_frontiers", res.slack_frontiers,
                  "Stage 2: each input's total slack regressed on the environment by a stochastic cost frontier in "
                  "levels (a positive coefficient: the variable adds slack, i.e. a harsher environment); γ is the "
                  "share of the composed variance that is managerial inefficiency.")
    return sec


@register("luenberger", title="Malmquist–Luenberger productivity index", params=LUENBERGER)
def _luenberger(ctx: Context) -> Section:
    res = ctx.call(luenberger, ctx.data, progress=False, **ctx.engine)
    kind = "global (Oh 2010)" if res.reference == "global" else "adjacent periods (Chung et al. 1997)"
    sec = res.section(ctx.name, f"Malmquist–Luenberger index, {kind}; bad outputs {', '.join(res.undesirable)}")
    sec.add_table("summary", res.summary().reset_index(),
                  "Geometric means over the units per transition, and overall: ml = mleffch × mltech; above 1 is "
                  "improvement (good outputs up and bad outputs down at the given inputs).")
    sec.add_table("indices", res.to_frame(),
                  "Per unit and transition; empty where a cross-period LP is infeasible.")
    return sec
