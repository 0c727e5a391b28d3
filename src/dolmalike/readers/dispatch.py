"""Pick the reader for an input file: by name first, then by sniffing its first bytes."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from urllib.parse import urlsplit

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for
from dolmalike.fetch.resumable import ReadPolicy
from dolmalike.readers.interrupted import flag_if_transient
from dolmalike.readers.jsonl import read_jsonl
from dolmalike.readers.unique_ids import unique_doc_ids
from dolmalike.readers.warc import DEFAULT_MAX_RECORD_BYTES, open_input, read_warc

WARC = "warc"
JSONL = "jsonl"

_WARC_SUFFIXES = (".warc", ".wet", ".wat", ".arc")
_JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
_COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd", ".lz4")
_SNIFF_BYTES = 4096


def format_from_name(path: str) -> str | None:
    """'x.warc.gz', 'x.warc.wet.gz', 'x.warc' -> warc; 'x.jsonl.zst', 'x.json.gz' -> jsonl; else None."""
    name = urlsplit(path).path.lower() if "://" in path else path.lower()
    for suffix in _COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(_WARC_SUFFIXES):
        return WARC
    if name.endswith(_JSONL_SUFFIXES):
        return JSONL
    return None


def format_from_bytes(head: bytes) -> str | None:
    """Sniff decompressed content: 'WARC/' -> warc, '{' -> jsonl."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(31).decompress(head, 256)
        except zlib.error:
            return None
    elif head.startswith(b"\x28\xb5\x2f\xfd"):
        import zstandard

        try:
            head = zstandard.ZstdDecompressor().decompressobj().decompress(head)[:256]
        except zstandard.ZstdError:
            return None
    if head.startswith(b"WARC/"):
        return WARC
    if head.lstrip().startswith(b"{"):
        return JSONL
    return None


def sniff_format(path: str, policy: ReadPolicy | None = None) -> str | None:
    with open_input(path, policy) as fh:
        return format_from_bytes(fh.read(_SNIFF_BYTES))


def open_reader(
    path: str,
    partition: str,
    *,
    source: str | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    policy: ReadPolicy | None = None,
) -> Iterator[Document]:
    """Documents of one input file (= one partition), in file order, with unique doc_ids; never
    raises on bad input.

    `source`: None means "commoncrawl" for WARC/WET files from a Common Crawl crawl and "warc" for
    other WARCs, and each line's own source for JSONL.
    `policy`: how remote inputs are retried (see `fetch.resumable`).
    """
    fmt = format_from_name(path)
    if fmt is None:
        try:
            fmt = sniff_format(path, policy)
        except Exception as e:  # noqa: BLE001 - reported as an error record below
            return _single_error(path, partition, source, f"cannot open: {type(e).__name__}: {e}", e)
    if fmt == WARC:
        return unique_doc_ids(read_warc(path, partition, source, max_record_bytes, policy), partition)
    if fmt == JSONL:
        return read_jsonl(path, partition, source, policy)
    return _single_error(path, partition, source, "unrecognised input format (expected WARC/WET or JSONL)")


def _single_error(
    path: str, partition: str, source: str | None, message: str, exc: BaseException | None = None
) -> Iterator[Document]:
    doc = Document(
        doc_id=doc_id_for(f"{partition}@0"),
        source=source or "",
        warc_path=path,
        warc_offset=0,
        partition=partition,
        error=f"{path}@0: {message}",
    )
    yield doc if exc is None else flag_if_transient(doc, exc)
