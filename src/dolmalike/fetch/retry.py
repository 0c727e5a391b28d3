"""Retry policy shared by listing fetches and downloads.

Jitter is derived from a hash of (url, attempt) instead of a random generator, so the schedule of a
given download is reproducible, and tests can shrink every delay through `Backoff` instead of
patching `time.sleep`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import hash_unit

T = TypeVar("T")

# HTTP statuses worth retrying: request timeout, too early, rate limiting and server-side trouble.
TRANSIENT_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})


class TransientError(Exception):
    """A failure that a later attempt may not hit (dropped connection, 5xx, throttling, short body)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RetriesExhausted(DolmalikeError):
    """Every attempt failed transiently: the data may well be there for a later run."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: `base * factor**(attempt-1)`, capped at `max_delay`, minus up to `jitter` of it."""

    base: float = 1.0
    factor: float = 2.0
    max_delay: float = 60.0
    jitter: float = 0.5
    seed: int = 0

    def delay(self, key: str, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based) of `key`."""
        raw = min(self.max_delay, self.base * self.factor ** max(0, attempt - 1))
        wait = raw * (1.0 - self.jitter * hash_unit(self.seed, key, attempt))
        if retry_after is not None:
            # A server's Retry-After is a floor, but never wait longer than the policy allows.
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


def call_with_retries(
    fn: Callable[[int], T],
    *,
    key: str,
    retries: int,
    backoff: Backoff,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[T, int]:
    """Call `fn(attempt)` until it succeeds; returns (result, attempts used).

    Only `TransientError` is retried; anything else (e.g. a DolmalikeError for a 404) propagates at once.
    When the last attempt fails too, `RetriesExhausted` (a DolmalikeError) says so.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn(attempt), attempt
        except TransientError as e:
            if attempt > retries:
                tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                raise RetriesExhausted(f"{key}: giving up after {tries}: {e}") from e
            sleep(backoff.delay(key, attempt, e.retry_after))
