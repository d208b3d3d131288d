"""Publication tables: one number-formatting rule, significance stars, escaped HTML.

The rule (:func:`column_kind` picks the kind of a numeric column, :func:`format_number`
writes one value; readings interpolate numbers through the same function, amounts that may
or may not be whole through :func:`format_amount`, and p-values through :func:`p_text`):

- ``count``: whole numbers (a float column whose values are all whole, e.g. 64.0 or
  745557985.0) as integers with thousands separators: ``64``, ``745,557,985``;
- ``key``: years, periods, ids and codes as written, no separators: ``2023``, ``431100``;
- ``p``: p-values (``p``, ``p_value``, ``p_*``, ``*_p``, ``pvalue``, values in [0, 1])
  at ``digits`` decimals, below 10^-digits as ``< 0.001``;
- ``coefficient``: estimates and standard errors of regressions and ERGMs (``estimate*``,
  ``coef*``, ``beta``, ``se``, ``std_error*``, ``difference``, ``speed``) with at least
  ``digits`` decimals and at least :data:`SIGNIFICANT` significant figures, in plain
  decimals (4.211e-05 is ``0.00004211``), so a small coefficient never reads 0;
- ``index``: every other real value (indices, ratios, shares, scores, and fit statistics such
  as AIC, BIC and log-likelihoods, which need no kind of their own) at ``digits`` decimals with
  thousands separators (AIC ``56,941.798``; ERGM model tables at seed 003's four decimals,
  ``56,941.7975``), except in a long table of measures (a :data:`MEASURE` column, e.g. before, after and
  change per measure), where a row whose real values are all whole is a count (sites ``733``).

Never scientific notation. Solver noise, ``|x| < NOISE × max(scale, 1)`` with ``scale``
the column's largest magnitude, is 0 (a redundancy of -2.84e-16 is ``0.000``), a rounded
zero never carries a minus sign, and no significance stars stand beside a value shown as 0.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata

import numpy as np
import pandas as pd

from healthalloc.report.i18n import translate

DIGITS = 3
#: Coefficients show at least this many significant figures.
SIGNIFICANT = 4
#: Values below this, relative to their column's largest magnitude (at least 1), are 0.
NOISE = 1e-9
#: The column naming the measure of each row in long tables (module docstring).
MEASURE = "measure"
#: Kinds of numbers, each with its rule (module docstring).
KINDS = ("count", "key", "p", "coefficient", "index")
_P = re.compile(r"p|pval|pvalue|p_value|p_\w+|\w+_p|\w+_pvalue", re.IGNORECASE)
_COEFFICIENT = re.compile(r"(estimate|coef|coefficient|beta|se|std_error|difference|speed)(_\w+)?", re.IGNORECASE)
_KEY = re.compile(r"(^|_)(year|period|id|code|adcode|geonameid|node|from|to|origin|destination)(_|$)", re.IGNORECASE)
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


def format_number(value, kind: str = "index", *, digits: int = DIGITS, scale: float = 1.0) -> str:
    """``value`` as a person reads it, by the rule of its ``kind`` (one of :data:`KINDS`;
    module docstring); NaN and None blank. ``scale`` is the largest magnitude of the
    column it belongs to: below ``NOISE × max(scale, 1)`` the value is 0."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of number {kind!r}; the kinds are {', '.join(KINDS)}")
    if value is None or pd.isna(value):
        return ""
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    if abs(number) < NOISE * max(scale, 1.0):
        number = 0.0
    if kind in ("count", "key"):
        whole = int(value) if isinstance(value, int | np.integer) else round(number)
        return f"{whole:,}" if kind == "count" else str(whole)
    if kind == "p" and number < 10.0 ** -digits:
        return f"< {10.0 ** -digits:.{digits}f}"
    decimals = digits
    if kind == "coefficient" and number != 0:
        decimals = max(digits, SIGNIFICANT - 1 - math.floor(math.log10(abs(number))))
    text = f"{number:,.{decimals}f}"
    return text.lstrip("-") if _shows_zero(text) else text


