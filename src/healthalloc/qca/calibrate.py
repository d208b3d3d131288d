"""Calibration of raw data into set memberships: direct, percentile-anchored and crisp.

The direct method (Ragin 2008, ch. 5) maps a raw value ``x`` to a fuzzy membership
through three qualitative anchors, full non-membership ``e``, the crossover ``c`` and
full membership ``i``, with the logistic function of the log-odds

    (x − c) · L / (i − c)   on the full-membership side of the crossover,
    (x − c) · L / (c − e)   on the non-membership side,

so that memberships are exactly 0.05, 0.5 and 0.95 at ``e``, ``c`` and ``i`` for
``L = ln(0.95 / 0.05)`` (R ``QCA``'s default ``idm = 0.95``; Dusa 2019, ch. 4), or
0.0474, 0.5 and 0.9526 for Ragin's ``L = 3`` (fsQCA 3.0). Anchors given in reverse order
(``i < c < e``) calibrate a decreasing set. As R ``QCA`` 3.x does, memberships below 1e-4
become 0 and memberships above 0.9999 become 1; nothing else is rounded.

Anchors are given in R's order ``(e, c, i)``; an anchors *table* (the ``--anchors`` file)
has the columns ``variable, full_membership, crossover, full_nonmembership``.

References
----------
Ragin, C. C. (2008). *Redesigning Social Inquiry: Fuzzy Sets and Beyond*, ch. 5.
Dusa, A. (2019). *QCA with R: A Comprehensive Resource*, ch. 4.
Schneider, C. Q. & Wagemann, C. (2012). *Set-Theoretic Methods for the Social
Sciences*, ch. 1.2 (cases at the 0.5 crossover).
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from healthalloc.data.messages import MAX_LISTED, listing, named, rows, show
from healthalloc.data.panel import row_numbers
from healthalloc.data.validate import DataError, as_names, check_columns
from healthalloc.params import UNIT, Param, Params, declared

__all__ = [
    "ANCHOR_COLUMNS", "CROSSOVER_ADJUSTED", "IDM", "LOG_ODDS", "PERCENTILES", "RAGIN_LOG_ODDS",
    "SENSITIVITY_PERCENTILES", "Calibration", "CalibrationWarning", "calibrate", "calibrate_percentiles",
    "calibrate_table", "calibrated", "anchor_table", "read_anchors",
]

IDM = 0.95
"""R ``QCA``'s inclusion degree of membership: the membership at the full-membership anchor."""

LOG_ODDS = math.log(IDM / (1 - IDM))
"""Log-odds of membership at the full-membership anchor, ln(19) ≈ 2.944 (R ``QCA``)."""

RAGIN_LOG_ODDS = 3.0
"""Ragin's (2008) and fsQCA 3.0's log-odds at the anchors: memberships 0.0474 / 0.9526."""

PERCENTILES = (0.85, 0.5, 0.1)
"""Percentiles of the (full membership, crossover, full non-membership) anchors (seed 000)."""

SENSITIVITY_PERCENTILES = ((0.80, 0.5, 0.15), (0.90, 0.5, 0.05))
"""Seed 000's ±5-percentile sensitivity checks of :data:`PERCENTILES`."""

CROSSOVER_ADJUSTED = 0.501
"""Membership given to cases at exactly 0.5 with ``adjust_crossover=True`` (0.5 + 0.001)."""

ANCHOR_COLUMNS = ("variable", "full_membership", "crossover", "full_nonmembership")
"""Columns of an anchors table (the command line's ``--anchors`` file)."""

_ANCHOR_NAMES = {"e": "full_nonmembership", "c": "crossover", "i": "full_membership"}
_NEAR_ZERO, _NEAR_ONE = 1e-4, 0.9999  # R QCA sets memberships beyond these to 0 and 1

