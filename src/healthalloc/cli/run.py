"""``healthalloc run``: run a study file and write its output folder and report."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from healthalloc.cli._common import add_command, add_engine_options, add_output
from healthalloc.report.i18n import REPORT
from healthalloc.study import run_study

EXAMPLE = """\
example:
  healthalloc run examples/seed001.toml -o results/seed001
  healthalloc run examples/seed001.toml -o results/seed001-zh --lang zh   (report in Chinese)

A study file (TOML) names the data (embedded data sets or files), the variables' roles
(unit, period, group, inputs, outputs, conditions, population, area, coordinates, ...)
and the analyses to run, e.g.

  [data]
  source = "cst_hospitals"
  [roles]
  unit = "hospital"
  inputs = ["doctors", "nurses"]
  outputs = ["outpatients", "inpatients"]
  [[analyses]]
  type = "dea"
  rts = "vrs"

The output folder gets tables/*.csv, results.xlsx, figures/*.svg|png, report.html and
study.resolved.toml (every default filled in, with package versions).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "run", "Validate a study file, run its analyses in order and write one output "
                    "folder with tables, figures and a self-contained HTML report.",
                    EXAMPLE + "\n" + analyses_help())
    p.add_argument("study", type=Path, help="study file (.toml)")
    add_output(p, "output folder (default: healthalloc-output/<study file name>)", folder=True)
    add_engine_options(p)
    p.add_argument("--quiet", action="store_true",
                   help="no progress lines (one per analysis, on a terminal or not)")
    REPORT.add_to(p)
    p.set_defaults(func=run, engine=None, language=None)  # None: the study's [study] engine / language


def analyses_help(width: int = 88) -> str:
    """Every analysis a study can run, its roles and its keys with their defaults, as
    declared beside the functions that run them."""
    from healthalloc.study.registry import REGISTRY

    lines = ["analyses (type = ...): their roles (* required) and keys (defaults)"]
    for kind in REGISTRY.values():
        roles = [f"{p.role}*" if p.required else p.role for p in kind.params if p.role]
        keys = [p.name + (" (required)" if p.required else " (unset)" if p.default is None else f" = {p.default!r}")
                for p in kind.params if p.role is None and p.study]
        text = f"{kind.name}: {kind.title}. Roles {', '.join(roles) or 'none'}. Keys {', '.join(keys) or 'none'}."
        lines += textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="      ")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    engine = {"engine": args.engine, "scheduler": args.scheduler, "workers": args.workers}
    result = run_study(args.study, args.output, engine=engine, progress=not args.quiet,
                       language=args.language)
    print(f"Report: {result.report.resolve()}")
    return 0
