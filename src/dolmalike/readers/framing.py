"""Find and check WARC record boundaries independently of fastwarc.

fastwarc is fast but lenient: on a truncated or corrupt gzip member it may stop without an
error, and a wrong Content-Length silently shifts every later record. The WARC reader uses
fastwarc for the normal path and calls into this module only when something looks wrong
(an exception, a short body, a bad header) and once at the end of a file, to (1) name the
exact record that is broken, (2) find where the next good record starts so reading can go on.

Two framings are supported:
- "gzip": one gzip member per record (how Common Crawl and wget write WARCs). A member's
  compressed extent is its exact byte range in the file, so offsets are exact.
- "raw": an uncompressed WARC; a record ends Content-Length bytes after its header, plus CRLFCRLF.
Anything else (zstd, lz4, one gzip member for the whole file) is "opaque": no checks possible.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import BinaryIO

GZIP = "gzip"
RAW = "raw"
OPAQUE = "opaque"

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_MEMBER_MAGIC = b"\x1f\x8b\x08"  # magic + deflate method: what every real member starts with
_RAW_MAGIC = b"WARC/1."
_OPAQUE_MAGICS = (b"\x28\xb5\x2f\xfd", b"\x04\x22\x4d\x18", b"BZh")  # zstd, lz4 frame, bzip2

_CHUNK = 1 << 20
_HEAD_CAP = 64 << 10  # WARC headers larger than this are treated as broken (fastwarc's own cap is 32 KiB)
_TAIL_CAP = 256
_OUT_CAP = 1 << 20  # bounded decompression: a 50 MB record never sits in memory
_RECORD_END = b"\r\n\r\n"
_PROBE = 4096
_HEAD_STEP = 1024
_VERSION_LINE = re.compile(rb"WARC/\d+\.\d+\r\n")


@dataclass(frozen=True, slots=True)
class Frame:
    """One record's extent as found on disk."""

    offset: int
    end: int | None  # where the next record starts; None when it cannot be known (corrupt/truncated)
    problem: str | None  # None: well-formed
    record_id: str | None = None
    warc_type: str | None = None


def sniff_framing(head: bytes) -> str:
    if head.startswith(_GZIP_MAGIC):
        return GZIP
    if head.startswith(_OPAQUE_MAGICS):
        return OPAQUE
    return RAW


def detect_framing(fh: BinaryIO) -> str:
    """Framing of the file behind `fh`, from its first bytes; a file that starts with neither a
    gzip member nor a WARC header (junk in front) is framed like the first record found after it,
    so that gzip members behind a junk prefix are not searched for as uncompressed text."""
    fh.seek(0)
    head = fh.read(8)
    framing = sniff_framing(head)
    if framing != RAW or not head or head.startswith(b"WARC/"):
        return framing
    gz = find_next_frame(fh, 0, GZIP)
    raw = find_next_frame(fh, 0, RAW)
    return GZIP if gz is not None and (raw is None or gz < raw) else RAW


def inspect_frame(fh: BinaryIO, offset: int, framing: str) -> Frame:
    """Check the record that starts at `offset` (a gzip member start for "gzip")."""
    if framing == GZIP:
        return _inspect_gzip(fh, offset)
    return _inspect_raw(fh, offset)


def find_next_frame(fh: BinaryIO, start: int, framing: str) -> int | None:
    """The first offset >= start where a plausible record begins, or None at end of file."""
    magic = _GZIP_MEMBER_MAGIC if framing == GZIP else _RAW_MAGIC
    pos = start
    while True:
        fh.seek(pos)
        block = fh.read(_CHUNK)
        if not block:
            return None
        i = block.find(magic)
        while i != -1:
            cand = pos + i
            if _plausible_start(fh, cand, framing):
                return cand
            i = block.find(magic, i + 1)
        if len(block) < _CHUNK:
            return None
        pos += len(block) - (len(magic) - 1)  # overlap so a magic split across blocks is seen


