"""Name -> factory registries filled by decorators, found by importing a package's modules.

Adding a task, scorer, backend, generator or board is one new file with a decorator; nothing
central is edited. `discover(package)` imports every module of a package once so that their
decorators run; registries call it lazily on the first lookup.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Generic, TypeVar

from thaibench.errors import UserError

T = TypeVar("T")


class UnknownName(KeyError, UserError):
    """A registry lookup for a name nobody registered; the message lists what exists."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want a plain sentence
        return str(self.args[0])


def discover(package: str) -> None:
    """Import every module in `package` (not recursively into sub-packages' children)."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__, prefix=package + "."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            importlib.import_module(info.name)


class Registry(Generic[T]):
    """A dictionary of named factories with a decorator to fill it."""

    def __init__(self, kind: str, packages: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.packages = packages
        self._items: dict[str, T] = {}
        self._discovered = False

    def register(self, name: str, item: T) -> T:
        if name in self._items and self._items[name] is not item:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def decorator(self, name: str | None = None) -> Callable[[T], T]:
        def wrap(item: T) -> T:
            return self.register(name or item.__name__, item)

        return wrap

    def _discover(self) -> None:
        if not self._discovered:
            self._discovered = True
            for package in self.packages:
                discover(package)

    def get(self, name: str) -> T:
        self._discover()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise UnknownName(f"unknown {self.kind} {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        self._discover()
        return name in self._items
