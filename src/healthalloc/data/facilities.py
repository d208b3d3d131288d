"""A seeded SYNTHETIC facility layer for accessibility examples: not data.

Facility-level bed counts of China are not published in a machine-readable form, so the
examples of :mod:`healthalloc.access` and :mod:`healthalloc.optimize` use this layer,
built from real totals and real places:

1. Each mainland province's real 2023 beds (``medical_health_beds`` of the embedded NBS
   panel) are split among its prefecture-level units in proportion to the GeoNames
   population of the places nearest to each unit's seat (plus 50,000 per unit, so that
   none is empty).
2. Each unit gets ``1 + Poisson(1)`` facilities: the first at its seat (its centroid where
   the seat is unknown), the others displaced from it by N(0, 0.12°) in longitude and
   latitude; its beds are split among them by Dirichlet(2, …, 2) shares.
3. Beds are rounded to whole beds by largest remainders within each province, so the
   provincial totals stay exactly the published ones.

Only the provincial totals and the seats are real: which facility holds how many beds,
and where the extra facilities sit, are invented.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthalloc.data.geo import great_circle

__all__ = ["SEED", "synthetic_facilities"]

SEED = 2024
"""Seed of the embedded layer ``china_facilities_synthetic``."""


def synthetic_facilities(seed: int = SEED, year: int = 2023) -> pd.DataFrame:
    """The synthetic facility layer (see the module docstring).

    Returns
    -------
    DataFrame
        One row per facility: ``id`` (``SF0001`` …), ``prefecture_code``, ``prefecture_cn``,
        ``province_code``, ``province_en``, ``beds`` (whole beds), ``lon``, ``lat`` (degrees).
    """
    from healthalloc.data.datasets import load_china_cities, load_china_provinces, load_prefecture_geography

    rng = np.random.default_rng(seed)
    pref = load_prefecture_geography()
    pref = pref.assign(lon=pref["seat_lon"].fillna(pref["centroid_lon"]),
                       lat=pref["seat_lat"].fillna(pref["centroid_lat"]))
    panel = load_china_provinces()
    beds = panel[panel["year"] == year].set_index("province_code")["medical_health_beds"]
    names = panel.drop_duplicates("province_code").set_index("province_code")["province_en"]
    cities = load_china_cities()
    rows = []
    for code in sorted(beds.index):
        units = pref[pref["province_adcode"] == code].reset_index(drop=True)
        places = cities[cities["province_code"] == code]
        d = great_circle(places["lon"].to_numpy()[:, None], places["lat"].to_numpy()[:, None],
                         units["lon"].to_numpy()[None], units["lat"].to_numpy()[None])
        weight = np.bincount(d.argmin(axis=1), places["population"].to_numpy(float), minlength=len(units)) + 50_000
        shares, where = [], []
        for k, unit in units.iterrows():
            n = 1 + rng.poisson(1.0)
            split = rng.dirichlet(np.full(n, 2.0)) * weight[k] / weight.sum()
            jitter = np.vstack([[0.0, 0.0], rng.normal(0.0, 0.12, (n - 1, 2))])
            shares += list(split)
            where += [(unit["adcode"], unit["name_cn"], unit["lon"] + dx, unit["lat"] + dy) for dx, dy in jitter]
        rows += [(p, n, code, names[code], b, lon, lat)
                 for (p, n, lon, lat), b in zip(where, _whole(np.array(shares) * beds[code], int(beds[code])))]
    out = pd.DataFrame(rows, columns=["prefecture_code", "prefecture_cn", "province_code", "province_en", "beds",
                                      "lon", "lat"])
    out[["lon", "lat"]] = out[["lon", "lat"]].round(5)
    out.insert(0, "id", [f"SF{k + 1:04d}" for k in range(len(out))])
    return out


def _whole(values: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers summing to ``total``: floors, plus one for the largest remainders."""
    floors = np.floor(values).astype(int)
    extra = total - floors.sum()
    floors[np.argsort(-(values - floors), kind="stable")[:extra]] += 1
    return floors
