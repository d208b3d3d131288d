"""Study files: parse a TOML study, validate it up front, load its data.

A study names its data (an embedded data set or a file, optionally joined with others
and given simulated outputs), the variables' roles, and a list of analyses::

    [study]
    title = "Efficiency of 31 provinces, 2014-2023"

    [data.provinces]
    source = "china_provinces"            # embedded data set, or a path to a file
    [[data.provinces.join]]
    source = "province_geography"
    on = ["province_code", "adcode"]      # column here, column there
    columns = ["polygon_area_km2"]
    [data.provinces.roles]
    unit = "province_en"
    period = "year"

    [roles]                               # for every data set (a data set's own win)
    inputs = ["medical_health_beds", "registered_nurses"]

    [[analyses]]
    type = "dea"
    rts = "vrs"                           # data = "provinces": needed with several data sets

``[study] language = "zh"`` writes the report in Chinese, and ``[labels]`` (``beds =
"Hospital beds (per 1,000)"``) overrides the data dictionary's labels of variables
(:mod:`healthalloc.report.i18n`, :mod:`healthalloc.report.labels`).
A single data set can be written ``[data]`` with ``source = ...`` directly. Roles set in an
analysis win over its data set's, which win over ``[roles]``. The file is data, never
code: nothing in it is evaluated. Every error names the file, the line and the key.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from healthalloc.data.datasets import DATASETS
from healthalloc.data.io import read_table
from healthalloc.data.validate import DataError
from healthalloc.data.simulate import simulate_outputs
from healthalloc.params import suggest
from healthalloc.report.i18n import REPORT
from healthalloc.study.registry import REGISTRY

TOP_KEYS = ("study", "data", "roles", "analyses", "labels")
STUDY_KEYS = ("title", "engine", "scheduler", "workers", "language")
DATA_KEYS = ("source", "sheet", "encoding", "join", "simulate_outputs", "roles")
JOIN_KEYS = ("source", "sheet", "encoding", "on", "columns")
SIMULATE_KEYS = ("inputs", "population", "period", "seed")
NAME = re.compile(r"[^\W_][\w-]{0,30}")
"""An analysis name: a letter or digit, then letters, digits, ``_`` or ``-`` (31 at most)."""


class StudyError(ValueError):
    """A study file that cannot run, with the file, line and key at fault."""


@dataclass(frozen=True)
class AnalysisSpec:
    """One ``[[analyses]]`` entry: its type, unique name, roles and options."""

    type: str
    name: str
    data: str
    roles: dict[str, Any]
    options: dict[str, Any]
    index: int


@dataclass
class Study:
    """A parsed study: the raw TOML, where it came from, and its parts."""

    raw: dict
    path: Path | None
    text: str
    title: str
    analyses: list[AnalysisSpec] = field(default_factory=list)

    def error(self, where: tuple, message: str) -> StudyError:
        """A StudyError naming the file, the line of ``where`` and the dotted key."""
        line = locate(self.text, where)
        place = self.path.name if self.path else "study"
        key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
        at = f", line {line}" if line else ""
        return StudyError(f"{place}{at}, {key}: {message}")


def locate(text: str, where: tuple) -> int | None:
    """Line number (1-based) of the key ``where`` (e.g. ``("analyses", 2, "rts")``)."""
    lines = text.splitlines()
    table: tuple = ()
    counts: dict[str, int] = {}
    best = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[\s*([\w.]+)\s*\]\]", stripped) or re.match(r"^\[\s*([\w.]+)\s*\]", stripped)
        if header:
            name = header.group(1)
            if stripped.startswith("[["):
                counts[name] = counts.get(name, -1) + 1
                table = (*name.split("."), counts[name])
            else:
                table = tuple(name.split("."))
            if table == tuple(where):
                best = best or number
            continue
        key = re.match(r"^([\w-]+)\s*=", stripped)
        if key and (*table, key.group(1)) == tuple(where):
            return number
        if key and table == tuple(where[:-1]) and where and where[-1] == key.group(1):
            return number
    if best is None and len(where) > 1:
        return locate(text, where[:-1])
    return best


def roles() -> tuple[str, ...]:
    """The variable roles a study can set: every role a registered analysis declares."""
    return tuple(dict.fromkeys(p.role for kind in REGISTRY.values() for p in kind.params if p.role))


def list_roles() -> tuple[str, ...]:
    """Roles that take a list of columns (``inputs = ["beds", "doctors"]``)."""
    return tuple(dict.fromkeys(p.role for kind in REGISTRY.values() for p in kind.params if p.role and p.many))


def load_study(source: str | Path | dict) -> Study:
    """Parse a study file (or an already parsed dict) and check its structure."""
    if isinstance(source, dict):
        raw, path, text = source, None, ""
    else:
        path = Path(source)
        if not path.exists():
            raise StudyError(f"study file {str(path)!r} does not exist")
        text = path.read_text(encoding="utf-8")
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise StudyError(f"{path.name}: not valid TOML: {exc}") from None
    study = Study(raw, path, text, "healthalloc study")
    _check_keys(study, raw, TOP_KEYS, ())
    _check_keys(study, raw.get("study", {}), STUDY_KEYS, ("study",))
    study.title = str(raw.get("study", {}).get("title", study.title))
    for where, value in ((("study", "language"), raw.get("study", {}).get("language", "en")),
                         (("labels",), raw.get("labels", {}))):
        problem = REPORT[where[-1]].check(value)
        if problem:
            raise study.error(where, problem)
    if not isinstance(raw.get("data"), dict):
        raise study.error(("data",), "a study needs a [data] table with a source")
    for name, spec in data_specs(raw).items():
        where = data_key(raw, name)
        _check_keys(study, spec, DATA_KEYS, where)
        _check_keys(study, spec.get("roles", {}), roles(), (*where, "roles"))
    _check_keys(study, raw.get("roles", {}), roles(), ("roles",))
    sets = list(data_specs(raw))
    entries = raw.get("analyses", [])
    if not entries:
        raise study.error(("analyses",), "a study needs at least one [[analyses]] entry")
    names: set[str] = set()
    for i, entry in enumerate(entries):
        if "type" not in entry:
            raise study.error(("analyses", i), "every analysis needs a type (e.g. type = \"dea\")")
        name = str(entry.get("name", entry["type"] if entry["type"] not in names else f"{entry['type']}_{i + 1}"))
        _check_name(study, name, names, ("analyses", i, "name") if "name" in entry else ("analyses", i, "type"))
        names.add(name)
        data = entry.get("data", sets[0] if len(sets) == 1 else None)
        if data not in sets:
            what = f"data = {data!r} is not" if data else "with several data sets, say which: data ="
            raise study.error(("analyses", i, "data") if data else ("analyses", i),
                              f"{what} one of {', '.join(map(repr, sets))}")
        known = roles()
        given = {k: v for k, v in entry.items() if k in known}
        options = {k: v for k, v in entry.items() if k not in known and k not in ("type", "name", "data")}
        study.analyses.append(AnalysisSpec(str(entry["type"]), name, data, given, options, i))
    return study


def _check_name(study: Study, name: str, taken: set[str], where: tuple) -> None:
    """An analysis name becomes file names (``tables/NAME_*.csv``) and Excel sheet names:
    letters, digits, ``_`` and ``-`` only, at most 31 characters, unique ignoring case."""
    if not NAME.fullmatch(name):
        raise study.error(where, f"the name {name!r} is not usable as a file and sheet name: use at most "
                                 "31 letters, digits, '_' or '-', starting with a letter or digit")
    if name.casefold() in {t.casefold() for t in taken}:
        raise study.error(where, f"the name {name!r} is used twice (ignoring case); names must be unique")


def data_specs(raw: dict) -> dict[str, dict]:
    """The study's data sets by name (a lone ``[data]`` with a source is called "data")."""
    data = raw.get("data", {})
    if "source" in data:
        return {"data": data}
    return {name: spec for name, spec in data.items() if isinstance(spec, dict)}


