"""Run the dolma toolkit's taggers over texts; executed by .venv-dolma's Python (see bench_taggers.py).

    .venv-dolma/bin/python benchmarks/_dolma_taggers.py TEXTS.jsonl REPEAT c4_v2 gopher_v1 pii_regex_v2

Stand-alone: it imports dolma (1.2.1, numpy<2 in its own venv), never dolmalike. Prints one JSON
line: best-of-REPEAT CPU and wall seconds of the whole tagger list over all texts, per-tagger
CPU seconds, and the process's peak RSS.
"""

from __future__ import annotations

import json
import sys
import time

from dolma.core.data_types import Document
from dolma.core.registry import TaggerRegistry


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def main() -> None:
    path, repeat, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    import dolma.taggers  # noqa: F401  (dolma registers its taggers on import)

    with open(path, encoding="utf-8") as f:
        docs = [
            Document(source="bench", id=str(i), text=json.loads(line)["text"]) for i, line in enumerate(f)
        ]
    taggers = [TaggerRegistry.get(name)() for name in names]
    for t in taggers:  # warm-up (compiled patterns, lazy imports)
        for d in docs[:20]:
            t.predict(d)
    best = {"cpu": float("inf"), "wall": float("inf")}
    per = {name: float("inf") for name in names}
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        for name, t in zip(names, taggers):
            t0 = time.process_time()
            for d in docs:
                t.predict(d)
            per[name] = min(per[name], time.process_time() - t0)
        best["cpu"] = min(best["cpu"], time.process_time() - c0)
        best["wall"] = min(best["wall"], time.perf_counter() - w0)
    print(json.dumps({**best, "per_tagger_cpu": per, "peak_mb": _peak_mb()}))


if __name__ == "__main__":
    main()
