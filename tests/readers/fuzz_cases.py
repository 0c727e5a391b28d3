"""The fuzz campaign's corruptions of the real WARC/WET samples, as data: each case is a file
built from pieces whose fate is known, so what the reader must report follows from them.

A `Piece` is a run of bytes in the corrupted file: an intact record (warcio's type and id,
read from the source it came from), a damaged record (must become one error row at its
offset), a record that may survive the damage (kept or one error row), or junk that holds no
record (one error row at its offset). Every input record therefore has exactly one expected
row, and the expected count is independent of the reader under test: it comes from warcio and
from where the damage was put.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from readers_helpers import SKIPPED_TYPES, gzip_members, warcio_records, with_content_length

INTACT, DAMAGED, MAYBE, JUNK = "intact", "damaged", "maybe", "junk"

SOURCES = {
    "cc": "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz",  # 50 records, 16 responses
    "wget": "warc_other/dolma-wget-sample-0000.warc.gz",  # 48 records, 22 responses (wget's layout)
    "whirl": "commoncrawl/whirlwind.warc.gz",  # warcinfo, request, response, metadata
    "wet": "commoncrawl/whirlwind.warc.wet.gz",  # warcinfo, conversion
}


@dataclass(frozen=True)
class Record:
    raw: bytes  # the record, uncompressed
    gz: bytes  # its gzip member as stored in the source file
    type: str
    record_id: str | None

    @property
    def is_input(self) -> bool:
        return self.type not in SKIPPED_TYPES

    def __repr__(self) -> str:  # the bytes would drown hypothesis' reports
        return f"Record({self.type}, {self.record_id}, {len(self.raw)} bytes)"


@dataclass(frozen=True)
class Piece:
    data: bytes
    fate: str  # INTACT / DAMAGED / MAYBE / JUNK
    record: Record | None = None


@dataclass
class Case:
    name: str
    family: str
    filename: str
    pieces: list[Piece]
    # rows whose offset cannot be known in advance (e.g. a 50 MB record's error) are checked by count only
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def data(self) -> bytes:
        return b"".join(p.data for p in self.pieces)

    def expected(self) -> Iterator[tuple[int, str, Record | None]]:
        """(offset, fate, record) of every row the reader must produce, in file order."""
        at = 0
        for p in self.pieces:
            if p.fate == JUNK or p.fate == DAMAGED or (p.record is not None and p.record.is_input):
                yield at, p.fate, p.record
            at += len(p.data)


def load_records(shared_data: Path, key: str) -> list[Record]:
    """The source's records, with types and ids as warcio (not fastwarc) reads them."""
    path = shared_data / SOURCES[key]
    data = path.read_bytes()
    members = gzip_members(data)
    found = warcio_records(path)
    assert len(found) == len(members), f"{path}: expected one record per gzip member"
    ends = [off for off, _ in members[1:]] + [len(data)]
    return [
        Record(raw, data[off:end], rtype, rid)
        for (off, raw), end, (rtype, _, rid) in zip(members, ends, found, strict=True)
    ]


def _pieces(records: list[Record], gz: bool) -> list[Piece]:
    return [Piece(r.gz if gz else r.raw, INTACT, r) for r in records]


def _target(records: list[Record], nth: int = 1) -> int:
    """Index of the nth (0-based; -1 = last) input record: damage lands on a page."""
    inputs = [i for i, r in enumerate(records) if r.is_input]
    return inputs[nth] if nth < len(inputs) else inputs[-1]


def _recompress(raw: bytes) -> bytes:
    return gzip.compress(raw, mtime=0)


def _block_parts(raw: bytes) -> tuple[bytes, bytes]:
    head, sep, rest = raw.partition(b"\r\n\r\n")
    assert sep and rest.endswith(b"\r\n\r\n")
    return head + sep, rest[:-4]


