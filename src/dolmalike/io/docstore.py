"""Documents between stages: zstd Parquet (default) or Dolma-compatible jsonl.zst.

One file per input partition, rows in input order, so a file's bytes depend only on that
partition's input and the config.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from dolmalike.core.document import PROVENANCE_FIELDS, Document
from dolmalike.core.schema import LOCATION, PROVENANCE
from dolmalike.io.atomic import atomic_open, atomic_write_parquet

ROW_GROUP_DOCS = 1024

# Kept documents: provenance, location and the text as the streaming stages left it.
DOCS_SCHEMA = pa.schema(
    PROVENANCE[:1] + [("text", pa.string())] + PROVENANCE[1:] + LOCATION + [("metadata", pa.string())]
)


def docs_to_table(docs: Iterable[Document]) -> pa.Table:
    cols: dict[str, list] = {name: [] for name in DOCS_SCHEMA.names}
    for d in docs:
        for name in PROVENANCE_FIELDS:
            cols[name].append(getattr(d, name))
        cols["text"].append(d.text)
        cols["partition"].append(d.partition)
        cols["ordinal"].append(d.ordinal)
        cols["metadata"].append(json.dumps(d.metadata, sort_keys=True) if d.metadata else None)
    return pa.table(cols, schema=DOCS_SCHEMA)


def table_to_docs(table: pa.Table) -> Iterator[Document]:
    for row in table.to_pylist():
        meta = row.pop("metadata", None)
        yield Document(**row, metadata=json.loads(meta) if meta else {})


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
def _write_dolma_jsonl(path: Path, docs: Iterable[Document]) -> None:
    cctx = zstandard.ZstdCompressor(level=3)
    with atomic_open(path) as f, cctx.stream_writer(f, closefd=False) as w:
        for d in docs:
            meta = {k: getattr(d, k) for k in PROVENANCE_FIELDS if k not in ("doc_id", "source")}
            meta.update(partition=d.partition, ordinal=d.ordinal, extra=d.metadata)
            rec = {
                "id": d.doc_id,
                "text": d.text,
                "source": d.source,
                "created": d.fetch_date,
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
                **{k: meta.get(k) for k in PROVENANCE_FIELDS if k not in ("doc_id", "source")},
                partition=meta.get("partition", ""),
                ordinal=meta.get("ordinal", 0),
                metadata=extra,
            )
