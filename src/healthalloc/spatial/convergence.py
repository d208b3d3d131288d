"""σ- and β-convergence of an indicator across units over time.

σ-convergence: the cross-sectional dispersion falls over time. Per period t, over the
n units::

    CV_t = s_t / ȳ_t,        σ_t = sd(ln y_it)         (sample sd, n − 1 denominator)

β-convergence: units starting lower grow faster (Barro & Sala-i-Martin 1992). The
cross-section model regresses the average annual growth rate between the first period 0
and the last period T on the initial level (and controls X measured in period 0)::

    (1/T) ln(y_iT / y_i0) = α + β ln y_i0 (+ γ'X_i0) + ε_i

and the panel model the growth over each step of length τ (1 for consecutive years)::

    (1/τ) ln(y_i,t+τ / y_it) = α + β ln y_it (+ γ'X_it) (+ μ_i) (+ η_t) + ε_it

β < 0 (significant) is convergence. Without controls or fixed effects it is *absolute*
β-convergence; with controls or unit fixed effects μ_i (Islam 1995) *conditional*. From
β = −(1 − e^(−λT))/T, the speed of convergence and the half-life are::

    λ = −ln(1 + βT) / T,        half-life = ln 2 / λ

(T the horizon of the growth rate: the span for the cross-section, τ for the panel;
λ is undefined when 1 + βT ≤ 0). Periods that are numbers (years) measure T in their
units; other periods count steps.

References: Barro, R. J. & Sala-i-Martin, X. (1992) Convergence. Journal of Political
Economy 100(2): 223–251. Islam, N. (1995) Growth empirics: a panel data approach.
Quarterly Journal of Economics 110(4): 1127–1170.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healthalloc.data import DataError, check_columns, check_panel
from healthalloc.data.messages import listing
from healthalloc.data.panel import unit_labels
from healthalloc.data.regions import group_order
from healthalloc.params import REQUIRED, UNIT, Param, Params, declared
from healthalloc.result import Result, renamed

__all__ = ["BetaConvergence", "SigmaConvergence", "beta_convergence", "sigma_convergence"]

#: Standard deviations are sample standard deviations (n − 1 denominator).
DDOF = 1
#: The parameters of :func:`sigma_convergence` (the value aside).
SIGMA = Params(
    Param("by", REQUIRED, "period column", role="period"),
    UNIT,
    Param("group", None, "column of groups (e.g. region), constant per unit: dispersion within each group as well "
          "as over all units", role="group"),
)
#: The parameters of :func:`beta_convergence` (the value aside).
BETA = SIGMA.without("group") + Params(
    Param("controls", (), "control variables (conditional β): taken in the initial period (cross-section) or at "
          "the start of each step (panel)", role="controls", many=True),
    Param("model", "cross-section", "average growth over one cross-section (first → last period) or over each "
          "step of an annual panel (module docstring)", choices=("cross-section", "panel")),
    Param("effects", None, "fixed effects of the panel model, as dummy variables (model='panel' only)",
          choices=("unit", "time", "twoway")),
    Param("cov_type", "nonrobust", "statsmodels covariance: nonrobust, HC1, …, or cluster (by unit)", kind=str),
)
#: Name of the initial-level regressor in ``params``.
LN_INITIAL = "ln_y0"


@dataclass(frozen=True)
class SigmaConvergence(Result):
    """Dispersion of an indicator per period (and group).

    Attributes
    ----------
    table : DataFrame
        One row per period (and group, ``"all"`` for every unit): ``n``, ``mean``,
        ``sd``, ``cv`` (sd/mean) and ``sd_log`` (sd of ln y; NaN unless every value > 0).
    """

    table: pd.DataFrame
    value: str
    by: str
    group: str | None

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: period, (group), n, mean, sd, cv, sd_log."""
        return self.table

    def summary(self) -> pd.DataFrame:
        """Per group: cv and sd_log in the first and last period and their OLS trend per
        period unit (negative: σ-convergence)."""
        keys = ["group"] if self.group else []
        frame = self.table.assign(_x=_period_positions(self.table[self.by]))
        rows = []
        for key, part in (frame.groupby(keys, sort=False) if keys else [((), frame)]):
            row = dict(zip(keys, key))
            for m in ("cv", "sd_log"):
                row |= {f"{m}_first": part[m].iloc[0], f"{m}_last": part[m].iloc[-1],
                        f"{m}_trend": _slope(part["_x"].to_numpy(), part[m].to_numpy())}
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self):
        """cv per period and group with ``group`` (all units pooled as a dashed black line); else cv and
        sd_log (when defined) per period."""
        from healthalloc.report.figures.curves import trend_lines

        measures = ["cv"] if self.group or self.table["sd_log"].isna().all() else ["cv", "sd_log"]
        fig = trend_lines(self.table, self.by, measures, group="group" if self.group else None,
                          title=f"σ-convergence of {self.value}",
                          ylabel="cv" if measures == ["cv"] else "dispersion")
        if self.group:  # the pooled units set apart from the groups, on the plot and in the legend
            legend = fig.legends[0]
            for line, handle, text in zip(fig.axes[0].get_lines(), legend.legend_handles, legend.get_texts()):
                if text.get_text() == "all":
                    for drawn in (line, handle):
                        drawn.set(color="black", linestyle="--")
        return fig

    def figures(self) -> dict:
        """The dispersion over the periods (:meth:`plot`)."""
        return {"sigma": (f"σ-convergence of {self.value}: coefficient of variation (sd / mean)"
                          + (" per group" if self.group else " and sd of logs") + f" per {self.by}; "
                          "falling lines mean the units draw closer.", self.plot)}

    def __str__(self) -> str:
        return f"σ-convergence of {self.value!r}\n" + self.summary().round(4).to_string(index=False)


