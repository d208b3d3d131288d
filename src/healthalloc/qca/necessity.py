"""Analysis of necessity: is a single condition (or its negation) a superset of the outcome?

For every condition ``A`` and its negation ``~A = 1 − A``, and for the outcome ``Y`` and
its negation ``~Y``: consistency of necessity ``inclN = Σmin(A, Y) / ΣY``, coverage
``covN = Σmin(A, Y) / ΣA`` and relevance of necessity ``RoN = Σ(1 − A) / Σ(1 − min(A, Y))``
(Schneider & Wagemann 2012, ch. 5; Dusa 2019, ch. 5), computed by
:func:`healthalloc.qca.fit.necessity`. A condition whose consistency reaches the
threshold (0.9 by convention) is flagged necessary; a low RoN or coverage then says it
is trivially necessary (a near-constant superset of everything).

Skewed sets, with nearly all or nearly no cases above 0.5, inflate consistency and make
conditions look trivially necessary (Schneider & Wagemann 2012, ch. 9.2; Oana, Schneider
& Thomann 2021, ch. 2, whose ``SetMethods::skew.check`` reports the share of cases above
0.5). The share of cases above 0.5 is reported for every set and a warning is issued
outside :data:`SKEW_LIMITS`, this module's documented choice of 20 % / 80 %.

References
----------
Schneider, C. Q. & Wagemann, C. (2012). *Set-Theoretic Methods for the Social Sciences*.
Dusa, A. (2019). *QCA with R: A Comprehensive Resource*.
Oana, I.-E., Schneider, C. Q. & Thomann, E. (2021). *Qualitative Comparative Analysis
Using R: A Beginner's Guide*.
Ragin, C. C. (2008). *Redesigning Social Inquiry: Fuzzy Sets and Beyond*, ch. 3.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.data.messages import listing, named
from healthalloc.data.panel import row_numbers
from healthalloc.data.validate import DataError, check_columns
from healthalloc.params import Param, Params, declared
from healthalloc.qca import fit
from healthalloc.qca.calibrate import _raw_values, _where
from healthalloc.qca.truthtable import NEGATION
from healthalloc.result import Result

__all__ = [
    "CUT_TOLERANCE", "SKEW_LIMITS", "STATISTICS", "THRESHOLD", "NecessityResult", "SkewnessWarning", "necessity",
]

THRESHOLD = 0.9
"""Consistency of necessity at or above which a condition is flagged necessary."""

SKEW_LIMITS = (0.2, 0.8)
"""Shares of cases above 0.5 below/above which a set is reported skewed."""

CUT_TOLERANCE = 1e-9
"""Slack in ``inclN ≥ threshold``: a consistency of 1 summed as 0.9999999999999998 counts."""

STATISTICS = ("inclN", "RoN", "covN")
"""Parameters of fit per outcome, in R ``QCA``'s order (as :func:`fit.necessity` returns them)."""


class SkewnessWarning(UserWarning):
    """A set has fewer than 20 % or more than 80 % of its cases above 0.5."""


