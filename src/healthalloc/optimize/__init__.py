"""What allocation would be better: capacity re-allocation, facility location, scenarios.

==========================  ===============================================================
:func:`optimize_capacity`   re-allocate a fixed total for the most equal accessibility
                            (Wang & Tang 2013; QP, integer and linear variants)
:func:`locate`              MCLP, p-median and LSCP as exact MILPs (HiGHS), existing sites fixed open,
                            with budgets and regional quotas
:func:`tradeoff`            the location objective over a grid of p or budgets
:func:`scenario`            before/after tables: accessibility, coverage, Gini/Theil, DEA efficiency
:func:`plan`                two-step planning: site new facilities (MCLP), then size them
==========================  ===============================================================

Every model goes through :mod:`healthalloc.solver`; infeasible inputs name the binding
constraint.
"""

from healthalloc.optimize.capacity import OBJECTIVES, CapacityResult, optimize_capacity
from healthalloc.optimize.location import MODELS, LocationResult, TradeoffResult, locate, tradeoff
from healthalloc.optimize.scenario import PlanResult, ScenarioResult, plan, scenario

__all__ = ["MODELS", "OBJECTIVES", "CapacityResult", "LocationResult", "PlanResult", "ScenarioResult",
           "TradeoffResult", "locate", "optimize_capacity", "plan", "scenario", "tradeoff"]
