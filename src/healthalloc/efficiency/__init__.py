"""Static and dynamic efficiency: DEA envelopment models, Malmquist index, bootstrap.

The functions load on first use (PEP 562), so that the declarations
(:mod:`healthalloc.efficiency.declarations`) can be read without numpy, pandas or HiGHS.
``healthalloc.efficiency.dea`` is the function :func:`dea`, whenever its module is loaded.
"""

from healthalloc.lazy import exports

#: Public name → the module that defines it.
_HOMES = {"BootstrapResult": "bootstrap", "dea_bootstrap": "bootstrap", "DEAResult": "dea", "dea": "dea",
          "MalmquistResult": "malmquist", "malmquist": "malmquist"}

__all__ = ["BootstrapResult", "DEAResult", "MalmquistResult", "dea", "dea_bootstrap", "malmquist"]

__getattr__, __dir__ = exports(__name__, _HOMES)

