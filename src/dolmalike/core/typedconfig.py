"""Typed config values: the one place that checks a config value's type and range.

Config dataclasses (pipeline specs, stage and step parameters, classifier and trainer configs)
declare ranges on their fields with `bounded(...)`; `checked(cls, values, where)` converts and
validates a mapping from YAML or the CLI against the field annotations, and `check_instance`
validates a constructed object (call it from `__post_init__`). A bad value is one
`DolmalikeError` naming where it came from, never a traceback deep inside numpy or fastText.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.names import safe_name


def bounded(
    default: Any,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    choices: tuple[Any, ...] | None = None,
    file_name: bool = False,
) -> Any:
    """A dataclass field with a range (and/or a set of allowed values) that `checked` enforces;
    `file_name=True`: a string that becomes a path component (checked by core.names.safe_name)."""
    meta = {
        k: v
        for k, v in (("gt", gt), ("ge", ge), ("lt", lt), ("le", le), ("choices", choices))
        if v is not None
    }
    if file_name:
        meta["file_name"] = True
    return dataclasses.field(default=default, metadata=meta)


def _range_text(meta: Mapping[str, Any]) -> str:
    parts = [
        f"{sym} {meta[k]:g}" for k, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")) if k in meta
    ]
    return " and ".join(parts)


def _check_range(v: float, name: str, kind: str, meta: Mapping[str, Any]) -> None:
    ok = (
        ("gt" not in meta or v > meta["gt"])
        and ("ge" not in meta or v >= meta["ge"])
        and ("lt" not in meta or v < meta["lt"])
        and ("le" not in meta or v <= meta["le"])
    )
    if not ok:
        raise DolmalikeError(f"`{name}` must be {kind} {_range_text(meta)} (got {v!r})")


def as_int(v: Any, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """An integer (an integral float from YAML counts; a bool or a string does not) in [lo, hi]."""
    if isinstance(v, bool) or not isinstance(v, int | float) or (isinstance(v, float) and not v.is_integer()):
        raise DolmalikeError(f"`{name}` must be an integer (got {v!r})")
    meta = {k: b for k, b in (("ge", lo), ("le", hi)) if b is not None}
    _check_range(v, name, "an integer", meta)
    return int(v)


def as_float(v: Any, name: str, lo: float | None = None, hi: float | None = None) -> float:
    """A finite number in [lo, hi] (bools are not numbers here)."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise DolmalikeError(f"`{name}` must be a number (got {v!r})")
    meta = {k: b for k, b in (("ge", lo), ("le", hi)) if b is not None}
    _check_range(v, name, "a number", meta)
    return float(v)


def _check(v: Any, name: str, tp: Any, meta: Mapping[str, Any]) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(tp)
        if v is None and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _check(v, name, rest[0], meta)
        return v  # a real union (e.g. str | list[dict]): the consumer interprets it
    if tp is bool:
        if not isinstance(v, bool):
            raise DolmalikeError(f"`{name}` must be true or false (got {v!r})")
        return v
    if tp is int:
        out: Any = as_int(v, name)
        _check_range(v, name, "an integer", meta)
    elif tp is float:
        out = as_float(v, name)
        _check_range(v, name, "a number", meta)
    elif tp is str:
        if not isinstance(v, str):
            raise DolmalikeError(f"`{name}` must be a string (got {v!r})")
        out = safe_name(v, f"`{name}`") if meta.get("file_name") else v
    elif origin in (tuple, list):
        if not isinstance(v, list | tuple):
            raise DolmalikeError(f"`{name}` must be a list (got {v!r})")
        item_types = [a for a in typing.get_args(tp) if a is not Ellipsis]
        if len(item_types) > 1 and len(v) != len(item_types):
            raise DolmalikeError(f"`{name}` must have {len(item_types)} items (got {v!r})")
        if item_types and all(a is str for a in item_types) and not all(isinstance(x, str) for x in v):
            raise DolmalikeError(f"`{name}` must be a list of strings (got {v!r})")
        out = origin(v)
    else:
        return v  # dicts, nested configs, Any: checked by their own consumer
    if "choices" in meta and out not in meta["choices"]:
        raise DolmalikeError(f"`{name}` must be one of {', '.join(map(str, meta['choices']))} (got {v!r})")
    return out


@cache
def _fields(cls: type) -> dict[str, tuple[Any, Mapping[str, Any]]]:
    hints = typing.get_type_hints(cls)
    return {f.name: (hints[f.name], f.metadata) for f in dataclasses.fields(cls) if f.init}


def checked(cls: type, values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """`values` converted to `cls`'s field types, each in its declared range; unknown keys fail.

    Returns only the keys given (defaults stay with the dataclass), ready for `cls(**out)`."""
    spec = _fields(cls)
    unknown = sorted(set(values) - set(spec))
    if unknown:
        raise DolmalikeError(
            f"{where}: unknown option(s) {', '.join(map(str, unknown))}; valid: {', '.join(spec)}"
        )
    out = {}
    for k, v in values.items():
        tp, meta = spec[k]
        try:
            out[k] = _check(v, k, tp, meta)
        except DolmalikeError as e:
            raise DolmalikeError(f"{where}: {e}") from None
    return out


def check_instance(obj: Any, where: str) -> None:
    """Validate every field of a constructed config dataclass (for `__post_init__`)."""
    checked(type(obj), {name: getattr(obj, name) for name in _fields(type(obj))}, where)
