"""A Dolma dataset's existing attributes, read beside its documents on import.

Dolma layout: `ROOT/documents/NAME` and, per attribute set, `ROOT/attributes/SET/NAME`, each line
`{"id", "attributes": {...}}` aligned with the document file's lines (non-blank line i of the
attribute file belongs to non-blank document line i). The importer keeps each document's
attributes under `metadata["input_attributes"][SET]`, so an export writes them back unchanged.

A misaligned file is never trusted silently: a document whose attribute line is missing or names
another id becomes an error record (read.AttributeLines.check), and surplus attribute lines are
reported once at the end of the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dolmalike.io.textfiles import open_text


def attribute_files(path: str) -> dict[str, Path]:
    """SET -> attribute file for a local `.../documents/NAME` document file (sorted by SET)."""
    if "://" in path:
        return {}
    p = Path(path)
    if p.parent.name != "documents":
        return {}
    root = p.parent.parent / "attributes"
    if not root.is_dir():
        return {}
    return {d.name: d / p.name for d in sorted(root.iterdir()) if d.is_dir() and (d / p.name).is_file()}


class AttributeLines:
    """The non-blank lines of each attribute file of one document file, parsed lazily by index."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files
        self.lines: dict[str, list[str]] = {}
        for name, f in files.items():
            with open_text(f) as fh:
                self.lines[name] = [line for line in fh if line.strip()]

    def __bool__(self) -> bool:
        return bool(self.files)

    def check(self, index: int, input_id: Any) -> tuple[dict[str, Any], str | None]:
        """(SET -> attributes, None) for non-blank document line `index`, or ({}, why it is misaligned)."""
        out: dict[str, Any] = {}
        for name, lines in self.lines.items():
            where = f"attributes/{name}/{self.files[name].name}"
            if index >= len(lines):
                return {}, f"{where} has no line {index + 1} (misaligned attribute file)"
            try:
                rec = json.loads(lines[index])
            except ValueError as e:
                return {}, f"{where} line {index + 1}: invalid JSON: {e}"
            if not isinstance(rec, dict) or rec.get("id") != input_id:
                got = rec.get("id") if isinstance(rec, dict) else None
                return {}, f"{where} line {index + 1}: id {got!r} is not the document's {input_id!r}"
            attrs = rec.get("attributes")
            out[name] = attrs if isinstance(attrs, dict) else {}
        return out, None

    def surplus(self, n_documents: int) -> list[str]:
        """One message per attribute file with more lines than the document file."""
        return [
            f"attributes/{name}/{self.files[name].name} has {len(lines)} lines for {n_documents} documents"
            for name, lines in self.lines.items()
            if len(lines) > n_documents
        ]