def format_amount(value, *, digits: int = DIGITS) -> str:
    """An amount in a sentence that may or may not be whole (capacity, cost, budget, persons):
    a ``count`` when whole (to :data:`NOISE` of its size), else at most ``digits`` decimals (``2.5``,
    ``1,234.568``)."""
    number = float(value)
    if math.isfinite(number) and abs(number - round(number)) < NOISE * max(abs(number), 1.0):
        return format_number(value, "count")
    text = format_number(value, digits=digits)
    return text.rstrip("0").rstrip(".") if "." in text else text


def p_text(p, name: str = "p", *, digits: int = DIGITS) -> str:
    """A p-value in a sentence: ``p = 0.040``, ``p < 0.001`` (``name`` e.g. ``pseudo p``)."""
    shown = format_number(p, "p", digits=digits)
    return f"{name} {shown}" if shown.startswith("<") else f"{name} = {shown}"


def column_kind(name, values: pd.Series) -> str:
    """The kind (:data:`KINDS`) of a numeric column, from its name and values: p-values and
    coefficients by name, then whole numbers as keys (years, ids) or counts, else indices."""
    finite = _finite(values)
    name = str(name)
    if _P.fullmatch(name) and ((finite >= 0) & (finite <= 1)).all():
        return "p"
    if _COEFFICIENT.fullmatch(name):
        return "coefficient"
    if (np.abs(finite - np.round(finite)) < NOISE * max(_scale(finite), 1.0)).all():
        return "key" if _KEY.search(name) else "count"
    return "index"


def _finite(values: pd.Series) -> np.ndarray:
    """The finite numbers of ``values`` (missing values dropped)."""
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    return numbers[np.isfinite(numbers)]


def _scale(finite: np.ndarray) -> float:
    """The largest magnitude among ``finite`` (0 when empty)."""
    return float(np.abs(finite).max(initial=0.0))


def _count_rows(frame: pd.DataFrame, columns: list) -> np.ndarray:
    """In a long table (a :data:`MEASURE` column), the rows whose values in ``columns`` are all
    whole numbers (to :data:`NOISE` of the row's largest magnitude); none in other tables."""
    if MEASURE not in frame.columns or not columns:
        return np.zeros(len(frame), dtype=bool)
    values = frame[columns].to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(values)
    scale = np.maximum(np.abs(np.where(finite, values, 0.0)).max(axis=1), 1.0)
    return ~(finite & (np.abs(values - np.round(values)) >= NOISE * scale[:, None])).any(axis=1)


def _shows_zero(text: str) -> bool:
    """True when the formatted number ``text`` reads as zero (``0``, ``0.000``, ``-0.000``)."""
    return re.fullmatch(r"-?0(\.0*)?", text) is not None


def starred(text: str, mark: str) -> str:
    """The formatted number ``text`` followed by its significance ``mark``, unless it shows 0."""
    return text if _shows_zero(text) else text + mark


def format_table(frame: pd.DataFrame, *, digits: int = DIGITS,
                 stars_for: dict[str, str] | None = None) -> pd.DataFrame:
    """Every cell as text: numbers by the rule of their column's kind (:func:`column_kind`,
    :func:`format_number`; whole rows of a long table of measures as counts), NaN blank,
    booleans ``yes`` (in the report's language) or blank, and stars after each statistic
    column in ``stars_for`` ({statistic: p-value column}) except where it shows 0."""
    out = pd.DataFrame(index=frame.index)
    numeric = [c for c in frame.columns
               if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    kinds = {c: column_kind(c, frame[c]) for c in numeric}
    counts = _count_rows(frame, [c for c in numeric if kinds[c] == "index"])
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            text = values.map({True: translate("yes"), False: ""})
        elif column in kinds:
            scale = _scale(_finite(values))
            text = pd.Series([format_number(v, "count" if count and kinds[column] == "index" else kinds[column],
                                            digits=digits, scale=scale) for v, count in zip(values, counts)],
                             index=values.index, dtype=object)
        else:
            text = values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                              else ";".join(map(str, v)) if isinstance(v, tuple | list) else str(v))
        if stars_for and column in stars_for and stars_for[column] in frame.columns:
            text = pd.Series(map(starred, text, frame[stars_for[column]].map(stars)), index=text.index)
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