def rewrite_block(rec: Record, fn: Callable[[bytes], bytes]) -> Record:
    """The record with its block changed by `fn` and a Content-Length that matches again."""
    head, block = _block_parts(rec.raw)
    new = fn(block)
    raw = with_content_length(head, str(len(new)).encode()) + new + b"\r\n\r\n"
    return Record(raw, _recompress(raw), rec.type, rec.record_id)


def rewrite_header(rec: Record, fn: Callable[[bytes], bytes], record_id: str | None = None) -> Record:
    head, block = _block_parts(rec.raw)
    raw = fn(head) + block + b"\r\n\r\n"
    return Record(raw, _recompress(raw), rec.type, record_id if record_id is not None else rec.record_id)


def _http_content_type(value: bytes) -> Callable[[bytes], bytes]:
    def fn(block: bytes) -> bytes:
        http, sep, body = block.partition(b"\r\n\r\n")
        if re.search(rb"(?im)^content-type:", http):
            http = re.sub(rb"(?im)^content-type:[^\r\n]*", b"Content-Type: " + value, http, count=1)
        else:
            http += b"\r\nContent-Type: " + value
        return http + sep + body

    return fn


def _non_utf8(block: bytes) -> bytes:
    http, sep, body = block.partition(b"\r\n\r\n")
    cut = len(body) // 3
    return http + sep + body[:cut] + b"\xff\xfe\xc3\x28\x80\xe2\x82 caf\xe9 \xa0\x80" + body[cut:]


def _flip(data: bytes, pos: int, bit: int = 3) -> bytes:
    return data[:pos] + bytes([data[pos] ^ (1 << bit)]) + data[pos + 1 :]


def _truncated(records: list[Record], gz: bool, i: int, cut: Callable[[Record, bytes], int]) -> list[Piece]:
    pieces = _pieces(records[:i], gz)
    data = records[i].gz if gz else records[i].raw
    return [*pieces, Piece(data[: cut(records[i], data)], DAMAGED, records[i])]


def _replaced(records: list[Record], gz: bool, i: int, piece: Piece) -> list[Piece]:
    pieces = _pieces(records, gz)
    pieces[i] = piece
    return pieces


def header_len(raw: bytes) -> int:
    return raw.index(b"\r\n\r\n") + 4


def _content_length(raw: bytes) -> int:
    m = re.search(rb"Content-Length: (\d+)", raw)
    assert m
    return int(m[1])


