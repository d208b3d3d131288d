"""Run a study: validate everything first, run the analyses in order, write one folder.

The output folder holds every table as CSV (``tables/``) and in ``results.xlsx`` (a sheet
per table), figures as SVG and PNG (``figures/``), ``report.html``, and
``study.resolved.toml`` (the study with every default filled in, plus package versions).
It is built beside its target and moved into place at the end
(:func:`healthalloc.data.output.output_folder`), so a failed run never leaves a folder
that looks complete and never touches anything the user owns.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import tomli_w

import healthalloc
import healthalloc.study.analyses  # noqa: F401  (registers the analyses)
import healthalloc.study.analyses_access  # noqa: F401  (registers access, capacity, location, scenario)
import healthalloc.study.analyses_efficiency  # noqa: F401  (registers sfa)
import healthalloc.study.analyses_mobility  # noqa: F401  (registers network, ergm)
import healthalloc.study.analyses_tiers  # noqa: F401  (registers tiers)
from healthalloc.data import data_dictionary
from healthalloc.data.datasets import DATASETS
from healthalloc.data.messages import listing
from healthalloc.data.output import check_output_folder, output_folder, write_tables
from healthalloc.data.validate import layout_hint
from healthalloc.engine import ENGINE, get_executor, show_progress
from healthalloc.params import REQUIRED, suggest
from healthalloc.report.figures import save
from healthalloc.report import i18n
from healthalloc.report.html import render_report
from healthalloc.report.labels import label, study_labels
from healthalloc.report.section import Section
from healthalloc.solver import SolverError
from healthalloc.study.registry import REGISTRY, AnalysisType, Context
from healthalloc.study.spec import (AnalysisSpec, Study, data_key, data_specs, input_files, list_roles,
                                    load_data, load_study, source_path)

#: The ``[study]`` keys choosing where the work runs (see :mod:`healthalloc.engine`).
ENGINE_PARAMS = ENGINE.options

PROVENANCE = ("healthalloc", "numpy", "scipy", "pandas", "highspy", "statsmodels", "libpysal",
              "esda", "giddy", "matplotlib", "dask", "distributed")
#: Warnings about code rather than results: shown on stderr only, never in the report.
CODE_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning, ResourceWarning)


@dataclass(frozen=True)
class StudyResult:
    """The sections of a finished study and where its outputs are."""

    title: str
    sections: list[Section]
    output: Path
    simulated: list[str]

    @property
    def report(self) -> Path:
        return self.output / "report.html"


@dataclass(frozen=True)
class _Planned:
    kind: AnalysisType
    spec: AnalysisSpec
    roles: dict
    options: dict


def plan(study: Study, tables: dict[str, pd.DataFrame]) -> list[_Planned]:
    """Check every analysis, option, role and reference before any work starts."""
    done: dict[str, AnalysisType] = {}
    out = []
    for spec in study.analyses:
        where = ("analyses", spec.index)
        data = tables[spec.data]
        set_roles = data_specs(study.raw)[spec.data].get("roles", {})
        kind = REGISTRY.get(spec.type)
        if kind is None:
            raise study.error((*where, "type"), f"unknown analysis {spec.type!r}{suggest(spec.type, sorted(REGISTRY))}")
        used = kind.roles + kind.optional_roles
        given = {}  # the analysis' own keys: a role name it does not use may be one of its options
        for role in spec.roles:
            if role not in used and role not in kind.options:
                raise study.error((*where, role), f"{kind.name} does not use the role {role!r}"
                                                  f"{suggest(role, used)}")
            if role not in used:
                given[role] = spec.roles[role]
        layers = [({k: v for k, v in spec.roles.items() if k in used}, None),
                  (set_roles, data_key(study.raw, spec.data)), (study.raw.get("roles", {}), ())]
        options = {}
        for key, value in (spec.options | given).items():
            param = kind.options.get(key)
            if param is None:
                raise study.error((*where, key), f"unknown option {key!r} for {kind.name}"
                                                 f"{suggest(key, [p.name for p in kind.options.values()])}")
            problem = param.check(value)
            if problem:
                raise study.error((*where, key), problem)
            source = value.get("source") if param.source and isinstance(value, dict) else value
            if param.source and isinstance(source, str) and source not in DATASETS:
                if not source_path(study, source).exists():
                    raise study.error((*where, key), f"{source!r} is neither an embedded data set nor a file"
                                                     f"{suggest(source, list(DATASETS))}")
            if key != param.name:
                warnings.warn(f"{study.path.name if study.path else 'study'}: option {key!r} of "
                              f"{spec.name} is now called {param.name!r}", FutureWarning, stacklevel=2)
            options[param.name] = value
        options = {p.name: p.default for p in kind.options.values()} | options
        declared = {p.name: p for p in kind.options.values()}.values()
        missing = [p for p in declared if p.required and options[p.name] is REQUIRED]
        if missing:
            keys = ", ".join(f"{p.name!r} ({p.help})" if p.help else repr(p.name) for p in missing)
            raise study.error(where, f"{_named(spec, kind)} needs the key{'s' if len(missing) > 1 else ''} "
                                     f"{keys}")
        roles, places = {}, {}
        for role in kind.roles + kind.optional_roles:
            found = next(((layer[role], at) for layer, at in layers if role in layer), None)
            if found is None:
                if role in kind.roles:
                    raise study.error(where, f"{_named(spec, kind)} needs the role {role!r}: set it in [roles], "
                                             "in its data set's roles or in this analysis")
                continue
            value, at = found
            at = (*where, role) if at is None else (*at, "roles", role) if at else ("roles", role)
            roles[role] = _check_role(study, data, role, value, at, done)
            places[role] = at
        _check_twice(study, roles, places)
        done[spec.name] = kind
        out.append(_Planned(kind, spec, roles, options))
    return out


def _named(spec: AnalysisSpec, kind: AnalysisType) -> str:
    """``"evolution (spatial)"``, or ``"spatial"`` when the analysis has its type's name."""
    return kind.name if spec.name == kind.name else f"{spec.name} ({kind.name})"


