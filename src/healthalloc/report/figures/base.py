"""What every figure shares: readable sizes, fonts that draw the text, checks, and :func:`save`.

Figures are built as :class:`matplotlib.figure.Figure` objects, without pyplot, so they
never open a window and work under any backend (``Agg`` included). Every figure function
is wrapped in :func:`styled`: one font set-up (the default sans-serif, then a CJK font
for Chinese: an installed one, else the package's own, :data:`SHIPPED_FONT`) and one check
that each character of the figure's text has a glyph. :func:`save` writes a figure with its
text relabelled in the run's language (:func:`healthalloc.report.labels.relabel`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from healthalloc.data.messages import listing, show
from healthalloc.data.validate import DataError
from healthalloc.report.labels import phrase, relabel

__all__ = ["CJK_FONTS", "DPI", "REFERENCE_STYLE", "SHIPPED_FONT", "check_unique", "cjk_font", "colours",
           "legend_below", "missing_glyphs", "numeric", "one_axes", "quiet_glyphs", "refresh_fonts", "save", "styled",
           "thousands"]

CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Sarasa Gothic SC",
    "AR PL UMing CN", "Droid Sans Fallback", "Arial Unicode MS",
)
"""Fonts with Chinese glyphs, in order of preference (any other installed font that has
Chinese glyphs is used when none of these is installed)."""

SHIPPED_FONT = Path(__file__).resolve().parents[1] / "fonts" / "DroidSansFallback-healthalloc.ttf"
"""The CJK font shipped with the package (Droid Sans Fallback, Apache-2.0, cut to the common
hanzi and the package's own text by ``tools/subset_cjk_font.py``), used when none is installed."""

DPI = 200
"""Resolution of the PNG written by :func:`save` (dots per inch)."""

_RC = {
    "font.size": 10, "axes.titlesize": 12, "axes.labelsize": 10, "xtick.labelsize": 9,
    "ytick.labelsize": 9, "legend.fontsize": 9, "legend.title_fontsize": 9, "figure.titlesize": 13,
    "axes.spines.top": False, "axes.spines.right": False,
}
REFERENCE_STYLE = {"color": "0.45", "linestyle": "--", "linewidth": 0.9}
"""Dashed grey reference lines (equality, no change, a threshold)."""

_MISSING_GLYPH = r"Glyph \d+ .* missing from font"
_CHINESE = "中文字"  # a font that has these draws Chinese
_warned = False  # the missing-glyph warning is given once per process


def refresh_fonts() -> list[str]:
    """Add to matplotlib's font list the system fonts it does not know; the files added.

    matplotlib lists the system's fonts once, in a cache file: a font installed later
    (``apt-get install fonts-noto-cjk``) stays unknown to it until this is called.
    """
    known = {os.path.realpath(entry.fname) for entry in font_manager.fontManager.ttflist}
    added = []
    for path in font_manager.findSystemFonts():
        if os.path.realpath(path) not in known:
            with contextlib.suppress(OSError, RuntimeError):  # a file FreeType cannot read
                font_manager.fontManager.addfont(path)
                added.append(path)
    return added


def _glyphs(path: str, text: str) -> list[int]:
    """Glyph index of each character of ``text`` in the font at ``path`` (0: none)."""
    font = font_manager.get_font(path)
    return [font.get_char_index(ord(ch)) for ch in text]


def _draws_chinese(path: str) -> bool:
    """A distinct glyph for each character of a Chinese sample (a font of placeholders,
    such as matplotlib's Last Resort, maps them all to one)."""
    glyphs = _glyphs(path, _CHINESE)
    return 0 not in glyphs and len(set(glyphs)) == len(glyphs)


def _installed_cjk() -> str | None:
    """The first font of :data:`CJK_FONTS`, else of all known fonts, that draws Chinese."""
    files = {}
    for entry in font_manager.fontManager.ttflist:
        files.setdefault(entry.name, entry.fname)
    names = [n for n in CJK_FONTS if n in files] + sorted(set(files) - set(CJK_FONTS))
    return next((name for name in names if _draws_chinese(files[name])), None)


@functools.cache
def cjk_font() -> str:
    """The font for Chinese text.

    The first installed font of :data:`CJK_FONTS`, else any installed font with Chinese
    glyphs (when matplotlib knows none, fonts installed after its font cache was built are
    added first, :func:`refresh_fonts`), else the shipped :data:`SHIPPED_FONT`.
    """
    found = _installed_cjk()
    if found is None and refresh_fonts():
        found = _installed_cjk()
    if found is None:
        font_manager.fontManager.addfont(str(SHIPPED_FONT))
        found = font_manager.FontProperties(fname=SHIPPED_FONT).get_name()
    return found


def missing_glyphs(fig: Figure) -> set[str]:
    """The characters of ``fig``'s text (titles, labels, ticks, legends) that none of its fonts has."""
    texts = set(fig.findobj(Text))
    for ax in fig.axes:
        texts.update(ax.get_xticklabels(), ax.get_yticklabels())
    missing = set()
    for text in texts:
        chars = {ch for ch in text.get_text() if not ch.isascii() and ch.isprintable()}
        if chars:
            paths = font_manager.fontManager._find_fonts_by_props(text.get_fontproperties())
            missing |= {ch for ch in chars if not any(_glyphs(p, ch)[0] for p in paths)}
    return missing


def _warn_missing(fig: Figure) -> None:
    """Warn, once per process, when text of ``fig`` would be drawn as empty boxes."""
    global _warned
    missing = set() if _warned else missing_glyphs(fig)
    if missing:
        _warned = True
        hint = (f"the figure fonts (sans-serif, {cjk_font()}) lack them; a fuller CJK font helps (Debian/Ubuntu: "
                "apt-get install fonts-noto-cjk; or any of healthalloc.report.figures.CJK_FONTS)")
        shown = "".join(sorted(missing)[:20]) + ("…" if len(missing) > 20 else "")
        warnings.warn(f"figure text {shown} has no glyph in the installed fonts and shows as empty boxes: "
                      f"{hint}", stacklevel=3)


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a figure function under the package's sizes and fonts, then check its glyphs.

    Text keeps the default sans-serif font for Latin letters; other characters (Chinese,
    symbols such as ⓧ) come from :func:`cjk_font` when the default font lacks them. Text
    that no font can draw gives one warning per process (see :func:`missing_glyphs`).
    """

    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        rc = dict(_RC)
        rc["font.family"] = ["sans-serif", cjk_font()]
        with mpl.rc_context(rc):
            fig = draw(*args, **kwargs)
        _warn_missing(fig)
        return fig

    return wrapper


@contextlib.contextmanager
def quiet_glyphs() -> Iterator[None]:
    """Silence matplotlib's warning per missing glyph while saving (:func:`styled` warned once)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_MISSING_GLYPH, category=UserWarning)
        yield


def save(fig: Figure, path: str | Path, *, dpi: int = DPI) -> tuple[Path, Path]:
    """Write ``fig`` as SVG and PNG (``dpi``) beside each other, creating folders as needed;
    its text relabelled in the run's language first (:func:`~healthalloc.report.labels.relabel`).

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
        The SVG and PNG files.
    """
    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix.lower() in {".svg", ".png"} else stem
    stem.parent.mkdir(parents=True, exist_ok=True)
    relabel(fig)
    svg, png = stem.parent / f"{stem.name}.svg", stem.parent / f"{stem.name}.png"
    with quiet_glyphs():
        fig.savefig(svg, format="svg", bbox_inches="tight")
        fig.savefig(png, format="png", dpi=dpi, bbox_inches="tight")
    return svg, png


def one_axes(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new figure (constrained layout) and its one axes."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


_CHARS_PER_INCH = 11  # text at 9 points: Latin characters per inch (a Chinese one counts twice)


def thousands(axis) -> None:
    """Ticks of ``axis`` (an x or y axis) as whole numbers with thousands separators (``600,000``, never
    ``6e5``) when its range reaches 10,000; on an x axis no more ticks than such labels fit side by side."""
    largest = max(abs(v) for v in axis.get_view_interval())
    if largest < 10_000:
        return
    axis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    if axis.axis_name == "x":
        inches = axis.axes.get_position().width * axis.axes.figure.get_figwidth()
        fits = int(inches * _CHARS_PER_INCH // (len(f"{largest:,.0f}") + 3))
        axis.set_major_locator(MaxNLocator(nbins=max(2, fits), steps=[1, 2, 2.5, 5, 10]))


def _width(text: str) -> int:
    """``text``'s width in Latin characters: wide (Chinese) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def legend_below(ax: Axes) -> None:
    """The legend of ``ax`` under the plot (its figure has constrained layout), where it covers no
    data and leaves the plot its width: as many columns as the labels, read in the run's language,
    fit in the figure's width."""
    handles, texts = ax.get_legend_handles_labels()
    widest = max(_width(phrase(text)) for text in texts) + 4  # + the handle
    fits = int(ax.figure.get_figwidth() * _CHARS_PER_INCH // widest)
    ax.figure.legend(handles, texts, loc="outside lower center", ncols=max(1, min(len(texts), fits)), frameon=False)


def colours(n: int) -> list:
    """``n`` line colours: the default cycle, or a viridis ramp for more than its length."""
    cycle = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    return cycle[:n] if n <= len(cycle) else list(mpl.colormaps["viridis"](np.linspace(0, 0.9, n)))


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
