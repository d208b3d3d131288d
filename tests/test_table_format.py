"""One number-formatting rule (issue 20, point 3): unit tests of each rule, properties, and
the contract over every table the four examples and the demo show in their reports."""

from __future__ import annotations

import html
import re
import tomllib
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthalloc.report.tables import (DIGITS, KINDS, column_kind, format_number, format_table, p_text,
                                       starred)

EXAMPLES = Path(__file__).parents[1] / "examples"

# -- each rule --------------------------------------------------------------------------------


def test_whole_number_columns_are_counts_with_thousands_separators():
    """The issue's counts (64.000 and 745557985.000 in the reports) as integers."""
    text = format_table(pd.DataFrame({"ties": [64.0, 745557985.0], "n": [3, 12345]}))
    assert list(text["ties"]) == ["64", "745,557,985"] and list(text["n"]) == ["3", "12,345"]


def test_real_valued_columns_keep_three_decimals():
    """0.09 beside 0.090 (the issue): one column, one precision; a whole value among real ones keeps it too."""
    text = format_table(pd.DataFrame({"share": [0.09, 0.123456, 1.0], "beds": [12345.5, 2.0, 0.25]}))
    assert list(text["share"]) == ["0.090", "0.123", "1.000"]
    assert list(text["beds"]) == ["12,345.500", "2.000", "0.250"]


def test_a_long_table_of_measures_shows_whole_rows_as_counts():
    """Seed 002's scenario before/after: sites 733 and 737, not 733.000 (a count among indices)."""
    frame = pd.DataFrame({"measure": ["capacity", "sites", "access_mean"], "before": [10173600.0, 733.0, 0.0138],
                          "after": [10273600.0, 737.0, 0.0139], "change": [100000.0, 4.0, 0.0001]})
    text = format_table(frame)
    assert text.loc[1].tolist() == ["sites", "733", "737", "4"] and text.loc[0, "change"] == "100,000"
    assert text.loc[2].tolist() == ["access_mean", "0.014", "0.014", "0.000"]
    # without a measure column, a row of whole values keeps its column's decimals
    assert format_table(frame.rename(columns={"measure": "name"})).loc[1, "before"] == "733.000"


def test_years_ids_and_codes_are_written_as_they_are():
    frame = pd.DataFrame({"year": [2014, 2023], "node": [431100, 110000], "period_from": [2014.0, 2015.0],
                          "geonameid": [1816670, 1796236], "from": [431100, 450000]})
    text = format_table(frame)
    assert list(text["year"]) == ["2014", "2023"] and list(text["node"]) == ["431100", "110000"]
    assert list(text["period_from"]) == ["2014", "2015"] and list(text["geonameid"]) == ["1816670", "1796236"]
    assert list(text["from"]) == ["431100", "450000"]


def test_p_values_below_the_precision_read_as_less_than():
    frame = pd.DataFrame({"p_value": [0.0004, 0.0, 0.001, 0.04, 1.0], "p_sim": [0.001, 0.5, 0.0009, 1e-12, np.nan],
                          "permutation_p": [0.2] * 5, "p": [0.0001] * 5})
    text = format_table(frame)
    assert list(text["p_value"]) == ["< 0.001", "< 0.001", "0.001", "0.040", "1.000"]
    assert list(text["p_sim"]) == ["0.001", "0.500", "< 0.001", "< 0.001", ""]
    assert text["permutation_p"][0] == "0.200" and text["p"][0] == "< 0.001"
    assert format_number(0.00004, "p", digits=4) == "< 0.0001"


def test_p_values_in_a_sentence():
    assert p_text(0.0004) == "p < 0.001" and p_text(0.04, "pseudo p") == "pseudo p = 0.040"
    assert p_text(0.5, digits=2) == "p = 0.50"


def test_a_p_named_column_outside_0_1_is_not_a_p_value():
    assert column_kind("p_demand", pd.Series([0.5, 1500.0])) == "index"
    assert column_kind("p_sim", pd.Series([0.5, 0.001])) == "p"
    assert column_kind("pri", pd.Series([0.5, 0.9])) == "index" and column_kind("pad", pd.Series([0.5])) == "index"


