"""Environment variables set for one block of code, for native libraries configured only that way
(rayon's pool size, `tokenizers`' fork behaviour)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scoped_env(name: str, value: str | None) -> Iterator[None]:
    """`name` set to `value` inside the block and restored after; None leaves it as it is."""
    old = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if value is not None:
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
