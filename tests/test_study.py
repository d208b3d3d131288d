"""Study files: up-front validation, outputs, atomic writing, escaping, the demo, a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from healthalloc.cli import main
from healthalloc.data import load_cst_hospitals
from healthalloc.study import StudyError, run_study

HOSPITALS = """\
[study]
title = "Hospitals"

[data]
source = "cst_hospitals"

[roles]
unit = "hospital"
inputs = ["doctors", "nurses"]
outputs = ["outpatients", "inpatients"]

[[analyses]]
type = "dea"
rts = "vrs"
"""


def write(tmp_path: Path, text: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("edit,line,message", [
    (lambda s: s.replace('type = "dea"', 'type = "dae"'), 13, "did you mean 'dea'"),
    (lambda s: s + 'orientaton = "input"\n', 15, "did you mean 'orientation'"),
    (lambda s: s.replace('rts = "vrs"', 'rts = "variable"'), 14, "must be one of"),
    (lambda s: s.replace('"nurses"]', '"nurse"]'), 9, "no column 'nurse' in the data; did you mean 'nurses'"),
    (lambda s: s.replace('outputs = ["outpatients"', 'outputs = ["doctors"'), 10, "both inputs and outputs"),
    (lambda s: s.replace('source = "cst_hospitals"', 'source = "cst_hospital"'), 5, "cst_hospitals"),
    (lambda s: s + 'model = 3\n', 15, "must be one of"),
    (lambda s: s.replace("[roles]", "[role]"), 7, "did you mean 'roles'"),
])
def test_errors_point_at_the_line_and_key(tmp_path, edit, line, message):
    path = write(tmp_path, edit(HOSPITALS))
    with pytest.raises(StudyError) as err:
        run_study(path, tmp_path / "out")
    text = str(err.value)
    assert text.startswith(f"study.toml, line {line},"), text
    assert message in text
    assert not (tmp_path / "out").exists()  # validated before any work or writing


def test_missing_role_and_later_reference(tmp_path):
    path = write(tmp_path, HOSPITALS.replace('unit = "hospital"\n', ""))
    with pytest.raises(StudyError, match="needs the role 'unit'"):
        run_study(path, tmp_path / "out")
    later = HOSPITALS.replace('[[analyses]]\ntype = "dea"', '[[analyses]]\ntype = "qca"\n'
                              'outcome = "dea.efficiency"\nconditions = ["doctors"]\n'
                              'percentiles = [0.85, 0.5, 0.1]\n\n[[analyses]]\ntype = "dea"')
    with pytest.raises(StudyError, match="runs later"):
        run_study(write(tmp_path, later), tmp_path / "out")


def test_file_is_data_not_code(tmp_path):
    path = write(tmp_path, HOSPITALS.replace('unit = "hospital"', 'unit = "__import__(\'os\').getcwd()"'))
    with pytest.raises(StudyError, match="no column"):
        run_study(path, tmp_path / "out")
    with pytest.raises(StudyError, match="not valid TOML"):
        run_study(write(tmp_path, "[data\nsource = 1"), tmp_path / "out")


def test_outputs_and_provenance(tmp_path):
    out = tmp_path / "out"
    result = run_study(write(tmp_path, HOSPITALS + "\n[[analyses]]\ntype = \"dea_bootstrap\"\n"
                                                    "n_boot = 30\n"), out)
    assert result.output == out
    tables = sorted(p.name for p in (out / "tables").glob("*.csv"))
    assert "dea_scores.csv" in tables and "dea_bootstrap_scores.csv" in tables
    scores = pd.read_csv(out / "tables" / "dea_scores.csv")
    assert scores["efficiency"].round(4).tolist() == load_cst_hospitals()["bcc_input_theta_computed"].round(4).tolist()
    sheets = pd.read_excel(out / "results.xlsx", sheet_name=None)
    assert set(sheets) == {p.removesuffix(".csv") for p in tables}
    resolved = tomllib.loads((out / "study.resolved.toml").read_text(encoding="utf-8"))
    assert resolved["analyses"][0]["orientation"] == "input"  # defaults filled in
    assert resolved["analyses"][1]["n_boot"] == 30
    assert "numpy" in resolved["provenance"]["packages"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<section") == 3 and "Data dictionary" in html  # 2 analyses + dictionary
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_failed_run_leaves_no_folder_and_keeps_the_old_one(tmp_path):
    out = tmp_path / "out"
    run_study(write(tmp_path, HOSPITALS), out)
    before = (out / "report.html").read_text(encoding="utf-8")
    bad = HOSPITALS + '\n[[analyses]]\ntype = "qca"\noutcome = "dea.efficiency"\nconditions = ["doctors"]\n' \
                      'anchors = "no_such_anchors.csv"\n'
    with pytest.raises(Exception):
        run_study(write(tmp_path, bad), out)
    assert (out / "report.html").read_text(encoding="utf-8") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_user_text_is_escaped(tmp_path):
    data = load_cst_hospitals()
    data.loc[0, "hospital"] = "<script>alert(1)</script>"
    data.to_csv(tmp_path / "h.csv", index=False)
    text = HOSPITALS.replace('source = "cst_hospitals"', 'source = "h.csv"').replace(
        'title = "Hospitals"', 'title = "A & B <b>bold</b>"')
    run_study(write(tmp_path, text), tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>A &amp; B &lt;b&gt;bold&lt;/b&gt;</title>" in html


def test_dea_efficiency_feeds_qca(tmp_path):
    text = HOSPITALS.replace('rts = "vrs"', 'rts = "crs"') + ('\n[[analyses]]\ntype = "qca"\noutcome = "dea.efficiency"\n'
                        'conditions = ["doctors", "nurses", "outpatients"]\npercentiles = [0.85, 0.5, 0.1]\n'
                        'incl_cut = 0.7\npri_cut = 0.5\nadjust_crossover = true\n')
    result = run_study(write(tmp_path, text), tmp_path / "out")
    qca = result.sections[1]
    assert "efficiency" in qca.title
    calibrated = pd.read_csv(tmp_path / "out" / "tables" / "qca_calibrated.csv")
    assert "efficiency" in calibrated.columns


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    return out


def test_demo_covers_every_analysis(demo):
    html = (demo / "report.html").read_text(encoding="utf-8")
    for title in ("DEA efficiency", "Malmquist", "Equity of", "Spatial–temporal evolution",
                  "Bootstrapped", "Fuzzy-set QCA of efficiency", "Fuzzy-set QCA of ~efficiency",
                  "Data dictionary"):
        assert title in html, title
    assert "SIMULATED" in html  # the header says which columns are simulated
    assert len(list((demo / "figures").glob("*.svg"))) == len(list((demo / "figures").glob("*.png"))) > 3


def test_example_studies_run(tmp_path):
    examples = Path(__file__).parents[1] / "examples"
    for study in sorted(examples.glob("*.toml")):
        result = run_study(study, tmp_path / study.stem)
        assert result.report.exists(), study


def test_report_renders_in_chromium(demo, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed here: the browser test needs it "
                    "(apt-get install chromium); .ci/run installs it where it can")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    url = (demo / "report.html").resolve().as_uri()
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120).stdout
    assert 'data-broken="0"' in dom
    figures = int(re.search(r'data-figures="(\d+)"', dom).group(1))
    assert figures == len(list((demo / "figures").glob("*.svg")))
    html = (demo / "report.html").read_text(encoding="utf-8")
    assert dom.count("<section") == html.count("<section")
    shot = demo / "report.png"
    subprocess.run([browser, *flags, "--window-size=1280,4000", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000


def test_engine_settings_give_identical_results(tmp_path):
    path = write(tmp_path, HOSPITALS.replace('title = "Hospitals"', 'title = "Hospitals"\nengine = "processes"\nworkers = 2'))
    run_study(path, tmp_path / "processes")
    assert main(["run", str(path), "-o", str(tmp_path / "serial"), "--engine", "serial"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "processes" / "tables" / "dea_scores.csv"),
                                  pd.read_csv(tmp_path / "serial" / "tables" / "dea_scores.csv"))
    resolved = tomllib.loads((tmp_path / "processes" / "study.resolved.toml").read_text(encoding="utf-8"))
    assert resolved["study"]["engine"] == "processes"
