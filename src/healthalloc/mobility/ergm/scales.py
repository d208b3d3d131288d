"""The same model sequence on two or more networks, side by side (seed 003's Tables 3–4).

Seed 003 fits three nested models on 288 prefecture cities nationally (its Table 3) and on
88 county-level cities of Zhejiang (its Table 4) and reads them together.
:func:`fit_networks` fits one sequence of formulas on each network; :func:`compare_networks`
sets fits already made side by side (:class:`NetworkComparison`):

- the models of every network in one table (estimates with stars, AIC, BIC and N);
- for each pair of networks, each model label both have and each coefficient both
  estimate, the difference b₁ − b₂ with the approximate z = (b₁ − b₂) / √(se₁² + se₂²) and
  its two-sided normal p (Paternoster, Brame, Mazerolle & Piquero 1998, for coefficients
  of independent samples). It treats the two fits as independent, so it
  is approximate; a node subset of one network (Zhejiang within China) is not independent
  of the whole, and there the test is only indicative;
- the scale of every covariate a coefficient is per unit of: the standard deviation of a
  nodal covariate (``nodecov``, ``nodeicov``, ``nodeocov``, ``absdiff``) over the nodes and
  of an edge covariate over the dyads. Where it differs by more than ``scale_ratio``
  (default 2) between two networks, a unit of the covariate is not the same step in both,
  and the coefficients are not comparable as they stand (seed 003's GeoProx coefficients,
  5898 nationally and 1.19 in Zhejiang, differ about 5000-fold, which suggests inverse
  distances of different units): the difference is marked and a note says so. A 0/1 covariate (a
  dialect match, CulProx) has the same unit everywhere and is never flagged.

References
----------
Paternoster, R., Brame, R., Mazerolle, P., Piquero, A. (1998). Using the correct
statistical test for the equality of regression coefficients. *Criminology* 36(4), 859–866.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from healthalloc.data import DataError
from healthalloc.data.messages import listing
from healthalloc.mobility.ergm.fit import ErgmResult, coefficient_plot, compare_models, ergm, stars
from healthalloc.mobility.ergm.terms import AbsDiff, EdgeCov, NodeCov, dyads
from healthalloc.params import REQUIRED, Param, Params, declared
from healthalloc.report.tables import format_number
from healthalloc.result import Result

__all__ = ["NetworkComparison", "compare_networks", "fit_networks"]

PARAMS = Params(
    Param("scale_ratio", 2.0, "a covariate whose standard deviation differs between two networks by more than this "
          "factor is flagged: its coefficients are not comparable", kind=(int, float), low=1),
    Param("digits", 4, "decimals of the side-by-side table", kind=int, low=0),
)

#: The columns of :meth:`NetworkComparison.differences` (``stars`` is added after ``p_value``).
DIFFERENCES = ["model", "term", "network_1", "network_2", "estimate_1", "std_error_1", "estimate_2", "std_error_2",
               "difference", "std_error", "z", "p_value", "scale_ratio", "comparable"]


@dataclass(frozen=True)
class NetworkComparison(Result):
    """Fits of one model sequence on several networks, side by side (see the module docstring).

    Attributes
    ----------
    fits : dict of str to dict of str to ErgmResult
        ``{network: {model: fit}}``, every network with the same model labels.
    scale_ratio : float
        The factor between two networks' covariate standard deviations beyond which the
        covariate's coefficients are flagged as not comparable.
    digits : int
        Decimals of :meth:`to_frame`.
    """

    fits: dict[str, dict[str, ErgmResult]]
    scale_ratio: float = 2.0
    digits: int = 4

    def to_frame(self) -> pd.DataFrame:
        """Seed 003's layout for every network at once: one row per coefficient, then AIC,
        BIC and N (nodes); one column per network and model (``network: model``), ``–``
        where a model lacks the coefficient."""
        parts = [compare_models(fits, self.digits).to_frame().set_index("variable")
                 .rename(columns=lambda model, net=net: f"{net}: {model}") for net, fits in self.fits.items()]
        footer = ["AIC", "BIC", "N"]
        terms = [t for t in dict.fromkeys(t for part in parts for t in part.index) if t not in footer]
        return pd.concat(parts, axis=1).reindex(terms + footer).fillna("–").rename_axis("variable").reset_index()

    def summary(self) -> pd.DataFrame:
        """Fit statistics of every network's models (one row each), the lowest AIC and BIC
        flagged within each network."""
        return pd.concat([compare_models(fits).summary().assign(network=net) for net, fits in self.fits.items()],
                         ignore_index=True).pipe(lambda f: f[["network"] + [c for c in f.columns if c != "network"]])

    def scales(self) -> pd.DataFrame:
        """``term, network, kind (node or dyad), n, mean, sd, binary`` of every covariate
        a coefficient of some model is per unit of."""
        return self._scales.copy()

    @cached_property
    def _scales(self) -> pd.DataFrame:
        """:meth:`scales`, computed once (an edge covariate of 2,800 nodes has 7.8 million dyads)."""
        rows = []
        for net, fits in self.fits.items():
            seen = {}
            for fit in fits.values():
                seen |= _covariates(fit)
            rows += [{"term": term, "network": net, "kind": kind, "n": len(x), "mean": float(np.mean(x)),
                      "sd": float(np.std(x, ddof=1)) if len(x) > 1 else np.nan,
                      "binary": bool(np.isin(x, (0.0, 1.0)).all())} for term, (kind, x) in seen.items()]
        return pd.DataFrame(rows, columns=["term", "network", "kind", "n", "mean", "sd", "binary"])

    def differences(self) -> pd.DataFrame:
        """For each pair of networks, model and shared coefficient: both estimates and
        standard errors, the difference, its standard error √(se₁² + se₂²), the approximate
        z and two-sided p (NaN unless both estimates are finite, both fits converged and
        the standard error is positive), stars, the ratio of the covariate's standard
        deviations (larger / smaller; NaN without a scaled covariate) and ``comparable``
        (False where that ratio exceeds ``scale_ratio``)."""
        sd = self.scales().set_index(["term", "network"])
        rows = []
        for a, b in combinations(self.fits, 2):
            for model in self.fits[a]:
                fa, fb = self.fits[a][model], self.fits[b][model]
                for term in [t for t in fa.coef.index if t in fb.coef.index]:
                    ea, eb, sa, sb = fa.coef[term], fb.coef[term], fa.std_error[term], fb.std_error[term]
                    se = float(np.hypot(sa, sb))
                    ok = np.isfinite([ea, eb]).all() and fa.converged and fb.converged and se > 0
                    z = (ea - eb) / se if ok else np.nan
                    ratio = _ratio(sd, term, a, b)
                    rows.append({"model": model, "term": term, "network_1": a, "network_2": b, "estimate_1": ea,
                                 "std_error_1": sa, "estimate_2": eb, "std_error_2": sb, "difference": ea - eb,
                                 "std_error": se, "z": z, "p_value": 2 * ndtr(-abs(z)), "scale_ratio": ratio,
                                 "comparable": not ratio > self.scale_ratio})
        frame = pd.DataFrame(rows, columns=DIFFERENCES)
        frame.insert(frame.columns.get_loc("p_value") + 1, "stars", stars(frame["p_value"]))
        return frame

    def notes(self) -> list[str]:
        """One line per covariate whose scale differs by more than ``scale_ratio`` between two networks."""
        sd = self.scales().set_index(["term", "network"])
        out = []
        for a, b in combinations(self.fits, 2):
            for term in sd.index.get_level_values("term").unique():
                ratio = _ratio(sd, term, a, b)
                if ratio > self.scale_ratio:
                    sd_a, sd_b = (format_number(sd.loc[(term, net), "sd"], "coefficient") for net in (a, b))
                    out.append(f"{term}: its covariate's standard deviation is {sd_a} in {a} "
                               f"but {sd_b} in {b} (×{format_number(ratio, digits=1)}, beyond the "
                               f"×{self.scale_ratio:g} allowed): one unit is not the same step in both, so its "
                               "coefficients are not comparable as they stand (standardize the covariate in each "
                               "network, or compare signs only)")
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets ``models`` (:meth:`to_frame`), ``differences``, ``scales`` and ``fit`` (:meth:`summary`)."""
        return {"models": self.to_frame(), "differences": self.differences(), "scales": self.scales(),
                "fit": self.summary()}

    def reading(self) -> str:
        """The networks, each one's lowest-AIC model, and the shared coefficients of the last
        model that differ at p < 0.05 (approximate z, the fits treated as independent)."""
        sizes = ", ".join(f"{net} ({next(iter(fits.values())).n_nodes:,} nodes)" for net, fits in self.fits.items())
        best = {net: compare_models(fits).best for net, fits in self.fits.items()}
        text = (f"{len(next(iter(self.fits.values())))} model(s) on {len(self.fits)} networks: {sizes}. Lowest AIC: "
                + ", ".join(f"{net}: {model or 'none (no model converged)'}" for net, model in best.items()) + ". ")
        last = list(next(iter(self.fits.values())))[-1]
        diff = self.differences()
        diff = diff[(diff["model"] == last) & (diff["term"] != "edges")]
        apart = diff[diff["p_value"] < 0.05]
        text += (f"In {last}, {len(apart)} of {len(diff)} shared coefficient(s) differ at p < 0.05"
                 + (": " + ", ".join(f"{t} ({n1} {_signed(e1)} vs {n2} {_signed(e2)})" for t, n1, e1, n2, e2 in zip(
                     apart["term"], apart["network_1"], apart["estimate_1"], apart["network_2"], apart["estimate_2"]))
                    if len(apart) else ""))
        flagged = sorted(set(diff.loc[~diff["comparable"], "term"]))
        text += " (approximate z treating the fits as independent, which a node subset of one network is not)."
        if flagged:
            text += f" Differently scaled, not comparable as they stand: {listing(flagged)}."
        return text

    def figures(self) -> dict:
        last = list(next(iter(self.fits.values())))[-1]
        return {"coefficients": (f"{last}'s estimates with 95% confidence intervals in each network (edges omitted); "
                                 "intervals that do not overlap suggest a difference, tested approximately (the fits "
                                 "treated as independent) in the differences table.", self.plot)}

    def plot(self):
        """The last model's estimates ± 1.96 SE, one marker per network."""
        last = list(next(iter(self.fits.values())))[-1]
        return coefficient_plot({net: fits[last] for net, fits in self.fits.items()})


