"""Regional comparison of an indicator: descriptive statistics by group and period, and
rank tests of difference between groups (east / central / west, or any grouping).

Kruskal–Wallis H test (Kruskal & Wallis 1952) of equal distributions across all groups in
each period (``scipy.stats.kruskal``, tie-corrected, χ² with g − 1 degrees of freedom), and
optionally two-sided Mann–Whitney U tests (Mann & Whitney 1947; ``scipy.stats.mannwhitneyu``)
between every pair of groups, with p-values adjusted within each period by Holm's (1979)
step-down method (``statsmodels.stats.multitest.multipletests``).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.data import DataError, check_columns, numeric_matrix
from healthalloc.data.messages import listing
from healthalloc.data.panel import ALL
from healthalloc.data.regions import group_order
from healthalloc.params import Param, Params, declared
from healthalloc.result import Result

__all__ = ["GroupComparison", "compare_groups"]

#: Standard deviations are sample standard deviations (n − 1 denominator).
DDOF = 1
#: The parameters of :func:`compare_groups` (the value and group columns aside).
COMPARE = Params(
    Param("by", None, "period column: statistics and tests per period", role="period"),
    Param("pairwise", False, "also test every pair of groups (Mann–Whitney U)"),
    Param("p_adjust", "holm", "adjustment (statsmodels' method) of the pairwise p-values over the pairs of one "
          "period", choices=("holm", "bonferroni", "fdr_bh", "none")),
)


@dataclass(frozen=True)
class GroupComparison(Result):
    """An indicator compared across groups, per period.

    Attributes
    ----------
    describe : DataFrame
        One row per period and group (and ``"all"`` for every unit): ``n``, ``mean``,
        ``sd`` (n − 1), ``median``, ``min``, ``max``.
    kruskal : DataFrame
        One row per period: ``groups``, ``n``, ``H``, ``df`` (groups − 1), ``p_value``.
    pairwise : DataFrame or None
        One row per period and pair: ``group_a``, ``group_b``, ``n_a``, ``n_b``, ``U``
        (of group_a), ``p_value`` (two-sided) and ``p_adjusted``.
    """

    describe: pd.DataFrame
    kruskal: pd.DataFrame
    pairwise: pd.DataFrame | None
    value: str
    group: str
    by: str | None
    p_adjust: str

    def to_frame(self) -> pd.DataFrame:
        """The descriptive table, tidy: period, group, n, mean, sd, median, min, max."""
        return self.describe

    def summary(self) -> pd.DataFrame:
        """Mean per group (columns, ``"all"`` last) and period (rows), with Kruskal–Wallis H and p."""
        key = self.by or "period"
        describe, kruskal = (t if self.by else t.assign(period=ALL) for t in (self.describe, self.kruskal))
        means = describe.pivot(index=key, columns="group", values="mean")
        means = means[list(pd.unique(describe["group"]))]
        return means.join(kruskal.set_index(key)[["H", "p_value"]])

    def plot(self):
        """Mean per group (and over all units) in each period."""
        from healthalloc.report.figures.curves import trend_lines

        frame = self.describe if self.by else self.describe.assign(period=ALL)
        return trend_lines(frame, self.by or "period", "mean", group="group",
                           title=f"Mean {self.value} by {self.group}")

    def __str__(self) -> str:
        return (f"{self.value!r} by {self.group!r}: mean per group; Kruskal–Wallis H and p\n"
                + self.summary().round(4).to_string())


@declared(COMPARE, data=("data", "value", "group"))
def compare_groups(
    data: pd.DataFrame,
    value: str,
    group: str,
    *,
    by: str | None = None,
    pairwise: bool = False,
    p_adjust: str = "holm",
) -> GroupComparison:
    """Summarize ``value`` by ``group`` (per period) and test whether the groups differ.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``).
    value : str
        Numeric indicator: an efficiency score, a ratio.
    group : str
        Group column, e.g. ``"region"``. NBS regions are ordered east, central, west;
        other groups by first appearance.

    Examples
    --------
    >>> from healthalloc.data import load_china_provinces
    >>> res = compare_groups(load_china_provinces(), "beds_per_1000_people", "region", by="year")
    >>> res.summary().loc[2023, ["east", "central", "west"]].round(2).tolist()
    [6.43, 7.83, 7.5]
    """
    check_columns(data, [value, group] + ([by] if by else []))
    frame = _long(data, value, group, by)
    order = group_order(frame["group"])
    tests, pairs = [], []
    for period, part in frame.groupby("period", sort=True):
        samples = {g: part.loc[part["group"] == g, "value"].to_numpy() for g in order}
        samples = {g: s for g, s in samples.items() if len(s)}
        tests.append({"period": period, **_kruskal(samples, period if by else None)})
        if pairwise:
            pairs.append(_pairwise(samples, p_adjust))
            pairs[-1].insert(0, "period", period)
    return GroupComparison(
        describe=_with_period(_describe(frame, order), by),
        kruskal=_with_period(pd.DataFrame(tests), by),
        pairwise=_with_period(pd.concat(pairs, ignore_index=True), by) if pairwise else None,
        value=value, group=group, by=by, p_adjust=p_adjust)


def _long(data: pd.DataFrame, value: str, group: str, by: str | None) -> pd.DataFrame:
    """value, group and period columns, with named errors for unusable cells."""
    values = numeric_matrix(data, value)[:, 0]
    labels = data[group].reset_index(drop=True)
    periods = data[by].reset_index(drop=True) if by else pd.Series(ALL, index=labels.index)
    missing = np.flatnonzero((labels.isna() | periods.isna()).to_numpy())
    if missing.size:
        raise DataError(f"missing group or period in rows {listing((missing + 1).tolist())}")
    return pd.DataFrame({"value": values, "group": labels, "period": periods})


def _describe(frame: pd.DataFrame, order: list) -> pd.DataFrame:
    """n, mean, sd, median, min, max per period and group, then per period over all units."""
    stats = {"n": "size", "mean": "mean", "sd": lambda v: v.std(ddof=DDOF), "median": "median",
             "min": "min", "max": "max"}
    by_group = frame.groupby(["period", "group"], sort=False)["value"].agg(list(stats.values()))
    overall = frame.groupby("period", sort=False)["value"].agg(list(stats.values()))
    overall.index = pd.MultiIndex.from_arrays([overall.index, [ALL] * len(overall)],
                                              names=["period", "group"])
    table = pd.concat([by_group, overall]).set_axis(list(stats), axis=1).reset_index()
    rank = {g: i for i, g in enumerate([*order, ALL])}
    table = table.sort_values(["period", "group"], key=lambda c: c.map(rank) if c.name == "group" else c)
    return table.reset_index(drop=True)


def _kruskal(samples: dict, period) -> dict:
    """Kruskal–Wallis H, df and p over the groups of one period (NaN when undefined)."""
    from scipy.stats import kruskal

    n = sum(len(s) for s in samples.values())
    out = {"groups": len(samples), "n": n, "H": np.nan, "df": len(samples) - 1, "p_value": np.nan}
    pooled = np.concatenate(list(samples.values()))
    where = f" in period {period}" if period is not None else ""
    if len(samples) < 2 or np.ptp(pooled) == 0:
        warnings.warn(f"Kruskal–Wallis test undefined{where}: it needs two groups and values "
                      "that are not all equal", stacklevel=4)
        return out
    res = kruskal(*samples.values())
    return out | {"H": float(res.statistic), "p_value": float(res.pvalue)}


def _pairwise(samples: dict, p_adjust: str) -> pd.DataFrame:
    """Two-sided Mann–Whitney U for every pair of groups, p adjusted over the pairs."""
    from scipy.stats import mannwhitneyu

    rows = []
    for (a, x), (b, y) in itertools.combinations(samples.items(), 2):
        res = mannwhitneyu(x, y, alternative="two-sided")
        rows.append({"group_a": a, "group_b": b, "n_a": len(x), "n_b": len(y),
                     "U": float(res.statistic), "p_value": float(res.pvalue)})
    table = pd.DataFrame(rows, columns=["group_a", "group_b", "n_a", "n_b", "U", "p_value"])
    table["p_adjusted"] = _adjust(table["p_value"].to_numpy(), p_adjust)
    return table


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    if method == "none" or not len(p):
        return p
    from statsmodels.stats.multitest import multipletests

    return multipletests(p, method=method)[1]


def _with_period(table: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Name the period column ``by``, or drop it for a cross-section."""
    return table.rename(columns={"period": by}) if by else table.drop(columns="period")
