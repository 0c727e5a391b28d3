"""WARC (response records) and WET (conversion records) -> Documents with provenance.

Bad input never raises out of `read_warc` and never disappears: each broken record or
unreadable region becomes one Document with `error="<path>@<offset>: <message>"`, and reading
resumes at the next record that can be found (see `warc_segment`). Offsets are exact byte
offsets in the file as stored (per-record gzip or uncompressed); for zstd/lz4 or a single gzip
member around the whole file, they are fastwarc's approximate stream positions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from typing import BinaryIO

from dolmalike.core.document import Document
from dolmalike.fetch.resumable import ReadPolicy
from dolmalike.readers.framing import detect_framing
from dolmalike.readers.interrupted import flag_if_transient
from dolmalike.readers.warc_records import FileState, crawl_from_name, strip_uri
from dolmalike.readers.warc_segment import Segment

DEFAULT_MAX_RECORD_BYTES = 20 * 2**20

__all__ = ["DEFAULT_MAX_RECORD_BYTES", "crawl_from_name", "open_input", "read_warc", "strip_uri"]


def open_input(path: str, policy: ReadPolicy | None = None) -> BinaryIO:
    """The one place inputs are opened, bytes as stored: local paths directly, http(s)/s3 as a
    seekable stream that retries and resumes with Range requests under `policy`."""
    from dolmalike.fetch.remote import is_remote, local_path
    from dolmalike.fetch.resumable import open_resumable

    if is_remote(path):
        return open_resumable(path, policy)
    return open(local_path(path), "rb")  # noqa: SIM115 - the caller closes it


def read_warc(
    path: str,
    partition: str,
    source: str | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    policy: ReadPolicy | None = None,
) -> Iterator[Document]:
    """One Document per response (WARC) / conversion (WET) record of `path`, in file order,
    plus error pseudo-records; warcinfo/request/metadata/resource records are not yielded.
    `source`: None derives it per file ("commoncrawl" or "warc", see `FileState.source`).
    A remote read that gave up after `policy`'s retries ends with an error row flagged as
    interrupted (see `readers.interrupted`)."""
    st = FileState(path, partition, source, max_record_bytes)
    try:
        fh = open_input(path, policy)
    except Exception as e:  # noqa: BLE001 - bad input is reported, never raised
        yield st.emit(flag_if_transient(st.error(0, f"cannot open: {type(e).__name__}: {e}"), e))
        return
    checker = _second_handle(path)
    with fh, checker or nullcontext():
        seg: Segment | None = None
        try:
            framing = detect_framing(fh)
            start: int | None = 0
            while start is not None:
                seg = Segment(fh, framing, start, st, checker)
                start = yield from seg.run()
        except Exception as e:  # noqa: BLE001 - e.g. a network error mid-stream
            at = 0
            if seg is not None:
                yield from seg.flush()  # the held-back record was complete; only unverified
                at = seg.last_pos if seg.last_pos is not None else seg.start
            yield st.emit(flag_if_transient(st.error(at, f"reading stopped: {type(e).__name__}: {e}"), e))


def _second_handle(path: str) -> BinaryIO | None:
    """A local file opened again, for the per-record extent check; remote streams get none
    (each seek would be another ranged request)."""
    from dolmalike.fetch.remote import is_remote, local_path

    if is_remote(path):
        return None
    try:
        return open(local_path(path), "rb")  # noqa: SIM115 - closed by read_warc's with
    except OSError:
        return None
