"""Simulated service outputs for panels that have only inputs (clearly labelled as such).

The embedded province panel has beds, personnel and institutions but no outpatient visits
or discharges (see the data dictionary). Until real outputs are shipped, demonstrations
use outputs drawn from a seeded production function:

    output_it = c · Π_k x_kit^b_k · exp(g·(t − t₀) − u_it + v_it),
    u_it ~ |N(0, σ_u²)| (inefficiency),  v_it ~ N(0, σ_v²) (noise),

with elasticities ``b`` summing to 1 (constant returns) and ``c`` set so the national
mean matches a stated per-capita level; and a bad output, hospital-acquired infections, at
an illustrative rate per discharge that varies log-normally between units and years. Every column this module adds ends in
``_simulated``. These numbers are not data: never report them as findings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthalloc.data.validate import check_columns

#: Outpatient visits per resident per year and discharges per 100 residents used to
#: scale the simulation: the order of magnitude of China's national totals around 2019
#: (about 8.7 billion visits and 266 million discharges for 1.4 billion residents, NHC
#: statistical bulletin), not provincial figures.
VISITS_PER_CAPITA = 6.2
DISCHARGES_PER_100 = 19.0
SIGMA_U = 0.25
SIGMA_V = 0.05
GROWTH = 0.01

#: Hospital-acquired infections per 100 simulated discharges: an illustrative rate for a bad
#: output (the order of magnitude surveillance reports give), not a published figure.
INFECTIONS_PER_100 = 1.5
#: Spread of the infection rate between units and years (log scale).
SIGMA_BAD = 0.3

SIMULATED = ("outpatient_visits_simulated", "discharges_simulated", "infections_simulated")


def simulate_outputs(
    panel: pd.DataFrame,
    inputs: list[str],
    *,
    population: str,
    period: str | None = None,
    seed: int = 2024,
) -> pd.DataFrame:
    """A copy of ``panel`` with ``outpatient_visits_simulated`` and
    ``discharges_simulated`` (persons, per year) drawn from a seeded frontier model, and the
    bad output ``infections_simulated`` (hospital-acquired infections, per year).

    Parameters
    ----------
    panel : DataFrame
        Rows of units (× periods) with positive ``inputs`` and ``population``.
    inputs : list of str
        Input columns; equal output elasticities 1/len(inputs) each.
    population : str
        Resident population column (persons), used only to scale the outputs.
    period : str, optional
        Period column for the growth trend ``GROWTH`` per period.
    seed : int
        Seed of the draws; the same seed gives the same outputs.
    """
    check_columns(panel, inputs + [population] + ([period] if period else []))
    rng = np.random.default_rng(seed)
    X = panel[inputs].to_numpy(float)
    log_core = np.log(X).mean(axis=1)  # Σ b_k ln x_k with b_k = 1/K
    t = (panel[period] - panel[period].min()).to_numpy(float) if period else 0.0
    out = panel.copy()
    pop = panel[population].to_numpy(float)
    for name, per_capita in zip(SIMULATED, (VISITS_PER_CAPITA, DISCHARGES_PER_100 / 100)):
        u = np.abs(rng.normal(0.0, SIGMA_U, len(panel)))
        v = rng.normal(0.0, SIGMA_V, len(panel))
        raw = np.exp(log_core + GROWTH * t - u + v)
        scale = per_capita * pop.sum() / raw.sum()
        out[name] = np.round(raw * scale)
    rate = INFECTIONS_PER_100 / 100 * np.exp(rng.normal(0.0, SIGMA_BAD, len(panel)) - SIGMA_BAD ** 2 / 2)
    out[SIMULATED[2]] = np.round(out[SIMULATED[1]] * rate)  # a bad output: drawn after the others
    return out
