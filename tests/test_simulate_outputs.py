"""The simulated outputs of the province panel (healthalloc.data.simulate_outputs)."""

from __future__ import annotations

import numpy as np

from healthalloc.data import load_china_provinces, simulate_outputs
from healthalloc.data.simulate import DISCHARGES_PER_100, INFECTIONS_PER_100, SIMULATED, VISITS_PER_CAPITA

INPUTS = ["medical_health_beds", "licensed_assistant_physicians", "registered_nurses"]


def test_outputs_are_scaled_as_stated_and_the_bad_output_follows_discharges():
    """Visits and discharges total the stated per-capita levels (rounding aside, 1e-6); the
    infections are 1.5 per 100 discharges overall (±0.1, a log-normal rate with mean 1.5),
    never more than the discharges; the same seed gives the same table."""
    panel = load_china_provinces()
    out = simulate_outputs(panel, INPUTS, population="permanent_population", period="year", seed=7)
    people = panel.permanent_population.sum()
    visits, discharges, infections = (out[c].to_numpy() for c in SIMULATED)
    assert abs(visits.sum() / people - VISITS_PER_CAPITA) < 1e-6
    assert abs(discharges.sum() / people - DISCHARGES_PER_100 / 100) < 1e-6
    assert abs(100 * infections.sum() / discharges.sum() - INFECTIONS_PER_100) < 0.1
    assert (infections >= 0).all() and (infections <= discharges).all()
    again = simulate_outputs(panel, INPUTS, population="permanent_population", period="year", seed=7)
    assert again[list(SIMULATED)].equals(out[list(SIMULATED)])