#: The parameters of the calibrations (their data aside); :func:`healthalloc.qca.fsqca` declares some of them.
CALIBRATE = Params(
    replace(UNIT, help="column of case names, the memberships' index (default: the table's index)"),
    Param("percentiles", None, "percentile anchors, highest first, e.g. 0.85,0.5,0.1", kind=float, many=True,
          low=0, high=1, metavar="F,C,N"),
    Param("decreasing", (), "with percentiles: variables calibrated as decreasing sets (full membership at the low "
          "percentile; an anchors table says so by reversed anchors)", many=True, metavar="A,B"),
    Param("method", "linear", "numpy.quantile method: linear is R's quantile type 7 and Excel's PERCENTILE.INC, "
          "weibull type 6 (SPSS, Minitab)", kind=str),
    Param("type", "fuzzy", "fuzzy (direct method) or crisp, as R QCA's calibrate(type=)", choices=("fuzzy", "crisp")),
    Param("log_odds", LOG_ODDS, "log-odds at the full-membership anchor: LOG_ODDS (R, idm 0.95) or RAGIN_LOG_ODDS "
          "(Ragin 2008, fsQCA)", kind=float, low=0, low_open=True),
    Param("adjust_crossover", False, "move memberships of exactly 0.5 to 0.501 (reported); without it such cases "
          "are only warned about: they belong to no truth-table row"),
    Param("name", None, "variable name for messages (default: the Series' name, else x)", kind=str),
)


class CalibrationWarning(UserWarning):
    """Calibration that ran but deserves a look: anchors outside the data, cases at 0.5."""


@dataclass(frozen=True)
class Calibration:
    """Memberships of many variables and the anchors that produced them.

    Unpacks as ``memberships, anchors = calibrate_percentiles(...)``.

    Attributes
    ----------
    memberships : pandas.DataFrame
        One column per calibrated variable, one row per case.
    anchors : pandas.DataFrame
        The anchors used, columns :data:`ANCHOR_COLUMNS` (the ``--anchors`` file layout).
    crossover_cases : pandas.DataFrame
        Cases whose membership was exactly 0.5: ``variable, case, raw, membership``
        (membership 0.501 when adjusted, else 0.5).
    log_odds : float
        Log-odds at the full-membership anchor (:data:`LOG_ODDS` or :data:`RAGIN_LOG_ODDS`).
    """

    memberships: pd.DataFrame
    anchors: pd.DataFrame
    crossover_cases: pd.DataFrame
    log_odds: float

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return iter((self.memberships, self.anchors))


def _declared(*names: str, data: tuple[str, ...] = ("df",), **replaced: Param):
    """:func:`declared` with the ``CALIBRATE`` parameters ``names`` (and ``replaced``, by name)."""
    return declared(Params(*(replaced.get(n, CALIBRATE[n]) for n in names)), data=data)


@_declared("type", "log_odds", "adjust_crossover", "name", data=("x", "thresholds"))
def calibrate(
    x: pd.Series | Sequence[float] | np.ndarray,
    thresholds: float | Sequence[float] | Mapping[str, float],
    *,
    type: str = "fuzzy",
    log_odds: float = LOG_ODDS,
    adjust_crossover: bool = False,
    name: str | None = None,
) -> pd.Series | np.ndarray:
    """Calibrate raw values into fuzzy (direct method) or crisp set memberships.

    Parameters
    ----------
    x : Series or array-like
        Raw values of one variable; a Series keeps its index, whose labels name the
        cases in messages.
    thresholds : sequence, mapping or float
        ``type="fuzzy"``: the anchors ``(e, c, i)`` in R's order (full non-membership,
        crossover, full membership), or a mapping with keys ``e, c, i`` or
        ``full_nonmembership, crossover, full_membership``. ``e < c < i`` calibrates an
        increasing set, ``i < c < e`` a decreasing one.
        ``type="crisp"``: one or more cut points; a value at or above ``k`` of them gets
        category ``k`` (0/1 for one threshold, 0/1/2 for two; R's ``findInterval``).

    Returns
    -------
    Series or ndarray
        Memberships in [0, 1] (fuzzy) or integer categories (crisp), like ``x``.

    Raises
    ------
    DataError
        Non-numeric or missing values; anchors not strictly ordered.

    Examples
    --------
    >>> calibrate([3.65, 5.9, 7.51], (3.65, 4.97, 7.51)).round(3).tolist()
    [0.05, 0.746, 0.95]
    >>> calibrate([1, 5, 9], 5, type="crisp").tolist()
    [0, 1, 1]
    """
    values = x if isinstance(x, pd.Series) else pd.Series(np.asarray(x, dtype=object).ravel())
    label = name or (str(values.name) if values.name is not None else "x")
    raw = _raw_values(values, label)
    if type == "crisp":
        cuts = np.sort([_number(label, "threshold", t) for t in np.atleast_1d(thresholds)])
        if cuts.size == 0:
            raise DataError(f"crisp calibration of {label!r} needs at least one threshold")
        _warn_range(label, raw, {f"threshold {k + 1}": t for k, t in enumerate(cuts)}, "thresholds")
        result = np.searchsorted(cuts, raw, side="right")
    else:
        e, c, i = _fuzzy_anchors(thresholds, label)
        result = _direct(values, raw, (e, c, i), label, log_odds, adjust_crossover)
    return pd.Series(result, index=values.index, name=values.name) if isinstance(x, pd.Series) else result


