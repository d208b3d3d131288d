"""Exponential random graph models with statnet's formulas, terms and estimates.

>>> from healthalloc.mobility.ergm import ergm, compare_models
>>> fit = ergm(net, "edges + nodeicov('HTH') + edgecov('GeoProx') + mutual", seed=1)  # doctest: +SKIP

See :mod:`.terms` (the terms), :mod:`.formula`, :mod:`.fit` (MLE, MCMC-MLE, model
tables), :mod:`.scales` (one model sequence on several networks, side by side), :mod:`.simulate` (the sampler) and :mod:`.gof` (goodness of fit).
"""

from healthalloc.mobility.ergm.fit import Control, ErgmResult, ModelTable, compare_models, ergm
from healthalloc.mobility.ergm.formula import parse_formula
from healthalloc.mobility.ergm.gof import GofResult, gof
from healthalloc.mobility.ergm.scales import NetworkComparison, compare_networks, fit_networks
from healthalloc.mobility.ergm.simulate import simulate
from healthalloc.mobility.ergm.terms import TERMS

__all__ = ["TERMS", "Control", "ErgmResult", "GofResult", "ModelTable", "NetworkComparison", "compare_models",
           "compare_networks", "ergm", "fit_networks", "gof", "parse_formula", "simulate"]
