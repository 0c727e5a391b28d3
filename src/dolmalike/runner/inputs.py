"""Resolve input patterns into partitions: one partition per input file."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import doc_id_for
from dolmalike.core.redact import refuse_userinfo

_EXTS = (
    ".warc.wet.gz",
    ".warc.gz",
    ".wet.gz",
    ".warc",
    ".jsonl.gz",
    ".jsonl.zst",
    ".json.gz",
    ".jsonl",
    ".gz",
)
_INPUT_SUFFIXES = (".warc.gz", ".warc", ".wet.gz", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz")


@dataclass(frozen=True, order=True)
class InputFile:
    partition: str
    path: str


def _is_remote(p: str) -> bool:
    return "://" in p and not p.startswith("file://")


def _expand(pattern: str) -> list[str]:
    if pattern.startswith("s3://") and any(c in pattern for c in "*?["):
        from dolmalike.fetch.s3dir import list_s3_glob

        found = list_s3_glob(pattern)
        if not found:
            raise DolmalikeError(f"input pattern matched no objects: {pattern}")
        return found
    if _is_remote(pattern):
        refuse_userinfo(pattern)  # before anything is written: s3 credentials come from the environment
        return [pattern]
    pattern = pattern.removeprefix("file://")
    if os.path.isdir(pattern):
        found = sorted(
            os.path.join(root, f)
            for root, _, files in os.walk(pattern)
            for f in files
            if f.endswith(_INPUT_SUFFIXES)
        )
        if not found:
            raise DolmalikeError(f"no WARC/WET/JSONL files in directory {pattern}")
        return found
    if any(c in pattern for c in "*?["):
        found = sorted(glob.glob(pattern, recursive=True))
        if not found:
            raise DolmalikeError(f"input pattern matched no files: {pattern}")
        return found
    if not os.path.exists(pattern):
        raise DolmalikeError(f"input not found: {pattern}")
    return [pattern]


def _stem(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    for ext in _EXTS:
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    # A partition key is a file name (core.names.NAME_RE): no separators, never "." or "..".
    return re.sub(r"[^0-9A-Za-z._-]", "_", name).lstrip("._-")[:100] or "input"


def resolve_inputs(patterns: list[str]) -> list[InputFile]:
    """Sorted, de-duplicated input files, each with a stable partition key.

    The key is the file's stem; when two inputs share a stem, both get a short hash of their
    full path appended, so keys stay unique and don't depend on the order inputs were given.
    """
    paths = sorted({p for pat in patterns for p in _expand(pat)})
    stems: dict[str, list[str]] = {}
    for p in paths:
        stems.setdefault(_stem(p), []).append(p)
    out = []
    for stem, group in stems.items():
        for p in group:
            key = stem if len(group) == 1 else f"{stem}-{doc_id_for(p)[:8]}"
            out.append(InputFile(key, p))
    return sorted(out)
