"""``healthalloc --help`` loads no analysis: the subcommands are imported when they run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from healthalloc.cli import SUBCOMMANDS, build_parser


@pytest.mark.parametrize("argv", [["--help"], ["dea", "--help"], ["malmquist", "--help"]])
def test_help_imports_neither_numpy_nor_pandas(argv):
    code = ("import sys, contextlib, io\n"
            "from healthalloc.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try: main({argv!r})\n"
            "    except SystemExit: pass\n"
            "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'matplotlib', 'highspy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_efficiency_functions_load_on_first_use_and_are_the_modules_own():
    import importlib

    import healthalloc.efficiency as efficiency

    bootstrap, dea, malmquist = (importlib.import_module(f"healthalloc.efficiency.{name}")
                                 for name in ("bootstrap", "dea", "malmquist"))
    assert efficiency.dea is dea.dea and efficiency.dea_bootstrap is bootstrap.dea_bootstrap
    assert efficiency.malmquist is malmquist.malmquist and efficiency.MalmquistResult is malmquist.MalmquistResult
    assert set(efficiency.__all__) <= set(dir(efficiency))
    with pytest.raises(AttributeError, match="has no attribute 'deaa'"):
        efficiency.deaa


def test_help_lists_every_subcommand_and_each_one_builds():
    text = build_parser().format_help()
    for name, line in SUBCOMMANDS.items():
        assert name in text and line[:30] in text
        sub = build_parser(name)._subparsers._group_actions[0].choices[name]
        assert sub.format_help().startswith(f"usage: healthalloc {name}")


def test_run_help_lists_every_analysis_with_its_declared_keys():
    from healthalloc.cli.run import analyses_help
    from healthalloc.study.registry import REGISTRY

    text = " ".join(analyses_help().split())
    for kind in REGISTRY.values():
        assert f"{kind.name}: {kind.title}." in text
        for p in kind.params:
            if p.role is None and p.study:
                assert p.name in text
    assert "incl_cut = 0.8" in text and "rts = 'crs'" in text and "records (required)" in text


@pytest.mark.parametrize("module", ["healthalloc.mobility.ergm", "healthalloc.mobility.network"])
def test_fitting_loads_no_drawing_or_graph_library(module):
    code = (f"import sys, {module}\n"
            "print(sorted(m for m in ('matplotlib', 'networkx') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
