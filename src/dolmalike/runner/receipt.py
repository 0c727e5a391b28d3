"""RUN_DIR/receipt.json: what went in, how, and what came out — enough to audit or diff two runs.

The generic pieces (versions, hashes, verification) are in dolmalike.io.receipt, shared with mixes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dolmalike.core.schema import SCHEMA_VERSION
from dolmalike.io.atomic import atomic_write_json
from dolmalike.io.receipt import hash_outputs, package_versions, verify_outputs
from dolmalike.manifests.layout import RunLayout

# Output trees covered by the receipt (scratch under work/ and _done/ markers are not outputs).
_OUTPUT_DIRS = ("docs", "manifests", "models")


def output_files(layout: RunLayout) -> list[Path]:
    files = []
    for d in _OUTPUT_DIRS:
        root = layout.root / d
        if root.is_dir():
            files += [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return sorted(files)


def write_receipt(
    layout: RunLayout, config: dict[str, Any], config_hash: str, seed: int, inputs: list[dict]
) -> dict:
    receipt = {
        "config": config,
        "config_hash": config_hash,
        "seed": seed,
        "manifest_schema": SCHEMA_VERSION,  # the column types the manifests were written with
        "inputs": inputs,
        "packages": package_versions(),
        "outputs": hash_outputs(layout.root, output_files(layout)),
    }
    atomic_write_json(layout.receipt, receipt)
    return receipt


def unfinished(run_dir: str | Path) -> bool:
    """A RUN_DIR that a run started (its resolved spec is there) but that has no receipt yet."""
    layout = RunLayout.of(run_dir)
    return layout.spec_copy.is_file() and not layout.receipt.is_file()


def verify(run_dir: str | Path) -> tuple[list[str], list[str], list[str]]:
    layout = RunLayout.of(run_dir)
    return verify_outputs(layout.root, output_files(layout))
