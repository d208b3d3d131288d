"""Every result object: summary() a DataFrame, plot() a Figure with data, to_excel() that reads back;
and write_tables, the one writer of CSV, Excel and JSON."""

from __future__ import annotations

import functools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from healthalloc.data import (
    load_china_provinces,
    load_province_adjacency,
    load_cst_hospitals,
    load_deap_eg4,
    load_guangxi_2022,
    load_guangxi_calibration,
)
from healthalloc.data.output import OutputError, sheet_names, write_tables
from healthalloc.result import flat

HOSP = (["doctors", "nurses"], ["outpatients", "inpatients"])


def _dea():
    from healthalloc.efficiency import dea

    return dea(load_cst_hospitals(), *HOSP, unit="hospital")


def _dea_panel():
    from healthalloc.efficiency import dea

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 5 firms: fewer than the rule of thumb
        return dea(load_deap_eg4(), ["x"], ["y"], unit="firm", by="year", rts="vrs")


def _malmquist():
    from healthalloc.efficiency import malmquist

    return malmquist(load_deap_eg4(), ["x"], ["y"], unit="firm", by="year")


def _bootstrap():
    from healthalloc.efficiency import dea_bootstrap

    return dea_bootstrap(load_cst_hospitals(), *HOSP, unit="hospital", rts="vrs", n_boot=20, seed=1)


def _equity():
    from healthalloc.equity import equity

    data = load_china_provinces()
    return equity(data[data["year"].isin([2014, 2023])], "medical_health_beds", "permanent_population",
                  group="region", by="year", unit="province_en")


@functools.cache
def _spatial():
    from healthalloc.spatial import province_weights, spatial_analysis

    data = load_china_provinces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Hainan, an island, gets its nearest neighbour
        w = province_weights(islands="nearest")
    return spatial_analysis(data[data["year"] >= 2021], "beds_per_1000_people", w, unit="province_code",
                            by="year", group="region", permutations=99)


QCA_CONDITIONS = ["gdp_per_capita", "urbanization_rate", "population_agglomeration",
                  "public_budget_expenditure", "health_expenditure_ratio", "average_wage"]


def _qca():
    from healthalloc.qca import fsqca

    return fsqca(load_guangxi_2022(), "efficiency", QCA_CONDITIONS, anchors=load_guangxi_calibration(),
                 unit="city", dir_exp={"gdp_per_capita": 1})


def _robustness():
    from healthalloc.qca import CalibrationWarning, robustness

    variants = {"table 3": load_guangxi_calibration(), "85/50/10": (0.85, 0.5, 0.1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        return robustness(load_guangxi_2022(), "efficiency", QCA_CONDITIONS[:4], variants, unit="city",
                          incl_cuts=(0.75, 0.8), solution="parsimonious")


def _sites(seed=8, n=120, m=8):
    """A small synthetic accessibility instance near Chengdu (demand points, supply sites)."""
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"id": np.arange(n), "population": rng.integers(500, 8000, n).astype(float),
                           "lon": rng.uniform(104, 106, n), "lat": rng.uniform(30, 32, n)})
    supply = pd.DataFrame({"id": [f"s{k}" for k in range(m)], "capacity": rng.integers(5, 200, m).astype(float),
                           "lon": rng.uniform(104, 106, m), "lat": rng.uniform(30, 32, m)})
    return demand, supply


