"""Lean output (issue 20): the seed 002 example's report, with its maps of 2,105 demand points
and 733 sites, stays under 4 MB with every figure (the run takes 0.5 to 1.5 minutes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from healthalloc.study import run_study

EXAMPLE = Path(__file__).parents[1] / "examples" / "seed002.toml"


@pytest.fixture(scope="module")
def seed002(tmp_path_factory):
    return run_study(EXAMPLE, tmp_path_factory.mktemp("seed002") / "out", progress=False)


def test_seed002_report_is_under_4_mb_with_every_figure(seed002):
    report = seed002.report.read_text(encoding="utf-8")
    assert len(report.encode("utf-8")) < 4_000_000  # measured: 11.45 MB all vector, 1.14 MB rasterized
    figures = re.findall(r"<figure><svg.*?</svg>", report, re.S)
    assert len(figures) == sum(len(sec.figures) for sec in seed002.sections) == \
        len(list((seed002.output / "figures").glob("*.svg")))
    assert any("<image" in f for f in figures)  # the maps' points as a raster ...
    assert all("<text" in f or "<use" in f for f in figures)  # ... their axes and text still vector