@dataclass(frozen=True)
class BetaConvergence(Result):
    """A β-convergence regression (statsmodels OLS) and the convergence speed it implies.

    Attributes
    ----------
    beta, std_error, t, p_value : float
        Coefficient of the initial log level, its standard error, t and p-value (``se``
        and ``p`` are their older names).
    r2, r2_adj : float
        (Adjusted) R² of the regression.
    nobs : int
        Observations: units (cross-section) or unit–steps (panel).
    T : float
        Horizon of the growth rate: the span (cross-section) or the step τ (panel).
    speed : float
        λ = −ln(1 + βT)/T per period unit (NaN when 1 + βT ≤ 0).
    half_life : float
        ln 2/λ (NaN unless λ > 0).
    estimates, std_errors, p_values : Series
        ``const``, ``ln_y0`` and the controls (fixed-effect dummies left out); ``params``,
        ``bse`` and ``pvalues`` are their older, statsmodels names.
    kind : str
        ``"absolute"`` or ``"conditional"``.
    model : str
        ``"cross-section"`` or ``"panel"``.
    fit : statsmodels RegressionResults
        The full regression, dummies included.
    """

    beta: float
    std_error: float
    t: float
    p_value: float
    r2: float
    r2_adj: float
    nobs: int
    T: float
    speed: float
    half_life: float
    estimates: pd.Series
    std_errors: pd.Series
    p_values: pd.Series
    kind: str
    model: str
    effects: str | None
    controls: tuple[str, ...]
    cov_type: str
    value: str
    fit: object = field(repr=False)

    se, p = renamed("se", "std_error"), renamed("p", "p_value")
    params, bse, pvalues = renamed("params", "estimates"), renamed("bse", "std_errors"), renamed("pvalues", "p_values")

    def to_frame(self) -> pd.DataFrame:
        """One row: model, kind, effects, controls, beta, se, t, p, r2, r2_adj, nobs, T,
        speed (λ), half_life."""
        return pd.DataFrame([{
            "model": self.model, "kind": self.kind, "effects": self.effects or "none",
            "controls": ";".join(self.controls), "beta": self.beta, "se": self.std_error, "t": self.t,
            "p": self.p_value, "r2": self.r2, "r2_adj": self.r2_adj, "nobs": self.nobs, "T": self.T,
            "speed": self.speed, "half_life": self.half_life, "cov_type": self.cov_type}])

    def summary(self) -> pd.DataFrame:
        """Coefficients: estimate, std_error, t, p_value and 95% confidence interval (dummies left out)."""
        ci = self.fit.conf_int().loc[self.estimates.index]
        return pd.DataFrame({"estimate": self.estimates, "std_error": self.std_errors,
                             "t": self.estimates / self.std_errors, "p_value": self.p_values,
                             "ci_low": ci[0], "ci_high": ci[1]})

    def plot(self):
        """The coefficients but the constant, with their 95% confidence intervals."""
        from healthalloc.report.figures.bars import bars

        table = self.summary().drop(index="const")
        return bars(table["estimate"], low=table["ci_low"], high=table["ci_high"], reference=0.0,
                    title=f"{self.kind.capitalize()} β-convergence of {self.value} ({self.model})")

    def __str__(self) -> str:
        head = (f"{self.kind.capitalize()} β-convergence of {self.value!r} ({self.model}, "
                f"effects: {self.effects or 'none'}, se: {self.cov_type}); n = {self.nobs}, "
                f"R² = {self.r2:.4f}, T = {self.T:g}\n")
        tail = f"\nλ = −ln(1 + βT)/T = {self.speed:.4f}, half-life = {self.half_life:.2f}"
        return head + self.summary().round(4).to_string() + tail


