"""The convention every result object follows: ``to_frame()``, ``summary()``, ``plot()``, ``to_excel()``."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from healthalloc.data.output import write_tables

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from healthalloc.report.section import Section

__all__ = ["HTML_ROWS", "Result", "flat", "last_period"]

#: Rows of :meth:`Result.to_frame` a notebook shows.
HTML_ROWS = 20


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its index as columns, unless the index is a plain row number."""
    import pandas as pd

    return frame if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None else frame.reset_index()


def last_period(table: pd.DataFrame, period: str | None) -> tuple[pd.DataFrame, object]:
    """The rows of the last period (all rows without one) and that period."""
    if not period:
        return table, None
    when = table[period].max()
    return table[table[period] == when], when


class Result:
    """Mixin of a result: the subclass defines :meth:`to_frame`, :meth:`summary` and :meth:`plot`,
    and presents itself by :meth:`reading` and :meth:`figures` (a report section, the command
    line and a notebook show the same); :meth:`to_excel` writes :meth:`tables`."""

    def to_frame(self) -> pd.DataFrame:
        """The result as one tidy table."""
        raise NotImplementedError

    def summary(self) -> pd.DataFrame:
        """The main figures of the result as a table."""
        raise NotImplementedError

    def plot(self) -> Figure:
        """The result's figure, in the report's style."""
        raise NotImplementedError

    def reading(self) -> str:
        """What the result says, in one sentence (three decimals): the line a report section
        starts with and the command line prints; empty for the parts of a larger result."""
        return ""

    def figures(self) -> dict[str, tuple[str, Callable[[], Figure]]]:
        """The figures a report shows, by name: the caption and a function drawing it
        (matplotlib loads only when one is drawn)."""
        return {}

    def section(self, name: str, title: str, **options) -> Section:
        """A report section: :meth:`reading`, then :meth:`figures` (given ``options``) drawn."""
        from healthalloc.report.section import Section

        sec = Section(name, title, self.reading())
        for key, (caption, draw) in self.figures(**options).items():
            sec.add_figure(key, draw(), caption)
        return sec

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables :meth:`to_excel` writes, by sheet name: ``results`` and ``summary``
        (an index that is not a plain row number becomes columns)."""
        return {"results": flat(self.to_frame()), "summary": flat(self.summary())}

    def _repr_html_(self) -> str:
        """In Jupyter: the reading, the summary, then the first rows of :meth:`to_frame` (numbers at three
        decimals), as HTML tables."""
        from html import escape

        rows = self.to_frame()
        shown = flat(rows).head(HTML_ROWS)
        more = f"<p>{len(shown)} of {len(rows):,} rows; .to_frame() has them all.</p>" if len(rows) > HTML_ROWS else ""
        return (f"<strong>{escape(type(self).__name__)}</strong>" + (f"<p>{escape(self.reading())}</p>" if self.reading() else "")
                + flat(self.summary()).to_html(index=False, float_format="{:.3f}".format, na_rep="")
                + shown.to_html(index=False, float_format="{:.3f}".format, na_rep="") + more)

    def to_excel(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write :meth:`tables` to ``path`` (.xlsx, one sheet each; atomically; an existing
        file is replaced only with ``overwrite``)."""
        return write_tables(path, self.tables(), suffixes=(".xlsx",), overwrite=overwrite)


def renamed(old: str, new: str) -> property:
    """The attribute ``old``, an older name of ``new``: read with a FutureWarning (one release)."""

    def get(self):
        warnings.warn(f"{type(self).__name__}.{old} is now .{new}; {old} will be removed", FutureWarning,
                      stacklevel=2)
        return getattr(self, new)

    return property(get, doc=f"Older name of :attr:`{new}`.")
