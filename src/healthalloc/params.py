"""Parameters declared once, beside the function that uses them.

Each analysis lists its parameters as :class:`Param` objects (name, default, type,
choices, range, help, and the data role a column parameter plays). The command line
(:meth:`Params.add_to`), the study keys and their validation (:meth:`Param.check`), and
the checks and the docstring's Parameters of every library call (:func:`declared`) are all
generated from that one list, so a default or an allowed value is written down once.

This module imports nothing heavy: ``healthalloc --help`` reads the declarations
without loading numpy or pandas.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import inspect
import math
import numbers
import textwrap
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["REQUIRED", "UNIT", "Param", "Params", "column_list", "declared", "suggest"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Default of a parameter that must be given."""


def column_list(text: str) -> list[str]:
    """``"a,b, c"`` → ``["a", "b", "c"]``."""
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected one or more comma-separated names")
    return items


def suggest(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for a close name, else the known names."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known) or 'none'})"


@dataclass(frozen=True)
class Param:
    """One parameter of an analysis.

    Parameters
    ----------
    name : str
        The keyword of the library function and the study key; the command-line flag
        is ``--name`` with ``_`` as ``-`` unless ``flag`` says otherwise.
    default : object
        :data:`REQUIRED` when it must be given; ``None`` for "not set".
    help : str
        One line for ``--help`` and the docs (units included).
    kind : type, optional
        ``int``, ``float``, ``str`` or ``bool``; by default the type of ``default``.
    choices : tuple, optional
        The values allowed.
    low, high : float, optional
        Range; ``low_open`` / ``high_open`` exclude the bound itself.
    role : str, optional
        The data role this parameter names columns for (``"inputs"``, ``"unit"``,
        ``"period"``…): in a study it may also come from ``[roles]``.
    many : bool
        A list of values (comma-separated on the command line).
    flag, metavar : str, optional
        Command-line spelling.
    aliases : tuple of str
        Older names still accepted (flags and study keys), with a deprecation warning.
    cli, study : bool
        Whether the command line / study files offer it.
    values : type, optional
        For a table (``kind=dict``): the type of each of its values.
    source : bool
        The value names an embedded data set or a file (a study checks it exists before
        any analysis runs); in a study it may also be a table ``{source = FILE, sheet =
        NAME, encoding = ENC}`` naming how to read the file.
    objects : tuple of type
        Objects a library call may pass instead (an Executor, a table, spatial weights):
        accepted as they are.
    """

    name: str
    default: Any = REQUIRED
    help: str = ""
    kind: type | tuple[type, ...] | None = None
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    role: str | None = None
    many: bool = False
    flag: str | None = None
    metavar: str | None = None
    aliases: tuple[str, ...] = ()
    cli: bool = True
    study: bool = True
    values: type | None = None
    source: bool = False
    objects: tuple[type, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def type(self) -> type | None:
        if self.kind is not None:
            return self.kind
        if self.role is not None or self.many:
            return str
        if self.default is None or self.default is REQUIRED or self.choices:
            return None
        return type(self.default)

    @property
    def flags(self) -> list[str]:
        main = self.flag or "--" + self.name.replace("_", "-")
        return [main, *("--" + a.replace("_", "-") for a in self.aliases)]

    def range_text(self) -> str:
        lo = "" if self.low is None else f"{'>' if self.low_open else '≥'} {_num(self.low)}"
        hi = "" if self.high is None else f"{'<' if self.high_open else '≤'} {_num(self.high)}"
        return " and ".join(t for t in (lo, hi) if t)

    def check(self, value: Any) -> str | None:
        """Why ``value`` is not allowed (a message), or None."""
        if value is None and not self.required:
            return None
        if self.many:
            if not (isinstance(value, list | tuple) and value):
                return f"{self.name} must be a non-empty list"
            for item in value:
                problem = self._check_one(item)
                if problem:
                    return problem
            return None
        return self._check_one(value)

    def require(self, value: Any) -> None:
        """Raise ValueError, with the text of :meth:`check`, unless ``value`` is allowed."""
        problem = self.check(value)
        if problem:
            raise ValueError(problem)

    def _check_one(self, value: Any) -> str | None:
        if self.objects and isinstance(value, self.objects) or self.source and isinstance(value, Path):
            return None
        if self.source and isinstance(value, dict) and "source" in value:
            return _check_source(self.name, value)
        if self.values is not None and isinstance(value, dict):
            bad = [k for k, v in value.items() if not isinstance(v, self.values)]
            if bad:
                return f"{self.name}.{bad[0]} must be {_article(self.values)}, got {value[bad[0]]!r}"
        if self.required and isinstance(value, dict) and not value:
            return f"{self.name} must name at least one entry"
        if self.choices is not None:
            if isinstance(value, str | int | float | bool | None) and value in self.choices:
                return None
            return f"{self.name} must be one of {', '.join(map(str, self.choices))}; got {value!r}"
        kind = self.type
        if kind is not None:
            kinds = tuple(_NUMBERS.get(k, k) for k in (kind if isinstance(kind, tuple) else (kind,)))
            if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
                wanted = " or ".join(_article(k) for k in (kind if isinstance(kind, tuple) else (kind,)))
                return f"{self.name} must be {wanted}, got {value!r}"
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            if not math.isfinite(value):
                return f"{self.name} must be a finite number, got {value}"
            bad_low = self.low is not None and (value <= self.low if self.low_open else value < self.low)
            bad_high = self.high is not None and (value >= self.high if self.high_open else value > self.high)
            if bad_low or bad_high:
                return f"{self.name} must be {self.range_text()}, got {_num(value)}"
        return None

    def parse(self, text: str) -> Any:
        """A command-line string as this parameter's value (argparse ``type=``)."""
        items = column_list(text) if self.many else [text]
        values = [self._parse_one(item) for item in items]
        value = values if self.many else values[0]
        problem = self.check(value)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    def _parse_one(self, text: str) -> Any:
        if self.source:
            return Path(text)
        kinds = self.type if isinstance(self.type, tuple) else (self.type,)
        for kind in (k for k in (int, float) if k in kinds):
            try:
                return kind(text)
            except ValueError:
                continue
        if int in kinds or float in kinds:
            wanted = "a number" if float in kinds else "an integer"
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return text

    def describe(self) -> str:
        """The help text with the default, choices and range."""
        parts = [self.help] if self.help else []
        if self.range_text():
            parts.append(f"({self.range_text()})")
        if not self.required and self.default not in (None, (), []) and self.type is not bool:
            shown = ",".join(map(str, self.default)) if isinstance(self.default, list | tuple) else self.default
            parts.append(f"(default: {shown})")
        return " ".join(parts)


@dataclass(frozen=True)
class Params:
    """The parameters of one analysis, in order."""

    items: tuple[Param, ...]
    by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __init__(self, *items: Param):
        object.__setattr__(self, "items", tuple(items))
        names = [p.name for p in items]
        if len(set(names)) != len(names):
            raise ValueError(f"parameters declared twice: {sorted({n for n in names if names.count(n) > 1})}")
        lookup = {p.name: p for p in items} | {a: p for p in items for a in p.aliases}
        object.__setattr__(self, "by_name", lookup)

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, name: str) -> Param:
        return self.by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def __add__(self, other: Params) -> Params:
        return Params(*self.items, *other.items)

    def without(self, *names: str) -> Params:
        return Params(*(p for p in self.items if p.name not in names))

    @property
    def roles(self) -> dict[str, Param]:
        return {p.role: p for p in self.items if p.role}

    @property
    def options(self) -> dict[str, Param]:
        return {p.name: p for p in self.items if not p.role and p.study}

    def add_to(self, parser: argparse.ArgumentParser, *, skip: Iterable[str] = ()) -> None:
        """Add one command-line option per parameter (``skip``: names the command sets itself)."""
        skip = set(skip)
        for p in self.items:
            if not p.cli or p.name in skip:
                continue
            kwargs: dict[str, Any] = {"dest": p.name, "help": p.describe()}
            if p.type is bool:  # --x/--no-x, or --x alone as one of alternatives
                alternative = isinstance(parser, argparse._MutuallyExclusiveGroup)
                kwargs["action"] = "store_true" if alternative else argparse.BooleanOptionalAction
                kwargs["default"] = p.default
            else:
                kwargs["type"] = p.parse
                kwargs["metavar"] = p.metavar or ("COL" if p.role and not p.many else "COL,COL" if p.role else
                                                  "A,B" if p.many else
                                                  "{" + ",".join(map(str, p.choices)) + "}" if p.choices else
                                                  p.name.upper())
                if p.required:
                    kwargs["required"] = True
                else:
                    kwargs["default"] = p.default
            parser.add_argument(*p.flags, **kwargs).declared = p  # the declaration behind the option

    def from_args(self, args: argparse.Namespace) -> dict[str, Any]:
        """The parsed values as library keywords."""
        return {p.name: getattr(args, p.name) for p in self.items if p.cli and hasattr(args, p.name)}

    def check(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``(key, message)`` for every unknown key and every bad value."""
        problems = []
        for key, value in values.items():
            p = self.by_name.get(key)
            if p is None or not p.study:
                known = [q.name for q in self.items if q.study]
                problems.append((key, f"unknown key {key!r}{suggest(key, known)}"))
                continue
            problem = p.check(value)
            if problem:
                problems.append((key, problem))
        return problems


SOURCE_KEYS = ("source", "sheet", "encoding")
"""Keys of a study's table naming a file and how to read it."""


def _check_source(name: str, value: dict) -> str | None:
    """Why ``{source = ..., sheet = ..., encoding = ...}`` is not a readable source, or None."""
    unknown = [k for k in value if k not in SOURCE_KEYS]
    if unknown:
        return f"{name}: unknown key {unknown[0]!r}{suggest(unknown[0], SOURCE_KEYS)}"
    bad = [k for k in SOURCE_KEYS if k in value and not isinstance(value[k], str | int if k == "sheet" else str)]
    if bad:
        return f"{name}.{bad[0]} must be a text, got {value[bad[0]]!r}"
    return None


def declared(params: Params, *, data: Iterable[str] = ()) -> Callable[[Callable], Callable]:
    """Bind a public function to its declaration: the one door every call goes through.

    On a class, its ``__init__`` is bound. At import the signature must agree with ``params`` (the same keywords apart from the
    ``data`` arguments; a declared default equal to the signature's; required exactly where
    the signature has no default), else :class:`TypeError`. On every call each declared
    argument given is checked by :meth:`Param.check`, and a bad one raises
    :class:`ValueError` with the text the command line and study files print; an older
    name (``aliases``) is accepted with a :class:`FutureWarning`. The docstring's Parameters
    section gains an entry for each declared parameter it does not document by hand.
    """
    data = tuple(data)

    def bind(func: Callable) -> Callable:
        if isinstance(func, type):  # a class (a dataclass of settings): its __init__
            func.__init__ = declared(params, data=("self", *data))(func.__init__)
            func.__doc__ = _document(func.__doc__, params)
            return func
        signature = inspect.signature(func)
        _agree(func.__qualname__, signature, params, data)
        aliases = {a: p.name for p in params for a in p.aliases}

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            for old in aliases.keys() & kwargs.keys():
                warnings.warn(f"{func.__name__}({old}=...) is now {aliases[old]}=; {old} will be removed",
                              FutureWarning, stacklevel=2)
                kwargs[aliases[old]] = kwargs.pop(old)
            for name, value in signature.bind(*args, **kwargs).arguments.items():
                p = params.by_name.get(name)
                problem = None if p is None or value is p.default else p.check(value)
                if problem:
                    raise ValueError(problem)
            return func(*args, **kwargs)

        checked.params = params
        checked.__doc__ = _document(func.__doc__, params)
        return checked

    return bind


def _document(doc: str | None, params: Params) -> str | None:
    """``doc`` with an entry in its Parameters section (made if missing) for each declared parameter it leaves out."""
    if not doc:
        return doc
    lines = doc.split("\n")
    pad = " " * min((len(t) - len(t.lstrip()) for t in lines[1:] if t.strip()), default=4)
    heads = [i for i in range(len(lines) - 1) if lines[i].strip() and set(lines[i + 1].strip()) == {"-"}]
    start = next((i + 2 for i in heads if lines[i].strip() == "Parameters"), None)
    end = next((i for i in heads if i > (start or -1)), len(lines))
    while end > (start or 1) and not lines[end - 1].strip():
        end -= 1
    documented = {n.strip() for t in lines[start or end:end] if t.startswith(pad) and t[len(pad):][:1].strip()
                  for n in t.split(" :")[0].split(",")}
    new = [] if start is not None else ["", pad + "Parameters", pad + "----------"]
    for p in params:
        if p.name not in documented:
            kinds = p.kind if isinstance(p.kind, tuple) else (p.type,) if p.type else ()
            kind = " or ".join([*(["{" + ", ".join(map(_quoted, p.choices)) + "}"] if p.choices else
                                  [k.__name__ for k in kinds]), *(o.__name__ for o in p.objects)])
            kind = f"list of {kind or 'str'}" if p.many else kind or "object"
            notes = [f"({p.range_text()})"] * bool(p.range_text()) + [f"(older name: {a})" for a in p.aliases]
            first = p.help[:1].upper() if p.help[:1].isascii() else p.help[:1]  # not β → Β
            text = " ".join([first + p.help[1:], *(n.replace(" ", "\xa0") for n in notes)]) + "."
            new += [f"{pad}{p.name} : {kind}" + ("" if p.required else f", default {_quoted(p.default)}"),
                    *(t.replace("\xa0", " ") for t in textwrap.wrap(text, 88, initial_indent=pad + "    ",
                                                                    subsequent_indent=pad + "    "))]
    return "\n".join(lines[:end] + new + lines[end:]) if new[3 if start is None else 0:] else doc


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _agree(name: str, signature: inspect.Signature, params: Params, data: tuple[str, ...]) -> None:
    """Raise TypeError where ``signature`` and ``params`` disagree."""
    keywords = {n: q for n, q in signature.parameters.items()
                if n not in data and q.kind not in (q.VAR_POSITIONAL, q.VAR_KEYWORD)}
    problems = [f"{n} is not declared" for n in keywords if n not in params.by_name]
    problems += [f"{p.name} is declared but not a keyword" for p in params if p.name not in keywords]
    for p in params:
        q = keywords.get(p.name)
        if q is None:
            continue
        if p.required != (q.default is q.empty):
            problems.append(f"{p.name} is {'required' if p.required else 'optional'} in the declaration only")
        elif not p.required and not _same(p.default, q.default):
            problems.append(f"{p.name} defaults to {p.default!r} in the declaration, {q.default!r} in the signature")
    if problems:
        raise TypeError(f"{name}: the signature and its declaration disagree: {'; '.join(problems)}")


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (isinstance(a, list | tuple) and isinstance(b, list | tuple)
                                             and list(a) == list(b))


_NUMBERS = {int: numbers.Integral, float: numbers.Real}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _article(kind: type) -> str:
    names = {int: "an integer", float: "a number", str: "a text", bool: "true or false", list: "a list",
             dict: "a table"}
    return names.get(kind, kind.__name__)


#: ``unit=`` of every analysis that names its units optionally, with the one default rule
#: of :func:`healthalloc.data.panel.unit_column`.
UNIT = Param("unit", None, "column naming the units (default: the first column when it holds unique "
             "text labels, else the row number)", role="unit")
