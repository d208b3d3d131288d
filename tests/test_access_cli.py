"""The 'healthalloc access' and 'healthalloc optimize' command-line contracts: columns,
summary JSON keys, exit status and one error line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthalloc.cli import main


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    n, m = 120, 8
    out = {
        "demand": pd.DataFrame({"id": range(n), "pop": rng.integers(100, 5000, n),
                                "lon": rng.uniform(104, 105, n), "lat": rng.uniform(30, 31, n)}),
        "supply": pd.DataFrame({"id": [f"s{k}" for k in range(m)], "beds": rng.integers(10, 300, m),
                                "lo": 5, "hi": 500, "lon": rng.uniform(104, 105, m), "lat": rng.uniform(30, 31, m)}),
        "candidates": pd.DataFrame({"id": [f"c{k}" for k in range(10)], "lon": rng.uniform(104, 105, 10),
                                    "lat": rng.uniform(30, 31, 10)}),
    }
    paths = {}
    for name, frame in out.items():
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths


def _run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # usage errors
        code = exc.code
    return code, capsys.readouterr()


@pytest.mark.parametrize("method, extra", [("2sfca", []), ("e2sfca", ["--decay", "gaussian"]),
                                           ("3sfca", ["--steps", "10:1,20:0.68,30:0.22"]),
                                           ("huff2sfca", ["--decay", "power", "--beta", "1.5"])])
def test_access_columns(files, tmp_path, capsys, method, extra):
    out = tmp_path / "access.csv"
    code, _ = _run(capsys, "access", "--demand", files["demand"], "--supply", files["supply"], "--population", "pop",
                   "--capacity", "beds", "--method", method, "--catchment", 40, *extra, "-o", out)
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns[:2]) == ["id", "access"]
    assert len(table) == 120 and (table["access"] >= 0).all()


def test_access_with_od(tmp_path, capsys):
    pd.DataFrame({"id": ["a", "b"], "population": [100, 300]}).to_csv(tmp_path / "d.csv", index=False)
    pd.DataFrame({"id": ["h", "g"], "capacity": [8, 2]}).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"origin": ["a", "b", "b"], "destination": ["h", "h", "g"],
                  "cost": [5, 10, 20]}).to_csv(tmp_path / "od.csv", index=False)
    code, _ = _run(capsys, "access", "--demand", tmp_path / "d.csv", "--supply", tmp_path / "s.csv", "--od",
                   tmp_path / "od.csv", "--method", "2sfca", "--catchment", 25, "-o", tmp_path / "a.csv")
    assert code == 0
    assert pd.read_csv(tmp_path / "a.csv")["access"].tolist() == pytest.approx([0.02, 0.02 + 2 / 300])


@pytest.mark.parametrize("model, extra", [("mclp", ["--p", 2, "--radius", 15]), ("pmedian", ["--p", 2]),
                                          ("lscp", ["--radius", 80])])
def test_optimize_location_contract(files, tmp_path, capsys, model, extra):
    out = tmp_path / "chosen.csv"
    code, _ = _run(capsys, "optimize", "location", "--demand", files["demand"], "--population", "pop",
                   "--candidates", files["candidates"], "--existing", files["supply"], "--model", model, *extra,
                   "--time-limit", 30, "-o", out)
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns[:2]) == ["id", "selected"] and set(table["selected"]) <= {0, 1}
    summary = json.loads((tmp_path / "chosen.summary.json").read_text())
    assert {"model", "objective", "covered_population", "n_selected", "status", "gap"} <= set(summary)
    assert summary["model"] == model and summary["n_selected"] == table["selected"].sum()


def test_optimize_capacity_contract(files, tmp_path, capsys):
    out = tmp_path / "beds.xlsx"
    code, _ = _run(capsys, "optimize", "capacity", "--demand", files["demand"], "--population", "pop",
                   "--supply", files["supply"], "--capacity", "beds", "--method", "2sfca", "--catchment", 40,
                   "--min", "lo", "--max", "hi", "-o", out)
    assert code == 0
    table = pd.read_excel(out)
    assert list(table.columns[:3]) == ["id", "capacity_before", "capacity_after"]
    assert table["capacity_after"].sum() == pytest.approx(table["capacity_before"].sum())
    summary = json.loads((tmp_path / "beds.summary.json").read_text())
    assert {"objective_before", "objective_after", "gini_before", "gini_after"} <= set(summary)
    assert summary["objective_after"] <= summary["objective_before"]


@pytest.mark.parametrize("argv, message", [
    (["access", "--method", "2sfca"], "the following arguments are required: --demand, --supply"),
    (["access", "--demand", "{demand}", "--supply", "{supply}", "--population", "pop", "--method", "2sfca",
      "--catchment", "40"], "supply.csv: unknown column 'capacity'"),
    (["access", "--demand", "{demand}", "--supply", "{supply}", "--capacity", "beds", "--population", "pop",
      "--method", "2sfca", "--catchment", "-3"], "argument --catchment: catchment must be > 0"),
    (["optimize", "location", "--demand", "{demand}", "--population", "pop", "--candidates", "{candidates}",
      "--model", "lscp", "--radius", "1"], "lscp: demand points"),
    (["optimize", "capacity", "--demand", "{demand}", "--population", "pop", "--supply", "{supply}",
      "--capacity", "beds", "--method", "2sfca", "--catchment", "40", "--min", "lo", "--total", "10"],
     "infeasible: the lower bounds sum to 40, above the total 10"),
    (["optimize", "location", "--demand", "{demand}", "--population", "pop", "--candidates", "{candidates}",
      "--model", "mclp", "--p", "2", "--radius", "10", "-o", "{demand}"], "is an input of this run"),
])
def test_bad_input_is_one_error_line(files, capsys, argv, message):
    code, captured = _run(capsys, *[a.format(**{k: str(v) for k, v in files.items()}) for a in argv])
    assert code == 2
    lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in captured.err
