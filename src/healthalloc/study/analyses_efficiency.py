"""Registration of the efficiency analyses beyond DEA and Malmquist for study files.

``sfa`` (:func:`healthalloc.efficiency.sfa.sfa`) fits a stochastic frontier: its keys are the
library's, ``output`` (a column, or the role of that name), ``distribution``, ``form``,
``cost`` and ``determinants``; ``inputs``, ``unit`` and ``period`` come from the study's roles
(a panel is pooled). The section shows the reading, the ranked efficiencies (and their density
per period), the coefficient table, the fit statistics and the unit efficiencies.
"""

from __future__ import annotations

from healthalloc.efficiency.sfa import PARAMS as SFA_PARAMS
from healthalloc.efficiency.sfa import sfa
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
