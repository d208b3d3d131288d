"""Robustness of fsQCA solutions to thresholds and calibration anchors.

Re-runs the analysis over a grid of ``incl_cut`` × ``pri_cut`` × ``n_cut`` and of
calibration variants (anchor tables or percentile triples), and reports each variant's
solution fit and which terms persist across all of them (the robust core; Oana &
Schneider 2021, *Sociological Methods & Research*).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product

import pandas as pd

from healthalloc.qca.analysis import _restrict
from healthalloc.qca.calibrate import calibrate_percentiles, calibrate_table
from healthalloc.qca.solutions import TYPES, solve
from healthalloc.qca.truthtable import truth_table

#: Consistency thresholds of the default grid (the 0.75–0.9 range users report).
INCL_CUTS = (0.75, 0.8, 0.85, 0.9)


@dataclass(frozen=True)
class RobustnessResult:
    """One row per variant and a persistence count per term.

    Attributes
    ----------
    variants : pandas.DataFrame
        ``calibration, incl_cut, pri_cut, n_cut, models, expression, consistency,
        coverage`` for the chosen solution type (first model when several tie; ``models``
        says how many); a variant with no positive row has an empty expression.
    terms : pandas.DataFrame
        ``term, variants, share``: in how many variants some model contains the term.
    solution : str
        The solution type compared.
    """

    variants: pd.DataFrame
    terms: pd.DataFrame
    solution: str

    @property
    def robust_core(self) -> list[str]:
        """Terms found in every variant."""
        return self.terms.loc[self.terms["share"] == 1.0, "term"].tolist()

    def to_frame(self) -> pd.DataFrame:
        return self.variants

    def summary(self) -> str:
        core = ", ".join(self.robust_core) or "none"
        return (f"Robustness of the {self.solution} solution over {len(self.variants)} variants\n"
                f"{self.variants.round(3).to_string(index=False)}\n\nrobust core: {core}")

    def __str__(self) -> str:
        return self.summary()


def robustness(
    data: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str],
    calibrations: Mapping[str, pd.DataFrame | Mapping | Sequence[float]],
    *,
    unit: str | None = None,
    incl_cuts: Sequence[float] = INCL_CUTS,
    pri_cuts: Sequence[float] = (0.7,),
    n_cuts: Sequence[int] = (1,),
    negate_outcome: bool = False,
    dir_exp: Mapping[str, int | str] | None = None,
    solution: str = "intermediate",
) -> RobustnessResult:
    """Solutions over a grid of thresholds and calibration variants.

    Parameters
    ----------
    data : DataFrame
        Raw data, one row per case.
    outcome : str
        Outcome column.
    conditions : sequence of str
        Condition columns.
    calibrations : mapping
        Label → an anchors table (or mapping) or a percentile triple, e.g.
        ``{"85/50/10": (0.85, 0.5, 0.1), "80/50/15": (0.8, 0.5, 0.15)}``.
    unit : str, optional
        Column of case names.
    incl_cuts, pri_cuts, n_cuts : sequences
        Threshold grid.
    negate_outcome : bool
        Analyse ~Y.
    dir_exp : mapping, optional
        Directional expectations (default ``"-"`` for every condition).
    solution : {"complex", "parsimonious", "intermediate"}
        Which solution type to compare.
    """
    if solution not in TYPES:
        raise ValueError(f"solution must be one of {TYPES}, got {solution!r}")
    conditions = list(conditions)
    variables = conditions + [outcome]
    frame = data.set_index(unit) if unit else data
    expectations = {c: "-" for c in conditions} | dict(dir_exp or {})
    rows, seen = [], []
    for label, how in calibrations.items():
        if isinstance(how, pd.DataFrame | Mapping):
            memberships = calibrate_table(frame, _restrict(how, variables)).memberships
        else:
            memberships = calibrate_percentiles(frame, variables, how).memberships
        for incl, pri, n in product(incl_cuts, pri_cuts, n_cuts):
            tt = truth_table(memberships[conditions], memberships[outcome], incl_cut=incl,
                             pri_cut=pri, n_cut=n, negate_outcome=negate_outcome)
            models = getattr(solve(tt, dir_exp=expectations), solution) if len(tt.positive) else ()
            first = models[0] if models else None
            rows.append({"calibration": label, "incl_cut": incl, "pri_cut": pri, "n_cut": n,
                         "models": len(models), "expression": first.expression if first else "",
                         "consistency": first.consistency if first else float("nan"),
                         "coverage": first.coverage if first else float("nan")})
            seen.append({t.expression for m in models for t in m.terms})
    counts = pd.Series([t for s in seen for t in s], dtype=object).value_counts()
    terms = pd.DataFrame({"term": counts.index, "variants": counts.to_numpy(),
                          "share": counts.to_numpy() / len(seen)})
    return RobustnessResult(pd.DataFrame(rows), terms.reset_index(drop=True), solution)
