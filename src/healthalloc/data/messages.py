"""Pieces of error messages shared by every check: capped lists, row names, cell values, suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

MAX_LISTED = 5
"""Items named in one list before the rest are summarised as "and N more"."""


def listing(items: Iterable[object], total: int | None = None) -> str:
    """``"a"``, ``"a and b"``, ``"a, b, c, d, e and 40 more"`` (at most ``MAX_LISTED`` named).

    ``total`` counts the items when only the first ``MAX_LISTED`` are given.
    """
    items = list(items)
    names = [str(item) for item in items[:MAX_LISTED]]
    more = (len(items) if total is None else total) - len(names)
    if more > 0:
        return ", ".join(names) + f" and {more} more"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def named(noun: str, labels: Sequence[object], total: int | None = None) -> str:
    """``"unit A"`` or ``"units A, B and C"``: ``noun``, plural for several labels, and their list."""
    count = len(labels) if total is None else total
    return f"{noun}{'s' if count > 1 else ''} {listing(labels, total)}"


def rows(positions: Sequence[int]) -> str:
    """``"row 3"`` or ``"rows 3, 7 and 12"`` from 0-based positions (printed 1-based)."""
    return named("row", [p + 1 for p in positions])


def show(value: object) -> str:
    """A cell value as printed in messages: numbers plainly (``0``, ``-2.5``), text quoted."""
    if value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return "missing"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else str(float(value))
    return repr(str(value)) if isinstance(value, str) else repr(value)


def did_you_mean(name: object, candidates: Iterable[object]) -> str:
    """``"did you mean 'beds'?"`` for close candidates (case-insensitive), else ``""``."""
    by_key = {str(c).casefold(): c for c in candidates}
    close = difflib.get_close_matches(str(name).casefold(), list(by_key), n=3, cutoff=0.6)
    if not close:
        return ""
    names = [repr(by_key[k]) for k in close]
    return "did you mean " + (f"{', '.join(names[:-1])} or " if len(names) > 1 else "") + names[-1] + "?"


def with_source(message: str, source: str | None) -> str:
    """Prefix ``message`` with the file name ``source`` when one is known."""
    return message if source is None else f"{source}: {message}"
