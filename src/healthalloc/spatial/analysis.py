"""One call for the spatial–temporal evolution of an indicator: Moran's I, LISA, kernel
density, σ/β-convergence, Markov chains and (optionally) a regional comparison."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from healthalloc.data import check_panel
from healthalloc.data.messages import listing
from healthalloc.data.regions import all_provinces
from healthalloc.spatial.autocorrelation import (
    ALPHA, LISA, MORAN, PERMUTATIONS, LISAResult, MoranResult, moran, moran_local,
)
from healthalloc.spatial.compare import GroupComparison, compare_groups
from healthalloc.spatial.convergence import BetaConvergence, SigmaConvergence, beta_convergence, sigma_convergence
from healthalloc.spatial.density import NOISE, KernelDensity, kernel_density
from healthalloc.spatial.markov import K, SpatialMarkov, spatial_markov
from healthalloc.params import REQUIRED, UNIT, Param, Params, declared
from healthalloc.report import figures as draw
from healthalloc.report.tables import p_text
from healthalloc.result import Result, last_period
from healthalloc.spatial.weights import SpatialWeights

__all__ = ["MAPPED", "PARAMS", "SpatialAnalysis", "mapped_periods", "spatial_analysis"]

#: Random seed of the permutations unless one is given: reports are reproducible.
SEED = 1
#: Most periods mapped side by side in the report's figures.
MAPPED = 4

#: The parameters of :func:`spatial_analysis` (its weights aside), from which
#: ``healthalloc spatial`` and the study analysis ``spatial`` are generated.
PARAMS = Params(
    Param("value", REQUIRED, "the indicator column (e.g. an efficiency score)", role="value"),
    replace(UNIT, help="column of unit ids, as the weights name them (default: the first column when it holds "
            "unique text labels, else the row number)"),
    Param("by", None, "period column (e.g. year): one analysis per period, plus convergence", role="period"),
    Param("group", None, "group column (e.g. region): regional comparison with pairwise tests, and σ-convergence "
          "within each group", role="group"),
    MORAN["permutations"],
    Param("seed", SEED, "random seed of the permutations", kind=int, metavar="S"),
    LISA["alpha"],
    Param("classes", K, "quantile classes of the Markov chains", low=2, metavar="K"),
    Param("controls", (), "control columns of the conditional β-convergence model", role="controls", many=True),
)


@dataclass(frozen=True)
class SpatialAnalysis(Result):
    """Every result of :func:`spatial_analysis`; None where the data cannot give it.

    Attributes
    ----------
    moran : MoranResult
    lisa : LISAResult
    density : KernelDensity
    sigma : SigmaConvergence or None
        With at least two periods.
    beta : tuple of BetaConvergence
        Absolute (cross-section, first → last period) and, with three periods or more,
        conditional (annual panel with unit and period fixed effects, plus ``controls``);
        empty without two periods or when some value is ≤ 0.
    markov : SpatialMarkov or None
        With at least two periods.
    comparison : GroupComparison or None
        With ``group``.
    weights : SpatialWeights
    """

    moran: MoranResult
    lisa: LISAResult
    density: KernelDensity
    sigma: SigmaConvergence | None
    beta: tuple[BetaConvergence, ...]
    markov: SpatialMarkov | None
    comparison: GroupComparison | None
    weights: SpatialWeights

    def to_frame(self) -> pd.DataFrame:
        """Global Moran's I per period (see :meth:`MoranResult.to_frame`)."""
        return self.moran.to_frame()

    def summary(self) -> pd.DataFrame:
        """Per period: Moran's I, E(I), sd, z, p (normality), permutation p, units per LISA cluster type."""
        return self.moran.summary().join(self.lisa.summary())

    def plot(self):
        """Global Moran's I per period (:meth:`MoranResult.plot`)."""
        return self.moran.plot()

    def reading(self) -> str:
        """Moran's I of the last period, its pseudo p and what it means at the LISA ``alpha``."""
        moran, by, alpha = self.moran.to_frame(), self.moran.by, self.lisa.alpha
        last = moran.iloc[-1]
        when = f" in {moran[by].iloc[-1]}" if by else ""
        return (f"Moran's I of {self.moran.value}{when} is {last['I']:.3f} ({p_text(last['p_sim'], 'pseudo p')}): "
                + ("similar values cluster in space." if last["p_sim"] < alpha and last["I"] > 0
                   else "no significant spatial clustering." if last["p_sim"] >= alpha
                   else "neighbours tend to differ."))

    def figures(self) -> dict:
        """Moran's I over the periods (:meth:`plot`) and, when the units are China's 31 provinces,
        the value and the LISA clusters mapped in a few periods (:func:`mapped_periods`); then the densities,
        σ-convergence and the Markov transition matrices."""
        by, value, out = self.moran.by, self.moran.value, {}
        if by and len(self.moran.I) > 1:
            out["moran"] = (f"Global Moran's I of {value} per {by}.", self.plot)
        last = last_period(self.lisa.to_frame(), by)[0]
        provinces = all_provinces([*last["unit"], *self.weights.dropped])
        if provinces and by:
            lisa = self.lisa.to_frame()
            periods = mapped_periods(lisa[by])
            lisa = lisa[lisa[by].isin(periods)]
            when = f"in {listing([str(p) for p in periods])}"
            out["maps"] = (f"{value} {when}, on one colour scale.", lambda: draw.choropleth_panel(
                lisa, value, "unit", by, label=value, title=f"{value} by {by}"))
            out["lisa"] = (f"LISA clusters {when}: HH red, LL blue, LH light blue, HL pink.",
                           lambda: draw.lisa_panel(lisa, "cluster", "unit", by, title=f"LISA clusters of {value}"))
        elif provinces:
            clusters = last.set_index("unit")["cluster"]
            out["lisa"] = ("LISA clusters: HH red, LL blue, LH light blue, HL pink.", lambda: draw.lisa_map(
                clusters, title=f"LISA clusters of {value}"))
        for part in (self.density, self.sigma, self.markov):
            out |= {} if part is None else part.figures()
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables by file stem, as ``healthalloc spatial`` writes them (and :meth:`to_excel`)."""
        out = {"moran": self.moran.to_frame(), "lisa": self.lisa.to_frame(),
               "kernel_density": self.density.to_frame(),
               "kernel_density_peaks": self.density.summary().reset_index()}
        if self.sigma is not None:
            out["sigma_convergence"] = self.sigma.to_frame()
        if self.beta:
            out["beta_convergence"] = pd.concat([b.to_frame() for b in self.beta], ignore_index=True)
        if self.markov is not None:
            out["markov"] = self.markov.to_frame()
        if self.comparison is not None:
            out["regional_comparison"] = self.comparison.to_frame()
            out["regional_tests"] = self.comparison.kruskal
            if self.comparison.pairwise is not None:
                out["regional_pairwise"] = self.comparison.pairwise
        out["weights"] = self.weights.to_frame()
        return out

    def __str__(self) -> str:
        parts = [self.moran, self.lisa, self.density, self.sigma, *self.beta, self.markov,
                 self.comparison]
        return "\n\n".join(str(p) for p in parts if p is not None)


def mapped_periods(periods: pd.Series) -> list:
    """The periods a report maps: all up to :data:`MAPPED`, else that many evenly spaced from the first
    to the last (2014, 2017, 2020, 2023 of ten years), so that small multiples stay readable."""
    every = sorted(periods.dropna().unique())
    if len(every) <= MAPPED:
        return every
    return [every[i] for i in np.unique(np.linspace(0, len(every) - 1, MAPPED).round().astype(int))]


@declared(PARAMS, data=("data", "weights"))
def spatial_analysis(
    data: pd.DataFrame,
    value: str,
    weights,
    *,
    unit: str | None = None,
    by: str | None = None,
    group: str | None = None,
    controls: Sequence[str] = (),
    permutations: int = PERMUTATIONS,
    seed: int | None = SEED,
    alpha: float = ALPHA,
    classes: int = K,
) -> SpatialAnalysis:
    """Run the spatial and temporal analyses of ``value`` in one call.

    Parameters
    ----------
    data : DataFrame
        A balanced panel (one row per unit and period), or a cross-section without ``by``.
    weights : SpatialWeights or libpysal W
        Over the data's units (see :mod:`healthalloc.spatial.weights`). Units the weights
        dropped as islands are left out of Moran's I, LISA and the Markov chains only.
    """
    common = dict(unit=unit, by=by)
    inference = dict(permutations=permutations, seed=seed)
    panel = check_panel(data, value, **common, balanced=True)
    periods = len(panel.periods)
    moran_result = moran(data, value, weights, **common, **inference)
    sw = moran_result.weights
    lisa = moran_local(data, value, sw, **common, **inference, alpha=alpha)
    pooled = panel.values(value)
    scores = pooled.min() >= 0 and abs(pooled.max() - 1) <= NOISE  # efficiency scores: (0, 1], a frontier at 1
    density = kernel_density(data, value, **common, bounds=(0.0, 1.0) if scores else None)
    comparison = compare_groups(data, value, group, by=by, pairwise=True) if group else None
    sigma = markov = None
    beta: tuple[BetaConvergence, ...] = ()
    if periods >= 2:
        sigma = sigma_convergence(data, value, **common, group=group)
        markov = spatial_markov(data, value, sw, **common, classes=classes)
        beta = _beta_models(data, value, common, tuple(controls), periods, (panel.values() > 0).all())
    return SpatialAnalysis(moran=moran_result, lisa=lisa, density=density, sigma=sigma, beta=beta,
                           markov=markov, comparison=comparison, weights=sw)


def _beta_models(data, value, common, controls, periods, positive) -> tuple[BetaConvergence, ...]:
    """Absolute cross-section β and, with ≥ 3 periods, conditional two-way fixed-effects β."""
    if not positive:
        warnings.warn(f"β-convergence skipped: column {value!r} has values ≤ 0 and growth rates "
                      "take logarithms", stacklevel=3)
        return ()
    models = [beta_convergence(data, value, **common)]
    if periods >= 3:
        models.append(beta_convergence(data, value, **common, controls=controls, model="panel",
                                       effects="twoway"))
    return tuple(models)