@_declared("unit", "log_odds", "adjust_crossover", data=("df", "anchors"))
def calibrate_table(
    df: pd.DataFrame,
    anchors: pd.DataFrame | Mapping[str, Sequence[float] | Mapping[str, float]],
    *,
    unit: str | None = None,
    log_odds: float = LOG_ODDS,
    adjust_crossover: bool = False,
) -> Calibration:
    """Calibrate every variable named in an anchors table (direct method).

    Parameters
    ----------
    df : DataFrame
        Raw data, one row per case.
    anchors : DataFrame or dict
        A table with columns :data:`ANCHOR_COLUMNS` (others, such as ``code``, are
        ignored), or ``{variable: (e, c, i)}`` / ``{variable: {"e": …, "c": …, "i": …}}``.

    Returns
    -------
    Calibration

    Examples
    --------
    >>> from healthalloc.data import load_guangxi_2022, load_guangxi_calibration
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", CalibrationWarning)
    ...     cal = calibrate_table(load_guangxi_2022(), load_guangxi_calibration(), unit="city")
    >>> cal.memberships.loc[["Nanning", "Hechi"], "gdp_per_capita"].round(3).tolist()
    [0.746, 0.024]
    """
    table = anchor_table(anchors)
    return _calibrate_all(_cases(df, list(table["variable"]), unit), table, log_odds, adjust_crossover)


def read_anchors(source: pd.DataFrame | Mapping | str | os.PathLike | None,
                 base: str | os.PathLike | None = None) -> pd.DataFrame | Mapping | None:
    """Anchors from a table or mapping (as they are), an embedded data set's name
    (``"guangxi_calibration"``) or a file (CSV, XLSX, Parquet; relative to ``base``)."""
    if source is None or isinstance(source, pd.DataFrame | Mapping):
        return source
    from healthalloc.data.datasets import DATASETS
    from healthalloc.data.io import read_table

    if str(source) in DATASETS:
        return DATASETS[str(source)].load()
    path = Path(source)
    if base is not None and not path.is_absolute():
        path = Path(base) / path
    if not path.exists():
        raise DataError(f"{path}: no such anchors file (nor an embedded data set of that name)")
    return read_table(path)


@_declared("percentiles", "decreasing", "method", "unit", "log_odds", "adjust_crossover", data=("df", "columns"),
           percentiles=replace(CALIBRATE["percentiles"], default=PERCENTILES, help="fractions for the (full "
                               "membership, crossover, full non-membership) anchors, highest first: seed 000's "
                               "85/50/10 by default, SENSITIVITY_PERCENTILES its checks; a decreasing set is named "
                               "in decreasing, not asked for by reversed percentiles"))
