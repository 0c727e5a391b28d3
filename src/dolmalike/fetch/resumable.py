"""A seekable read stream over http(s)/s3 that survives dropped connections and 5xx answers.

The reader of `run --input http://…` needs the same resilience as `fetch`: a body cut short or
a 503 on the request that continues it must not end the file early. `ResumableStream` keeps
its read position; whenever the current response fails transiently (or ends before the size
the server announced), it asks for `bytes=POS-` again through the fetch transports and the
shared retry policy, so one bad response costs one retry, never the rest of the file.
When every attempt fails, `RetriesExhausted` says so: the caller knows the loss is transient.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from dolmalike.fetch.classify import classify
from dolmalike.fetch.retry import Backoff, TransientError, call_with_retries
from dolmalike.fetch.transports import Body, Transport, transport_for

CHUNK_SIZE = 1 << 20


@dataclass(frozen=True)
class ReadPolicy:
    """How hard a remote input is retried: `retries` further attempts per failed request."""

    retries: int = 5
    backoff: Backoff = field(default_factory=Backoff)
    timeout: float = 60.0
    sleep: Callable[[float], None] = time.sleep


class ResumableStream(io.RawIOBase):
    """Raw, seekable bytes of one remote object; reconnects at the current offset on failure."""

    def __init__(
        self, url: str, transport: Transport, policy: ReadPolicy, chunk_size: int = CHUNK_SIZE
    ) -> None:
        super().__init__()
        self.url, self._transport, self._policy, self._chunk_size = url, transport, policy, chunk_size
        self._pos = 0
        self._body: Body | None = None
        self._left = b""  # bytes of the current chunk not handed out yet
        self._size: int | None = None
        self.reconnects = 0  # requests made after the first one because a response failed
        self._retrying(lambda: self._connect())  # fail at open on 404 & co., like a local file

    # -- io.RawIOBase ----------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self._known_size() + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target != self._pos:
            self._disconnect()  # the next read asks for bytes=target-
            self._pos = target
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not len(view):
            return 0
        data = self._retrying(lambda: self._next_bytes(len(view)))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._disconnect()
            self._transport.close()
        super().close()

    # -- connection handling ---------------------------------------------------------------

    def _retrying(self, fn: Callable[[], Any]) -> Any:
        def attempt(n: int) -> Any:
            if n > 1:
                self.reconnects += 1
            try:
                return fn()
            except Exception as e:  # noqa: BLE001 - classify() decides retry vs. fail
                self._disconnect()
                raise classify(self.url, e) from e

        result, _ = call_with_retries(
            attempt,
            key=self.url,
            retries=self._policy.retries,
            backoff=self._policy.backoff,
            sleep=self._policy.sleep,
        )
        return result

    def _connect(self) -> Body:
        if self._body is None:
            body = self._transport.get(self.url, self._pos, self._chunk_size)
            if body.total is not None:
                self._size = body.total
            self._body = body
            if body.start != self._pos:
                if body.start > self._pos:
                    raise TransientError(f"asked for bytes {self._pos}-, got a body starting at {body.start}")
                # The server ignored the Range: skip what we already have.
                self._discard(self._pos - body.start)
        return self._body

    def _discard(self, n: int) -> None:
        assert self._body is not None
        while n > 0:
            chunk = next(self._body.chunks, b"")
            if not chunk:
                raise TransientError(f"body ended while skipping to byte {self._pos}")
            if len(chunk) > n:
                self._left = chunk[n:]
            n -= len(chunk)

    def _next_bytes(self, n: int) -> bytes:
        if self._size is not None and self._pos >= self._size:
            return b""
        if not self._left:
            body = self._connect()
            chunk = next(body.chunks, b"")
            if not chunk:
                if self._size is not None and self._pos < self._size:
                    raise TransientError(f"connection closed after {self._pos} of {self._size} bytes")
                return b""
            self._left = chunk
        out, self._left = self._left[:n], self._left[n:]
        self._pos += len(out)
        return out

    def _disconnect(self) -> None:
        body, self._body, self._left = self._body, None, b""
        if body is not None:
            body.close()

    def _known_size(self) -> int:
        if self._size is None:
            self._retrying(lambda: self._connect())
        if self._size is None:
            raise io.UnsupportedOperation(f"{self.url}: the server did not say how large it is")
        return self._size


def open_resumable(url: str, policy: ReadPolicy | None = None, *, s3_endpoint: str | None = None) -> BinaryIO:
    """A buffered, seekable reader of a remote object that retries and resumes (see module doc)."""
    policy = policy or ReadPolicy()
    transport = transport_for(url, s3_endpoint=s3_endpoint, timeout=policy.timeout)
    try:
        raw = ResumableStream(url, transport, policy)
    except BaseException:
        transport.close()
        raise
    return io.BufferedReader(raw, buffer_size=1 << 16)  # type: ignore[return-value]
