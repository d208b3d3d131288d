"""What every figure shares: readable sizes, a CJK font when one is installed, checks, and :func:`save`.

Figures are built as :class:`matplotlib.figure.Figure` objects, without pyplot, so they
never open a window and work under any backend (``Agg`` included).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from healthalloc.data._messages import listing, show
from healthalloc.data.validate import DataError

__all__ = ["CJK_FONTS", "DPI", "check_unique", "cjk_font", "numeric", "save", "styled"]

CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Sarasa Gothic SC",
    "AR PL UMing CN", "Droid Sans Fallback", "Arial Unicode MS",
)
"""Fonts with Chinese glyphs, in order of preference."""

DPI = 200
"""Resolution of the PNG written by :func:`save` (dots per inch)."""

_RC = {
    "font.size": 10, "axes.titlesize": 12, "axes.labelsize": 10, "xtick.labelsize": 9,
    "ytick.labelsize": 9, "legend.fontsize": 9, "legend.title_fontsize": 9, "figure.titlesize": 13,
    "axes.spines.top": False, "axes.spines.right": False,
}
_MISSING_GLYPH = r"Glyph \d+ .* missing from font"


@functools.cache
def cjk_font() -> str | None:
    """The first installed font of :data:`CJK_FONTS`, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a figure function under the package's sizes and, when installed, a CJK fallback font.

    Text keeps the default sans-serif font for Latin letters; Chinese characters come from
    :func:`cjk_font` (or show as missing glyphs when there is none).
    """

    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        rc = dict(_RC)
        if cjk_font():
            rc["font.family"] = ["sans-serif", cjk_font()]
        with mpl.rc_context(rc):
            return draw(*args, **kwargs)

    return wrapper


def save(fig: Figure, path: str | Path, *, dpi: int = DPI) -> tuple[Path, Path]:
    """Write ``fig`` as SVG and PNG (``dpi``) beside each other, creating folders as needed.

    Parameters
    ----------
    fig : Figure
        The figure.
    path : str or Path
        File name with or without suffix: ``out/map`` and ``out/map.png`` both write
        ``out/map.svg`` and ``out/map.png``.
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    (Path, Path)
        The SVG and PNG files. Missing-glyph warnings (Chinese text without a CJK font)
        are silenced: the text is drawn with the default font.
    """
    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix.lower() in {".svg", ".png"} else stem
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg, png = stem.parent / f"{stem.name}.svg", stem.parent / f"{stem.name}.png"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_MISSING_GLYPH, category=UserWarning)
        fig.savefig(svg, format="svg", bbox_inches="tight")
        fig.savefig(png, format="png", dpi=dpi, bbox_inches="tight")
    return svg, png


def numeric(values: pd.Series, what: str) -> pd.Series:
    """``values`` as floats (missing stays NaN); DataError naming the labels of non-numbers."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    bad = values.notna() & numbers.isna()
    if bad.any():
        cells = [f"{show(label)} ({show(value)})" for label, value in values[bad].items()]
        raise DataError(f"{what} must be numbers; not numbers at {listing(cells)}")
    return numbers


def check_unique(frame: pd.DataFrame, keys: Sequence[str], hint: str) -> None:
    """DataError naming the repeated key combinations of ``frame[keys]``, with ``hint``."""
    repeated = frame.duplicated(list(keys), keep=False)
    if repeated.any():
        combos = frame.loc[repeated, list(keys)].drop_duplicates().astype(str).agg("/".join, axis=1)
        raise DataError(f"repeated {'/'.join(keys)}: {listing(combos.tolist())}; {hint}")
