"""fsqca() end to end, the robustness grid, DEA → fsQCA, and the ``healthalloc qca`` CLI."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import reference
from healthalloc.cli import main
from healthalloc.data import load_cst_hospitals, load_guangxi_2022, load_guangxi_calibration
from healthalloc.data.validate import DataError
from healthalloc.efficiency import dea
from healthalloc.qca import (
    CalibrationWarning,
    calibrate_table,
    fsqca,
    necessity,
    robustness,
    solve,
    truth_table,
)

# seed 000's conditions X1–X6 (X7's anchors are in yuan, its data in 10⁴ yuan: left out)
CONDITIONS = ["gdp_per_capita", "urbanization_rate", "population_agglomeration",
              "public_budget_expenditure", "health_expenditure_ratio", "average_wage"]


@pytest.fixture(scope="module")
def guangxi():
    return load_guangxi_2022(), load_guangxi_calibration()


@pytest.fixture
def memberships(guangxi, tmp_path):
    """Guangxi's memberships by its anchors table, also written to ``m.csv`` in ``tmp_path``."""
    data, anchors = guangxi
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        calibrated = calibrate_table(data, anchors, unit="city").memberships
    calibrated.reset_index().to_csv(tmp_path / "m.csv", index=False)
    return calibrated


def test_fsqca_equals_the_steps_done_by_hand(guangxi):
    data, anchors = guangxi
    res = fsqca(data, "efficiency", CONDITIONS, anchors=anchors, unit="city", dir_exp={"gdp_per_capita": 1})
    cal = calibrate_table(data, anchors[anchors["variable"].isin(CONDITIONS + ["efficiency"])], unit="city")
    pd.testing.assert_frame_equal(res.calibration.memberships, cal.memberships)
    nec = necessity(cal.memberships[CONDITIONS], cal.memberships["efficiency"])
    pd.testing.assert_frame_equal(res.necessity.to_frame(), nec.to_frame())
    tt = truth_table(cal.memberships[CONDITIONS], cal.memberships["efficiency"])
    dir_exp = {c: "-" for c in CONDITIONS} | {"gdp_per_capita": 1}
    assert res.solutions.to_dict() == solve(tt, dir_exp=dir_exp).to_dict()
    assert list(res.chart.to_frame().columns)[0] == "H1"


def test_seed_000_table_5_qualitative_findings(guangxi):
    """Seed 000's Table 5 is not reproducible digit for digit from its rounded Table 2
    (its outcome memberships sum to 6.20, Table 2 with Table 3's anchors gives 7.11), but
    its findings are: no condition reaches the 0.9 necessity threshold, and urbanization
    then per-capita GDP are the most consistent for Y, their negations for ~Y."""
    data, anchors = guangxi
    res = fsqca(data, "efficiency", CONDITIONS, anchors=anchors, unit="city")
    table = res.necessity.to_frame()
    assert not table["necessary"].any()
    for outcome, names in (("efficiency", CONDITIONS), ("~efficiency", CONDITIONS)):
        part = table[table["outcome"] == outcome].set_index("condition")["consistency"]
        wanted = names if outcome == "efficiency" else [f"~{c}" for c in names]
        top = part.reindex(wanted).sort_values(ascending=False).index[:2].tolist()
        assert top == wanted[1::-1]  # urbanization, then per-capita GDP


def test_dea_efficiency_is_a_qca_outcome():
    hospitals = load_cst_hospitals()
    eff = dea(hospitals, ["doctors", "nurses"], ["outpatients", "inpatients"], unit="hospital").efficiency
    res = fsqca(hospitals, eff, ["doctors", "nurses", "outpatients"], unit="hospital",
                percentiles=(0.85, 0.5, 0.1), adjust_crossover=True, incl_cut=0.7, pri_cut=0.5)
    assert res.truth_table.outcome == "efficiency"
    q = np.quantile(eff, [0.1, 0.5, 0.85])
    assert (res.calibration.memberships["efficiency"] >= 0.5).sum() == (eff >= q[1]).sum()


