"""Bad inputs a user can give, across every subcommand and the study runner.

Each case runs the command line in a folder of the user's files and asserts the exit
status, the one-line message, and that no file outside the output was created, changed,
moved or deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthalloc.cli import main
from healthalloc.data import (load_china_provinces, load_cst_hospitals, load_deap_eg4, load_guangxi_2022,
                              load_guangxi_calibration, load_province_geography)
from healthalloc.data.output import MANIFEST

HOSP = ["--unit", "hospital", "--inputs", "doctors,nurses", "--outputs", "outpatients,inpatients"]
QCA = ["guangxi.csv", "--unit", "city", "--outcome", "efficiency",
       "--conditions", "gdp_per_capita,urbanization_rate,average_wage"]
EQUITY = ["provinces.csv", "--resource", "medical_health_beds", "--population", "permanent_population"]
TIERS = ["provinces.csv", "--unit", "province_code", "--by", "year",
         "--measure", "beds=hospital_beds:primary_healthcare_beds", "--group", "region"]
SPATIAL = ["provinces.csv", "--value", "beds_per_1000_people", "--unit", "province_code", "--by", "year",
           "--coords", "centroid_lon,centroid_lat", "--knn", "4", "--permutations", "9", "--seed", "1"]
MALMQUIST = ["eg4.csv", "--unit", "firm", "--period", "year", "--inputs", "x", "--outputs", "y"]
EG4_PANEL = ["eg4.csv", "--unit", "firm", "--by", "year", "--inputs", "x", "--outputs", "y"]
#: A study's progress lines on stderr ("[1/3] dea: DEA efficiency ...", "[1/3] dea done (0.2 s)").
PROGRESS = re.compile(r"\[\d+/\d+\] ")

STUDY = """\
[data]
source = "cst_hospitals"

[roles]
unit = "hospital"
inputs = ["doctors", "nurses"]
outputs = ["outpatients", "inpatients"]

[[analyses]]
type = "dea"
{extra}
"""


def study(extra: str = "") -> str:
    return STUDY.format(extra=extra)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A user's folder: data files, a study, and a folder of their own notes."""
    monkeypatch.chdir(tmp_path)
    load_cst_hospitals().to_csv("hospitals.csv", index=False)
    load_cst_hospitals().to_csv("data.csv", index=False)
    load_cst_hospitals().to_csv("semicolon.csv", index=False, sep=";")
    with pd.ExcelWriter("book.xlsx") as book:
        pd.DataFrame({"note": ["data are on the next sheet"]}).to_excel(book, sheet_name="readme", index=False)
        load_cst_hospitals().to_excel(book, sheet_name="hospitals", index=False)
    load_deap_eg4().to_csv("eg4.csv", index=False)
    load_guangxi_2022().to_csv("guangxi.csv", index=False)
    load_guangxi_calibration().drop(columns="code").to_csv("anchors.csv", index=False)
    load_guangxi_calibration().drop(columns=["code", "crossover"]).to_csv("bad_anchors.csv", index=False)
    geo = load_province_geography()[["adcode", "centroid_lon", "centroid_lat"]]
    load_china_provinces().merge(geo, left_on="province_code", right_on="adcode").to_csv(
        "provinces.csv", index=False)
    Path("study.toml").write_text(study(), encoding="utf-8")
    Path("notes").mkdir()
    Path("notes/thesis.txt").write_text("three years of work", encoding="utf-8")
    pd.DataFrame({"id": ["d1", "d2", "d3"], "population": [1000, 2000, 1500], "lon": [108.3, 108.5, 109.4],
                  "lat": [22.8, 22.9, 24.3]}).to_csv("demand.csv", index=False)
    pd.DataFrame({"id": ["s1", "s2"], "capacity": [50, 80], "lon": [108.4, 109.3],
                  "lat": [22.85, 24.2]}).to_csv("sites.csv", index=False)
    pd.DataFrame({"id": ["a", "b", "c", "d"], "HTH": [3, 1, 2, 0]}).to_csv("nodes.csv", index=False)
    pd.DataFrame({"from": ["a", "b", "c", "d"], "to": ["b", "c", "a", "a"]}).to_csv("edges.csv", index=False)
    pd.DataFrame({"from": ["a", "x"], "to": ["b", "a"]}).to_csv("edges_unknown.csv", index=False)
    pd.DataFrame({"person": [1, 2, 3], "origin": ["a", "b", "c"],
                  "destination": ["b", "c", "a"]}).to_csv("records.csv", index=False)
    Path("sub").mkdir()
    Path("sub/study.toml").write_text(study(), encoding="utf-8")
    Path("data_study.toml").write_text(study().replace('"cst_hospitals"', '"sub/hosp.csv"'), encoding="utf-8")
    load_cst_hospitals().to_csv("sub/hosp.csv", index=False)
    return tmp_path


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with its content hash."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def study_file(name: str, text: str) -> list[str]:
    Path(name).write_text(text, encoding="utf-8")
    return []


