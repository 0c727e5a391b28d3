"""Replay with an intervention: from step N on, instances holding excluded documents are replaced.

Why instances and not tokens: a step's batch is B fixed windows of L tokens, so removing a
document's tokens would change shapes (or splice unrelated text). Instead every window that
overlaps an excluded document (any repetition) is swapped, from step N on, for a "clean" window
chosen by hash(seed, "exclude", position), so:

- steps < N read exactly the original order (they are copied from the original run anyway);
- in steps >= N, a slot whose original window is clean keeps it; a dirty slot gets a clean window;
- the choice is a pure function of (seed, global position, the excluded set), so `dolmalike batch`
  recomputes every step of the new run from its train.json alone.

The exclusion is recorded in TRAIN_DIR/train.json under "intervention" (at_step, the doc_ids
file, its sha256 and counts); `ordering_for` is the one place both the trainer and `batch` build
the step -> instances order from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import hash_u64
from dolmalike.lineage.split import Split
from dolmalike.train.data import Instances

EXCLUDED_DOCS_FILE = "excluded_docs.txt"


class StepOrder(Protocol):
    n: int

    def step(self, step: int, batch_size: int) -> np.ndarray: ...

    def epoch(self, step: int, batch_size: int) -> int: ...


def dirty_instances(instances: Instances, doc_ids: set[str]) -> np.ndarray:
    """Sorted ids of the instances whose window overlaps any token (or EOS) of the documents."""
    store = instances.store
    sidecars = Split.at(store.dir)
    out: set[int] = set()
    for k in range(len(store.shard_names)):
        rows = sidecars.rows(k)
        hit = np.isin(rows["doc_id"], list(doc_ids))
        base = int(store.offsets[k])
        for a, b in zip(rows["start"][hit].tolist(), rows["end"][hit].tolist()):
            out.update(instances.covering(base + a, base + b + 1))  # [a, b] incl. EOS at b
    return np.array(sorted(out), dtype=np.int64)


class ExcludingOrder:
    """`base` order where, from `at_step` on, dirty instances are replaced by clean ones."""

    def __init__(self, base: StepOrder, dirty: np.ndarray, at_step: int, seed: int) -> None:
        self.base = base
        self.n = base.n
        self.dirty = np.asarray(dirty, dtype=np.int64)
        self.at_step = at_step
        self.seed = seed
        self.clean = np.setdiff1d(np.arange(base.n, dtype=np.int64), self.dirty)
        if len(self.clean) == 0:
            raise DolmalikeError("the exclusion covers every training instance; nothing is left to train on")

    def epoch(self, step: int, batch_size: int) -> int:
        return self.base.epoch(step, batch_size)

    def step(self, step: int, batch_size: int) -> np.ndarray:
        ids = self.base.step(step, batch_size).copy()
        if step < self.at_step:
            return ids
        for j in np.flatnonzero(np.isin(ids, self.dirty)).tolist():
            pos = step * batch_size + j
            ids[j] = self.clean[hash_u64(self.seed, "exclude", pos) % len(self.clean)]
        return ids


@dataclass(frozen=True)
class Intervention:
    """What train.json records about a replay: which run it branched from and what it excluded."""

    from_dir: str
    at_step: int
    doc_ids: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(_ids_text(self.doc_ids).encode()).hexdigest()

    def record(self, n_dirty: int) -> dict[str, Any]:
        return {
            "from": self.from_dir,
            "at_step": self.at_step,
            "excluded_docs": EXCLUDED_DOCS_FILE,
            "excluded_docs_sha256": self.sha256,
            "n_excluded_docs": len(self.doc_ids),
            "n_dirty_instances": n_dirty,
        }

    def write_ids(self, train_dir: Path) -> None:
        from dolmalike.io.atomic import atomic_write_bytes

        atomic_write_bytes(train_dir / EXCLUDED_DOCS_FILE, _ids_text(self.doc_ids).encode())


def _ids_text(doc_ids: tuple[str, ...]) -> str:
    return "".join(f"{d}\n" for d in doc_ids)


def read_ids_file(path: str | Path) -> list[str]:
    """doc_ids one per line; blank lines and `#` comments ignored."""
    p = Path(path)
    if not p.is_file():
        raise DolmalikeError(f"no such file: {p}")
    return [s for line in p.read_text().splitlines() if (s := line.split("#", 1)[0].strip())]


def ordering_for(
    info: dict[str, Any], train_dir: Path, instances: Instances, seed: int, dirty: np.ndarray | None = None
) -> StepOrder:
    """The step -> instances order of the run described by train.json `info` (`dirty`: already
    computed dirty instances, so the trainer need not re-read the ids file it is about to write)."""
    base = instances.order(seed)
    rec = info.get("intervention")
    if not rec:
        return base
    if dirty is None:
        ids = tuple(read_ids_file(train_dir / rec["excluded_docs"]))
        if hashlib.sha256(_ids_text(ids).encode()).hexdigest() != rec["excluded_docs_sha256"]:
            raise DolmalikeError(
                f"{train_dir / rec['excluded_docs']}: changed since training (sha256 differs)"
            )
        dirty = dirty_instances(instances, set(ids))
    return ExcludingOrder(base, dirty, int(rec["at_step"]), seed)
