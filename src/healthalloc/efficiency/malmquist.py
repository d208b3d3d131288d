"""Malmquist productivity index with the FGNZ decomposition, as DEAP 2.1 computes it.

For adjacent periods t → t+1 and technical efficiency TE ≤ 1 (θ for input orientation,
1/φ for output orientation, so that every index above 1 means improvement), with
``TE^a(b)`` the efficiency of period-b data against the period-a frontier:

* effch  = TE^{t+1}(t+1) / TE^t(t)                                   (CRS)
* techch = sqrt( TE^t(t+1) / TE^{t+1}(t+1) × TE^t(t) / TE^{t+1}(t) )  (CRS)
* pech   = TE^{t+1}(t+1) / TE^t(t)                                   (VRS)
* sech   = effch / pech
* tfpch  = effch × techch

Cross-period distances are computed under CRS only and VRS only within a period, as in
DEAP (R ``Benchmarking::malmq`` instead solves cross-period VRS LPs, which can be
infeasible). Means are geometric, as DEAP's "mean" rows.

``reference`` chooses what "period t's frontier" is:

* ``contemporaneous``: period t's data (DEAP, above).
* ``sequential`` (Shestalova 2003): the data of every period up to t, so the frontier never
  moves back and techch ≥ 1; the formulas above with these frontiers.
* ``global`` (Pastor & Lovell 2005): one frontier G of all periods pooled. tfpch =
  TE^G(t+1) / TE^G(t), circular (the index from s to u is the product of the adjacent
  ones); effch as above; techch = tfpch / effch, the change of the best-practice gap
  TE^G / TE^t; pech and sech as above.
* ``biennial`` (Pastor, Asmild & Lovell 2011): as ``global`` with G the two periods t and
  t+1 pooled (a frontier per transition; not circular).

References: Färe, Grosskopf, Norris & Zhang (1994), AER 84(1):66–83; Coelli (1996),
DEAP 2.1, CEPA Working Paper 96/08; Shestalova (2003), J Prod Anal 19:211–226; Pastor &
Lovell (2005), Econ Lett 88:266–271; Pastor, Asmild & Lovell (2011), Socio-Econ Plan Sci
45:10–15.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from healthalloc.data.messages import named
from healthalloc.data.panel import Panel
from healthalloc.data.validate import check_columns, check_dea_data
from healthalloc.efficiency import models
from healthalloc.efficiency.declarations import MALMQUIST
from healthalloc.engine import ENGINE, Executor, get_executor, progress_bar
from healthalloc.params import declared
from healthalloc.result import Result
from healthalloc.solver import SolverError

#: The indices, in DEAP's column order.
INDICES = ("effch", "techch", "pech", "sech", "tfpch")
PARAMS = MALMQUIST  # declared in :mod:`healthalloc.efficiency.declarations`

#: Columns of the distance table: CRS TE against the previous, own and next period's
#: frontier, and VRS TE against the own frontier; with the global reference, CRS TE
#: against the own and the global frontier, and VRS TE against the own frontier.
DISTANCES = ("crs_te_prev", "crs_te", "crs_te_next", "vrs_te")
GLOBAL_DISTANCES = ("crs_te", "crs_te_global", "vrs_te")
#: With the biennial reference: CRS TE against the own frontier and the pooled frontier of
#: the previous and this period and of this and the next period, and VRS TE.
BIENNIAL_DISTANCES = ("crs_te", "crs_te_biennial_prev", "crs_te_biennial_next", "vrs_te")


@dataclass(frozen=True)
class MalmquistResult(Result):
    """Malmquist indices of every unit for every pair of adjacent periods.

    Attributes
    ----------
    indices : pandas.DataFrame
        One row per transition and unit: ``unit, period_from, period_to, effch, techch,
        pech, sech, tfpch`` (ratios; > 1 means improvement).
    distances : pandas.DataFrame
        DEAP's distance table, one row per period and unit: ``unit, period``, CRS
        technical efficiency against the previous (``crs_te_prev``; NaN in the first
        period), own (``crs_te``) and next (``crs_te_next``; NaN in the last period)
        period's frontier, and VRS technical efficiency ``vrs_te``. TE is θ (input) or
        1/φ (output); cross-period values can exceed 1. With ``reference="global"``:
        ``crs_te``, ``crs_te_global`` (against all periods pooled) and ``vrs_te``; with
        ``"biennial"``: ``crs_te``, ``crs_te_biennial_prev`` and ``crs_te_biennial_next``
        (against the previous or next period pooled with this one) and ``vrs_te``.
    periods : tuple
        The periods, sorted.
    reference : str
        The reference technology (``contemporaneous``, ``global`` or ``sequential``).
    """

    indices: pd.DataFrame
    distances: pd.DataFrame
    periods: tuple
    data: pd.DataFrame = field(repr=False)
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    orientation: str
    reference: str = "contemporaneous"

    def to_frame(self) -> pd.DataFrame:
        """The indices table (what ``healthalloc malmquist`` writes)."""
        return self.indices

    def period_means(self) -> pd.DataFrame:
        """Geometric means over units per transition (DEAP's "annual means").

        Indexed by ``transition`` ("2014→2015"); columns ``period_from, period_to`` and
        the indices.
        """
        means = _gmean(self._labelled(), ["transition", "period_from", "period_to"])
        return means.reset_index(["period_from", "period_to"])

    def unit_means(self) -> pd.DataFrame:
        """Geometric means over transitions per unit (DEAP's "firm means")."""
        return _gmean(self.indices, ["unit"])

    def overall(self) -> pd.Series:
        """DEAP's overall mean: the geometric mean of the period means."""
        return _gmean_rows(self.period_means())

    def summary(self) -> pd.DataFrame:
        """DEAP's summary of annual means: one row per transition, then ``overall``."""
        return _with_overall(self.period_means())

    def group_means(self, group: str | pd.Series) -> pd.DataFrame:
        """Geometric means per group per transition, and each group's ``overall`` row.

        ``group`` is a column of the data (e.g. ``"region"``; constant within a unit) or
        a Series mapping units to groups. Indexed by ``(group, transition)``.
        """
        table = self._labelled()
        table["group"] = table["unit"].map(self._unit_groups(group))
        means = _gmean(table, ["group", "transition"])
        parts = {g: _with_overall(m.droplevel("group")) for g, m in means.groupby(level="group")}
        return pd.concat(parts, names=["group", "transition"])

    def cumulative(self) -> pd.DataFrame:
        """Chained indices per unit and period: running products from the first period.

        Columns ``unit, period`` and the indices; 1.0 in the first period.
        """
        ind = self.indices
        chained = ind[list(INDICES)].groupby(ind["unit"], sort=False).cumprod()
        chained.insert(0, "unit", ind["unit"])
        chained.insert(1, "period", ind["period_to"])
        base = pd.DataFrame({"unit": ind.loc[ind["period_from"] == self.periods[0], "unit"],
                             "period": self.periods[0]})
        base[list(INDICES)] = 1.0
        return pd.concat([base, chained], ignore_index=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``results`` (the indices), ``summary`` and ``distances``."""
        return super().tables() | {"distances": self.distances}

    def plot(self):
        """Geometric means of ``effch``, ``techch`` and ``tfpch`` per transition, and the line at 1."""
        from healthalloc.report.figures.curves import trend_lines

        long = self.period_means().reset_index().melt(
            id_vars=["transition"], value_vars=["effch", "techch", "tfpch"], var_name="index",
            value_name="mean")
        return trend_lines(long, "transition", "mean", group="index", reference=1.0,
                           title="Malmquist indices, geometric means per transition")

    def reading(self) -> str:
        """The overall total factor productivity change and its two parts."""
        overall = self.overall()
        return (f"Mean total factor productivity change is {overall['tfpch']:.3f} per period "
                f"(efficiency change {overall['effch']:.3f} × technical change {overall['techch']:.3f}); "
                + ("productivity grew." if overall["tfpch"] > 1 else "productivity declined."))

    def figures(self) -> dict:
        """:meth:`plot`, the geometric means per transition; with the global reference also the
        geometric mean of the chained index, which the circular global index makes the direct
        comparison with the first period."""
        out = {"trend": ("Geometric means per transition; above 1 is improvement.", self.plot)}
        if self.reference == "global":
            out["chained"] = (f"Geometric mean of the global index from {self.periods[0]} (chained adjacent indices, "
                              "equal to the direct comparison); above 1 is improvement.", self._plot_chained)
        return out

    def _plot_chained(self):
        """Geometric means over units of the chained indices per period, and the line at 1."""
        from healthalloc.report.figures.curves import trend_lines

        chained = self.cumulative()
        means = _gmean(chained, ["period"]).reset_index().melt(
            id_vars=["period"], value_vars=["effch", "techch", "tfpch"], var_name="index", value_name="mean")
        return trend_lines(means, "period", "mean", group="index", reference=1.0,
                           title=f"Global Malmquist index from {self.periods[0]}, geometric means")

    def __str__(self) -> str:
        head = (f"Malmquist index (FGNZ 1994, DEAP convention; orientation={self.orientation}, "
                f"reference={self.reference}): "
                f"{self.indices['unit'].nunique()} units, {len(self.periods)} periods, "
                f"inputs {', '.join(self.inputs)}; outputs {', '.join(self.outputs)}")
        return head + "\n" + self.summary().round(3).to_string()

    def _labelled(self) -> pd.DataFrame:
        """The indices with a ``transition`` label such as "2014→2015"."""
        ind = self.indices
        label = ind["period_from"].astype(str) + "→" + ind["period_to"].astype(str)
        return ind.assign(transition=label)

    def _unit_groups(self, group: str | pd.Series) -> pd.Series:
        """Map every unit to its group, naming the units at fault when that fails."""
        units = self.indices["unit"].unique()
        if isinstance(group, str):
            check_columns(self.data, group)
            per_unit = self.data[group].groupby(level="unit", sort=False)
            varying = per_unit.nunique()
            if (varying > 1).any():
                raise ValueError(f"group column {group!r} changes over time for "
                                 f"{named('unit', varying.index[varying > 1].tolist())}")
            group = per_unit.first()
        missing = [u for u in units if pd.isna(group.get(u))]
        if missing:
            raise ValueError(f"no group for {named('unit', missing)}")
        return group


@declared(MALMQUIST + ENGINE, data=("data",))
def malmquist(
    data: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    unit: str,
    by: str,
    orientation: str = "input",
    reference: str = "contemporaneous",
    progress: bool | None = None,
    engine: str | Executor = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
) -> MalmquistResult:
    """Adjacent-period Malmquist index and its decomposition (Färe et al. 1994; DEAP 2.1).

    The envelopment families (CRS and VRS per frontier period, and with the global
    reference CRS per period against the pooled frontier) run on ``engine``, one task each.

    Parameters
    ----------
    data : DataFrame
        A balanced panel: one row per unit per period.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"hospital": ["A", "B", "A", "B"], "year": [2014, 2014, 2015, 2015],
    ...                    "beds": [20, 40, 20, 40], "visits": [10, 10, 20, 10]})
    >>> res = malmquist(df, ["beds"], ["visits"], unit="hospital", by="year")
    >>> res.indices.round(3)
      unit  period_from  period_to  effch  techch  pech  sech  tfpch
    0    A         2014       2015    1.0     2.0   1.0   1.0    2.0
    1    B         2014       2015    0.5     2.0   1.0   0.5    1.0
    """
    inputs, outputs = list(inputs), list(outputs)
    frame, units, periods, X, Y = panel_arrays(data, inputs, outputs, unit=unit, by=by)
    T, n = len(periods), len(units)
    tasks = _tasks(T, reference)
    _check_produced(Y, tasks, periods, outputs)
    with (get_executor(engine, scheduler=scheduler, workers=workers) as ex,
          progress_bar(progress, total=len(tasks), desc="Malmquist", unit="frontier") as bar):
        try:
            te = ex.map(partial(_frontier_te, X=X, Y=Y, orientation=orientation), tasks,
                        done=lambda i: bar.update())
        except SolverError as exc:  # units: positions in the (period, unit) cube
            raise exc.naming([f"{units[u % n]} ({periods[u // n]})" for u in exc.units]) from None
    distances, values = _decompose(te, tasks, T, n, reference)
    indices = _long(units, {"period_from": periods[:-1], "period_to": periods[1:]}, values)
    distances = _long(units, {"period": periods}, distances)
    return MalmquistResult(indices, distances, tuple(periods), frame, tuple(inputs),
                           tuple(outputs), orientation, reference)


def _long(units: pd.Index, periods: dict, values: dict) -> pd.DataFrame:
    """One row per period and unit: the unit, its ``periods`` columns and the (T, n) ``values``."""
    T = len(next(iter(periods.values())))
    return pd.DataFrame({"unit": np.tile(units, T),
                         **{k: np.repeat(p, len(units)) for k, p in periods.items()},
                         **{k: v.ravel() for k, v in values.items()}})


def panel_arrays(data: pd.DataFrame, inputs: list[str], outputs: list[str], *, unit: str, by: str):
    """A balanced panel's table indexed by (unit, period), its units and sorted periods, and its
    inputs and outputs as (T, n, m) and (T, n, s) arrays (period, unit, variable)."""
    panel = check_dea_data(data, inputs, outputs, unit=unit, by=by)
    frame = data.set_axis(panel.index)
    units, periods = _balanced(panel)
    cube = frame.reorder_levels([by, "unit"]).reindex(pd.MultiIndex.from_product([periods, units]))
    X, Y = (cube[c].to_numpy(float).reshape(len(periods), len(units), len(c)) for c in (inputs, outputs))
    return frame, units, periods, X, Y


def _balanced(panel: Panel) -> tuple[pd.Index, pd.Index]:
    """Units (in order of appearance) and sorted periods of a balanced panel."""
    if len(panel.periods) < 2:
        raise ValueError(f"the Malmquist index needs at least two periods in {panel.by!r}, "
                         f"got {len(panel.periods)}")
    missing = panel.gaps()
    if len(missing):
        raise ValueError("the Malmquist index needs a balanced panel (every unit in every "
                         f"period); no row for {named('unit', [f'{u} ({p})' for u, p in missing])}")
    return panel.units, panel.periods


def _check_produced(Y: np.ndarray, tasks: list[tuple], periods: pd.Index, outputs: list[str]) -> None:
    """Every output produced in an evaluated period must be produced by someone in the
    periods of the frontier it is evaluated against: otherwise the cross-period distances
    are undefined (infeasible LPs)."""
    produced = (Y > 0).any(axis=1)  # (T, s)
    problems = {}
    for lo, hi, a, b, _ in tasks:
        for t in range(lo, hi):
            for r in np.flatnonzero(produced[t] & ~produced[a:b].any(axis=0)):
                where = ", ".join(map(str, periods[a:b]))
                problems.setdefault(f"output {outputs[r]!r} is zero for every unit in {where} "
                                    f"but not in {periods[t]}", None)
    if problems:
        raise ValueError("the Malmquist index needs every output produced by some unit in "
                         "each frontier it is measured against: " + "; ".join(problems))


def _tasks(T: int, reference: str) -> list[tuple[int, int, int, int, str]]:
    """The envelopment families, one engine task each, as ``(lo, hi, a, b, rts)``: the data
    of periods lo..hi−1 against the frontier of periods a..b−1.

    Per period t: CRS TE of periods t−1..t+1 and VRS TE of period t against t's frontier
    (t's data, or with ``sequential`` all data up to t); with ``global``, CRS and VRS TE of
    period t against its own data and CRS TE against all periods pooled; with ``biennial``,
    the same but CRS TE of periods t and t+1 against those two pooled.
    """
    own = [(t, t + 1, t, t + 1, rts) for rts in ("crs", "vrs") for t in range(T)]
    if reference == "global":
        return own + [(t, t + 1, 0, T, "crs") for t in range(T)]
    if reference == "biennial":
        return own + [(t, t + 2, t, t + 2, "crs") for t in range(T - 1)]
    first = (lambda t: 0) if reference == "sequential" else (lambda t: t)
    return [(max(t - 1, 0), min(t + 2, T), first(t), t + 1, "crs") for t in range(T)] + [
        (t, t + 1, first(t), t + 1, "vrs") for t in range(T)]


def _decompose(te: list[np.ndarray], tasks: list[tuple], T: int, n: int, reference: str):
    """The distance table's columns and the indices, each as (T, n) and (T − 1, n) arrays,
    from the tasks' TE."""
    if reference in ("global", "biennial"):
        own, vrs = np.array(te[:T]), np.array(te[T:2 * T])
        if reference == "global":
            pooled = np.array(te[2 * T:])
            start, end = pooled[:-1], pooled[1:]
            distances = dict(zip(GLOBAL_DISTANCES, (own, pooled, vrs)))
        else:  # TE of periods t and t+1 against the two pooled, per transition
            start, end = np.array([t.reshape(2, n) for t in te[2 * T:]]).transpose(1, 0, 2)
            gap = np.full((1, n), np.nan)
            distances = dict(zip(BIENNIAL_DISTANCES, (own, np.r_[gap, end], np.r_[start, gap], vrs)))
        effch = own[1:] / own[:-1]
        techch = (end / own[1:]) / (start / own[:-1])  # the best-practice gap's change
    else:
        crs = np.full((T, 3, n), np.nan)  # [data period, frontier period − data period + 1]
        for t, (lo, hi, *_) in enumerate(tasks[:T]):
            crs[np.arange(lo, hi), t - np.arange(lo, hi) + 1] = te[t].reshape(hi - lo, n)
        prev, own, nxt, vrs = crs[:, 0], crs[:, 1], crs[:, 2], np.array(te[T:])
        effch = own[1:] / own[:-1]
        techch = np.sqrt(prev[1:] / own[1:] * own[:-1] / nxt[:-1])
        distances = dict(zip(DISTANCES, (prev, own, nxt, vrs)))
    pech = vrs[1:] / vrs[:-1]
    return distances, dict(effch=effch, techch=techch, pech=pech, sech=effch / pech, tfpch=effch * techch)


def _frontier_te(task, *, X, Y, orientation) -> np.ndarray:
    """TE of the data of periods lo..hi−1 against the frontier of periods a..b−1 (one engine task)."""
    lo, hi, a, b, rts = task
    m, s = X.shape[2], Y.shape[2]
    try:
        return models.technical_efficiency(X[lo:hi], Y[lo:hi], X[a:b].reshape(-1, m), Y[a:b].reshape(-1, s),
                                           rts=rts, orientation=orientation)
    except SolverError as exc:
        raise exc.at([lo * X.shape[1] + u for u in exc.units]) from None


def _gmean(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Geometric means of the indices within groups of ``keys`` (in order of appearance)."""
    return np.exp(np.log(table[list(INDICES)]).groupby([table[k] for k in keys], sort=False).mean())


def _gmean_rows(means: pd.DataFrame) -> pd.Series:
    """Geometric mean of the rows of a means table (DEAP's overall "mean" row)."""
    return np.exp(np.log(means[list(INDICES)]).mean()).rename("overall")


def _with_overall(means: pd.DataFrame) -> pd.DataFrame:
    """A means table restricted to the indices, with the ``overall`` row appended."""
    rows = pd.concat([means[list(INDICES)], _gmean_rows(means).to_frame().T])
    return rows.rename_axis("transition")