def calibrate_percentiles(
    df: pd.DataFrame,
    columns: str | Sequence[str],
    percentiles: Sequence[float] = PERCENTILES,
    *,
    decreasing: Sequence[str] = (),
    method: str = "linear",
    unit: str | None = None,
    log_odds: float = LOG_ODDS,
    adjust_crossover: bool = False,
) -> Calibration:
    """Calibrate columns with anchors at percentiles of their own data.

    Parameters
    ----------
    df : DataFrame
        Raw data, one row per case.
    columns : str or sequence of str
        Variables to calibrate.

    Returns
    -------
    Calibration
        Its ``anchors`` are the percentile values, in the ``--anchors`` file layout.

    Examples
    --------
    >>> from healthalloc.data import load_guangxi_2022
    >>> memberships, anchors = calibrate_percentiles(load_guangxi_2022(), "gdp_per_capita")
    >>> anchors.round(3).values.tolist()
    [['gdp_per_capita', 7.475, 4.95, 3.63]]
    """
    names = as_names(columns)
    levels = _percentiles(percentiles)
    unknown = [v for v in decreasing if v not in names]
    if unknown:
        raise DataError(f"decreasing names {listing([repr(v) for v in unknown])}, which "
                        f"{'is' if len(unknown) == 1 else 'are'} not calibrated here ({listing(names)})")
    frame = _cases(df, names, unit)
    found, pct = [], listing([f"{100 * p:g}th" for p in levels])
    for column in names:
        raw = _raw_values(frame[column], column)
        full, cross, non = np.quantile(raw, levels[::-1] if column in decreasing else levels, method=method)
        found.append((column, full, cross, non))
        _check_order(column, non, cross, full,
                     f" (the {pct} percentiles; the column has {np.unique(raw).size} distinct values)")
    table = pd.DataFrame(found, columns=list(ANCHOR_COLUMNS))
    return _calibrate_all(frame, table, log_odds, adjust_crossover)


@_declared("unit", "adjust_crossover", data=("df", "columns"))
def calibrated(
    df: pd.DataFrame, columns: str | Sequence[str], *, unit: str | None = None, adjust_crossover: bool = False
) -> Calibration:
    """Columns that already hold set memberships (calibrated elsewhere, or crisp 0/1 sets).

    Parameters
    ----------
    df : DataFrame
        One row per case.
    columns : str or sequence of str
        Variables to use as they are; every value must lie in [0, 1].

    Returns
    -------
    Calibration
        The memberships, and an anchors table with no rows.

    Raises
    ------
    DataError
        Non-numeric, missing or out-of-range values, naming the column and the cases.
    """
    names = as_names(columns)
    frame = _cases(df, names, unit)
    memberships, crossover = {}, []
    for column in names:
        m = _raw_values(frame[column], column)
        bad = np.flatnonzero((m < 0) | (m > 1))
        if bad.size:
            raise DataError(f"{column!r} is given as calibrated but holds values outside [0, 1] in "
                            f"{_where(frame[column], bad, cells=True)}: calibrate it (anchors or percentiles)")
        at = np.flatnonzero(m == 0.5)
        if adjust_crossover:
            m = np.where(m == 0.5, CROSSOVER_ADJUSTED, m)
        memberships[column] = m
        crossover += [(column, frame.index[p], 0.5, m[p]) for p in at]
    return _calibration(frame, memberships, pd.DataFrame(columns=list(ANCHOR_COLUMNS)), crossover, float("nan"))


def _cases(df: pd.DataFrame, columns: list[str], unit: str | None) -> pd.DataFrame:
    """``df`` indexed by its ``unit`` column of case names (if given), after checking ``columns``."""
    check_columns(df, columns + as_names(unit))
    return df.set_index(unit) if unit else df


def _calibration(frame: pd.DataFrame, memberships: dict, anchors: pd.DataFrame, crossover: list,
                 log_odds: float) -> Calibration:
    return Calibration(pd.DataFrame(memberships, index=frame.index), anchors,
                       pd.DataFrame(crossover, columns=["variable", "case", "raw", "membership"]), log_odds)