def _check_role(study, data, role, value, at, done):
    if role in list_roles():
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise study.error(at, f"{role} must be a list of column names")
        names = value
    elif isinstance(value, str):
        names = [value]
    else:
        raise study.error(at, f"{role} must be a column name")
    for name in names:
        if name in data.columns:
            continue
        prefix, _, column = name.partition(".")
        if column and prefix in done:
            if column not in done[prefix].exports:
                raise study.error(at, f"analysis {prefix!r} exports {list(done[prefix].exports)}, "
                                      f"not {column!r}")
            continue
        if column and prefix in [a.name for a in study.analyses]:
            raise study.error(at, f"{name!r} refers to analysis {prefix!r}, which runs later")
        hint = difflib.get_close_matches(name, list(map(str, data.columns)), n=1)
        more = f"; did you mean {hint[0]!r}?" if hint else ""
        layout = layout_hint(data, [name])
        raise study.error(at, f"no column {name!r} in the data{more}" + (f"; {layout}" if layout else ""))
    return value


def _check_twice(study, roles, places):
    """A column may play one role per analysis (an input is not also an output)."""
    seen: dict[str, str] = {}
    for role, value in roles.items():
        for name in value if isinstance(value, list) else [value]:
            if name in seen:
                raise study.error(places[role], f"column {name!r} is used as both {seen[name]} and {role}")
            seen[name] = role


def _resolve(roles: dict, sections: dict[str, Section]) -> dict:
    """Replace ``analysis.column`` references by the Series that analysis exported."""
    out = {}
    for role, value in roles.items():
        if isinstance(value, str) and "." in value and value.split(".", 1)[0] in sections:
            prefix, column = value.split(".", 1)
            out[role] = sections[prefix].exports[column].rename(column)
        else:
            out[role] = value
    return out


def _run_analysis(run, ctx: Context) -> tuple[Section, list[warnings.WarningMessage]]:
    """Run one analysis, recording its warnings (shown at once when it fails)."""
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            return run(ctx), caught
    except Exception:
        _show_warnings(caught)
        raise


def _show_warnings(caught: list[warnings.WarningMessage], sec: Section | None = None,
                   said: set | None = None) -> None:
    """Each distinct warning once on stderr (through the warning filters; once per run with the
    run's ``said``); healthalloc's own also as a note of ``sec`` (beside the table it names, see
    :meth:`Section.add_note`; :func:`_each_note_once` keeps the first of a report's repeats)."""
    package = Path(healthalloc.__file__).resolve().parent
    said = set() if said is None else said
    for w in caught:
        key = (w.category, str(w.message))
        if sec is not None and not issubclass(w.category, CODE_WARNINGS) and \
                Path(w.filename).resolve().is_relative_to(package):
            sec.add_note(f"Warning: {w.message}")
        if key not in said:
            said.add(key)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def _each_note_once(sections: list[Section]) -> None:
    """A note said by several sections (the same warning, the same data caveat) is kept where
    it is first said, naming the sections that said it too, and dropped from them."""
    first: dict[str, tuple[list, list[str]]] = {}
    for sec in sections:
        for place in (sec.notes, *sec.table_notes.values()):
            for text in list(place):
                if text in first:
                    place.remove(text)
                    if sec.title not in first[text][1]:
                        first[text][1].append(sec.title)
                else:
                    first[text] = (place, [])
    for text, (place, also) in first.items():
        if also:
            place[place.index(text)] = f"{text} (Also in {listing(also)}.)"


