"""DEA cross-efficiency (Sexton, Silkman & Hogan 1986; Doyle & Green 1994): :func:`cross_efficiency`.

Each unit d chooses input and output weights (v_d, u_d) in the CCR multiplier model (constant
returns, input orientation): max u·y_d subject to v·x_d = 1 and u·y_j ≤ v·x_j for every unit
j; the optimum is d's CCR efficiency θ_d. Unit j is then rated with every unit's weights:
E[d, j] = u_d·y_j / v_d·x_j, so E[d, d] = θ_d. The optimal weights are seldom unique, so a
secondary goal picks among them (Doyle & Green 1994, the aggregate formulation; deaR's
"Method III"): among the weights keeping θ_d, those that make the peers' aggregate
efficiency u·Σ_{k≠d} y_k / v·Σ_{k≠d} x_k smallest (aggressive) or largest (benevolent);
``simple`` takes the optimum HiGHS returns.

A unit's cross-efficiency is the mean of its column, self-appraisal included (deaR's
``selfapp = TRUE``, its ``e``); ``peer_appraisal`` leaves the unit's own rating out; the
maverick index is (θ − e) / e (Doyle & Green 1994).

References: Sexton, Silkman & Hogan (1986), New Directions for Program Evaluation 32:73–105;
Doyle & Green (1994), J Oper Res Soc 45(5):567–578.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import scipy.sparse as sp

from healthalloc.data.validate import check_dea_data
from healthalloc.efficiency.dea import EFFICIENT_TOL
from healthalloc.efficiency.declarations import CROSS
from healthalloc.engine import ENGINE, Executor, get_executor, progress_bar
from healthalloc.params import declared
from healthalloc.result import Result
from healthalloc.solver import SolverError, solve_lp

PARAMS = CROSS  # declared in :mod:`healthalloc.efficiency.declarations`
#: Raters per engine task, fixed whatever the engine so that every engine solves the same LPs.
RATERS_PER_TASK = 200


@dataclass(frozen=True)
class CrossEfficiencyResult(Result):
    """The cross-efficiency matrix and each unit's mean rating by its peers.

    Attributes
    ----------
    matrix : pandas.DataFrame
        E[d, j]: unit j (column, ``rated``) rated with unit d's weights (row, ``rater``).
    efficiency : pandas.Series
        CCR efficiency θ (the diagonal).
    weights : pandas.DataFrame
        Each rater's weights, scaled so that v·x_d = 1: ``v_<input>``, ``u_<output>``.
    secondary : str
        ``simple``, ``aggressive`` or ``benevolent``.
    """

    matrix: pd.DataFrame
    efficiency: pd.Series
    weights: pd.DataFrame
    secondary: str

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``unit, efficiency`` (CCR), ``cross_efficiency`` (column mean, self
        included), ``peer_appraisal`` (column mean without self), ``maverick``, ``rank`` (1: highest
        cross-efficiency)."""
        E, n = self.matrix.to_numpy(), len(self.matrix)
        e = E.mean(axis=0)
        out = pd.DataFrame({"efficiency": self.efficiency.to_numpy(), "cross_efficiency": e,
                            "peer_appraisal": (E.sum(axis=0) - np.diag(E)) / (n - 1),
                            "maverick": (self.efficiency.to_numpy() - e) / e},
                           index=self.matrix.columns.rename("unit"))
        out["rank"] = out["cross_efficiency"].rank(ascending=False, method="min").astype(int)
        return out.reset_index()

    def summary(self) -> pd.DataFrame:
        """Units, CCR-efficient units, mean CCR efficiency and mean and lowest cross-efficiency."""
        table = self.to_frame()
        return pd.DataFrame({"units": [len(table)],
                             "efficient": [int((table["efficiency"] >= 1 - EFFICIENT_TOL).sum())],
                             "mean_efficiency": [table["efficiency"].mean()],
                             "mean_cross_efficiency": [table["cross_efficiency"].mean()],
                             "min_cross_efficiency": [table["cross_efficiency"].min()]},
                            index=pd.Index([self.secondary], name="secondary"))

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``results``, ``summary`` and ``matrix`` (a ``rater`` column, then one per rated unit)."""
        return super().tables() | {"matrix": self.matrix.reset_index()}

    def plot(self):
        """CCR efficiency and cross-efficiency per unit, sorted by cross-efficiency."""
        from healthalloc.report.figures.bars import bars

        table = self.to_frame().set_index("unit").sort_values("cross_efficiency", ascending=False)
        shown = table[["efficiency", "cross_efficiency"]].set_axis(["CCR efficiency", "cross-efficiency"], axis=1)
        return bars(shown, reference=1.0,
                    title=f"CCR efficiency and cross-efficiency ({self.secondary})")

    def reading(self) -> str:
        """Mean cross-efficiency against mean CCR efficiency, and the units the peers rate highest and lowest."""
        table = self.to_frame().set_index("unit")
        e = table["cross_efficiency"]
        efficient = int((table["efficiency"] >= 1 - EFFICIENT_TOL).sum())
        return (f"Rated with every unit's weights ({self.secondary}), mean cross-efficiency is {e.mean():.3f} "
                f"against mean CCR efficiency {table['efficiency'].mean():.3f} ({efficient} of {len(table)} units "
                f"CCR-efficient); rated by all, {e.idxmax()} ranks highest ({e.max():.3f}) and {e.idxmin()} lowest "
                f"({e.min():.3f}).")

    def figures(self) -> dict:
        """:meth:`plot`, CCR efficiency beside cross-efficiency."""
        return {"cross": ("CCR efficiency (self-appraisal) and cross-efficiency (mean rating with every unit's "
                          "weights), sorted by cross-efficiency.", self.plot)}

    def __str__(self) -> str:
        return (f"DEA cross-efficiency ({self.secondary}, CCR, input orientation): {len(self.matrix)} units\n"
                + self.summary().round(3).to_string())


@declared(CROSS + ENGINE, data=("data",))
def cross_efficiency(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    unit: str | None = None,
    secondary: str = "simple",
    progress: bool | None = None,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> CrossEfficiencyResult:
    """Cross-efficiency of every unit under CCR (constant returns, input orientation).

    Two LPs per rater (its CCR weights, then the secondary goal), in chunks of
    ``RATERS_PER_TASK`` raters per engine task.

    Parameters
    ----------
    data : DataFrame
        One row per unit (a cross-section).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"hospital": ["A", "B", "C"], "beds": [10, 10, 10],
    ...                    "visits": [10, 5, 2], "surgeries": [2, 5, 10]})
    >>> res = cross_efficiency(df, ["beds"], ["visits", "surgeries"], unit="hospital", secondary="aggressive")
    >>> res.matrix.round(3)  # doctest: +NORMALIZE_WHITESPACE
    rated    A      B    C
    rater
    A      1.0  0.500  0.2
    B      1.0  0.833  1.0
    C      0.2  0.500  1.0
    >>> res.to_frame()[["unit", "efficiency", "cross_efficiency"]].round(3)
      unit  efficiency  cross_efficiency
    0    A       1.000             0.733
    1    B       0.833             0.611
    2    C       1.000             0.733
    """
    inputs, outputs = list(inputs), list(outputs)
    panel = check_dea_data(data, inputs, outputs, unit=unit)
    labels = panel.index
    if len(labels) < 2:
        raise ValueError(f"cross-efficiency needs at least two units, got {len(labels)}")
    X, Y = (data[c].to_numpy(float) for c in (inputs, outputs))
    sx, sy = X.mean(axis=0), Y.mean(axis=0)  # weights are found for the data on mean 1
    Xs, Ys = X / sx, Y / np.where(sy > 0, sy, 1.0)
    n = len(X)
    tasks = [(lo, min(lo + RATERS_PER_TASK, n)) for lo in range(0, n, RATERS_PER_TASK)]
    solve = partial(_weights, X=Xs, Y=Ys, secondary=secondary)
    with (get_executor(engine, scheduler=scheduler, workers=workers) as ex,
          progress_bar(progress, total=n, desc="Cross-efficiency", unit="unit") as bar):
        try:
            W = np.vstack(ex.map(solve, tasks, done=lambda i: bar.update(tasks[i][1] - tasks[i][0])))
        except SolverError as exc:
            raise exc.naming([labels[u] for u in exc.units]) from None
    v, u = W[:, :X.shape[1]], W[:, X.shape[1]:]
    E = (u @ Ys.T) / (v @ Xs.T)
    units = pd.Index(labels, name="rater")
    weights = pd.DataFrame(np.c_[v / sx, u / np.where(sy > 0, sy, 1.0)], index=units.rename("unit"),
                           columns=[f"v_{c}" for c in inputs] + [f"u_{c}" for c in outputs])
    return CrossEfficiencyResult(pd.DataFrame(E, index=units, columns=pd.Index(labels, name="rated")),
                                 pd.Series(np.diag(E), index=units.rename("unit"), name="efficiency"),
                                 weights, secondary)


def _weights(task: tuple[int, int], *, X: np.ndarray, Y: np.ndarray, secondary: str) -> np.ndarray:
    """Weights ``[v, u]`` of raters lo..hi−1 (one engine task): the CCR multiplier optimum, then
    with ``aggressive``/``benevolent`` the secondary goal at that optimum."""
    lo, hi = task
    n, m = X.shape
    ratio = sp.csc_matrix(np.c_[-X, Y])  # u·y_j − v·x_j ≤ 0
    rows = []
    for d in range(lo, hi):
        try:
            first = _lp(np.r_[np.zeros(m), -Y[d]], ratio, np.r_[X[d], np.zeros(Y.shape[1])], 1.0)
            if secondary == "simple":
                rows.append(first.x)
                continue
            theta = -first.objective
            others_x, others_y = X.sum(axis=0) - X[d], Y.sum(axis=0) - Y[d]
            sign = 1.0 if secondary == "aggressive" else -1.0
            keep = sp.csc_matrix(np.r_[-theta * X[d], Y[d]][None])  # u·y_d − θ v·x_d = 0
            second = _lp(np.r_[np.zeros(m), sign * others_y], sp.vstack([ratio, keep]),
                         np.r_[others_x, np.zeros(Y.shape[1])], 1.0, equal_rows=1)
            rows.append(second.x)
        except SolverError as exc:
            raise exc.at([d]) from None
    return np.array(rows)


def _lp(c, A_ub, normal, value, equal_rows: int = 0):
    """min c·z, z ≥ 0, subject to A_ub z ≤ 0 (its last ``equal_rows`` rows = 0) and normal·z = value."""
    k = A_ub.shape[0]
    A = sp.vstack([A_ub, sp.csc_matrix(normal[None])], format="csc")
    lower = np.r_[np.full(k - equal_rows, -np.inf), np.zeros(equal_rows), value]
    upper = np.r_[np.zeros(k), value]
    return solve_lp(c, A, lower, upper, np.zeros(len(c)), np.full(len(c), np.inf))
