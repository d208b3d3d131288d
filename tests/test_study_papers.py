"""Each example beside its paper: the DEA headline tables, Malmquist unit means, wide necessity,
robustness statistics and the "Published and reproduced" section, checked by hand computations."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from healthalloc.study import StudyError, run_study
from healthalloc.study.analyses import _national_means, _region_grid
from healthalloc.study.published import PAPERS, compare
from healthalloc.study.registry import REGISTRY, Context

EXAMPLES = Path(__file__).parents[1] / "examples"
SEEDS = Path(__file__).parents[2] / "shared" / "seeds"

PANEL = """\
[study]
title = "Panel"

[data]
source = "panel.csv"

[roles]
unit = "unit"
period = "year"
group = "region"
inputs = ["beds", "staff"]
outputs = ["visits"]

[[analyses]]
type = "dea"
name = "bcc"
rts = "vrs"

[[analyses]]
type = "malmquist"

[[analyses]]
type = "published"
paper = "seed001"
dea = "bcc.statistics"
malmquist = "malmquist.statistics"
"""


def _panel(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = [f"u{i}" for i in range(9)]
    rows = [{"unit": u, "year": y, "region": ("east", "central", "west")[i % 3],
             "beds": rng.uniform(50, 150), "staff": rng.uniform(20, 90), "visits": rng.uniform(100, 400)}
            for i, u in enumerate(units) for y in (2020, 2021, 2022)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    data = _panel()
    data.to_csv(folder / "panel.csv", index=False)
    (folder / "study.toml").write_text(PANEL, encoding="utf-8")
    result = run_study(folder / "study.toml", folder / "out")
    return data, {s.name: s for s in result.sections}


def test_dea_headlines_comprehensive_efficiency(panel):
    data, sections = panel
    sec = sections["bcc"]
    scores = sec.tables["scores"]
    last = scores[scores["year"] == 2022]
    # hand computation from the per-unit table, to 1e-12
    assert sec.reading.startswith(f"Mean comprehensive (CRS) efficiency in 2022 is {last['crs_efficiency'].mean():.3f}")
    assert f"pure technical (VRS) efficiency {last['efficiency'].mean():.3f}" in sec.reading
    assert "comprehensive (CRS)" in sec.title
    # CRS = VRS × scale, unit by unit (definition of scale efficiency), to 1e-12
    np.testing.assert_allclose(scores["crs_efficiency"], scores["efficiency"] * scores["scale_efficiency"], atol=1e-12)


def test_national_row_by_year_is_the_mean_of_the_units(panel):
    _, sections = panel
    sec = sections["bcc"]
    scores, national = sec.tables["scores"], sec.tables["national"]
    by_hand = scores.groupby("year").agg(units=("unit", "size"), crs_efficiency=("crs_efficiency", "mean"),
                                         vrs_efficiency=("efficiency", "mean"),
                                         scale_efficiency=("scale_efficiency", "mean"),
                                         crs_efficient=("crs_efficiency", lambda v: int((v >= 1 - 1e-6).sum())))
    pd.testing.assert_frame_equal(national.set_index("year"), by_hand, check_dtype=False, rtol=1e-12)


def test_year_by_region_grid_is_the_mean_of_each_cell(panel):
    data, sections = panel
    sec = sections["bcc"]
    scores = sec.tables["scores"].merge(data[["unit", "year", "region"]], on=["unit", "year"])
    grid = sec.tables["regions"].set_index("year")
    assert sorted(grid.columns) == ["central", "east", "west"]
    for (year, region), cell in scores.groupby(["year", "region"]):
        assert grid.loc[year, region] == pytest.approx(cell["crs_efficiency"].mean(), rel=1e-12)


def test_crs_vrs_correlation_equals_scipy(panel):
    _, sections = panel
    sec = sections["bcc"]
    scores, table = sec.tables["scores"], sec.tables["crs_vrs"]
    # independent computation: scipy.stats.pearsonr / spearmanr, to 1e-12
    assert table.loc[0, "evaluations"] == len(scores)
    assert table.loc[0, "pearson"] == pytest.approx(stats.pearsonr(scores["crs_efficiency"], scores["efficiency"])[0],
                                                    rel=1e-12)
    assert table.loc[0, "spearman"] == pytest.approx(
        stats.spearmanr(scores["crs_efficiency"], scores["efficiency"])[0], rel=1e-12)


def test_malmquist_unit_means_are_geometric_means_per_unit(panel):
    _, sections = panel
    sec = sections["malmquist"]
    indices, means = sec.tables["indices"], sec.tables["unit_means"].set_index("unit")
    for column in ("effch", "techch", "pech", "sech", "tfpch"):
        # DEAP's firm means: exp(mean(log)) over the unit's transitions, to 1e-12
        by_hand = indices.groupby("unit")[column].agg(lambda v: float(np.exp(np.log(v).mean())))
        pd.testing.assert_series_equal(means[column], by_hand, rtol=1e-12, check_names=False)


def test_published_section_sets_ours_beside_the_paper(panel):
    _, sections = panel
    sec = sections["published"]
    table = sec.tables["comparison"].set_index("what")
    scores = sections["bcc"].tables["scores"]
    mean_crs = scores.loc[scores["year"] == 2022, "crs_efficiency"].mean()
    overall_tfpch = sections["malmquist"].tables["means"].set_index("transition").loc["overall", "tfpch"]
    row = table.loc["National mean comprehensive (CRS) efficiency, 2023"]
    assert row["published"] == "0.869"  # as printed
    assert row["ours"] == pytest.approx(mean_crs, rel=1e-12)
    assert row["difference"] == pytest.approx(mean_crs - 0.869, rel=1e-12)
    assert table.loc["Mean total factor productivity change, 2014-2023", "ours"] == pytest.approx(overall_tfpch,
                                                                                                  rel=1e-12)
    assert "SIMULATED" in row["reason"]


@pytest.fixture(scope="module")
def seed000(tmp_path_factory):
    """The seed 000 example without its non-high robustness run (the rest as shipped)."""
    raw = tomllib.loads((EXAMPLES / "seed000.toml").read_text(encoding="utf-8"))
    raw["analyses"] = [a for a in raw["analyses"] if a["name"] != "robustness_non_high"]
    result = run_study(raw, tmp_path_factory.mktemp("seed000") / "out")
    return {s.name: s for s in result.sections}


def test_necessity_in_the_papers_wide_layout(seed000):
    sec = seed000["high_efficiency"]
    wide = sec.tables["necessity"].set_index("condition")
    calibrated = sec.tables["calibrated"]
    y = calibrated["efficiency"].to_numpy()
    assert list(wide.columns[:2]) == ["consistency efficiency", "coverage efficiency"]
    for condition in ("gdp_per_capita", "urbanization_rate", "average_wage"):
        x = calibrated[condition].to_numpy()
        for label, a in ((condition, x), (f"~{condition}", 1 - x)):
            for outcome, b in (("efficiency", y), ("~efficiency", 1 - y)):
                # Ragin's necessity: consistency Σmin(a,b)/Σb, coverage Σmin(a,b)/Σa, to 1e-12
                overlap = np.minimum(a, b).sum()
                assert wide.loc[label, f"consistency {outcome}"] == pytest.approx(overlap / b.sum(), rel=1e-12)
                assert wide.loc[label, f"coverage {outcome}"] == pytest.approx(overlap / a.sum(), rel=1e-12)


def test_necessity_shown_once(seed000):
    """The non-high analysis (necessity = false) leaves the table to high_efficiency, whose ~Y columns
    give its statistic: the highest consistency for ~efficiency."""
    assert "necessity" not in seed000["non_high_efficiency"].tables
    wide = seed000["high_efficiency"].tables["necessity"]
    table = seed000["published"].tables["comparison"].set_index("what")
    assert table.loc["Highest consistency of necessity for ~Y (~X2)", "ours"] == wide["consistency ~efficiency"].max()
    assert table.loc["Highest consistency of necessity for Y (X2, urbanization)", "ours"] == (
        wide["consistency efficiency"].max())


def test_seed000_published_rows(seed000):
    table = seed000["published"].tables["comparison"].set_index("what")
    # Table 4's 14 printed scores; their mean is the paper's 0.364 (to 5e-4, printed at 3 decimals)
    table4 = [1, 0.432, 0.22, 0.405, 0.372, 0.461, 0.061, 0.237, 0.2, 0.364, 0.509, 0.125, 0.448, 0.265]
    mean = table.loc["Mean comprehensive efficiency of the 14 cities, 2022", "ours"]
    assert mean == pytest.approx(np.mean(table4), rel=1e-12)
    assert mean == pytest.approx(0.364, abs=5e-4)
    assert np.isnan(table.loc["Pearson correlation of the CRS and VRS scores", "ours"])
    variants = seed000["robustness"].tables["variants"]
    at = variants[(variants["calibration"] == "anchors") & (variants["incl_cut"] == 0.85)].iloc[0]
    assert table.loc["Solution consistency at raw consistency 0.85", "ours"] == at["consistency"]
    assert table.loc["Solution coverage at raw consistency 0.85", "ours"] == at["coverage"]
    # every row that names a statistic of ours found it
    named = [r["what"] for r in PAPERS["seed000"]["rows"] if "ours" in r]
    assert table.loc[named, "ours"].notna().all()
    assert "85/45/15" in set(seed000["robustness"].tables["variants"]["calibration"])


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed papers are in ../shared/seeds")
@pytest.mark.parametrize("name", sorted(PAPERS))
def test_published_numbers_are_printed_in_the_paper(name):
    """Every published value appears verbatim in the paper's text, as a whole number token."""
    text = next(SEEDS.glob(f"{name[-3:]}_*.txt")).read_text(encoding="utf-8")
    block = PAPERS[name]
    assert block.get("rows") or block.get("note")
    for row in block.get("rows", []):
        assert re.search(rf"(?<![\d.]){re.escape(row['published'])}(?![\d])", text), (name, row["published"])
        assert row["reason"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.05, 1.0), min_size=6, max_size=6), st.lists(st.floats(0.05, 1.0), min_size=6,
                                                                          max_size=6))
