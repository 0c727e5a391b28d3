"""Documents between stages: zstd Parquet (default) or Dolma-compatible jsonl.zst.

One file per input partition, rows in input order, so a file's bytes depend only on that
partition's input and the config.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from dolmalike.core.document import DERIVED_FIELDS, PROVENANCE_FIELDS, STORED_FIELDS, Document
from dolmalike.core.schema import LOCATION, PROVENANCE
from dolmalike.io.atomic import atomic_open, atomic_write_parquet

ROW_GROUP_DOCS = 1024

# The metadata keys whose type is fixed: what the WARC reader sets (http_status for a response,
# language / refers_to from a WET record's headers) and what `extract` adds. Every other key
# (a JSONL input's own metadata, input_id, added, input_attributes, reader notes) is input-specific
# and stays JSON text in `metadata_json`; so does a fixed key whose value has another type (e.g.
# http_status null: "no HTTP status line"), so that reading a file back gives the same dict.
METADATA_TYPE = pa.struct(
    [
        ("http_status", pa.int64()),
        ("language", pa.string()),
        ("refers_to", pa.string()),
        ("charset", pa.string()),
        ("charset_source", pa.string()),
    ]
)
_METADATA_PY = {f.name: int if pa.types.is_integer(f.type) else str for f in METADATA_TYPE}

# Kept documents: provenance, location and the text as the streaming stages left it.
DOCS_SCHEMA = pa.schema(
    PROVENANCE[:1]
    + [("text", pa.string())]
    + PROVENANCE[1:]
    + LOCATION
    + [("metadata", METADATA_TYPE), ("metadata_json", pa.string())]
)


def _fits(key: str, value: object) -> bool:
    kind = _METADATA_PY.get(key)
    if kind is int:  # bool is an int to Python, not to the column; int64 bounds
        return type(value) is int and -(2**63) <= value < 2**63  # type: ignore[operator]
    return kind is not None and type(value) is kind


def split_metadata(meta: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """(the METADATA_TYPE struct value, JSON text of the remaining keys or None)."""
    typed = {k: None for k in _METADATA_PY}
    rest: dict[str, Any] = {}
    for k, v in meta.items():
        if _fits(k, v):
            typed[k] = v
        else:
            rest[k] = v
    return typed, (json.dumps(rest, sort_keys=True) if rest else None)


def join_metadata(typed: dict[str, Any] | None, rest: str | None) -> dict[str, Any]:
    """Inverse of split_metadata."""
    meta = {k: v for k, v in (typed or {}).items() if v is not None}
    meta.update(json.loads(rest) if rest else {})
    return meta


def docs_to_table(docs: Iterable[Document]) -> pa.Table:
    cols: dict[str, list] = {name: [] for name in DOCS_SCHEMA.names}
    for d in docs:
        for name in PROVENANCE_FIELDS:
            cols[name].append(getattr(d, name))
        cols["text"].append(d.text)
        cols["partition"].append(d.partition)
        cols["ordinal"].append(d.ordinal)
        typed, rest = split_metadata(d.metadata)
        cols["metadata"].append(typed)
        cols["metadata_json"].append(rest)
    return pa.table(cols, schema=DOCS_SCHEMA)


def table_to_docs(table: pa.Table) -> Iterator[Document]:
    for row in table.to_pylist():
        meta = join_metadata(row.pop("metadata", None), row.pop("metadata_json", None))
        for name in DERIVED_FIELDS:
            row.pop(name, None)
        yield Document(**row, metadata=meta)


def write_docs(path: str | Path, docs: Iterable[Document]) -> None:
    path = Path(path)
    if path.name.endswith(".jsonl.zst"):
        _write_dolma_jsonl(path, docs)
    else:
        # Bounded row groups let global steps stream a partition in batches instead of whole.
        atomic_write_parquet(path, docs_to_table(docs), row_group_size=ROW_GROUP_DOCS)


def read_docs_table(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    path = Path(path)
    if path.name.endswith(".jsonl.zst"):
        table = docs_to_table(_read_dolma_jsonl(path))
        return table.select(columns) if columns else table
    return pq.read_table(path, columns=columns)


def read_docs(path: str | Path) -> Iterator[Document]:
    yield from table_to_docs(read_docs_table(path))


# Dolma layout: {"id", "text", "source", "added", "created", "metadata": {...}}; our provenance
# goes into metadata so a Dolma toolkit can consume the files unchanged.
_DOLMA_KEYS = ("doc_id", "source", "fetch_date_raw")  # top-level id, source and created


def _write_dolma_jsonl(path: Path, docs: Iterable[Document]) -> None:
    cctx = zstandard.ZstdCompressor(level=3)
    with atomic_open(path) as f, cctx.stream_writer(f, closefd=False) as w:
        for d in docs:
            meta = {k: getattr(d, k) for k in STORED_FIELDS if k not in _DOLMA_KEYS}
            meta.update(partition=d.partition, ordinal=d.ordinal, extra=d.metadata)
            rec = {
                "id": d.doc_id,
                "text": d.text,
                "source": d.source,
                "created": d.fetch_date_raw,
                "metadata": meta,
            }
            w.write((json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n").encode())


def _read_dolma_jsonl(path: Path) -> Iterator[Document]:
    with open(path, "rb") as f:
        reader = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(f), encoding="utf-8")
        for line in reader:
            rec = json.loads(line)
            meta = rec.get("metadata") or {}
            extra = meta.pop("extra", {}) or {}
            yield Document(
                doc_id=rec["id"],
                text=rec["text"],
                source=rec.get("source", ""),
                fetch_date_raw=rec.get("created"),
                **{k: meta.get(k) for k in STORED_FIELDS if k not in _DOLMA_KEYS},
                partition=meta.get("partition", ""),
                ordinal=meta.get("ordinal", 0),
                metadata=extra,
            )
