"""Kernel density of an indicator in each period, on one grid: the curves (and their
peaks) that spatial–temporal evolution papers plot and read.

Gaussian kernel density (``scipy.stats.gaussian_kde``)::

    f̂(x) = 1/(n h) Σᵢ φ((x − yᵢ)/h)

with bandwidth h = factor × sd(y), the factor by Scott's (n^(−1/5)) or Silverman's rule,
or a number. A value bounded to [a, b] (efficiency scores to (0, 1]) would leak density
past its bounds; with ``bounds`` the kernels are reflected at them (Silverman 1986, §2.10)::

    f̂(x) = f̂₀(x) + f̂₀(2a − x) + f̂₀(2b − x)   on [a, b], 0 beyond

(f̂₀ the plain estimate), which integrates to 1 over [a, b] up to the mass a kernel
reflected once still has beyond the other bound. Reading the curves: the main peak moving right means the level rises; a
lower, wider peak means dispersion grows; side peaks mean polarization.

References: Silverman, B. W. (1986) Density Estimation for Statistics and Data Analysis.
Chapman & Hall. Scott, D. W. (1992) Multivariate Density Estimation. Wiley.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from healthalloc.data import DataError, check_panel
from healthalloc.data.messages import listing
from healthalloc.params import UNIT, Param, Params, declared
from healthalloc.result import Result

__all__ = ["GRID_POINTS", "NOISE", "KernelDensity", "kernel_density", "reflected"]

#: Points of the common grid.
GRID_POINTS = 256
#: The grid extends this many (largest) bandwidths beyond the data.
CUT = 3.0
#: Values this far (at most) beyond ``bounds`` are solver noise (an efficiency of 1 + 3e-15), not data outside.
NOISE = 1e-6
#: A local maximum counts as a peak when at least this share of the period's highest.
PEAK_SHARE = 0.1

#: The parameters of :func:`kernel_density` (the value aside).
DENSITY = Params(
    Param("by", None, "period column: one curve per period", role="period"),
    UNIT,
    Param("bw_method", "scott", "bandwidth rule (scott, silverman), or the factor h / sd (gaussian_kde's bw_method)",
          kind=(str, float)),
    Param("grid", GRID_POINTS, "number of grid points spanning all periods' data ± 3 bandwidths, or the x values",
          kind=int, objects=(np.ndarray, list, tuple, pd.Series)),
    Param("bounds", None, "lower and upper bound of the value (e.g. 0,1 for efficiency scores): kernels reflected "
          "at them, density 0 beyond", kind=float, many=True),
)


@dataclass(frozen=True)
class KernelDensity(Result):
    """Density curves of ``value``, one per period, on a common grid.

    Attributes
    ----------
    grid : ndarray
        The x values, shared by every period.
    density : DataFrame
        One column per period, one row per grid point.
    bandwidth : Series
        h per period, in the value's unit.
    bounds : (float, float) or None
        The bounds the kernels are reflected at.
    samples : mapping
        The values of each period.
    """

    grid: np.ndarray
    density: pd.DataFrame
    bandwidth: pd.Series
    value: str
    by: str | None
    bw_method: str | float
    bounds: tuple[float, float] | None
    samples: Mapping = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Tidy: the ``by`` column, ``x``, ``density`` (a figure's ridge lines)."""
        out = self.density.set_axis(self.grid).rename_axis("x").stack().rename("density")
        out = out.reset_index().rename(columns={"period": self.by or "period"})
        cols = [self.by, "x", "density"] if self.by else ["x", "density"]
        return out.sort_values(cols[:-1], kind="stable")[cols].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Per period: bandwidth, ``peak_x`` (main mode), ``peak_density``, ``width``
        (full width at half the main peak's height) and ``peaks`` (local maxima ≥
        :data:`PEAK_SHARE` × the main peak)."""
        rows = {period: _shape(self.grid, f.to_numpy()) for period, f in self.density.items()}
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.insert(0, "bandwidth", self.bandwidth)
        return table.rename_axis(self.by)

    def plot(self):
        """The curves as ridges, one per period, on the grid's range (as the report draws them)."""
        from healthalloc.report.figures.density import density_ridges

        by = self.by or "period"
        frame = pd.DataFrame([(p, y) for p, ys in self.samples.items() for y in ys], columns=[by, self.value])
        return density_ridges(frame, self.value, by, bandwidth=self.bw_method,
                              limits=(self.grid[0], self.grid[-1]), bounds=self.bounds)

    def figures(self) -> dict:
        """The ridges (:meth:`plot`)."""
        bounded = "" if self.bounds is None else (f", reflected at {self.bounds[0]:g} and {self.bounds[1]:g} "
                                                  "so that no density falls outside")
        return {"density": (f"Gaussian kernel density of {self.value}" + (f" per {self.by}" if self.by else "")
                            + bounded + ".", self.plot)}

    def __str__(self) -> str:
        return (f"Kernel density of {self.value!r} (Gaussian, bandwidth {self.bw_method})\n"
                + self.summary().round(4).to_string())


