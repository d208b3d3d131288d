"""Fuzzy-set qualitative comparative analysis (fsQCA), with R ``QCA``'s numbers.

``fsqca()`` runs the whole analysis in one call; the steps are available on their own:
``calibrate`` / ``calibrate_table`` / ``calibrate_percentiles`` / ``calibrated``, ``necessity``,
``truth_table``, ``solve`` (complex, parsimonious, intermediate), ``configuration_chart``
and ``robustness``.
"""

from healthalloc.qca.analysis import QCAResult, fsqca
from healthalloc.qca.calibrate import (
    Calibration, CalibrationWarning, calibrate, calibrate_percentiles, calibrate_table, calibrated,
)
from healthalloc.qca.chart import Chart, configuration_chart
from healthalloc.qca.necessity import NecessityResult, necessity
from healthalloc.qca.robustness import RobustnessResult, robustness
from healthalloc.qca.solutions import Model, Solutions, Term, minimize, solve
from healthalloc.qca.truthtable import TruthTable, truth_table

__all__ = [
    "Calibration", "CalibrationWarning", "Chart", "Model", "NecessityResult", "QCAResult",
    "RobustnessResult", "Solutions", "Term", "TruthTable", "calibrate", "calibrate_percentiles",
    "calibrate_table", "calibrated", "configuration_chart", "fsqca", "minimize", "necessity", "robustness",
    "solve", "truth_table",
]
