"""The analyses a study can run: one registration each.

Adding an analysis is one decorated function: it names its parameters (a
:class:`~healthalloc.params.Params` declaration, usually the library function's own, whose
``role`` parameters are filled from the study's roles and the others from the analysis'
keys) and the columns it exports for later analyses (``outcome = "dea.efficiency"``), and
returns a :class:`~healthalloc.report.section.Section` of tables and figures.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthalloc.params import Param, Params
from healthalloc.report.section import Section

__all__ = ["REGISTRY", "AnalysisType", "Context", "register"]


@dataclass(frozen=True)
class Context:
    """What an analysis receives: the data, its resolved roles and options."""

    name: str
    data: pd.DataFrame
    roles: dict[str, Any]
    options: dict[str, Any]
    study_dir: Any = None
    engine: dict[str, Any] = field(default_factory=dict)
    params: Params = field(default_factory=Params)

    def call(self, func: Callable, *args: Any, **extra: Any) -> Any:
        """``func(*args, ...)`` with those of :attr:`kwargs` that ``func`` takes, and ``extra``."""
        accepted = inspect.signature(func).parameters
        return func(*args, **{k: v for k, v in self.kwargs.items() if k in accepted}, **extra)

    @property
    def kwargs(self) -> dict[str, Any]:
        """Roles and options as the library function's keywords (role ``period`` → ``by``…)."""
        out = {}
        for p in self.params:
            if p.role is not None and p.role in self.roles:
                out[p.name] = self.roles[p.role]
            elif p.role is None and p.name in self.options:
                out[p.name] = self.options[p.name]
        return out


@dataclass(frozen=True)
class AnalysisType:
    """A registered analysis: its parameters, what it exports, and the function running it."""

    name: str
    title: str
    run: Callable[[Context], Section]
    params: Params
    exports: tuple[str, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        """Roles the analysis needs."""
        return tuple(p.role for p in self.params if p.role and p.required)

    @property
    def optional_roles(self) -> tuple[str, ...]:
        return tuple(p.role for p in self.params if p.role and not p.required)

    @property
    def options(self) -> dict[str, Param]:
        """Its other keys in a study, by name (older names included)."""
        return {name: p for name, p in self.params.by_name.items() if p.role is None and p.study}


REGISTRY: dict[str, AnalysisType] = {}


def register(name: str, *, title: str, params: Params, exports: tuple[str, ...] = ()):
    """Decorator adding an analysis type to the registry."""

    def add(run: Callable[[Context], Section]) -> Callable[[Context], Section]:
        REGISTRY[name] = AnalysisType(name, title, run, params, exports)
        return run

    return add
