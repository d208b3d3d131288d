"""README.md tells the truth: its commands and code run as written on a fresh clone, and it
names only the subcommands, analyses and folders that exist."""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from healthalloc.cli import build_parser
from healthalloc.study.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXE = Path(sys.executable).with_name("healthalloc")
TIMEOUT = 900  # seconds per command: generous, the machine may be busy
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", README, re.M | re.S)


def _code(language: str) -> list[str]:
    return [body for kind, body in BLOCKS if kind == language]


def _commands() -> list[list[str]]:
    """The commands of the ``sh`` blocks, in order, continuation lines joined, comments dropped."""
    lines = "".join(_code("sh")).replace("\\\n", " ").splitlines()
    return [words for words in map(lambda line: shlex.split(line, comments=True), lines) if words]


def _subcommands() -> set[str]:
    parser = build_parser()
    return {name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name in action.choices}


def _ticked(paragraph_start: str) -> set[str]:
    """The `code` words of the README paragraph that starts with ``paragraph_start``."""
    paragraph = README[README.index(paragraph_start):].split("\n\n")[0]
    return set(re.findall(r"`([^`]+)`", paragraph))


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A fresh folder holding what a clone has (examples/) and the README's named study files."""
    folder = tmp_path_factory.mktemp("clone")
    shutil.copytree(ROOT / "examples", folder / "examples")
    for body in _code("toml"):
        (folder / re.match(r"# (\S+\.toml)\n", body)[1]).write_text(body, encoding="utf-8")
    return folder


def test_the_readme_has_only_make_and_healthalloc_commands_and_named_study_files():
    programs = [words[0] for words in _commands()]
    assert set(programs) == {"make", "healthalloc"}
    assert programs.count("healthalloc") >= 8
    assert all(re.match(r"# \S+\.toml\n", body) for body in _code("toml")), \
        "each toml block starts with '# NAME.toml' so that the commands can use it"


def test_every_healthalloc_command_runs_as_written(clone):
    for words in _commands():
        if words[0] != "healthalloc":
            continue  # make: the set-up itself, run by `make test`
        done = subprocess.run([str(EXE), *words[1:]], cwd=clone, capture_output=True, text=True,
                              timeout=TIMEOUT)
        assert done.returncode == 0, f"{shlex.join(words)} exited {done.returncode}:\n{done.stderr}"
    assert (clone / "healthalloc-output" / "seed001" / "report.html").is_file()
    assert (clone / "hospitals-report" / "report.html").is_file()
    assert (clone / "qca" / "chart.md").is_file() and (clone / "equity.xlsx").is_file()


@pytest.mark.parametrize("number", range(len(_code("python"))))
def test_every_python_example_runs(tmp_path, number):
    done = subprocess.run([sys.executable, "-c", _code("python")[number]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr


def test_help_lists_only_subcommands_that_run_and_the_readme_names_the_same():
    commands = _subcommands()
    helptext = subprocess.run([str(EXE), "--help"], capture_output=True, text=True, check=True).stdout
    assert set(re.findall(r"^    ([\w-]+)", helptext, re.M)) == commands
    for command in commands:
        done = subprocess.run([str(EXE), command, "--help"], capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout.startswith(f"usage: healthalloc {command}"), command
    assert set(re.findall(r"\bhealthalloc ([a-z][\w-]*)", README)) <= commands
    assert _ticked("**Command line.**") >= commands


def test_the_analyses_named_are_the_registered_ones():
    assert _ticked("Analyses:") == set(REGISTRY)


def test_every_folder_of_the_layout_exists():
    layout = next(body for kind, body in BLOCKS if not kind and "src/healthalloc/" in body)
    for line in layout.splitlines():
        base = ROOT / "src" / "healthalloc" if line.startswith("  ") else ROOT
        assert (base / line.split()[0]).exists(), line
