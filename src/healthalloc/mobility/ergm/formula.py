"""ERGM formulas as statnet users write them: ``"edges + nodeicov('HTH') + edgecov(GeoProx) + mutual"``.

A formula is terms joined by ``+``; a left-hand side (``net ~``) is ignored. A term is a
name, optionally with arguments: quoted or bare text (``'HTH'``, ``HTH``), numbers,
``TRUE``/``FALSE``/``T``/``F``, ``NULL``, vectors ``c(1, 2)`` and ranges ``2:3``, and named
arguments (``diff=TRUE``, ``levels=-1``). Nothing is evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from healthalloc.data import DataError
from healthalloc.mobility.ergm.terms import term_class

__all__ = ["TermSpec", "parse_formula"]

_TOKEN = re.compile(r"""\s*(?:(?P<str>'[^']*'|"[^"]*")|(?P<num>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
                     |(?P<name>[A-Za-z_.][\w.]*)|(?P<op>[(),=+:~]))""", re.VERBOSE)
_CONSTANTS = {"TRUE": True, "T": True, "FALSE": False, "F": False, "NULL": None}


@dataclass(frozen=True)
class TermSpec:
    """One parsed term: its name, positional and named arguments."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise DataError(f"formula: cannot read {text[pos:].strip()[:20]!r} in {text.strip()!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text.strip()
        self.toks = _tokens(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, value: str | None = None):
        kind, tok = self.peek()
        if value is not None and tok != value:
            where = f"{tok!r}" if tok is not None else "the end"
            raise DataError(f"formula: expected {value!r} but found {where} in {self.text!r}")
        self.i += 1
        return kind, tok

    def formula(self) -> list[TermSpec]:
        if any(tok == "~" for _, tok in self.toks):
            while self.take()[1] != "~":
                pass
        terms = [self.term()]
        while self.peek()[1] == "+":
            self.take("+")
            terms.append(self.term())
        if self.peek()[0] is not None:
            raise DataError(f"formula: unexpected {self.peek()[1]!r} in {self.text!r}; join terms with '+'")
        return terms

    def term(self) -> TermSpec:
        kind, name = self.take()
        if kind != "name":
            raise DataError(f"formula: expected a term name, found {name!r} in {self.text!r}")
        term_class(name)
        args, kwargs = [], {}
        if self.peek()[1] == "(":
            self.take("(")
            while self.peek()[1] != ")":
                if self.peek()[0] == "name" and self.i + 1 < len(self.toks) and self.toks[self.i + 1][1] == "=":
                    key = self.take()[1]
                    self.take("=")
                    kwargs[key] = self.value()
                else:
                    if kwargs:
                        raise DataError(f"formula: positional argument after a named one in {name}(...)")
                    args.append(self.value())
                if self.peek()[1] != ")":
                    self.take(",")
            self.take(")")
        return TermSpec(name, tuple(args), kwargs)

    def value(self):
        kind, tok = self.take()
        if kind == "str":
            value = tok[1:-1]
        elif kind == "num":
            value = float(tok) if any(c in tok for c in ".eE") else int(tok)
        elif kind == "name" and tok == "c" and self.peek()[1] == "(":
            self.take("(")
            value = []
            while self.peek()[1] != ")":
                item = self.value()
                value.extend(item if isinstance(item, list) else [item])
                if self.peek()[1] != ")":
                    self.take(",")
            self.take(")")
        elif kind == "name":
            value = _CONSTANTS.get(tok, tok)
        else:
            raise DataError(f"formula: unexpected {tok!r} in {self.text!r}")
        if self.peek()[1] == ":" and isinstance(value, int):
            self.take(":")
            end = self.value()
            if not isinstance(end, int):
                raise DataError(f"formula: a range a:b needs whole numbers, in {self.text!r}")
            value = list(range(value, end + 1) if end >= value else range(value, end - 1, -1))
        return value


def parse_formula(text: str) -> list[TermSpec]:
    """The terms of an ERGM formula (see the module docstring).

    Raises
    ------
    DataError
        For text that is not a formula or an unknown term (with close suggestions).

    Examples
    --------
    >>> [t.name for t in parse_formula("edges + nodeicov('HTH') + edgecov(GeoProx) + mutual")]
    ['edges', 'nodeicov', 'edgecov', 'mutual']
    >>> parse_formula("nodematch('Race', diff=T)")[0].kwargs
    {'diff': True}
    """
    if not isinstance(text, str) or not text.strip():
        raise DataError("formula is empty; e.g. \"edges + nodeicov('HTH') + mutual\"")
    return _Parser(text).formula()
