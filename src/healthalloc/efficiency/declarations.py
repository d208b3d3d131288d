"""The parameters of :func:`~healthalloc.efficiency.dea`, :func:`~healthalloc.efficiency.dea_bootstrap`
and :func:`~healthalloc.efficiency.malmquist`, declared once.

The command line and study files are generated from these. The module imports nothing
heavy, so ``healthalloc dea --help`` reads it without loading numpy, pandas or HiGHS.
"""

from __future__ import annotations

from dataclasses import replace

from healthalloc.params import REQUIRED, UNIT, Param, Params

__all__ = ["ALPHA", "BOOTSTRAP", "CROSS", "DEA", "INPUTS_OUTPUTS", "LUENBERGER", "LUENBERGER_REFERENCES",
           "MALMQUIST", "MODELS", "N_BOOT", "ORIENTATIONS", "REFERENCES", "RTS", "RTS_ORIENTATION", "SECONDARY_GOALS",
           "SECOND_STAGE", "SECOND_STAGE_METHODS", "WINDOW"]

#: Returns to scale: constant, variable, non-increasing, non-decreasing.
RTS = ("crs", "vrs", "nirs", "ndrs")
#: Shrink inputs or expand outputs.
ORIENTATIONS = ("input", "output")
#: Radial (Farrell), super-efficiency (Andersen–Petersen 1993), SBM (Tone 2001), super-SBM (Tone 2002),
#: directional distance function (Chung, Färe & Grosskopf 1997).
MODELS = ("radial", "super", "sbm", "super-sbm", "ddf")
#: Default number of bootstrap replications (Simar & Wilson 1998 use 2000).
N_BOOT = 2000
#: One minus the confidence level of the bootstrap intervals.
ALPHA = 0.05
#: Malmquist reference technologies: each period's own frontier (Färe et al. 1994), one frontier
#: of all periods pooled (Pastor & Lovell 2005), all periods up to this one (Shestalova 2003),
#: each two adjacent periods pooled (Pastor, Asmild & Lovell 2011).
REFERENCES = ("contemporaneous", "global", "sequential", "biennial")
#: Cross-efficiency weights: any optimal CCR weights (Sexton et al. 1986), or among them those
#: that make the peers' aggregate efficiency smallest or largest (Doyle & Green 1994).
SECONDARY_GOALS = ("simple", "aggressive", "benevolent")

#: Shared by DEA, the bootstrap and Malmquist.
INPUTS_OUTPUTS = Params(
    Param("inputs", REQUIRED, "input columns (> 0)", role="inputs", many=True),
    Param("outputs", REQUIRED, "output columns (≥ 0, not all zero for a unit)", role="outputs", many=True),
)
RTS_ORIENTATION = Params(
    Param("rts", "crs", "returns to scale, Σλ free (crs), = 1 (vrs), ≤ 1 (nirs) or ≥ 1 (ndrs); 'nirs' is "
          "R Benchmarking's 'drs', 'ndrs' its 'irs'", choices=RTS),
    Param("orientation", "input", "shrink inputs or expand outputs", choices=ORIENTATIONS),
)

#: :func:`~healthalloc.efficiency.dea`.
DEA = INPUTS_OUTPUTS + Params(
    UNIT,
    Param("by", None, "period column: each period gets its own frontier", role="period"),
) + RTS_ORIENTATION + Params(
    Param("model", "radial", "radial (Farrell), super (Andersen–Petersen super-efficiency: each unit left out of "
          "its own reference set, NaN with a warning where infeasible), sbm (Tone 2001's slacks-based measure, "
          "non-oriented), super-sbm (Tone 2002: SBM, and for SBM-efficient units their SBM distance ≥ 1 to the "
          "others' frontier) or ddf (directional distance function, Chung, Färe & Grosskopf 1997: good outputs up "
          "and bad outputs down by the same share beta ≥ 0, inputs held; efficiency 1/(1 + beta))",
          choices=MODELS),
    Param("undesirable", None, "bad outputs to be reduced, columns (≥ 0) not also listed as outputs (Tone 2004's SBM "
          "with undesirable outputs, models sbm and super-sbm; weakly disposable in model ddf)", many=True,
          metavar="COL,COL"),
    Param("slacks", True, "two-phase slacks, targets and peers of the radial model (the largest sum of slacks at "
          "the radial optimum); False: scores, radial-phase peers and zero slacks only", cli=False),
)

#: :func:`~healthalloc.efficiency.dea_bootstrap`.
BOOTSTRAP = INPUTS_OUTPUTS + Params(
    UNIT,
    Param("by", None, "period column of a panel", role="period"),
    Param("at", None, "the period to bootstrap (default: the last)", kind=(int, str), cli=False),
) + RTS_ORIENTATION + Params(
    Param("n_boot", N_BOOT, "Simar–Wilson bootstrap replications", kind=int, low=1, flag="--bootstrap", metavar="N"),
    Param("seed", None, "random seed of the bootstrap: the same seed gives the same intervals on every engine",
          kind=int),
    Param("alpha", ALPHA, "significance level: the intervals are at confidence 1 − alpha", low=0, high=1,
          low_open=True, high_open=True),
)

