"""Distance decay: the weight ``w(d)`` a demand point gives a site at cost ``d``.

Every decay is zero beyond its reach (the catchment ``d₀``, or a step decay's last zone),
so only pairs within reach are ever stored.

``step``
    Zones given by upper bounds and weights, ``10:1,20:0.68,30:0.22``: ``w = 1`` for
    ``d ≤ 10``, ``0.68`` for ``10 < d ≤ 20``, ``0.22`` for ``20 < d ≤ 30``, 0 beyond
    (Luo & Qi 2009). Plain 2SFCA is the one-zone step ``d₀:1``.
``gaussian``
    ``w = (e^(−½(d/d₀)²) − e^(−½)) / (1 − e^(−½))`` for ``d ≤ d₀`` (Dai 2010): 1 at the
    site, 0 at the catchment's edge.
``power``
    ``w = max(d, 1)^(−β)`` for ``d ≤ d₀`` (costs below 1 count as 1).
``exponential``
    ``w = e^(−βd)`` for ``d ≤ d₀``.

References
----------
Luo, W. & Qi, Y. (2009). An enhanced two-step floating catchment area (E2SFCA) method for
measuring spatial accessibility to primary care physicians. *Health & Place* 15(4), 1100–1107.
Dai, D. (2010). Black residential segregation, disparities in spatial access to health
care facilities, and late-stage breast cancer diagnosis in metropolitan Detroit.
*Health & Place* 16(5), 1038–1052.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from healthalloc.params import Param

__all__ = ["DECAYS", "Decay", "make_decay", "parse_steps"]

DECAYS = ("step", "gaussian", "power", "exponential")
DECAY = Param("decay", None, "distance decay of e2sfca, 3sfca, huff2sfca, m2sfca (default: gaussian; step "
              "with steps)", choices=DECAYS)
"""The decay functions."""

_EDGE = math.exp(-0.5)


@dataclass(frozen=True)
class Decay:
    """A distance-decay function, zero beyond :attr:`reach`.

    Attributes
    ----------
    kind : str
        One of :data:`DECAYS`.
    reach : float
        Largest cost with a weight (the catchment ``d₀``; for ``step`` the last zone's
        bound), in km or the unit of the cost table.
    steps : tuple of (float, float)
        ``step`` only: (upper bound, weight) per zone, bounds increasing.
    beta : float or None
        ``power`` and ``exponential`` only: the decay parameter β (per km for exponential).
    """

    kind: str
    reach: float
    steps: tuple[tuple[float, float], ...] = ()
    beta: float | None = None

    def __call__(self, d: np.ndarray) -> np.ndarray:
        """Weights of the costs ``d`` (0 beyond :attr:`reach`)."""
        d = np.asarray(d, dtype=float)
        inside = d <= self.reach
        if self.kind == "step":
            bounds = np.array([b for b, _ in self.steps])
            weights = np.array([w for _, w in self.steps] + [0.0])
            return weights[np.searchsorted(bounds, d, side="left")]
        if self.kind == "gaussian":
            w = (np.exp(-0.5 * (d / self.reach) ** 2) - _EDGE) / (1 - _EDGE)
        elif self.kind == "power":
            w = np.maximum(d, 1.0) ** -self.beta
        else:
            w = np.exp(-self.beta * d)
        return np.where(inside, w, 0.0)

    def describe(self) -> str:
        """``"gaussian, d₀ = 60"`` — the decay as printed in summaries."""
        if self.kind == "step":
            return "step " + ",".join(f"{b:g}:{w:g}" for b, w in self.steps)
        beta = f", β = {self.beta:g}" if self.beta is not None else ""
        return f"{self.kind}, d₀ = {self.reach:g}{beta}"


def parse_steps(text: str) -> tuple[tuple[float, float], ...]:
    """``"10:1,20:0.68,30:0.22"`` → ``((10, 1), (20, 0.68), (30, 0.22))``."""
    zones = []
    for part in str(text).split(","):
        bound, sep, weight = part.partition(":")
        try:
            zones.append((float(bound), float(weight)))
        except ValueError:
            sep = ""
        if not sep:
            raise ValueError(f"steps must read 'bound:weight,bound:weight,...' (e.g. "
                             f"10:1,20:0.68,30:0.22), got {text!r}")
    return tuple(zones)


def make_decay(kind: str, *, catchment: float | None = None,
               steps: str | tuple | list | None = None, beta: float | None = None) -> Decay:
    """A checked :class:`Decay`.

    Parameters
    ----------
    kind : {"step", "gaussian", "power", "exponential"}
    catchment : float, optional
        ``d₀`` (> 0): required except for ``step``, where it cuts the zones (default: the
        last zone's bound).
    steps : str or sequence of (bound, weight), optional
        ``step`` only: zones, bounds increasing, weights in [0, 1].
    beta : float, optional
        ``power`` and ``exponential``: β > 0 (required).

    Raises
    ------
    ValueError
        A parameter that is missing, out of range or given to a decay that does not use it.
    """
    DECAY.require(kind)
    if catchment is not None and not (math.isfinite(catchment) and catchment > 0):
        raise ValueError(f"catchment must be a finite cost > 0, got {catchment!r}")
    if kind == "step":
        if beta is not None:
            raise ValueError("beta is a parameter of the power and exponential decays, not of step")
        if steps is None:
            if catchment is None:
                raise ValueError("the step decay needs steps (e.g. 10:1,20:0.68,30:0.22) or a catchment")
            steps = ((catchment, 1.0),)
        zones = parse_steps(steps) if isinstance(steps, str) else tuple((float(b), float(w)) for b, w in steps)
        bounds = [b for b, _ in zones]
        if not zones or not np.isfinite(bounds).all() or bounds[0] <= 0 or \
                any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])):
            raise ValueError(f"step bounds must be finite, > 0 and increasing, got {bounds}")
        if any(not 0 <= w <= 1 for _, w in zones):
            raise ValueError(f"step weights must lie in [0, 1], got {[w for _, w in zones]}")
        if catchment is not None:  # cut the zones at the catchment
            beyond = [w for b, w in zones if b >= catchment]
            zones = tuple((b, w) for b, w in zones if b < catchment) + \
                ((float(catchment), beyond[0]),) if beyond else zones
        return Decay("step", zones[-1][0], zones)
    if steps is not None:
        raise ValueError(f"steps are zones of the step decay, not of {kind}")
    if catchment is None:
        raise ValueError(f"the {kind} decay needs a catchment (the largest cost with a weight)")
    if kind == "gaussian":
        if beta is not None:
            raise ValueError("beta is a parameter of the power and exponential decays, not of gaussian")
        return Decay("gaussian", float(catchment))
    if beta is None or not (math.isfinite(beta) and beta > 0):
        raise ValueError(f"the {kind} decay needs beta > 0, got {beta!r}")
    return Decay(kind, float(catchment), beta=float(beta))