@dataclass(frozen=True)
class NecessityResult(Result):
    """Parameters of fit for necessity of every condition and negation, for Y and ~Y.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per condition and negation (``A, ~A, B, ~B, …``); columns a MultiIndex
        ``(outcome, statistic)`` for ``Y`` then ``~Y`` with statistics ``inclN``
        (consistency), ``RoN`` (relevance), ``covN`` (coverage) and ``necessary``
        (``inclN ≥ threshold``, within :data:`CUT_TOLERANCE`).
    skewness : pandas.DataFrame
        Per set (conditions, then the outcome): ``cases_in`` (membership > 0.5),
        ``cases``, ``share_in`` and ``skewed`` (share outside :data:`SKEW_LIMITS`).
    outcome : str
        Name of the outcome set ``Y``.
    threshold : float
        The consistency threshold of necessity.
    """

    table: pd.DataFrame
    skewness: pd.DataFrame
    outcome: str
    threshold: float

    @property
    def outcomes(self) -> list[str]:
        """``[Y, ~Y]``: the outcome and its negation, as labelled in :attr:`table`."""
        return [self.outcome, f"{NEGATION}{self.outcome}"]

    def to_frame(self) -> pd.DataFrame:
        """Tidy table (``necessity.csv``): ``condition, outcome, consistency, coverage, ron, necessary``."""
        names = {"inclN": "consistency", "covN": "coverage", "RoN": "ron"}
        parts = [self.table[o].rename(columns=names).assign(outcome=o).reset_index() for o in self.outcomes]
        columns = ["condition", "outcome", "consistency", "coverage", "ron", "necessary"]
        return pd.concat(parts, ignore_index=True)[columns]

    def summary(self) -> pd.DataFrame:
        """One row per condition: ``consistency``, ``coverage`` and ``necessary`` for Y, then for ~Y."""
        stats = {"consistency": "inclN", "coverage": "covN", "necessary": "necessary"}
        return pd.DataFrame({f"{name} {o}": self.table[(o, column)] for o in self.outcomes
                             for name, column in stats.items()}).rename_axis("condition")

    def plot(self):
        """Consistency of necessity of every condition for Y, with the threshold."""
        from healthalloc.report.figures.bars import bars

        return bars(self.table[(self.outcome, "inclN")].rename(f"consistency of necessity for {self.outcome}"),
                    reference=self.threshold, title=f"Necessity for {self.outcome}")

    def to_text(self) -> str:
        """Seed 000's Table 5 layout (consistency and coverage for Y and ~Y, 3 decimals)."""
        outcomes = self.outcomes
        columns = {}
        for outcome in outcomes:
            part = self.table[outcome]
            flag = np.where(part["necessary"], "*", " ")
            columns[(outcome, "consistency")] = [f"{v:.3f}{f}" for v, f in zip(part["inclN"], flag)]
            columns[(outcome, "coverage")] = [f"{v:.3f} " for v in part["covN"]]
        body = pd.DataFrame(columns, index=self.table.index)
        body.index.name = "condition"
        necessary = [
            f"{c} for {o} (RoN {self.table.loc[c, (o, 'RoN')]:.3f})"
            for o in outcomes
            for c in self.table.index[self.table[(o, "necessary")].to_numpy(dtype=bool)]
        ]
        skewed = self.skewness[self.skewness["skewed"]]
        lines = [
            f"Analysis of necessity: outcome {self.outcome}, "
            f"{int(self.skewness['cases'].iloc[0])} cases, threshold {self.threshold:g}",
            body.to_string(),
            f"* necessary (consistency ≥ {self.threshold:g}): {listing(necessary) if necessary else 'none'}",
            f"{NEGATION} marks the negation of a set.",
        ]
        if len(skewed):
            shares = [f"{s} ({100 * r:.0f}% above 0.5)" for s, r in skewed["share_in"].items()]
            lines.append(f"Skewed sets: {listing(shares)}")
        return "\n".join(lines)

    __str__ = to_text


@declared(Params(Param("negations", True, "also test the negation ~A = 1 − A of every condition"),
                 Param("threshold", THRESHOLD, "consistency at or above which a condition is flagged necessary",
                       kind=float, low=0, high=1, low_open=True)), data=("conditions", "outcome"))
