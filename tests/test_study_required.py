"""Every key a study analysis requires is checked before anything runs.

The walk takes each example study, drops in turn every required key and every role an
analysis sets itself, and expects one ``error:`` line naming the file's line, the analysis
and the key, exit 2, and no output folder.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
import tomli_w

from healthalloc.study.registry import REGISTRY

from conftest import assert_refused

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _required(kind) -> list[str]:
    options = {p.name: p for p in kind.options.values()}.values()
    return [p.name for p in options if p.required]


def _cases() -> list[tuple[str, int, str]]:
    cases = []
    for path in sorted(EXAMPLES.glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        for i, entry in enumerate(raw["analyses"]):
            kind = REGISTRY[entry["type"]]
            for key in _required(kind) + [r for r in kind.roles if r in entry]:
                if key in entry:
                    cases.append((path.name, i, key))
    return cases


CASES = _cases()


def test_the_walk_covers_every_analysis_with_required_keys():
    covered = {tomllib.loads((EXAMPLES / f).read_text(encoding="utf-8"))["analyses"][i]["type"]
               for f, i, _ in CASES}
    needing = {name for name, kind in REGISTRY.items() if _required(kind)}
    assert needing <= covered
    assert len(CASES) >= 12


@pytest.mark.parametrize(("example", "index", "key"), CASES, ids=[f"{f}-{i}-{k}" for f, i, k in CASES])
def test_a_missing_required_key_is_one_line_before_any_work(tmp_path, monkeypatch, capsys, example, index, key):
    monkeypatch.chdir(tmp_path)
    raw = tomllib.loads((EXAMPLES / example).read_text(encoding="utf-8"))
    broken = copy.deepcopy(raw)
    entry = broken["analyses"][index]
    del entry[key]
    Path("study.toml").write_text(tomli_w.dumps(broken), encoding="utf-8")
    name = entry.get("name", entry["type"])
    line = assert_refused(["run", "study.toml", "-o", "out"], rf"study\.toml, line \d+, analyses\[{index}\]",
                          tmp_path, capsys)
    assert repr(key) in line and name in line
    assert not Path("out").exists()


def test_an_empty_model_table_is_refused_with_its_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    raw = tomllib.loads((EXAMPLES / "seed003.toml").read_text(encoding="utf-8"))
    index = next(i for i, a in enumerate(raw["analyses"]) if a["type"] == "ergm")
    raw["analyses"][index]["models"] = {}
    Path("study.toml").write_text(tomli_w.dumps(raw), encoding="utf-8")
    assert_refused(["run", "study.toml", "-o", "out"], r"line \d+, analyses\[\d\]\.models: models must name at least one",
                   tmp_path, capsys)


def test_a_missing_key_in_a_later_analysis_stops_the_run_before_the_first(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("study.toml").write_text(
        '[data]\nsource = "china_cities"\n[roles]\nunit = "geonameid"\npopulation = "population"\n'
        'coordinates = ["lon", "lat"]\n\n[[analyses]]\ntype = "access"\nsupply = "china_facilities_synthetic"\n'
        'capacity = "beds"\ncatchment = 60.0\n\n[[analyses]]\ntype = "location"\nmodel = "mclp"\np = 1\n'
        'radius = 30.0\n', encoding="utf-8")
    line = assert_refused(["run", "study.toml", "-o", "out"], r"line 14, analyses\[1\]: location "
                          r"needs the key 'candidates'", tmp_path, capsys)
    assert "access" not in line
