"""Study analyses of the planning and network half say what their tables hold."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from healthalloc.study import run_study
from healthalloc.study.spec import StudyError

from conftest import assert_refused
from test_study_sources import STUDY

NETWORK = """\
[data]
source = "nodes.csv"
[roles]
unit = "id"
[[analyses]]
type = "network"
name = "mobility"
records = "records.csv"
binarize = "threshold"
threshold = 2
"""



def test_the_ties_row_of_the_network_summary_is_the_flow_of_the_ties_kept(user):
    pd.DataFrame({"id": list("abc")}).to_csv("nodes.csv", index=False)
    # a→b 3 times, b→c twice, c→a once: with flow ≥ 2, ties a→b (3) and b→c (2)
    pd.DataFrame({"origin": list("aaabbc"), "destination": list("bbbcca")}).to_csv("records.csv", index=False)
    Path("s.toml").write_text(NETWORK, encoding="utf-8")
    result = run_study("s.toml", "out", progress=False)
    summary = result.sections[0].tables["summary"].set_index("network")
    assert summary.loc["flows", "total_flow"] == 6 and summary.loc["flows", "ties"] == 3
    assert summary.loc["ties", "total_flow"] == 5 and summary.loc["ties", "ties"] == 2
    Path("s.toml").write_text(NETWORK.replace("threshold = 2", "value = 2"), encoding="utf-8")
    with pytest.warns(FutureWarning, match="option 'value' of mobility is now called 'threshold'"):
        older = run_study("s.toml", "out2", progress=False)  # the older key still works, for one release
    pd.testing.assert_frame_equal(older.sections[0].tables["summary"], result.sections[0].tables["summary"])


def test_access_with_nobody_in_reach_reads_as_undefined_not_nan(user):
    pd.DataFrame({"id": ["d1", "d2"], "population": [10, 20], "lon": [108.0, 109.0],
                  "lat": [22.0, 23.0]}).to_csv("demand.csv", index=False, encoding="gb18030")
    pd.DataFrame({"id": ["s1"], "beds": [5], "lon": [110.0], "lat": [24.0]}).to_csv("sites.csv", index=False)
    Path("s.toml").write_text(STUDY.format(supply='"sites.csv"').replace("60.0", "0.001"), encoding="utf-8")
    with pytest.warns(UserWarning, match="no demand point has a site in reach"):
        result = run_study("s.toml", "out", progress=False)
    reading = result.sections[0].reading
    assert "undefined" in reading and "nan" not in reading.lower()
    assert (result.sections[0].tables["access"]["access"] == 0).all()


def test_an_ergm_study_whose_models_all_fail_to_converge_says_so(user):
    cliques = [list(range(0, 12)), list(range(12, 24))]
    pairs = [(a, b) for group in cliques for a in group for b in group if a < b] + [(0, 12), (5, 20)]
    pd.DataFrame({"id": range(24)}).to_csv("nodes.csv", index=False)
    pd.DataFrame(pairs, columns=["origin", "destination"]).to_csv("records.csv", index=False)
    Path("s.toml").write_text(NETWORK.replace('binarize = "threshold"\nthreshold = 2\n', 'binarize = "any"\ndirected = false\n')
                              + '\n[[analyses]]\ntype = "ergm"\nedges = "mobility.ties"\nsample_size = 200\n'
                              'nsim = 10\n[analyses.models]\n"Model 1" = "edges + triangle"\n', encoding="utf-8")
    with pytest.warns(UserWarning, match="not converge"):
        result = run_study("s.toml", "out", progress=False)
    ergm = result.sections[1]
    assert "none converged" in ergm.reading and "gof" not in ergm.tables
    assert not ergm.tables["coefficients"]["converged"].any()


def test_a_solver_that_finds_nothing_in_time_is_named_with_its_analysis(user):
    pd.DataFrame({"id": ["a", "b", "c"], "population": [100, 300, 600], "lon": [104.0, 104.3, 110.0],
                  "lat": [30.0, 30.0, 35.0]}).to_csv("demand.csv", index=False, encoding="gb18030")
    pd.DataFrame({"id": ["h", "k"], "beds": [8, 5], "lon": [104.1, 110.01], "lat": [30.0, 35.0]}).to_csv(
        "sites.csv", index=False)
    study = STUDY.format(supply='"sites.csv"').replace('type = "access"', 'type = "capacity"')
    Path("s.toml").write_text(study + 'objective = "shortfall"\ninteger = true\ntime_limit = 0.000001\n',
                              encoding="utf-8")
    with pytest.raises(StudyError, match=r"s\.toml, line 8, analyses\[0\]: capacity failed: HiGHS found no "
                                         r"integer solution within the time limit"):
        run_study("s.toml", "out", progress=False)
    assert not Path("out").exists()


@pytest.mark.parametrize(("join", "message"), [
    ("join = 5\n", r"line 3, data\.join: join must be a list of tables"),
    ("join = [5]\n", r"line 3, data\.join\[0\]: expected a table"),
    ('[[data.join]]\nsource = "sites.csv"\non = ["id", "id"]\n',
     r"data\.join\[0\]\.columns: column\(s\) \['lon', 'lat'\] are in the data already"),
])
def test_a_bad_join_is_one_line_naming_it(user, capsys, join, message):
    pd.DataFrame({"id": ["a"], "population": [1], "lon": [104.0], "lat": [30.0]}).to_csv("d.csv", index=False)
    pd.DataFrame({"id": ["a"], "beds": [1], "lon": [104.0], "lat": [30.0]}).to_csv("sites.csv", index=False)
    Path("s.toml").write_text(f'[data]\nsource = "d.csv"\n{join}[roles]\nunit = "id"\n[[analyses]]\ntype = "access"\n'
                              'supply = "sites.csv"\ncatchment = 30.0\n', encoding="utf-8")
    assert_refused(["run", "s.toml", "-o", "out"], message, user, capsys)


@pytest.mark.parametrize(("text", "message"), [
    ('data = "d.csv"\n[[analyses]]\ntype = "access"\n', r"line 1, data: a study needs a \[data\] table"),
    ('[data]\nsource = "d.csv"\n[roles]\nunit = "id"\n[[analyses]]\ntype = "network"\nrecords = "d.csv"\n'
     '[[analyses]]\ntype = "ergm"\nedges = "network.ties"\nmodels = { M1 = 5 }\n',
     r"analyses\[1\]\.models: models\.M1 must be a text, got 5"),
])
def test_a_study_table_of_the_wrong_shape_is_one_line(user, capsys, text, message):
    pd.DataFrame({"id": ["a"], "origin": ["a"], "destination": ["a"]}).to_csv("d.csv", index=False)
    Path("s.toml").write_text(text, encoding="utf-8")
    assert_refused(["run", "s.toml", "-o", "out"], message, user, capsys)


def test_study_that_is_not_a_table_is_one_line(user, capsys):
    pd.DataFrame({"id": ["a"]}).to_csv("d.csv", index=False)
    Path("s.toml").write_text('study = 5\n[data]\nsource = "d.csv"\n[[analyses]]\ntype = "access"\n', encoding="utf-8")
    assert_refused(["run", "s.toml", "-o", "out"], r"s\.toml, line 1, study: expected a table", user, capsys)


def test_a_file_an_analysis_key_names_is_an_input_the_output_may_not_replace(user, capsys):
    pd.DataFrame({"id": ["a", "b"], "population": [100, 300], "lon": [104.0, 104.3],
                  "lat": [30.0, 30.0]}).to_csv("demand.csv", index=False, encoding="gb18030")
    pd.DataFrame({"id": ["h"], "beds": [8], "lon": [104.1], "lat": [30.0]}).to_csv("sites.csv", index=False)
    Path("s.toml").write_text(STUDY.format(supply='"sites.csv"'), encoding="utf-8")
    run_study("s.toml", "prev", progress=False)
    Path("t.toml").write_text(STUDY.format(supply='{ source = "prev/tables/access_sites.csv" }'), encoding="utf-8")
    assert_refused(["run", "t.toml", "-o", "prev"], r"prev: contains the input access_sites\.csv", user, capsys)


def test_a_data_file_that_cannot_be_read_as_the_study_says_names_the_line(user, capsys):
    pd.DataFrame({"id": ["a"]}).to_csv("d.csv", index=False)
    Path("s.toml").write_text('[data]\nsource = "d.csv"\nsheet = "x"\n[roles]\nunit = "id"\n[[analyses]]\n'
                              'type = "access"\nsupply = "d.csv"\n', encoding="utf-8")
    assert_refused(["run", "s.toml", "-o", "out"], r"s\.toml, line 2, data\.source: d\.csv: sheet= applies to Excel",
                   user, capsys)
