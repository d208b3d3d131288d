"""``healthalloc demo``: the bundled study on embedded data, with its report."""

from __future__ import annotations

import argparse
from importlib.resources import as_file, files
from pathlib import Path

from healthalloc.cli._common import add_command, add_output
from healthalloc.report.i18n import REPORT, translate, using
from healthalloc.study import run_study


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "demo", "Run the bundled demo study: DEA, Malmquist and bootstrap on the "
                    "31-province panel 2014-2023 (outputs simulated: the panel has none) and fsQCA of seed "
                    "000's Guangxi data, then write tables, figures and report.html.")
    add_output(p, "output folder (default: healthalloc-output/demo)", folder=True,
               default=Path("healthalloc-output/demo"))
    p.add_argument("--quiet", action="store_true",
                   help="no progress lines (one per analysis, on a terminal or not)")
    REPORT.add_to(p)
    p.set_defaults(func=run, language=None)


def run(args: argparse.Namespace) -> int:
    with as_file(files("healthalloc.study") / "demo.toml") as study:
        result = run_study(study, args.output, progress=not args.quiet, language=args.language)
    with using(args.language or "en"):
        for sec in result.sections:
            print(f"- {translate(sec.title)}: {translate(sec.reading)}")
    print(f"\nReport: {result.report.resolve()}")
    return 0