def build_cases(shared_data: Path) -> list[Case]:
    recs = {k: load_records(shared_data, k) for k in SOURCES}
    rng = random.Random(20240615)
    cases: list[Case] = []

    def add(name: str, family: str, pieces: list[Piece], filename: str | None = None) -> None:
        cases.append(Case(name, family, filename or f"{name}.warc.gz", pieces))

    # -- truncation ------------------------------------------------------------------------
    for key in SOURCES:
        r = recs[key]
        i = _target(r)
        add(f"{key}-gz-cut-in-gzip-header", "truncation", _truncated(r, True, i, lambda rec, d: 6))
        add(f"{key}-gz-cut-mid-member", "truncation", _truncated(r, True, i, lambda rec, d: len(d) // 2))
        add(f"{key}-gz-cut-in-trailer", "truncation", _truncated(r, True, i, lambda rec, d: len(d) - 3))
        mid_header = _truncated(r, False, i, lambda rec, d: header_len(d) // 2)
        add(f"{key}-raw-cut-mid-header", "truncation", mid_header, f"{key}-raw-cut-mid-header.warc")
        mid_body = _truncated(r, False, i, lambda rec, d: header_len(d) + _content_length(d) // 2)
        add(f"{key}-raw-cut-mid-body", "truncation", mid_body, f"{key}-raw-cut-mid-body.warc")

    # -- bit flips -------------------------------------------------------------------------
    for key in ("cc", "wget", "whirl"):
        r = recs[key]
        i = _target(r)
        gz = r[i].gz
        add(
            f"{key}-flip-deflate",
            "bit flip",
            _replaced(r, True, i, Piece(_flip(gz, len(gz) // 2), MAYBE, r[i])),
        )
        add(f"{key}-flip-gzip-magic", "bit flip", _replaced(r, True, i, Piece(_flip(gz, 1), DAMAGED, r[i])))
        add(f"{key}-flip-crc", "bit flip", _replaced(r, True, i, Piece(_flip(gz, len(gz) - 6), MAYBE, r[i])))
    for key in ("cc", "wget"):
        r = recs[key]
        i = _target(r)
        raw = r[i].raw
        version = Piece(_flip(raw, 1, 0), DAMAGED, r[i])  # "WARC/" -> "WCRC/"
        add(
            f"{key}-raw-flip-version-line",
            "bit flip",
            _replaced(r, False, i, version),
            f"{key}-raw-flip-v.warc",
        )
        body = Piece(_flip(raw, header_len(raw) + _content_length(raw) // 2, 5), MAYBE, r[i])
        add(f"{key}-raw-flip-body", "bit flip", _replaced(r, False, i, body), f"{key}-raw-flip-body.warc")

    # -- garbage ---------------------------------------------------------------------------
    for key, gz in (("cc", True), ("cc", False), ("wget", True)):
        r = recs[key]
        i = _target(r)
        pieces = _pieces(r, gz)
        pieces.insert(i, Piece(rng.randbytes(300), JUNK))
        ext = ".warc.gz" if gz else ".warc"
        add(f"{key}-{'gz' if gz else 'raw'}-garbage-between", "garbage", pieces, f"{key}-garbage-{gz}{ext}")
    add("cc-garbage-prefix", "garbage", [Piece(rng.randbytes(500), JUNK), *_pieces(recs["cc"], True)])
    add("cc-garbage-suffix", "garbage", [*_pieces(recs["cc"], True), Piece(rng.randbytes(500), JUNK)])
    noise = rng.randbytes(5000)
    add("random-bytes", "garbage", [Piece(noise, JUNK)])
    add("random-bytes-raw", "garbage", [Piece(noise, JUNK)], "random-bytes-raw.warc")

    # -- Content-Length --------------------------------------------------------------------
    r = recs["cc"]
    i = _target(r)
    cl = _content_length(r[i].raw)
    for label, value in (
        ("short", str(cl - 100)),
        ("long", str(cl + 100)),
        ("abc", "abc"),
        ("negative", "-5"),
        ("huge", "99999999999"),
    ):
        raw = with_content_length(r[i].raw, value.encode())
        bad = Piece(_recompress(raw), DAMAGED, r[i])
        add(f"cc-gz-content-length-{label}", "content-length", _replaced(r, True, i, bad))
    for label, value in (("short", str(cl - 100)), ("long", str(cl + 100)), ("abc", "abc")):
        bad = Piece(with_content_length(r[i].raw, value.encode()), DAMAGED, r[i])
        name = f"cc-raw-content-length-{label}"
        add(name, "content-length", _replaced(r, False, i, bad), f"{name}.warc")

    # -- charsets and bytes that are not UTF-8 (valid WARCs: every page must be kept) -------
    for label, value in (
        ("unknown", b"text/html; charset=x-no-such-charset"),
        ("utf16-on-utf8", b"text/html; charset=utf-16"),
        ("latin1-on-utf8", b"text/html; charset=iso-8859-1"),
        ("empty-label", b"text/html; charset="),
    ):
        changed = rewrite_block(r[i], _http_content_type(value))
        add(f"cc-charset-{label}", "charset", _replaced(r, True, i, Piece(changed.gz, INTACT, changed)))
    changed = rewrite_block(r[i], _non_utf8)
    add("cc-non-utf8-bytes", "charset", _replaced(r, True, i, Piece(changed.gz, INTACT, changed)))
    add(
        "cc-raw-non-utf8-bytes",
        "charset",
        _replaced(r, False, i, Piece(changed.raw, INTACT, changed)),
        "cc-raw-non-utf8-bytes.warc",
    )
    wet = recs["wet"]
    j = _target(wet)
    changed = rewrite_block(wet[j], lambda b: b[:20] + b"\xff\xfe\x80 caf\xe9 " + b[20:])
    add("wet-non-utf8-bytes", "charset", _replaced(wet, True, j, Piece(changed.gz, INTACT, changed)))

    # -- empty, not a WARC, zero-member gzip -----------------------------------------------
    add("empty-file", "empty", [])
    add("empty-file-raw", "empty", [], "empty-file-raw.warc")
    text = (shared_data / "PROVENANCE.md").read_bytes()[:4000]
    add("plain-text-named-warc-gz", "not a WARC", [Piece(text, JUNK)])
    line = json.dumps({"id": "x", "text": "a page"}).encode() + b"\n"
    add("json-lines-named-warc-gz", "not a WARC", [Piece(line * 50, JUNK)])
    add("zero-length-gzip-member-only", "zero-member gzip", [Piece(_recompress(b""), INTACT)])
    pieces = _pieces(r, True)
    pieces.insert(i, Piece(_recompress(b""), INTACT))  # an empty member between two records
    add("empty-gzip-member-between", "zero-member gzip", pieces)
    add("gzip-header-only", "zero-member gzip", [Piece(_recompress(b"")[:10], JUNK)])

    # -- duplicated WARC-Record-IDs, missing WARC-Target-URI (valid WARCs) ------------------
    later = _target(r, 3)
    first_id = r[i].record_id
    assert first_id and r[later].record_id and len(first_id) == len(r[later].record_id)
    dup = rewrite_header(
        r[later], lambda h: h.replace(r[later].record_id.encode(), first_id.encode()), first_id
    )
    add("cc-duplicate-record-id", "duplicate ids", _replaced(r, True, later, Piece(dup.gz, INTACT, dup)))
    w = recs["wget"]
    k = _target(w)
    twice = _pieces(w, True)
    twice.insert(k + 1, Piece(w[k].gz, INTACT, w[k]))  # the same record stored twice in a row
    add("wget-record-stored-twice", "duplicate ids", twice)
    no_uri = rewrite_header(r[i], lambda h: re.sub(rb"WARC-Target-URI: [^\r\n]*\r\n", b"", h))
    add("cc-missing-target-uri", "missing URI", _replaced(r, True, i, Piece(no_uri.gz, INTACT, no_uri)))
    k = _target(w, 2)
    no_uri = rewrite_header(w[k], lambda h: re.sub(rb"WARC-Target-URI: [^\r\n]*\r\n", b"", h))
    add(
        "wget-raw-missing-target-uri",
        "missing URI",
        _replaced(w, False, k, Piece(no_uri.raw, INTACT, no_uri)),
        "wget-raw-missing-target-uri.warc",
    )
    return cases


class Repeat(io.RawIOBase):
    """A payload of `n` bytes produced on the fly, so a 50 MB record is never held in memory."""

    def __init__(self, n: int) -> None:
        self.left = n
        self.block = b"<p>lorem ipsum dolor sit amet</p>\n" * 2000

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        k = min(len(b), self.left, len(self.block))
        b[:k] = self.block[:k]
        self.left -= k
        return k


def write_big_record_warc(path: Path, big: int = 50 * 2**20) -> None:
    """Three responses, the middle one `big` bytes, written by warcio."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n, size in enumerate([5000, big, 5000]):
            payload = io.BufferedReader(Repeat(size), 1 << 20)
            rec = writer.create_warc_record(
                f"http://big.example/{n}",
                "response",
                payload=payload,
                length=size + len(http.to_bytes()),
                http_headers=http,
            )
            writer.write_record(rec)
