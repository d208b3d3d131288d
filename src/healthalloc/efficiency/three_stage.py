"""Three-stage DEA (Fried, Lovell, Schmidt & Yaisawarng 2002): efficiency net of the
environment and of statistical noise.

1. Input-oriented DEA of the units (VRS by default, with CRS and scale efficiency beside it).
2. Each input's total slack (radial and non-radial, ``x − target``) is regressed on the
   environmental variables z by a stochastic cost frontier in levels,
   ``sₖᵢ = zᵢ'βₖ + vₖᵢ + uₖᵢ`` (u ≥ 0 managerial inefficiency, v noise;
   :func:`healthalloc.efficiency.sfa.estimate`), and the noise is recovered as
   ``E[v | ε] = ε − E[u | ε]`` (Jondrow et al. 1982).
3. Each unit's inputs are raised to put every unit in the least favourable environment and
   the unluckiest state of nature, ``xᴬₖᵢ = xₖᵢ + [maxⱼ zⱼ'β̂ₖ − zᵢ'β̂ₖ] + [maxⱼ v̂ₖⱼ − v̂ₖᵢ]``,
   and the DEA of stage 1 is run again on the adjusted inputs and the original outputs.

An input with no slack anywhere is left as it is (a warning says so).

Reference: Fried, H. O., Lovell, C. A. K., Schmidt, S. S., Yaisawarng, S. (2002).
Accounting for environmental effects and statistical noise in data envelopment analysis.
*J. Productivity Analysis* 17, 157–174.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from healthalloc.data.panel import numeric_matrix, unit_column
from healthalloc.data.validate import DataError, check_columns
from healthalloc.efficiency.dea import DEAResult, dea
from healthalloc.efficiency.declarations import INPUTS_OUTPUTS, RTS_ORIENTATION
from healthalloc.efficiency.sfa import DISTRIBUTIONS, coefficient_table, conditional_u, estimate, full_rank
from healthalloc.engine import ENGINE, Executor, get_executor
from healthalloc.params import REQUIRED, UNIT, Param, Params, declared
from healthalloc.result import Result

__all__ = ["PARAMS", "THREE_STAGE", "ThreeStageResult", "three_stage"]

THREE_STAGE = INPUTS_OUTPUTS + Params(
    Param("environment", REQUIRED, "environmental variables z the units do not control (columns of numbers)",
          many=True, metavar="Z1,Z2"),
    UNIT,
    replace(RTS_ORIENTATION["rts"], default="vrs"),
    Param("distribution", "half-normal", "distribution of the managerial inefficiency u in the slack frontiers",
          choices=DISTRIBUTIONS),
)
PARAMS = THREE_STAGE + ENGINE
#: The per-unit columns of both DEA stages (stage 1 and 3 are suffixed ``_stage1``, ``_stage3``).
STAGE_COLUMNS = ("crs_efficiency", "efficiency", "scale_efficiency")


@dataclass(frozen=True)
class ThreeStageResult(Result):
    """Stage 1 and 3 efficiencies, the slack frontiers and the adjusted inputs.

    Attributes
    ----------
    stage1, stage3 : DEAResult
        The DEA before and after the adjustment (``stage3.data`` holds the adjusted inputs).
    slack_frontiers : DataFrame
        Per input (``slack`` column) the SFA table ``term, estimate, std_error, z, p_value``
        (z's coefficients, ``mu`` for the truncated normal, ``sigma2``, ``gamma``).
    adjustments : DataFrame
        Per unit and input the amount added: ``environment_*`` and ``noise_*`` parts.
    """

    stage1: DEAResult
    stage3: DEAResult
    slack_frontiers: pd.DataFrame
    adjustments: pd.DataFrame
    inputs: tuple[str, ...]
    environment: tuple[str, ...]
    rts: str

    def to_frame(self) -> pd.DataFrame:
        """Per unit: CRS, VRS and scale efficiency at stages 1 and 3 (VRS only under CRS is
        ``efficiency``), then the adjusted inputs ``adjusted_*``."""
        frames = []
        for stage, res in (("stage1", self.stage1), ("stage3", self.stage3)):
            table = res.to_frame().set_index("unit")
            frames.append(table[[c for c in STAGE_COLUMNS if c in table]].add_suffix(f"_{stage}"))
        adjusted = self.stage3.data.set_index(self.stage3.to_frame().unit.to_numpy())[list(self.inputs)]
        frames.append(adjusted.add_prefix("adjusted_"))
        return pd.concat(frames, axis=1).rename_axis("unit").reset_index()

    def summary(self) -> pd.DataFrame:
        """Mean efficiencies at stages 1 and 3, and the number of efficient units."""
        table = self.to_frame()
        rows = {}
        for column in STAGE_COLUMNS:
            if f"{column}_stage1" in table:
                rows[column] = {stage: table[f"{column}_{stage}"].mean() for stage in ("stage1", "stage3")}
        return pd.DataFrame(rows).T.rename_axis("mean")

    def reading(self) -> str:
        means = self.summary()
        first, third = means.loc["efficiency", "stage1"], means.loc["efficiency", "stage3"]
        kind = "pure technical (VRS)" if self.rts == "vrs" else f"{self.rts.upper()} technical"
        return (f"Three-stage DEA (Fried et al. 2002): with the environment ({', '.join(self.environment)}) and "
                f"noise evened out, mean {kind} efficiency moves from {first:.3f} (stage 1) to {third:.3f} "
                "(stage 3).")

    def figures(self, **_):
        from healthalloc.report.figures.intervals import dot_whisker

        table = self.to_frame().set_index("unit")
        one, three = table["efficiency_stage1"], table["efficiency_stage3"]
        return {"stages": ("Efficiency per unit at stage 3 (dot) and stage 1 (ring): the line is the change once "
                           "the environment and noise are evened out.",
                           lambda: dot_whisker(three, np.minimum(one, three), np.maximum(one, three), original=one,
                                               reference=1.0, xlabel="Efficiency",
                                               labels=("stage 3", "change", "stage 1")))}


@declared(PARAMS, data=("data",))
def three_stage(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    environment: list[str],
    *,
    unit: str | None = None,
    rts: str = "vrs",
    distribution: str = "half-normal",
    progress: bool | None = None,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> ThreeStageResult:
    """Three-stage DEA of one period (module docstring): input orientation.

    Parameters
    ----------
    data : DataFrame
        One row per unit: inputs, outputs and the environmental variables.

    Returns
    -------
    ThreeStageResult
    """
    environment = list(environment)
    check_columns(data, environment)
    shared = sorted(set(environment) & {*inputs, *outputs})
    if shared:
        raise ValueError(f"{shared} are inputs or outputs; the environment is what the units do not control")
    unit = unit_column(data, unit, exclude=[*inputs, *outputs, *environment])
    X = np.column_stack([np.ones(len(data)), numeric_matrix(data, environment, unit=unit)])
    if len(data) <= X.shape[1] + 2 or not full_rank(X):
        raise DataError(f"{len(data)} units cannot identify slack frontiers on {len(environment)} environmental "
                        "variable(s) (too few units, collinear or constant, or values too large: rescale them)")
    names = ["(Intercept)", *environment] + (["mu"] if distribution == "truncated-normal" else [])
    mu = np.ones((len(data), 1)) if distribution == "truncated-normal" else None
    common = dict(unit=unit, rts=rts, orientation="input", progress=progress)
    with get_executor(engine, scheduler=scheduler, workers=workers) as ex:
        first = dea(data, inputs, outputs, **common, engine=ex)
        frame = first.to_frame()
        adjusted, tables, parts = data.copy(), [], {}
        for column in inputs:
            slack = data[column].to_numpy(float) - frame[f"target_{column}"].to_numpy(float)
            slack = np.where(np.abs(slack) < 1e-9 * np.abs(data[column]).max(), 0.0, slack)
            if not slack.any():
                warnings.warn(f"no unit has a slack in {column}: it is not adjusted", UserWarning, stacklevel=3)
                parts[f"environment_{column}"] = parts[f"noise_{column}"] = np.zeros(len(data))
                continue
            model, theta, _, _ = estimate(slack, X, mu, cost=True, exponential=distribution == "exponential",
                                          mu_free=mu is not None)
            table = coefficient_table(model, theta, names)[0]
            tables.append(table.assign(slack=column)[["slack", *table.columns]])
            fitted = X @ theta[:X.shape[1]]
            noise = slack - fitted - conditional_u(model, theta)[2]
            parts[f"environment_{column}"] = fitted.max() - fitted
            parts[f"noise_{column}"] = noise.max() - noise
            adjusted[column] = data[column] + parts[f"environment_{column}"] + parts[f"noise_{column}"]
        third = dea(adjusted, inputs, outputs, **common, engine=ex)
    adjustments = pd.DataFrame(parts).set_axis(frame.unit.to_numpy()).rename_axis("unit").reset_index()
    frontiers = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        columns=["slack", "term", "estimate", "std_error", "z", "p_value"])
    return ThreeStageResult(stage1=first, stage3=third, slack_frontiers=frontiers, adjustments=adjustments,
                            inputs=tuple(inputs), environment=tuple(environment), rts=rts)
