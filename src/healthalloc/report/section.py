"""What one analysis contributes to the outputs and the report: :class:`Section`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Section"]


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

    def add_table(self, name: str, frame: pd.DataFrame, caption: str) -> None:
        self.tables[name] = frame
        self.captions[name] = caption

    def add_figure(self, name: str, figure: Any, caption: str) -> None:
        """Add a figure; its caption is ``captions[name + "_figure"]``."""
        self.figures[name] = figure
        self.captions[f"{name}_figure"] = caption

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
