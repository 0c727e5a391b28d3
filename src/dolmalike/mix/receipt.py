"""MIX_DIR/receipt.json: the inputs (run, spec, tokenizer) and every output with its sha256.

Same shape as the run receipt ("outputs": {relpath: {size, sha256}}), nothing time- or
worker-dependent, so repeated builds give byte-identical receipts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dolmalike.core.hashing import sha256_file
from dolmalike.io.atomic import atomic_write_json
from dolmalike.io.receipt import hash_outputs, package_versions, verify_outputs
from dolmalike.manifests.mix_layout import MixLayout


def mix_output_files(layout: MixLayout) -> list[Path]:
    files: set[Path] = set()
    for split in (layout.train, layout.heldout):
        for d in split.output_dirs():
            if d.is_dir():
                files.update(p for p in d.rglob("*") if p.is_file() and not p.name.startswith("."))
    files.update(f for f in (layout.mix_json, layout.tokenizer) if f.is_file())
    return sorted(files)


def write_mix_receipt(
    layout: MixLayout,
    run_dir: Path,
    spec_path: Path,
    mix_json: dict[str, Any],
    run_dir_label: str | None = None,
) -> dict[str, Any]:
    run_receipt = run_dir / "receipt.json"
    receipt = {
        "run_dir": run_dir_label or MixLayout.relative_run_dir(run_dir, layout.root),
        "run_receipt_sha256": sha256_file(str(run_receipt)) if run_receipt.is_file() else None,
        "spec_sha256": sha256_file(str(spec_path)),
        "seed": mix_json["seed"],
        "tokenizer": mix_json["tokenizer"],
        "tokenizer_sha256": mix_json["tokenizer_sha256"],
        "packages": package_versions(),
        "outputs": hash_outputs(layout.root, mix_output_files(layout)),
    }
    atomic_write_json(layout.receipt, receipt)
    return receipt


def verify_mix(mix_dir: str | Path) -> tuple[list[str], list[str], list[str]]:
    """(mismatched, missing, unexpected) output paths relative to MIX_DIR."""
    layout = MixLayout.of(mix_dir)
    return verify_outputs(layout.root, mix_output_files(layout))
