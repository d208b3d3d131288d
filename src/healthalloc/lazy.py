"""Packages whose public names load from their submodules on first use (PEP 562), so that
importing one light submodule (declarations, figure styles) does not load them all."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable


def exports(package: str, homes: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``homes`` maps each public name to
    the submodule defining it; a name is imported once, then kept on the package. A public
    name that is also a submodule's name (``efficiency.dea``, ``mobility.centrality``) stays
    the function when that submodule is imported."""
    sys.modules[package].__class__ = _keeping(frozenset(homes))

    def __getattr__(name: str):
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(homes))

    return __getattr__, __dir__


def _keeping(names: frozenset[str]) -> type:
    """A module class on which importing a submodule does not replace a public name of ``names``."""

    class Package(types.ModuleType):
        def __setattr__(self, name: str, value) -> None:
            if name in names and isinstance(value, types.ModuleType):
                return  # the submodule stays in sys.modules; the package's name is the function
            super().__setattr__(name, value)

    return Package