def test_coefficients_keep_four_significant_figures_in_plain_decimals():
    """Seed 003's nodeicov.GDP (4.211e-05, printed 0.0000*** before) and its neighbours."""
    text = format_table(pd.DataFrame({"estimate": [4.211e-05, -0.010252, 3.391093, -4.184133, 0.0, 1.5e-7],
                                      "std_error": [0.0000071, 0.001636, 0.063487, 0.638407, 0.1, 0.2]}))
    assert list(text["estimate"]) == ["0.00004211", "-0.01025", "3.391", "-4.184", "0.000", "0.0000001500"]
    assert list(text["std_error"]) == ["0.000007100", "0.001636", "0.06349", "0.6384", "0.1000", "0.2000"]
    assert column_kind("beta", pd.Series([0.1])) == "coefficient" and column_kind("sech", pd.Series([1.0])) == "count"


def test_solver_noise_is_zero_and_never_negative():
    """The issue's redundancy -2.84e-16: below 1e-9 of the column's scale (at least 1) it is 0."""
    text = format_table(pd.DataFrame({"redundancy_beds": [-2.84e-16, 0.5, 3.25], "slack": [-1e-12, 2e-12, 0.0],
                                      "estimate": [3e-13, -2e-10, 1.0], "gap": [-0.0004, 1e-6, 0.5]}))
    assert list(text["redundancy_beds"]) == ["0.000", "0.500", "3.250"]
    assert list(text["slack"]) == ["0", "0", "0"]  # all noise: a column of zeros is whole
    assert list(text["estimate"]) == ["0.000", "0.000", "1.000"]
    assert list(text["gap"]) == ["0.000", "0.000", "0.500"]  # rounds to zero at 3 decimals: no minus sign
    # relative to the column's scale: 1e-6 is noise beside 1e4, not beside 1
    assert format_number(1e-6, "coefficient", scale=1e4) == "0.000"
    assert format_number(1e-6, "coefficient") == "0.000001000"


def test_no_stars_beside_an_estimate_shown_as_zero():
    frame = pd.DataFrame({"estimate": [4.2e-05, 1e-13, -0.5, 0.2], "p_value": [1e-8, 1e-8, 0.03, 0.5]})
    text = format_table(frame, stars_for={"estimate": "p_value"})
    assert list(text["estimate"]) == ["0.00004200***", "0.000", "-0.5000**", "0.2000"]
    index = format_table(pd.DataFrame({"I": [0.0004, 0.25], "p_sim": [0.001, 0.001]}), stars_for={"I": "p_sim"})
    assert list(index["I"]) == ["0.000", "0.250***"]
    assert starred("0.000", "***") == "0.000" and starred("-0.0", "*") == "-0.0" and starred("0.001", "*") == "0.001*"


def test_blank_infinite_boolean_and_text_cells():
    frame = pd.DataFrame({"half_life": [np.inf, -np.inf, np.nan, 2.5], "lag_class": pd.array([1, None, 2, 3], "Int64"),
                          "converged": [True, False, True, True], "peers": [("a", "b"), None, "c", "d"]})
    text = format_table(frame)
    assert list(text["half_life"]) == ["∞", "-∞", "", "2.500"]
    assert list(text["lag_class"]) == ["1", "", "2", "3"]
    assert list(text["converged"]) == ["yes", "", "yes", "yes"] and list(text["peers"]) == ["a;b", "", "c", "d"]


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind of number 'percent'; the kinds are count, key"):
        format_number(0.5, "percent")


# -- properties -------------------------------------------------------------------------------


def _parse(text: str) -> float:
    return float(text.replace(",", ""))


def _last_digit(text: str) -> float:
    """The value of one unit in the last digit ``text`` shows."""
    return 10.0 ** -len(text.partition(".")[2])


