"""Names that become file or directory names (models, steps, taggers, mix sources, variants...).

Every such name is checked here once, so a spec or plugin cannot name `../../x` and write
outside its run directory: `safe_name` admits one plain path component, and `resolve_inside`
is the belt to its braces for paths built from several parts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError

# One path component: starts with a letter or digit (so never "." or ".."), no separators.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def safe_name(name: Any, what: str = "name") -> str:
    """`name` if it is usable as a single file name, else a one-line DolmalikeError."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise DolmalikeError(
            f"{what} {name!r} cannot be used as a file name: use letters, digits, '_', '.' or '-', "
            "starting with a letter or digit (at most 128 characters)"
        )
    return name


def resolve_inside(root: str | Path, *parts: str) -> Path:
    """root/parts..., refusing any result that resolves (symlinks and '..' included) outside root."""
    base = Path(root).resolve()
    path = base.joinpath(*parts).resolve()
    if not path.is_relative_to(base):
        raise DolmalikeError(f"{'/'.join(parts)!r} points outside {root}")
    return path
