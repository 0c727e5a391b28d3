"""ResumableStream against the fault-injecting HTTP server on 127.0.0.1: drops, 503s on the
request that continues a body, seeks, and giving up with RetriesExhausted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.fetch.resumable import ReadPolicy, open_resumable
from dolmalike.fetch.retry import RetriesExhausted

SAMPLE = "CC-MAIN-2020-34-resiliparse-sample.warc.gz"  # 135,896 bytes
HALF = 135896 // 2


@pytest.fixture
def policy(fast_backoff) -> ReadPolicy:
    return ReadPolicy(retries=3, backoff=fast_backoff)


def test_dropped_body_resumes_with_range_even_after_503s(http_server, shared_data: Path, policy) -> None:
    http_server.drop_once.add(SAMPLE)
    http_server.fail_ranged[SAMPLE] = 2  # the requests that continue the body fail twice first
    with open_resumable(http_server.url + SAMPLE, policy) as f:
        data = f.read()
    assert data == (shared_data / "commoncrawl" / SAMPLE).read_bytes()
    assert http_server.requests_for(SAMPLE) == [
        (None, 200),
        (f"bytes={HALF}-", 503),
        (f"bytes={HALF}-", 503),
        (f"bytes={HALF}-", 206),
    ]


def test_seeks_read_the_right_bytes(http_server, shared_data: Path, policy) -> None:
    real = (shared_data / "commoncrawl" / SAMPLE).read_bytes()
    with open_resumable(http_server.url + SAMPLE, policy) as f:
        assert f.read(2) == b"\x1f\x8b"
        f.seek(100_000)
        assert f.read(50) == real[100_000:100_050] and f.tell() == 100_050
        assert f.seek(-10, io.SEEK_END) == len(real) - 10
        assert f.read() == real[-10:] and f.read(5) == b""
        f.seek(0)
        assert f.read() == real


def test_persistent_503_gives_up_with_retries_exhausted(http_server, policy) -> None:
    http_server.drop_once.add(SAMPLE)
    http_server.fail_ranged[SAMPLE] = 10
    with open_resumable(http_server.url + SAMPLE, policy) as f:
        assert len(f.read(1000)) == 1000
        with pytest.raises(RetriesExhausted, match=r"giving up after 4 attempts: HTTP 503"):
            f.read()
    # attempt 1 is the read that hit the dropped connection; 2-4 are the reconnections
    assert [s for _, s in http_server.requests_for(SAMPLE)] == [200, 503, 503, 503]


def test_404_fails_at_open_without_retrying(http_server, policy) -> None:
    with pytest.raises(DolmalikeError, match=r"/missing\.warc\.gz: HTTP 404") as e:
        open_resumable(http_server.url + "missing.warc.gz", policy)
    assert not isinstance(e.value, RetriesExhausted)
    assert http_server.requests_for("missing.warc.gz") == [(None, 404)]
