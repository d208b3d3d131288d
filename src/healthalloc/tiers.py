"""Tier structure: how a resource splits between high-tier hospitals and primary care.

For any table of areas (× periods) and any number of measures, each given as a high-tier
column and a primary-care column (institutions, beds, patients, equipment…):

* per row the high-tier share ``high / (high + primary)``;
* an imbalance ratio between two measures, ``A_high_share / B_high_share`` (> 1 when the
  high tier carries more of A than of B, e.g. of patients than of beds);
* per group (and period) the pooled share ``Σhigh / Σ(high + primary)`` and the number of
  units, with a test of the difference between two groups per measure: Mann–Whitney U on
  the units' shares (two-sided, :func:`scipy.stats.mannwhitneyu`) and a permutation test
  of the difference between the two pooled shares (group labels shuffled among the units
  of the period; p = (1 + #|d*| ≥ |d|) / (1 + permutations)). With more than two groups,
  Kruskal–Wallis on the units' shares instead;
* with a period column, the pooled share of all units per period (the trend);
* where bed occupancy rates are given (``occupancy=(HIGH, PRIMARY)``), per row the gap
  ``high − primary`` in percentage points (seed 003's Fig. 3: China 2021, high-tier
  hospitals 78.2 %, primary care 52.1 %, a gap of 26.1 points), the groups' (and periods')
  unweighted means over their units, and the test
  of the groups' difference on the gaps: Mann–Whitney U (Kruskal–Wallis with more groups)
  and the permutation test of the difference of mean gaps. Rates are read in percent
  (76.3) or, when every rate of the two columns is ≤ 2 (no bed is occupied twice), as
  fractions (0.763) and multiplied by 100.

A zero denominator (high + primary = 0, or a zero share under the imbalance ratio) leaves
the cell empty (NaN) with a warning naming the units; it is never infinite.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.data.panel import check_panel, unit_column
from healthalloc.data.validate import DataError, check_columns
from healthalloc.params import REQUIRED, UNIT, Param, Params, declared
from healthalloc.report.tables import p_text
from healthalloc.result import Result, last_period

__all__ = ["FRACTIONS", "PARAMS", "TierResult", "parse_measure", "permutation_p", "tiers"]

#: Occupancy rates all at or below this are read as fractions (0.763 = 76.3 %).
FRACTIONS = 2.0
#: The occupancy columns of the per-unit table (percent; the gap in percentage points).
OCCUPANCY = ("occupancy_high", "occupancy_primary", "occupancy_gap")

#: The parameters of :func:`tiers`, from which ``healthalloc tiers`` is generated
#: (``--measure`` is repeated, one NAME=HIGH:PRIMARY each, see :func:`parse_measure`).
PARAMS = Params(
    Param("measures", REQUIRED, "measures: NAME mapped to its (high-tier column, primary-care column)",
          kind=dict, values=(tuple, list), flag="--measure", metavar="NAME=HIGH:PRIMARY"),
    UNIT,
    Param("by", None, "period column (e.g. year): groups and tests per period, and the trend", role="period"),
    Param("imbalance", None, "two measures A/B: adds imbalance_A_B = A_high_share / B_high_share",
          kind=(str, tuple, list), metavar="A/B"),
    Param("group", None, "group column (e.g. region): pooled shares per group and a test of their difference",
          role="group"),
    Param("occupancy", None, "two columns HIGH:PRIMARY of bed occupancy rates (percent, or fractions when all "
          "are ≤ 2): adds occupancy_high, occupancy_primary and occupancy_gap = high − primary (points)",
          kind=(str, tuple, list), metavar="HIGH:PRIMARY"),
    Param("permutations", 9999, "permutations of the group labels for permutation_p", kind=int, low=1),
    Param("seed", 0, "seed of the permutation test", kind=int),
)


def parse_measure(text: str) -> tuple[str, tuple[str, str]]:
    """``"beds=hospital_beds:primary_healthcare_beds"`` → ``("beds", ("hospital_beds", "primary_healthcare_beds"))``."""
    name, sep, columns = str(text).partition("=")
    high, colon, primary = columns.partition(":")
    if not (sep and colon and name.strip() and high.strip() and primary.strip()):
        raise ValueError(f"expected NAME=HIGH:PRIMARY (e.g. beds=hospital_beds:primary_healthcare_beds), got {text!r}")
    return name.strip(), (high.strip(), primary.strip())


@dataclass(frozen=True)
class TierResult(Result):
    """High-tier shares per unit, pooled per group, and the tests of group differences.

    Attributes
    ----------
    units : DataFrame
        One row per unit (and period): ``unit``, the ``by`` column, then per measure
        ``NAME_high``, ``NAME_primary``, ``NAME_high_share``, then ``imbalance_A_B``, then
        with occupancy ``occupancy_high``, ``occupancy_primary`` (%) and ``occupancy_gap``
        (percentage points).
    groups : DataFrame or None
        With a group: ``group``, ``n`` (units), ``NAME_high_share`` pooled per measure
        (Σhigh / Σ(high + primary)), the ``by`` column, then the occupancy columns' means.
    tests : DataFrame or None
        With a group: per period and measure (and ``occupancy_gap``) ``groups`` (their
        labels, " vs "), and ``mannwhitney_p`` and ``permutation_p`` (two groups) or
        ``kruskal_p`` (more).
    trend : DataFrame
        Per period (one row without ``by``): ``n``, the pooled ``NAME_high_share`` and the
        occupancy columns' means of all units.
    """

    units: pd.DataFrame
    groups: pd.DataFrame | None
    tests: pd.DataFrame | None
    trend: pd.DataFrame
    measures: dict[str, tuple[str, str]]
    by: str | None
    group: str | None
    imbalance: tuple[str, str] | None
    permutations: int
    occupancy: tuple[str, str] | None = None

    def to_frame(self) -> pd.DataFrame:
        """The per-unit table (see ``units``)."""
        return self.units.copy()

    def summary(self) -> pd.DataFrame:
        """Per measure, in the last period: the pooled high-tier share of all units and, with a
        group, the p-values of the test of the groups' difference; with occupancy a row
        ``occupancy_gap`` with the mean gap (points) in ``mean_gap``."""
        trend, _ = last_period(self.trend, self.by)
        rows = [{"measure": m, "high_share": trend[f"{m}_high_share"].iloc[0]} for m in self.measures]
        if self.occupancy:
            rows.append({"measure": "occupancy_gap", "mean_gap": trend["occupancy_gap"].iloc[0]})
        out = pd.DataFrame(rows)
        if self.tests is not None:
            tests, _ = last_period(self.tests, self.by)
            out = out.merge(tests.drop(columns=[self.by] if self.by else []), on="measure", how="left")
        return out

    def summary_json(self) -> dict:
        """The tests of the last period per measure, as ``OUT.summary.json`` holds them:
        ``{"beds": {"mannwhitney_p": …, "permutation_p": …, "groups": [..]}}``, and with
        occupancy the same for ``"occupancy_gap"`` (the test of the gaps)."""
        if self.tests is None:
            return {}
        tests, when = last_period(self.tests, self.by)
        out = {}
        for row in tests.to_dict("records"):
            entry = {k: _plain(row[k]) for k in ("mannwhitney_p", "permutation_p", "kruskal_p") if k in row}
            entry["groups"] = row["groups"].split(" vs ")
            if "permutation_p" in entry:
                entry["permutations"] = self.permutations
            if self.by:
                entry[self.by] = _plain(when)
            out[row["measure"]] = entry
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``results``, ``summary``, ``trend`` and, with a group, ``groups`` and ``tests``."""
        out = super().tables() | {"trend": self.trend}
        if self.groups is not None:
            out |= {"groups": self.groups, "tests": self.tests}
        return out

    def plot(self):
        """Paired bars of the first measure per unit (last period): high tier beside primary care."""
        return self.paired_bars(next(iter(self.measures)))

    def paired_bars(self, measure: str):
        """High-tier and primary-care amounts of ``measure`` per unit, side by side (last period),
        as seed 003's Figs. 3, 5 and 8; ``"occupancy"`` draws the occupancy rates (%)."""
        from healthalloc.report.figures.bars import bars

        rows, when = last_period(self.units, self.by)
        frame = rows.set_index("unit")[[f"{measure}_high", f"{measure}_primary"]]
        frame.columns = ["high tier", "primary care"]
        name = "bed occupancy (%)" if measure == "occupancy" else measure
        return bars(frame, title=f"{name} by tier" + (f", {when}" if self.by else ""), xlabel=name)

    def share_map(self, measure: str):
        """A choropleth of the high-tier share of ``measure`` per province (last period)."""
        from healthalloc.report.figures.maps import choropleth

        rows, when = last_period(self.units, self.by)
        return choropleth(rows.set_index("unit")[f"{measure}_high_share"],
                          title=f"High-tier share of {measure}" + (f", {when}" if self.by else ""),
                          label="high / (high + primary)")

    @property
    def provinces(self) -> bool:
        """True when every unit names a province-level division (the share map can be drawn)."""
        from healthalloc.report.geo import unit_codes

        try:
            unit_codes(pd.unique(self.units["unit"]), "provinces")
        except (DataError, KeyError):
            return False
        return True

    def share_trend(self, measure: str):
        """The pooled high-tier share of ``measure`` per period, one line per group (all units without one)."""
        from healthalloc.report.figures.curves import trend_lines

        column = f"{measure}_high_share"
        if self.groups is not None:
            return trend_lines(self.groups, self.by, column, group="group",
                               title=f"High-tier share of {measure} by {self.group}")
        return trend_lines(self.trend, self.by, column, title=f"High-tier share of {measure}")

    def figures(self) -> dict:
        """Per measure paired bars, the share map when the units are provinces and, with ``by``,
        the share trend (by group); the occupancy rates' paired bars."""
        out, provinces = {}, self.provinces
        for m in self.measures:
            out[f"{m}_bars"] = (f"{m}: high tier and primary care per unit.", lambda m=m: self.paired_bars(m))
            if provinces:
                out[f"{m}_map"] = (f"High-tier share of {m} by province.", lambda m=m: self.share_map(m))
            if self.by:
                out[f"{m}_trend"] = (f"High-tier share of {m} per {self.by}.", lambda m=m: self.share_trend(m))
        if self.occupancy:
            out["occupancy_bars"] = ("Bed occupancy rate (%) of the high tier and primary care per unit.",
                                     lambda: self.paired_bars("occupancy"))
        return out

    def section(self, name: str, title: str, **options):
        """The report section (:meth:`Result.section`), with a note when no share map is drawn."""
        sec = super().section(name, title, **options)
        if not self.provinces:
            sec.add_note("No share map: the units are not provinces (the maps know China's provinces by code "
                         "or name).")
        return sec

    def reading(self) -> str:
        """The pooled high-tier share of each measure in the last period and, with two groups, the test."""
        trend, when = last_period(self.trend, self.by)
        parts = [f"{m} {_figure(trend[f'{m}_high_share'].iloc[0])}" for m in self.measures]
        text = "The high tier's pooled share: " + ", ".join(parts) + (f" in {when}" if self.by else "")
        if self.occupancy:
            text += (f"; mean bed occupancy {_figure(trend['occupancy_high'].iloc[0], 1)} % in the high tier and "
                     f"{_figure(trend['occupancy_primary'].iloc[0], 1)} % in primary care (gap "
                     f"{_figure(trend['occupancy_gap'].iloc[0], 1)} points)")
        if self.tests is not None:
            first = last_period(self.tests, self.by)[0].iloc[0]
            if "mannwhitney_p" in self.tests:
                text += (f"; between {first['groups']} the difference in {first['measure']} has Mann–Whitney "
                         f"{_p(first['mannwhitney_p'])} and permutation {_p(first['permutation_p'])}")
            else:
                text += (f"; across {first['groups']} the difference in {first['measure']} has Kruskal–Wallis "
                         f"{_p(first['kruskal_p'])}")
        return text + "."


