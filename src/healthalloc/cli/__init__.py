"""The ``healthalloc`` command: one subcommand per analysis.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to the function that
runs it (taking the parsed arguments, returning an exit code). A module is imported
only when its subcommand runs, so ``healthalloc --help`` loads no analysis.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from pathlib import Path

from healthalloc import __version__
from healthalloc.cli._common import beside_path, input_paths

#: Subcommands in ``--help`` order: name → one-line help (the module is ``healthalloc.cli.NAME``, ``-`` as ``_``).
SUBCOMMANDS = {
    "dea": "DEA efficiency (CRS/VRS, input/output, super-efficiency, SBM and super-SBM with bad outputs, "
           "Malmquist-Luenberger, bootstrap)",
    "malmquist": "Malmquist productivity index (effch, techch, pech, sech, tfpch; DEAP 2.1)",
    "second-stage": "second stage: DEA scores on the environment (Tobit; Simar-Wilson 2007 bootstrap)",
    "sfa": "stochastic frontier analysis: production or cost frontiers, efficiencies, LR test",
    "qca": "fuzzy-set QCA: calibration, necessity, truth table, solutions, charts",
    "spatial": "spatial autocorrelation (Moran's I, LISA), convergence and Markov chains",
    "equity": "equity of a resource: Gini (population, area), Theil with decomposition, HRDI",
    "tiers": "tier structure: high-tier vs primary-care shares, imbalance ratio, group tests",
    "access": "spatial accessibility: 2SFCA, E2SFCA, 3SFCA, Huff-2SFCA",
    "optimize": "optimize allocation: facility location (MCLP, p-median, LSCP) or capacity",
    "network": "mobility networks: build from records or flows, centrality",
    "ergm": "exponential random graph model (statnet formula; MLE or MCMC-MLE)",
    "run": "run a study file: all its analyses, one report",
    "demo": "run every analysis on embedded example data and write a report",
    "data": "embedded data sets: list, describe, export as .csv or .xlsx",
}


class _Parser(argparse.ArgumentParser):
    """Usage errors as one ``error:`` line pointing to ``--help`` (exit 2)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {message} (see '{self.prog} --help')\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with ``command``'s options in full and the other subcommands listed."""
    parser = _Parser(
        prog="healthalloc",
        description="Healthcare resource allocation analysis: efficiency (DEA, Malmquist), "
        "configurations (fsQCA), equity and spatial patterns, accessibility and allocation "
        "optimization, mobility networks (ERGMs), and study files that run them all into one "
        "report.",
        epilog="Run 'healthalloc COMMAND --help' for each command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"healthalloc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, line in SUBCOMMANDS.items():
        if name == command:
            importlib.import_module(f"healthalloc.cli.{name.replace('-', '_')}").register(sub)
        else:
            sub.add_parser(name, help=line, add_help=False)
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (its first word that is not an option)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; user errors end in one ``error:`` line (exit 2), Ctrl-C in one
    line (exit 130), a closed pipe quietly (exit 141), a defect in one line (exit 1)."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(_command(argv)).parse_args(argv)
    saved = warnings.formatwarning
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.formatwarning = _format_warning
        try:
            _check_output(args)
            code = args.func(args) or 0
            sys.stdout.flush()
            return code
        except KeyboardInterrupt:
            print("\ninterrupted: nothing was written", file=sys.stderr)
            return 130
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141
        except (ValueError, KeyError, OSError, *_solver_errors()) as exc:
            print(f"error: {_message(exc, args)}", file=sys.stderr)
            return 2
        except Exception as exc:  # a defect of ours, not the user's: say so, in one line
            if os.environ.get("HEALTHALLOC_DEBUG"):
                raise
            print(f"error: internal error ({type(exc).__name__}: {exc}); please report it with the "
                  "command you ran (HEALTHALLOC_DEBUG=1 shows the traceback)", file=sys.stderr)
            return 1
        finally:
            warnings.formatwarning = saved


def _format_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings as ``warning: ...`` lines (the format is restored when the command ends)."""
    return f"warning: {message}\n"


def _solver_errors() -> tuple[type[Exception], ...]:
    """The solver's error class, once the solver has been loaded (else none can occur)."""
    solver = sys.modules.get("healthalloc.solver")
    return (solver.SolverError,) if solver else ()


def _check_output(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output path that is also an input of the run, and a file
    output (with the files always written beside it) that may not be written."""
    out = getattr(args, "output", None)
    if not isinstance(out, Path):
        return
    for path in input_paths(args):
        if out.resolve() == path.resolve():
            raise ValueError(f"{out}: is an input of this run; give the output another name")
    if hasattr(args, "overwrite"):
        from healthalloc.data.output import check_file

        check_file(out, (".csv", ".xlsx"), input_paths(args), overwrite=args.overwrite)
        for ending in getattr(args, "beside", ()):  # files always written beside it
            own = Path(ending).suffix
            check_file(beside_path(out, ending), (own,) if own else (".csv", ".xlsx"), input_paths(args),
                       overwrite=args.overwrite)


def _message(exc: BaseException, args: argparse.Namespace) -> str:
    """The error's text, prefixed with the data file's name unless it names a file itself."""
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    named = [p.name for p in input_paths(args)] + [str(p) for p in input_paths(args)]
    out = getattr(args, "output", None)
    if isinstance(out, Path):
        named += [out.name, str(out)]
    data = getattr(args, "file", None)
    if data is None or any(text.startswith(f"{name}:") or text.startswith(f"{name},") for name in named):
        return text
    return f"{data}: {text}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