#: :func:`~healthalloc.efficiency.malmquist`.
MALMQUIST = INPUTS_OUTPUTS + Params(
    Param("unit", REQUIRED, "column naming the units", role="unit"),
    Param("by", REQUIRED, "period column, numbers or text, sorted (at least two periods, a balanced panel)",
          role="period", aliases=("period",)),
    replace(RTS_ORIENTATION["orientation"], help="orientation of the distance functions (under CRS both give the "
            "same effch, techch and tfpch; pech and sech differ)"),
    Param("reference", "contemporaneous", "reference technology: each period's own frontier (DEAP), one global "
          "frontier of all periods pooled (Pastor & Lovell 2005; circular, techch is the best-practice gap "
          "change), all periods up to each one (Shestalova 2003; no technical regress) or the two periods of "
          "each transition pooled (Pastor, Asmild & Lovell 2011)", choices=REFERENCES),
)

#: :func:`~healthalloc.efficiency.window_dea`.
WINDOW = INPUTS_OUTPUTS + Params(
    Param("unit", REQUIRED, "column naming the units", role="unit"),
    Param("by", REQUIRED, "period column, numbers or text, sorted (a balanced panel)", role="period"),
    Param("window", 3, "window analysis (Charnes et al. 1985): W consecutive periods pooled, each unit in each "
          "period a separate unit", kind=int, low=1, metavar="W"),
) + RTS_ORIENTATION

#: :func:`~healthalloc.efficiency.cross_efficiency`.
CROSS = INPUTS_OUTPUTS + Params(
    UNIT,
    Param("secondary", "simple", "cross-efficiency (CCR): each unit rated with every unit's optimal weights, "
          "chosen freely (simple) or to rate the peers low (aggressive) or high (benevolent)",
          choices=SECONDARY_GOALS, flag="--cross-efficiency"),
)

#: Malmquist–Luenberger reference technologies: each period's own (Chung, Färe & Grosskopf 1997), or
#: one of all periods pooled (Oh 2010's global index).
LUENBERGER_REFERENCES = ("contemporaneous", "global")

#: :func:`~healthalloc.efficiency.luenberger`.
LUENBERGER = INPUTS_OUTPUTS + Params(
    Param("undesirable", REQUIRED, "bad outputs to be reduced, columns (≥ 0) not also listed as outputs",
          many=True, metavar="COL,COL"),
    Param("unit", REQUIRED, "column naming the units", role="unit"),
    Param("by", REQUIRED, "period column, numbers or text, sorted (a balanced panel)", role="period"),
    replace(RTS_ORIENTATION["rts"], help="returns to scale of the directional distance technology: Σλ free (crs), "
            "= 1 (vrs), ≤ 1 (nirs) or ≥ 1 (ndrs); cross-period LPs other than crs can be infeasible (NaN)"),
    Param("reference", "contemporaneous", "Malmquist–Luenberger index on the directional distance function with "
          "bad outputs (direction: good outputs up, bad down, inputs held): each period's own technology (Chung, "
          "Färe & Grosskopf 1997) or all periods pooled (Oh 2010; circular)", choices=LUENBERGER_REFERENCES,
          flag="--luenberger"),
)

#: Second-stage methods: Tobit censored at 1, or Simar & Wilson's (2007) truncated regression.
SECOND_STAGE_METHODS = ("tobit", "simar-wilson")

#: :func:`~healthalloc.efficiency.second_stage`.
SECOND_STAGE = Params(
    Param("covariates", REQUIRED, "environmental variables z, columns of numbers (an intercept is added)",
          many=True, metavar="Z1,Z2"),
    Param("score", None, "efficiency column, in (0, 1]; or give inputs and outputs to compute it", role="outcome",
          metavar="COL"),
    Param("method", "tobit", "tobit (scores censored at --upper) or simar-wilson (Simar & Wilson 2007: the "
          "distance 1/score in a normal regression truncated at 1, bootstrap intervals; positive = less "
          "efficient)", choices=SECOND_STAGE_METHODS),
    Param("inputs", None, "DEA input columns: the scores are computed first", role="inputs", many=True),
    Param("outputs", None, "DEA output columns: the scores are computed first", role="outputs", many=True),
    UNIT,
    replace(RTS_ORIENTATION["rts"], default="vrs"),
    RTS_ORIENTATION["orientation"],
    Param("algorithm", None, "Simar–Wilson algorithm: 1 (the scores as given) or 2 (scores bias-corrected by "
          "bootstrapping the DEA; the default with inputs and outputs)", kind=int, choices=(1, 2)),
    Param("n_boot", N_BOOT, "Simar–Wilson bootstrap replications of the truncated regression (L2)", kind=int,
          low=1, flag="--bootstrap", metavar="N"),
    Param("bias_bootstrap", 100, "Simar–Wilson Algorithm 2: DEA replications for the bias correction (L1)",
          kind=int, low=1, metavar="N"),
    Param("alpha", ALPHA, "significance level: the intervals are at confidence 1 − alpha", low=0, high=1,
          low_open=True, high_open=True),
    Param("lower", None, "Tobit: also censor below at this score", kind=float),
    Param("upper", 1.0, "Tobit: the upper censoring point (1: the efficient units)", kind=float),
    Param("seed", None, "random seed of the bootstrap: the same seed gives the same intervals on every engine",
          kind=int),
)