CASES = {
    # 1. nothing the user owns is deleted or moved
    "run into a foreign folder": (["run", "study.toml", "-o", "notes"], "not empty and was not written by healthalloc"),
    "run into the current folder": (["run", "study.toml", "-o", "."], "current folder"),
    "run into the parent folder": (["run", "study.toml", "-o", ".."], "current folder or contains it"),
    "run onto a data file": (["run", "study.toml", "-o", "data.csv"], "is a file, not a folder"),
    "run into the study's folder": (["run", "sub/study.toml", "-o", "sub"], "contains the input study.toml"),
    "run into the data's folder": (["run", "data_study.toml", "-o", "sub"], "contains the input hosp.csv"),
    "demo onto a file": (["demo", "-o", "data.csv"], "is a file, not a folder"),
    "demo into the current folder": (["demo", "-o", "."], "current folder"),
    "demo into a foreign folder": (["demo", "-o", "notes"], "not written by healthalloc"),
    "run in an unknown language": (["run", "study.toml", "--lang", "fr"], r"--lang: .*'fr'"),
    "demo in an unknown language": (["demo", "--lang", "fr"], r"--lang: .*'fr'"),
    "qca onto a file": (["qca", *QCA, "--anchors", "anchors.csv", "-o", "data.csv"], "is a file, not a folder"),
    "qca into a foreign folder": (["qca", *QCA, "--anchors", "anchors.csv", "-o", "notes"], "not written by"),
    "spatial onto a file": (["spatial", *SPATIAL, "-o", "data.csv"], "is a file, not a folder"),
    "spatial into the current folder": (["spatial", *SPATIAL, "-o", "."], "current folder"),
    "dea onto a folder": (["dea", "hospitals.csv", *HOSP, "-o", "notes"], "is a folder"),
    "dea onto its input": (["dea", "hospitals.csv", *HOSP, "-o", "hospitals.csv"], "is an input of this run"),
    "dea to an unknown type": (["dea", "hospitals.csv", *HOSP, "-o", "scores.txt"], "must end in .csv or .xlsx"),
    "dea below a file": (["dea", "hospitals.csv", *HOSP, "-o", "data.csv/scores.csv"], "data.csv"),
    "malmquist onto its input": (["malmquist", *MALMQUIST, "-o", "eg4.csv"], "is an input of this run"),
    "malmquist unknown reference": (["malmquist", *MALMQUIST, "--reference", "pooled"], "reference must be one of"),
    "dea window without a period": (["dea", "hospitals.csv", *HOSP, "--window", "2"], "--window needs --by"),
    "dea window of 0 periods": (["dea", *EG4_PANEL, "--window", "0"], "window must be ≥ 1"),
    "dea window longer than the panel": (["dea", *EG4_PANEL, "--window", "4"], "longer than the 3 periods"),
    "dea cross-efficiency under vrs": (["dea", "hospitals.csv", *HOSP, "--rts", "vrs", "--cross-efficiency",
                                        "simple"], "--cross-efficiency is CCR"),
    "dea unknown cross-efficiency": (["dea", "hospitals.csv", *HOSP, "--cross-efficiency", "neutral"],
                                     "secondary must be one of"),
    "dea undesirable also an output": (["dea", "hospitals.csv", *HOSP, "--model", "sbm", "--undesirable",
                                        "inpatients"], "listed both as an output and as undesirable"),
    "dea undesirable with the radial model": (["dea", "hospitals.csv", "--unit", "hospital", "--inputs",
                                               "doctors,nurses", "--outputs", "outpatients", "--undesirable",
                                               "inpatients"],
                                              "undesirable outputs need model 'sbm', 'super-sbm' or 'ddf'"),
    "dea undesirable unknown column": (["dea", "hospitals.csv", "--unit", "hospital", "--inputs", "doctors,nurses",
                                        "--outputs", "outpatients", "--model", "sbm", "--undesirable", "infections"],
                                       "infections"),
    "dea luenberger without bad outputs": (["dea", *EG4_PANEL, "--luenberger", "global"],
                                           "--luenberger needs --undesirable"),
    "dea window with bad outputs": (["dea", *EG4_PANEL, "--window", "2", "--undesirable", "x"],
                                    "without --bootstrap, --cross-efficiency, --undesirable"),
    "dea unknown luenberger reference": (["dea", *EG4_PANEL, "--undesirable", "x", "--luenberger", "sequential"],
                                         "reference must be one of"),
    "equity onto a folder": (["equity", *EQUITY, "-o", "notes"], "is a folder"),
    "sfa onto its input": (["sfa", "provinces.csv", "--output", "medical_health_beds", "--inputs", "registered_nurses",
                            "-o", "provinces.csv"], "is an input of this run"),
    "sfa of a zero input": (["sfa", "zero.csv", "--output", "outpatients", "--inputs", "doctors,nurses"],
                            r"non-positive.*SFA takes logs"),
    "second-stage onto its input": (["second-stage", "guangxi.csv", "--score", "efficiency", "--covariates",
                                    "gdp_per_capita", "-o", "guangxi.csv"], "is an input of this run"),
    "second-stage of an unknown method": (["second-stage", "guangxi.csv", "--score", "efficiency", "--covariates",
                                          "gdp_per_capita", "--method", "probit"], "method must be one of"),
    "tiers onto its input": (["tiers", *TIERS, "-o", "provinces.csv"], "is an input of this run"),
    "tiers onto a folder": (["tiers", *TIERS, "-o", "notes"], "is a folder"),
    "tiers unknown column": (["tiers", "provinces.csv", "--measure", "beds=hospital_bed:primary_healthcare_beds",
                              "-o", "t.csv"], "hospital_bed"),
    "tiers measure without a colon": (["tiers", "provinces.csv", "--measure", "beds=hospital_beds", "-o", "t.csv"],
                                      "HIGH:PRIMARY"),
    "tiers occupancy without a colon": (["tiers", *TIERS, "--occupancy", "hospital_beds", "-o", "t.csv"],
                                        "occupancy must name two columns as HIGH:PRIMARY"),
    "tiers unknown occupancy column": (["tiers", *TIERS, "--occupancy", "bed_occupancy:primary_occupancy",
                                        "-o", "t.csv"], "bed_occupancy"),
    "access onto its input": (["access", "--demand", "demand.csv", "--supply", "sites.csv", "--method", "2sfca",
                               "--catchment", "50", "-o", "demand.csv"], "is an input of this run"),
    "access onto a folder": (["access", "--demand", "demand.csv", "--supply", "sites.csv", "--method", "2sfca",
                              "--catchment", "50", "-o", "notes"], "is a folder"),
    "optimize onto a folder": (["optimize", "location", "--demand", "demand.csv", "--candidates", "sites.csv",
                                "--model", "mclp", "--p", "1", "--radius", "30", "-o", "notes"], "is a folder"),
    "ergm onto its input": (["ergm", "--nodes", "nodes.csv", "--edges", "edges.csv", "--directed", "--formula",
                             "edges", "-o", "edges.csv"], "is an input of this run"),
    "network build onto a file": (["network", "build", "records.csv", "--origin", "origin", "--destination",
                                   "destination", "-o", "data.csv"], "is a file, not a folder"),
    "network build into a foreign folder": (["network", "build", "records.csv", "--origin", "origin",
                                             "--destination", "destination", "-o", "notes"], "not written by"),
    "network centrality onto a folder": (["network", "centrality", "--nodes", "nodes.csv", "--edges", "edges.csv",
                                          "-o", "notes"], "is a folder"),
    "network centrality map onto a folder": (["network", "centrality", "--nodes", "nodes.csv", "--edges",
                                              "edges.csv", "--map", "notes"], "notes: is a folder"),
    "network centrality map of another type": (["network", "centrality", "--nodes", "nodes.csv", "--edges",
                                                "edges.csv", "--map", "map.pdf"], "must end in .png or .svg"),
    # 2. names from a study never become paths
    "study name escapes": (["run", "s.toml"], r"line 11.*'\.\./\.\./escaped' is not usable as a file"),
    "study name with a slash": (["run", "s2.toml"], r"line 11.*'a/b' is not usable"),
    "study names equal ignoring case": (["run", "s3.toml"], "used twice"),
    "study name too long": (["run", "s4.toml"], "at most 31"),
    # 4. nothing silently wrong
    "equity population unit 0": (["equity", *EQUITY, "--population-unit", "0"], "population.unit"),
    "equity population unit negative": (["equity", *EQUITY, "--population-unit", "-5"], "population.unit"),
    "qca reversed percentiles": (["qca", *QCA, "--percentiles", "0.1,0.5,0.85", "-o", "out"], "decreasing"),
    "dea bootstrap 0": (["dea", "hospitals.csv", *HOSP, "--bootstrap", "0"], "bootstrap|n_boot"),
    "dea bootstrap negative": (["dea", "hospitals.csv", *HOSP, "--bootstrap", "-5"], "bootstrap|n_boot"),
    "xlsx data on another sheet": (["dea", "book.xlsx", *HOSP], "sheet 'hospitals'"),
    # 5. errors name the file they concern
    "qca anchors file missing": (["qca", *QCA, "--anchors", "nope.csv", "-o", "out"], r"^error: nope\.csv"),
    "qca anchors file incomplete": (["qca", *QCA, "--anchors", "bad_anchors.csv", "-o", "out"], "crossover"),
    "dea data file missing": (["dea", "missing.csv", *HOSP], r"^error: missing\.csv"),
    "dea unknown column": (["dea", "hospitals.csv", "--unit", "hospital", "--inputs", "doctor",
                            "--outputs", "outpatients"], "did you mean 'doctors'"),
    "dea unknown file type": (["dea", "notes/thesis.txt", *HOSP], "unknown file type"),
    "dea non-positive input": (["dea", "zero.csv", *HOSP], "non-positive values in unit A"),
    "run missing study": (["run", "nope.toml"], "does not exist"),
    "run invalid toml": (["run", "bad.toml"], "not valid TOML"),
    "run unknown analysis": (["run", "s5.toml"], "did you mean 'dea'"),
    "run bad option type": (["run", "s6.toml"], "line 11.*rts"),
    "run missing data file": (["run", "s7.toml"], "neither an embedded data set nor a file"),
    "run option out of range": (["run", "s8.toml"], r"line 14, analyses\[1\]\.n_boot: n_boot must be ≥ 1, got 0"),
    "run missing anchors file": (["run", "s12.toml"], r"'nope\.csv' is neither an embedded data set nor a file"),
    "run unknown engine": (["run", "s11.toml"], r"line 2, study\.engine: engine must be one of"),
    "run role the analysis does not use": (["run", "s9.toml"], "dea does not use the role 'outcome'"),
    "run error while running names the analysis": (["run", "s10.toml"], r"line 9, analyses\[0\]: dea failed"),
    "spatial knn without coords": (["spatial", "provinces.csv", "--value", "beds_per_1000_people", "--unit",
                                    "province_code", "--by", "year", "--knn", "4", "-o", "out"], "needs coordinates"),
    "qca unknown condition": (["qca", "guangxi.csv", "--unit", "city", "--outcome", "efficiency",
                               "--conditions", "gdp", "--anchors", "anchors.csv", "-o", "out"], "gdp"),
    "malmquist unknown period": (["malmquist", "eg4.csv", "--unit", "firm", "--period", "yr", "--inputs", "x",
                                  "--outputs", "y"], "yr"),
    "access demand file missing": (["access", "--demand", "nope.csv", "--supply", "sites.csv", "--method",
                                    "2sfca", "--catchment", "50"], r"^error: nope\.csv"),
    "access negative catchment": (["access", "--demand", "demand.csv", "--supply", "sites.csv", "--method",
                                   "2sfca", "--catchment", "-5"], "catchment"),
    "optimize unknown population column": (["optimize", "location", "--demand", "demand.csv", "--candidates",
                                            "sites.csv", "--population", "pop", "--model", "pmedian", "--p", "1"],
                                           "pop"),
    "ergm unknown term": (["ergm", "--nodes", "nodes.csv", "--edges", "edges.csv", "--directed", "--formula",
                           "edges + nodeicovv('HTH')"], "nodeicov"),
    "ergm unknown attribute": (["ergm", "--nodes", "nodes.csv", "--edges", "edges.csv", "--directed",
                                "--formula", "edges + nodeicov('GDP')"], "GDP"),
    "ergm edges naming unknown nodes": (["ergm", "--nodes", "nodes.csv", "--edges", "edges_unknown.csv",
                                         "--directed", "--formula", "edges"], "x"),
    "network build unknown column": (["network", "build", "records.csv", "--origin", "from", "--destination",
                                      "destination", "-o", "net"], "from"),
    "network centrality boundaries without a map": (["network", "centrality", "--nodes", "nodes.csv", "--edges",
                                                     "edges.csv", "--boundaries", "provinces"], "give it with --map"),
    "network centrality boundaries missing": (["network", "centrality", "--nodes", "nodes.csv", "--edges",
                                               "edges.csv", "--map", "m.png", "--boundaries", "nope.geojson",
                                               "--id-property", "id"], r"nope\.geojson: no such file"),
    "network centrality boundaries not GeoJSON": (["network", "centrality", "--nodes", "nodes.csv", "--edges",
                                                   "edges.csv", "--map", "m.png", "--boundaries", "notes/thesis.txt",
                                                   "--id-property", "id"], "thesis.txt: not a GeoJSON file"),
    "network centrality boundaries without id property": (["network", "centrality", "--nodes", "nodes.csv",
                                                           "--edges", "edges.csv", "--map", "m.png", "--boundaries",
                                                           "notes/thesis.txt"], "needs id_property"),
    "network centrality nodes that are not prefectures": (["network", "centrality", "--nodes", "nodes.csv",
                                                           "--edges", "edges.csv", "--map", "m.png"],
                                                          "unknown names in the 'prefectures' geography"),
    "equity unknown resource": (["equity", "provinces.csv", "--resource", "bedz", "--population",
                                 "permanent_population"], "bedz"),
}

