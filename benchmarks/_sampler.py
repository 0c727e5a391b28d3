"""A statistical profiler of the main thread: which pipeline stage is running, every few ms.

A daemon thread reads the main thread's stack (sys._current_frames) about every 5 ms and files
the sample under one bucket: "lineage" when any frame on the stack writes or builds a manifest
(decisions, attributes, record provenance, documents manifest, receipts, dedup manifests, mix
sidecars/index/manifests), else the innermost frame of a stage module (a tagger called by the
C4 stage counts as c4_clean). A sampler thread needs the GIL, so it can only look when the
main thread lets go of it; two things keep that from skewing the shares: each sample is
weighted by the wall time since the previous one (a long C call that holds the GIL is charged
in full to the frame that made it, where the main thread is when the sampler gets in), and the
switch interval is cut to 0.5 ms while sampling, so the sampler gets in soon after it wakes
rather than only at the next I/O call. Shares are of the main thread's wall time; in a one-worker
run the main thread does all the work (tokenizers' threads count as "mix + tokenize").
"""

from __future__ import annotations

import sys
import threading
import time
from collections import defaultdict
from types import FrameType

# (path fragment, function name or "" for any) -> lineage. Checked over the whole stack.
_LINEAGE = (
    ("dolmalike/manifests/", ""),
    ("dolmalike/runner/finalize", ""),
    ("dolmalike/runner/receipt", ""),
    ("dolmalike/mix/receipt", ""),
    ("dolmalike/tokenize/sidecar", ""),
    ("dolmalike/dedup/results", "write_partition"),
    ("dolmalike/core/document", "provenance"),
    ("dolmalike/stages/base", "decide"),
    ("dolmalike/runner/partition", "<listcomp>"),  # the records table of the partition
    ("dolmalike/runner/partition", "<dictcomp>"),
)
# Innermost frame of a stage module -> bucket (first matching fragment wins). Taggers are not
# listed: they run under the tag stage, or under c4_clean (which runs the C4 tagger's rules).
_STAGES = (
    ("dolmalike/readers/", "read WARC"),
    ("dolmalike/stages/extract", "extract"),
    ("dolmalike/stages/c4_clean", "c4_clean"),
    ("dolmalike/stages/tag", "tag"),
    ("dolmalike/stages/pii_mask", "pii_mask"),
    ("dolmalike/dedup/exact", "url + content dedup"),
    ("dolmalike/dedup/paragraph", "paragraph dedup"),
    ("dolmalike/dedup/bloom", "paragraph dedup"),
    ("dolmalike/dedup/", "minhash dedup"),
    # training only: fastText *inference* (classifier/fasttext_io, used by langid_v1, quality_v1
    # and c4_clean's language) is charged to the stage that calls it
    ("dolmalike/classifier/train", "train models"),
    ("dolmalike/classifier/fit", "train models"),
    ("dolmalike/classifier/data", "train models"),
    ("dolmalike/runner/models", "train models"),
    ("dolmalike/tokenize/train_bpe", "tokenizer training"),
    ("dolmalike/tokenize/", "mix + tokenize"),
    ("dolmalike/mix/", "mix + tokenize"),
    ("dolmalike/runner/build_mix", "mix + tokenize"),
    ("dolmalike/io/docstore", "write docs"),
)


def _bucket(frame: FrameType | None) -> str:
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    for f in frames:
        path, func = f.f_code.co_filename, f.f_code.co_name
        if any(p in path and (not fn or fn == func) for p, fn in _LINEAGE):
            return "lineage"
    for f in frames:  # innermost first
        path = f.f_code.co_filename
        for fragment, name in _STAGES:
            if fragment in path:
                return name
    return "other (executor, imports, glue)"


class StageSampler:
    """Samples the thread that creates it; use as a context manager around the run."""

    def __init__(self, interval_s: float = 0.005) -> None:
        self.interval_s = interval_s
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._switch = sys.getswitchinterval()
        self._target = threading.get_ident()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        last = time.perf_counter()
        while not self._stop.wait(self.interval_s):
            frame = sys._current_frames().get(self._target)
            now = time.perf_counter()
            self.seconds[_bucket(frame)] += now - last
            last = now

    def __enter__(self) -> StageSampler:
        sys.setswitchinterval(0.0005)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        sys.setswitchinterval(self._switch)

    def shares(self) -> dict[str, float]:
        total = sum(self.seconds.values()) or 1.0
        return {k: v / total for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1])}