def test_fsqca_errors(guangxi):
    data, anchors = guangxi
    with pytest.raises(DataError, match="exactly one"):
        fsqca(data, "efficiency", CONDITIONS, unit="city")
    with pytest.raises(DataError, match="no row"):
        fsqca(data.assign(size=1.0), "efficiency", CONDITIONS + ["size"], anchors=anchors, unit="city")
    with pytest.raises(DataError, match="both the outcome and a condition"):
        fsqca(data, "efficiency", ["efficiency"], percentiles=(0.85, 0.5, 0.1), unit="city")


def test_robustness_grid_matches_single_runs(guangxi):
    data, anchors = guangxi
    variants = {"table 3": anchors, "85/50/10": (0.85, 0.5, 0.1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        rob = robustness(data, "efficiency", CONDITIONS[:4], variants, unit="city",
                         incl_cuts=(0.75, 0.8), solution="parsimonious")
        assert len(rob.variants) == 4
        for _, row in rob.variants.iterrows():
            how = variants[row["calibration"]]
            kw = {"anchors": how} if isinstance(how, pd.DataFrame) else {"percentiles": how}
            single = fsqca(data, "efficiency", CONDITIONS[:4], unit="city",
                           incl_cut=row["incl_cut"], **kw)
            models = single.solutions.parsimonious
            assert row["models"] == len(models)
            if models:
                assert row["expression"] == models[0].expression
                assert row["coverage"] == pytest.approx(models[0].coverage)
    assert set(rob.robust_core) <= set(rob.in_some_model_of_every_variant) <= set(rob.terms["term"])
    assert ((rob.terms["share_some"] > 0) & (rob.terms["share_some"] <= 1)).all()
    assert (rob.terms["in_every_model"] <= rob.terms["in_some_model"]).all()
    assert "in every tied model of all 4 variants" in rob.reading()


def test_robustness_counts_a_term_of_some_tied_models_apart():
    """A term in one of two tied models counts towards in_some_model only."""
    X, Y = (lambda df: (df.drop(columns="PROTEST"), df["PROTEST"]))(
        pd.read_csv(reference("qca/cebotari_vink_CVF.csv"), index_col=0))
    data = X.assign(PROTEST=Y)
    rob = robustness(data, "PROTEST", list(X.columns), {"given": "calibrated"},
                     incl_cuts=(0.8,), pri_cuts=(0,), solution="parsimonious")
    terms = rob.terms.set_index("term")
    assert terms.loc["~NATPRIDE", ["in_some_model", "in_every_model"]].tolist() == [1, 1]
    assert terms.loc["DEMOC*ETHFRACT*GEOCON", ["in_some_model", "in_every_model"]].tolist() == [1, 0]
    assert "~NATPRIDE" in rob.robust_core and "DEMOC*ETHFRACT*GEOCON" not in rob.robust_core
    assert "DEMOC*ETHFRACT*GEOCON" in rob.in_some_model_of_every_variant


def test_cli_writes_the_contract_files(guangxi, tmp_path):
    data, anchors = guangxi
    data.to_csv(tmp_path / "gx.csv", index=False)
    anchors.to_csv(tmp_path / "anchors.csv", index=False)
    out = tmp_path / "qca"
    code = main(["qca", str(tmp_path / "gx.csv"), "--outcome", "efficiency",
                 "--conditions", ",".join(CONDITIONS), "--anchors", str(tmp_path / "anchors.csv"),
                 "--incl-cut", "0.8", "--pri-cut", "0.7", "--dir-exp", "gdp_per_capita=1,average_wage=-",
                 "-o", str(out)])
    assert code == 0
    for name in ("calibrated.csv", "necessity.csv", "truth_table.csv", "solutions.json",
                 "chart.md", "chart.csv"):
        assert (out / name).exists(), name
    sol = json.loads((out / "solutions.json").read_text(encoding="utf-8"))
    assert set(sol) == {"complex", "parsimonious", "intermediate"}
    model = sol["parsimonious"][0]
    assert set(model) == {"label", "expression", "consistency", "coverage", "terms"}
    first = sol["intermediate"][0]
    assert (first["label"], first["complex_model"], first["parsimonious_model"]) == ("C1P1 M1", "M1", "M1")
    assert set(model["terms"][0]) == {"term", "consistency", "pri", "raw_coverage",
                                      "unique_coverage", "cases"}
    assert pd.read_csv(out / "calibrated.csv")["case"].tolist() == data["city"].tolist()
    assert list(pd.read_csv(out / "necessity.csv").columns) == [
        "condition", "outcome", "consistency", "coverage", "ron", "necessary"]


def test_cli_negated_outcome_with_percentiles(guangxi, tmp_path, capsys):
    data, _ = guangxi
    data.to_csv(tmp_path / "gx.csv", index=False)
    out = tmp_path / "neg"
    code = main(["qca", str(tmp_path / "gx.csv"), "--outcome", "efficiency", "--conditions",
                 ",".join(CONDITIONS[:5]), "--percentiles", "0.85,0.5,0.1", "--negate-outcome",
                 "--adjust-crossover", "-o", str(out)])
    assert code == 0
    assert pd.read_csv(out / "chart.csv").columns[1].startswith("NH")
    assert "Solutions for ~efficiency" in capsys.readouterr().out


def test_cli_rejects_anchors_and_percentiles_together(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["qca", "x.csv", "--outcome", "y", "--conditions", "a", "--anchors", "a.csv",
              "--percentiles", "0.85,0.5,0.1", "-o", str(tmp_path)])
    assert exit_.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_fsqca_on_calibrated_data_equals_calibrating_first(guangxi):
    data, anchors = guangxi
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        direct = fsqca(data, "efficiency", CONDITIONS, anchors=anchors, unit="city",
                       dir_exp=dict.fromkeys(CONDITIONS, 1))
    given = direct.calibration.memberships.reset_index()
    res = fsqca(given, "efficiency", CONDITIONS, calibrated=True, unit="city", dir_exp=dict.fromkeys(CONDITIONS, 1))
    pd.testing.assert_frame_equal(res.calibration.memberships, direct.calibration.memberships)
    assert [m.expression for m in res.solutions.intermediate] == [m.expression for m in direct.solutions.intermediate]
    with pytest.raises(DataError, match="exactly one"):
        fsqca(given, "efficiency", CONDITIONS, calibrated=True, percentiles=(0.85, 0.5, 0.1), unit="city")
    with pytest.raises(DataError, match="decreasing= goes with percentiles="):
        fsqca(given, "efficiency", CONDITIONS, calibrated=True, decreasing=["average_wage"], unit="city")


def test_cli_calibrated_reversed_percentiles_and_decreasing(guangxi, memberships, tmp_path, capsys):
    data = guangxi[0]
    base = ["qca", "--outcome", "efficiency", "--conditions", ",".join(CONDITIONS)]
    assert main([*base[:1], str(tmp_path / "m.csv"), *base[1:], "--calibrated", "-o", str(tmp_path / "a")]) == 0
    written = pd.read_csv(tmp_path / "a" / "calibrated.csv", index_col="case")
    np.testing.assert_allclose(written[CONDITIONS], memberships[CONDITIONS])
    memberships.loc["Hechi", "average_wage"] = 7.2  # raw data given as memberships
    memberships.reset_index().to_csv(tmp_path / "bad.csv", index=False)
    capsys.readouterr()
    assert main([*base[:1], str(tmp_path / "bad.csv"), *base[1:], "--calibrated", "-o", str(tmp_path / "b")]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'average_wage'" in err and "case Hechi (7.2)" in err
    assert not (tmp_path / "b").exists()
    data.to_csv(tmp_path / "gx.csv", index=False)
    raw = [*base[:1], str(tmp_path / "gx.csv"), *base[1:]]
    assert main([*raw, "--percentiles", "0.1,0.5,0.85", "-o", str(tmp_path / "c")]) != 0
    assert "not in the order full membership > crossover" in capsys.readouterr().err
    assert main([*raw, "--percentiles", "0.85,0.5,0.1", "--adjust-crossover", "-o", str(tmp_path / "up")]) == 0
    assert main([*raw, "--percentiles", "0.85,0.5,0.1", "--adjust-crossover", "--decreasing", "average_wage",
                 "-o", str(tmp_path / "down")]) == 0
    up = pd.read_csv(tmp_path / "up" / "calibrated.csv", index_col="case")
    down = pd.read_csv(tmp_path / "down" / "calibrated.csv", index_col="case")
    np.testing.assert_allclose(down["average_wage"], 1 - up["average_wage"], atol=2e-3)  # 0.5 → 0.501 both ways
    np.testing.assert_allclose(down["gdp_per_capita"], up["gdp_per_capita"])
    with pytest.raises(SystemExit):
        main([*raw, "--calibrated", "--percentiles", "0.85,0.5,0.1", "-o", str(tmp_path / "d")])
    capsys.readouterr()
    given = [*base[:1], str(tmp_path / "m.csv"), *base[1:], "--calibrated"]
    memberships.loc["Hechi", "average_wage"] = 0.2
    memberships.reset_index().to_csv(tmp_path / "m.csv", index=False)
    assert main([*given, "--dir-exp", "gdp_per_capita=1,average_wage=0", "-o", str(tmp_path / "e1")]) == 0
    assert main([*given, "--dir-exp", "gdp_per_capita, ~average_wage", "-o", str(tmp_path / "e2")]) == 0
    one, two = (json.loads((tmp_path / e / "solutions.json").read_text(encoding="utf-8")) for e in ("e1", "e2"))
    assert one["intermediate"] == two["intermediate"]
    capsys.readouterr()
    assert main([*given, "--dir-exp", "gdp_per_capita, ~wage", "-o", str(tmp_path / "e3")]) != 0
    assert "dir_exp names 'wage'" in capsys.readouterr().err


def test_study_qca_on_calibrated_data(memberships, tmp_path):
    from healthalloc.study import run_study

    study = tmp_path / "study.toml"
    study.write_text(
        '[study]\ntitle = "QCA"\n\n[data]\nsource = "m.csv"\n\n[roles]\nunit = "city"\n\n'
        '[[analyses]]\ntype = "qca"\noutcome = "efficiency"\n'
        f'conditions = {json.dumps(CONDITIONS[:4])}\ncalibrated = true\ndir_exp = ["gdp_per_capita"]\n',
        encoding="utf-8")
    result = run_study(study, tmp_path / "out")
    section = result.sections[0]
    assert "C1P1 M1" in section.reading and "Intermediate model C1P1 M1" in section.captions["chart"]
    written = pd.read_csv(tmp_path / "out" / "tables" / "qca_calibrated.csv", index_col="city")
    np.testing.assert_allclose(written[CONDITIONS[:4]], memberships[CONDITIONS[:4]])


def test_anchors_from_a_name_or_a_file_and_dir_exp_as_text(tmp_path):
    from healthalloc.data import load_guangxi_2022, load_guangxi_calibration
    from healthalloc.qca import fsqca

    conditions = ["gdp_per_capita", "urbanization_rate", "average_wage"]
    load_guangxi_calibration().to_csv(tmp_path / "anchors.csv", index=False)
    runs = [fsqca(load_guangxi_2022(), "efficiency", conditions, anchors=source, unit="city",
                  dir_exp=dir_exp)
            for source, dir_exp in [(load_guangxi_calibration(), {c: 1 for c in conditions}),
                                    ("guangxi_calibration", "gdp_per_capita=1,urbanization_rate=1,average_wage=1"),
                                    (tmp_path / "anchors.csv", "gdp_per_capita, urbanization_rate, average_wage")]]
    first = runs[0].to_frame()
    for other in runs[1:]:
        pd.testing.assert_frame_equal(other.to_frame(), first)
    with pytest.raises(DataError, match="no such anchors file"):
        fsqca(load_guangxi_2022(), "efficiency", conditions, anchors=tmp_path / "nope.csv", unit="city")
    with pytest.raises(DataError, match="expected CONDITION=1, =0 or =-, got 'gdp_per_capita=2'"):
        fsqca(load_guangxi_2022(), "efficiency", conditions, anchors="guangxi_calibration", unit="city",
              dir_exp="gdp_per_capita=2")
