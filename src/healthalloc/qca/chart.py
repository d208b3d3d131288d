"""Configuration charts: the intermediate solution as a table of core and peripheral conditions.

One column per configuration (term of the intermediate solution), one row per condition,
then the configuration's raw coverage, unique coverage and consistency, and the
solution's coverage and consistency (Ragin & Fiss 2008; Fiss 2011). A condition of a
configuration is *core* when it also appears in a term of the parsimonious solution that
the configuration implies, and *peripheral* when it appears in the intermediate term only;
a blank cell is a "don't care" condition. The parsimonious solution is the one the drawn
intermediate model derives from (R's ``CiPj``); an intermediate term that lies inside no
single parsimonious term (R's intermediate solutions allow it) has no core condition.

Two legends are offered:

``"ragin-fiss"`` (default; Ragin & Fiss 2008, Fiss 2011)
    ● core present, ⊗ core absent, • peripheral present, ⓧ peripheral absent. The
    original sets peripheral ⊗ in a smaller size; text has no sizes, so a peripheral
    absence is ⓧ (U+24E7) in text exports and a small ⊗ in :meth:`Chart.plot`.
``"seed"`` (seed 000, Tables 6–7)
    ● core present, □ core absent, · peripheral present, ◎ peripheral absent. Its
    legend's wording is ambiguous: it glosses ◎ as "irrelevant or negative influence"
    and blank as "no measurable impact", and cites "Health Expenditure Ratio in H3" as
    blank where its Table 6 prints ·. This module reads ◎ as peripheral absence (as in
    its text: "missing peripheral elements (◎health expenditure)") and blank as don't care.

References
----------
Ragin, C. C. & Fiss, P. C. (2008). Net effects analysis versus configurational analysis.
In Ragin, *Redesigning Social Inquiry*, ch. 11.
Fiss, P. C. (2011). Building better causal theories: a fuzzy set approach to typologies
in organization research. *Academy of Management Journal* 54(2), 393–420.
Dusa, A. (2019). *QCA with R: A Comprehensive Resource*, ch. 8 (intermediate solutions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from healthalloc.data.messages import listing
from healthalloc.data.output import write_file
from healthalloc.data.validate import DataError
from healthalloc.params import Param, Params, declared

__all__ = ["CASES_ROW", "FIT_ROWS", "LEGENDS", "SOLUTION_ROWS", "STATUSES", "Chart", "configuration_chart"]

STATUSES = ("core present", "core absent", "peripheral present", "peripheral absent")
"""What a non-blank cell says about a condition in a configuration."""

LEGENDS = {
    "ragin-fiss": dict(zip(STATUSES, ("●", "⊗", "•", "ⓧ"))),
    "seed": dict(zip(STATUSES, ("●", "□", "·", "◎"))),
}
"""Symbol of each status per legend (see the module docstring)."""

FIT_ROWS = ("Raw coverage", "Unique coverage", "Consistency")
"""Per-configuration rows under the conditions."""

SOLUTION_ROWS = ("Solution coverage", "Solution consistency")
"""Whole-solution rows, printed in the first configuration's column."""

CASES_ROW = "Cases"
"""Last row: the cases each configuration covers."""

# matplotlib marker layers (marker, size, filled) drawing each status
_MARKERS = {
    "ragin-fiss": {
        "core present": [("o", 13, True)],
        "core absent": [("o", 13, False), ("x", 9, False)],
        "peripheral present": [("o", 7, True)],
        "peripheral absent": [("o", 7, False), ("x", 5, False)],
    },
    "seed": {
        "core present": [("o", 13, True)],
        "core absent": [("s", 12, False)],
        "peripheral present": [("o", 4, True)],
        "peripheral absent": [("o", 12, False), ("o", 6, False)],
    },
}