STUDIES = {
    "s.toml": study('name = "../../escaped"'),
    "s2.toml": study('name = "a/b"'),
    "s3.toml": study('name = "DEA"\n\n[[analyses]]\ntype = "dea"\nname = "dea"'),
    "s4.toml": study(f'name = "{"x" * 40}"'),
    "s5.toml": study().replace('type = "dea"', 'type = "dae"'),
    "s6.toml": study('rts = 3'),
    "s7.toml": study().replace('"cst_hospitals"', '"no_such_file.csv"'),
    "bad.toml": "[data\nsource = 1",
    "s8.toml": study('\n[[analyses]]\ntype = "dea_bootstrap"\nn_boot = 0'),
    "s9.toml": study('outcome = "doctors"'),
    "s11.toml": '[study]\nengine = "gpu"\n' + study(),
    "s12.toml": study('\n[[analyses]]\ntype = "qca"\noutcome = "dea.efficiency"\nconditions = ["doctors"]\n'
                      'anchors = "nope.csv"'),
    "s10.toml": study().replace('"cst_hospitals"', '"zero.csv"'),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_clear_line_and_touches_nothing(home, case, capsys):
    argv, message = CASES[case]
    for name, text in STUDIES.items():
        Path(name).write_text(text, encoding="utf-8")
    zero = load_cst_hospitals()
    zero.loc[0, "doctors"] = 0
    zero.to_csv("zero.csv", index=False)
    before = snapshot(home)
    try:
        code = main(argv)
    except SystemExit as stop:  # rejected while parsing the command line
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in err
    assert snapshot(home) == before
    assert not list(home.parent.glob(".*partial*"))


def test_the_matrix_covers_every_subcommand():
    from healthalloc.cli import SUBCOMMANDS

    used = {argv[0] for argv, _ in CASES.values()}
    names = set(SUBCOMMANDS)
    assert len(CASES) >= 40
    assert names - {"data"} <= used


def test_a_run_replaces_only_its_own_unchanged_output(home, capsys):
    assert main(["run", "study.toml", "-o", "out"]) == 0
    assert (home / "out" / MANIFEST).exists()
    first = snapshot(home / "out")
    assert main(["run", "study.toml", "-o", "out"]) == 0      # an earlier output: replaced
    assert set(snapshot(home / "out")) == set(first)
    (home / "out" / "mine.txt").write_text("my notes", encoding="utf-8")
    assert main(["run", "study.toml", "-o", "out"]) == 2
    assert "did not write (mine.txt)" in capsys.readouterr().err
    (home / "out" / "mine.txt").unlink()
    (home / "out" / "report.html").write_text("edited", encoding="utf-8")
    assert main(["run", "study.toml", "-o", "out"]) == 2
    assert "changed since healthalloc wrote them (report.html)" in capsys.readouterr().err
    assert (home / "out" / "report.html").read_text(encoding="utf-8") == "edited"
    assert [p.name for p in home.iterdir() if p.name.startswith(".")] == []


def test_an_empty_folder_may_be_used(home):
    (home / "empty").mkdir()
    assert main(["qca", *QCA, "--anchors", "anchors.csv", "-o", "empty"]) == 0
    assert (home / "empty" / "solutions.json").exists()


def test_a_single_file_output_replaces_an_earlier_file_only_with_overwrite(home):
    Path("scores.csv").write_text("old", encoding="utf-8")
    assert main(["dea", "hospitals.csv", *HOSP, "-o", "scores.csv"]) == 2
    assert Path("scores.csv").read_text(encoding="utf-8") == "old"
    assert main(["dea", "hospitals.csv", *HOSP, "-o", "scores.csv", "--overwrite"]) == 0
    assert list(pd.read_csv("scores.csv").columns[:2]) == ["unit", "efficiency"]
    assert sorted(p.name for p in home.iterdir() if p.name.startswith(".")) == []


def test_a_failed_run_leaves_nothing(home, monkeypatch, capsys):
    from healthalloc.study import runner

    def explode(*args, **kwargs):
        raise ValueError("the disk is full")

    monkeypatch.setattr(runner, "render_report", explode)
    before = snapshot(home)
    assert main(["run", "study.toml", "-o", "out"]) == 2
    assert "the disk is full" in capsys.readouterr().err
    assert snapshot(home) == before


def test_ctrl_c_is_one_line_exit_130_and_nothing_half_written(home, monkeypatch, capsys):
    from healthalloc.study import runner

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "render_report", interrupt)
    before = snapshot(home)
    assert main(["run", "study.toml", "-o", "out"]) == 130
    err = [line for line in capsys.readouterr().err.strip().splitlines() if line and not PROGRESS.match(line)]
    assert err == ["interrupted: nothing was written"]
    assert snapshot(home) == before


