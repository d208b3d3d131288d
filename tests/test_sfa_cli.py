"""``healthalloc sfa``: its --help example runs as written and every claim of its help holds;
the files it writes; the study analysis ``sfa`` gives the direct call's numbers."""

from __future__ import annotations

import json
import shlex
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthalloc.cli.sfa import EXAMPLE
from healthalloc.data import load_china_provinces
from healthalloc.efficiency.sfa import sfa
from healthalloc.study import run_study

from conftest import assert_refused, run_cli, snapshot

PANEL = ["provinces.csv", "--unit", "province_en", "--by", "year"]
BEDS = ["--output", "medical_health_beds", "--inputs", "licensed_assistant_physicians,registered_nurses"]


def _example_commands() -> list[list[str]]:
    lines = EXAMPLE.replace("\\\n", " ").splitlines()
    return [shlex.split(line)[1:] for line in lines if line.startswith("  healthalloc ")]


def test_the_help_example_runs_as_written_and_writes_what_it_says(user, capsys):
    commands = _example_commands()
    assert [argv[0] for argv in commands] == ["data", "sfa"]
    for argv in commands:
        code, out, err = run_cli(argv, capsys)
        assert code == 0, err
    assert out.splitlines()[1].startswith("A cobb-douglas production frontier with half-normal inefficiency (310 "
                                          "observations)")
    units = pd.read_csv("sfa.csv")
    assert list(units.columns) == ["unit", "efficiency", "year", "efficiency_jlms", "inefficiency"]
    assert len(units) == 310 and ((units.efficiency > 0) & (units.efficiency <= 1)).all()
    coef = pd.read_csv("sfa.coef.csv")
    assert list(coef.columns) == ["term", "estimate", "std_error", "z", "p_value"]
    assert list(coef.term) == ["(Intercept)", "log(licensed_assistant_physicians)", "log(registered_nurses)",
                               "sigma2", "gamma"]
    summary = json.loads(Path("sfa.summary.json").read_text())
    assert list(summary)[:7] == ["loglik", "sigma2", "gamma", "lambda", "lr_test_statistic", "lr_test_p_value",
                                 "nobs"]
    direct = sfa(load_china_provinces(), "medical_health_beds", ["licensed_assistant_physicians",
                                                                 "registered_nurses"], unit="province_en", by="year")
    assert summary["loglik"] == pytest.approx(direct.loglik, rel=1e-12) and summary["nobs"] == 310
    np.testing.assert_allclose(coef.estimate, direct.coefficients.estimate, rtol=1e-12)
    # lambda = sigma_u / sigma_v and gamma = sigma_u^2 / sigma2, as the help defines them
    assert summary["lambda"] == pytest.approx(np.sqrt(summary["gamma"] / (1 - summary["gamma"])), rel=1e-9)
    assert f"mean technical efficiency {direct.units.efficiency.mean():.3f}" in out


def test_help_claims_translog_cost_determinants_and_panel(user, capsys):
    """translog adds 0.5*ln(x)^2 and the cross product; --cost fits ln C = x'b + v + u (the
    production frontier of 1/C with the signs of b turned, as tests/test_sfa_properties.py
    shows); --determinants adds Z_ terms with an intercept; --panel time-varying adds eta."""
    data = load_china_provinces()
    data.to_csv("provinces.csv", index=False)
    code, _, err = run_cli(["sfa", *PANEL, *BEDS, "--form", "translog", "-o", "tl.csv"], capsys)
    assert code == 0, err
    assert {"0.5*log(registered_nurses)^2", "log(licensed_assistant_physicians):log(registered_nurses)"} <= set(
        pd.read_csv("tl.coef.csv").term)
    code, _, err = run_cli(["sfa", *PANEL, *BEDS, "--cost", "-o", "cost.csv"], capsys)
    assert code == 0, err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        direct = sfa(data, "medical_health_beds", ["licensed_assistant_physicians", "registered_nurses"],
                     unit="province_en", by="year", cost=True)
    np.testing.assert_allclose(pd.read_csv("cost.csv").efficiency, direct.units.efficiency, rtol=1e-12)
    assert json.loads(Path("cost.summary.json").read_text())["frontier"] == "cost"
    code, _, err = run_cli(["sfa", *PANEL, *BEDS, "--determinants", "beds_per_1000_people", "-o", "z.csv"], capsys)
    assert code == 0, err
    assert {"Z_(Intercept)", "Z_beds_per_1000_people"} <= set(pd.read_csv("z.coef.csv").term)
    code, _, err = run_cli(["sfa", *PANEL, *BEDS, "--panel", "time-varying", "-o", "bc92.csv"], capsys)
    assert code == 0, err
    assert "eta" in set(pd.read_csv("bc92.coef.csv").term)
    assert json.loads(Path("bc92.summary.json").read_text())["panel"] == "time-varying"


