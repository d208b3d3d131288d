"""``healthalloc dea``: efficiency scores, slacks, targets and peers for every unit."""

from __future__ import annotations

import argparse
from dataclasses import replace

from healthalloc.cli._common import (add_command, add_engine_options, add_input_file, add_output, input_paths,
                                     load, write_table)
from healthalloc.efficiency.declarations import BOOTSTRAP, CROSS, LUENBERGER, WINDOW
from healthalloc.efficiency.declarations import DEA as PARAMS
from healthalloc.params import Params

EXAMPLE = """\
example:
  healthalloc dea hospitals.csv --unit hospital --inputs doctors,nurses \\
      --outputs outpatients,inpatients --rts vrs -o scores.xlsx

One row per unit (and period with --by): unit, the --by column, efficiency (θ for input
orientation; 1/φ for output orientation, with φ in column phi), slack_*, target_*,
redundancy_* / shortfall_* (shares of the observed value), peers and peer_weights; with
--rts vrs also crs_efficiency, scale_efficiency and rts (irs/crs/drs, DEAP's rule); with
--bootstrap also bias, bias_corrected, ci_low, ci_high.

Window analysis (Charnes et al. 1985), --window W --by PERIOD: each W consecutive periods
pooled, every unit in every period a separate unit; one row per unit, window and period:
unit, window (the window's first period), the --by column and efficiency.

Cross-efficiency (CCR, input orientation; Sexton et al. 1986, Doyle & Green 1994),
--cross-efficiency simple|aggressive|benevolent: adds cross_efficiency (the mean rating with
every unit's weights, self included), peer_appraisal (self left out), maverick and rank, and
writes the matrix beside OUT as OUT.cross.csv (row: rater, column: rated unit).

Bad outputs, --undesirable COL[,COL] with --model sbm or super-sbm (Tone 2004) or ddf
(directional distance, Chung et al. 1997; column beta): columns to be reduced, not also listed
in --outputs; efficiency in (0, 1] (super-sbm: ≥ 1 for the efficient units); slack_*, target_*
and excess_* (share of the bad output) for each. Example on Tone
(2003)'s 9 units (one input x, good output yg, bad output yb; in the source tree as
tests/reference/efficiency/tone_2003.csv):
  healthalloc dea tone_2003.csv --unit dmu --inputs x --outputs yg --undesirable yb \\
      --model sbm --rts vrs -o sbm.csv

Malmquist–Luenberger index (Chung, Färe & Grosskopf 1997), --undesirable COL --luenberger
contemporaneous|global --unit U --by PERIOD: the directional distance function in the
direction (0, good outputs, −bad outputs), bad outputs weakly disposable; one row per unit
and transition: unit, period_from, period_to, ml, mleffch, mltech (ml = mleffch × mltech;
global: Oh 2010, circular); NaN where a cross-period LP is infeasible.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "dea", "Data envelopment analysis: evaluate every unit against the best-practice "
                    "frontier of its period and report how far it is from it and why.", EXAMPLE)
    add_input_file(p)
    PARAMS.add_to(p)
    # the bootstrap runs only when --bootstrap N asks for it (the library's default N is 2000)
    Params(replace(BOOTSTRAP["n_boot"], default=None, help="Simar–Wilson bootstrap with N replications (radial "
                   "model)"), replace(BOOTSTRAP["seed"], help="random seed for --bootstrap")).add_to(p)
    # window analysis and cross-efficiency run only when asked for (the library's defaults are 3 and simple)
    Params(replace(WINDOW["window"], default=None, help=WINDOW["window"].help + " (with --by)"),
           replace(CROSS["secondary"], default=None, help=CROSS["secondary"].help + "; the matrix goes to "
                   "OUT.cross.csv"),
           replace(LUENBERGER["reference"], default=None, help=LUENBERGER["reference"].help + " (with "
                   "--undesirable, --unit and --by)")).add_to(p)
    add_output(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_engine_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from healthalloc.efficiency import cross_efficiency, dea, dea_bootstrap
    from healthalloc.engine import get_executor

    data = load(args)
    kwargs = PARAMS.from_args(args)
    progress = False if args.quiet else None
    if args.n_boot is not None and (args.by or args.model != "radial"):
        raise ValueError("--bootstrap works with the radial model and without --by")
    if args.window is not None:
        return _window(args, kwargs, data, progress)
    if args.reference is not None:
        return _luenberger(args, kwargs, data, progress)
    if args.secondary is not None and (args.by or args.model != "radial" or args.rts != "crs"
                                       or args.orientation != "input" or args.n_boot is not None):
        raise ValueError("--cross-efficiency is CCR: the radial model with --rts crs and --orientation input, "
                         "without --by or --bootstrap")
    beside, cross = {}, None
    with get_executor(args.engine, scheduler=args.scheduler, workers=args.workers) as ex:
        result = dea(data, **kwargs, progress=progress, engine=ex)
        table = result.to_frame()
        if args.n_boot is not None:
            common = {k: kwargs[k] for k in ("inputs", "outputs", "unit", "rts", "orientation")}
            boot = dea_bootstrap(data, **common, n_boot=args.n_boot, seed=args.seed, progress=progress,
                                 engine=ex).to_frame()
            cols = ["bias", "bias_corrected", "ci_low", "ci_high"]
            table = table.join(boot.set_index("unit")[cols], on="unit")
        if args.secondary is not None:
            cross = cross_efficiency(data, kwargs["inputs"], kwargs["outputs"], unit=kwargs["unit"],
                                     secondary=args.secondary, progress=progress, engine=ex)
            cols = ["cross_efficiency", "peer_appraisal", "maverick", "rank"]
            table = table.join(cross.to_frame().set_index("unit")[cols], on="unit")
            beside = {".cross.csv": cross.matrix.reset_index()}
    write_table(table, args.output, inputs=input_paths(args), overwrite=args.overwrite, beside=beside)
    print(result.summary().round(3).to_string())
    print(result.reading())
    if cross is not None:
        print(cross.reading())
    return 0


def _window(args: argparse.Namespace, kwargs: dict, data, progress) -> int:
    """``--window W --by PERIOD``: window analysis, one row per unit, window and period."""
    from healthalloc.efficiency import window_dea

    if not args.by or args.unit is None or args.model != "radial" or args.n_boot is not None \
            or args.secondary is not None or args.undesirable or args.reference is not None:
        raise ValueError("--window needs --by and --unit, with the radial model and without --bootstrap, "
                         "--cross-efficiency, --undesirable or --luenberger")
    return _panel(window_dea, args, data, kwargs, ("inputs", "outputs", "unit", "by", "rts", "orientation"),
                  window=args.window, progress=progress)


def _luenberger(args: argparse.Namespace, kwargs: dict, data, progress) -> int:
    """``--luenberger REFERENCE --undesirable COL --unit U --by PERIOD``: the Malmquist–Luenberger
    index, one row per unit and transition."""
    from healthalloc.efficiency.luenberger import luenberger

    if not (args.by and args.unit and args.undesirable) or args.model != "radial" or args.orientation != "input" \
            or args.n_boot is not None or args.secondary is not None:
        raise ValueError("--luenberger needs --undesirable, --unit and --by, without --model, --orientation, "
                         "--bootstrap or --cross-efficiency (the directional distance function is non-oriented)")
    return _panel(luenberger, args, data, kwargs, ("inputs", "outputs", "undesirable", "unit", "by", "rts"),
                  reference=args.reference, progress=progress)


def _panel(function, args: argparse.Namespace, data, kwargs: dict, keys: tuple, **options) -> int:
    """Run a panel analysis on the chosen engine with the ``keys`` of the DEA options, write its table
    and print its summary and reading."""
    result = function(data, **{k: kwargs[k] for k in keys}, **options, engine=args.engine, scheduler=args.scheduler,
                      workers=args.workers)
    write_table(result.to_frame(), args.output, inputs=input_paths(args), overwrite=args.overwrite)
    print(result.summary().round(3).to_string())
    print(result.reading())
    return 0
