"""Point labels that do not collide: each label tries a few places around its point, in
order of priority, and is left out when every place overlaps a label already drawn."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Annotation

__all__ = ["OFFSETS", "place_labels"]

OFFSETS = ((3, 3, "left", "bottom"), (3, -3, "left", "top"), (-3, 3, "right", "bottom"), (-3, -3, "right", "top"))
"""Where a label may go, in points from its point: above right, below right, above left, below left."""


def place_labels(ax: Axes, xy: np.ndarray, texts: Sequence[str], *, fontsize: float = 7) -> list[Annotation]:
    """Label the points ``xy`` (data coordinates) with ``texts``, the first (most important)
    first; a label overlapping every place it could take is dropped (deterministically).

    Call it once the axes' limits and aspect are final: the figure is laid out first, and
    the labels take no part in the layout afterwards. Returns the labels drawn.
    """
    fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    taken: list = []
    drawn = []
    for (x, y), text in zip(np.asarray(xy, float), texts):
        for dx, dy, ha, va in OFFSETS:
            label = ax.annotate(str(text), (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                                ha=ha, va=va)
            label.set_in_layout(False)
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in taken):
                taken.append(box)
                drawn.append(label)
                break
            label.remove()
    return drawn