def test_without_o_it_prints_the_efficiencies_and_the_reading(user, capsys):
    load_china_provinces().to_csv("provinces.csv", index=False)
    code, out, err = run_cli(["sfa", *PANEL, *BEDS], capsys)
    assert code == 0, err
    assert out.split()[:5] == ["unit", "efficiency", "year", "efficiency_jlms", "inefficiency"]
    assert "LR test of no inefficiency" in out
    assert sorted(p.name for p in user.iterdir()) == ["provinces.csv"]


def test_outputs_are_replaced_only_with_overwrite(user, capsys):
    load_china_provinces().to_csv("provinces.csv", index=False)
    assert run_cli(["sfa", *PANEL, *BEDS, "-o", "s.csv"], capsys)[0] == 0
    assert_refused(["sfa", *PANEL, *BEDS, "-o", "s.csv"], r"exists.*--overwrite", user, capsys)
    before = snapshot(user)
    assert run_cli(["sfa", *PANEL, *BEDS, "--form", "translog", "-o", "s.csv", "--overwrite"], capsys)[0] == 0
    assert snapshot(user)["s.coef.csv"] != before["s.coef.csv"]


@pytest.mark.parametrize("argv, message", [
    (["--output", "medical_health_bed", "--inputs", "registered_nurses"], "medical_health_bed"),
    (["--output", "medical_health_beds", "--inputs", "registered_nurses", "--distribution", "gamma"],
     "--distribution: .*must be one of half-normal, truncated-normal, exponential"),
    (["--output", "medical_health_beds", "--inputs", "registered_nurses", "--distribution", "exponential",
      "--determinants", "beds_per_1000_people"], "cannot go with distribution='exponential'"),
])
def test_bad_input_is_one_line(user, capsys, argv, message):
    load_china_provinces().to_csv("provinces.csv", index=False)
    assert_refused(["sfa", *PANEL, *argv, "-o", "s.csv"], message, user, capsys)


def test_a_zero_is_refused_because_sfa_takes_logs(user, capsys):
    data = load_china_provinces()
    data.loc[5, "registered_nurses"] = 0
    data.to_csv("provinces.csv", index=False)
    line = assert_refused(["sfa", *PANEL, *BEDS, "-o", "s.csv"], "non-positive", user, capsys)
    assert "SFA takes logs of the output and inputs" in line and "Beijing/2019" in line


def test_study_analysis_equals_the_direct_call(tmp_path):
    study = {"data": {"source": "china_provinces"},
             "roles": {"unit": "province_en", "period": "year",
                       "inputs": ["licensed_assistant_physicians", "registered_nurses"]},
             "analyses": [{"type": "sfa", "output": "medical_health_beds", "distribution": "exponential"}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, tmp_path / "out", progress=False)
    sec = {s.name: s for s in result.sections}["sfa"]
    direct = sfa(load_china_provinces(), "medical_health_beds", ["licensed_assistant_physicians",
                                                                 "registered_nurses"], unit="province_en", by="year",
                 distribution="exponential")
    assert list(sec.tables) == ["coefficients", "fit", "efficiencies"]
    pd.testing.assert_frame_equal(sec.tables["coefficients"], direct.coefficients)
    pd.testing.assert_frame_equal(sec.tables["efficiencies"], direct.to_frame())
    assert sec.reading == direct.reading() and set(sec.figures) == {"ranked", "density"}
    assert (tmp_path / "out" / "tables" / "sfa_coefficients.csv").is_file()
