"""Parameters declared once: checks, command-line options and docs from one declaration."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthalloc.params import REQUIRED, Param, Params

CUT = Param("incl_cut", 0.8, "raw consistency threshold", low=0, high=1)
PARAMS = Params(
    Param("inputs", REQUIRED, "input columns", role="inputs", many=True),
    Param("by", None, "period column", role="period", aliases=("period",)),
    Param("rts", "crs", "returns to scale", choices=("crs", "vrs")),
    CUT,
    Param("n_cut", 1, "cases a row needs", low=1),
    Param("population_unit", 1000.0, "people per unit", low=0, low_open=True),
    Param("slacks", True, "two-phase slacks"),
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(exit_on_error=False)
    PARAMS.add_to(p)
    return p


def test_command_line_options_come_from_the_declaration():
    args = parser().parse_args(["--inputs", "a, b", "--rts", "vrs", "--incl-cut", "0.9", "--no-slacks",
                                "--period", "year"])
    assert PARAMS.from_args(args) == {"inputs": ["a", "b"], "by": "year", "rts": "vrs", "incl_cut": 0.9,
                                      "n_cut": 1, "population_unit": 1000.0, "slacks": False}


@pytest.mark.parametrize("argv, message", [
    (["--inputs", "a", "--incl-cut", "1.5"], "incl_cut must be ≥ 0 and ≤ 1, got 1.5"),
    (["--inputs", "a", "--n-cut", "0"], "n_cut must be ≥ 1, got 0"),
    (["--inputs", "a", "--population-unit", "0"], "population_unit must be > 0, got 0"),
    (["--inputs", "a", "--n-cut", "two"], "expected an integer, got 'two'"),
    (["--inputs", "a", "--rts", "drs"], "--rts: rts must be one of crs, vrs; got 'drs'"),
    (["--inputs", " , "], "expected one or more"),
])
def test_bad_values_are_rejected_on_the_command_line(argv, message):
    with pytest.raises(argparse.ArgumentError, match=message):
        parser().parse_args(argv)


def test_study_values_are_checked_with_the_same_rules():
    problems = dict(PARAMS.check({"incl_cut": 1.5, "rts": "drs", "incl_ct": 0.8, "slacks": "yes",
                                  "n_cut": 2.5, "inputs": []}))
    assert problems == {"incl_cut": "incl_cut must be ≥ 0 and ≤ 1, got 1.5",
                        "rts": "rts must be one of crs, vrs; got 'drs'",
                        "incl_ct": "unknown key 'incl_ct'; did you mean 'incl_cut'?",
                        "slacks": "slacks must be true or false, got 'yes'",
                        "n_cut": "n_cut must be an integer, got 2.5",
                        "inputs": "inputs must be a non-empty list"}
    assert PARAMS.check({"incl_cut": 1, "period": "year"}) == []


def test_roles_options_and_descriptions():
    assert list(PARAMS.roles) == ["inputs", "period"]
    assert "inputs" not in PARAMS.options and "rts" in PARAMS.options
    assert PARAMS["incl_cut"].describe() == "raw consistency threshold (≥ 0 and ≤ 1) (default: 0.8)"


def test_a_parameter_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        Params(CUT, CUT)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_range_check_agrees_with_the_interval(x):
    problem = CUT.check(x)
    assert (problem is None) == (0 <= x <= 1)
