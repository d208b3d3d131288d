"""The ``healthalloc`` command: one subcommand per analysis.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to the function that
runs it (taking the parsed arguments, returning an exit code).
"""

from __future__ import annotations

import argparse
import sys
import warnings

from healthalloc import __version__
from healthalloc.cli import dea as _dea
from healthalloc.cli import demo as _demo
from healthalloc.cli import equity as _equity
from healthalloc.cli import malmquist as _malmquist
from healthalloc.cli import qca as _qca
from healthalloc.cli import run as _run
from healthalloc.cli import spatial as _spatial

SUBCOMMANDS = (_dea, _malmquist, _qca, _spatial, _equity, _run, _demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthalloc",
        description="Healthcare resource allocation analysis: efficiency (DEA, Malmquist), "
        "configurations (fsQCA), equity, accessibility, optimization and mobility networks.",
        epilog="Run 'healthalloc COMMAND --help' for each command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"healthalloc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
        try:
            return args.func(args) or 0
        except (ValueError, KeyError, FileNotFoundError) as exc:
            where = f"{args.file}: " if getattr(args, "file", None) else ""
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            print(f"error: {where}{message}", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
