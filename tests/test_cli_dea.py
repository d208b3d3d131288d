"""The ``healthalloc dea`` and ``healthalloc demo`` command-line contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import reference

from healthalloc.cli import main
from healthalloc.data import load_cst_hospitals

HOSP = ["--unit", "hospital", "--inputs", "doctors,nurses", "--outputs", "outpatients,inpatients"]


@pytest.fixture
def hospitals_csv(tmp_path: Path) -> Path:
    path = tmp_path / "hospitals.csv"
    load_cst_hospitals().to_csv(path, index=False)
    return path


def test_dea_writes_the_documented_columns(hospitals_csv, tmp_path):
    out = tmp_path / "scores.csv"
    assert main(["dea", str(hospitals_csv), *HOSP, "--rts", "vrs", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns[:2]) == ["unit", "efficiency"]
    assert {"slack_doctors", "target_inpatients", "peers", "peer_weights", "crs_efficiency",
            "scale_efficiency", "rts"} <= set(table.columns)
    np.testing.assert_allclose(table["efficiency"], load_cst_hospitals()["bcc_input_theta_computed"],
                               atol=1e-6)


def test_dea_output_orientation_panel_and_xlsx(tmp_path):
    data = pd.read_csv(reference("deap_eg4_data.csv"))
    path = tmp_path / "eg4.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "eg4.xlsx"
    args = ["dea", str(path), "--unit", "firm", "--by", "year", "--inputs", "x", "--outputs", "y",
            "--orientation", "output", "--rts", "vrs", "-o", str(out)]
    assert main(args) == 0
    table = pd.read_excel(out)
    assert list(table.columns[:4]) == ["unit", "year", "efficiency", "phi"]
    want = pd.read_csv(reference("deap_eg4_expected_distances.csv"))
    np.testing.assert_allclose(table["efficiency"], want["vrs_te"], atol=1e-3)
    np.testing.assert_allclose(table["crs_efficiency"], want["crs_te_rel_tech_t"], atol=1e-3)


def test_dea_prints_a_table_without_output_file(hospitals_csv, capsys):
    assert main(["dea", str(hospitals_csv), *HOSP, "--model", "super"]) == 0
    printed = capsys.readouterr().out
    assert "efficiency" in printed and "mean_efficiency" in printed


def test_dea_bad_input_is_one_line_error(hospitals_csv, capsys):
    code = main(["dea", str(hospitals_csv), "--unit", "hospital", "--inputs", "doctor",
                 "--outputs", "inpatients"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "hospitals.csv" in err and "doctors" in err


def test_help_teaches_with_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["dea", "--help"])
    text = capsys.readouterr().out
    assert "example:" in text and "--rts" in text and "scale_efficiency" in text


def test_demo_runs_as_a_console_script(tmp_path):
    exe = Path(sys.executable).with_name("healthalloc")
    done = subprocess.run([str(exe), "demo", "-o", str(tmp_path / "demo")], capture_output=True,
                          text=True, check=True)
    assert str((tmp_path / "demo" / "report.html").resolve()) in done.stdout
    scores = pd.read_csv(tmp_path / "demo" / "tables" / "bcc_scores.csv")
    assert len(scores) == 310 and set(scores["rts"]) <= {"irs", "crs", "drs"}


def test_dea_bootstrap_columns(hospitals_csv, tmp_path):
    out = tmp_path / "boot.csv"
    args = ["dea", str(hospitals_csv), *HOSP, "--rts", "vrs", "--bootstrap", "50", "--seed", "7",
            "-o", str(out)]
    assert main(args) == 0
    table = pd.read_csv(out)
    assert list(table.columns[-4:]) == ["bias", "bias_corrected", "ci_low", "ci_high"]
    assert (table["bias_corrected"] <= table["efficiency"] + 1e-12).all()
    assert (table["ci_low"] <= table["ci_high"]).all()
    again = tmp_path / "again.csv"
    assert main([*args[:-1], str(again)]) == 0
    pd.testing.assert_frame_equal(table, pd.read_csv(again))


@pytest.mark.parametrize("n", ["0", "-5", "many"])
def test_dea_bootstrap_needs_a_replication(hospitals_csv, n, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["dea", str(hospitals_csv), *HOSP, "--bootstrap", n])
    assert stop.value.code == 2
    assert {"0": "--bootstrap: n_boot must be ≥ 1, got 0", "-5": "--bootstrap: n_boot must be ≥ 1, got -5",
            "many": "--bootstrap: expected an integer, got 'many'"}[n] in capsys.readouterr().err


def test_dea_progress_bar_on_a_terminal_unless_quiet(hospitals_csv, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["dea", str(hospitals_csv), *HOSP, "--quiet"]) == 0
    assert "DEA" not in capsys.readouterr().err
    assert main(["dea", str(hospitals_csv), *HOSP]) == 0
    assert "DEA: 100%" in capsys.readouterr().err
