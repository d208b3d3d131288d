"""``healthalloc demo``: the main analyses on the embedded data sets."""

from __future__ import annotations

import argparse
from pathlib import Path

from healthalloc.data import load_cst_hospitals, load_deap_eg4
from healthalloc.efficiency import dea, malmquist


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the main analyses on embedded example data",
        description="Run DEA (CRS, VRS, scale efficiency, returns to scale) on the 12-hospital "
        "example of Cooper, Seiford & Tone and the Malmquist index on DEAP 2.1's example 4, "
        "and write every table to an output folder.",
    )
    p.add_argument("-o", "--output", type=Path, default=Path("healthalloc-output/demo"),
                   help="output folder (default: healthalloc-output/demo)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out: Path = args.output
    out.mkdir(parents=True, exist_ok=True)
    hospitals = load_cst_hospitals()
    io = dict(inputs=["doctors", "nurses"], outputs=["outpatients", "inpatients"], unit="hospital")
    tables = {
        "dea_hospitals_crs.csv": dea(hospitals, **io).to_frame(),
        "dea_hospitals_vrs.csv": dea(hospitals, rts="vrs", **io).to_frame(),
    }
    eg4 = malmquist(load_deap_eg4(), ["x"], ["y"], unit="firm", period="year", orientation="output")
    tables["malmquist_deap_eg4.csv"] = eg4.to_frame()
    tables["malmquist_deap_eg4_means.csv"] = eg4.summary().reset_index()
    for name, table in tables.items():
        table.to_csv(out / name, index=False)
    vrs = tables["dea_hospitals_vrs.csv"].set_index("unit")
    print("DEA, 12 hospitals (Cooper, Seiford & Tone), input orientation:")
    print(vrs[["efficiency", "crs_efficiency", "scale_efficiency", "rts", "peers"]]
          .round(3).to_string())
    print("\nMalmquist index, DEAP 2.1 example 4 (output orientation), geometric means:")
    print(eg4.summary().round(3).to_string())
    print(f"\nTables written to {out.resolve()}")
    return 0