def necessity(
    conditions: pd.DataFrame,
    outcome: pd.Series | str,
    *,
    negations: bool = True,
    threshold: float = THRESHOLD,
) -> NecessityResult:
    """Consistency, coverage and relevance of necessity of single conditions for Y and ~Y.

    Parameters
    ----------
    conditions : DataFrame
        Fuzzy (or crisp 0/1) memberships, one column per condition, one row per case.
    outcome : Series or str
        Memberships in the outcome, aligned with ``conditions`` (by index when both
        carry case names), or the name of an outcome column of ``conditions``.

    Returns
    -------
    NecessityResult

    Raises
    ------
    DataError
        Non-numeric, missing or out-of-[0, 1] memberships, or cases that do not align.

    Warns
    -----
    SkewnessWarning
        When a condition or the outcome has < 20 % or > 80 % of its cases above 0.5.

    Examples
    --------
    >>> X = pd.DataFrame({"A": [0.9, 0.8, 0.2], "B": [0.3, 0.9, 0.6]}, index=["p", "q", "r"])
    >>> Y = pd.Series([0.7, 0.6, 0.1], index=X.index, name="Y")
    >>> result = necessity(X, Y)
    >>> result.table.loc[["A", "~A"], ("Y", "inclN")].round(3).tolist()
    [1.0, 0.286]
    """
    X, y = _align(conditions, outcome)
    sets = {}
    for c in X.columns:
        sets[str(c)] = X[c].to_numpy()
        if negations:
            sets[f"{NEGATION}{c}"] = 1 - X[c].to_numpy()
    memberships = np.column_stack(list(sets.values()))
    name = str(y.name)
    parts = {}
    for label, target in ((name, y.to_numpy()), (f"{NEGATION}{name}", 1 - y.to_numpy())):
        part = pd.DataFrame(dict(zip(STATISTICS, fit.necessity(memberships, target))), index=list(sets))
        part["necessary"] = part["inclN"] >= threshold - CUT_TOLERANCE
        parts[label] = part
    table = pd.concat(parts, axis=1, names=["outcome", "statistic"])
    table.index.name = "condition"
    return NecessityResult(table, _skewness(X.assign(**{name: y})), name, float(threshold))


def _align(conditions: pd.DataFrame, outcome: pd.Series | str) -> tuple[pd.DataFrame, pd.Series]:
    """Validated memberships of the conditions and the outcome, on the same cases."""
    if isinstance(outcome, str):
        check_columns(conditions, outcome)
        outcome, conditions = conditions[outcome], conditions.drop(columns=outcome)
    if conditions.shape[1] == 0:
        raise DataError("no conditions given")
    if outcome.name is None:
        outcome = outcome.rename("Y")
    if not row_numbers(conditions.index) and not row_numbers(outcome.index):  # cases named
        in_x, in_y = set(conditions.index), set(outcome.index)
        if in_x != in_y:
            only = {"conditions": [c for c in conditions.index if c not in in_y],
                    "outcome": [c for c in outcome.index if c not in in_x]}
            raise DataError("conditions and outcome name different cases: " + "; ".join(
                f"{named('case', cases)} only in the {what}" for what, cases in only.items() if cases))
        outcome = outcome.loc[conditions.index]
    elif len(outcome) != len(conditions):
        raise DataError(f"the outcome has {len(outcome)} cases but the conditions have {len(conditions)}")
    else:
        outcome = pd.Series(outcome.to_numpy(), index=conditions.index, name=outcome.name)
    checked = {c: _membership(conditions[c], str(c)) for c in conditions.columns}
    y = pd.Series(_membership(outcome, str(outcome.name)), index=conditions.index, name=outcome.name)
    return pd.DataFrame(checked, index=conditions.index), y


def _membership(values: pd.Series, label: str) -> np.ndarray:
    """Finite memberships in [0, 1], or a :class:`DataError` naming the cases outside."""
    raw = _raw_values(values, label)
    outside = np.flatnonzero((raw < 0) | (raw > 1))
    if outside.size:
        raise DataError(
            f"{label!r} has memberships outside [0, 1] in {_where(values, outside)}; "
            "calibrate raw data first"
        )
    return raw


def _skewness(sets: pd.DataFrame) -> pd.DataFrame:
    """Share of cases above 0.5 per set, with a :class:`SkewnessWarning` for skewed ones."""
    cases_in = (sets > 0.5).sum()
    share = cases_in / len(sets)
    low, high = SKEW_LIMITS
    table = pd.DataFrame(
        {"cases_in": cases_in, "cases": len(sets), "share_in": share, "skewed": (share < low) | (share > high)}
    )
    table.index.name = "set"
    skewed = table[table["skewed"]]
    if len(skewed):
        described = [f"{s!r} ({r.cases_in} of {r.cases} cases)" for s, r in skewed.iterrows()]
        warnings.warn(
            f"skewed {'set' if len(skewed) == 1 else 'sets'}, with fewer than {low:.0%} or more "
            f"than {high:.0%} of cases above 0.5: {listing(described)}; their necessity "
            "consistency may be trivially high (Schneider & Wagemann 2012, 9.2)",
            SkewnessWarning,
            stacklevel=4,
        )
    return table
