"""MinHash signatures of shingle-hash sets, computed by rensa (a Rust MinHash) in bulk.

The estimator is datasketch's: Jaccard ≈ fraction of equal signature entries. rensa's RMinHash
permutes our 64-bit shingle hashes itself (seeded, 32-bit signature values), so the Python side
only shingles; one call signs a whole batch of documents from a flat hash buffer + offsets,
which is what puts the signature step at or above rensa's own string API (see
benchmarks/bench_dedup_speed.py). Signatures are stored as uint64 so that EMPTY_VALUE, which no
32-bit entry can equal, marks documents without shingles.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

# rensa signs a batch on a process-wide rayon pool. A pool started before a fork is dead in the
# child (its threads are not copied), so the child's first batch waits forever, and datatrove's
# local executor forks its workers. Our executors already run one worker per core, so rensa runs
# single-threaded: identical signatures, no fork hazard. This must be set before rayon's first use.
os.environ["RAYON_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
from rensa import RMinHash  # noqa: E402

# Signature entry of a document without shingles; never produced by rensa (entries < 2^32).
EMPTY_VALUE = np.uint64(0xFFFFFFFFFFFFFFFF)


class MinHasher:
    """num_perm seeded permutations; the same (num_perm, seed) gives the same signatures."""

    def __init__(self, num_perm: int = 112, seed: int = 1) -> None:
        if num_perm < 1:
            raise ValueError("num_perm must be positive")
        if not 0 <= seed < 1 << 64:
            raise ValueError("seed must fit in 64 bits")
        self.num_perm = num_perm
        self.seed = seed

    def signature_rows(self, flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """(rows, num_perm) uint64 signatures of the sets flat[offsets[k]:offsets[k + 1]]
        (repeats within a set are harmless); EMPTY_VALUE everywhere in an empty row."""
        n = len(offsets) - 1
        if n <= 0:
            return np.zeros((0, self.num_perm), dtype=np.uint64)
        matrix = RMinHash.digest_matrix_from_flat_token_hashes(
            np.ascontiguousarray(flat, dtype=np.uint64),
            np.ascontiguousarray(offsets, dtype=np.uint64),
            self.num_perm,
            self.seed,
        )
        sig = np.array(matrix.to_rows(), dtype=np.uint64).reshape(n, self.num_perm)
        sig[np.diff(offsets) == 0] = EMPTY_VALUE
        return sig

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """(num_perm,) uint64 signature of one shingle-hash set."""
        return self.signature_rows(np.asarray(shingles, dtype=np.uint64), np.array([0, len(shingles)]))[0]

    def signatures(self, shingle_sets: Iterable[np.ndarray]) -> np.ndarray:
        """(n_docs, num_perm) uint64 signatures."""
        sets = [np.asarray(s, dtype=np.uint64) for s in shingle_sets]
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sets], out=offsets[1:])
        flat = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64)
        return self.signature_rows(flat, offsets)


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray | float:
    """Fraction of equal entries (datasketch's estimator); row-wise for 2-D inputs.

    Two empty documents share no shingles, so they estimate 0, not 1.
    """
    eq = (sig_a == sig_b) & (sig_a != EMPTY_VALUE)
    if eq.ndim == 1:
        return float(np.count_nonzero(eq)) / eq.shape[0]
    return np.count_nonzero(eq, axis=1) / eq.shape[1]
