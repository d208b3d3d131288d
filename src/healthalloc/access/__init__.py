"""Spatial accessibility: who can reach which supply, by floating catchment methods.

==========================  ===============================================================
:func:`accessibility`       2SFCA, E2SFCA, 3SFCA, Huff-2SFCA or M2SFCA per demand point (:class:`AccessResult`)
:func:`fca_operator`        the same algebra as a matrix: ``A = M S`` (capacity optimization)
:func:`points`              checked demand or supply points (:class:`Points`), :func:`costs` between them
:func:`place_namer`         how messages name points: embedded places by name, other ids as written
:func:`access_equity`       population-weighted mean, Gini, Theil and share below a threshold
:func:`access_regions`      per region, and the Theil T decomposed between and within regions
:func:`make_decay`          step, gaussian, power or exponential distance decay
:func:`great_circle`        haversine km (R = 6371.0088 km)
:func:`od_costs`            a checked origin–destination cost table
==========================  ===============================================================

Costs are great-circle km from longitude/latitude or a supplied OD table, kept sparse
(pairs within the catchment only); large problems run in chunks of demand points on the
package's engines (:mod:`healthalloc.engine`) with identical results.
"""

from healthalloc.access.decay import DECAYS, Decay, make_decay, parse_steps
from healthalloc.access.distance import EARTH_RADIUS_KM, Pairs, great_circle, od_costs, unit_vectors
from healthalloc.access.fca import (CHUNK_SIZE, COLUMNS, METHODS, PARAMS, REGION, FCAOperator, Kernel, accessibility,
                                   fca_operator, kernel, resolve_decay)
from healthalloc.access.points import Points, costs, demand_supply, place_namer, points
from healthalloc.access.result import AccessResult, access_equity, access_regions

__all__ = ["CHUNK_SIZE", "COLUMNS", "DECAYS", "EARTH_RADIUS_KM", "METHODS", "PARAMS", "REGION", "AccessResult",
           "Decay", "FCAOperator", "Kernel", "Pairs", "Points", "access_equity", "access_regions", "accessibility",
           "costs", "demand_supply", "fca_operator", "great_circle", "kernel", "make_decay", "od_costs", "parse_steps",
           "place_namer", "points", "resolve_decay", "unit_vectors"]
