"""The declaration is the contract: every public entry point agrees with its declaration and
checks its arguments by it, and every command-line option and study key comes from one."""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
from pathlib import Path

import pandas as pd
import pytest

from healthalloc.cli import SUBCOMMANDS, build_parser
from healthalloc.params import REQUIRED, Param, Params, declared
from healthalloc.study.registry import REGISTRY

SRC = Path(__file__).resolve().parents[1] / "src" / "healthalloc"

#: Every public entry point, by module: each is bound to its declaration by declared().
ENTRY_POINTS = {
    "healthalloc.efficiency": ("dea", "dea_bootstrap", "malmquist", "window_dea", "cross_efficiency"),
    "healthalloc.qca": ("fsqca", "robustness", "calibrate", "calibrate_table", "calibrate_percentiles", "calibrated",
                        "necessity", "truth_table", "minimize", "solve", "configuration_chart"),
    "healthalloc.equity": ("equity", "gini", "lorenz", "theil", "theil_groups", "concentration_index", "agglomeration"),
    "healthalloc.spatial": ("spatial_analysis", "spatial_weights", "spatial_markov", "moran", "moran_local",
                            "kernel_density", "sigma_convergence", "beta_convergence", "compare_groups",
                            "knn_weights", "adjacency_weights", "distance_band_weights", "province_weights",
                            "province_points", "as_weights", "unit_coordinates"),
    "healthalloc.access": ("accessibility",),
    "healthalloc.tiers": ("tiers",),
    "healthalloc.efficiency.second_stage": ("second_stage",),
    "healthalloc.efficiency.luenberger": ("luenberger",),
    "healthalloc.efficiency.three_stage": ("three_stage",),
    "healthalloc.efficiency.sfa": ("sfa",),
    "healthalloc.optimize": ("optimize_capacity", "locate", "tradeoff", "scenario", "plan"),
    "healthalloc.mobility": ("network_from_records", "network_from_edges", "read_network", "geo_proximity"),
    "healthalloc.mobility.ergm": ("ergm", "Control", "fit_networks", "compare_networks"),
    "healthalloc.engine": ("get_executor",),
    "healthalloc.spatial.bivariate": ("moran_bv",),
    "healthalloc.mobility.centrality": ("supply_correlation",),
}

#: Options naming the files a command reads or writes (or how), not parameters of an analysis;
#: --provinces selects the declared weights = "provinces" (the other sources are their own
#: declared options), --undirected is the older spelling of --no-directed.
INPUT_OUTPUT = {"-h", "--help", "--version", "-o", "--output", "--overwrite", "--quiet", "--sheet", "--encoding",
                "--demand", "--supply", "--od", "--candidates", "--existing", "--nodes", "--edges", "--edgecov",
                "--coords", "--same-category", "--units", "--provinces", "--undirected", "--map"}