def data_key(raw: dict, name: str) -> tuple:
    """Where data set ``name`` is in the study: ``("data",)`` for a lone ``[data]``."""
    return ("data",) if "source" in raw["data"] else ("data", name)


def _check_keys(study: Study, table: dict, allowed: tuple, where: tuple) -> None:
    if not isinstance(table, dict):
        raise study.error(where, "expected a table")
    for key in table:
        if key not in allowed:
            raise study.error((*where, key), f"unknown key {key!r}{suggest(key, allowed)}")


def load_data(study: Study) -> dict[str, tuple[pd.DataFrame, list[str], list[str]]]:
    """Every data set: its table, the embedded data sets it used, its simulated columns."""
    return {name: _load_one(study, spec, data_key(study.raw, name))
            for name, spec in data_specs(study.raw).items()}


def _load_one(study: Study, spec: dict, at: tuple) -> tuple[pd.DataFrame, list[str], list[str]]:
    if "source" not in spec:
        raise study.error(at, "a data set needs a source: an embedded data set or a file")
    used: list[str] = []
    frame = _read(study, spec, (*at, "source"), used)
    joins = spec.get("join", [])
    if not isinstance(joins, list):
        raise study.error((*at, "join"), "join must be a list of tables ([[data.join]] entries)")
    for j, join in enumerate(joins):
        _check_keys(study, join, JOIN_KEYS, (*at, "join", j))
        other = _read(study, join, (*at, "join", j, "source"), used)
        on = join.get("on")
        if not (isinstance(on, list) and len(on) == 2):
            raise study.error((*at, "join", j, "on"), "on = [column here, column there]")
        for side, table, col in (("here", frame, on[0]), ("there", other, on[1])):
            if col not in table.columns:
                raise study.error((*at, "join", j, "on"), f"no column {col!r} {side}")
        columns = join.get("columns", [c for c in other.columns if c != on[1]])
        missing = [c for c in columns if c not in other.columns]
        if missing:
            raise study.error((*at, "join", j, "columns"), f"no column(s) {missing} in the joined data")
        taken = [c for c in columns if c in frame.columns and c != on[0]]
        if taken:
            raise study.error((*at, "join", j, "columns"), f"column(s) {taken} are in the data already; name the "
                                                            "columns to bring in with columns = [...]")
        right = other[[on[1], *columns]].rename(columns={on[1]: on[0]})
        frame = frame.merge(right, on=on[0], how="left", validate="many_to_one")
    simulated: list[str] = []
    if "simulate_outputs" in spec:
        sim = spec["simulate_outputs"]
        _check_keys(study, sim, SIMULATE_KEYS, (*at, "simulate_outputs"))
        before = set(frame.columns)
        try:
            frame = simulate_outputs(frame, list(sim.get("inputs", [])), population=sim.get("population", ""),
                                     period=sim.get("period"), seed=int(sim.get("seed", 2024)))
        except ValueError as exc:
            raise study.error((*at, "simulate_outputs"), str(exc)) from None
        simulated = [c for c in frame.columns if c not in before]
    return frame, used, simulated


