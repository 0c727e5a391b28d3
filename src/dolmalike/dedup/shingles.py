"""Word n-gram shingles as sorted sets of 64-bit hashes.

Each word is hashed once with xxh3-64; an n-gram's hash is an order-sensitive polynomial
combination of its word hashes (vectorized over the document), finished with the splitmix64
mixer so nearby n-grams get unrelated hashes. 64 bits keep sets collision-free in practice, so
the same arrays serve MinHash and the exact-Jaccard verification of candidate pairs.
"""

from __future__ import annotations

import numpy as np
import xxhash

from dolmalike.dedup.text import words

_POLY = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)

EMPTY = np.zeros(0, dtype=np.uint64)


def word_hashes(tokens: list[str]) -> np.ndarray:
    # map() keeps the per-word loop in C: a third faster than a list comprehension
    return np.fromiter(
        map(xxhash.xxh3_64_intdigest, map(str.encode, tokens)), dtype=np.uint64, count=len(tokens)
    )


def mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer, in place."""
    h ^= h >> _S30
    h *= _M1
    h ^= h >> _S27
    h *= _M2
    h ^= h >> _S31
    return h


def _window_sums(wh: np.ndarray, n: int, m: int) -> np.ndarray:
    """Unmixed polynomial hash of the n word hashes starting at each of the first m positions."""
    with np.errstate(over="ignore"):
        h = wh[:m].copy()
        for k in range(1, n):
            h *= _POLY
            h += wh[k : k + m]
    return h


def ngram_hashes(wh: np.ndarray, n: int) -> np.ndarray:
    """Hashes of every run of n consecutive word hashes (not deduplicated).

    A text shorter than n words yields one shingle of all its words, so short documents can
    still match their exact copies; an empty text yields none.
    """
    if len(wh) == 0:
        return EMPTY
    n = min(n, len(wh))
    return mix64(_window_sums(wh, n, len(wh) - n + 1))


def ngram_hash_rows(texts: list[str], n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Word n-gram hashes of many texts at once, with repeats: (flat uint64, offsets int64).

    Row k is flat[offsets[k]:offsets[k + 1]]; as a set it equals shingle_hashes(texts[k], n).
    One vectorized pass over all texts' words replaces ~10 small numpy calls per document,
    and skipping np.unique (MinHash ignores repeats) saves the largest per-document cost.
    """
    tokens = [words(t) for t in texts]
    lens = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    starts = np.zeros(len(tokens) + 1, dtype=np.int64)
    np.cumsum(lens, out=starts[1:])
    total = int(starts[-1])
    # n − 1 zero pads keep a full window at every word; windows crossing a row end are dropped
    wh = np.zeros(total + n - 1, dtype=np.uint64)
    wh[:total] = word_hashes([w for ws in tokens for w in ws])
    h = _window_sums(wh, n, total)
    counts = np.where(lens >= n, lens - n + 1, np.minimum(lens, 1))
    keep = np.arange(total) - np.repeat(starts[:-1], lens) < np.repeat(counts, lens)
    for r in np.flatnonzero((lens > 0) & (lens < n)).tolist():  # short texts: one all-words gram
        h[starts[r]] = _window_sums(wh[starts[r] : starts[r + 1]], int(lens[r]), 1)[0]
    offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return mix64(h[keep]), offsets


def shingle_hashes(text: str, n: int = 5) -> np.ndarray:
    """Sorted unique uint64 hashes of the word n-grams of the normalized text."""
    return np.unique(ngram_hashes(word_hashes(words(text)), n))


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique shingle arrays (0.0 when both are empty)."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
