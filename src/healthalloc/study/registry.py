"""The analyses a study can run: one registration each.

Adding an analysis is one decorated function: it names its required and optional
roles, its options (defaults and allowed values), and the columns it exports for later
analyses (``outcome = "dea.efficiency"``), and returns a :class:`Section` of tables and
figures for the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Option:
    """One analysis option: its default and, optionally, the values it may take."""

    default: Any
    choices: tuple | None = None
    kind: type | tuple[type, ...] | None = None

    def check(self, value: Any) -> str | None:
        """An error message for a bad value, or None."""
        if self.choices is not None:
            return None if value in self.choices else (
                f"{value!r} is not one of {', '.join(map(repr, self.choices))}")
        kind = self.kind or (type(self.default) if self.default is not None else None)
        if kind is None:
            return None
        kinds = (int, float) if kind is float else kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            return f"{value!r} should be of type {' or '.join(k.__name__ for k in kinds)}"
        return None


@dataclass
class Section:
    """What one analysis contributes to the outputs and the report.

    ``tables`` and ``figures`` map a short name to a DataFrame / matplotlib Figure;
    ``captions`` holds a one-line reading per table or figure; ``stars`` maps a table
    name to ``{statistic column: p-value column}`` for significance stars; ``exports``
    are Series other analyses may use as inputs. ``notes`` (e.g. warnings) are shown at
    the top of the section, ``table_notes`` beside their table (see :meth:`add_note`).
    """

    name: str
    title: str
    reading: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)
    stars: dict[str, dict[str, str]] = field(default_factory=dict)
    exports: dict[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    table_notes: dict[str, list[str]] = field(default_factory=dict)

    def add_note(self, text: str) -> None:
        """Add ``text`` once: beside the one table it names (its name, or a column of at least
        3 characters that no other table of the section has), else at the top. Names in
        quotes do not count: messages quote the user's data columns (``column 'beds'``)."""
        tables = [name for name in self.tables if self._names(text, name)]
        place = self.table_notes.setdefault(tables[0], []) if len(tables) == 1 else self.notes
        if text not in place:
            place.append(text)

    def _names(self, text: str, table: str) -> bool:
        """True when ``text`` names ``table`` or one of its own columns, as unquoted whole words."""
        others = {str(c) for name, frame in self.tables.items() if name != table for c in frame.columns}
        own = [str(c) for c in self.tables[table].columns if len(str(c)) >= 3 and str(c) not in others]
        return (_word(table.replace("_", " "), text, re.IGNORECASE)
                or any(_word(column, text) for column in own))


def _word(word: str, text: str, flags: int = 0) -> bool:
    return re.search(rf"(?<![\w'\"]){re.escape(word)}(?![\w'\"])", text, flags) is not None


@dataclass(frozen=True)
class Context:
    """What an analysis receives: the data, its resolved roles and options."""

    name: str
    data: pd.DataFrame
    roles: dict[str, Any]
    options: dict[str, Any]
    study_dir: Any = None
    engine: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalysisType:
    name: str
    title: str
    run: Callable[[Context], Section]
    roles: tuple[str, ...]
    optional_roles: tuple[str, ...]
    options: dict[str, Option]
    exports: tuple[str, ...]


REGISTRY: dict[str, AnalysisType] = {}


def register(name: str, *, title: str, roles: tuple[str, ...] = (), optional_roles: tuple[str, ...] = (),
             options: dict[str, Option] | None = None, exports: tuple[str, ...] = ()):
    """Decorator adding an analysis type to the registry."""

    def add(run: Callable[[Context], Section]) -> Callable[[Context], Section]:
        REGISTRY[name] = AnalysisType(name, title, run, roles, optional_roles, options or {}, exports)
        return run

    return add
