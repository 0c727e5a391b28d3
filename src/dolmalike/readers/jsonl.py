"""Dolma-format JSON lines ({"id", "text", "source", "added", "created", "metadata": {...}}) -> Documents.

A local `ROOT/documents/NAME` file brings its `ROOT/attributes/*/NAME` attributes along
(readers.dolma_attributes).

Plain, gzip or zstd. The document keeps the input's own id, hashed with its source, so the
same document read twice gets the same doc_id. Provenance for JSONL input: warc_path is the
JSONL file, warc_offset the line's byte offset in the decompressed stream (so errors read
"<path>@<offset>" like WARC errors), and metadata keeps the input id, line number and the
input's own metadata (where Dolma keeps its WARC provenance).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for
from dolmalike.fetch.resumable import ReadPolicy
from dolmalike.io.textfiles import decompressed
from dolmalike.readers.dolma_attributes import AttributeLines, attribute_files
from dolmalike.readers.interrupted import flag_if_transient
from dolmalike.readers.warc import crawl_from_name, open_input

DEFAULT_SOURCE = "jsonl"


def read_jsonl(
    path: str, partition: str, source: str | None = None, policy: ReadPolicy | None = None
) -> Iterator[Document]:
    """One Document per non-blank line; a bad line becomes an error pseudo-record, reading goes on.

    `source`: None takes each line's own "source" field (else "jsonl"). `policy`: retries of a
    remote input; a read that gave up ends with an error row flagged as interrupted.
    """
    offset = 0
    ordinal = 0

    def error(at: int, message: str) -> Document:
        nonlocal ordinal
        doc = Document(
            doc_id=doc_id_for(f"{partition}@{at}"),
            source=source or DEFAULT_SOURCE,
            warc_path=path,
            warc_offset=at,
            partition=partition,
            ordinal=ordinal,
            error=f"{path}@{at}: {' '.join(message.split())}",
        )
        ordinal += 1
        return doc

    try:
        raw = open_input(path, policy)
    except Exception as e:  # noqa: BLE001 - bad input is reported, never raised
        yield flag_if_transient(error(0, f"cannot open: {type(e).__name__}: {e}"), e)
        return
    seen: set[str] = set()
    try:
        attrs = AttributeLines(attribute_files(path))
    except Exception as e:  # noqa: BLE001 - an unreadable attribute file is this input's error
        raw.close()
        yield error(0, f"cannot read its Dolma attributes: {type(e).__name__}: {e}")
        return
    index = -1  # non-blank line number: the attribute files' alignment
    with raw:
        try:
            stream = decompressed(raw)
            for lineno, line in enumerate(stream):
                at, offset = offset, offset + len(line)
                if not line.strip():
                    continue
                index += 1
                try:
                    rec = json.loads(line)
                except ValueError as e:
                    yield error(at, f"line {lineno + 1}: invalid JSON: {e}")
                    continue
                if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                    yield error(at, f"line {lineno + 1}: not a document (needs a string 'text')")
                    continue
                input_attrs: dict[str, Any] = {}
                if attrs:
                    input_attrs, why = attrs.check(index, rec.get("id"))
                    if why:
                        yield error(at, f"line {lineno + 1}: {why}")
                        continue
                doc = _document(rec, path, partition, source, at, lineno, seen)
                if input_attrs:
                    doc.metadata["input_attributes"] = input_attrs
                doc.ordinal = ordinal
                ordinal += 1
                yield doc
            for why in attrs.surplus(index + 1) if attrs else []:
                yield error(offset, why)
        except Exception as e:  # noqa: BLE001 - truncated/corrupt compression: stop this file
            yield flag_if_transient(error(offset, f"reading stopped: {type(e).__name__}: {e}"), e)


def _document(
    rec: dict[str, Any], path: str, partition: str, source: str | None, at: int, lineno: int, seen: set[str]
) -> Document:
    src = source or str(rec.get("source") or DEFAULT_SOURCE)
    meta = rec.get("metadata") if isinstance(rec.get("metadata"), dict) else {}
    input_id = rec.get("id")
    key = f"{src}:{input_id}" if input_id is not None else f"{src}:{path}:{lineno}"
    if key in seen:  # the input's ids are not unique: keep both, distinguish by line
        key = f"{key}#{lineno}"
    seen.add(key)
    url = _str(meta.get("url")) or _str(meta.get("warc_url"))
    metadata: dict[str, Any] = {"input_id": input_id, "line": lineno + 1}
    if meta:
        metadata["input_metadata"] = meta
    if isinstance(rec.get("added"), str):  # Dolma's "added"; "created" becomes fetch_date_raw
        metadata["added"] = rec["added"]
    return Document(
        doc_id=doc_id_for(key),
        text=rec["text"],
        source=src,
        url=url,
        crawl=crawl_from_name(_str(meta.get("cc_segment")) or _str(meta.get("warc_filename")) or path),
        warc_path=path,
        warc_offset=at,
        fetch_date_raw=_str(rec.get("created"))
        or _str(meta.get("warc_date"))
        or _str(meta.get("date_download")),
        partition=partition,
        metadata=metadata,
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
