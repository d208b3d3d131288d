"""DEA window analysis (Charnes, Clark, Cooper & Golany 1985): :func:`window_dea`.

A window is W consecutive periods; every unit in every period of the window is a separate
unit of one pooled radial DEA, so a unit is compared with the others and with itself in the
neighbouring periods. The windows move on one period at a time, so each period is scored in
up to W windows. Charnes et al. (1994, ch. 3) lay the scores out with one row per unit and
window and one column per period (:meth:`WindowResult.layout`), and summarize them by window
and by period.

References: Charnes, Clark, Cooper & Golany (1985), Annals of Operations Research 2:95–112;
Charnes, Cooper, Lewin & Seiford (1994), *Data Envelopment Analysis: Theory, Methodology and
Applications*, Kluwer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from healthalloc.efficiency import models
from healthalloc.efficiency.dea import EFFICIENT_TOL
from healthalloc.efficiency.declarations import WINDOW
from healthalloc.data.validate import check_dea_data
from healthalloc.engine import ENGINE, Executor, get_executor, progress_bar
from healthalloc.params import declared
from healthalloc.result import Result
from healthalloc.solver import SolverError

PARAMS = WINDOW  # declared in :mod:`healthalloc.efficiency.declarations`


@dataclass(frozen=True)
class WindowResult(Result):
    """Efficiency of every unit in every period of every window.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per unit, window and period: ``unit, window`` (the window's first period),
        the period column and ``efficiency`` (θ, or 1/φ for output orientation).
    by : str
        The period column.
    width : int
        Periods per window.
    """

    scores: pd.DataFrame
    by: str
    width: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    rts: str
    orientation: str

    def to_frame(self) -> pd.DataFrame:
        """The scores: what ``healthalloc dea --window W --by PERIOD`` writes."""
        return self.scores

    def summary(self) -> pd.DataFrame:
        """Per window: evaluations, efficient ones, mean and lowest efficiency."""
        return _means(self.scores, "window")

    def period_means(self) -> pd.DataFrame:
        """Per period: evaluations over all windows, efficient ones, mean and lowest efficiency."""
        return _means(self.scores, self.by)

    def layout(self) -> pd.DataFrame:
        """The literature's table: one row per unit and window, one column per period."""
        return self.scores.pivot(index=["unit", "window"], columns=self.by, values="efficiency")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``results``, ``summary`` (by window), ``periods`` and ``layout``."""
        return super().tables() | {"periods": self.period_means().reset_index(),
                                   "layout": self.layout().reset_index()}

    def plot(self):
        """Mean efficiency per period, one line per window, and the line at 1."""
        from healthalloc.report.figures.curves import trend_lines

        means = self.scores.groupby(["window", self.by], as_index=False)["efficiency"].mean()
        return trend_lines(means, self.by, "efficiency", group="window", reference=1.0,
                           title=f"DEA window analysis ({self.width} periods per window, {self.rts})")

    def reading(self) -> str:
        """Mean efficiency of the first and the last window, and the unit lowest on average."""
        windows = self.summary()["mean_efficiency"]
        per_unit = self.scores.groupby("unit")["efficiency"].mean()
        return (f"Over {len(windows)} windows of {self.width} periods, mean efficiency went from "
                f"{windows.iloc[0]:.3f} (window from {windows.index[0]}) to {windows.iloc[-1]:.3f} (window "
                f"from {windows.index[-1]}); the lowest on average is {per_unit.idxmin()} ({per_unit.min():.3f}).")

    def figures(self) -> dict:
        """:meth:`plot`, the mean per period in each window."""
        return {"windows": ("Mean efficiency per period in each window (the window's first period); "
                            "1 is the pooled frontier.", self.plot)}

    def __str__(self) -> str:
        return (f"DEA window analysis (width {self.width}, rts={self.rts}, orientation={self.orientation}): "
                f"{self.scores['unit'].nunique()} units, {len(self.summary())} windows\n"
                + self.summary().round(3).to_string())


@declared(WINDOW + ENGINE, data=("data",))
def window_dea(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    unit: str,
    by: str,
    window: int = 3,
    rts: str = "crs",
    orientation: str = "input",
    progress: bool | None = None,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> WindowResult:
    """Window analysis: radial DEA of each window of ``window`` consecutive periods pooled.

    Each window is one engine task. A unit missing in a period is simply not in that
    period's part of the pool.

    Parameters
    ----------
    data : DataFrame
        A panel: one row per unit per period.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"hospital": ["A", "B"] * 3, "year": [2014, 2014, 2015, 2015, 2016, 2016],
    ...                    "beds": [10, 20, 10, 20, 10, 20], "visits": [10, 10, 20, 10, 30, 20]})
    >>> window_dea(df, ["beds"], ["visits"], unit="hospital", by="year", window=2).to_frame()
      unit  window  year  efficiency
    0    A    2014  2014    0.500000
    1    B    2014  2014    0.250000
    2    A    2014  2015    1.000000
    3    B    2014  2015    0.250000
    4    A    2015  2015    0.666667
    5    B    2015  2015    0.166667
    6    A    2015  2016    1.000000
    7    B    2015  2016    0.333333
    """
    inputs, outputs = list(inputs), list(outputs)
    panel = check_dea_data(data, inputs, outputs, unit=unit, by=by)
    periods = panel.periods
    if window > len(periods):
        raise ValueError(f"window {window} is longer than the {len(periods)} periods in {by!r}")
    frame = data.set_axis(panel.index).sort_index(level=by, sort_remaining=False, kind="stable")
    when = frame.index.get_level_values(by)
    starts = periods[: len(periods) - window + 1]
    tasks = [np.flatnonzero(when.isin(periods[k:k + window])) for k in range(len(starts))]
    solve = partial(_pooled_te, X=frame[inputs].to_numpy(float), Y=frame[outputs].to_numpy(float),
                    rts=rts, orientation=orientation)
    with (get_executor(engine, scheduler=scheduler, workers=workers) as ex,
          progress_bar(progress, total=len(tasks), desc="DEA windows", unit="window") as bar):
        try:
            te = ex.map(solve, tasks, done=lambda i: bar.update())
        except SolverError as exc:  # units: positions in the sorted frame
            raise exc.naming([f"{u} ({p})" for u, p in frame.index[list(exc.units)]]) from None
    rows = np.concatenate(tasks)
    scores = pd.DataFrame({"unit": frame.index.get_level_values("unit")[rows],
                           "window": np.repeat(starts, [len(t) for t in tasks]),
                           by: when[rows], "efficiency": np.concatenate(te)})
    return WindowResult(scores, by, window, tuple(inputs), tuple(outputs), rts, orientation)


def _pooled_te(rows: np.ndarray, *, X, Y, rts, orientation) -> np.ndarray:
    """TE of the rows of one window against the window's pooled data (one engine task)."""
    try:
        return models.technical_efficiency(X[rows], Y[rows], X[rows], Y[rows], rts=rts, orientation=orientation)
    except SolverError as exc:
        raise exc.at(rows[list(exc.units)]) from None


def _means(scores: pd.DataFrame, key: str) -> pd.DataFrame:
    """Evaluations, efficient ones, mean and lowest efficiency per value of ``key``."""
    eff = scores["efficiency"]
    return eff.groupby(scores[key]).agg(evaluations="size", efficient=lambda e: int((e >= 1 - EFFICIENT_TOL).sum()),
                                        mean_efficiency="mean", min_efficiency="min")