@declared(DENSITY, data=("data", "value"))
def kernel_density(
    data: pd.DataFrame,
    value: str,
    *,
    by: str | None = None,
    unit: str | None = None,
    bw_method: str | float = "scott",
    grid: int | np.ndarray = GRID_POINTS,
    bounds: tuple[float, float] | None = None,
) -> KernelDensity:
    """Gaussian kernel density of ``value`` in each period, on one common grid.

    Parameters
    ----------
    data : DataFrame
        One row per unit (per unit and period with ``by``).
        Panels need not be balanced.
    value : str
        The indicator.

    Examples
    --------
    >>> from healthalloc.data import load_china_provinces
    >>> kd = kernel_density(load_china_provinces(), "beds_per_1000_people", by="year")
    >>> kd.summary().loc[[2014, 2023], "peak_x"].round(1).tolist()
    [5.1, 7.7]
    """
    from scipy.stats import gaussian_kde

    samples = check_panel(data, value, unit=unit, by=by).by_period(value)
    if bounds is not None:
        bounds = _bounds(bounds, samples, value)
    flat = [p for p, y in samples.items() if np.ptp(y) == 0]
    if flat:
        where = f" in periods {listing(flat)}" if by else ""
        raise DataError(f"a kernel density needs at least two different values of {value!r}{where}")
    kdes = {p: gaussian_kde(y, bw_method=bw_method) for p, y in samples.items()}
    bandwidth = pd.Series({p: float(np.sqrt(k.covariance[0, 0])) for p, k in kdes.items()},
                          name="bandwidth")
    if np.ndim(grid) == 0:
        pad = CUT * bandwidth.max()
        pooled = np.concatenate(list(samples.values()))
        lo, hi = pooled.min() - pad, pooled.max() + pad
        if bounds is not None:
            lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        grid = np.linspace(lo, hi, int(grid))
    grid = np.asarray(grid, dtype=float)
    density = pd.DataFrame({p: reflected(k, grid, bounds) for p, k in kdes.items()})
    density.columns.name = "period"
    return KernelDensity(grid, density, bandwidth.rename_axis(by), value, by, bw_method, bounds, samples)


def reflected(kde, x: np.ndarray, bounds: tuple[float, float] | None) -> np.ndarray:
    """The density of the fitted ``gaussian_kde`` at ``x``, reflected at ``bounds`` and 0 beyond them
    (the plain estimate without ``bounds``)."""
    if bounds is None:
        return kde(x)
    lo, hi = bounds
    inside = (x >= lo) & (x <= hi)
    return np.where(inside, kde(x) + kde(2 * lo - x) + kde(2 * hi - x), 0.0)


def _bounds(bounds, samples: Mapping, value: str) -> tuple[float, float]:
    """``bounds`` as (low, high), checked against the values."""
    if len(bounds) != 2 or not bounds[0] < bounds[1]:
        raise ValueError(f"bounds must be a low and a higher high bound, not {list(bounds)}")
    pooled = np.concatenate(list(samples.values()))
    if pooled.min() < bounds[0] - NOISE or pooled.max() > bounds[1] + NOISE:
        raise DataError(f"{value!r} ranges from {pooled.min():g} to {pooled.max():g}, outside the bounds "
                        f"{bounds[0]:g} and {bounds[1]:g}")
    return float(bounds[0]), float(bounds[1])


def _shape(x: np.ndarray, f: np.ndarray) -> dict:
    """Main mode, its height, its full width at half maximum, and the number of peaks."""
    top = int(np.argmax(f))
    below = f < f[top] / 2
    left = np.flatnonzero(below[:top])
    right = np.flatnonzero(below[top:])
    lo = x[left[-1]] if left.size else x[0]
    hi = x[top + right[0]] if right.size else x[-1]
    inner = (f[1:-1] > f[:-2]) & (f[1:-1] >= f[2:]) & (f[1:-1] >= PEAK_SHARE * f[top])
    return {"peak_x": x[top], "peak_density": f[top], "width": hi - lo, "peaks": int(inner.sum())}
