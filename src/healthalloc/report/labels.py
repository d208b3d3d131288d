"""Labels of variables, in English and Chinese, from the data dictionary.

A variable's label comes from, in order: the study's ``[labels]`` table (:func:`study_labels`),
the embedded data sets' dictionary (``label`` / ``label_zh`` of each column in
``data/datasets/dictionary.json``), and ``labels.json`` beside this module (the columns
analyses write: ``crs``, ``tfpch``, ``p_value``…, and patterns such as ``gini_<variable>``).

Tables keep the variable names in their CSV and Excel files (they are keys); the HTML
report's column headers are labels in Chinese (:func:`header`). Figures are relabelled when
saved or embedded (:func:`relabel`): axis labels, titles, legend entries, colour-bar labels
and categorical ticks that are a variable name, a list of them, or a catalogued text.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FuncFormatter

from healthalloc.report.i18n import language, translate

__all__ = ["header", "headers", "label", "phrase", "relabel", "study_labels"]

_STUDY: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("healthalloc_labels", default={})


@contextlib.contextmanager
def study_labels(labels: Mapping[str, str]) -> Iterator[None]:
    """Use a study's ``[labels]`` (variable name → label, any language) inside the block."""
    token = _STUDY.set(dict(labels))
    try:
        yield
    finally:
        _STUDY.reset(token)


@functools.cache
def _known() -> tuple[dict[str, dict[str, str]], tuple[tuple[re.Pattern, dict[str, str]], ...]]:
    """Labels by variable name and language, and the name patterns with their templates."""
    data = json.loads(resources.files("healthalloc.report").joinpath("labels.json").read_text(encoding="utf-8"))
    known = {name: {"en": en, "zh": zh} for name, (en, zh) in data["columns"].items()}
    entries = json.loads(resources.files("healthalloc.data.datasets").joinpath("dictionary.json")
                         .read_text(encoding="utf-8"))
    for entry in entries.values():
        for column in entry["columns"]:
            known.setdefault(column["column"], {"en": column["label"], "zh": column["label_zh"]})
    patterns = tuple((re.compile(rx), {"en": en, "zh": zh}) for rx, en, zh in data["patterns"])
    return known, patterns


def label(name: str, lang: str | None = None) -> str | None:
    """The label of variable ``name`` in ``lang`` (default: the run's), or None when unknown."""
    lang = lang or language()
    if name in _STUDY.get():
        return _STUDY.get()[name]
    known, patterns = _known()
    if name in known:
        return known[name][lang]
    for pattern, templates in patterns:
        match = pattern.fullmatch(name)
        if match:
            return templates[lang].format(v=label(match["v"], lang) or match["v"])
    return None


def header(name, lang: str | None = None):
    """An HTML column header: the Chinese label in Chinese; in English the study's own label
    or the variable name (as in the CSV file)."""
    lang = lang or language()
    if not isinstance(name, str):
        return name
    if lang == "en":
        return _STUDY.get().get(name, name)
    return label(name, lang) or translate(name, lang)


@functools.cache
def _places() -> dict[str, str]:
    """Chinese names of the provinces by their English names (embedded ``province_geography``)."""
    from healthalloc.data import load_province_geography

    table = load_province_geography(mainland_only=False)
    return dict(zip(table["name_en"], table["name_cn"], strict=True))


def headers(columns, lang: str | None = None) -> dict:
    """:func:`header` of each column, made unique: a label two columns share is followed by
    each one's variable name (``"带宽 (width)"``)."""
    shown = {c: header(c, lang) for c in columns}
    taken = list(shown.values())
    return {c: f"{h} ({c})" if taken.count(h) > 1 and h != c else h for c, h in shown.items()}


def phrase(text: str, lang: str | None = None) -> str:
    """``text`` as a reader sees it: a variable's label, a list of labels (``"gini_population,
    gini_area"``), a province's Chinese name, or the catalogued translation."""
    lang = lang or language()
    named = label(text, lang)
    if named is not None:
        return named
    if lang == "zh" and text in _places():
        return _places()[text]
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > 1 and all(label(p, lang) for p in parts):
        return ("、" if lang == "zh" else ", ").join(label(p, lang) for p in parts)
    return translate(text, lang)


_NAME = re.compile(r"\b[A-Za-z]\w*_\w+\b")  # a variable name inside English figure text: a word with "_"


def _named(match: re.Match, lang: str) -> str:
    """The label of the variable name ``match`` found inside a text (lower-cased after a lower-case
    word, unless it starts with an acronym), or the name when it has none."""
    named = label(match[0], lang)
    if named is None:
        return match[0]
    after_word = re.search(r"[a-z] $", match.string[:match.start()])
    return named[0].lower() + named[1:] if after_word and named[1:2].islower() else named


def relabel(fig: Figure, lang: str | None = None) -> Figure:
    """Replace in ``fig`` each text that is a variable name or a catalogued text by its label
    or translation (titles, axis labels, legends, colour bars, categorical ticks); in English,
    variable names inside a longer text (``"in_degree_std of every node"``) by their labels, and
    titles and axis labels start with a capital; ``fig``."""
    lang = lang or language()
    for text in fig.findobj(Text):
        old = text.get_text()
        if old:
            new = phrase(old, lang)
            if new == old and lang == "en":
                new = _NAME.sub(functools.partial(_named, lang=lang), old)
            if new != old:
                text.set_text(new)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):
                axis.set_major_formatter(FixedFormatter([phrase(str(s), lang) for s in formatter.seq]))
            elif isinstance(formatter, FuncFormatter) and not getattr(formatter, "relabelled", False):
                # tick labels given as text (ax.set_yticks(rows, names)) are a FuncFormatter
                named = FuncFormatter(lambda x, pos, shown=formatter.func: phrase(str(shown(x, pos)), lang))
                named.relabelled = True
                axis.set_major_formatter(named)
    if lang == "en":  # titles and axis labels start with a capital, as a printed figure's do
        for text in _headings(fig):
            old = text.get_text()
            if re.match(r"[a-z]{2}(?!\w*_)", old):  # a word; symbols (p-value, σ, x1) and names keep their case
                text.set_text(old[0].upper() + old[1:])
    return fig


def _headings(fig: Figure) -> list[Text]:
    """The figure's title and its axes' titles and axis labels."""
    texts = [fig._suptitle] if fig._suptitle is not None else []
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
    return texts