def at_clean_eof(fh: BinaryIO, pos: int, framing: str = RAW) -> bool:
    """True if nothing but whitespace/NUL padding (and, for gzip, empty members) follows `pos`."""
    if framing == GZIP:
        pos = skip_empty_members(fh, pos)
    fh.seek(pos)
    while block := fh.read(_CHUNK):
        if block.strip(b"\r\n\t \x00"):
            return False
    return True


def skip_empty_members(fh: BinaryIO, pos: int) -> int:
    """The offset after any gzip members at `pos` that decompress to nothing (they hold no record)."""
    while True:
        fh.seek(pos)
        block = fh.read(_PROBE)
        if not block.startswith(_GZIP_MEMBER_MAGIC):
            return pos
        d = zlib.decompressobj(31)
        try:
            out = d.decompress(block, 1)
        except zlib.error:
            return pos
        if out or not d.eof:
            return pos
        pos += len(block) - len(d.unused_data)


def gzip_member_consistent(fh: BinaryIO, offset: int, end: int) -> bool:
    """Cheap check of the gzip member [offset, end): the uncompressed size in its trailer (ISIZE)
    equals header + Content-Length + CRLFCRLF. Only the trailer and the header are read.

    False means "look closer" (`inspect_frame`): padding or several records in one member also
    give False without being errors. A Content-Length off by a byte or two passes every check
    fastwarc makes, since the member boundary resynchronises it.
    """
    fh.seek(end - 4)
    isize = int.from_bytes(fh.read(4), "little")
    fh.seek(offset)
    d = zlib.decompressobj(31)
    head, pos, pending = b"", offset, b""
    # small steps: a WARC header is a few hundred bytes, and this runs once per record
    while len(head) < _HEAD_CAP and _RECORD_END not in head and not d.eof:
        if not pending:
            if pos >= end:
                break
            pending = fh.read(min(_HEAD_STEP, end - pos))
            if not pending:
                return False
            pos += len(pending)
        try:
            head += d.decompress(pending, min(_HEAD_STEP, _HEAD_CAP - len(head)))
        except zlib.error:
            return False
        pending = d.unconsumed_tail
    parsed = _parse_head(head)
    if isinstance(parsed, str):
        return False
    hlen, fields = parsed
    cl_value = fields.get("content-length")
    if content_length_problem(cl_value):
        return False
    return (hlen + int(cl_value) + len(_RECORD_END)) & 0xFFFFFFFF == isize  # type: ignore[arg-type]


def _plausible_start(fh: BinaryIO, cand: int, framing: str) -> bool:
    fh.seek(cand)
    if framing == GZIP:
        try:
            out = zlib.decompressobj(31).decompress(fh.read(4096), 16)
        except zlib.error:
            return False
        return out.startswith(b"WARC/")
    if cand == 0:
        return True
    fh.seek(cand - 1)
    if fh.read(1) == b"\n":
        return True
    # Junk right before a record leaves no line break in front of it; a whole, well-formed header
    # (version line, CRLFCRLF, a numeric Content-Length) still marks it, and skipping it would
    # lose that record without a row.
    head = fh.read(_PROBE)
    if not _VERSION_LINE.match(head):
        return False
    parsed = _parse_head(head)
    return not isinstance(parsed, str) and content_length_problem(parsed[1].get("content-length")) is None


