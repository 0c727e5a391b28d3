"""One pass of fastwarc over a WARC from a start offset, with the checks fastwarc does not make.

fastwarc parses the normal path. Whenever it raises, returns a short body, or stops, the
record boundaries are re-checked on disk (`framing`) to decide (1) which record is broken and
(2) where reading can resume. A record that only turns out to be broken when the *next* one
fails to parse (a Content-Length that is too small) must be taken back, so the last input
record is held back until the following record parses cleanly.

Decisions are computed first (`_Verdict`, no yielding) and emitted after, so that a stream that
cannot seek back (an HTTP server ignoring Range) only loses the checks, never a Document.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from fastwarc.warc import ArchiveIterator

from dolmalike.core.document import Document
from dolmalike.readers.framing import (
    GZIP,
    OPAQUE,
    RAW,
    Frame,
    at_clean_eof,
    find_next_frame,
    gzip_member_consistent,
    inspect_frame,
    skip_empty_members,
)
from dolmalike.readers.interrupted import is_transient
from dolmalike.readers.warc_records import Broken, FileState

_GZIP_MEMBER_MAGIC = b"\x1f\x8b\x08"


@dataclass(slots=True)
class _Verdict:
    """What went wrong, found without yielding anything yet."""

    blame_pending: str | None = None  # the held-back record is broken: report this instead of it
    error_at: tuple[int, str, str | None] | None = None  # (offset, reason, record id) of a new error
    resume: int | None = None  # where the next record starts; None: the file is done


class Segment:
    """fastwarc over the file from `start` until its end or the first framing problem.

    `run()` yields Documents and returns where to resume (None: the file is done).
    """

    def __init__(
        self, fh: BinaryIO, framing: str, start: int, st: FileState, checker: BinaryIO | None = None
    ) -> None:
        self.fh, self.framing, self.start, self.st = fh, framing, start, st
        # A second handle on the same (local) file, to check each input record's extent on disk
        # without moving fastwarc's read position; None (remote streams): no per-record check.
        self.checker = checker
        self.pending: Document | None = None  # the last input record, held until the next one parses
        self.last_pos: int | None = None  # offset of the last record fastwarc returned (any type)
        self.aligned = True  # gzip: every record starts its own member (stream_pos strictly grows)

    def run(self) -> Generator[Document, None, int | None]:
        self.fh.seek(self.start)
        records = ArchiveIterator(self.fh, parse_http=False)
        while True:
            try:
                rec = next(records)
            except StopIteration:
                return (yield from self._emit(self._checked(_Verdict(), self._end_verdict)))
            except Exception as e:  # noqa: BLE001 - fastwarc raises OSError on corrupt data
                if is_transient(e):
                    raise  # the stream failed, not the data: read_warc reports the interruption
                msg, at = f"{e}", self.last_pos if self.last_pos is not None else self.start
                unchecked = _Verdict(error_at=(at, f"unreadable WARC data ({msg})", None))
                verdict = self._checked(unchecked, self._failure_verdict, msg)
                return (yield from self._emit(verdict))
            pos = rec.stream_pos
            if self.last_pos is not None and pos <= self.last_pos:
                self.aligned = False
            if self.pending is not None and (problem := self._extent_problem(self.pending, pos)):
                self.pending = self.st.replace_with_error(self.pending, problem + _skip_note(pos))
            yield from self.flush()  # a record parsed after the held-back one, so that one was whole
            self.last_pos = pos
            out = self.st.convert(rec)
            if isinstance(out, Broken):
                reason, resume = self._diagnose(pos, out.reason)
                yield self.st.emit(self.st.error(pos, reason + _skip_note(resume), out.record_id, out.url))
                return resume
            if out is not None and out.error is not None:
                yield self.st.emit(out)  # framed fine but unusable (too large, undecodable): go on
            elif out is not None:
                self.pending = out

    def flush(self) -> Iterator[Document]:
        if self.pending is not None:
            yield self.st.emit(self.pending)
            self.pending = None

    # -- deciding --------------------------------------------------------------------------

    def _checked(self, unchecked: _Verdict, decide: Callable[..., _Verdict], *args: str) -> _Verdict:
        try:
            return decide(*args)
        except io.UnsupportedOperation:  # cannot seek back (e.g. HTTP without Range): no checks
            return unchecked

    def _inspectable(self, pos: int) -> bool:
        if self.framing == RAW:
            return True
        if self.framing == GZIP and self.aligned:
            self.fh.seek(pos)
            return self.fh.read(3) == _GZIP_MEMBER_MAGIC
        return False

    def _extent_problem(self, doc: Document, end: int) -> str | None:
        """Whether the input record `doc`, which fastwarc read without complaint and which the next
        record shows to end at `end`, is really framed as its Content-Length says."""
        off = doc.warc_offset
        if self.checker is None or off is None or end <= off:
            return None
        if self.framing == GZIP:
            if not self.aligned or gzip_member_consistent(self.checker, off, end):
                return None
        elif self.framing != RAW:
            return None
        return inspect_frame(self.checker, off, self.framing).problem

    def _past_empty(self, pos: int) -> int | None:
        """Where reading goes on if `pos` starts empty gzip members (no record, nothing lost), else None."""
        if self.framing != GZIP:
            return None
        after = skip_empty_members(self.fh, pos)
        return after if after != pos else None

    def _find_next(self, pos: int) -> int | None:
        return None if self.framing == OPAQUE else find_next_frame(self.fh, pos, self.framing)

    def _diagnose(self, pos: int, reason: str) -> tuple[str, int | None]:
        """For a record fastwarc showed to be broken: the most precise reason, and where to resume."""
        try:
            if self._inspectable(pos):
                frame = inspect_frame(self.fh, pos, self.framing)
                if frame.problem:  # the on-disk view knows *why* (Content-Length vs. gzip member size)
                    reason = frame.problem
                if frame.end is not None and frame.end > pos:
                    return reason, frame.end
            return reason, self._find_next(pos + 1)
        except io.UnsupportedOperation:
            return reason, None

    def _blame_last(self, problem: str, end: int | None, record_id: str | None) -> _Verdict:
        """The last record fastwarc returned is itself broken."""
        assert self.last_pos is not None
        resume = end if end is not None and end > self.last_pos else self._find_next(self.last_pos + 1)
        if self.pending is not None:
            return _Verdict(blame_pending=problem, resume=resume)
        return _Verdict(error_at=(self.last_pos, problem, record_id), resume=resume)

    def _blame_at(self, pos: int, fallback: str, frame: Frame | None = None) -> _Verdict:
        """The data at `pos`, where the next record should start, could not be read."""
        frame = frame or inspect_frame(self.fh, pos, self.framing)
        resume = frame.end if frame.end is not None and frame.end > pos else self._find_next(pos + 1)
        return _Verdict(error_at=(pos, frame.problem or fallback, frame.record_id), resume=resume)

    def _failure_verdict(self, message: str) -> _Verdict:
        anchor = self.last_pos if self.last_pos is not None else self.start
        if not self._inspectable(anchor):
            # opaque compression, or one gzip member for many records: offsets are approximate
            resume = self._find_next(anchor + 1) if self.framing == GZIP else None
            return _Verdict(error_at=(anchor, f"unreadable WARC data ({message})", None), resume=resume)
        if self.last_pos is None:  # fastwarc failed right at the start: blame and skip (ensures progress)
            if (after := self._past_empty(self.start)) is not None:
                return _Verdict(resume=after)
            return self._blame_at(self.start, f"unreadable record ({message})")
        last = inspect_frame(self.fh, self.last_pos, self.framing)
        if last.problem:
            return self._blame_last(last.problem, last.end, last.record_id)
        assert last.end is not None
        if at_clean_eof(self.fh, last.end, self.framing):
            return _Verdict()  # only padding was left
        if (after := self._past_empty(last.end)) is not None:
            return _Verdict(resume=after)
        nxt = inspect_frame(self.fh, last.end, self.framing)
        if nxt.problem is None:
            # On disk the last record and the next one are both well-formed: fastwarc tripped over
            # something in between that holds no record (e.g. a mangled non-input header). Restart
            # it at the next record; should it fail there too, that segment blames and skips it.
            return _Verdict(resume=last.end)
        return self._blame_at(last.end, f"unreadable record ({message})", nxt)

    def _end_verdict(self) -> _Verdict:
        """fastwarc stopped without an error; make sure it really reached the end of the file."""
        if self.last_pos is None:
            if at_clean_eof(self.fh, self.start, self.framing):
                return _Verdict()
            if self.framing == OPAQUE:
                return _Verdict(error_at=(self.start, "no WARC record could be read", None))
            if (after := self._past_empty(self.start)) is not None:
                return _Verdict(resume=after)
            return self._blame_at(self.start, "no WARC record could be read")
        if not self._inspectable(self.last_pos):
            return _Verdict()  # nothing to check against
        frame = inspect_frame(self.fh, self.last_pos, self.framing)
        if frame.problem:
            return self._blame_last(frame.problem, frame.end, frame.record_id)
        assert frame.end is not None
        if at_clean_eof(self.fh, frame.end, self.framing):
            return _Verdict()
        if (after := self._past_empty(frame.end)) is not None:
            return _Verdict(resume=after)
        return self._blame_at(frame.end, "data after the last record was not read")

    # -- emitting --------------------------------------------------------------------------

    def _emit(self, v: _Verdict) -> Generator[Document, None, int | None]:
        note = _skip_note(v.resume)
        if self.pending is not None and v.blame_pending is not None:
            yield self.st.emit(self.st.replace_with_error(self.pending, v.blame_pending + note))
            self.pending = None
        yield from self.flush()
        if v.error_at is not None:
            offset, reason, record_id = v.error_at
            yield self.st.emit(self.st.error(offset, reason + note, record_id))
        return v.resume


def _skip_note(resume: int | None) -> str:
    return f"; resumed at offset {resume}" if resume is not None else "; nothing readable after it"
