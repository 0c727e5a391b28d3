"""Replay real WARC files into a larger crawl: copies with rewritten record ids and URLs.

Copy k of a file gets, in every record, WARC-Record-ID (and the ids that point at records:
WARC-Refers-To, WARC-Concurrent-To, WARC-Warcinfo-ID) replaced by a uuid5 of (k, old id), and
WARC-Target-URI with a `replay=k` query parameter, so readers see distinct documents and URL
dedup does not fold the copies. Record blocks (HTTP headers + payload) are byte-identical, so
Content-Length and the digests stay valid, and content/near-dup dedup still finds the copies:
the replayed crawl is one with many mirrored pages. Every record is written as its own gzip
member (the WARC convention), whatever the source's member layout; the copies of all sources
(WARC and WET records alike) are appended into a few large files, like real crawl files.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

_ID_HEADERS = (b"warc-record-id", b"warc-refers-to", b"warc-concurrent-to", b"warc-warcinfo-id")
_LENGTH = re.compile(rb"^content-length:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)


def _decompressed(path: Path) -> bytes:
    """All gzip members of `path`, concatenated (a plain file is returned as is)."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    out, rest = [], raw
    while rest[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(31)
        out.append(d.decompress(rest))
        rest = d.unused_data
    return b"".join(out)


def _records(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(header block without its blank line, content block) of each WARC record."""
    pos = 0
    while True:
        start = data.find(b"WARC/", pos)
        if start < 0:
            return
        end = data.find(b"\r\n\r\n", start)
        if end < 0:
            return
        head = data[start:end]
        m = _LENGTH.search(head)
        if m is None:
            return
        block_start = end + 4
        block_end = block_start + int(m.group(1))
        yield head, data[block_start:block_end]
        pos = block_end


def _rewrite(head: bytes, copy: int) -> bytes:
    lines = head.split(b"\r\n")
    for i, line in enumerate(lines):
        name, sep, value = line.partition(b":")
        key = name.strip().lower()
        if not sep:
            continue
        value = value.strip()
        if key in _ID_HEADERS and value:
            new = uuid.uuid5(uuid.NAMESPACE_URL, f"replay-{copy}/{value.decode('latin-1')}")
            lines[i] = name + b": <urn:uuid:" + str(new).encode() + b">"
        elif key == b"warc-target-uri" and value:
            url = value.strip(b"<>")
            joiner = b"&" if b"?" in url else b"?"
            lines[i] = name + b": " + url + joiner + b"replay=" + str(copy).encode()
    return b"\r\n".join(lines)


def _copy_bytes(records: list[tuple[bytes, bytes]], copy: int) -> bytes:
    """Copy `copy` of the records, gzip per record."""
    return b"".join(
        gzip.compress(_rewrite(head, copy) + b"\r\n\r\n" + block + b"\r\n\r\n", 6, mtime=0)
        for head, block in records
    )


def replay(sources: list[Path], out_dir: Path, target_bytes: int, file_bytes: int) -> list[Path]:
    """Copies 0, 1, ... of all `sources` until they total >= target_bytes, appended into files
    of about file_bytes each (real crawl files are large: per-file costs must not dominate).
    Files already there from an identical earlier call are reused."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = out_dir / "replay.json"
    want = json.dumps({"sources": [str(p) for p in sources], "target": target_bytes, "file": file_bytes})
    if stamp.is_file() and stamp.read_text() == want:
        return sorted(out_dir.glob("replay-*.warc.gz"))
    for old in out_dir.glob("replay-*.warc.gz"):
        old.unlink()
    records = [r for src in sources for r in _records(_decompressed(src))]
    written: list[Path] = []
    total, copy = 0, 0
    while total < target_bytes:
        path = out_dir / f"replay-{len(written):04d}.warc.gz"
        size = 0
        with open(path, "wb") as f:
            while size < file_bytes and total + size < target_bytes:
                size += f.write(_copy_bytes(records, copy))
                copy += 1
        total += size
        written.append(path)
    stamp.write_text(want)
    return written
