"""Malmquist–Luenberger productivity index with bad outputs, on the directional distance function.

With D^a(b) the directional distance β ≥ 0 of period-b data against the period-a
technology (:func:`healthalloc.efficiency.models.ddf`: direction g = (0, y_g, −y_b), good
outputs expanded and bad outputs contracted by the same share, bad outputs weakly
disposable), for adjacent periods t → t+1 (Chung, Färe & Grosskopf 1997):

* ml      = sqrt( (1 + D^t(t)) / (1 + D^t(t+1)) × (1 + D^{t+1}(t)) / (1 + D^{t+1}(t+1)) )
* mleffch = (1 + D^t(t)) / (1 + D^{t+1}(t+1))
* mltech  = ml / mleffch

``reference="global"`` (Oh 2010's global Malmquist–Luenberger index): D^G against one
technology of all periods pooled; ml = (1 + D^G(t)) / (1 + D^G(t+1)), circular (the index
from s to u is the product of the adjacent ones), mleffch as above and mltech = ml / mleffch,
the change of the best-practice gap. Above 1 is improvement; means are geometric.

A cross-period LP is infeasible for a unit beyond the other period's frontier (common with
technical progress: moving along −g raises the bad output, which weak disposability makes cost
inputs); its index is NaN, with a warning. The global technology contains every unit, so the
global index has no such gaps (Oh 2010).

References: Chung, Färe & Grosskopf (1997), J Environ Manage 51:229–240; Oh (2010), J Prod
Anal 34:183–197.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from healthalloc.efficiency import models
from healthalloc.efficiency.dea import check_undesirable
from healthalloc.efficiency.declarations import LUENBERGER
from healthalloc.efficiency.malmquist import _long, panel_arrays
from healthalloc.engine import ENGINE, Executor, get_executor, progress_bar
from healthalloc.params import declared
from healthalloc.result import Result

#: The indices: ml = mleffch × mltech.
INDICES = ("ml", "mleffch", "mltech")
PARAMS = LUENBERGER  # declared in :mod:`healthalloc.efficiency.declarations`


@dataclass(frozen=True)
class LuenbergerResult(Result):
    """Malmquist–Luenberger indices of every unit for every pair of adjacent periods.

    Attributes
    ----------
    indices : pandas.DataFrame
        One row per transition and unit: ``unit, period_from, period_to, ml, mleffch,
        mltech`` (ratios; > 1 means improvement; NaN where a cross-period LP is infeasible).
    distances : pandas.DataFrame
        One row per period and unit: ``unit, period`` and the directional distances β
        against the previous (``beta_prev``), own (``beta``) and next (``beta_next``)
        period's technology, or with ``reference="global"`` ``beta`` and ``beta_global``.
    """

    indices: pd.DataFrame
    distances: pd.DataFrame
    periods: tuple
    data: pd.DataFrame = field(repr=False)
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    undesirable: tuple[str, ...]
    rts: str
    reference: str

    def to_frame(self) -> pd.DataFrame:
        """The indices table (what ``healthalloc dea --luenberger`` writes)."""
        return self.indices

    def summary(self) -> pd.DataFrame:
        """Geometric means over units per transition ("2014→2015"), then ``overall``
        (the geometric mean of those rows)."""
        ind = self.indices
        label = ind["period_from"].astype(str) + "→" + ind["period_to"].astype(str)
        means = np.exp(np.log(ind[list(INDICES)]).groupby(label.rename("transition"), sort=False).mean())
        return pd.concat([means, np.exp(np.log(means).mean()).rename("overall").to_frame().T]).rename_axis(
            "transition")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``results`` (the indices), ``summary`` and ``distances``."""
        return super().tables() | {"distances": self.distances}

    def plot(self):
        """Geometric means of the indices per transition, and the line at 1."""
        from healthalloc.report.figures.curves import trend_lines

        long = self.summary().drop(index="overall").reset_index().melt(
            id_vars=["transition"], value_vars=list(INDICES), var_name="index", value_name="mean")
        return trend_lines(long, "transition", "mean", group="index", reference=1.0,
                           title="Malmquist–Luenberger indices, geometric means per transition")

    def reading(self) -> str:
        """The overall index and its two parts."""
        overall = self.summary().loc["overall"]
        return (f"Mean Malmquist–Luenberger productivity change, bad outputs "
                f"{', '.join(self.undesirable)} reduced, is {overall['ml']:.3f} per period (efficiency change "
                f"{overall['mleffch']:.3f} × technical change {overall['mltech']:.3f}); "
                + ("productivity grew." if overall["ml"] > 1 else "productivity declined."))

    def figures(self) -> dict:
        """:meth:`plot`, the geometric means per transition."""
        return {"trend": ("Geometric means per transition; above 1 is improvement.", self.plot)}

    def __str__(self) -> str:
        head = (f"Malmquist–Luenberger index (Chung et al. 1997; rts={self.rts}, reference={self.reference}): "
                f"{self.indices['unit'].nunique()} units, {len(self.periods)} periods, inputs "
                f"{', '.join(self.inputs)}; outputs {', '.join(self.outputs)}; bad outputs "
                f"{', '.join(self.undesirable)}")
        return head + "\n" + self.summary().round(3).to_string()