@dataclass(frozen=True)
class Chart:
    """A configuration chart (Ragin & Fiss 2008).

    Attributes
    ----------
    status : pandas.DataFrame
        One row per condition (index: displayed labels), one column per configuration;
        cells are one of :data:`STATUSES` or ``""`` (don't care).
    fit : pandas.DataFrame
        Rows :data:`FIT_ROWS`, one column per configuration.
    solution_coverage, solution_consistency : float
        Of the whole (intermediate) solution.
    cases : pandas.Series
        Per configuration, the cases of the positive truth-table rows it covers, comma
        separated (seed 000's "regions meeting the criteria").
    legend : str
        A key of :data:`LEGENDS`.
    model : str
        Label of the intermediate model drawn (``"C1P1 M1"``).
    note : str
        Which model is drawn, the models it derives from and, when models tie, how to
        draw the others.
    """

    status: pd.DataFrame
    fit: pd.DataFrame
    solution_coverage: float
    solution_consistency: float
    cases: pd.Series
    legend: str = "ragin-fiss"
    model: str = ""
    note: str = ""

    @property
    def symbols(self) -> dict[str, str]:
        """Symbol of each status under this chart's legend."""
        return LEGENDS[self.legend]

    def to_frame(self, digits: int = 3) -> pd.DataFrame:
        """The chart as printed: symbols, fit rounded to ``digits``, solution fit, cases."""
        cells = self.status.replace(self.symbols).astype(object)
        fit = self.fit.round(digits).astype(object)
        solution = pd.DataFrame("", index=list(SOLUTION_ROWS), columns=self.status.columns, dtype=object)
        solution.iloc[:, 0] = [round(self.solution_coverage, digits), round(self.solution_consistency, digits)]
        frame = pd.concat([cells, fit, solution, self.cases.to_frame(CASES_ROW).T.astype(object)])
        frame.index.name = "Condition"
        return frame

    def legend_lines(self) -> list[str]:
        """``"● core condition present"``, …, ``"blank: don't care"``."""
        lines = [f"{s} {status.split()[0]} condition {status.split()[1]}" for status, s in self.symbols.items()]
        return [*lines, "blank: don't care (condition absent from the configuration)"]

    def legend_text(self) -> str:
        """The legend as one sentence: ``"● core condition present; …; blank: don't care (…)."``"""
        return "; ".join(self.legend_lines()) + "."

    def to_markdown(self, digits: int = 3) -> str:
        """A Markdown table with the legend and the note on the model drawn underneath."""
        frame = self.to_frame(digits)
        header = [frame.index.name, *map(str, frame.columns)]
        rule = ["---", *[":-:"] * len(frame.columns)]
        rows = [[str(label), *(_cell(v, digits) for v in values)] for label, values in frame.iterrows()]
        table = "\n".join("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"
                          for row in [header, rule, *rows])
        note = f"\n{self.note}\n" if self.note else ""
        return table + "\n\n" + self.legend_text() + "\n" + note

    def to_csv(self, path: str | Path, digits: int = 3, *, overwrite: bool = False) -> None:
        """Write :meth:`to_frame` as UTF-8 CSV (blank cells empty), atomically (:func:`write_file`;
        an existing file is replaced only with ``overwrite``)."""
        write_file(path, lambda tmp: self.to_frame(digits).to_csv(tmp, encoding="utf-8"), overwrite=overwrite)

    def to_excel(self, path: str | Path, digits: int = 3, sheet_name: str = "configurations", *,
                 overwrite: bool = False) -> None:
        """Write :meth:`to_frame` to one sheet, the legend two rows below the table, atomically
        (:func:`~healthalloc.data.output.write_file`: an existing file is replaced only with
        ``overwrite``, and only once the new one is complete)."""
        frame = self.to_frame(digits)
        legend = pd.DataFrame({"Legend": self.legend_lines()})

        def write(tmp: Path) -> None:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                frame.to_excel(writer, sheet_name=sheet_name)
                legend.to_excel(writer, sheet_name=sheet_name, startrow=len(frame) + 2, index=False)

        write_file(path, write, overwrite=overwrite)

    def plot(self, digits: int = 3):
        """Draw the chart (symbols in a grid, fit figures below, legend) as a matplotlib Figure.

        The legend has one entry per symbol and one for the blank cell, so a caption need not
        repeat :meth:`legend_lines`.

        It has the style of every figure of :mod:`healthalloc.report.figures` (sizes, and a
        CJK font for Chinese condition names). matplotlib is imported here, so the rest of
        the module works without it.
        """
        from healthalloc.report.figures.base import styled

        return styled(Chart._draw)(self, digits)

    def _draw(self, digits: int):
        from matplotlib.legend_handler import HandlerTuple
        from matplotlib.lines import Line2D

        from healthalloc.report.figures.base import one_axes

        frame = self.to_frame(digits).drop(index=CASES_ROW)
        conditions, configurations = len(self.status), list(self.status.columns)
        n_rows = len(frame)
        fig, ax = one_axes((2.2 + 0.9 * len(configurations), 0.9 + 0.38 * n_rows))
        layers = _MARKERS[self.legend]
        for row, cells in enumerate(self.status.itertuples(index=False)):
            for col, status in enumerate(cells):
                for marker in layers.get(status, []):
                    ax.plot(col, row, linestyle="none", **_marker_style(*marker))
        for row, label in enumerate(frame.index[conditions:], start=conditions):
            for col, value in enumerate(frame.loc[label]):
                ax.text(col, row, _cell(value, digits), ha="center", va="center", fontsize=9)
        ax.axhline(conditions - 0.5, color="grey", linewidth=0.6)
        ax.set_xticks(range(len(configurations)), configurations)
        ax.xaxis.tick_top()
        ax.set_yticks(range(n_rows), list(frame.index))
        ax.set_xlim(-0.6, len(configurations) - 0.4)
        ax.set_ylim(n_rows - 0.5, -0.5)
        ax.tick_params(length=0)
        if self.model:
            ax.set_title(f"Intermediate model {self.model}", fontsize=9, pad=22)
        for spine in ax.spines.values():
            spine.set_visible(False)
        handles = [
            tuple(Line2D([], [], linestyle="none", **_marker_style(*m)) for m in layers[status])
            for status in STATUSES
        ] + [Line2D([], [], linestyle="none")]  # the blank cell: its entry is text only
        lines = self.legend_lines()
        fig.legend(
            handles,
            [line.split(" ", 1)[1] for line in lines[: len(STATUSES)]] + lines[len(STATUSES):],
            handler_map={tuple: HandlerTuple(ndivide=1)},
            loc="outside lower center",
            ncol=1 if len(configurations) < 4 else 2,
            frameon=False,
            fontsize=8,
            handleheight=_LEGEND_ROW,  # rows as tall as the largest marker, so no two symbols touch
        )
        return fig


