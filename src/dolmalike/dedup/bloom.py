"""A Bloom filter over a numpy bit array, and the paragraph splitting of Dolma's deduper.

k bit positions come from one xxh3-128 hash per item by double hashing
(Kirsch–Mitzenmacher: g_i = h1 + i·h2 mod m), which keeps the false-positive rate of k
independent hashes while hashing each paragraph once.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import xxhash

_LO64 = (1 << 64) - 1


def optimal_size(expected_items: int, fp_rate: float) -> tuple[int, int]:
    """(bits m, hashes k) minimizing memory for n items at false-positive rate p:
    m = −n·ln p / (ln 2)², k = (m/n)·ln 2."""
    if not 0.0 < fp_rate < 1.0:
        raise ValueError("fp_rate must be in (0, 1)")
    n = max(1, expected_items)
    m = math.ceil(-n * math.log(fp_rate) / (math.log(2) ** 2))
    m = max(64, (m + 63) // 64 * 64)
    k = max(1, round(m / n * math.log(2)))
    return m, k


def item_hashes(items: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(h1, h2) uint64 arrays from xxh3-128; h2 is forced odd so the k probes are distinct."""
    h1 = np.empty(len(items), dtype=np.uint64)
    h2 = np.empty(len(items), dtype=np.uint64)
    for n, item in enumerate(items):
        d = xxhash.xxh3_128_intdigest(item)
        h1[n] = d & _LO64
        h2[n] = (d >> 64) | 1
    return h1, h2


class BloomFilter:
    def __init__(self, expected_items: int, fp_rate: float = 1e-4) -> None:
        self.num_bits, self.num_hashes = optimal_size(expected_items, fp_rate)
        self.expected_items = expected_items
        self.fp_rate = fp_rate
        self.bits = np.zeros(self.num_bits // 8, dtype=np.uint8)
        self._i = np.arange(self.num_hashes, dtype=np.uint64)[None, :]
        self._m = np.uint64(self.num_bits)

    @property
    def size_bytes(self) -> int:
        return self.bits.nbytes

    def _positions(self, h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (h1[:, None] + self._i * h2[:, None]) % self._m  # (n, k)

    def bits_at(self, pos: np.ndarray) -> np.ndarray:
        """Boolean of the same shape as `pos`: is each bit position set."""
        return ((self.bits[pos >> np.uint64(3)] >> (pos & np.uint64(7)).astype(np.uint8)) & 1).astype(bool)

    def contains(self, h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
        """Boolean per item: all k bits set (possibly a false positive, never a false negative)."""
        pos = self._positions(h1, h2)
        return self.bits_at(pos).all(axis=1) if len(pos) else np.zeros(0, dtype=bool)

    def add(self, h1: np.ndarray, h2: np.ndarray) -> None:
        self.set_positions(self._positions(h1, h2).ravel())

    def set_positions(self, pos: np.ndarray) -> None:
        np.bitwise_or.at(self.bits, pos >> np.uint64(3), (1 << (pos & np.uint64(7))).astype(np.uint8))

    def fill_ratio(self) -> float:
        return float(np.unpackbits(self.bits).mean())


class Paragraph(NamedTuple):
    start: int  # character offsets into the document text
    end: int  # exclusive; includes the trailing "\n" like Dolma's spans
    text: str


def paragraphs(text: str) -> list[Paragraph]:
    """Newline-separated paragraphs, skipping whitespace-only ones (Dolma's `skip_empty`)."""
    out: list[Paragraph] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            out.append(Paragraph(start, min(end + 1, len(text)), line))
        start = end + 1
    return out


def check_and_add(bloom: BloomFilter, items: list[bytes]) -> np.ndarray:
    """Dolma/BFF semantics for one document's items, in order: an item is a duplicate if the
    filter already held it; otherwise it is inserted. A repeat inside the same document is a
    duplicate too (its first copy was inserted first)."""
    h1, h2 = item_hashes(items)
    return check_and_add_docs(bloom, h1, h2, np.zeros(len(items), dtype=np.int64))


def check_and_add_docs(bloom: BloomFilter, h1: np.ndarray, h2: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """check_and_add for the items of many documents at once (`doc`: each item's document index,
    non-decreasing): the same flags, false positives included, as calling it document by document.

    Why that holds: a document's items are checked against the filter as it stood before the
    document, and a flagged item is not inserted, but then all its bits were set already. So the
    filter before document d is the filter before the batch plus the bits of every item of the
    documents before d, whatever their flags: an item is a duplicate iff each of its k bits was
    set before the batch or belongs to an item of an earlier document, or it repeats an item
    earlier in its own document. One sort replaces a dozen small numpy calls per document."""
    n = len(h1)
    if n == 0:
        return np.zeros(0, dtype=bool)
    if np.any(doc[1:] < doc[:-1]):
        raise ValueError("items must come in document order")
    pos = bloom._positions(h1, h2)  # (n, k)
    k = pos.shape[1]
    flat = pos.ravel()
    owner = np.repeat(doc.astype(np.int64), k)
    # the first document of the batch to set each distinct bit position: `owner` never decreases
    # along `flat`, so a stable sort by position keeps each position's earliest document first
    order = np.argsort(flat, kind="stable")
    sorted_pos, sorted_owner = flat[order], owner[order]
    first = np.empty(len(order), dtype=bool)
    first[0] = True
    np.not_equal(sorted_pos[1:], sorted_pos[:-1], out=first[1:])
    earliest = sorted_owner[first][np.cumsum(first) - 1]  # per sorted entry: its position's first owner
    set_by_earlier = np.empty(len(order), dtype=bool)
    set_by_earlier[order] = earliest < sorted_owner
    dup = (bloom.bits_at(pos) | set_by_earlier.reshape(n, k)).all(axis=1)
    # an exact repeat inside its own document (one in an earlier document is caught above)
    by_doc = np.lexsort((np.arange(n), h2, h1, doc))
    d, a, b = doc[by_doc], h1[by_doc], h2[by_doc]
    same = (d[1:] == d[:-1]) & (a[1:] == a[:-1]) & (b[1:] == b[:-1])
    dup[by_doc[1:][same]] = True
    bloom.set_positions(flat)
    return dup
