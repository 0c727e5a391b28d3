"""Registries with versioned names.

Decorators only stamp a name on a class; nothing is registered globally at import time.
A registry is built explicitly from a table of builtins (lazily imported), entry points,
and plugin files, so asking for a name loads only what it needs.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Generic, TypeVar

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.names import safe_name

T = TypeVar("T")

_KIND_ATTR = "_dolmalike_kind"


def registered(kind: str, name: str) -> Callable[[type[T]], type[T]]:
    """Stamp `kind` and a versioned `name` (e.g. "gopher_v1") on a class."""

    safe_name(name, kind)  # names become paths (attributes/<tagger>/, _done/<step>/)

    def stamp(cls: type[T]) -> type[T]:
        setattr(cls, _KIND_ATTR, kind)
        cls.name = name  # type: ignore[attr-defined]
        return cls

    return stamp


class UnknownNameError(DolmalikeError):
    pass


class Registry(Generic[T]):
    def __init__(
        self,
        kind: str,
        builtins: dict[str, str],
        entry_point_group: str | None = None,
        plugin_dirs: Iterable[Path] = (),
    ) -> None:
        self.kind = kind
        # name -> "module:attr", imported only when asked for
        self._targets: dict[str, str | type[T]] = dict(builtins)
        self._entry_point_group = entry_point_group
        self._plugin_dirs = [Path(p) for p in plugin_dirs]
        self._discovered = False

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        if self._entry_point_group:
            for ep in entry_points(group=self._entry_point_group):
                self._targets.setdefault(safe_name(ep.name, f"{self.kind} entry point"), ep.value)
        for d in self._plugin_dirs:
            if not d.is_dir():
                continue
            for path in sorted(d.glob("*.py")):
                if path.name.startswith("_"):
                    continue
                for cls in _stamped_classes(path, self.kind):
                    self._targets.setdefault(cls.name, cls)  # type: ignore[attr-defined]

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._targets)

    def get(self, name: str) -> type[T]:
        self._discover()
        target = self._targets.get(name)
        if target is None:
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}; valid {self.kind}s: {', '.join(self.names())}"
            )
        if isinstance(target, str):
            module, _, attr = target.partition(":")
            target = getattr(importlib.import_module(module), attr)
            self._targets[name] = target
        return target


def _stamped_classes(path: Path, kind: str) -> list[type]:
    spec = importlib.util.spec_from_file_location(f"dolmalike_plugin_{path.stem}", path)
    if spec is None or spec.loader is None:
        return []
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # a broken plugin is a user error, reported in one line
        raise DolmalikeError(f"cannot load plugin {path}: {type(e).__name__}: {e}") from e
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if getattr(obj, _KIND_ATTR, None) == kind and obj.__module__ == module.__name__
    ]
