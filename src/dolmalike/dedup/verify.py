"""Exact Jaccard from the stored shingle sets of candidate documents (the clusters step).

Shingle sets live on disk, one flat array + offsets per partition (ShingleTask), and are read
one document at a time with pread, so the clusters task holds a couple of sets at once however
many candidates the run has.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from dolmalike.dedup.lsh import encode_pairs
from dolmalike.dedup.npyio import NpyReader, load_npy
from dolmalike.dedup.shingles import exact_jaccard

if TYPE_CHECKING:
    from dolmalike.dedup.minhash_tasks import MinHashWork

_MAX_OPEN = 64


class ShingleStore:
    """Global index -> shingle set, read from the per-partition candidate stores on demand."""

    def __init__(self, work: MinHashWork, partitions: list[str], offsets: np.ndarray) -> None:
        self.work, self.partitions, self.offsets = work, partitions, offsets
        self.rows = [load_npy(work.candidates(p)) for p in partitions]
        self.bounds = [load_npy(work.shingle_offsets(p)) for p in partitions]
        self._open: OrderedDict[int, NpyReader] = OrderedDict()

    def _reader(self, pi: int) -> NpyReader:
        reader = self._open.get(pi)
        if reader is None:
            reader = self._open[pi] = NpyReader(self.work.shingles(self.partitions[pi]))
            if len(self._open) > _MAX_OPEN:  # bound open files on runs with many partitions
                self._open.popitem(last=False)[1].close()
        self._open.move_to_end(pi)
        return reader

    def get(self, g: int) -> np.ndarray:
        pi = int(np.searchsorted(self.offsets, g, side="right")) - 1
        pos = int(np.searchsorted(self.rows[pi], g - self.offsets[pi]))
        return self._reader(pi).slice(int(self.bounds[pi][pos]), int(self.bounds[pi][pos + 1]))

    def sizes(self, g: np.ndarray) -> np.ndarray:
        """Number of distinct shingles of each document g[k], without reading the sets."""
        part = np.searchsorted(self.offsets, g, side="right") - 1
        out = np.zeros(len(g), dtype=np.int64)
        for pi in np.unique(part).tolist():
            sel = np.flatnonzero(part == pi)
            pos = np.searchsorted(self.rows[pi], g[sel] - self.offsets[pi])
            out[sel] = np.diff(self.bounds[pi])[pos]
        return out

    def close(self) -> None:
        for reader in self._open.values():
            reader.close()
        self._open.clear()


def pair_jaccard(store: ShingleStore, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Exact Jaccard of each candidate pair (i[k], j[k]), pairs sorted by i."""
    out = np.empty(len(i), dtype=np.float64)
    cached_i, set_i = -1, None
    for k in range(len(i)):  # each left-hand set is read once
        if i[k] != cached_i:
            cached_i, set_i = i[k], store.get(int(i[k]))
        out[k] = exact_jaccard(set_i, store.get(int(j[k])))
    return out


class ExactJaccard:
    """Jaccard of a star center to other documents of its component (a stars.Similarity).

    Nodes are indices into `nodes` (global document indices). Candidate pairs were already
    verified, so their Jaccard is looked up; other pairs are computed from the shingle sets,
    except where the size bound J ≤ min(|A|, |B|) / max(|A|, |B|) already rules out the
    threshold: those get the bound (< threshold) instead of the exact value.
    """

    def __init__(
        self,
        store: ShingleStore,
        nodes: np.ndarray,
        n_shingles: np.ndarray,
        pairs: np.ndarray,
        pair_values: np.ndarray,
        threshold: float,
    ) -> None:
        self.store, self.nodes, self.n_shingles = store, nodes, n_shingles
        self.pairs, self.pair_values, self.threshold = pairs, pair_values, threshold
        self.computed = 0  # exact Jaccards computed beyond the candidate pairs (stats)

    def __call__(self, center: int, members: np.ndarray) -> np.ndarray:
        gc, gm = self.nodes[center], self.nodes[members]
        out = np.zeros(len(members), dtype=np.float64)
        keys = encode_pairs(np.minimum(gc, gm), np.maximum(gc, gm))
        pos = np.minimum(np.searchsorted(self.pairs, keys), max(len(self.pairs) - 1, 0))
        known = (self.pairs[pos] == keys) if len(self.pairs) else np.zeros(len(keys), dtype=bool)
        out[known] = self.pair_values[pos[known]]
        nc, nm = self.n_shingles[center], self.n_shingles[members]
        bound = np.minimum(nc, nm) / np.maximum(np.maximum(nc, nm), 1)
        pruned = ~known & (bound < self.threshold)
        out[pruned] = bound[pruned]
        todo = np.flatnonzero(~known & ~pruned)
        if len(todo):
            center_set = self.store.get(int(gc))
            for k in todo.tolist():
                out[k] = exact_jaccard(center_set, self.store.get(int(gm[k])))
            self.computed += len(todo)
        return out
