"""Shared test helpers: independent record counts (warcio) and byte-level WARC surgery."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

INPUT_TYPES = ("response", "conversion")
# Standard WARC types that hold no page: the reader skips these and only these without a row.
SKIPPED_TYPES = ("warcinfo", "request", "metadata", "resource", "revisit", "continuation")


def warcio_records(path: Path) -> list[tuple[str, int, str | None]]:
    """(type, offset, WARC-Record-ID) of every record, counted by warcio (not fastwarc)."""
    out = []
    with open(path, "rb") as fh:
        # no_record_parse: warcio's HTTP-header parsing crashes on a response with no WARC-Target-URI
        it = ArchiveIterator(fh, no_record_parse=True)
        for rec in it:
            out.append((rec.rec_type, it.get_record_offset(), rec.rec_headers.get_header("WARC-Record-ID")))
    return out


def warcio_inputs(path: Path) -> list[tuple[str, int, str | None]]:
    """Records that must each leave one row: pages, and records with no or an unknown WARC-Type."""
    return [r for r in warcio_records(path) if r[0] not in SKIPPED_TYPES]


def gzip_members(data: bytes) -> list[tuple[int, bytes]]:
    """(compressed offset, decompressed bytes) of each gzip member."""
    out, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        raw = d.decompress(data[pos:])
        out.append((pos, raw))
        pos = len(data) - len(d.unused_data)
    return out


def regzip(raws: list[bytes]) -> bytes:
    return b"".join(gzip.compress(r, mtime=0) for r in raws)


def with_content_length(raw_record: bytes, value: bytes) -> bytes:
    return re.sub(rb"Content-Length: [^\r\n]*", b"Content-Length: " + value, raw_record, count=1)
