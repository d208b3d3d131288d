"""Population mobility networks: origin–destination networks, centrality and ERGMs.

:mod:`.network` builds a directed, valued network from individual records or a flow
table (with node attributes and dyadic covariates), :mod:`.centrality` measures it, and
:mod:`.ergm` fits exponential random graph models with statnet's formulas (the same models on
several networks side by side: :func:`fit_networks`).
"""

from healthalloc.lazy import exports

__getattr__, __dir__ = exports(__name__, {"CentralityResult": "centrality", "centrality": "centrality"} | dict.fromkeys(
    ("NetworkComparison", "compare_networks", "fit_networks"), "ergm") | dict.fromkeys(
    ("BINARIZE_RULES", "Network", "covariate_matrix", "geo_proximity", "network_from_edges", "network_from_records",
     "read_network", "same_category"), "network"))

__all__ = ["BINARIZE_RULES", "CentralityResult", "Network", "NetworkComparison", "centrality", "compare_networks",
           "covariate_matrix", "fit_networks", "geo_proximity", "network_from_edges", "network_from_records",
           "read_network", "same_category"]