def test_output_piped_to_head_ends_quietly(home):
    rng = np.random.default_rng(7)
    big = pd.DataFrame(rng.uniform(1, 10, (3000, 4)), columns=["x1", "x2", "y1", "y2"])
    big.insert(0, "unit", [f"u{i}" for i in range(len(big))])
    big.to_csv("big.csv", index=False)
    command = (f"{Path(sys.executable).parent / 'healthalloc'} dea big.csv --unit unit --inputs x1,x2 "
               "--outputs y1,y2 | head -n 1")
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 141, done.stderr
    assert done.stdout.split()[0] == "unit"
    assert done.stderr == ""


@pytest.mark.parametrize("terminal", [True, False])
def test_run_shows_one_progress_line_per_analysis_with_or_without_a_terminal(home, monkeypatch, capsys, terminal):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: terminal)
    assert main(["run", "study.toml", "-o", "out"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "[1/1] dea: DEA efficiency ..." and re.fullmatch(r"\[1/1\] dea done \(\d+\.\d s\)", err[1]), err
    assert main(["run", "study.toml", "-o", "out", "--quiet"]) == 0
    assert "[1/1]" not in capsys.readouterr().err


def test_a_defect_is_one_line_unless_debugging(home, monkeypatch, capsys):
    from healthalloc.study import runner

    def defect(*args, **kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(runner, "render_report", defect)
    assert main(["run", "study.toml", "-o", "out"]) == 1
    err = [line for line in capsys.readouterr().err.strip().splitlines() if line and not PROGRESS.match(line)]
    assert len(err) == 1 and "internal error (TypeError: unsupported operand)" in err[0]
    monkeypatch.setenv("HEALTHALLOC_DEBUG", "1")
    with pytest.raises(TypeError):
        main(["run", "study.toml", "-o", "out"])


def test_outputs_get_the_usual_permissions(home):
    old = os.umask(0o022)
    try:
        assert main(["dea", "hospitals.csv", *HOSP, "-o", "scores.csv"]) == 0
        assert main(["qca", *QCA, "--anchors", "anchors.csv", "-o", "qca_out"]) == 0
    finally:
        os.umask(old)
    assert (home / "scores.csv").stat().st_mode & 0o777 == 0o644
    assert (home / "qca_out").stat().st_mode & 0o777 == 0o755


def test_a_study_role_on_another_sheet_says_which(home, capsys):
    Path("sheet.toml").write_text(study().replace('"cst_hospitals"', '"book.xlsx"'), encoding="utf-8")
    assert main(["run", "sheet.toml", "-o", "out"]) == 2
    assert "on sheet 'hospitals' of book.xlsx" in capsys.readouterr().err


def test_the_warning_format_is_restored_after_a_command(home):
    import warnings

    before = warnings.formatwarning
    assert main(["dea", "hospitals.csv", *HOSP]) == 0
    assert warnings.formatwarning is before
