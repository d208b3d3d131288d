"""Configuration charts: core/peripheral symbols, exports (Markdown, CSV, Excel) and the figure.

References: seed 000's Table 6 (its symbols and fit figures, rebuilt from a hand-made
solution with the same core/peripheral structure) and R ``QCA``'s Lipset fuzzy example
(intermediate ``DEV*URB*LIT*STB + DEV*LIT*~IND*STB``, parsimonious ``DEV*~IND + URB*STB``).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import reference
from healthalloc.data import DataError
from healthalloc.data.output import OutputError
from healthalloc.qca.chart import CASES_ROW, FIT_ROWS, LEGENDS, SOLUTION_ROWS, configuration_chart
from healthalloc.qca.solutions import Model, Solutions, Term, solve
from healthalloc.qca.truthtable import truth_table

CONDITIONS = ("X1", "X2", "X3", "X4", "X5", "X6", "X7")
LABELS = dict(zip(CONDITIONS, (
    "Per capita regional GDP", "Urbanization rate", "Population agglomeration degree",
    "General public budget expenditure", "Health expenditure ratio", "Average annual wage",
    "Per capita health expenditure",
)))  # fmt: skip

# Seed 000's Table 6 as printed (legend "seed"): ● core present, □ core absent,
# · peripheral present, ◎ peripheral absent.
TABLE6 = pd.DataFrame(
    {
        "H1": ["●", "●", "·", "·", "·", "·", "●", 0.319, 0.137, 0.896, 0.771, 0.809, "Beihai, Fangchenggang"],
        "H2": ["◎", "◎", "◎", "·", "◎", "□", "●", 0.276, 0.058, 0.838, "", "", "Baise"],
        "H3": ["●", "●", "·", "◎", "·", "◎", "◎", 0.232, 0.032, 1.000, "", "", "Wuzhou"],
        "H4": ["●", "●", "·", "·", "◎", "·", "◎", 0.345, 0.190, 0.922, "", "", "Nanning, Liuzhou"],
    },
    index=[*LABELS.values(), *FIT_ROWS, *SOLUTION_ROWS, CASES_ROW],
    dtype=object,
)


def _term(expression: str, fit: tuple[float, float, float], cases: tuple[str, ...] = ()) -> Term:
    literals = tuple((c.lstrip("~"), 0 if c.startswith("~") else 1) for c in expression.split("*"))
    raw, unique, consistency = fit
    return Term(literals, expression, consistency, consistency, raw, unique, cases)


def _model(terms: tuple[Term, ...], coverage: float, consistency: float, parsimonious=None) -> Model:
    expression = " + ".join(t.expression for t in terms)
    complex_model = None if parsimonious is None else 0
    return Model(terms, expression, consistency, consistency, coverage, "M1", 0, parsimonious, complex_model)


def _table6_solutions() -> Solutions:
    """Intermediate terms with Table 6's symbols; parsimonious X1*X2 + ~X6*X7 + X2*X7.

    Core = the conditions of the parsimonious terms an intermediate term implies:
    H1 implies X1*X2 and X2*X7 (core X1, X2, X7), H2 implies ~X6*X7, H3 and H4 X1*X2.
    """
    intermediate = (
        _term("X1*X2*X3*X4*X5*X6*X7", (0.319, 0.137, 0.896), ("Beihai", "Fangchenggang")),
        _term("~X1*~X2*~X3*X4*~X5*~X6*X7", (0.276, 0.058, 0.838), ("Baise",)),
        _term("X1*X2*X3*~X4*X5*~X6*~X7", (0.232, 0.032, 1.000), ("Wuzhou",)),
        _term("X1*X2*X3*X4*~X5*X6*~X7", (0.345, 0.190, 0.922), ("Nanning", "Liuzhou")),
    )
    parsimonious = tuple(_term(e, (0.5, 0.1, 0.8)) for e in ("X1*X2", "~X6*X7", "X2*X7"))
    return Solutions(
        complex=(),
        parsimonious=(_model(parsimonious, 0.9, 0.7),),
        intermediate=(_model(intermediate, 0.771, 0.809, parsimonious=0),),
        truth_table=SimpleNamespace(conditions=CONDITIONS),
        dir_exp=dict.fromkeys(CONDITIONS, "-"),
    )


def _lipset_solutions() -> Solutions:
    lf = pd.read_csv(reference("qca/lipset_LF.csv"), index_col="case")
    tt = truth_table(lf.drop(columns="SURV"), lf["SURV"], incl_cut=0.8)
    return solve(tt, dir_exp=["DEV", "URB", "LIT", "IND", "STB"])


# -- symbols ------------------------------------------------------------------------------


def test_seed_legend_rebuilds_table6():
    chart = configuration_chart(_table6_solutions(), legend="seed", labels=LABELS)
    pd.testing.assert_frame_equal(chart.to_frame(), TABLE6, check_names=False)


def test_ragin_fiss_legend_of_table6():
    frame = configuration_chart(_table6_solutions()).to_frame()
    symbols = {"●": "●", "□": "⊗", "·": "•", "◎": "ⓧ"}
    expected = TABLE6.iloc[: len(CONDITIONS)].replace(symbols)
    expected.index = list(CONDITIONS)
    pd.testing.assert_frame_equal(frame.iloc[: len(CONDITIONS)], expected, check_names=False)
    assert set(LEGENDS["ragin-fiss"].values()) == {"●", "⊗", "•", "ⓧ"}


def test_core_and_peripheral_conditions_of_lipsets_intermediate_solution():
    """H1 = DEV*URB*LIT*STB implies URB*STB (core URB, STB); H2 = DEV*LIT*~IND*STB implies
    DEV*~IND (core DEV, ~IND); the other conditions are peripheral, the rest don't care."""
    chart = configuration_chart(_lipset_solutions())
    assert chart.status.to_dict() == {
        "H1": {"DEV": "peripheral present", "URB": "core present", "LIT": "peripheral present",
               "IND": "", "STB": "core present"},
        "H2": {"DEV": "core present", "URB": "", "LIT": "peripheral present",
               "IND": "core absent", "STB": "peripheral present"},
    }  # fmt: skip
    # R QCA's printed fit of the intermediate solution (minimize.html)
    np.testing.assert_allclose(chart.fit.to_numpy(), [[0.468, 0.282], [0.378, 0.191], [0.901, 0.814]], atol=5e-4)
    assert (round(chart.solution_coverage, 3), round(chart.solution_consistency, 3)) == (0.660, 0.866)
    assert chart.cases.tolist() == ["BE, CZ, NL, UK", "FI, IE"]


