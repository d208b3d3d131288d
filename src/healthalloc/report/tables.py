"""Publication tables: three decimals, significance stars, escaped HTML."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

DIGITS = 3
#: p-value thresholds of the stars: *** p < 0.01, ** p < 0.05, * p < 0.1.
STARS = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
#: Symbols common fonts lack, drawn in HTML without a font: ⓧ (the configuration charts'
#: peripheral absence; not in DejaVu, Debian's default font) as an x in a CSS circle.
SYMBOL_HTML = {"ⓧ": '<span class="circled">x</span>'}


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


def html_table(frame: pd.DataFrame, *, digits: int = DIGITS, stars_for: dict[str, str] | None = None) -> str:
    """An escaped HTML table (user text such as unit names is shown as text, never markup).

    Column names may break after an underscore, so wide tables fit a printed page."""
    text = format_table(frame, digits=digits, stars_for=stars_for)
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    head = "".join(f"<th>{html_text(c).replace('_', '_<wbr>')}</th>" for c in text.columns)
    rows = []
    for _, row in text.iterrows():
        cells = "".join(f'<td class="num">{html_text(v)}</td>' if num else f"<td>{html_text(v)}</td>"
                        for v, num in zip(row, numeric))
        rows.append(f"<tr>{cells}</tr>")
    return f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
