"""argparse `type=` checks for numbers, ranges and paths, so a bad flag is one usage error (exit 2)
before any work starts. Numbers go through core.typedconfig, the same checks config files get."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.typedconfig import as_float, as_int


def _number(text: str, parse: Callable[[str], float]) -> float:
    try:
        return parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def int_at_least(lo: int, hi: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return as_int(_number(text, int), "value", lo, hi)
        except DolmalikeError:
            bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"must be an integer {bound}, got {text!r}") from None

    parse.__name__ = "integer"  # argparse names the type in "invalid integer value: 'x'"
    return parse


def float_in(lo: float, hi: float | None = None, *, open_lo: bool = False) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = _number(text, float)
        try:
            as_float(value, "value", lo, hi)
            if open_lo and value == lo:
                raise DolmalikeError("at the open bound")
        except DolmalikeError:
            low = f"> {lo:g}" if open_lo else f">= {lo:g}"
            bound = f"{low} and <= {hi:g}" if hi is not None else low
            raise argparse.ArgumentTypeError(f"must be a number {bound}, got {text!r}") from None
        return value

    parse.__name__ = "number"
    return parse


def existing_dir(text: str) -> str:
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"not a directory: {text!r}")
    return text


def existing_path(text: str) -> str:
    if not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"no such file or directory: {text!r}")
    return text


def out_dir(text: str) -> str:
    """A directory to create or reuse: anything but an existing non-directory; or s3://BUCKET/PREFIX."""
    if text.startswith("s3://"):
        from dolmalike.io.cachedirs import split_s3_dir

        try:
            split_s3_dir(text)
        except DolmalikeError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        return text
    p = Path(text)
    if p.exists() and not p.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a directory")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(f"{str(parent)!r} (in {text!r}) is not a directory")
            break
    return text


def out_file(text: str) -> str:
    """A file to create or replace: not a directory, and its parent is not a file."""
    p = Path(text)
    if p.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory")
    out_dir(str(p.parent))
    return text
