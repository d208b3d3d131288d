"""How an indicator is spread in space and how that changes over time.

Built on PySAL (``libpysal`` weights, ``esda`` Moran statistics, ``giddy`` Markov chains),
imported only when a function runs, so importing this package stays fast.

* :mod:`~healthalloc.spatial.weights` — contiguity from unit pairs, k nearest neighbours
  and distance bands on great-circle distances, islands handled openly;
  :func:`province_weights` for the 31 provinces.
* :mod:`~healthalloc.spatial.autocorrelation` — global Moran's I and local Moran (LISA)
  per period, with permutation inference; :mod:`~healthalloc.spatial.bivariate` the bivariate
  Moran's I of one variable with the spatial lag of another.
* :mod:`~healthalloc.spatial.density` — kernel density curves on a common grid.
* :mod:`~healthalloc.spatial.convergence` — σ-convergence (CV, sd of logs) and β-convergence
  (cross-section or panel OLS, speed λ and half-life).
* :mod:`~healthalloc.spatial.markov` — classic and spatial Markov transition matrices.
* :mod:`~healthalloc.spatial.compare` — regional comparison with Kruskal–Wallis and
  pairwise Mann–Whitney tests.
* :func:`spatial_analysis` — all of the above in one call.

Every result is a frozen dataclass with ``to_frame()`` (a tidy table: unit, period,
value or label) and ``summary()`` (the table papers print).
"""

from healthalloc.spatial.analysis import SpatialAnalysis, spatial_analysis
from healthalloc.spatial.autocorrelation import ALPHA, PERMUTATIONS, LISAResult, MoranResult, moran, moran_local
from healthalloc.spatial.bivariate import BivariateMoranResult, moran_bv
from healthalloc.spatial.compare import GroupComparison, compare_groups
from healthalloc.spatial.convergence import BetaConvergence, SigmaConvergence, beta_convergence, sigma_convergence
from healthalloc.spatial.density import KernelDensity, kernel_density
from healthalloc.spatial.markov import K, SpatialMarkov, spatial_markov
from healthalloc.spatial.weights import (
    EARTH_RADIUS_KM, ISLANDS, WEIGHT_SOURCES, SpatialWeights, adjacency_weights, as_weights,
    distance_band_weights, knn_weights, province_points, province_weights, spatial_weights, unit_coordinates,
)

__all__ = [
    "ALPHA", "EARTH_RADIUS_KM", "ISLANDS", "K", "PERMUTATIONS", "WEIGHT_SOURCES", "BetaConvergence",
    "BivariateMoranResult",
    "GroupComparison", "KernelDensity", "LISAResult", "MoranResult", "SigmaConvergence", "SpatialAnalysis",
    "SpatialMarkov", "SpatialWeights", "adjacency_weights", "as_weights", "beta_convergence", "compare_groups",
    "distance_band_weights", "kernel_density", "knn_weights", "moran", "moran_bv", "moran_local", "province_points",
    "province_weights", "sigma_convergence", "spatial_analysis", "spatial_markov", "spatial_weights",
    "unit_coordinates",
]