def test_chart_says_which_model_it_draws():
    chart = configuration_chart(_lipset_solutions())
    assert chart.model == "C1P1 M1"
    assert chart.note == "Intermediate model C1P1 M1 (from complex model M1 and parsimonious model M1)."
    assert chart.to_markdown().endswith(f".\n\n{chart.note}\n")


def test_prefix_and_row_order():
    chart = configuration_chart(_lipset_solutions(), prefix="NH", conditions=["STB", "IND", "LIT", "URB", "DEV"])
    assert chart.status.columns.tolist() == ["NH1", "NH2"]
    assert chart.status.index.tolist() == ["STB", "IND", "LIT", "URB", "DEV"]


# -- exports ------------------------------------------------------------------------------


def test_markdown_table_with_legend():
    text = configuration_chart(_table6_solutions(), legend="seed", labels=LABELS).to_markdown()
    lines = text.splitlines()
    assert lines[0] == "| Condition | H1 | H2 | H3 | H4 |"
    assert lines[1] == "| --- | :-: | :-: | :-: | :-: |"
    assert lines[2] == "| Per capita regional GDP | ● | ◎ | ● | ● |"
    assert "| Consistency | 0.896 | 0.838 | 1.000 | 0.922 |" in lines
    assert "| Solution coverage | 0.771 |  |  |  |" in lines
    assert lines[-3].startswith("● core condition present; □ core condition absent; · peripheral")
    assert lines[-1].startswith("Intermediate model M1")
    assert len([line for line in lines if line.startswith("|")]) == 2 + len(TABLE6)


def test_csv_round_trip(tmp_path):
    chart = configuration_chart(_table6_solutions(), legend="seed", labels=LABELS)
    chart.to_csv(tmp_path / "chart.csv")
    back = pd.read_csv(tmp_path / "chart.csv", index_col=0, dtype=str, keep_default_na=False, encoding="utf-8")
    expected = chart.to_frame().map(str)
    pd.testing.assert_frame_equal(back, expected, check_names=False)


