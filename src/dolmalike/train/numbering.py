"""OLMo-core's instance numbering and step order, so `batch --step N` names what OLMo-core would feed.

Replicates ai2-olmo-core 3.0.0 `NumpyFSLDataset` + `NumpyFSLDataLoader` (single DP rank view of the
global batch, `chunk_size=1`, no `max_target_sequence_length`, no source permutation):

- each shard file is chunked on its own: file k holds `tokens_k // L` instances, numbered after those
  of files 0..k-1 in meta.json order; each file's remainder (< L tokens) is never read;
- epoch e (1-based, as the OLMo trainer calls `reshuffle(epoch)`) shuffles
  `np.arange(n, dtype=uint32)` in place with `Generator(PCG64(seed + e))`;
- an epoch has `n // B` global batches (the tail of the shuffled indices is dropped); batch b of
  epoch e is `indices[b·B:(b+1)·B]`, and the trainer then moves to epoch e+1.

So optimizer step s reads epoch `1 + s // (n // B)`, batch `s % (n // B)`.

The older "stream" numbering (data.Instances / data.InstanceOrder: all shards as one stream, windows
across shard boundaries, epochs wrap at position granularity) stays selectable with
`numbering: stream`: it wastes no tokens at shard ends, which matters for tiny mixes with many shards.
"""

from __future__ import annotations

import numpy as np

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.tokens import TokenStore
from dolmalike.train.data import Instances

NUMBERINGS = ("olmo", "stream")


class FileInstances(Instances):
    """OLMo-core FSL instances: instance i is a window of L tokens inside one shard file."""

    def __init__(self, store: TokenStore, seq_len: int) -> None:
        self.store = store
        self.seq_len = seq_len
        sizes = np.diff(store.offsets)
        per_file = sizes // seq_len
        # first[k] = id of file k's first instance; first[-1] = n
        self.first = np.concatenate([[0], np.cumsum(per_file)]).astype(np.int64)
        self.n = int(self.first[-1])
        if self.n == 0:
            raise DolmalikeError(
                f"{store.dir}: no shard holds one instance of {seq_len} tokens "
                f"(largest shard: {int(sizes.max()) if len(sizes) else 0}); lower seq_len or use numbering: stream"
            )

    def span(self, i: int) -> tuple[int, int]:
        if not 0 <= i < self.n:
            raise IndexError(f"instance {i} outside [0, {self.n})")
        k = int(np.searchsorted(self.first, i, side="right")) - 1
        a = int(self.store.offsets[k]) + (i - int(self.first[k])) * self.seq_len
        return a, a + self.seq_len

    def batch(self, ids: np.ndarray) -> np.ndarray:
        L = self.seq_len
        ids = np.asarray(ids, dtype=np.int64)
        files = np.searchsorted(self.first, ids, side="right") - 1
        out = np.empty((len(ids), L), dtype=np.int64)
        for row, (i, k) in enumerate(zip(ids.tolist(), files.tolist())):
            local = (i - int(self.first[k])) * L
            out[row] = self.store.arrays[k][local : local + L]
        return out

    def covering(self, start: int, end: int) -> list[int]:
        """Ids of the instances whose window overlaps stream positions [start, end)."""
        out: list[int] = []
        k = int(np.searchsorted(self.store.offsets, start, side="right")) - 1
        while k < len(self.store.arrays) and int(self.store.offsets[k]) < end:
            base, L = int(self.store.offsets[k]), self.seq_len
            lo, hi = max(start, base) - base, min(end, int(self.store.offsets[k + 1])) - base
            for j in range(lo // L, min((hi - 1) // L + 1, int(self.first[k + 1] - self.first[k]))):
                out.append(int(self.first[k]) + j)
            k += 1
        return out

    def order(self, seed: int) -> OlmoOrder:
        return OlmoOrder(self.n, seed)


class OlmoOrder:
    """NumpyFSLDataLoader's global order: per-epoch PCG64(seed + epoch) shuffle, epochs from 1."""

    def __init__(self, n_instances: int, seed: int) -> None:
        self.n = n_instances
        self.seed = seed
        self._cache: dict[int, np.ndarray] = {}

    def epoch_indices(self, epoch: int) -> np.ndarray:
        idx = self._cache.get(epoch)
        if idx is None:
            idx = np.arange(self.n, dtype=np.uint32)
            np.random.Generator(np.random.PCG64(self.seed + epoch)).shuffle(idx)
            if len(self._cache) >= 2:  # steps only move forward: keep the current and next epoch
                self._cache.pop(min(self._cache))
            self._cache[epoch] = idx
        return idx

    def batches_per_epoch(self, batch_size: int) -> int:
        nb = self.n // batch_size
        if nb == 0:
            raise DolmalikeError(
                f"{self.n} instances are fewer than one batch of {batch_size} (OLMo numbering drops partial batches)"
            )
        return nb

    def epoch(self, step: int, batch_size: int) -> int:
        return 1 + step // self.batches_per_epoch(batch_size)

    def step(self, step: int, batch_size: int) -> np.ndarray:
        b = step % self.batches_per_epoch(batch_size)
        idx = self.epoch_indices(self.epoch(step, batch_size))
        return idx[b * batch_size : (b + 1) * batch_size].astype(np.int64)


def training_instances(store: TokenStore, seq_len: int, numbering: str) -> Instances:
    """The training split's instances under `numbering` ("olmo" or "stream")."""
    if numbering == "olmo":
        return FileInstances(store, seq_len)
    if numbering == "stream":
        return Instances(store, seq_len)
    raise DolmalikeError(f"numbering must be one of {', '.join(NUMBERINGS)}, not {numbering!r}")