def _calibrate_all(
    frame: pd.DataFrame, table: pd.DataFrame, log_odds: float, adjust_crossover: bool
) -> Calibration:
    """Calibrate ``frame``'s columns named in ``table`` and collect the cases at 0.5."""
    memberships, crossover = {}, []
    for row in table.itertuples(index=False):
        values = frame[row.variable]
        raw = _raw_values(values, row.variable)
        anchors = (row.full_nonmembership, row.crossover, row.full_membership)
        _check_order(row.variable, *anchors)
        m = _direct(values, raw, anchors, row.variable, log_odds, adjust_crossover)
        memberships[row.variable] = m
        at = np.flatnonzero(raw == row.crossover)
        crossover += [(row.variable, values.index[p], raw[p], m[p]) for p in at]
    return _calibration(frame, memberships, table.reset_index(drop=True), crossover, log_odds)


def _direct(
    values: pd.Series,
    raw: np.ndarray,
    anchors: tuple[float, float, float],
    label: str,
    log_odds: float,
    adjust_crossover: bool,
) -> np.ndarray:
    """Logistic direct calibration of ``raw`` with warnings on range and crossover cases."""
    e, c, i = anchors
    _warn_range(label, raw, {"full membership": i, "crossover": c, "full non-membership": e})
    full_side = (raw - c) * (i - c) >= 0
    scale = np.where(full_side, log_odds / (i - c), log_odds / (c - e))
    membership = expit((raw - c) * scale)
    membership[membership < _NEAR_ZERO] = 0.0
    membership[membership > _NEAR_ONE] = 1.0
    at = np.flatnonzero(membership == 0.5)
    if at.size:
        where = f"{_where(values, at)} of {label!r} {'lies' if at.size == 1 else 'lie'}"
        if adjust_crossover:
            membership[at] = CROSSOVER_ADJUSTED
            message = (
                f"{where} at the crossover {show(c)}: membership set from 0.5 to "
                f"{CROSSOVER_ADJUSTED} (adjust_crossover=True)"
            )
        else:
            message = (
                f"{where} at the crossover {show(c)} (membership exactly 0.5), outside every "
                "truth-table row; move the crossover or pass adjust_crossover=True to set "
                f"{'it' if at.size == 1 else 'them'} to {CROSSOVER_ADJUSTED}"
            )
        _warn(message)
    return membership


def _warn_range(label: str, raw: np.ndarray, anchors: dict[str, float], what: str = "anchors") -> None:
    """Warn when anchors (or crisp thresholds) lie outside the data's range, often a unit mistake."""
    lo, hi = raw.min(), raw.max()
    outside = [f"{role} {show(v)}" for role, v in anchors.items() if v < lo or v > hi]
    if not outside:
        return
    cut = anchors.get("crossover")
    side = "" if cut is None or lo <= cut <= hi else " below" if cut > hi else " above"
    consequence = f"; every case lies{side} the crossover" if side else ""
    _warn(
        f"{what} of {label!r} lie outside its data range {show(lo)} to {show(hi)}: "
        f"{listing(outside)}{consequence} (check the units of data and {what})"
    )


def _warn(message: str) -> None:
    """Issue a :class:`CalibrationWarning` attributed to the first caller outside this module."""
    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_globals.get("__name__") in (__name__, "healthalloc.params"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, CalibrationWarning, stacklevel=level)


def _check_order(label: str, e: float, c: float, i: float, hint: str = "") -> None:
    """Anchors must satisfy e < c < i (increasing set) or i < c < e (decreasing set)."""
    if e < c < i or i < c < e:
        return
    raise DataError(
        f"anchors of {label!r} are not strictly ordered: full non-membership {show(e)}, "
        f"crossover {show(c)}, full membership {show(i)}{hint}; need full non-membership < "
        "crossover < full membership (increasing set) or the reverse (decreasing set)"
    )


def _fuzzy_anchors(thresholds: object, label: str) -> tuple[float, float, float]:
    """``(e, c, i)`` from a sequence in R's order or a mapping keyed by e/c/i or full names."""
    if isinstance(thresholds, Mapping):
        keys = {k: _ANCHOR_NAMES.get(k, k) for k in thresholds}
        if sorted(keys.values()) != sorted(_ANCHOR_NAMES.values()):
            raise DataError(
                f"anchors of {label!r} must be keyed e, c, i or full_nonmembership, crossover, "
                f"full_membership; got {listing([repr(k) for k in thresholds])}"
            )
        by_name = {keys[k]: v for k, v in thresholds.items()}
        values = [by_name[_ANCHOR_NAMES[k]] for k in "eci"]
    else:
        values = list(np.atleast_1d(thresholds))
        if len(values) != 3:
            raise DataError(
                f"fuzzy calibration of {label!r} needs three anchors (e, c, i), got {len(values)}"
            )
    anchors = tuple(_number(label, _anchor(k), v) for k, v in zip("eci", values))
    _check_order(label, *anchors)
    return anchors


