"""What every siting model shares: the planner's limits on the new sites (how many, a budget,
regional quotas), the greedy start within them, and what shrinks a model too large for the memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from healthalloc.data.messages import did_you_mean, listing, named, show
from healthalloc.data.validate import DataError, check_columns, check_nonnegative

#: What makes a location model smaller, for the message refusing one too large.
SHRINK = ("a radius (radius=, --radius) keeps only the pairs within it; a subset of the candidates, fewer "
          "demand points (aggregated) or existing sites (--existing: pairs beyond a point's nearest one are "
          "dropped) remove variables. The time limit (time_limit=, --time-limit; default 60 s) bounds the "
          "search time, not the memory")

#: The columns of a quotas table.
QUOTA_COLUMNS = ("region", "min_sites", "max_sites")


@dataclass(frozen=True)
class Limits:
    """What the new sites ``xⱼ`` must respect: ``Σ xⱼ = p`` (None: free), ``Σ cⱼ xⱼ ≤ budget``
    (None: no budget), and per region ``g`` (``region[j]``, a position in ``names``)
    ``low[g] ≤ Σ_{j in g} xⱼ ≤ high[g]``. ``priced``: the costs come from a cost column."""

    p: int | None
    cost: np.ndarray
    budget: float | None
    priced: bool
    region: np.ndarray
    names: tuple
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def free(cls, m: int) -> Limits:
        """No limit on ``m`` candidates."""
        return cls(None, np.zeros(m), None, False, np.zeros(m, int), (), np.zeros(1), np.full(1, np.inf))

    @property
    def bounded(self) -> np.ndarray:
        """Per region: whether a quota bounds it."""
        return (self.low > 0) | np.isfinite(self.high)

    @property
    def plain(self) -> bool:
        """Only ``p``, as before budgets and quotas."""
        return self.budget is None and not self.bounded.any()

    def counts(self, chosen: np.ndarray) -> np.ndarray:
        return np.bincount(self.region[chosen], minlength=len(self.low))

    def rows(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """The limits as rows over the candidates: ``lo ≤ S @ x ≤ hi`` (the budget row scaled to 1)."""
        m = len(self.cost)
        rows, lo, hi = [], [], []
        if self.p is not None:
            rows, lo, hi = [np.ones(m)], [self.p], [self.p]
        if self.budget is not None:
            rows, lo, hi = rows + [self.cost / self.budget], lo + [-np.inf], hi + [1.0]
        for g in np.flatnonzero(self.bounded):
            rows, lo, hi = rows + [(self.region == g).astype(float)], lo + [self.low[g]], hi + [self.high[g]]
        return (sp.csr_matrix(np.reshape(rows, (len(rows), m))), np.asarray(lo, float), np.asarray(hi, float))

    def room(self, chosen: np.ndarray) -> np.ndarray:
        """Candidates that may join ``chosen``: within ``p``, the budget and every region's
        maximum, leaving enough of ``p`` for the regions still short of their minimum."""
        counts = self.counts(chosen)
        ok = ~chosen & (counts[self.region] < self.high[self.region])
        if self.budget is not None:
            ok &= self.cost[chosen].sum() + self.cost <= self.budget * (1 + 1e-12)
        if self.p is not None:
            short = np.maximum(self.low - counts, 0)
            ok &= short.sum() - (short[self.region] > 0) <= self.p - chosen.sum() - 1
        return ok

    def swaps(self, chosen: np.ndarray) -> np.ndarray:
        """Which swaps keep the limits: per candidate ``j`` (rows) and selected site ``r``
        (columns, in order), whether ``chosen`` with ``j`` in and ``r`` out meets them."""
        S = np.flatnonzero(chosen)
        ok = np.repeat(~chosen[:, None], len(S), axis=1)
        if self.budget is not None:
            ok &= self.cost[chosen].sum() - self.cost[S][None, :] + self.cost[:, None] <= self.budget * (1 + 1e-12)
        if self.bounded.any():
            counts, into, out = self.counts(chosen), self.region[:, None], self.region[S][None, :]
            ok &= (into == out) | ((counts[into] < self.high[into]) & (counts[out] > self.low[out]))
        return ok

    def allows(self, chosen: np.ndarray) -> bool:
        counts = self.counts(chosen)
        return bool((self.p is None or chosen.sum() == self.p)
                    and (self.budget is None or self.cost[chosen].sum() <= self.budget * (1 + 1e-9))
                    and (counts >= self.low).all() and (counts <= self.high).all())

    def value(self, gain: np.ndarray) -> np.ndarray:
        """``gain`` per unit of cost (with costs; a free site first)."""
        if not self.priced:
            return gain
        return gain / np.maximum(self.cost, 1e-12 * max(float(self.cost.max()), 1.0))

    def cheapest(self) -> np.ndarray:
        """The cheapest new sites within ``p`` and the quotas (budget aside): each region's
        minimum from its cheapest candidates, then up to ``p`` the cheapest with room."""
        chosen = np.zeros(len(self.cost), bool)
        for j in np.argsort(self.cost, kind="stable"):
            if self.counts(chosen)[self.region[j]] < self.low[self.region[j]]:
                chosen[j] = True
        for j in np.argsort(self.cost, kind="stable"):
            if self.p is not None and chosen.sum() < self.p and not chosen[j] \
                    and self.counts(chosen)[self.region[j]] < self.high[self.region[j]]:
                chosen[j] = True
        return chosen

    def described(self) -> str:
        """``"within p = 3, the budget of 100 and the quotas"``."""
        parts = [f"p = {self.p}"] * (self.p is not None) + ["the quotas"] * bool(self.bounded.any())
        if self.budget is not None:
            parts.insert(len(parts) - bool(self.bounded.any()), f"the budget of {self.budget:g}")
        return f"within {listing(parts)}" if parts else ""

    def check(self) -> None:
        """DataError, naming the regions, when ``p``, the quotas and the budget cannot all be met."""
        size = np.bincount(self.region, minlength=len(self.low))
        few = np.flatnonzero(self.low > size)
        if len(few):
            raise DataError(f"quotas: {self._regions(few)} {'asks' if len(few) == 1 else 'ask'} for more new sites "
                            f"(min_sites) than {'it has' if len(few) == 1 else 'they have'} candidates")
        least, most = self.low.sum(), np.minimum(self.high, size).sum()
        if self.p is not None and least > self.p:
            raise DataError(f"quotas: min_sites add up to {least:g} new sites ({self._regions(self.low > 0)}), more "
                            f"than p = {self.p}")
        if self.p is not None and most < self.p:
            raise DataError(f"quotas: at most {most:g} new sites fit within max_sites "
                            f"({self._regions(np.isfinite(self.high))}), fewer than p = {self.p}")
        if self.budget is not None:
            spent = float(self.cost[self.cheapest()].sum())
            if spent > self.budget * (1 + 1e-9):
                which = (f"the cheapest {self.p} new sites" if self.p is not None else "the cheapest new sites")
                quota = f" meeting the quotas of {self._regions(self.low > 0)}" if (self.low > 0).any() else ""
                raise DataError(f"budget: {which}{quota} cost {spent:g}, above the budget of {self.budget:g}")

    def _regions(self, which: np.ndarray) -> str:
        labels = np.asarray(self.names, dtype=object)[which]
        return named("region", [show(v) for v in labels])


def siting_limits(frame: pd.DataFrame, ids: pd.Index, p, cost, budget, region, quotas) -> Limits:
    """The :class:`Limits` of the candidates' ``cost`` and ``region`` columns and the quotas."""
    costs = np.zeros(len(ids))
    if cost is not None:
        check_columns(frame, cost, source="candidates")
        costs = check_nonnegative(frame[cost], column=cost, source="candidates", label=lambda k: f"id {show(ids[k])}")
    codes, names, low, high = _regions(frame, ids, region, quotas)
    return Limits(p, costs, None if budget is None else float(budget), cost is not None, codes, names, low, high)


