"""Receipt building blocks shared by run and mix receipts: package versions, input and output hashes.

Nothing time- or machine-dependent goes in (no timestamps, no worker count), so the same
inputs + config + seed give a byte-identical receipt.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import sha256_file

_PACKAGES = (
    "dolmalike",
    "datatrove",
    "pyarrow",
    "duckdb",
    "fastwarc",
    "resiliparse",
    "trafilatura",
    "fasttext-numpy2-wheel",
    "datasketch",
    "tokenizers",
    "numpy",
    "xxhash",
    "zstandard",
)


def package_versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_entry(path: str) -> dict[str, Any]:
    if "://" in path:
        return {"path": path, "size": None, "sha256": None}
    return {"path": path, "size": os.path.getsize(path), "sha256": sha256_file(path)}


def hash_outputs(root: Path, files: list[Path]) -> dict[str, dict[str, Any]]:
    return {
        str(p.relative_to(root)): {"size": p.stat().st_size, "sha256": sha256_file(str(p))} for p in files
    }


def verify_outputs(root: Path, files: list[Path]) -> tuple[list[str], list[str], list[str]]:
    """(mismatched, missing, unexpected) paths relative to `root`, against root/receipt.json."""
    receipt_path = root / "receipt.json"
    if not receipt_path.is_file():
        raise DolmalikeError(f"no receipt.json in {root}")
    try:
        expected = json.loads(receipt_path.read_text()).get("outputs", {})
    except json.JSONDecodeError as e:
        raise DolmalikeError(f"{receipt_path}: not valid JSON ({e})") from e
    actual = {str(p.relative_to(root)): p for p in files}
    mismatched = [
        rel
        for rel, meta in sorted(expected.items())
        if rel in actual and sha256_file(str(actual[rel])) != meta["sha256"]
    ]
    return mismatched, sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
