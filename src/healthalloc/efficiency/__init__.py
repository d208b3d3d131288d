"""Static and dynamic efficiency: DEA envelopment models, Malmquist index, window analysis,
cross-efficiency, bootstrap.

The functions load on first use (PEP 562), so that the declarations
(:mod:`healthalloc.efficiency.declarations`) can be read without numpy, pandas or HiGHS.
``healthalloc.efficiency.dea`` is the function :func:`dea`, whenever its module is loaded.
"""

from healthalloc.lazy import exports

#: Public name → the module that defines it.
_HOMES = {"BootstrapResult": "bootstrap", "dea_bootstrap": "bootstrap", "DEAResult": "dea", "dea": "dea",
          "MalmquistResult": "malmquist", "malmquist": "malmquist", "WindowResult": "window", "window_dea": "window",
          "CrossEfficiencyResult": "cross", "cross_efficiency": "cross"}

__all__ = ["BootstrapResult", "CrossEfficiencyResult", "DEAResult", "MalmquistResult", "WindowResult", "cross_efficiency",
           "dea", "dea_bootstrap", "malmquist", "window_dea"]

__getattr__, __dir__ = exports(__name__, _HOMES)

