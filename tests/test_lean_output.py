"""Lean output (issue 20): heavy figures rasterized inside their SVG, each warning once per
report, progress lines with or without a terminal, names beside codes."""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from healthalloc.engine import LINE_EVERY, progress_bar  # noqa: E402
from healthalloc.report.html import HEAVY_SVG, _svg, _svg_text  # noqa: E402
from healthalloc.study import run_study  # noqa: E402


def _scatter(n: int):
    rng = np.random.default_rng(1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(*rng.uniform(0, 1, (2, n)), c=rng.uniform(0, 1, n))
    ax.set_title("sites")
    return fig


def test_a_heavy_figure_is_rasterized_inside_its_svg_with_vector_text():
    fig = _scatter(20_000)
    svg = _svg(fig)
    assert svg.startswith("<svg") and svg.count("<image") == 1  # the points as one PNG
    assert len(svg) < len(_svg_text(fig)) / 10  # measured: 0.13 MB (256 colours) against 3.2 MB of vector points
    assert "sites" in svg or svg.count("<path") > 3        # title and axes stay vector (glyph paths)
    assert not any(c.get_rasterized() for c in fig.axes[0].collections)  # the figure is left as it was
    plt.close(fig)


def test_a_light_figure_stays_vector():
    fig = _scatter(50)
    assert len(_svg_text(fig)) < HEAVY_SVG
    svg = _svg(fig)
    assert "<image" not in svg and len(re.findall(r"<use ", svg)) >= 50
    plt.close(fig)


def test_a_heavy_figure_of_lines_stays_vector():
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.random.default_rng(1).normal(size=(300, 100)))  # lines: no collection or patch to rasterize
    assert len(_svg_text(fig)) > HEAVY_SVG
    assert "<image" not in _svg(fig)
    plt.close(fig)


STUDY = """\
[study]
title = "Zero output"

[data]
source = "hospitals.csv"

[roles]
unit = "hospital"
inputs = ["doctors"]
outputs = ["visits", "surgeries"]

[[analyses]]
type = "dea"
name = "crs"
rts = "crs"

[[analyses]]
type = "dea"
name = "vrs"
rts = "vrs"
"""


