"""Published and reproduced: each example's paper numbers beside the study's own.

The numbers live in ``published.toml`` beside this module, one block per paper (``seed000``
…): each row the paper's value exactly as printed, where it is printed, the statistic of
ours that addresses it (``ROLE:KEY``: the ``statistics`` export of the analysis the study's
``published`` analysis names by ROLE) or none, and the reason for the difference. Its texts
(``what``, ``source``, ``reason``) carry their Chinese beside them (``what_zh`` …), and
:func:`compare` writes them in the report's language (:func:`healthalloc.report.i18n.language`).
"""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pandas as pd

from healthalloc.report.i18n import language

__all__ = ["PAPERS", "ROLES", "compare", "paper"]

#: The analyses whose ``statistics`` export a row can name.
ROLES = ("dea", "malmquist", "qca", "qca_negated", "robustness")


def _load() -> dict:
    return tomllib.loads(files("healthalloc.study").joinpath("published.toml").read_text(encoding="utf-8"))


PAPERS: dict = _load()


def paper(name: str) -> dict:
    """The block of one paper: ``paper`` (its title), ``note`` (optional) and ``rows``."""
    return PAPERS[name]


def compare(name: str, statistics: dict[str, pd.Series]) -> pd.DataFrame:
    """One row per published number: ``what, source, published, ours, difference, reason``.

    ``statistics`` maps a role (:data:`ROLES`) to the named values that analysis exported;
    ``ours`` is empty where the row names none or the study did not run that analysis.
    ``difference`` is ours − published; the texts are in the report's language."""
    rows = []
    for row in paper(name).get("rows", []):
        role, _, key = row.get("ours", "").partition(":")
        values = statistics.get(role)
        ours = float(values[key]) if values is not None and key in values.index else float("nan")
        published = float(row["published"])
        rows.append({"what": _text(row, "what"), "source": _text(row, "source"), "published": row["published"],
                     "ours": ours, "difference": ours - published, "reason": _text(row, "reason")})
    return pd.DataFrame(rows, columns=["what", "source", "published", "ours", "difference", "reason"])


def _text(row: dict, key: str) -> str:
    """A row's text ``key`` in the report's language: ``KEY_zh`` in Chinese, where given."""
    return row.get(f"{key}_{language()}", row[key])
