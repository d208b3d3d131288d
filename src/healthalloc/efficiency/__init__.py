"""Static and dynamic efficiency: DEA envelopment models, Malmquist index, bootstrap."""

from healthalloc.efficiency.dea import DEAResult, dea
from healthalloc.efficiency.malmquist import MalmquistResult, malmquist

__all__ = ["DEAResult", "MalmquistResult", "dea", "malmquist"]