@declared(LUENBERGER + ENGINE, data=("data",))
def luenberger(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    undesirable: list[str],
    *,
    unit: str,
    by: str,
    rts: str = "crs",
    reference: str = "contemporaneous",
    progress: bool | None = None,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> LuenbergerResult:
    """Adjacent-period Malmquist–Luenberger index with bad outputs (Chung et al. 1997), or
    the global one (Oh 2010).

    The directional distance LPs of each frontier run on ``engine``, one task each.

    Parameters
    ----------
    data : DataFrame
        A balanced panel: one row per unit per period; ``undesirable`` columns are the bad
        outputs, separate from ``outputs``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"hospital": ["A", "B", "A", "B"], "year": [2014, 2014, 2015, 2015],
    ...                    "beds": [10, 10, 10, 10], "visits": [10, 20, 20, 20],
    ...                    "infections": [2, 2, 2, 2]})
    >>> res = luenberger(df, ["beds"], ["visits"], ["infections"], unit="hospital", by="year")
    >>> res.indices.round(3)
      unit  period_from  period_to     ml  mleffch  mltech
    0    A         2014       2015  1.333    1.333     1.0
    1    B         2014       2015  1.000    1.000     1.0
    """
    inputs, outputs, bad = list(inputs), list(outputs), list(undesirable)
    check_undesirable(outputs, bad)
    frame, units, periods, X, Y = panel_arrays(data, inputs, outputs + bad, unit=unit, by=by)
    T, n = len(periods), len(units)
    tasks = _tasks(T, reference)
    with (get_executor(engine, scheduler=scheduler, workers=workers) as ex,
          progress_bar(progress, total=len(tasks), desc="Malmquist–Luenberger", unit="frontier") as bar):
        beta = ex.map(partial(_distances, X=X, Y=Y, rts=rts, bad=len(bad)), tasks, done=lambda i: bar.update())
    distances, values = _decompose(beta, tasks, T, n, reference)
    if np.isnan(values["ml"]).any():
        warnings.warn(f"{int(np.isnan(values['ml']).sum())} Malmquist–Luenberger indices are NaN: their "
                      "cross-period directional distance LPs are infeasible", RuntimeWarning, stacklevel=2)
    return LuenbergerResult(_long(units, {"period_from": periods[:-1], "period_to": periods[1:]}, values),
                            _long(units, {"period": periods}, distances), tuple(periods), frame,
                            tuple(inputs), tuple(outputs), tuple(bad), rts, reference)


def _tasks(T: int, reference: str) -> list[tuple[int, int, int, int]]:
    """The DDF families, one engine task each, as ``(lo, hi, a, b)``: the data of periods
    lo..hi−1 against the technology of periods a..b−1. Per period t: periods t−1..t+1
    against t's technology, or with ``global`` period t against its own and against all
    periods pooled."""
    if reference == "global":
        return [(t, t + 1, t, t + 1) for t in range(T)] + [(t, t + 1, 0, T) for t in range(T)]
    return [(max(t - 1, 0), min(t + 2, T), t, t + 1) for t in range(T)]


def _distances(task, *, X, Y, rts, bad) -> np.ndarray:
    """β of the data of periods lo..hi−1 against the technology of periods a..b−1 (one engine task)."""
    lo, hi, a, b = task
    m, s = X.shape[2], Y.shape[2]
    return models.ddf(X[lo:hi].reshape(-1, m), Y[lo:hi].reshape(-1, s), X[a:b].reshape(-1, m),
                      Y[a:b].reshape(-1, s), rts=rts, bad=bad).score


def _decompose(beta: list[np.ndarray], tasks: list[tuple], T: int, n: int, reference: str):
    """The distance table's columns (T, n) and the indices (T − 1, n), from the tasks' β."""
    if reference == "global":
        own, pooled = 1 + np.array(beta[:T]), 1 + np.array(beta[T:])
        ml = pooled[:-1] / pooled[1:]
        distances = {"beta": own - 1, "beta_global": pooled - 1}
    else:
        d = np.full((T, 3, n), np.nan)  # 1 + β: [data period, frontier period − data period + 1]
        for t, (lo, hi, *_) in enumerate(tasks):
            d[np.arange(lo, hi), t - np.arange(lo, hi) + 1] = 1 + beta[t].reshape(hi - lo, n)
        prev, own, nxt = d[:, 0], d[:, 1], d[:, 2]
        ml = np.sqrt(own[:-1] / prev[1:] * nxt[:-1] / own[1:])
        distances = {"beta_prev": prev - 1, "beta": own - 1, "beta_next": nxt - 1}
    effch = own[:-1] / own[1:]
    return distances, {"ml": ml, "mleffch": effch, "mltech": ml / effch}
