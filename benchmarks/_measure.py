"""Measurement helpers shared by the benchmarks: wall + CPU time and peak memory of a section.

CPU time sits beside wall time because the benchmark machine is shared: wall time moves with
the other tenants' load, CPU time much less. Peak memory is the resident high-water mark
(VmHWM); on Linux it is reset at the start of each section (writing 5 to /proc/self/clear_refs),
so each implementation measured in one process gets its own peak, not the run's.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def cpu_seconds() -> float:
    """CPU time of this process (all threads) plus finished child processes (workers > 1)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mb() -> float:
    """Resident high-water mark of this process, MB (since the last reset_peak)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):  # not Linux: ru_maxrss, the whole run's peak
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    """Largest peak RSS of any finished child process (worker pools), MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:  # not Linux, or not permitted: peaks then cover the run so far
        pass


@dataclass
class Measured:
    wall: float = float("inf")
    cpu: float = float("inf")
    peak_mb: float = 0.0
    result: Any = None

    def best(self, other: Measured) -> Measured:
        """Best-of-N: shortest wall and CPU times, highest peak."""
        return Measured(
            min(self.wall, other.wall),
            min(self.cpu, other.cpu),
            max(self.peak_mb, other.peak_mb),
            other.result,
        )


def measure(fn: Callable[[], Any]) -> Measured:
    """Run fn once: wall seconds, CPU seconds, peak RSS during the call, and its result."""
    reset_peak()
    w, c = time.perf_counter(), cpu_seconds()
    result = fn()
    return Measured(time.perf_counter() - w, cpu_seconds() - c, peak_rss_mb(), result)
