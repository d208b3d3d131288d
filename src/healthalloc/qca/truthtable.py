"""Truth table of fuzzy (or crisp) set memberships, as R ``QCA::truthTable`` builds it.

Each case belongs to the row (corner of the property space) where its membership in every
condition exceeds 0.5; a case at exactly 0.5 in some condition belongs to no row and is
left out of the rows with a warning (``calibrate(..., adjust_crossover=True)`` offers the
usual +0.001 shift explicitly; nothing is adjusted here); its memberships still count in
the parameters of fit, which are sums over all cases. Rows are numbered as R numbers
them: 1 + the binary number of the row with the first condition as the most significant
bit. For every observed row: ``n`` (cases), ``incl`` (raw consistency of the row's
membership function, the minimum over conditions, computed over *all* cases as R does),
``PRI`` and the case names. A row is positive (``OUT = 1``) when ``incl ≥ incl_cut``,
``PRI ≥ pri_cut`` and ``n ≥ n_cut``; negative (``OUT = 0``) when ``n ≥ n_cut`` but below a
cut; rows with fewer than ``n_cut`` cases are logical remainders (``OUT`` missing), like
the unobserved rows, which stay implicit until :meth:`TruthTable.remainders` is asked.

References
----------
Ragin, C. C. (2008). *Redesigning Social Inquiry: Fuzzy Sets and Beyond*, ch. 7.
Dusa, A. (2019). *QCA with R: A Comprehensive Resource*, ch. 7. Springer.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthalloc.data.messages import listing, show
from healthalloc.data.validate import DataError
from healthalloc.qca import fit
from healthalloc.params import Param, Params, declared
from healthalloc.qca.minimize import MAX_CONDITIONS, bits, term_membership
from healthalloc.result import Result

__all__ = ["INCL_CUT", "MAX_REMAINDER_ROWS", "N_CUT", "PRI_CUT", "TruthTable", "truth_table"]

INCL_CUT = 0.8
"""Default raw consistency a row needs to be positive (R's ``incl.cut``)."""
PRI_CUT = 0.7
"""Default PRI consistency a row needs to be positive (R's ``pri.cut``)."""
N_CUT = 1
"""Default number of cases a row needs not to be a logical remainder (R's ``n.cut``)."""
MAX_REMAINDER_ROWS = 1 << 24
"""Most rows :meth:`TruthTable.remainders` materializes."""
NEGATION = "~"

#: The parameters of :func:`truth_table` (its memberships aside), as :func:`healthalloc.qca.fsqca` declares them.
CUTS = Params(
    Param("negate_outcome", False, "explain the outcome's absence (~Y)"),
    Param("incl_cut", INCL_CUT, "raw consistency threshold of a positive truth-table row (R's incl.cut, 1 by "
          "default there; fsQCA 3.0 users mostly set 0.8)", low=0, high=1),
    Param("pri_cut", PRI_CUT, "PRI threshold of a positive truth-table row (R's pri.cut, 0 by default there; "
          "fsQCA 3.0 users mostly set 0.7)", low=0, high=1),
    Param("n_cut", N_CUT, "cases a truth-table row needs; rows with fewer are logical remainders (R's n.cut)", low=1),
)


@dataclass(frozen=True, eq=False)
class TruthTable(Result):
    """A truth table with the data it was built from.

    Attributes
    ----------
    conditions : tuple of str
        Condition names, in column order (the first is the most significant bit).
    outcome : str
        Outcome name (``"~Y"`` when the outcome was negated).
    incl_cut, pri_cut : float
        Consistency and PRI cut-offs of positive rows.
    n_cut : int
        Cases a row needs to be positive or negative rather than a remainder.
    table : pandas.DataFrame
        One row per observed configuration, indexed by R's row id: a 0/1 column per
        condition, ``OUT`` (1, 0, or missing below ``n_cut``), ``n``, ``incl``, ``PRI``,
        ``contradiction`` (some case's outcome membership is on the other side of 0.5
        from ``OUT``) and ``cases`` (tuple of case names, in data order).
    memberships : pandas.DataFrame
        Condition memberships (cases × conditions), all cases.
    outcome_values : pandas.Series
        Outcome memberships (negated when the outcome was negated).
    positive, negative : tuple of int
        Row ids with ``OUT = 1`` and ``OUT = 0``.
    """

    conditions: tuple[str, ...]
    outcome: str
    incl_cut: float
    pri_cut: float
    n_cut: int
    table: pd.DataFrame
    memberships: pd.DataFrame
    outcome_values: pd.Series
    positive: tuple[int, ...]
    negative: tuple[int, ...]

    @property
    def n_remainders(self) -> int:
        """Number of logical remainders: unobserved rows and rows below ``n_cut``."""
        return 2 ** len(self.conditions) - len(self.positive) - len(self.negative)

    def remainders(self) -> pd.DataFrame:
        """The logical remainders (row id × 0/1 condition columns); 2^k rows at most.

        Raises ``ValueError`` beyond :data:`MAX_REMAINDER_ROWS` rows.
        """
        k = len(self.conditions)
        if self.n_remainders > MAX_REMAINDER_ROWS:
            raise ValueError(
                f"{self.n_remainders:,} logical remainders with {k} conditions: too many to "
                f"list (at most {MAX_REMAINDER_ROWS:,}); the minimization keeps them implicit"
            )
        ids = np.setdiff1d(np.arange(1, 2**k + 1), np.array(self.positive + self.negative, dtype=np.int64))
        frame = pd.DataFrame(bits(ids - 1, k).astype(np.int8), columns=list(self.conditions))
        frame.index = pd.Index(ids, name="row")
        return frame

    def to_frame(self) -> pd.DataFrame:
        """The table with ``cases`` as R prints them (``"FI,IE"``)."""
        out = self.table.copy()
        out["cases"] = out["cases"].map(",".join)
        return out

    def summary(self) -> pd.DataFrame:
        """One row: the cut-offs, the positive, negative and remainder rows and the cases in a row."""
        return pd.DataFrame([{"outcome": self.outcome, "conditions": len(self.conditions),
                              "incl_cut": self.incl_cut, "pri_cut": self.pri_cut, "n_cut": self.n_cut,
                              "positive": len(self.positive), "negative": len(self.negative),
                              "remainders": self.n_remainders, "cases_in_rows": int(self.table["n"].sum()),
                              "cases": len(self.memberships)}])

    def plot(self):
        """Sufficiency inclusion (``incl``) of every row, with ``incl_cut``."""
        from healthalloc.report.figures.bars import bars

        incl = self.table["incl"].rename("incl").set_axis([f"row {r}" for r in self.table.index])
        return bars(incl, reference=self.incl_cut, title=f"Truth table rows -> {self.outcome}")

    def to_text(self) -> str:
        """The table as R prints it, with its settings above."""
        head = [
            f"Truth table: {len(self.conditions)} conditions -> {self.outcome}; "
            f"incl.cut = {self.incl_cut:g}, pri.cut = {self.pri_cut:g}, n.cut = {self.n_cut}",
            f"  rows: {len(self.positive)} positive, {len(self.negative)} negative, "
            f"{self.n_remainders:,} remainders; cases: {int(self.table['n'].sum())} of "
            f"{len(self.memberships)} in a row",
            "  OUT: outcome value; n: cases in configuration; incl: sufficiency inclusion "
            "score; PRI: proportional reduction in inconsistency",
            "",
        ]
        shown = self.to_frame()
        shown["OUT"] = shown["OUT"].astype(object).where(shown["OUT"].notna(), "?")
        shown["incl"] = shown["incl"].map("{:.3f}".format)
        shown["PRI"] = shown["PRI"].map("{:.3f}".format)
        shown["contradiction"] = shown["contradiction"].map({True: "C", False: ""})
        shown = shown.rename(columns={"contradiction": "C"})
        return "\n".join(head) + shown.to_string(index_names=False) + "\n"

    __str__ = to_text


@declared(CUTS, data=("conditions", "outcome"))
def truth_table(
    conditions: pd.DataFrame,
    outcome: pd.Series,
    *,
    incl_cut: float = INCL_CUT,
    pri_cut: float = PRI_CUT,
    n_cut: int = N_CUT,
    negate_outcome: bool = False,
) -> TruthTable:
    """Build the truth table of ``conditions`` for ``outcome``.

    Parameters
    ----------
    conditions : pandas.DataFrame
        Memberships in [0, 1], cases × conditions; the index names the cases.
    outcome : pandas.Series
        Outcome memberships in [0, 1] for the same cases (aligned on the index); ``~Y`` is ``1 − outcome``.

    Returns
    -------
    TruthTable

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"A": [0.9, 0.8, 0.2], "B": [0.7, 0.1, 0.3]}, index=["a", "b", "c"])
    >>> tt = truth_table(X, pd.Series([0.9, 0.3, 0.1], index=X.index, name="Y"))
    >>> tt.positive, tt.negative
    ((4,), (1, 3))
    """
    X, Y, name = _check(conditions, outcome)
    if negate_outcome:
        Y, name = 1.0 - Y, NEGATION + name
    names = [str(c) for c in X.columns]
    k = len(names)
    values = X.to_numpy(dtype=float)
    y = Y.to_numpy(dtype=float)
    at_crossover = (values == 0.5).any(axis=1)
    if at_crossover.any():
        where = [
            f"{case} ({', '.join(np.array(names)[values[i] == 0.5])})"
            for i, case in zip(np.flatnonzero(at_crossover), X.index[at_crossover])
        ]
        warnings.warn(
            f"{len(where)} case{'s' if len(where) > 1 else ''} at exactly 0.5 belong to no truth "
            f"table row and are left out of the rows: {listing(where)}; calibrate with "
            "adjust_crossover=True to shift them to 0.501",
            UserWarning,
            stacklevel=3,
        )
    weights = np.int64(1) << np.arange(k - 1, -1, -1, dtype=np.int64)
    config = (values > 0.5).astype(np.int64) @ weights
    placed = np.flatnonzero(~at_crossover)
    rows, row_of_case, n = np.unique(config[placed], return_inverse=True, return_counts=True)
    full = np.full(len(rows), 2**k - 1, dtype=np.int64)
    incl, pri, _ = fit.sufficiency(term_membership(values, full, rows), y)
    enough = n >= n_cut
    positive = enough & (incl >= incl_cut) & (pri >= pri_cut)
    out = pd.array(np.where(positive, 1, 0), dtype="Int8")
    out[~enough] = pd.NA
    case_names = X.index.astype(str).to_numpy()
    members = [placed[row_of_case == r] for r in range(len(rows))]
    contradiction = np.array([bool(enough[r] and ((y[m] < 0.5) if positive[r] else (y[m] > 0.5)).any())
                              for r, m in enumerate(members)])
    table = pd.DataFrame(bits(rows, k).astype(np.int8), columns=names).assign(
        OUT=out, n=n, incl=incl, PRI=pri, contradiction=contradiction,
        cases=pd.Series([tuple(case_names[m]) for m in members], dtype=object))
    table.index = pd.Index(rows + 1, name="row")
    return TruthTable(
        conditions=tuple(names),
        outcome=name,
        incl_cut=float(incl_cut),
        pri_cut=float(pri_cut),
        n_cut=int(n_cut),
        table=table,
        memberships=X,
        outcome_values=Y.rename(name),
        positive=tuple(int(r) + 1 for r in rows[positive]),
        negative=tuple(int(r) + 1 for r in rows[enough & ~positive]),
    )


def _check(conditions, outcome) -> tuple[pd.DataFrame, pd.Series, str]:
    """Validated memberships, outcome aligned on the conditions' index, outcome name."""
    if not isinstance(conditions, pd.DataFrame) or conditions.shape[1] == 0 or len(conditions) == 0:
        raise DataError("conditions must be a non-empty DataFrame of memberships (cases × conditions)")
    if not 1 <= conditions.shape[1] <= MAX_CONDITIONS:
        raise DataError(f"a truth table takes 1 to {MAX_CONDITIONS} conditions; got {conditions.shape[1]}")
    dup = conditions.columns[conditions.columns.duplicated()]
    if len(dup):
        raise DataError(f"duplicate condition names: {listing(list(dup))}")
    if conditions.index.has_duplicates:
        raise DataError(f"duplicate case names: {listing(list(conditions.index[conditions.index.duplicated()]))}")
    outcome = pd.Series(outcome) if not isinstance(outcome, pd.Series) else outcome
    name = "Y" if outcome.name is None else str(outcome.name)
    missing = conditions.index.difference(outcome.index)
    if len(missing):
        raise DataError(f"outcome {name!r} has no value for cases {listing(list(missing))}")
    X = conditions.apply(pd.to_numeric, errors="coerce").astype(float)
    Y = pd.to_numeric(outcome.reindex(conditions.index), errors="coerce").astype(float)
    _check_memberships(name, Y, outcome.reindex(conditions.index))
    for c in X.columns:
        _check_memberships(str(c), X[c], conditions[c])
    return X, Y, name


def _check_memberships(label: str, values: pd.Series, raw: pd.Series) -> None:
    bad = values.isna() | (values < 0) | (values > 1)
    if bad.any():
        raise DataError(
            f"{label!r} must hold memberships in [0, 1] (calibrate raw data first): "
            + listing([f"case {case} = {show(v)}" for case, v in raw[bad].items()])
        )
