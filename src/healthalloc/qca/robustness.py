"""Robustness of fsQCA solutions to thresholds and calibration anchors.

Re-runs the analysis over a grid of ``incl_cut`` × ``pri_cut`` × ``n_cut`` and of
calibration variants (anchor tables or percentile triples), and reports each variant's
solution fit and which terms persist across all of them (the robust core; Oana &
Schneider 2021, *Sociological Methods & Research*). A variant may tie several models (and
the intermediate solution has one per pair of complex and parsimonious models), so a
term is counted twice: in how many variants *some* tied model contains it, and in how
many *every* tied model does. The robust core takes the strict count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product

import pandas as pd

from healthalloc.params import Param, Params, declared
from healthalloc.qca.analysis import PARAMS, _calibrate
from healthalloc.qca.solutions import TYPES, solve
from healthalloc.qca.truthtable import truth_table
from healthalloc.report.tables import format_number
from healthalloc.result import Result

#: Consistency thresholds of the default grid (the 0.75–0.9 range users report).
INCL_CUTS = (0.75, 0.8, 0.85, 0.9)

#: The parameters of :func:`robustness` (its calibration variants aside).
ROBUSTNESS = Params(
    *(PARAMS[name] for name in ("outcome", "conditions", "unit")),
    Param("incl_cuts", INCL_CUTS, "raw consistency thresholds of the grid", kind=float, many=True, low=0, high=1),
    Param("pri_cuts", (0.7,), "PRI thresholds of the grid", kind=float, many=True, low=0, high=1),
    Param("n_cuts", (1,), "case thresholds of the grid", kind=int, many=True, low=1),
    *(PARAMS[name] for name in ("negate_outcome", "dir_exp")),
    Param("solution", "intermediate", "the solution type compared", choices=TYPES),
)


@dataclass(frozen=True)
class RobustnessResult(Result):
    """One row per variant and a persistence count per term.

    Attributes
    ----------
    variants : pandas.DataFrame
        ``calibration, incl_cut, pri_cut, n_cut, models, expression, consistency,
        coverage`` for the chosen solution type (first model when several tie; ``models``
        says how many); a variant with no positive row has an empty expression.
    terms : pandas.DataFrame
        ``term``; ``in_some_model``: the variants in which at least one tied model
        contains the term; ``in_every_model``: the variants in which every tied model
        does (a variant without a model contains no term); ``share_some``,
        ``share_every``: the same as shares of all variants.
    solution : str
        The solution type compared.
    """

    variants: pd.DataFrame
    terms: pd.DataFrame
    solution: str

    @property
    def robust_core(self) -> list[str]:
        """Terms in every tied model of every variant."""
        return self.terms.loc[self.terms["share_every"] == 1.0, "term"].tolist()

    @property
    def in_some_model_of_every_variant(self) -> list[str]:
        """Terms that every variant has in at least one of its tied models."""
        return self.terms.loc[self.terms["share_some"] == 1.0, "term"].tolist()

    def reading(self) -> str:
        """The range of the solution's fit over the variants, and the robust core."""
        v = self.variants
        strict = ", ".join(self.robust_core) or "no term"
        loose = [t for t in self.in_some_model_of_every_variant if t not in self.robust_core]
        text = (f"Across {len(v)} variants the {self.solution} solution's consistency (first tied model) ranges "
                f"{_range(v['consistency'])} and coverage {_range(v['coverage'])}; {strict} "
                f"{'are' if len(self.robust_core) > 1 else 'is'} in every tied model of all {len(v)} variants")
        if loose:
            text += f"; {', '.join(loose)} only in at least one tied model of each variant"
        return text + "."

    def to_frame(self) -> pd.DataFrame:
        """One row per variant (see ``variants``)."""
        return self.variants

    def summary(self) -> pd.DataFrame:
        """One row per term: in how many variants (and which share) it appears (see ``terms``)."""
        return self.terms

    def plot(self):
        """Share of the variants in which every tied model contains each term."""
        from healthalloc.report.figures.bars import bars

        share = self.terms.set_index("term")["share_every"].rename("share of variants")
        return bars(share, reference=1.0, title=f"Robustness of the {self.solution} solution")

    def to_text(self) -> str:
        """The variants and the robust core, as text."""
        return (f"Robustness of the {self.solution} solution over {len(self.variants)} variants\n"
                f"{self.variants.round(3).to_string(index=False)}\n\n{self.reading()}")

    __str__ = to_text


def _range(values: pd.Series) -> str:
    """``"0.812–0.904"``: the smallest and largest of ``values`` by the number rule."""
    return f"{format_number(values.min())}–{format_number(values.max())}"


@declared(ROBUSTNESS, data=("data", "calibrations"))
def robustness(
    data: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str],
    calibrations: Mapping[str, pd.DataFrame | Mapping | Sequence[float] | str],
    *,
    unit: str | None = None,
    incl_cuts: Sequence[float] = INCL_CUTS,
    pri_cuts: Sequence[float] = (0.7,),
    n_cuts: Sequence[int] = (1,),
    negate_outcome: bool = False,
    dir_exp: Mapping[str, int | str] | Sequence[str] | None = None,
    solution: str = "intermediate",
) -> RobustnessResult:
    """Solutions over a grid of thresholds and calibration variants.

    Parameters
    ----------
    data : DataFrame
        Raw data, one row per case.
    calibrations : mapping
        Label → an anchors table (or mapping), a percentile triple or ``"calibrated"``
        (the data already hold memberships), e.g.
        ``{"85/50/10": (0.85, 0.5, 0.1), "80/50/15": (0.8, 0.5, 0.15)}``.
    dir_exp : mapping or sequence, optional
        Directional expectations as :func:`~healthalloc.qca.solutions.solve` takes them
        (default ``"-"`` for every condition).
    """
    conditions = list(conditions)
    variables = conditions + [outcome]
    frame = data.set_index(unit) if unit else data
    expectations = dir_exp if dir_exp is not None else {}  # unlisted conditions: "-"
    rows, some, every = [], [], []
    for label, how in calibrations.items():
        memberships = _calibrate(frame, variables, how).memberships
        for incl, pri, n in product(incl_cuts, pri_cuts, n_cuts):
            tt = truth_table(memberships[conditions], memberships[outcome], incl_cut=incl,
                             pri_cut=pri, n_cut=n, negate_outcome=negate_outcome)
            models = getattr(solve(tt, dir_exp=expectations), solution) if len(tt.positive) else ()
            first = models[0] if models else None
            rows.append({"calibration": label, "incl_cut": incl, "pri_cut": pri, "n_cut": n,
                         "models": len(models), "expression": first.expression if first else "",
                         "consistency": first.consistency if first else float("nan"),
                         "coverage": first.coverage if first else float("nan")})
            in_model = [{t.expression for t in m.terms} for m in models]
            some.append(set().union(*in_model))
            every.append(set.intersection(*in_model) if in_model else set())
    count_some = pd.Series([t for s in some for t in s], dtype=object).value_counts()
    count_every = pd.Series([t for s in every for t in s], dtype=object).value_counts()
    count_every = count_every.reindex(count_some.index, fill_value=0)
    terms = pd.DataFrame({"term": count_some.index, "in_some_model": count_some.to_numpy(),
                          "in_every_model": count_every.to_numpy(),
                          "share_some": count_some.to_numpy() / len(some),
                          "share_every": count_every.to_numpy() / len(some)})
    terms = terms.sort_values(["in_every_model", "in_some_model"], ascending=False, kind="stable")
    return RobustnessResult(pd.DataFrame(rows), terms.reset_index(drop=True), solution)
