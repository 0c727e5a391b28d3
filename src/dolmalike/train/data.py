"""Training instances over a MIX_DIR's token shards, and their deterministic order.

Layout (written by the tokenizer): `<split>/meta.json` plus raw little-endian token arrays
`<split>/shard-NNNNN.npy` with NO npy header (the OLMo/dolma memmap layout), where split is
`shards` (training) or `heldout`.

Instances under `numbering: stream` (the default is OLMo-core's, train.numbering):
- the shards are concatenated in `meta.json` order into one stream of `total` tokens;
- instance i is the window [i·L, (i+1)·L) of that stream; the tail shorter than L is dropped;
- a window may span a shard boundary (it is read in pieces);
- the model reads inputs window[:-1] and targets window[1:], i.e. L tokens per instance give L-1
  predictions, as in OLMo. This keeps instance boundaries on multiples of L, so a token's instance
  is `offset // L` and `dolmalike batch` can map a step back to shard offsets with integer math.

Order: epoch e is `Generator(PCG64(seed + e)).permutation(n_instances)`; the global position p
(step s, slot j => p = s·B + j) reads epoch p // n, index p % n. So step s takes perm[s·B:(s+1)·B]
and wraps into a freshly shuffled epoch when the data runs out. Nothing depends on workers or
ranks: a rank only takes a slice of the step's instances.
"""

from __future__ import annotations

import numpy as np

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.tokens import TokenStore


class Instances:
    """Fixed-length windows over a TokenStore: instance i = tokens [i·L, (i+1)·L)."""

    def __init__(self, store: TokenStore, seq_len: int) -> None:
        self.store = store
        self.seq_len = seq_len
        self.n = store.total_tokens // seq_len
        if self.n == 0:
            raise DolmalikeError(
                f"{store.dir}: {store.total_tokens} tokens is fewer than one instance of {seq_len}"
            )

    def span(self, i: int) -> tuple[int, int]:
        return i * self.seq_len, (i + 1) * self.seq_len

    def get(self, i: int) -> np.ndarray:
        return self.store.read(*self.span(i))

    def covering(self, start: int, end: int) -> list[int]:
        """Ids of the instances whose window overlaps stream positions [start, end)."""
        return list(range(start // self.seq_len, min((end - 1) // self.seq_len + 1, self.n)))

    def order(self, seed: int) -> InstanceOrder:
        """The step order that goes with this numbering."""
        return InstanceOrder(self.n, seed)

    def batch(self, ids: np.ndarray) -> np.ndarray:
        """(len(ids), L) int64 array of the instances' tokens."""
        L = self.seq_len
        out = np.empty((len(ids), L), dtype=np.int64)
        starts = np.asarray(ids, dtype=np.int64) * L
        offsets = self.store.offsets
        shards = np.searchsorted(offsets, starts, side="right") - 1
        for row, (start, k) in enumerate(zip(starts.tolist(), shards.tolist())):
            local = start - int(offsets[k])
            if start + L <= offsets[k + 1]:  # fast path: the window lies in one shard
                out[row] = self.store.arrays[k][local : local + L]
            else:
                out[row] = self.store.read(start, start + L)
        return out


class InstanceOrder:
    """Seeded, epoch-wise shuffled order of instance ids; a pure function of (n, seed)."""

    def __init__(self, n_instances: int, seed: int) -> None:
        self.n = n_instances
        self.seed = seed
        self._cache: dict[int, np.ndarray] = {}

    def epoch_perm(self, epoch: int) -> np.ndarray:
        perm = self._cache.get(epoch)
        if perm is None:
            perm = np.random.Generator(np.random.PCG64(self.seed + epoch)).permutation(self.n)
            if len(self._cache) >= 2:  # steps only move forward: keep the current and next epoch
                self._cache.pop(min(self._cache))
            self._cache[epoch] = perm
        return perm

    def positions(self, start: int, stop: int) -> np.ndarray:
        """Instance ids at global positions [start, stop) of the endless, epoch-wise stream."""
        pos = np.arange(start, stop, dtype=np.int64)
        out = np.empty(len(pos), dtype=np.int64)
        epochs = pos // self.n
        for e in np.unique(epochs):
            sel = epochs == e
            out[sel] = self.epoch_perm(int(e))[pos[sel] % self.n]
        return out

    def epoch(self, step: int, batch_size: int) -> int:
        return (step * batch_size) // self.n

    def step(self, step: int, batch_size: int) -> np.ndarray:
        """The instance ids of optimizer step `step`: perm[step·B:(step+1)·B] with epoch wrap."""
        return self.positions(step * batch_size, (step + 1) * batch_size)


def rank_slice(ids: np.ndarray, rank: int, world: int) -> np.ndarray:
    """Rank r of W takes the contiguous slice r of the step's instances (B must divide by W)."""
    if len(ids) % world:
        raise DolmalikeError(f"batch_size {len(ids)} is not divisible by world size {world}")
    per = len(ids) // world
    return ids[rank * per : (rank + 1) * per]