def _anchor(key: str) -> str:
    """``"full non-membership anchor"`` for ``"e"``."""
    return _ANCHOR_NAMES[key].replace("_", " ").replace("non", "non-") + " anchor"


def _number(label: str, what: str, value: object) -> float:
    """An anchor or threshold as a finite float, or a :class:`DataError` naming variable and role."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(number) or not np.isfinite(number):
        state = "missing" if pd.isna(value) else "not a finite number"
        raise DataError(f"the {what} of {label!r} is {state} ({show(value)})")
    return float(number)


def anchor_table(anchors: pd.DataFrame | Mapping) -> pd.DataFrame:
    """Validate an anchors table (or dict) into columns :data:`ANCHOR_COLUMNS`."""
    if isinstance(anchors, Mapping):
        given = {variable: _fuzzy_anchors(e_c_i, str(variable)) for variable, e_c_i in anchors.items()}
        return pd.DataFrame([(v, i, c, e) for v, (e, c, i) in given.items()], columns=list(ANCHOR_COLUMNS))
    check_columns(anchors, list(ANCHOR_COLUMNS))
    table = anchors[list(ANCHOR_COLUMNS)].reset_index(drop=True)
    repeated = table["variable"][table["variable"].duplicated()].unique()
    if repeated.size:
        raise DataError(f"the anchors table has more than one row for {listing([repr(v) for v in repeated])}")
    for key, column in _ANCHOR_NAMES.items():
        table[column] = [_number(v, _anchor(key), a) for v, a in zip(table["variable"], table[column])]
    return table


def _percentiles(percentiles: Sequence[float]) -> list[float]:
    """Three distinct fractions in [0, 1], highest first."""
    levels = [float(p) for p in percentiles]
    if len(levels) != 3 or len(set(levels)) != 3 or not all(0 <= p <= 1 for p in levels):
        raise DataError(
            "percentiles must be three distinct fractions in [0, 1] for (full membership, "
            f"crossover, full non-membership), e.g. (0.85, 0.5, 0.1); got {tuple(percentiles)}"
        )
    if not levels[0] > levels[1] > levels[2]:
        raise DataError(
            f"percentiles {', '.join(f'{p:g}' for p in levels)} are not in the order full membership > "
            "crossover > full non-membership (e.g. 0.85, 0.5, 0.1); for a decreasing set name its "
            "variables (decreasing=[...], --decreasing A,B) instead of reversing the percentiles"
        )
    return levels


def _raw_values(values: pd.Series, label: str) -> np.ndarray:
    """Finite floats, or a :class:`DataError` naming the non-numeric or missing cases."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    text = np.flatnonzero((values.notna() & numbers.isna()).to_numpy())
    if text.size:
        raise DataError(f"{label!r} has non-numeric values in {_where(values, text, cells=True)}")
    raw = numbers.to_numpy()
    missing = np.flatnonzero(~np.isfinite(raw))
    if missing.size:
        raise DataError(f"{label!r} has missing or infinite values in {_where(values, missing)}")
    if raw.size == 0:
        raise DataError(f"{label!r} has no values to calibrate")
    return raw


def _where(values: pd.Series, positions: np.ndarray, cells: bool = False) -> str:
    """``"cases Nanning and Hechi ('n/a', 7.2)"`` (with the ``cells`` of ``values``), or
    ``"rows 3 and 7"`` (1-based) when the index holds row numbers rather than case names."""
    index = values.index
    where = rows(positions) if row_numbers(index) else named("case", [index[p] for p in positions])
    if not cells:
        return where
    return f"{where} ({', '.join(show(values.iloc[p]) for p in positions[:MAX_LISTED])})"
