"""Shared test fixtures: reference files (copied from shared/data, see SOURCES.md there)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings
from scipy.optimize import linprog

# Property tests explore new examples locally; under CI (the landing run) they replay one
# fixed sequence, so that a run is reproducible and a failure can be re-run as it was.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REFERENCE = Path(__file__).parent / "reference"


def reference(name: str) -> Path:
    return REFERENCE / name


@cache
def dea_jl() -> dict:
    """DataEnvelopmentAnalysis.jl's test expectations (file, line, model, expected)."""
    return json.loads(reference("dea_jl_test_expectations.json").read_text())


def dea_jl_case(file: str, line: int) -> tuple[dict, dict[str, np.ndarray]]:
    """The expectation at ``file:line`` and its data arrays by variable name."""
    data = dea_jl()
    test = next(t for t in data["tests"] if t["file"] == file and t["line"] == line)
    sets = {d["id"]: d for d in data["datasets"]}
    arrays = {}
    for name, ref in test["data_refs"].items():
        a = np.asarray(sets[ref]["value"], dtype=float)
        arrays[name] = a.reshape(len(a), -1)
    return test, arrays


def linprog_radial(X, Y, o, *, rts="crs", orientation="input", exclude_self=False):
    """Independent oracle: one unit's radial DEA score by scipy's linprog on all columns.

    Returns θ (input) or φ (output); NaN when the LP is infeasible.
    """
    n, m = X.shape
    s = Y.shape[1]
    keep = np.arange(n) != o if exclude_self else np.ones(n, bool)
    Xr, Yr = X[keep], Y[keep]
    k = len(Xr)
    inp = orientation == "input"
    c = np.r_[1.0 if inp else -1.0, np.zeros(k)]
    if inp:
        A_ub = np.vstack([np.c_[-X[o][:, None], Xr.T], np.c_[np.zeros((s, 1)), -Yr.T]])
        b_ub = np.r_[np.zeros(m), -Y[o]]
    else:
        A_ub = np.vstack([np.c_[np.zeros((m, 1)), Xr.T], np.c_[Y[o][:, None], -Yr.T]])
        b_ub = np.r_[X[o], np.zeros(s)]
    A_eq = b_eq = None
    row = np.r_[0.0, np.ones(k)][None, :]
    if rts == "vrs":
        A_eq, b_eq = row, [1.0]
    elif rts == "nirs":
        A_ub, b_ub = np.vstack([A_ub, row]), np.r_[b_ub, 1.0]
    elif rts == "ndrs":
        A_ub, b_ub = np.vstack([A_ub, -row]), np.r_[b_ub, -1.0]
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                  bounds=[(None, None)] + [(0, None)] * k, method="highs")
    if res.status == 2:
        return np.nan
    assert res.status == 0, res.message
    return res.x[0]


def frame(X: np.ndarray, Y: np.ndarray) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Arrays as a DEA table with columns x1.., y1.. and units u0, u1, ..."""
    xs = [f"x{i + 1}" for i in range(X.shape[1])]
    ys = [f"y{i + 1}" for i in range(Y.shape[1])]
    df = pd.DataFrame(np.c_[X, Y], columns=xs + ys)
    df.insert(0, "unit", [f"u{i}" for i in range(len(df))])
    return df, xs, ys


@pytest.fixture
def user(tmp_path: Path, monkeypatch) -> Path:
    """A user's folder, empty, as the current folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with its content hash (hidden ones included)."""
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``healthalloc ARGV`` in process: exit code, stdout, stderr (parser exits included), with
    warnings printed on stderr as in a terminal (pytest otherwise records them unshown)."""
    import sys
    import warnings

    from healthalloc.cli import main

    def show(message, category, filename, lineno, file=None, line=None):
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    saved, warnings.showwarning = warnings.showwarning, show
    try:
        code = main(argv)
    except SystemExit as stop:  # rejected while parsing the command line
        code = stop.code
    finally:
        warnings.showwarning = saved
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(argv: list[str], message: str, folder: Path, capsys) -> str:
    """The command exits 2 with exactly one ``error:`` line matching the regex ``message``,
    no traceback, and ``folder`` (the user's files) exactly as before; returns the line."""
    import re

    before = snapshot(folder)
    code, _, err = run_cli(argv, capsys)
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2, err
    assert len(lines) == 1, err
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert snapshot(folder) == before
    assert not list(folder.parent.glob(".*partial*"))
    return lines[0]


def assert_warns(argv: list[str], message: str, folder: Path, capsys) -> tuple[str, str]:
    """The command succeeds (exit 0) and prints exactly one ``warning:`` line matching the
    regex ``message`` and no ``error:`` line; returns (stdout, stderr)."""
    import re

    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    matching = [line for line in err.splitlines() if line.startswith("warning:") and re.search(message, line)]
    assert len(matching) == 1, err
    assert "error:" not in err and "Traceback" not in err, err
    return out, err