def test_grid_and_national_agree(first, second):
    """The national mean is the unit-weighted mean of the region means (equal regions here)."""
    index = pd.MultiIndex.from_product([[2020, 2021], range(6)], names=["year", "unit"])
    crs = pd.Series(first + second, index=index)
    scores = pd.DataFrame({"crs": crs, "vrs": crs, "scale": 1.0})
    group = pd.Series(["a", "b", "c"] * 4, index=index)
    grid = _region_grid(scores, "year", group).set_index("year")
    national = _national_means(scores, "year").set_index("year")
    np.testing.assert_allclose(grid.mean(axis=1), national["crs_efficiency"], rtol=1e-12)


def test_compare_leaves_unrun_analyses_empty():
    table = compare("seed001", {"dea": pd.Series({"mean_crs": 0.9})})
    assert table.loc[0, "ours"] == 0.9
    assert table.loc[0, "difference"] == pytest.approx(0.9 - 0.869, rel=1e-12)
    assert np.isnan(table.loc[1, "ours"])  # no malmquist statistics given


def test_unknown_paper_and_wrong_export_are_refused(tmp_path):
    data = _panel()
    data.to_csv(tmp_path / "panel.csv", index=False)
    study = tmp_path / "study.toml"
    study.write_text(PANEL.replace('paper = "seed001"', 'paper = "seed009"'), encoding="utf-8")
    with pytest.raises(StudyError, match="must be one of"):
        run_study(study, tmp_path / "out")
    study.write_text(PANEL.replace('dea = "bcc.statistics"', 'dea = "bcc.figures"'), encoding="utf-8")
    with pytest.raises(StudyError, match="exports"):
        run_study(study, tmp_path / "out")
    study.write_text(PANEL.replace('dea = "bcc.statistics"', 'dea = "beds"'), encoding="utf-8")
    with pytest.raises(StudyError, match='names a column, not an analysis\' statistics: write dea = "NAME.statistics"'):
        run_study(study, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_papers_without_addressable_numbers_say_why():
    kind = REGISTRY["published"]
    sec = kind.run(Context("published", pd.DataFrame(), {}, {"paper": "seed002"}, params=kind.params))
    assert sec.reading == PAPERS["seed002"]["note"] and not sec.tables
    sec = kind.run(Context("published", pd.DataFrame(), {}, {"paper": "seed003"}, params=kind.params))
    assert "address none of them" in sec.reading
    assert sec.tables["comparison"]["ours"].isna().all()
    assert sec.notes == [PAPERS["seed003"]["note"]]
