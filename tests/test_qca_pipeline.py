"""fsqca() end to end, the robustness grid, DEA → fsQCA, and the ``healthalloc qca`` CLI."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

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
    assert set(rob.robust_core) <= set(rob.terms["term"])
    assert ((rob.terms["share"] > 0) & (rob.terms["share"] <= 1)).all()


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