@declared(SIGMA, data=("data", "value"))
def sigma_convergence(
    data: pd.DataFrame,
    value: str,
    *,
    by: str,
    unit: str | None = None,
    group: str | None = None,
) -> SigmaConvergence:
    """Coefficient of variation and sd of logs of ``value`` in each period (σ-convergence).

    Parameters
    ----------
    data : DataFrame
        A balanced panel: one row per unit and period.
    value : str
        The indicator.

    Examples
    --------
    >>> from healthalloc.data import load_china_provinces
    >>> res = sigma_convergence(load_china_provinces(), "beds_per_1000_people", by="year",
    ...                         unit="province_code")
    >>> res.table.set_index("year").loc[[2014, 2023], "cv"].round(4).tolist()
    [0.1381, 0.1382]
    """
    wide = check_panel(data, value, unit=unit, by=by, balanced=True).wide(value)
    logs = wide.gt(0).all(axis=None)
    if not logs:
        warnings.warn(f"column {value!r} has values ≤ 0: sd_log is left empty", stacklevel=3)
    parts = [_dispersion(wide, logs).assign(group="all")]
    if group:
        groups = _unit_groups(data, group, unit, wide.index)
        parts[:0] = [_dispersion(wide[groups == g], logs).assign(group=g) for g in group_order(groups)]
    table = pd.concat(parts).reset_index()
    columns = [by, "group", "n", "mean", "sd", "cv", "sd_log"]
    table = table[columns] if group else table[columns].drop(columns="group")
    return SigmaConvergence(table, value, by, group)


@declared(BETA, data=("data", "value"))
def beta_convergence(
    data: pd.DataFrame,
    value: str,
    *,
    by: str,
    unit: str | None = None,
    controls: Sequence[str] = (),
    model: str = "cross-section",
    effects: str | None = None,
    cov_type: str = "nonrobust",
) -> BetaConvergence:
    """Regress growth of ln ``value`` on its initial level (β-convergence), with statsmodels OLS.

    Parameters
    ----------
    data : DataFrame
        A balanced panel with at least two periods, ``value`` > 0.
    value : str
        The indicator.

    Examples
    --------
    >>> from healthalloc.data import load_china_provinces
    >>> res = beta_convergence(load_china_provinces(), "beds_per_1000_people", by="year",
    ...                        unit="province_code")
    >>> round(res.beta, 4), round(res.speed, 4)
    (-0.0273, 0.0313)
    """
    if effects and model != "panel":
        raise ValueError("fixed effects need model='panel'")
    controls = tuple(controls)
    panel = check_panel(data, [value, *controls], unit=unit, by=by, balanced=True,
                        positive={value: "β-convergence takes logarithms and needs every value > 0"})
    wide = panel.wide(value)
    if wide.shape[1] < 2:
        raise DataError(f"β-convergence needs at least two periods in column {by!r}")
    periods = _period_positions(wide.columns)
    logs = np.log(wide)
    levels = {LN_INITIAL: logs} | {c: panel.wide(c) for c in controls}  # regressors, units × periods
    if model == "cross-section":
        T = periods[-1] - periods[0]
        growth = (logs.iloc[:, -1] - logs.iloc[:, 0]) / T
        X = pd.DataFrame({c: x.iloc[:, 0] for c, x in levels.items()})
        groups = np.arange(len(X))
    else:
        steps = np.diff(periods)
        T = float(steps[0]) if np.allclose(steps, steps[0]) else float(np.mean(steps))
        growth = (logs.diff(axis=1).iloc[:, 1:] / steps).stack()
        X = pd.DataFrame({c: x.iloc[:, :-1].set_axis(x.columns[1:], axis=1).stack()  # at each step's start
                          for c, x in levels.items()})
        X = X.join(_dummies(X.index, effects))
        groups = pd.factorize(X.index.get_level_values(0))[0]
    return _ols(growth, X, T, controls, model, effects, cov_type, groups, value)


