"""Shared test fixtures: reference files (copied from shared/data, see SOURCES.md there)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog

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
