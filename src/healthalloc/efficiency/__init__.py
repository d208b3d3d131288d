"""Static and dynamic efficiency: DEA envelopment models, Malmquist index, bootstrap."""

from healthalloc.efficiency.dea import DEAResult, dea

__all__ = ["DEAResult", "dea"]
