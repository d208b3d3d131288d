"""Publication tables: three decimals, significance stars, escaped HTML."""

from __future__ import annotations

import html
import math
import re
import unicodedata

import numpy as np
import pandas as pd

DIGITS = 3
#: p-value thresholds of the stars: *** p < 0.01, ** p < 0.05, * p < 0.1.
STARS = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
#: Symbols common fonts lack, drawn in HTML without a font: ⓧ (the configuration charts'
#: peripheral absence; not in DejaVu, Debian's default font) as an x in a CSS circle.
SYMBOL_HTML = {"ⓧ": '<span class="circled">x</span>'}
#: Printed tables get the largest font size (pt) in this range at which they fit the width
#: of a landscape page (Letter or A4 less 10 mm margins: 735 pt).
PRINT_FONT = (5.0, 8.0)
PRINT_WIDTH = 735
_BREAK = r"(?<=[_;*])"  # where column names and text may wrap


def stars(p: float) -> str:
    """Significance stars for a p-value."""
    if p is None or not np.isfinite(p):
        return ""
    return next((mark for cut, mark in STARS if p < cut), "")


def format_table(frame: pd.DataFrame, *, digits: int = DIGITS,
                 stars_for: dict[str, str] | None = None) -> pd.DataFrame:
    """Every cell as text: floats to ``digits`` decimals, NaN blank, and stars after each
    statistic column in ``stars_for`` ({statistic: p-value column})."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            text = values.map({True: "yes", False: ""})
        elif pd.api.types.is_float_dtype(values):
            text = values.map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
        else:
            text = values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                              else ";".join(map(str, v)) if isinstance(v, tuple | list) else str(v))
        if stars_for and column in stars_for and stars_for[column] in frame.columns:
            text = text + frame[stars_for[column]].map(stars)
        out[str(column)] = text
    return out


def html_text(text: str) -> str:
    """``text`` escaped, with each symbol of :data:`SYMBOL_HTML` drawn by its markup."""
    out = html.escape(text)
    for symbol, markup in SYMBOL_HTML.items():
        out = out.replace(symbol, markup)
    return out


def _breakable(text: str) -> str:
    """:func:`html_text` with a line-break opportunity after each ``_``, ``;`` and ``*``."""
    return "<wbr>".join(html_text(part) for part in re.split(_BREAK, text))


def _ems(word: str) -> float:
    """Rough width of ``word`` in ems: 1 per East Asian wide character, 0.6 per other."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in word)


def print_font(text: pd.DataFrame, numeric: list[bool]) -> float:
    """Font size (pt, in :data:`PRINT_FONT`) at which the formatted table ``text``, with
    every column as narrow as its longest unbreakable word, fits :data:`PRINT_WIDTH`."""
    ems = 0.0
    for column, num in zip(text.columns, numeric):
        words = re.split(_BREAK, column) + (list(text[column]) if num else
                                            [w for v in text[column] for w in re.split(rf"{_BREAK}|\s+", v)])
        ems += max(map(_ems, words)) + 0.5  # cell padding
    low, high = PRINT_FONT
    return min(max(math.floor(2 * PRINT_WIDTH / ems) / 2, low), high)


def html_table(frame: pd.DataFrame, *, digits: int = DIGITS, stars_for: dict[str, str] | None = None) -> str:
    """An escaped HTML table (user text such as unit names is shown as text, never markup).

    Column names and text may break after ``_``, ``;`` and ``*`` (lists, QCA terms), and
    the printed font size is :func:`print_font`, so wide tables fit a printed page."""
    text = format_table(frame, digits=digits, stars_for=stars_for)
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    head = "".join(f"<th>{_breakable(c)}</th>" for c in text.columns)
    rows = []
    for _, row in text.iterrows():
        cells = "".join(f'<td class="num">{html_text(v)}</td>' if num else f"<td>{_breakable(v)}</td>"
                        for v, num in zip(row, numeric))
        rows.append(f"<tr>{cells}</tr>")
    return (f'<table style="--print-font:{print_font(text, numeric):g}pt"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')