@declared(PARAMS, data=("data",))
def tiers(
    data: pd.DataFrame,
    measures: Mapping[str, tuple[str, str]],
    *,
    unit: str | None = None,
    by: str | None = None,
    imbalance: str | tuple[str, str] | None = None,
    group: str | None = None,
    occupancy: str | tuple[str, str] | None = None,
    permutations: int = 9999,
    seed: int = 0,
) -> TierResult:
    """High-tier shares, an imbalance ratio, pooled group shares and tests of their difference.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``).

    Returns
    -------
    TierResult

    Raises
    ------
    DataError
        Unknown columns, non-numeric, missing or negative amounts (naming the rows),
        duplicate unit–period rows, missing group labels; the same for occupancy rates.
    ValueError
        A measure not given as two columns, an imbalance naming an unknown measure,
        occupancy not given as two columns.

    Examples
    --------
    >>> from healthalloc.data import load_china_provinces
    >>> res = tiers(load_china_provinces(), {"beds": ("hospital_beds", "primary_healthcare_beds")},
    ...             unit="province_en", by="year", group="region")
    >>> list(res.to_frame().columns)
    ['unit', 'year', 'beds_high', 'beds_primary', 'beds_high_share']
    """
    measures = _measures(measures)
    pair = _imbalance(imbalance, measures)
    rates = None if occupancy is None else _two(occupancy, ":", "occupancy", "two columns as HIGH:PRIMARY")
    columns = [c for pair_ in measures.values() for c in pair_]
    check_columns(data, [*dict.fromkeys(columns + list(rates or ())), *[c for c in (unit, by, group) if c]])
    if data.empty:
        raise DataError("the table has no rows: there are no units to split between tiers")
    unit = unit_column(data, unit, exclude=[*columns, *[c for c in (by, group) if c]])
    p = check_panel(data, list(dict.fromkeys(columns + list(rates or ()))), unit=unit, by=by,
                    nonnegative=dict.fromkeys(columns, "amounts must be ≥ 0")
                    | dict.fromkeys(rates or (), "occupancy rates must be ≥ 0"))
    out = pd.DataFrame({"unit": p.labels.to_numpy()})
    if by:
        out[by] = p.frame[by].to_numpy()
    for name, (high, primary) in measures.items():
        h, q = p.values(high)[:, 0], p.values(primary)[:, 0]
        out[f"{name}_high"], out[f"{name}_primary"] = h, q
        out[f"{name}_high_share"] = _share(h, h + q, lambda bad: _warn_zero(p, bad, f"{name}: {high} + {primary}",
                                                                           f"{name}_high_share"))
    if pair:
        a, b = (out[f"{m}_high_share"].to_numpy() for m in pair)
        column = f"imbalance_{pair[0]}_{pair[1]}"
        out[column] = _share(a, b, lambda bad: _warn_zero(p, bad, f"{pair[1]}_high_share", column))
    if rates:
        high, primary = (p.values(c)[:, 0] for c in rates)
        percent = 100.0 if max(high.max(), primary.max()) <= FRACTIONS else 1.0
        out[OCCUPANCY[0]], out[OCCUPANCY[1]] = high * percent, primary * percent
        out[OCCUPANCY[2]] = out[OCCUPANCY[0]] - out[OCCUPANCY[1]]
    periods = p.frame[by].to_numpy() if by else np.zeros(len(out), dtype=int)
    trend = _pooled(out, measures, periods, np.zeros(len(out), dtype=int), by, rates)[0].drop(columns="group")
    if by:
        trend.insert(0, by, trend.pop(by))
    groups = tests = None
    if group:
        labels = data[group].reset_index(drop=True)
        missing = np.flatnonzero(labels.isna().to_numpy())
        if missing.size:
            p.fail([f"column {group!r} has missing group labels in {p.where(missing)}; every unit needs a group"])
        codes, names = pd.factorize(labels, sort=isinstance(labels.dtype, pd.CategoricalDtype))
        groups, tests = _pooled(out, measures, periods, codes, by, rates, names=pd.Index(names),
                                permutations=permutations, seed=seed)
    return TierResult(units=out, groups=groups, tests=tests, trend=trend, measures=measures, by=by, group=group,
                      imbalance=pair, permutations=permutations, occupancy=rates)