REAL = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(REAL, st.sampled_from(["index", "coefficient"]), st.integers(1, 5))
def test_formatting_then_parsing_is_within_half_the_last_shown_digit(value, kind, digits):
    text = format_number(value, kind, digits=digits)
    assert "e" not in text.lower() and not re.fullmatch(r"-0(\.0*)?", text)
    shown = 0.0 if abs(value) < 1e-9 else value  # noise below 1e-9 × max(scale, 1) is 0
    assert abs(_parse(text) - shown) <= _last_digit(text) / 2 * (1 + 1e-9) + abs(shown) * 1e-15


@given(st.floats(min_value=1e-9, max_value=1e12, allow_nan=False) | st.floats(max_value=-1e-9, min_value=-1e12))
def test_a_coefficient_never_reads_zero_and_keeps_four_significant_figures(value):
    text = format_number(value, "coefficient")
    digits = re.sub(r"\D", "", text).lstrip("0")
    assert _parse(text) != 0 and len(digits) >= 4, text


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_p_values_either_read_below_the_precision_or_within_half_a_digit(p):
    text = format_number(p, "p")
    if p < 10.0 ** -DIGITS:
        assert text == "< 0.001"
    else:
        assert abs(_parse(text) - p) <= 0.0005 * (1 + 1e-9)


@given(st.integers(-10**15, 10**15))
def test_integers_round_trip(n):
    assert int(format_number(n, "count").replace(",", "")) == n and format_number(n, "key") == str(n)
    assert int(format_number(float(n), "count").replace(",", "")) == n or abs(n) > 2 ** 53


@given(st.lists(st.integers(-10**9, 10**9), min_size=1, max_size=20))
def test_whole_float_columns_round_trip_as_integers(values):
    text = format_table(pd.DataFrame({"count": np.array(values, dtype=float)}))["count"]
    assert [int(t.replace(",", "")) for t in text] == values
    assert all(re.fullmatch(r"-?\d{1,3}(,\d{3})*", t) for t in text)


def test_every_kind_has_its_rule():
    assert [format_number(1234.5678, kind) for kind in KINDS] == \
        ["1,235", "1235", "1,234.568", "1,234.568", "1,234.568"]


# -- the contract over every table of the four examples and the demo ---------------------------

#: A cell in scientific notation, a whole number written with decimals, stars beside a zero.
SCIENTIFIC = re.compile(r"[-+]?\d+(?:\.\d+)?[eE][-+]?\d+\W*")
WHOLE_WITH_DECIMALS = re.compile(r"-?[\d,]+\.0+")
STARRED_ZERO = re.compile(r"-?0(?:\.0+)?(?:\*{1,3}|\.)")


def _studies() -> dict[str, dict]:
    """The four examples and the demo, with their costliest knobs lowered (no table changes)."""
    sources = {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("seed00[0-3].toml"))}
    sources["demo"] = (files("healthalloc.study") / "demo.toml").read_text(encoding="utf-8")
    studies = {name: tomllib.loads(text) for name, text in sources.items()}
    for study in studies.values():
        for spec in study["analyses"]:
            spec.update({k: v for k, v in {"nsim": 10, "n_boot": 50, "permutations": 99}.items() if k in spec})
    return studies


def _cells(text: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", text, re.S)]


def _tables(report: str) -> dict[str, pd.DataFrame]:
    """Each table of a report as the reader sees its cells, keyed by its heading (numbered)."""
    out = {}
    for i, (title, body) in enumerate(re.findall(r"<h3>(.*?)</h3>.*?<table[^>]*>(.*?)</table>", report, re.S)):
        head = _cells(re.search(r"<thead>(.*?)</thead>", body, re.S).group(1))
        rows = [_cells(r) for r in re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", body, re.S)
                                               .group(1), re.S)]
        out[f"{i} {html.unescape(title)}"] = pd.DataFrame(rows, columns=head, dtype=str)
    return out