def _quiet(func, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # points and sites out of reach
        return func(*args, **kw)


def _access():
    from healthalloc.access import accessibility

    return _quiet(accessibility, *_sites(), method="2sfca", catchment=50)


def _capacity():
    from healthalloc.optimize import optimize_capacity

    return _quiet(optimize_capacity, *_sites(), method="2sfca", catchment=50)


def _location():
    from healthalloc.optimize import locate

    demand, supply = _sites()
    return _quiet(locate, demand, supply.drop(columns="capacity"), model="mclp", p=3, radius=25)


def _scenario():
    from healthalloc.optimize import scenario

    demand, supply = _sites()
    after = supply.assign(capacity=_capacity().sites["capacity_after"].to_numpy())
    return _quiet(scenario, demand, supply, after, method="2sfca", catchment=50)


def _network():
    from healthalloc.mobility import network_from_edges

    return network_from_edges(load_province_adjacency(), origin="name_en_a", destination="name_en_b",
                              weight="shared_border_km", directed=False)


def _centrality():
    from healthalloc.mobility import centrality

    return centrality(_network())


def _ergm():
    from healthalloc.mobility.ergm import ergm

    return ergm(_network(), "edges")


def _ergm_models():
    from healthalloc.mobility.ergm import compare_models

    return compare_models({"edges": _ergm()})


def _gof():
    from healthalloc.mobility.ergm import gof

    return gof(_ergm(), nsim=20, seed=1)


RESULTS = {"dea": _dea, "dea_panel": _dea_panel, "malmquist": _malmquist, "bootstrap": _bootstrap,
           "equity": _equity, "spatial": _spatial, "moran": lambda: _spatial().moran,
           "lisa": lambda: _spatial().lisa, "density": lambda: _spatial().density,
           "sigma": lambda: _spatial().sigma, "beta": lambda: _spatial().beta[0],
           "beta_panel": lambda: _spatial().beta[1], "markov": lambda: _spatial().markov,
           "comparison": lambda: _spatial().comparison, "qca": _qca, "necessity": lambda: _qca().necessity,
           "truth_table": lambda: _qca().truth_table, "solutions": lambda: _qca().solutions,
           "robustness": _robustness, "access": _access, "capacity": _capacity, "location": _location, "scenario": _scenario,
           "network": _network, "centrality": _centrality, "ergm": _ergm, "ergm_models": _ergm_models,
           "gof": _gof}


@pytest.fixture(scope="module", params=list(RESULTS))
def result(request):
    return RESULTS[request.param]()


def _has_data(fig: Figure) -> bool:
    return any(ax.lines or ax.patches or ax.collections for ax in fig.axes)


def test_summary_is_a_frame_and_plot_a_figure_with_data(result):
    assert isinstance(result.summary(), pd.DataFrame) and len(result.summary())
    assert isinstance(result.to_frame(), pd.DataFrame) and len(result.to_frame())
    fig = result.plot()
    assert isinstance(fig, Figure) and _has_data(fig)


def test_to_excel_reads_back_as_its_tables(result, tmp_path):
    path = result.to_excel(tmp_path / "result.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    tables = result.tables()
    assert list(sheets) == list(tables)
    for name, table in tables.items():
        _same(sheets[name], table)
    _same(next(iter(sheets.values())), flat(result.to_frame()))
    if "summary" in sheets:
        _same(sheets["summary"], flat(result.summary()))


def _same(read: pd.DataFrame, written: pd.DataFrame) -> None:
    """Equal as Excel keeps them: empty text reads back as a missing value."""
    expected = written.replace("", float("nan")).reset_index(drop=True)
    pd.testing.assert_frame_equal(read, expected, check_dtype=False, check_column_type=False, check_names=False)


def test_qca_text_stays_available():
    res = _qca()
    assert str(res) == res.to_text() and res.solutions.to_text() in res.to_text()
    assert str(res.truth_table).startswith("Truth table:") and str(res.necessity).startswith("Analysis of necessity")
    assert res.summary().columns.tolist() == ["solution", "model", "expression", "consistency", "pri", "coverage",
                                              "terms"]


def test_to_excel_refuses_other_types(tmp_path):
    with pytest.raises(OutputError, match=r"result\.csv: output file must end in \.xlsx"):
        _dea().to_excel(tmp_path / "result.csv")


FRAME = pd.DataFrame({"unit": ["A", "B"], "score": [0.5, 1.0]})


def test_write_tables_writes_csv_xlsx_and_json(tmp_path):
    pd.testing.assert_frame_equal(pd.read_csv(write_tables(tmp_path / "t.csv", {"scores": FRAME})), FRAME)
    long = "a_sheet_name_longer_than_thirty_one_characters"
    book = pd.read_excel(write_tables(tmp_path / "t.xlsx", {long: FRAME, long + "!": FRAME, "a/b": FRAME}),
                         sheet_name=None)
    assert list(book) == [long[:31], long[:28] + "~2", "a_b"]
    records = json.loads((write_tables(tmp_path / "t.json", {"one": FRAME, "two": FRAME})).read_text())
    assert records == {"one": FRAME.to_dict("records"), "two": FRAME.to_dict("records")}


def test_sheet_names_are_valid_and_unique():
    assert sheet_names(["x[1]:y*?", "x[1]:y*?", ""]) == ["x_1__y__", "x_1__y__~2", "sheet"]


@pytest.mark.parametrize("name, tables, message", [
    (".", {"a": FRAME}, r"\.: is a folder; give a file name ending in \.csv or \.xlsx or \.json"),
    ("t.txt", {"a": FRAME}, r"t\.txt: output file must end in \.csv or \.xlsx or \.json"),
    ("t.csv", {"a": FRAME, "b": FRAME}, r"t\.csv: a \.csv file holds one table, not 2 \(a, b\); "
                                        r"write \.xlsx or \.json"),
])
def test_write_tables_refuses(tmp_path, monkeypatch, name, tables, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match=message):
        write_tables(name, tables)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_a_result_displays_as_tables_in_a_notebook(result):
    html = result._repr_html_()
    assert html.startswith(f"<strong>{type(result).__name__}</strong>") and html.count("<table") == 2
    first = flat(result.to_frame()).iloc[0]
    rows = len(result.to_frame())
    assert (f"20 of {rows:,} rows" in html) == (rows > 20)
    assert all(str(v)[:3] in html for v in first if isinstance(v, str))
