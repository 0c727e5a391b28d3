"""`dolmalike export RUN_DIR --format dolma --out DIR`: a run as a Dolma dataset the dolma toolkit reads.

    DIR/documents/<partition>.jsonl.gz         {"id", "text", "source", "added", "created", "metadata"}
    DIR/attributes/<set>/<partition>.jsonl.gz  {"id", "attributes": {"<set>__<set>__<name>": [[start, end, score], ...]}}

One document line per document with text in RUN_DIR/docs (kept ones, and ones a global step such
as dedup dropped later), in the docs file's order; every attribute file has one line per document
line, same id, `{}` when the tagger has no row for it (Dolma's line alignment).

- id: the document's input id when it was imported from Dolma (metadata.input_id), else its doc_id;
  metadata: the input's own metadata when imported, else the provenance (doc_id, url, WARC file and
  offset, crawl...); created: fetch_date_raw (the date string as read, so the bytes survive even
  when it does not parse); added: the input's `added`, else fetch_date_raw. So export ->
  import -> export gives the same bytes.
- attribute sets: one per tagger table of the run (columns mapped by `_column_attributes`), plus the
  sets an imported document brought along (metadata.input_attributes; the run's own table wins per
  key), plus `dolmalike_fate`: `..__kept` = 1.0 or 0.0 over the whole text and, when dropped,
  `..__dropped_<stage>` = 1.0. A document dropped by an earlier run (its imported fate) stays dropped.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dolmalike.core.document import STORED_FIELDS, Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_bytes
from dolmalike.io.docstore import read_docs
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.query import connect
from dolmalike.tokenize.docfiles import docs_files

FATE = "dolmalike_fate"
SUFFIX = ".jsonl.gz"


def attr_key(attr_set: str, name: str) -> str:
    return f"{attr_set}__{attr_set}__{name}"


def _safe(value: Any) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]", "_", str(value))


def _column_attributes(tagger: str, field: pa.Field, value: Any, n: int) -> dict[str, list[list[float]]]:
    """One tagger column of one document as Dolma attributes (character spans, numeric scores)."""
    if value is None:
        return {}
    t, name = field.type, field.name
    if pa.types.is_boolean(t):
        return {attr_key(tagger, name): [[0, n, 1.0 if value else 0.0]]}
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return {attr_key(tagger, name): [[0, n, float(value)]]}
    if pa.types.is_string(t) or pa.types.is_large_string(t):  # a label: one attribute per value
        return {attr_key(tagger, f"{name}_{_safe(value)}"): [[0, n, 1.0]]}
    if pa.types.is_list(t) and pa.types.is_struct(t.value_type):
        names = [f.name for f in t.value_type]
        if {"start", "end", "score"} <= set(names):  # SPANS
            return {attr_key(tagger, name): [[s["start"], s["end"], float(s["score"])] for s in value]}
        label = next((x for x in names if x != "score"), None)
        if label and "score" in names:  # top-k (label, score)
            return {attr_key(tagger, f"{name}_{_safe(s[label])}"): [[0, n, float(s["score"])]] for s in value}
    if pa.types.is_list(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)):
        return {attr_key(tagger, f"{name}_{_safe(v)}"): [[0, n, 1.0]] for v in value}
    return {}  # other types have no Dolma span form; the Parquet table keeps them


def _doc_line(d: Document) -> dict[str, Any]:
    meta = d.metadata or {}
    if "input_metadata" in meta or "input_id" in meta:
        metadata = meta.get("input_metadata") or {}
    else:
        metadata = {k: getattr(d, k) for k in STORED_FIELDS if k != "source"}
        metadata.update(partition=d.partition, ordinal=d.ordinal)
        if meta:
            metadata["extra"] = meta
    input_id = meta.get("input_id")
    return {
        "id": str(input_id) if input_id is not None else d.doc_id,
        "text": d.text,
        "source": d.source,
        "added": meta["added"] if "added" in meta else (d.fetch_date_raw or ""),
        "created": d.fetch_date_raw or "",
        "metadata": metadata,
    }


def _fate(row: tuple[str, str | None] | None, inherited: dict[str, Any], n: int) -> dict[str, Any]:
    out = dict(inherited)  # an earlier run's verdict is kept...
    status, stage = row if row else ("kept", None)
    kept_key = attr_key(FATE, "kept")
    earlier = out.get(kept_key, [[0, n, 1.0]])[0][2]
    out[kept_key] = [[0, n, 1.0 if status == "kept" and earlier else 0.0]]  # ...and dropped wins
    if status != "kept":
        out[attr_key(FATE, f"dropped_{_safe(stage or status)}")] = [[0, n, 1.0]]
    return out


def _write_jsonl_gz(path: Path, rows: list[dict[str, Any]]) -> None:
    data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode("utf-8")
    atomic_write_bytes(path, gzip.compress(data, compresslevel=6, mtime=0))  # mtime=0: same bytes


def export_dolma(run_dir: str | Path, out: str | Path) -> dict[str, Any]:
    """Write the Dolma dataset of RUN_DIR into `out`; returns counts per attribute set."""
    layout, out = RunLayout.of(run_dir), Path(out)
    files = docs_files(run_dir)
    if not files:
        raise DolmalikeError(f"{run_dir}: no documents (RUN_DIR/docs is empty or missing)")
    fate = {
        r[0]: (r[1], r[2])
        for r in connect(run_dir).execute("SELECT doc_id, status, stage FROM documents").fetchall()
    }
    attr_root = layout.manifests / "attributes"
    taggers = sorted(d.name for d in attr_root.iterdir() if d.is_dir()) if attr_root.is_dir() else []
    counts: dict[str, int] = {"documents": 0}
    for partition, path in files.items():
        docs = list(read_docs(path))
        lines = [_doc_line(d) for d in docs]
        own: dict[str, dict[str, dict[str, Any]]] = {}
        for tagger in taggers:
            part = layout.attributes_dir(tagger) / f"{partition}.parquet"
            if part.is_file():
                table = pq.read_table(part)
                fields = [f for f in table.schema if f.name != "doc_id"]
                rows = {r["doc_id"]: r for r in table.to_pylist()}
                own[tagger] = {
                    d.doc_id: {
                        k: v
                        for f in fields
                        for k, v in _column_attributes(tagger, f, rows[d.doc_id][f.name], len(d.text)).items()
                    }
                    for d in docs
                    if d.doc_id in rows
                }
        sets = set(own) | {FATE}
        for d in docs:
            sets |= set((d.metadata or {}).get("input_attributes") or {})
        for attr_set in sorted(sets):
            rows_out = []
            for d, line in zip(docs, lines):
                inherited = ((d.metadata or {}).get("input_attributes") or {}).get(attr_set) or {}
                if attr_set == FATE:
                    attrs = _fate(fate.get(d.doc_id), inherited, len(d.text))
                else:
                    attrs = {**inherited, **own.get(attr_set, {}).get(d.doc_id, {})}
                rows_out.append({"id": line["id"], "attributes": attrs})
            _write_jsonl_gz(out / "attributes" / attr_set / f"{partition}{SUFFIX}", rows_out)
            counts[attr_set] = counts.get(attr_set, 0) + len(rows_out)
        _write_jsonl_gz(out / "documents" / f"{partition}{SUFFIX}", lines)
        counts["documents"] += len(lines)
    return counts