def test_excel_round_trip(tmp_path):
    chart = configuration_chart(_table6_solutions(), labels=LABELS)
    chart.to_excel(tmp_path / "chart.xlsx")
    frame = chart.to_frame()
    back = pd.read_excel(tmp_path / "chart.xlsx", index_col=0, nrows=len(frame)).fillna("")
    pd.testing.assert_frame_equal(back.astype(object), frame, check_names=False)
    legend = pd.read_excel(tmp_path / "chart.xlsx", skiprows=len(frame) + 2, header=None)[0].tolist()
    assert legend[0] == "Legend" and legend[1] == "● core condition present"


def test_excel_is_written_atomically(tmp_path, monkeypatch):
    # through write_file: a folder is refused, a failed write leaves the user's file as it
    # was and no partial file beside it, a complete one replaces it
    chart = configuration_chart(_table6_solutions(), labels=LABELS)
    with pytest.raises(OutputError, match="is a folder"):
        chart.to_excel(tmp_path)
    target = tmp_path / "chart.xlsx"
    target.write_bytes(b"earlier file")
    table_only = pd.DataFrame.to_excel

    def fail_at_legend(frame, writer, **options):
        if options.get("startrow"):
            raise RuntimeError("disk full")
        table_only(frame, writer, **options)

    with monkeypatch.context() as m:
        m.setattr(pd.DataFrame, "to_excel", fail_at_legend)
        with pytest.raises(RuntimeError, match="disk full"):
            chart.to_excel(target, overwrite=True)
    assert target.read_bytes() == b"earlier file" and [p.name for p in tmp_path.iterdir()] == ["chart.xlsx"]
    with pytest.raises(OutputError, match="chart.xlsx: already exists; give a new name, or pass --overwrite"):
        chart.to_excel(target)
    chart.to_excel(target, overwrite=True)
    assert pd.read_excel(target, index_col=0, nrows=len(TABLE6)).shape == TABLE6.shape
    assert [p.name for p in tmp_path.iterdir()] == ["chart.xlsx"]


def test_plot_draws_every_symbol_layer():
    pytest.importorskip("matplotlib")
    chart = configuration_chart(_lipset_solutions())
    fig = chart.plot()
    ax = fig.axes[0]
    # layers: 4 core present (1 each), 1 core absent (2), 4 peripheral present (1 each)
    assert len(ax.lines) == 4 + 2 + 4
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [*chart.status.index, *FIT_ROWS, *SOLUTION_ROWS]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["H1", "H2"]
    assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["core condition present", "core condition absent"]
    assert "0.901" in [t.get_text() for t in ax.texts]


# -- errors -------------------------------------------------------------------------------


def test_chart_errors():
    solutions = _lipset_solutions()
    with pytest.raises(ValueError, match="legend must be one of ragin-fiss, seed; got 'fiss'"):
        configuration_chart(solutions, legend="fiss")
    with pytest.raises(DataError, match="model 1 does not exist: the intermediate solution has 1 model"):
        configuration_chart(solutions, model=1)
    with pytest.raises(DataError, match="condition 'URB' of H1 is not among the chart's rows"):
        configuration_chart(solutions, conditions=["DEV", "LIT", "IND", "STB"])
    without = solve(solutions.truth_table)
    with pytest.raises(DataError, match="no intermediate solution to chart: solve the truth table with dir_exp"):
        configuration_chart(without)


def test_the_figure_says_which_tied_model_it_draws():
    from healthalloc.data import load_guangxi_2022, load_guangxi_calibration
    from healthalloc.qca import fsqca

    conditions = ["gdp_per_capita", "urbanization_rate", "population_agglomeration",
                  "public_budget_expenditure", "health_expenditure_ratio", "average_wage"]
    res = fsqca(load_guangxi_2022(), "efficiency", conditions, anchors=load_guangxi_calibration(),
                unit="city", dir_exp={c: 1 for c in conditions})
    fig = res.chart.plot()
    assert fig.axes[0].get_title() == f"Intermediate model {res.chart.model}"
    assert res.chart.model.startswith("C1P1")