def _signed(estimate: float) -> str:
    """A coefficient by the number rule, with its sign (``+0.05130``, ``-1.609``)."""
    text = format_number(estimate, "coefficient")
    return text if text.startswith("-") or estimate == 0 else "+" + text


def _covariates(fit: ErgmResult) -> dict[str, tuple[str, np.ndarray]]:
    """The covariate each scaled coefficient of ``fit`` is per unit of: a nodal one's
    values at the nodes, an edge covariate's at the dyads."""
    out = {}
    for term in fit.model.terms:
        if isinstance(term, NodeCov | AbsDiff):
            out[term.coef_names[0]] = ("node", np.asarray(term.x, dtype=float))
        elif isinstance(term, EdgeCov):
            t, h = dyads(term.net.n, term.net.directed)
            out[term.coef_names[0]] = ("dyad", np.asarray(term.M, dtype=float)[t, h])
    return out


def _ratio(sd: pd.DataFrame, term: str, a: str, b: str) -> float:
    """Larger over smaller standard deviation of ``term``'s covariate in networks ``a`` and
    ``b``; NaN when either lacks it or it is 0/1 in both (the same unit everywhere)."""
    if (term, a) not in sd.index or (term, b) not in sd.index or sd.loc[[(term, a), (term, b)], "binary"].all():
        return np.nan
    pair = sd.loc[[(term, a), (term, b)], "sd"].to_numpy(float)
    return float(pair.max() / pair.min()) if pair.min() > 0 else np.inf