def _read(study: Study, spec: dict, where: tuple, used: list[str]) -> pd.DataFrame:
    source = spec.get("source")
    if not isinstance(source, str):
        raise study.error(where, "source must be a data set name or a file path")
    if source not in DATASETS and not source_path(study, source).exists():
        hint = difflib.get_close_matches(source, list(DATASETS), n=1)
        more = f"; did you mean the embedded data set {hint[0]!r}?" if hint else ""
        raise study.error(where, f"{source!r} is neither an embedded data set nor a file{more}")
    try:
        frame, embedded = read_source(spec, study.path.parent if study.path is not None else None)
    except DataError as error:  # the file cannot be read as the study says: name the study's line too
        raise study.error(where, str(error)) from None
    used += [embedded] if embedded else []
    return frame


def read_source(value: str | dict, folder: Path | None) -> tuple[pd.DataFrame, str | None]:
    """The table an analysis key names: an embedded data set, a file (relative to the study's
    ``folder``) or ``{source = FILE, sheet = NAME, encoding = ENC}``; and the data set's name
    when it is embedded."""
    spec = value if isinstance(value, dict) else {"source": value}
    source = spec["source"]
    if source in DATASETS:
        return DATASETS[source].load(), source
    path = Path(source)
    if folder is not None and not path.is_absolute():
        path = Path(folder) / path
    return read_table(path, sheet=spec.get("sheet"), encoding=spec.get("encoding")), None


def source_path(study: Study, source: str) -> Path:
    """A data source file, relative to the study file's folder unless absolute."""
    path = Path(source)
    return study.path.parent / path if study.path is not None and not path.is_absolute() else path


def input_files(study: Study) -> list[Path]:
    """The study file and every data file it reads: what its output must never touch."""
    sources = [spec.get("source") for spec in data_specs(study.raw).values()]
    sources += [join.get("source") for spec in data_specs(study.raw).values()
                for join in (spec.get("join") if isinstance(spec.get("join"), list) else []) if isinstance(join, dict)]
    for analysis in study.analyses:  # the files its keys name (supply, candidates, records, anchors, ...)
        kind = REGISTRY.get(analysis.type)
        for param in {p.name: p for p in kind.options.values() if p.source}.values() if kind else ():
            value = analysis.options.get(param.name)
            sources.append(value.get("source") if isinstance(value, dict) else value)
    files = [source_path(study, s) for s in sources if isinstance(s, str) and s not in DATASETS]
    return ([study.path] if study.path is not None else []) + files
