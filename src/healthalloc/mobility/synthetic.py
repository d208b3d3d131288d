"""A seeded SYNTHETIC migration record set on the real prefecture geography: not data.

Seed 003 builds its network from the China Migrants Dynamic Survey (CMDS), whose
individual records are not public. The examples use this stand-in instead:

1. The nodes are the 337 prefecture-level cities and municipalities of the embedded
   geography (``prefecture_geography``: real seats, or centroids where the seat is
   unknown). Each gets a dialect group assigned by province (the province's main group:
   approximate) and SYNTHETIC attributes named as seed 003's Table 2: a size s ~
   lognormal(0, 0.8) (×4 for municipalities) drives ``GDP`` (10⁸ yuan), ``HTH``
   (high-tier hospitals), ``INT`` (telecom revenue, 10⁸ yuan), ``UR`` (urbanization, %)
   and ``EDU`` (10⁴ high-school students); ``PCF`` (primary care facilities) is drawn
   independently of everything else; ``ENV`` (PM2.5, μg/m³) rises to the north.
2. Each record is one migrant: the origin is drawn in proportion to s, the destination
   by a multinomial logit with utility 0.02·HTH + 0.5·ln GDP − 0.02·ENV + 0.8·[same
   dialect group] − 1.2·ln(distance / 100 km); PCF has no effect.

So an ERGM on these records *should* find a positive ``nodeicov.HTH``, a null
``nodeicov.PCF`` and positive proximity effects: the example shows the method working,
never a finding about China.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DIALECT_GROUPS", "SEED", "synthetic_mobility"]

SEED = 2025
"""Seed of the embedded synthetic data sets."""

DIALECT_GROUPS = {
    "Northern Mandarin": (110000, 120000, 130000, 140000, 150000, 210000, 220000, 230000, 370000, 410000, 610000,
                          620000, 630000, 640000, 650000),
    "Southwestern Mandarin": (420000, 500000, 510000, 520000, 530000),
    "Jianghuai Mandarin": (320000, 340000),
    "Wu": (310000, 330000),
    "Min": (350000, 460000),
    "Yue": (440000, 450000),
    "Xiang": (430000,),
    "Gan": (360000,),
    "Tibetan": (540000,),
}
"""Each province's main dialect group (province adcodes): an approximation for ``CulProx``."""


def synthetic_mobility(seed: int = SEED, n_records: int = 10000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic cities and migration records (see the module docstring).

    Returns
    -------
    cities : DataFrame
        ``adcode, name_cn, province, lon, lat, dialect`` (real or assigned) and the
        SYNTHETIC ``PCF, HTH, GDP, INT, ENV, UR, EDU``.
    records : DataFrame
        ``person, origin, destination`` (adcodes), one row per migrant.
    """
    from healthalloc.data.datasets import load_prefecture_geography
    from healthalloc.data.geo import great_circle

    rng = np.random.default_rng(seed)
    geo = load_prefecture_geography()
    geo = geo[geo["unit_type"].isin(["prefecture", "municipality"])].reset_index(drop=True)
    group = {code: name for name, codes in DIALECT_GROUPS.items() for code in codes}
    n = len(geo)
    size = rng.lognormal(0, 0.8, n) * np.where(geo["unit_type"] == "municipality", 4, 1)
    lat = geo["seat_lat"].fillna(geo["centroid_lat"]).to_numpy()
    lon = geo["seat_lon"].fillna(geo["centroid_lon"]).to_numpy()
    cities = pd.DataFrame({
        "adcode": geo["adcode"], "name_cn": geo["name_cn"], "province": geo["province"],
        "lon": lon.round(5), "lat": lat.round(5), "dialect": geo["province_adcode"].map(group),
        "PCF": rng.poisson(1500, n),
        "HTH": rng.poisson(18 * size ** 0.9 + 2),
        "GDP": (2500 * size * rng.lognormal(0, 0.3, n)).round(1),
        "INT": (25 * size * rng.lognormal(0, 0.3, n)).round(2),
        "ENV": np.clip(38 + 0.9 * (lat - 32) + rng.normal(0, 8, n), 8, 90).round(1),
        "UR": np.clip(52 + 12 * np.log(size) + rng.normal(0, 7, n), 20, 98).round(1),
        "EDU": (6 * size ** 0.8 * rng.lognormal(0, 0.2, n)).round(2),
    })
    km = great_circle(lon[:, None], lat[:, None], lon[None], lat[None])
    dialect = cities["dialect"].to_numpy()
    utility = (0.02 * cities["HTH"].to_numpy()[None] + 0.5 * np.log(cities["GDP"].to_numpy())[None]
               - 0.02 * cities["ENV"].to_numpy()[None] + 0.8 * (dialect[:, None] == dialect[None])
               - 1.2 * np.log(np.maximum(km, 1.0) / 100))
    np.fill_diagonal(utility, -np.inf)
    prob = np.exp(utility - utility.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    origins = rng.choice(n, size=n_records, p=size / size.sum())
    cumulative = prob.cumsum(axis=1)[origins]
    dest = (cumulative < rng.random(n_records)[:, None]).sum(axis=1)
    dest = np.minimum(dest, n - 1)
    codes = cities["adcode"].to_numpy()
    records = pd.DataFrame({"person": np.arange(1, n_records + 1), "origin": codes[origins],
                            "destination": codes[dest]})
    return cities, records
