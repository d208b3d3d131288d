"""``healthalloc malmquist``: written columns and values, printed means, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import dea_jl

from healthalloc.cli import main

COLUMNS = ["unit", "period_from", "period_to", "effch", "techch", "pech", "sech", "tfpch"]

# DataEnvelopmentAnalysis.jl test/malmquist.jl, 3-period example (lines 51–58): 5 DMUs, one
# input and one output; its expected tfpch (line 67) is the same in both orientations (CRS).
JL_TFPCH = next(t for t in dea_jl()["tests"] if t["file"] == "malmquist.jl" and t["line"] == 67)


@pytest.fixture
def panel(tmp_path: Path) -> Path:
    sets = {d["id"]: d["value"] for d in dea_jl()["datasets"]}
    refs = JL_TFPCH["data_refs"]
    df = pd.concat([
        pd.DataFrame({"hospital": list("ABCDE"), "year": 2020 + t,
                      "beds": sets[x], "visits": sets[y]})
        for t, (x, y) in enumerate(zip(refs["X[:,:,t]"], refs["Y[:,:,t]"]))
    ])
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    return path


def _args(path: Path, *extra: str) -> list[str]:
    return ["malmquist", str(path), "--unit", "hospital", "--period", "year",
            "--inputs", "beds", "--outputs", "visits", *extra]


def _check_table(table: pd.DataFrame) -> None:
    assert list(table.columns) == COLUMNS
    assert table[["period_from", "period_to"]].drop_duplicates().to_numpy().tolist() == \
        [[2020, 2021], [2021, 2022]]
    got = table.pivot(index="unit", columns="period_from", values="tfpch").to_numpy()
    np.testing.assert_allclose(got, JL_TFPCH["expected"], atol=1e-6)
    np.testing.assert_allclose(table["tfpch"], table["effch"] * table["techch"], rtol=1e-9)


@pytest.mark.parametrize("orientation", ["input", "output"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_writes_indices(panel, tmp_path, capsys, orientation, suffix):
    out = tmp_path / f"m{suffix}"
    assert main(_args(panel, "--orientation", orientation, "-o", str(out))) == 0
    table = pd.read_csv(out) if suffix == ".csv" else pd.read_excel(out)
    _check_table(table)
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert "2020→2021" in printed and "2021→2022" in printed and "overall" in printed
    assert f"{orientation} orientation" in printed


def test_prints_table_without_output_file(panel, capsys):
    assert main(_args(panel)) == 0
    printed = capsys.readouterr().out
    header = printed.splitlines()[0].split()
    assert header == COLUMNS
    assert "overall" in printed


def test_bad_input_is_one_line_error(panel, tmp_path, capsys):
    gappy = pd.read_csv(panel).iloc[1:]
    path = tmp_path / "gappy.csv"
    gappy.to_csv(path, index=False)
    assert main(_args(path)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "balanced panel" in err and "A (2020)" in err
    assert main(["malmquist", str(panel), "--unit", "hospital", "--period", "yr",
                 "--inputs", "beds", "--outputs", "visits"]) == 2
    assert "unknown column 'yr'" in capsys.readouterr().err


def test_console_script(panel, tmp_path):
    exe = Path(sys.executable).with_name("healthalloc")
    out = tmp_path / "m.csv"
    run = subprocess.run([str(exe), *_args(panel, "--orientation", "output", "-o", str(out))],
                         capture_output=True, text=True, check=True)
    assert "overall" in run.stdout
    _check_table(pd.read_csv(out))
    helptext = subprocess.run([str(exe), "malmquist", "--help"], capture_output=True, text=True,
                              check=True).stdout
    assert "example:" in helptext and "tfpch" in helptext


def test_malmquist_progress_bar_on_a_terminal_unless_quiet(panel, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(_args(panel, "--quiet")) == 0
    assert "Malmquist" not in capsys.readouterr().err
    assert main(_args(panel)) == 0
    assert "Malmquist: 100%" in capsys.readouterr().err