def _label(value) -> str:
    """A region as text: ``3.0`` and ``3`` as ``"3"`` (a column with an empty cell reads as floats)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _regions(frame: pd.DataFrame, ids: pd.Index, region, quotas) -> tuple[np.ndarray, tuple, np.ndarray, np.ndarray]:
    """Each candidate's region (a position in the names), the names, and the quotas' bounds per region."""
    if region is None:
        if quotas is not None:
            raise DataError("quotas: they need region, the column of the candidates naming each one's region")
        free = Limits.free(len(ids))
        return free.region, free.names, free.low, free.high
    check_columns(frame, region, source="candidates")
    raw = frame[region].reset_index(drop=True)
    missing = raw.isna().to_numpy()
    if missing.any():
        raise DataError(f"candidates: {region} is missing at {named('id', [show(v) for v in ids[missing]])}")
    codes, names = pd.factorize(raw.map(_label))
    names = tuple(names)
    if quotas is None:
        return codes, names, np.zeros(len(names)), np.full(len(names), np.inf)
    return (codes, names, *_quotas(quotas, names, region))


def _quotas(table, names: tuple, region: str) -> tuple[np.ndarray, np.ndarray]:
    """The quotas table's ``min_sites`` and ``max_sites`` per region of ``names`` (0 and ∞ where empty or absent)."""
    if not isinstance(table, pd.DataFrame):
        from healthalloc.data.io import read_table

        table = read_table(table, text=("region",))
    check_columns(table, QUOTA_COLUMNS, source="quotas")
    empty = np.flatnonzero(table["region"].isna())
    if len(empty):
        raise DataError(f"quotas: region is empty at {named('row', [k + 1 for k in empty])}")
    regions = [_label(v) for v in table["region"]]
    twice = sorted({r for r in regions if regions.count(r) > 1})
    if twice:
        raise DataError(f"quotas: {named('region', [show(r) for r in twice])} listed more than once")
    unknown = [r for r in regions if r not in names]
    if unknown:
        hint = did_you_mean(unknown[0], names)
        raise DataError(f"quotas: {named('region', [show(r) for r in unknown])} not found in the candidates' "
                        f"{region} column" + (f"; {hint}" if hint else f" (its regions: {listing(map(show, names))})"))
    at = [names.index(r) for r in regions]
    low, high = np.zeros(len(names)), np.full(len(names), np.inf)
    low[at], high[at] = _counts(table["min_sites"], regions, 0.0), _counts(table["max_sites"], regions, np.inf)
    over = np.flatnonzero(low > high)
    if len(over):
        raise DataError(f"quotas: min_sites is above max_sites for {named('region', [show(names[g]) for g in over])}")
    return low, high


