"""Goodness of fit of an ERGM: simulated against observed network distributions.

As ``ergm::gof`` (Hunter, Goodreau & Handcock 2008, *JASA* 103, 248–258): networks are
simulated from the fitted model and, for each value k, the observed count is set against
the simulated ones — the degree distribution (in- and out-degree when directed), the
edgewise shared partners (ESP; outgoing two-paths i → k → j for a tie i → j when
directed, ergm's OTP) and the geodesic distances (``inf``: pairs not connected). The
p-value is ergm's: twice the smaller share of simulations at or beyond the observed count
on either side, at most 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from healthalloc.mobility.ergm.simulate import simulate
from healthalloc.report.figures import styled
from healthalloc.result import Result

__all__ = ["GofResult", "MAX_TICKS", "gof", "network_distributions", "tick_positions"]

#: Most x ticks on a panel of the goodness-of-fit figure.
MAX_TICKS = 6


def network_distributions(A: np.ndarray, directed: bool) -> dict[str, pd.Series]:
    """Counts per value of each distribution of the binary network ``A`` (see the module docstring)."""
    out = {}
    if directed:
        out["idegree"] = pd.Series(np.bincount(A.sum(axis=0)))
        out["odegree"] = pd.Series(np.bincount(A.sum(axis=1)))
    else:
        out["degree"] = pd.Series(np.bincount(A.sum(axis=1)))
    Af = A.astype(float)
    sp_counts = (Af @ Af)[A if directed else np.triu(A)].astype(int)
    out["espartners"] = pd.Series(np.bincount(sp_counts, minlength=1))
    dist = shortest_path(csr_matrix(Af), directed=directed, unweighted=True)
    pairs = dist[~np.eye(len(A), dtype=bool)] if directed else dist[np.triu_indices(len(A), 1)]
    finite = pairs[np.isfinite(pairs)].astype(int)
    counts = pd.Series(np.bincount(finite, minlength=2)[1:], index=range(1, max(2, finite.max(initial=1) + 1)))
    out["distance"] = pd.concat([counts, pd.Series({np.inf: int((~np.isfinite(pairs)).sum())})])
    return out


@dataclass(frozen=True)
class GofResult(Result):
    """Observed and simulated distributions.

    ``table``: one row per statistic and value with ``observed``, ``min``, ``mean``,
    ``max``, the 2.5% and 97.5% simulated quantiles and ``p_value``.
    """

    table: pd.DataFrame
    nsim: int

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def summary(self) -> pd.DataFrame:
        """Per statistic: values compared and how many observed counts fall outside the 95% band."""
        t = self.table
        outside = (t["observed"] < t["q025"]) | (t["observed"] > t["q975"])
        return (t.assign(outside=outside).groupby("statistic", sort=False)
                .agg(values=("value", "size"), outside_95=("outside", "sum"), min_p=("p_value", "min"))
                .reset_index())

    def tables(self) -> dict[str, pd.DataFrame]:
        """The one sheet ``gof``: :attr:`table`."""
        return {"gof": self.table}

    def plot(self):
        """One panel per statistic: simulated 95% band and mean, observed as a line with points."""
        return _gof_figure(self.table, self.nsim)


@styled
def _gof_figure(table: pd.DataFrame, nsim: int):
    from matplotlib.figure import Figure

    from healthalloc.report.figures.base import thousands

    stats = list(dict.fromkeys(table["statistic"]))
    columns = len(stats) if len(stats) <= 3 else 2  # four panels as 2 × 2, readable at a page's width
    rows = -(-len(stats) // columns)
    fig = Figure(figsize=(3.6 * columns, 3.0 * rows + 0.4))
    grid = fig.subplots(rows, columns, squeeze=False)
    for spare in grid.flat[len(stats):]:
        spare.remove()
    axes = grid.flat[:len(stats)]
    for ax, stat in zip(axes, stats):
        t = table[table["statistic"] == stat]
        x = np.arange(len(t))
        ax.fill_between(x, t["q025"], t["q975"], color="#c6d7ea", label="simulated 95%")
        ax.plot(x, t["mean"], color="#3b6ea5", lw=1, ls="--", label="simulated mean")
        ax.plot(x, t["observed"], color="black", marker="o", ms=3, lw=1.2, label="observed")
        labels = ["NR" if not np.isfinite(v) else str(int(v)) for v in t["value"]]
        shown = tick_positions(len(labels), "NR" in labels)
        ax.set_xticks(x[shown], [labels[i] for i in shown])
        ax.set_title(stat)
        ax.set_xlabel("value")
        thousands(ax.yaxis)
    for ax in grid[:, 0]:
        ax.set_ylabel("count")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Goodness of fit ({nsim} simulated networks)")
    fig.tight_layout()
    return fig


def tick_positions(n: int, last: bool = False) -> np.ndarray:
    """At most :data:`MAX_TICKS` of ``n`` positions, every 1st, 2nd, 5th, 10th, 20th, … from 0,
    and the last one too when ``last`` (the "NR" of unreachable pairs), dropping its neighbour
    tick when the two would touch."""
    room = MAX_TICKS - last
    step = next(s for s in (m * 10 ** e for e in range(7) for m in (1, 2, 5)) if -(-n // s) <= room)
    shown = np.arange(0, n, step)
    if last and shown[-1] != n - 1:
        shown = np.append(shown[:-1] if n - 1 - shown[-1] < step / 2 else shown, n - 1)
    return shown


def gof(fit, nsim: int = 100, *, interval: int | None = None, chains: int = 1, seed=None,
        engine="serial") -> GofResult:
    """Simulate ``nsim`` networks from ``fit`` and compare their distributions with the observed.

    ``interval`` (default the fit's), ``chains``, ``seed`` and ``engine`` as for
    :func:`~healthalloc.mobility.ergm.simulate.simulate`; the result does not depend on
    the engine.
    """
    model = fit.model
    observed = network_distributions(model.observed, model.directed)
    chains_out = simulate(fit, nsim, interval=interval, chains=chains, seed=seed, engine=engine,
                          keep_networks=True)
    sims = [network_distributions(A, model.directed) for A in chains_out.networks]
    rows = []
    for stat, obs in observed.items():
        values = sorted(set(obs.index).union(*(s[stat].index for s in sims)), key=float)
        sim = np.array([[s[stat].get(v, 0) for v in values] for s in sims], dtype=float)
        ob = np.array([obs.get(v, 0) for v in values], dtype=float)
        low = (sim <= ob).mean(axis=0)
        high = (sim >= ob).mean(axis=0)
        for k, v in enumerate(values):
            rows.append({"statistic": stat, "value": v, "observed": ob[k], "min": sim[:, k].min(),
                         "mean": sim[:, k].mean(), "max": sim[:, k].max(),
                         "q025": np.quantile(sim[:, k], 0.025), "q975": np.quantile(sim[:, k], 0.975),
                         "p_value": min(1.0, 2 * min(low[k], high[k]))})
    return GofResult(pd.DataFrame(rows), nsim)
