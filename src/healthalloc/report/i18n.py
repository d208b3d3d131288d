"""The report's language: one message catalogue, keyed by the English text (gettext-style).

English stays in the code as the key, so an English report is the code's text unchanged.
``messages_zh.json`` holds the Chinese: ``messages`` maps an English text to its
translation; ``patterns`` are ``[regex, template]`` pairs for texts built with numbers or
names (``"12 units; mean efficiency 0.923"``): the regex's named groups fill the
template's ``{name}`` fields, each as a reader sees it (a variable's label, a place's name,
or its own translation: :func:`healthalloc.report.labels.phrase`).
A text no entry or pattern matches whole, but which is a list (items separated by ``"; "`` or
``", "`` or ``" and "`` outside parentheses, as :func:`healthalloc.data.messages.listing`
writes them), is translated item by item when every item is, or is a proper name (``"national: Model 3,
Yangtze delta: Model 3"``, ``"Guilin, Fangchenggang and Hezhou"``), and joined by ``；``, ``、``
or ``和``.
A text the catalogue does not hold stays English (:func:`untranslated` lists them).

The language of a run is a context variable (:func:`using`), read by the report and the
figures through :func:`language`, so no function needs a ``lang`` argument passed down.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import re
from collections.abc import Iterator
from importlib import resources

from healthalloc.params import Param, Params

__all__ = ["LANGUAGES", "REPORT", "html_lang", "language", "translate", "untranslated", "using"]

LANGUAGES = ("en", "zh")
"""Report languages: English (the default) and simplified Chinese."""

REPORT = Params(
    Param("language", "en", "language of the report, its figures and labels: en (English) or zh "
          "(simplified Chinese)", choices=LANGUAGES, flag="--lang"),
    Param("labels", None, "labels of variables, overriding the data dictionary's (beds = \"Hospital beds\")",
          kind=dict, values=str, cli=False),
)
"""The study keys (``[study] language``, ``[labels]``) and the ``--lang`` flag of ``run`` and ``demo``."""

_LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("healthalloc_language", default="en")
_SPACES = re.compile(r"\s+")
_HANZI = re.compile("[\u4e00-\u9fff]")  # a text with Chinese in it is translated already
_CODE = re.compile(r"[\w.~*+-]+")  # one token: with a dot, an underscore or a digit, a name in code
_LISTS = (("; ", "；"), (", ", "、"), (" and ", "和"))  # item separators of lists, coarsest first, in Chinese
_NAME = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*")  # a proper name as a list item: "Guilin", "Inner Mongolia"
_PLACE = re.compile(r"[A-Z][\w'’ -]* \(\d+\)")  # a place named by the data, with its id: "Lhasa (1280737)"
_seen: set[str] = set()  # English texts asked for in Chinese and not catalogued


def language() -> str:
    """The language of the current run (``"en"`` unless set by :func:`using`)."""
    return _LANGUAGE.get()


@contextlib.contextmanager
def using(lang: str) -> Iterator[str]:
    """Set the language (one of :data:`LANGUAGES`) for the code run inside the block."""
    problem = REPORT["language"].check(lang)
    if problem:
        raise ValueError(problem)
    token = _LANGUAGE.set(lang)
    try:
        yield lang
    finally:
        _LANGUAGE.reset(token)


def html_lang(lang: str | None = None) -> str:
    """The ``<html lang>`` value: ``en`` or ``zh-CN``."""
    return {"en": "en", "zh": "zh-CN"}[lang or language()]


@functools.cache
def _catalogue(lang: str) -> tuple[dict[str, str], tuple[tuple[re.Pattern, str], ...]]:
    data = json.loads(resources.files(__name__.rpartition(".")[0]).joinpath(f"messages_{lang}.json")
                      .read_text(encoding="utf-8"))
    return data["messages"], tuple((re.compile(rx, re.DOTALL), template) for rx, template in data["patterns"])


def translate(text: str, lang: str | None = None) -> str:
    """``text`` in ``lang`` (default: :func:`language`): its catalogue entry, else the first
    pattern that matches it whole, else the list's items translated (module docstring), else
    ``text`` unchanged (and remembered, see :func:`untranslated`)."""
    lang = lang or language()
    if lang == "en" or not text or not text.strip():
        return text
    messages, patterns = _catalogue(lang)
    key = _SPACES.sub(" ", text.strip())
    if key in messages:
        return messages[key]
    from healthalloc.report.labels import phrase  # labels read this module's language and catalogue

    for pattern, template in patterns:
        match = pattern.fullmatch(key)
        if match:
            return template.format(**{k: phrase(v or "", lang) for k, v in match.groupdict().items()})
    for separator, joined in _LISTS:
        items = _items(key, separator)
        if len(items) > 1:
            seen = set(_seen)
            shown = [phrase(item, lang) for item in items]
            _seen.intersection_update(seen)  # an item's miss is the whole text's
            if all(_read(new) or new != old or _NAME.fullmatch(old) for old, new in zip(items, shown)):
                return joined.join(shown)
    if not _read(key):
        _seen.add(key)
    return text


def _items(text: str, separator: str) -> list[str]:
    """``text`` split at each ``separator`` outside parentheses (a list's items)."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "(（") - (ch in ")）")
        if depth == 0 and text.startswith(separator, i):
            items.append(text[start:i])
            start = i + len(separator)
    return [*items, text[start:]]


def _read(text: str) -> bool:
    """True when ``text`` needs no translation: Chinese already, no English word in it, a name
    in code (a term, column or method: ``edgecov.GeoProx``, ``in_degree_std``, ``e2sfca``) or a
    place as the data name it, with its id (``Lhasa (1280737)``)."""
    return (bool(_HANZI.search(text)) or not re.search("[A-Za-z]{3}", text)
            or bool(_CODE.fullmatch(text) and re.search(r"[._\d]", text)) or bool(_PLACE.fullmatch(text)))


def untranslated() -> list[str]:
    """English texts this process asked :func:`translate` for and found no Chinese for."""
    return sorted(_seen)
