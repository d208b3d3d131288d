"""The whole fsQCA in one call: calibration → necessity → truth table → solutions → chart.

References: Ragin (2008), *Redesigning Social Inquiry*; Dusa (2019), *QCA with R*.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from healthalloc.data.messages import listing
from healthalloc.data.panel import unit_column
from healthalloc.data.validate import DataError, check_columns
from healthalloc.params import REQUIRED, UNIT, Param, Params, declared
from healthalloc.qca.calibrate import CALIBRATE, Calibration, calibrate_percentiles, calibrate_table, read_anchors
from healthalloc.qca.calibrate import calibrated as as_calibrated
from healthalloc.qca.chart import LEGEND, Chart, configuration_chart
from healthalloc.qca.necessity import NecessityResult, necessity
from healthalloc.qca.solutions import DIR_EXP, Solutions, solve
from healthalloc.qca.truthtable import CUTS, INCL_CUT, N_CUT, PRI_CUT, TruthTable, truth_table
from healthalloc.report.tables import format_number
from healthalloc.result import Result, flat


#: The parameters of :func:`fsqca`, from which ``healthalloc qca`` and the study analysis
#: ``qca`` are generated (the command line offers the three calibration sources as alternatives).
CALIBRATION = ("anchors", "percentiles", "calibrated")
PARAMS = Params(
    Param("outcome", REQUIRED, "outcome column (calibrated here unless calibrated)", role="outcome",
          objects=(pd.Series,)),
    Param("conditions", REQUIRED, "condition columns", role="conditions", many=True),
    UNIT,
    Param("anchors", None, "direct calibration anchors per variable, outcome included: a table, a file "
          "(columns variable, full_membership, crossover, full_nonmembership) or an embedded data set",
          kind=(str, dict), source=True, objects=(pd.DataFrame, os.PathLike), metavar="ANCHORS.csv"),
    CALIBRATE["percentiles"],
    Param("calibrated", False, "the data already hold memberships in [0, 1] (checked): no calibration; give exactly "
          "one of anchors, percentiles and calibrated"),
    CALIBRATE["decreasing"],
    *CUTS,
    DIR_EXP,
    CALIBRATE["adjust_crossover"],
    LEGEND,
)


@dataclass(frozen=True, eq=False)
class QCAResult(Result):
    """Every table of an fsQCA of one outcome (or its negation).

    Attributes
    ----------
    calibration : Calibration
        Memberships of the conditions and the outcome, and the anchors used.
    necessity : NecessityResult
        Consistency, coverage and RoN of every condition and negation, for Y and ~Y.
    truth_table : TruthTable
    solutions : Solutions
        Complex, parsimonious and intermediate models (all tied minimal models).
    chart : Chart
        Configuration chart of the first intermediate model, R's C1P1 M1 (core / peripheral;
        its ``note`` says which model it draws and the first model of each distinct one).
    """

    calibration: Calibration
    necessity: NecessityResult
    truth_table: TruthTable
    solutions: Solutions
    chart: Chart

    def to_frame(self) -> pd.DataFrame:
        """The solutions as a tidy table: one row per model term (see :meth:`Solutions.to_frame`)."""
        return self.solutions.to_frame()

    def summary(self) -> pd.DataFrame:
        """One row per model and its fit (see :meth:`Solutions.summary`)."""
        return self.solutions.summary()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``results``, ``summary``, ``necessity``, ``truth_table`` and ``chart``."""
        return super().tables() | {"necessity": self.necessity.to_frame(),
                                   "truth_table": flat(self.truth_table.to_frame()),
                                   "chart": flat(self.chart.to_frame())}

    def plot(self):
        """The configuration chart (:meth:`Chart.plot`)."""
        return self.chart.plot()

    def reading(self) -> str:
        """The configurations of the first intermediate model, its fit, and how many models tie."""
        models = self.solutions.intermediate
        first = models[0]
        distinct = len({frozenset(t.expression for t in m.terms) for m in models})
        return (f"{len(first.terms)} configuration(s) lead to {self.truth_table.outcome} (intermediate model "
                f"{first.label}: consistency {format_number(first.consistency)}, "
                f"coverage {format_number(first.coverage)}"
                + (f"; {len(models)} intermediate models over the pairs of complex and parsimonious models, "
                   f"{distinct} distinct" if len(models) > 1 else "") + ").")

    def figures(self) -> dict:
        """The configuration chart (:meth:`plot`)."""
        return {"chart": (f"Configuration chart (core and peripheral conditions): {self.chart.note}", self.plot)}

    def to_text(self) -> str:
        """Necessity, the solutions and the chart as text."""
        return "\n\n".join([self.necessity.to_text(), self.solutions.to_text(), self.chart.to_markdown()])

    __str__ = to_text

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``calibrated.csv``, ``anchors.csv``, ``necessity.csv``, ``truth_table.csv``,
        ``solutions.json``, ``chart.md`` and ``chart.csv`` into ``folder``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        files = {name: out / name for name in (
            "calibrated.csv", "anchors.csv", "necessity.csv", "truth_table.csv",
            "solutions.json", "chart.md", "chart.csv")}
        self.calibration.memberships.to_csv(files["calibrated.csv"], index_label="case")
        self.calibration.anchors.to_csv(files["anchors.csv"], index=False)
        self.necessity.to_frame().to_csv(files["necessity.csv"], index=False)
        table = self.truth_table.to_frame()
        table.to_csv(files["truth_table.csv"], index=table.index.name is not None)
        files["solutions.json"].write_text(
            json.dumps(self.solutions.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        files["chart.md"].write_text(self.chart.to_markdown() + "\n", encoding="utf-8")
        self.chart.to_csv(files["chart.csv"])
        return list(files.values())


@declared(PARAMS, data=("data",))
def fsqca(
    data: pd.DataFrame,
    outcome: str | pd.Series,
    conditions: Sequence[str],
    *,
    anchors: pd.DataFrame | Mapping | str | os.PathLike | None = None,
    percentiles: Sequence[float] | None = None,
    calibrated: bool = False,
    decreasing: Sequence[str] | None = (),
    unit: str | None = None,
    negate_outcome: bool = False,
    incl_cut: float = INCL_CUT,
    pri_cut: float = PRI_CUT,
    n_cut: int = N_CUT,
    dir_exp: Mapping[str, int | str] | Sequence[str] | None = None,
    adjust_crossover: bool = False,
    legend: str = "ragin-fiss",
) -> QCAResult:
    """Fuzzy-set QCA of ``outcome`` (or ``~outcome``) on ``conditions``, from raw data.

    Parameters
    ----------
    data : DataFrame
        Raw data, one row per case (memberships with ``calibrated=True``).
    outcome : str or Series
        Outcome column, or a Series aligned on the case names — e.g. the ``efficiency``
        of a :func:`healthalloc.efficiency.dea` result, so DEA → fsQCA is one script.
    dir_exp : mapping or sequence, optional
        Directional expectations for the intermediate solution, as :func:`solve` takes
        them (``{condition: 1 | 0 | "-"}`` or ``["DEV", "~LIT*IND"]``); default ``"-"``
        for every condition (fsQCA 3.0's "present or absent").
    """
    conditions = list(conditions)
    if (anchors is not None) + (percentiles is not None) + bool(calibrated) != 1:
        raise DataError("give exactly one of anchors= (a table of anchors), percentiles= and calibrated=True")
    if decreasing and percentiles is None:
        raise DataError("decreasing= goes with percentiles=; in an anchors table reverse the anchors of "
                        "a decreasing set (full membership below full non-membership)")
    name = outcome if isinstance(outcome, str) else (outcome.name or "outcome")
    unit = unit_column(data, unit, exclude=[*conditions, name])
    if unit:
        check_columns(data, [unit])
    frame = data.set_index(unit) if unit else data
    if not isinstance(outcome, str):
        missing = frame.index.difference(outcome.index)
        if len(missing):
            raise DataError(f"the outcome has no value for cases {listing(list(missing))}")
        frame = frame.assign(**{name: outcome.reindex(frame.index).to_numpy()})
    if name in conditions:
        raise DataError(f"{name!r} is both the outcome and a condition")
    variables = conditions + [name]
    check_columns(frame, variables)
    how = read_anchors(anchors) if anchors is not None else "calibrated" if calibrated else percentiles
    cal = _calibrate(frame, variables, how, decreasing or (), adjust_crossover)
    memberships = cal.memberships
    y = memberships[name]
    nec = necessity(memberships[conditions], y)
    tt = truth_table(memberships[conditions], y, incl_cut=incl_cut, pri_cut=pri_cut, n_cut=n_cut,
                     negate_outcome=negate_outcome)
    expectations = dir_exp if dir_exp is not None else {}  # unlisted conditions: "-"
    sol = solve(tt, dir_exp=expectations)
    chart = configuration_chart(sol, legend=legend, prefix="NH" if negate_outcome else "H")
    return QCAResult(cal, nec, tt, sol, chart)


def _calibrate(frame: pd.DataFrame, variables: list[str], how, decreasing: Sequence[str] = (),
               adjust_crossover: bool = False) -> Calibration:
    """Calibrate ``variables`` by ``how``: an anchors table or mapping, ``"calibrated"`` (the
    data hold memberships) or a percentile triple."""
    if isinstance(how, str) and how == "calibrated":
        return as_calibrated(frame, variables, adjust_crossover=adjust_crossover)
    if isinstance(how, pd.DataFrame | Mapping):
        return calibrate_table(frame, _restrict(how, variables), adjust_crossover=adjust_crossover)
    return calibrate_percentiles(frame, variables, how, decreasing=decreasing, adjust_crossover=adjust_crossover)


def _restrict(anchors, variables: list[str]):
    """Only the anchors of the variables in the analysis; all of them must be there."""
    table = anchors if isinstance(anchors, pd.DataFrame) else None
    names = list(table["variable"]) if table is not None else list(anchors)
    missing = [v for v in variables if v not in names]
    if missing:
        raise DataError(f"the anchors table has no row for {listing([repr(v) for v in missing])}")
    if table is not None:
        return table[table["variable"].isin(variables)]
    return {v: anchors[v] for v in variables}
