"""Make datatrove's per-rank logging setup cheap.

datatrove sets loguru up afresh for every rank (`add_task_logger`: `logger.remove()`, then two
`logger.add`). Each `logger.add` builds an ExceptionFormatter, which recomputes the stdlib and
site directories from sysconfig: about 11 ms a rank, 90% of what a rank costs beyond its own
work (a 100 MB run has ~70 ranks; with workers > 1 every forked pool pays it again). The answer
depends only on the interpreter and sys.path, so it is memoized on sys.path. A loguru without
that private hook is left as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def memoize_loguru_lib_dirs() -> None:
    try:
        from loguru._better_exceptions import ExceptionFormatter
    except ImportError:
        return
    hook = ExceptionFormatter.__dict__.get("_get_lib_dirs")
    if not isinstance(hook, staticmethod) or getattr(hook.__func__, "memoized", False):
        return
    ExceptionFormatter._get_lib_dirs = staticmethod(_memoized(hook.__func__))


def _memoized(compute: Callable[[], list[str]]) -> Callable[[], list[str]]:
    cache: dict[tuple[str, ...], list[str]] = {}

    def lib_dirs() -> list[str]:
        key = tuple(sys.path)
        if key not in cache:
            cache[key] = compute()
        return list(cache[key])  # a copy: the formatter must not share a mutable list

    lib_dirs.memoized = True  # type: ignore[attr-defined]
    lib_dirs.__wrapped__ = compute  # type: ignore[attr-defined]
    return lib_dirs