def violations(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Where the shown tables break the contract: scientific notation for a value that rounds
    to 0 at three decimals, ``.000`` on a column of whole numbers (two or more distinct:
    counts, not a column of one score 1.000), and stars beside an estimate shown as 0."""
    found = []
    for name, table in tables.items():
        for column in table.columns:
            cells = [c for c in table[column] if c]
            found += [f"{name}, {column}: {c} (scientific, rounds to 0)" for c in cells
                      if SCIENTIFIC.fullmatch(c) and abs(float(re.sub(r"[^\d.eE+-]", "", c))) < 0.5 * 10.0 ** -DIGITS]
            found += [f"{name}, {column}: {c} (stars beside 0)" for c in cells if STARRED_ZERO.fullmatch(c)]
            if cells and all(WHOLE_WITH_DECIMALS.fullmatch(c) for c in cells) and len(set(cells)) > 1:
                found.append(f"{name}, {column}: {cells[0]} (an integer count with decimals)")
    return found


def test_the_contract_check_finds_what_the_issue_saw():
    """The check can fail: the issue's cells, as the reports printed them before."""
    before = {"scores": pd.DataFrame({"redundancy": ["-2.84e-16", "0.500"], "ties": ["64.000", "745557985.000"],
                                      "model": ["0.0000***", "-4.1841***"], "score": ["1.000", "1.000"]})}
    assert violations(before) == ["scores, redundancy: -2.84e-16 (scientific, rounds to 0)",
                                  "scores, ties: 64.000 (an integer count with decimals)",
                                  "scores, model: 0.0000*** (stars beside 0)"]
    assert violations({"t": pd.DataFrame({"x": ["1.2e+05", "0.0001", "0.0000.", "12"]})}) == \
        ["t, x: 0.0000. (stars beside 0)"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, dict]:
    """Each study run once: its sections and its report's tables as shown."""
    from healthalloc.study.runner import run_study

    out = {}
    for name, study in _studies().items():
        result = run_study(study, tmp_path_factory.mktemp(name) / "out", progress=False)
        out[name] = {"sections": result.sections, "tables": _tables(result.report.read_text(encoding="utf-8"))}
    return out


@pytest.mark.parametrize("study", ["seed000", "seed001", "seed002", "seed003", "demo"])
def test_every_table_of_the_report_keeps_the_rule(reports, study):
    tables = reports[study]["tables"]
    assert len(tables) >= sum(len(s.tables) for s in reports[study]["sections"])  # every table was read
    assert violations(tables) == []


@pytest.mark.parametrize("study", ["seed000", "seed001", "seed002", "seed003", "demo"])
def test_every_whole_number_column_of_the_report_is_an_integer(reports, study):
    """From the tables behind the report: each numeric column whose values are all whole
    numbers (other than p-values and coefficients), and each such row of a long table of
    measures, shows no decimal point, and no numeric cell is in scientific notation."""
    from healthalloc.report.html import MAX_ROWS

    for sec in reports[study]["sections"]:
        for name, frame in sec.tables.items():
            shown = frame.head(MAX_ROWS)
            text = format_table(shown, stars_for=sec.stars.get(name))
            for column in shown.columns:
                if not pd.api.types.is_numeric_dtype(shown[column]) or pd.api.types.is_bool_dtype(shown[column]):
                    continue
                cells = [c for c in text[str(column)] if c]
                assert not any("e" in c.lower() for c in cells if c not in ("∞", "-∞")), (name, column)
                numbers = shown[column].to_numpy(dtype=float, na_value=np.nan)
                finite = numbers[np.isfinite(numbers)]
                whole = len(finite) and np.all(finite == np.round(finite))
                if whole and column_kind(column, shown[column]) not in ("p", "coefficient"):
                    assert all("." not in c for c in cells), (sec.name, name, column, cells[:3])
            if "measure" in shown.columns:  # long tables: a row of whole values is a row of counts
                reals = [c for c in shown.columns if pd.api.types.is_float_dtype(shown[c])
                         and column_kind(c, shown[c]) == "index"]
                for i, row in enumerate(shown[reals].to_numpy(dtype=float)):
                    if np.isfinite(row).any() and np.all(row[np.isfinite(row)] % 1 == 0):
                        assert all("." not in c for c in text[reals].iloc[i]), (sec.name, name, row)