def _entry_points():
    for module, names in ENTRY_POINTS.items():
        for name in names:
            yield f"{module}.{name}", getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("name, func", list(_entry_points()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_entry_point_is_bound_to_its_declaration(name, func):
    target = func.__init__ if isinstance(func, type) else func
    assert isinstance(getattr(target, "params", None), Params), f"{name} does not go through declared()"
    assert hasattr(target, "__wrapped__")


def _parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


@pytest.mark.parametrize("command", list(SUBCOMMANDS))
def test_every_option_of_every_subcommand_comes_from_a_declaration(command):
    undeclared = []
    for parser in _parsers(build_parser(command)):
        for action in parser._actions:
            if action.option_strings and not hasattr(action, "declared") \
                    and not set(action.option_strings) & INPUT_OUTPUT:
                undeclared.append(f"{parser.prog} {'/'.join(action.option_strings)}")
    assert not undeclared, f"hand-written options: {undeclared}"


def test_options_carry_their_declarations_defaults_and_spelling():
    """Older spellings stay: --value (network build) and --id (access) name the declared option."""
    build = next(p for p in _parsers(build_parser("network")) if p.prog.endswith("build"))
    by_flag = {flag: a for a in build._actions for flag in a.option_strings}
    assert by_flag["--value"] is by_flag["--threshold"] and by_flag["--threshold"].declared.name == "threshold"
    assert by_flag["--directed"].default is True and build.parse_args(
        ["r.csv", "--undirected", "-o", "out"]).directed is False
    access = next(p for p in _parsers(build_parser("access")) if p.prog.endswith("access"))
    assert access.parse_args(["--demand", "d", "--supply", "s", "--method", "2sfca", "--id", "code",
                              "-o", "x.csv"]).unit == "code"


def _library_params() -> dict[str, list[Param]]:
    out: dict[str, list[Param]] = {}
    for _, func in _entry_points():
        target = func.__init__ if isinstance(func, type) else func
        for p in target.params:
            out.setdefault(p.name, []).append(p)
    return out


@pytest.mark.parametrize("analysis", sorted(REGISTRY))
def test_study_keys_sharing_a_library_name_keep_its_rules(analysis):
    """A study key named as a library keyword has that keyword's choices and range (a differing
    default is a visible replace() in the registration)."""
    library = _library_params()
    for p in REGISTRY[analysis].params:
        if (analysis, p.name) == ("qca_robustness", "percentiles"):
            continue  # a list of percentile triples, one calibration variant each
        if p.name in library and p.role is None:
            rules = {(q.choices, q.low, q.high, q.many) for q in library[p.name]}
            assert (p.choices, p.low, p.high, p.many) in rules, f"{analysis}.{p.name} drifted from the library"


def test_signature_and_declaration_must_agree_at_import():
    with pytest.raises(TypeError, match=r"f: the signature and its declaration disagree: b is not declared"):
        @declared(Params(Param("a", 1)))
        def f(a=1, b=2):
            return a
    with pytest.raises(TypeError, match=r"a defaults to 1 in the declaration, 2 in the signature"):
        @declared(Params(Param("a", 1)))
        def g(a=2):
            return a
    with pytest.raises(TypeError, match=r"a is required in the declaration only"):
        @declared(Params(Param("a", REQUIRED, kind=int)))
        def h(a=2):
            return a


def test_every_call_is_checked_with_the_text_the_cli_and_studies_print():
    from healthalloc.efficiency import dea
    from healthalloc.efficiency.declarations import DEA

    data = pd.DataFrame({"u": ["a", "b"], "x": [1.0, 2.0], "y": [1.0, 1.0]})
    with pytest.raises(ValueError, match=re.escape(DEA["rts"].check("drs"))):
        dea(data, ["x"], ["y"], unit="u", rts="drs")
    parser = argparse.ArgumentParser(exit_on_error=False)
    DEA.add_to(parser)
    with pytest.raises(argparse.ArgumentError, match=re.escape(DEA["rts"].check("drs"))):
        parser.parse_args(["--inputs", "x", "--outputs", "y", "--rts", "drs"])


def test_older_names_are_read_with_a_future_warning():
    from healthalloc.mobility import network_from_edges

    edges = pd.DataFrame({"a": ["x", "y"], "b": ["y", "z"]})
    with pytest.warns(FutureWarning, match=r"network_from_edges\(source=\.\.\.\) is now origin="):
        older = network_from_edges(edges, source="a", destination="b")
    assert older.n_edges == network_from_edges(edges, origin="a", destination="b").n_edges == 2


def test_hand_written_choice_checks_are_gone():
    """'must be one of' is written in params.py only, and only access imports access's private modules."""
    offenders = [str(f.relative_to(SRC)) for f in SRC.rglob("*.py")
                 if "must be one of" in f.read_text(encoding="utf-8") and f.name != "params.py"]
    assert not offenders
    private = [str(f.relative_to(SRC)) for f in SRC.rglob("*.py") if f.parent.name != "access"
               and re.search(r"healthalloc\.access\._|from healthalloc\.access import _", f.read_text(encoding="utf-8"))]
    assert not private


def _documented(doc: str) -> list[str]:
    """The names of the entries of ``doc``'s Parameters section, as often as they appear."""
    section = inspect.cleandoc(doc).split("Parameters\n----------\n", 1)[1].split("\n\n", 1)[0]
    return [n.strip() for line in section.splitlines() if line[:1].strip() for n in line.split(" :")[0].split(",")]


@pytest.mark.parametrize("name, func", list(_entry_points()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_declared_parameter_is_documented_once(name, func):
    target = func.__init__ if isinstance(func, type) else func
    names = _documented(func.__doc__)
    assert [p.name for p in target.params if names.count(p.name) != 1] == [], name


def test_the_docstring_documents_the_declaration_and_keeps_its_examples():
    @declared(Params(Param("x", REQUIRED, "the x column", role="x"), Param("k", 3, "classes", low=2, aliases=("m",)),
                     Param("how", "a", "how to", choices=("a", "b"))), data=("data",))
    def f(data, x, *, k=3, how="a"):
        """Do it.

        Parameters
        ----------
        data : DataFrame
            The table.
        how : {"a", "b"}
            Hand-written: kept.

        Examples
        --------
        >>> 1 + 1
        2
        """

    assert _documented(f.__doc__) == ["data", "how", "x", "k"]
    assert ("        x : str\n            The x column.\n        k : int, default 3\n"
            "            Classes (≥ 2) (older name: m).\n\n        Examples\n        --------\n"
            "        >>> 1 + 1\n        2\n        ") in f.__doc__