def _parse_head(head: bytes) -> tuple[int, dict[str, str]] | str:
    """(length of header block incl. blank line, lower-cased headers) or a problem description."""
    if not head.startswith(b"WARC/"):
        return "not a WARC record (no WARC/ version line)"
    h = head.find(b"\r\n\r\n")
    if h == -1:
        return "incomplete or oversized WARC header"
    fields: dict[str, str] = {}
    for line in head[:h].split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            fields[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return h + 4, fields


def content_length_problem(value: str | None) -> str | None:
    if value is None:
        return "missing Content-Length"
    if not (value.isascii() and value.isdigit()):
        return f"invalid Content-Length {value!r}"
    return None


def _check_record(head: bytes, total: int, tail: bytes = b"") -> tuple[str | None, dict[str, str]]:
    """Problem (or None) for a gzip member that decompressed to `total` bytes.

    `head` is the start of the decompressed data, `tail` its last bytes.
    """
    parsed = _parse_head(head)
    if isinstance(parsed, str):
        return parsed, {}
    hlen, fields = parsed
    cl_value = fields.get("content-length")
    if problem := content_length_problem(cl_value):
        return problem, fields
    cl = int(cl_value)  # type: ignore[arg-type]
    expected = hlen + cl + len(_RECORD_END)
    if total < expected:
        return (
            f"Content-Length {cl} exceeds the record ({max(total - hlen, 0)} bytes follow the header)",
            fields,
        )
    if total > expected:
        extra = total - expected
        if head[expected : expected + 5] == b"WARC/":
            return None, fields  # several records in one gzip member: not checkable further
        n = len(_RECORD_END)
        if (
            extra + n <= len(tail)
            and tail[len(tail) - extra - n : len(tail) - extra] == _RECORD_END
            and not tail[len(tail) - extra :].strip(b"\r\n\t \x00")
        ):
            # extra blank lines after the record's CRLFCRLF: harmless padding (a Content-Length
            # one byte short would also leave only "\n" over, but no CRLFCRLF where it says)
            return None, fields
        return (
            f"Content-Length {cl} is smaller than the record ({total - hlen} bytes follow the header)",
            fields,
        )
    if tail and not tail.endswith(_RECORD_END):
        return f"Content-Length {cl} does not match the record (no CRLFCRLF after the block)", fields
    return None, fields


def _frame(offset: int, end: int | None, problem: str | None, fields: dict[str, str]) -> Frame:
    return Frame(offset, end, problem, fields.get("warc-record-id"), fields.get("warc-type"))


def _inspect_gzip(fh: BinaryIO, offset: int) -> Frame:
    fh.seek(offset)
    d = zlib.decompressobj(31)
    head = bytearray()
    tail = b""
    total = fed = 0
    left = b""
    while not d.eof:
        chunk = fh.read(_CHUNK)
        if not chunk:
            problem = "truncated gzip member (file ends inside it)"
            return _frame(offset, None, problem, _check_record(bytes(head), total)[1])
        fed += len(chunk)
        left = chunk
        while left and not d.eof:
            try:
                out = d.decompress(left, _OUT_CAP)
            except zlib.error as e:
                return _frame(offset, None, f"corrupt gzip data ({e})", _check_record(bytes(head), total)[1])
            total += len(out)
            if len(head) < _HEAD_CAP:
                head += out[: _HEAD_CAP - len(head)]
            tail = (tail + out[-_TAIL_CAP:])[-_TAIL_CAP:]
            left = d.unconsumed_tail
    end = offset + fed - len(d.unused_data) - len(left)
    problem, fields = _check_record(bytes(head), total, tail)
    return _frame(offset, end, problem, fields)


def _inspect_raw(fh: BinaryIO, offset: int) -> Frame:
    fh.seek(offset)
    head = fh.read(_HEAD_CAP)
    if not head:
        return Frame(offset, None, "unexpected end of file")
    parsed = _parse_head(head)
    if isinstance(parsed, str):
        return Frame(offset, None, parsed)
    hlen, fields = parsed
    if problem := content_length_problem(fields.get("content-length")):
        return _frame(offset, None, problem, fields)
    cl = int(fields["content-length"])
    fh.seek(offset + hlen + cl)
    tail = fh.read(len(_RECORD_END) + 64)
    if len(tail) < len(_RECORD_END):
        return _frame(offset, None, f"truncated record (Content-Length {cl}, file ends inside it)", fields)
    # The block must be followed by CRLFCRLF. Junk after that is blamed on the *next* position:
    # it is more often inserted garbage than a Content-Length that happens to end on a blank line.
    if tail[: len(_RECORD_END)] != _RECORD_END:
        return _frame(offset, None, f"Content-Length {cl} does not match the record", fields)
    rest = tail[len(_RECORD_END) :]
    stripped = rest.lstrip(b"\r\n")
    end = offset + hlen + cl + len(_RECORD_END) + (len(rest) - len(stripped))
    return _frame(offset, end, None, fields)