@declared(PARAMS, data=("fits",))
def compare_networks(fits: dict[str, dict[str, ErgmResult]], *, scale_ratio: float = 2.0,
                     digits: int = 4) -> NetworkComparison:
    """Fits of the same model sequence on several networks side by side, with approximate
    tests of each shared coefficient's difference (see the module docstring).

    Parameters
    ----------
    fits : dict
        ``{network label: {model label: ErgmResult}}``: at least two networks, each with
        the same model labels (seed 003: ``{"national": {"Model 1": …}, "Zhejiang": …}``).

    Raises
    ------
    ValueError
        Fewer than two networks, a network without models, or model labels that differ.
    """
    if len(fits) < 2:
        raise ValueError(f"compare_networks needs at least two networks, got {len(fits)}")
    labels = {net: list(models) for net, models in fits.items()}
    first, want = next(iter(labels.items()))
    for net, got in labels.items():
        if not got:
            raise ValueError(f"network {net!r} has no fitted models")
        if set(got) != set(want):
            raise ValueError(f"network {net!r} has models {listing(list(map(repr, got)))} but {first!r} has "
                             f"{listing(list(map(repr, want)))}; fit the same model sequence on every network")
    return NetworkComparison({net: {m: models[m] for m in want} for net, models in fits.items()},
                             float(scale_ratio), digits)


@declared(Params(Param("models", REQUIRED, "model label = statnet formula, fitted on every network", kind=dict,
                       values=str)) + ergm.params.without("formula") + PARAMS, data=("networks",))
def fit_networks(networks: dict, models: dict[str, str], *, estimate: str = "MLE", seed: int | None = None,
                 control=None, engine="serial", progress: bool | None = None, scale_ratio: float = 2.0,
                 digits: int = 4) -> NetworkComparison:
    """Fit the models ``{label: formula}`` on each of ``networks`` (``{label: Network}``,
    binary) with :func:`~healthalloc.mobility.ergm.ergm` and set them side by side
    (:func:`compare_networks`). A model that cannot be fitted is refused naming its network.
    """
    fits = {}
    for net, network in networks.items():
        fits[net] = {}
        for label, formula in models.items():
            try:
                fits[net][label] = ergm(network, formula, estimate=estimate, control=control, seed=seed,
                                        engine=engine, progress=progress)
            except DataError as exc:
                raise DataError(f"network {net!r}, {label}: {exc}") from exc
    return compare_networks(fits, scale_ratio=scale_ratio, digits=digits)