LEGEND = Param("legend", "ragin-fiss", "chart symbols: Ragin–Fiss ● ⊗ • ⓧ, or seed 000's ● □ · ◎",
               choices=tuple(LEGENDS))


@declared(Params(
    Param("model", 0, "which intermediate model to chart: the index in solutions.intermediate (0 is R's C1P1 M1); "
          "the chart's note says which one it draws and lists the first model of each distinct one", low=0),
    LEGEND,
    Param("prefix", "H", "column names {prefix}1, {prefix}2, …: H, or NH for the negated outcome as in seed 000's "
          "Table 7"),
    Param("conditions", None, "row order (default: the truth table's conditions)", many=True),
    Param("labels", None, "displayed row labels per condition, e.g. {'X1': 'Per capita GDP'}", kind=dict)),
    data=("solutions",))
def configuration_chart(
    solutions,
    *,
    model: int = 0,
    legend: str = "ragin-fiss",
    prefix: str = "H",
    conditions: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Chart:
    """Configuration chart of one intermediate model, core conditions from the parsimonious.

    Parameters
    ----------
    solutions : healthalloc.qca.solutions.Solutions
        Solutions with an intermediate solution (``solve(tt, dir_exp=...)``); core and
        peripheral conditions come from its ``core_peripheral()``.

    Returns
    -------
    Chart
    """
    models = solutions.intermediate
    if not models:
        raise DataError("there is no intermediate solution to chart: solve the truth table with dir_exp")
    if not model < len(models):
        raise DataError(f"model {model} does not exist: the intermediate solution has {len(models)} model(s)")
    order = list(conditions) if conditions is not None else list(solutions.truth_table.conditions)
    terms = [(term, roles) for i, term, roles in solutions.core_peripheral() if i == model]
    columns = [f"{prefix}{k}" for k in range(1, len(terms) + 1)]
    status = pd.DataFrame("", index=order, columns=columns, dtype=object)
    fit = pd.DataFrame(index=list(FIT_ROWS), columns=columns, dtype=float)
    for column, (term, roles) in zip(columns, terms):
        for condition, (role, value) in roles.items():
            if condition not in status.index:
                raise DataError(f"condition {condition!r} of {column} is not among the chart's rows ({listing(order)})")
            status.loc[condition, column] = f"{role} {'present' if value else 'absent'}"
        fit[column] = [term.raw_coverage, term.unique_coverage, term.consistency]
    status.index = [(labels or {}).get(c, c) for c in order]
    cases = pd.Series([", ".join(term.cases) for term, _ in terms], index=columns)
    chosen = models[model]
    return Chart(status, fit, float(chosen.coverage), float(chosen.consistency), cases, legend,
                 chosen.label, _which(models, model))


def _which(models, model: int) -> str:
    """``"Intermediate model C1P3 M1 (from complex model M1 and parsimonious model M3)"``,
    then how many models tie and the first model of each distinct configuration set."""
    chosen = models[model]
    text = f"Intermediate model {chosen.label}"
    if chosen.parsimonious is not None:
        text += f" (from complex model M{chosen.complex + 1} and parsimonious model M{chosen.parsimonious + 1})"
    first: dict[frozenset, int] = {}
    for i, m in enumerate(models):
        first.setdefault(frozenset(t.expression for t in m.terms), i)
    if len(models) > 1:
        shown = ", ".join(models[i].label for i in list(first.values())[:12]) + (", …" if len(first) > 12 else "")
        text += f"; {len(models)} intermediate models over all pairs, {len(first)} distinct ({shown})"
    return text + "."


_LEGEND_ROW = 1.8  # legend row height in font sizes: a 13-point marker beside 8-point text


def _marker_style(marker: str, size: float, filled: bool) -> dict:
    """Keyword arguments of one black marker layer, filled or hollow."""
    return dict(marker=marker, markersize=size, markerfacecolor="black" if filled else "none",
                markeredgecolor="black", markeredgewidth=1.2)


def _cell(value: object, digits: int) -> str:
    """A chart cell as text: numbers with ``digits`` decimals, blanks empty."""
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.{digits}f}"
    return str(value)
