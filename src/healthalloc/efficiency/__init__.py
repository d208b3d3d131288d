"""Static and dynamic efficiency: DEA envelopment models, Malmquist index, bootstrap."""

from healthalloc.efficiency.bootstrap import BootstrapResult, dea_bootstrap
from healthalloc.efficiency.dea import DEAResult, dea
from healthalloc.efficiency.malmquist import MalmquistResult, malmquist

__all__ = ["BootstrapResult", "DEAResult", "MalmquistResult", "dea", "dea_bootstrap", "malmquist"]