def _plain(value):
    """A numpy scalar as the Python number (JSON writes it); NaN as None."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and np.isnan(value) else value


def _measures(measures: Mapping) -> dict[str, tuple[str, str]]:
    out = {}
    for name, columns in measures.items():
        if not (isinstance(columns, list | tuple) and len(columns) == 2 and all(isinstance(c, str) for c in columns)):
            raise ValueError(f"measure {name!r} must be two column names (high tier, primary care), got {columns!r}")
        out[str(name)] = (columns[0], columns[1])
    return out


def _two(value, sep: str, name: str, what: str) -> tuple[str, str]:
    """``"a/b"`` (with ``sep``) or ``("a", "b")`` → ``("a", "b")``."""
    pair = [v.strip() if isinstance(v, str) else v for v in (value.split(sep) if isinstance(value, str) else value)]
    if len(pair) != 2 or not all(isinstance(v, str) and v for v in pair):
        raise ValueError(f"{name} must name {what}, got {value!r}")
    return pair[0], pair[1]


def _imbalance(imbalance, measures: dict) -> tuple[str, str] | None:
    if imbalance is None:
        return None
    pair = _two(imbalance, "/", "imbalance", "two measures as A/B")
    unknown = [m for m in pair if m not in measures]
    if unknown:
        raise ValueError(f"imbalance: no measure {unknown[0]!r} (measures: {', '.join(measures)})")
    return pair


def _share(top: np.ndarray, bottom: np.ndarray, warn) -> np.ndarray:
    """``top / bottom``, NaN (and ``warn(rows)``) where ``bottom`` is 0; NaN stays NaN quietly."""
    zero = bottom == 0
    if zero.any():
        warn(np.flatnonzero(zero))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, np.nan, top / np.where(zero, 1.0, bottom))


def _warn_zero(p, rows: np.ndarray, what: str, column: str) -> None:
    warnings.warn(f"{what} is 0 for {p.where(rows)}; {column} left empty there", stacklevel=4)


def _pooled(out: pd.DataFrame, measures: dict, periods: np.ndarray, codes: np.ndarray, by: str | None,
            rates: tuple | None, *, names: pd.Index | None = None, permutations: int = 0, seed: int = 0):
    """Pooled shares per (period, group): ``group, n, NAME_high_share…, by`` and with ``rates``
    the occupancy means; with ``names`` also the tests per period and measure."""
    rows, tests = [], []
    rng = np.random.default_rng(seed)
    for when in pd.unique(np.sort(periods)) if by else [0]:
        here = periods == when
        for code in np.unique(codes[here]):
            at = here & (codes == code)
            row = {"group": names[code] if names is not None else "all", "n": int(at.sum())}
            for m in measures:
                h, q = out[f"{m}_high"].to_numpy()[at], out[f"{m}_primary"].to_numpy()[at]
                total = h.sum() + q.sum()
                row[f"{m}_high_share"] = h.sum() / total if total > 0 else np.nan
            row |= {by: when} if by else {}
            rows.append(row | {c: out[c].to_numpy()[at].mean() for c in OCCUPANCY if rates})
        if names is not None:
            tests += _tests(out, measures, codes[here], here, names, permutations, rng,
                            {by: when} if by else {}, rates)
    groups = pd.DataFrame(rows)
    return groups, (pd.DataFrame(tests) if names is not None else None)


def _tests(out, measures, codes, here, names, permutations, rng, period, rates) -> list[dict]:
    """Per measure the test of the groups' shares (pooled shares for the permutation), and with
    ``rates`` of their occupancy gaps (mean gaps for the permutation)."""
    present = np.unique(codes)
    groups = " vs ".join(str(names[c]) for c in present)
    rows = []
    for m in measures:
        h, q = out[f"{m}_high"].to_numpy()[here], out[f"{m}_primary"].to_numpy()[here]
        rows.append({**period, "measure": m, "groups": groups,
                     **_test(out[f"{m}_high_share"].to_numpy()[here], h, h + q, codes, present, permutations, rng)})
    if rates:
        gap = out["occupancy_gap"].to_numpy()[here]
        rows.append({**period, "measure": "occupancy_gap", "groups": groups,
                     **_test(gap, gap, np.ones_like(gap), codes, present, permutations, rng)})
    return rows


def _test(values, top, bottom, codes, present, permutations, rng) -> dict:
    """Mann–Whitney U on ``values`` and the permutation p of Σtop / Σbottom (two groups), or
    Kruskal–Wallis (more)."""
    from scipy import stats

    samples = [values[(codes == c) & np.isfinite(values)] for c in present]
    if len(present) == 2:
        return {"mannwhitney_p": (stats.mannwhitneyu(*samples, alternative="two-sided").pvalue
                                  if all(len(s) for s in samples) else np.nan),
                "permutation_p": _ratio_p(top, bottom, codes == present[0], permutations, rng)}
    if len(present) > 2:
        return {"kruskal_p": stats.kruskal(*samples).pvalue if all(len(s) for s in samples) else np.nan}
    return {}


def permutation_p(high: np.ndarray, primary: np.ndarray, first: np.ndarray, permutations: int,
                  rng: np.random.Generator) -> float:
    """Two-sided permutation p of the difference of pooled shares Σhigh / Σ(high + primary)
    between the units in ``first`` and the rest: labels shuffled ``permutations`` times,
    p = (1 + #|d*| ≥ |d|) / (1 + permutations) (ties within 1e-12 count)."""
    return _ratio_p(high, high + primary, first, permutations, rng)


def _ratio_p(top: np.ndarray, bottom: np.ndarray, first: np.ndarray, permutations: int,
             rng: np.random.Generator) -> float:
    """:func:`permutation_p` of the difference of Σtop / Σbottom (a pooled share; a mean when
    ``bottom`` is all ones)."""

    def difference(mask: np.ndarray) -> np.ndarray:
        a_h, a_t = mask @ top, mask @ bottom
        b_h, b_t = top.sum() - a_h, bottom.sum() - a_t
        with np.errstate(divide="ignore", invalid="ignore"):
            return a_h / a_t - b_h / b_t

    observed = difference(first.astype(float))
    if not np.isfinite(observed):
        return np.nan
    masks = rng.permuted(np.tile(first.astype(float), (permutations, 1)), axis=1)
    drawn = difference(masks)
    extreme = np.abs(drawn) >= abs(observed) - 1e-12 * max(1.0, abs(observed))
    return (1 + np.count_nonzero(extreme & np.isfinite(drawn))) / (1 + permutations)


def _p(value: float) -> str:
    """A p-value in the reading: ``p = 0.040``, ``p < 0.001`` or ``p = undefined``."""
    return p_text(value) if np.isfinite(value) else "p = undefined"


def _figure(value: float, digits: int = 3) -> str:
    """``digits`` decimals, or "undefined" (a share of nothing, a test of one unit per group)."""
    return f"{value:.{digits}f}" if np.isfinite(value) else "undefined"