def _ols(growth, X, T, controls, model, effects, cov_type, groups, value) -> BetaConvergence:
    import statsmodels.api as sm

    kwargs = {"groups": groups} if cov_type == "cluster" else {}
    fit = sm.OLS(growth.reindex(X.index).to_numpy(float), sm.add_constant(X.astype(float), has_constant="add")
                 ).fit(cov_type=cov_type, cov_kwds=kwargs or None)
    shown = ["const", LN_INITIAL, *controls]
    beta = float(fit.params[LN_INITIAL])
    speed = -np.log1p(beta * T) / T if 1 + beta * T > 0 else np.nan
    if np.isnan(speed):
        warnings.warn(f"1 + βT = {1 + beta * T:.3g} ≤ 0: the convergence speed λ is undefined",
                      stacklevel=3)
    conditional = bool(controls) or effects in ("unit", "twoway")
    return BetaConvergence(
        beta=beta, std_error=float(fit.bse[LN_INITIAL]), t=float(fit.tvalues[LN_INITIAL]),
        p_value=float(fit.pvalues[LN_INITIAL]), r2=float(fit.rsquared), r2_adj=float(fit.rsquared_adj),
        nobs=int(fit.nobs), T=float(T), speed=float(speed),
        half_life=float(np.log(2) / speed) if speed > 0 else np.nan,
        estimates=fit.params[shown], std_errors=fit.bse[shown], p_values=fit.pvalues[shown],
        kind="conditional" if conditional else "absolute", model=model, effects=effects,
        controls=controls, cov_type=cov_type, value=value, fit=fit)


def _dispersion(wide: pd.DataFrame, logs: bool) -> pd.DataFrame:
    """n, mean, sd, cv and sd of logs of each column (period) of ``wide``."""
    mean, sd = wide.mean(), wide.std(ddof=DDOF)
    sd_log = np.log(wide).std(ddof=DDOF) if logs else pd.Series(np.nan, index=wide.columns)
    return pd.DataFrame({"n": wide.count(), "mean": mean, "sd": sd, "cv": sd / mean, "sd_log": sd_log})


def _unit_groups(data, group, unit, units) -> pd.Series:
    """The group of each unit, checked constant over periods."""
    check_columns(data, group)
    pairs = pd.DataFrame({"unit": unit_labels(data, unit).to_numpy(), "group": data[group].to_numpy()})
    pairs = pairs.drop_duplicates()
    if pairs["group"].isna().any():
        raise DataError(f"units {listing(pairs['unit'][pairs['group'].isna()].unique())} have no "
                        f"{group!r}")
    twice = pairs["unit"].duplicated(keep=False)
    if twice.any():
        raise DataError(f"units {listing(pairs['unit'][twice].unique())} change {group!r} between "
                        "periods; a unit must stay in one group")
    return pairs.set_index("unit")["group"].reindex(units)


def _period_positions(periods: pd.Index | pd.Series) -> np.ndarray:
    """Periods as numbers (years as they are; other labels by rank: 0, 1, 2, …)."""
    if pd.api.types.is_numeric_dtype(periods):
        return periods.to_numpy(float)
    return pd.factorize(periods, sort=True)[0].astype(float)


def _dummies(index: pd.MultiIndex, effects: str | None) -> pd.DataFrame:
    """Unit and/or period dummies (first level dropped) for the panel's (unit, period) rows."""
    levels = {"unit": [0], "time": [1], "twoway": [0, 1]}.get(effects, [])
    parts = [pd.get_dummies(index.get_level_values(i).astype(str), prefix=["unit", "time"][i],
                            drop_first=True, dtype=float).set_axis(index) for i in levels]
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=index)


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    """OLS slope of y on x (NaN with fewer than two finite points)."""
    ok = np.isfinite(y)
    return float(np.polyfit(x[ok], y[ok], 1)[0]) if ok.sum() >= 2 else np.nan
