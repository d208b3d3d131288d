"""Great-circle geometry of longitude/latitude points on the Earth's mean sphere.

Every distance between points in healthalloc (accessibility costs, spatial weights,
geographic proximity of mobility networks) is the haversine distance on a sphere of
radius :data:`EARTH_RADIUS_KM`.

References
----------
Moritz, H. (2000). Geodetic Reference System 1980. *Journal of Geodesy* 74, 128–133
(the mean Earth radius R₁ = 6371.0088 km).
"""

from __future__ import annotations

import numpy as np

__all__ = ["EARTH_RADIUS_KM", "great_circle", "unit_vectors"]

EARTH_RADIUS_KM = 6371.0088
"""Mean radius of the Earth (IUGG R₁), km."""


def great_circle(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine great-circle distance in km between points given in degrees (broadcasting).

    Examples
    --------
    >>> round(float(great_circle(0, 0, 1, 0)), 3)  # one degree of the equator
    111.195
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, 3) unit vectors of points given in degrees."""
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])