def _counts(raw: pd.Series, regions: list[str], empty: float) -> np.ndarray:
    """A quota column as numbers (``empty`` where a cell is empty); DataError naming the regions of
    cells that are not whole numbers ≥ 0."""
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    given = raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    bad = given & ~(np.isfinite(values) & (values >= 0) & (np.mod(values, 1) == 0))
    if bad.any():
        cells = [f"region {show(r)} ({show(v)})" for r, v, b in zip(regions, raw, bad) if b]
        raise DataError(f"quotas: {raw.name} must be whole numbers ≥ 0 or empty; not at {listing(cells)}")
    return np.where(given, values, empty)


def grow(limits: Limits, gain: Callable[[np.ndarray], np.ndarray], warm: np.ndarray | None = None):
    """A greedy start: new sites added one at a time for the largest ``gain(chosen)`` (per unit of
    cost, with costs) that the limits still allow, from ``warm`` when given: up to ``p``, or
    (``p`` None) while one gains or a region is short of its minimum. None unless the sites
    meet the limits (then from nothing, if from ``warm``)."""
    chosen = np.zeros(len(limits.cost), bool) if warm is None else warm.copy()
    while (ok := limits.room(chosen)).any():
        g = gain(chosen)
        if limits.p is None:
            ok &= (g > 0) | (limits.counts(chosen) < limits.low)[limits.region]
            if not ok.any():
                break
        chosen[int(np.argmax(np.where(ok, limits.value(g), -np.inf)))] = True
    if limits.allows(chosen):
        return chosen
    return None if warm is None else grow(limits, gain)


def nearest(i: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Positions of the cheapest pair of every row present in ``i``."""
    order = np.lexsort((d, i))
    return order[np.r_[True, np.diff(i[order]) > 0]] if len(order) else order
