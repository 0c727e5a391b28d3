"""Replay real WARC files into a larger crawl: copies with rewritten record ids and URLs.

Copy k of a file gets, in every record, WARC-Record-ID (and the ids that point at records:
WARC-Refers-To, WARC-Concurrent-To, WARC-Warcinfo-ID) replaced by a uuid5 of (k, old id), and
WARC-Target-URI with a `replay=k` query parameter, so readers see distinct documents and URL
dedup does not fold the copies. Record blocks (HTTP headers + payload) are byte-identical, so
Content-Length and the digests stay valid, and content/near-dup dedup still finds the copies:
the replayed crawl is one with many mirrored pages. Every record is written as its own gzip
member (the WARC convention), whatever the source's member layout; the copies of all sources
(WARC and WET records alike) are appended into a few large files, like real crawl files.

`distinct=True` makes every copy after the first a *different* document instead of a mirror:
in each line of its text (WET conversions whole; in HTML responses the text between tags) the
words but the last trade places, by a seeded shuffle per copy. The words, the language, line
ends and lengths stay (so only the digests are recomputed; language ID and the C4/Gopher rules
see the same kind of text), the word 5-grams do not: content, paragraph and near-dup dedup keep
most copies, and every stage after them (MinHash signatures, the mix, tokenization) sees a
crawl's volume, not one copy's. Pages of one- or two-word lines stay near-duplicates, as menus do
on a crawl. Compressed or chunked HTTP bodies are left as they are (they stay mirrors).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
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


_TEXT_NODE = re.compile(rb">([^<]+)<")
_CODED = re.compile(rb"^(content-encoding|transfer-encoding):\s*(?!identity)\S", re.IGNORECASE | re.MULTILINE)
_TYPE = re.compile(rb"^warc-type:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_DIGESTS = re.compile(
    rb"^(WARC-Block-Digest|WARC-Payload-Digest):[^\r\n]*(\r\n|$)", re.IGNORECASE | re.MULTILINE
)


_WORDS = re.compile(rb"(\s+)")


def _shuffle_words(text: bytes, rng: random.Random) -> bytes:
    """Each line's words but its last in a new order, separators where they were."""
    out = []
    for line in text.split(b"\n"):
        parts = _WORDS.split(line)  # words at even indexes (maybe b""), separators at odd ones
        words = parts[0::2]
        if len(words) > 2:
            head = words[:-1]
            rng.shuffle(head)
            parts[0::2] = [*head, words[-1]]
        out.append(b"".join(parts))
    return b"\n".join(out)


def _distinct_block(head: bytes, block: bytes, rng: random.Random) -> bytes:
    kind = _TYPE.search(head)
    kind = kind.group(1).lower() if kind else b""
    if kind == b"conversion":
        return _shuffle_words(block, rng)
    if kind != b"response":
        return block
    http_head, sep, body = block.partition(b"\r\n\r\n")
    if not sep or _CODED.search(http_head) or b"html" not in http_head.lower():
        return block
    body = _TEXT_NODE.sub(lambda m: b">" + _shuffle_words(m.group(1), rng) + b"<", body)
    return http_head + sep + body


def _sha1(data: bytes) -> bytes:
    return b"sha1:" + base64.b32encode(hashlib.sha1(data).digest())


def _with_digests(head: bytes, block: bytes) -> bytes:
    """`head` with its digests recomputed for `block` (the payload digest over the HTTP body)."""
    had_payload = re.search(rb"^WARC-Payload-Digest:", head, re.IGNORECASE | re.MULTILINE)
    had_block = re.search(rb"^WARC-Block-Digest:", head, re.IGNORECASE | re.MULTILINE)
    head = _DIGESTS.sub(b"", head).rstrip(b"\r\n")
    if had_block:
        head += b"\r\nWARC-Block-Digest: " + _sha1(block)
    if had_payload:
        _, sep, body = block.partition(b"\r\n\r\n")
        head += b"\r\nWARC-Payload-Digest: " + _sha1(body if sep else block)
    return head


def _copy_bytes(records: list[tuple[bytes, bytes]], copy: int, distinct: bool) -> bytes:
    """Copy `copy` of the records, gzip per record."""
    rng = random.Random(copy) if distinct and copy > 0 else None
    out = []
    for head, block in records:
        head = _rewrite(head, copy)
        if rng is not None:
            new = _distinct_block(head, block, rng)
            if new != block:
                head, block = _with_digests(head, new), new
        out.append(gzip.compress(head + b"\r\n\r\n" + block + b"\r\n\r\n", 6, mtime=0))
    return b"".join(out)


def replay(
    sources: list[Path], out_dir: Path, target_bytes: int, file_bytes: int, distinct: bool = False
) -> list[Path]:
    """Copies 0, 1, ... of all `sources` until they total >= target_bytes, appended into files
    of about file_bytes each (real crawl files are large: per-file costs must not dominate).
    Files already there from an identical earlier call are reused."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = out_dir / "replay.json"
    want = json.dumps(
        {
            "sources": [str(p) for p in sources],
            "target": target_bytes,
            "file": file_bytes,
            "distinct": distinct,
        }
    )
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
                size += f.write(_copy_bytes(records, copy, distinct))
                copy += 1
        total += size
        written.append(path)
    stamp.write_text(want)
    return written