def test_a_warning_of_two_analyses_is_said_once_in_the_report_and_on_stderr(tmp_path):
    pd.DataFrame({"hospital": list("abcde"), "doctors": [3.0, 4, 5, 6, 7], "visits": [9.0, 7, 8, 12, 10],
                  "surgeries": 0.0}).to_csv(tmp_path / "hospitals.csv", index=False)
    (tmp_path / "study.toml").write_text(STUDY, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_study(tmp_path / "study.toml", tmp_path / "out")
    said = [str(w.message) for w in caught if "is zero for every unit" in str(w.message)]
    assert len(said) == 1  # both analyses warn; stderr shows it once
    report = result.report.read_text(encoding="utf-8")
    assert report.count("is zero for every unit") == 1
    notes = [n for sec in result.sections for n in (*sec.notes, *sum(sec.table_notes.values(), []))
             if "is zero for every unit" in n]
    assert len(notes) == 1 and notes[0].endswith(f"(Also in {result.sections[1].title}.)")


def test_progress_without_a_terminal_is_whole_lines_at_each_tenth(capsys):
    with progress_bar(True, total=20, desc="DEA", unit="unit", mininterval=0, miniters=1) as bar:
        for _ in range(20):
            bar.update(1)
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.splitlines() == [f"DEA: {10 * k:3d}% {2 * k}/20 [00:00]" for k in range(1, 11)]


def test_progress_notes_without_a_terminal_are_lines_at_most_every_few_seconds(capsys):
    with progress_bar(True, desc="MILP", bar_format="{desc}{postfix}", mininterval=0) as bar:
        for k in range(5):  # well within LINE_EVERY seconds
            bar.set_postfix_str(f"incumbent {k}")
    assert LINE_EVERY >= 1 and capsys.readouterr().err.splitlines() == ["MILP, incumbent 0", "MILP, incumbent 4"]
    with progress_bar(None, total=3, desc="DEA") as bar:  # by default: on a terminal only
        bar.update(3)
    with progress_bar(False, total=3, desc="DEA") as bar:
        bar.update(3)
    assert capsys.readouterr().err == ""


def test_access_and_location_tables_name_points_and_sites_beside_their_ids(tmp_path):
    rng = np.random.default_rng(4)
    towns = pd.DataFrame({"town": np.arange(60) + 1000, "name": [f"Town {k}" for k in range(60)],
                          "people": rng.integers(1000, 50000, 60), "x": rng.uniform(107, 109, 60),
                          "y": rng.uniform(22, 24, 60)})
    towns.to_csv(tmp_path / "towns.csv", index=False)
    pd.DataFrame({"id": [f"h{k}" for k in range(8)], "beds": rng.integers(50, 800, 8).astype(float),
                  "lon": rng.uniform(107, 109, 8), "lat": rng.uniform(22, 24, 8)}).to_csv(tmp_path / "hosp.csv",
                                                                                        index=False)
    cand = pd.DataFrame({"id": [f"c{k}" for k in range(12)], "name": [f"Site {k}" for k in range(12)],
                         "lon": rng.uniform(107, 109, 12), "lat": rng.uniform(22, 24, 12)})
    cand.to_csv(tmp_path / "cand.csv", index=False)
    study = {"study": {"title": "names"}, "data": {"source": str(tmp_path / "towns.csv")},
             "roles": {"unit": "town", "population": "people", "coordinates": ["x", "y"]},
             "analyses": [{"type": "access", "supply": str(tmp_path / "hosp.csv"), "capacity": "beds",
                           "method": "2sfca", "catchment": 50.0},
                          {"type": "location", "candidates": str(tmp_path / "cand.csv"), "model": "mclp", "p": 2,
                           "radius": 20.0}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, tmp_path / "out", progress=False)
    access, location = result.sections
    points = access.tables["access"]
    assert list(points.columns[:2]) == ["id", "name"]
    assert (points["name"] == points["id"].map(towns.set_index("town")["name"])).all()
    assert "name" not in access.tables["sites"].columns  # the hospitals have no name column
    chosen = location.tables["candidates"]
    assert list(chosen.columns[:2]) == ["id", "name"]
    assert (chosen["name"] == chosen["id"].map(cand.set_index("id")["name"])).all()
    written = pd.read_csv(tmp_path / "out" / "tables" / "location_candidates.csv")
    assert written["name"].str.startswith("Site ").all()


def _network_study(tmp_path, **keys) -> dict:
    nodes = pd.DataFrame({"code": [460000, 450000, 440000, 445100], "label_en": ["Hainan", "Guangxi", "Guangdong",
                                                                                  "Chaozhou"]})
    nodes.to_csv(tmp_path / "nodes.csv", index=False)
    moves = [(460000, 440000)] * 5 + [(450000, 440000)] * 3 + [(445100, 440000)] * 2 + [(440000, 450000)]
    pd.DataFrame(moves, columns=["origin", "destination"]).to_csv(tmp_path / "moves.csv", index=False)
    return {"study": {"title": "moves"}, "data": {"source": str(tmp_path / "nodes.csv")}, "roles": {"unit": "code"},
            "analyses": [{"type": "network", "records": str(tmp_path / "moves.csv"), "origin": "origin",
                          "destination": "destination", **keys}]}


def test_network_reading_and_tables_name_nodes_from_the_gazetteers(tmp_path):
    sec = run_study(_network_study(tmp_path), tmp_path / "out", progress=False).sections[0]
    # in-degree / (n - 1): Guangdong 3/3 from Hainan, Guangxi, Chaozhou; Guangxi 1/3 (by hand)
    assert "Highest standardized in-degree: Guangdong (440000): 1.000; Guangxi (450000): 0.333" in sec.reading
    flows = sec.tables["top_flows"]
    assert list(flows.columns) == ["from", "to", "origin_name", "destination_name", "weight"]
    assert flows.iloc[0].tolist() == [460000, 440000, "Hainan", "Guangdong", 5]
    names = sec.tables["centrality"].set_index("node")["name"]
    assert names[445100] == "潮州市" and names[460000] == "Hainan"  # a prefecture by its Chinese name


def test_network_names_nodes_by_the_label_column(tmp_path):
    sec = run_study(_network_study(tmp_path, label="label_en"), tmp_path / "out", progress=False).sections[0]
    flows = sec.tables["top_flows"]
    assert flows.loc[flows["from"] == 445100, "origin_name"].tolist() == ["Chaozhou"]