def run_study(source: str | Path | dict, output: str | Path | None = None, *,
              progress: bool | None = None, engine: dict | None = None, language: str | None = None) -> StudyResult:
    """Validate and run a study; write its folder (default ``healthalloc-output/<file stem>``).

    ``engine`` (``{"engine": "processes", "workers": 2}`` etc.) overrides the study's
    ``[study]`` engine settings; DEA, the bootstrap and Malmquist use them. ``language``
    (``"en"``, ``"zh"``) overrides the study's ``[study] language`` (default English)."""
    study = load_study(source)
    if language is None:  # the study's key (checked by load_study), else English
        language = study.raw.get("study", {}).get("language", "en")
    with i18n.using(language), study_labels(study.raw.get("labels", {})):
        return _run(study, output, progress, engine)


def _run(study: Study, output, progress, engine) -> StudyResult:
    stem = study.path.stem if study.path else "study"
    folder = Path(output) if output else Path("healthalloc-output") / stem
    inputs = input_files(study)
    check_output_folder(folder, inputs)
    settings = _engine_settings(study, engine or {})
    loaded = load_data(study)
    tables = {name: frame for name, (frame, _, _) in loaded.items()}
    used = sorted({d for _, u, _ in loaded.values() for d in u})
    simulated = [c for _, _, sim in loaded.values() for c in sim]
    steps = plan(study, tables)
    show = show_progress(progress)
    sections: dict[str, Section] = {}
    said: set = set()  # the warnings shown on stderr
    with get_executor(**settings) as executor:
        for i, step in enumerate(steps, start=1):
            start = time.perf_counter()
            if show:
                print(f"[{i}/{len(steps)}] {step.spec.name}: {step.kind.title} ...", file=sys.stderr, flush=True)
            ctx = Context(step.spec.name, tables[step.spec.data], _resolve(step.roles, sections), step.options,
                          study.path.parent if study.path else None, {"engine": executor}, step.kind.params)
            try:
                sections[step.spec.name], caught = _run_analysis(step.kind.run, ctx)
            except (ValueError, KeyError, SolverError) as exc:
                text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
                raise study.error(("analyses", step.spec.index), f"{step.spec.name} failed: {text}") from exc
            if show:
                print(f"[{i}/{len(steps)}] {step.spec.name} done ({time.perf_counter() - start:.1f} s)",
                      file=sys.stderr)
            _show_warnings(caught, sections[step.spec.name], said)
    _each_note_once(list(sections.values()))
    notes = [f"Columns {', '.join(simulated)} are SIMULATED by healthalloc.data.simulate_outputs "
             "(seeded, for demonstration): they are not data."] if simulated else []
    dictionary = data_dictionary()
    dictionary = dictionary[dictionary["dataset"].isin(used)]
    dictionary.insert(2, "label", dictionary["column"].map(label))
    resolved = _resolved(study, steps)
    with output_folder(folder, inputs) as tmp:
        _write(tmp, study.title, list(sections.values()), notes, dictionary, resolved)
    return StudyResult(study.title, list(sections.values()), folder, simulated)


def _engine_settings(study: Study, override: dict) -> dict:
    """``[study]``'s engine, scheduler and workers (checked), overridden by ``override``."""
    settings = {k: v for k, v in study.raw.get("study", {}).items() if k in ENGINE_PARAMS}
    for key, value in settings.items():
        problem = ENGINE_PARAMS[key].check(value)
        if problem:
            raise study.error(("study", key), problem)
    return settings | {k: v for k, v in override.items() if v is not None}


def _resolved(study: Study, steps: list[_Planned]) -> dict:
    resolved = {k: v for k, v in study.raw.items() if k != "analyses"}
    resolved["analyses"] = [{"type": s.kind.name, "name": s.spec.name, "data": s.spec.data, **s.roles,
                             **{k: v for k, v in s.options.items() if v is not None}} for s in steps]
    versions = {}
    for package in PROVENANCE:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    resolved["provenance"] = {"python": platform.python_version(), "platform": platform.platform(),
                              "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "packages": versions}
    return resolved


def _write(folder: Path, title, sections, notes, dictionary, resolved) -> None:
    """Write every output into ``folder`` (new and empty)."""
    (folder / "tables").mkdir()
    (folder / "figures").mkdir()
    tables = {f"{sec.name}_{name}": table for sec in sections for name, table in sec.tables.items()}
    for name, table in tables.items():
        write_tables(folder / "tables" / f"{name}.csv", {name: table})
    for sec in sections:
        for name, fig in sec.figures.items():
            save(fig, folder / "figures" / f"{sec.name}_{name}")
    write_tables(folder / "results.xlsx", tables)
    (folder / "report.html").write_text(render_report(title, sections, notes=notes, dictionary=dictionary),
                                        encoding="utf-8")
    (folder / "study.resolved.toml").write_text(tomli_w.dumps(_plain(resolved)), encoding="utf-8")


def _plain(value):
    """TOML-serializable copy (numpy scalars → Python, None dropped)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value
