"""Heat maps of probability matrices: Markov transition matrices side by side, each cell
printed with its probability."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from healthalloc.report.figures.base import styled

__all__ = ["COLUMNS", "transition_heatmaps"]

_CELL = 0.55  # inches per matrix cell
COLUMNS = 3
"""Most heat maps side by side; more wrap onto further rows, so a page-wide figure keeps readable cells."""


@styled
def transition_heatmaps(matrices: Mapping[str, pd.DataFrame], *, title: str | None = None,
                        xlabel: str = "class in t + 1", ylabel: str = "class in t", cmap: str = "Blues",
                        digits: int = 2) -> Figure:
    """One heat map per matrix (rows: from, columns: to), on one colour scale from 0 to 1,
    each cell printed with its probability at ``digits`` decimals (white on dark cells).

    Parameters
    ----------
    matrices : mapping of str to DataFrame
        Panel title → square probability matrix (index and columns the classes), e.g. the
        classic matrix and one per spatial-lag class. Empty rows (NaN) are left blank.

    Returns
    -------
    Figure
        One axes per matrix, in order (at most :data:`COLUMNS` to a row), each holding one image
        of the matrix and its texts; one shared colour bar.
    """
    n = len(matrices)
    k = max(len(m) for m in matrices.values())
    columns = min(n, COLUMNS)
    rows = -(-n // columns)
    side = _CELL * k + 0.9
    fig = Figure(figsize=(side * columns + 1.0, (side + 0.5) * rows + 0.4), layout="constrained")
    grid = np.atleast_2d(fig.subplots(rows, columns, sharey=True, squeeze=False))
    for spare in grid.flat[n:]:
        spare.remove()
    axes = grid.flat[:n]
    image = None
    for ax, (name, matrix) in zip(axes, matrices.items()):
        values = matrix.to_numpy(float)
        image = ax.imshow(values, cmap=cmap, vmin=0.0, vmax=1.0, aspect="equal")
        for (i, j), p in np.ndenumerate(values):
            if np.isfinite(p):
                ax.text(j, i, f"{p:.{digits}f}", ha="center", va="center", fontsize=8,
                        color="white" if p > 0.6 else "0.1")
        ax.set_xticks(range(values.shape[1]), [str(c) for c in matrix.columns])
        ax.set_yticks(range(values.shape[0]), [str(r) for r in matrix.index])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set(title=name, xlabel=xlabel)
    for row in grid[:, 0]:
        row.set_ylabel(ylabel)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="probability")
    if title:
        fig.suptitle(title)
    return fig
