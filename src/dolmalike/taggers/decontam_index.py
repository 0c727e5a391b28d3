"""N-gram index of eval sets and n-gram matching of documents against it.

Text is normalized the same way on both sides: tokens are maximal runs of letters/digits
(so punctuation and underscores separate tokens and are dropped), lowercased. Each token is
hashed with xxhash64 and an n-gram's hash is a polynomial over its token hashes (uint64
arithmetic, wrapping), so all n-grams of a text come from n vectorized numpy operations.

The index keeps, per gram length, a sorted array of gram hashes and a parallel array of the
items they came from. Items with fewer than n tokens are indexed whole, as one gram of their
own length, when they have at least `min_item_tokens` tokens; shorter ones are skipped
(a handful of words match too much ordinary text to mean contamination).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import xxhash

from dolmalike.taggers.decontam_evalsets import EvalItem

_TOKEN = re.compile(r"[^\W_]+")
_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier (golden ratio)


def tokens(text: str) -> list[str]:
    found = _TOKEN.findall(text)
    # Lowercase once over the joined string (faster than per token; never adds spaces).
    return " ".join(found).lower().split(" ") if found else []


def token_offsets(text: str) -> list[tuple[int, int]]:
    """Character [start, end) of each token of `tokens(text)`, in the same order."""
    return [m.span() for m in _TOKEN.finditer(text)]


def token_hashes(toks: Sequence[str]) -> np.ndarray:
    # map() keeps the per-token loop in C (a generator expression runs a Python frame per token)
    return np.fromiter(map(xxhash.xxh64_intdigest, map(str.encode, toks)), dtype=np.uint64, count=len(toks))


def gram_hashes(h: np.ndarray, n: int) -> np.ndarray:
    """Hash of every window of n consecutive token hashes (len(h) - n + 1 of them)."""
    w = len(h) - n + 1
    if w <= 0:
        return np.empty(0, dtype=np.uint64)
    acc = h[:w].copy()
    for i in range(1, n):
        acc *= _BASE
        acc += h[i : i + w]
    return acc


def _grams_at(h: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """Hash of the window of `length` tokens at each start (same polynomial as gram_hashes)."""
    acc = h[starts].copy()
    for i in range(1, length):
        acc *= _BASE
        acc += h[starts + i]
    return acc


class _Table:
    """Gram hashes (sorted) with the item index each came from; (hash, item) pairs unique.

    Every table also gets a one-hash Bloom-style bitmap over the top bits of each gram hash
    (~16 bits per key, ~6% false candidates): most of a document's grams are rejected with
    one memory access instead of a ~20-step binary search through megabytes of keys (or,
    for the small tables of short items, a ~12-step one: still most of the matching time).
    The top bits, not the low ones, because in a polynomial hash mod 2^64 high bits
    depend on every input bit while low bits only on low bits.
    """

    MIN_BITMAP_KEYS = 1

    def __init__(self, keys: np.ndarray, items: np.ndarray) -> None:
        order = np.lexsort((items, keys))
        keys, items = keys[order], items[order]
        if len(keys):
            keep = np.ones(len(keys), dtype=bool)
            keep[1:] = (keys[1:] != keys[:-1]) | (items[1:] != items[:-1])
            keys, items = keys[keep], items[keep]
        self.keys, self.items = keys, items.astype(np.int32)
        self.shift: np.uint64 | None = None
        self.bitmap: np.ndarray | None = None
        if len(keys) >= self.MIN_BITMAP_KEYS:
            log2 = int(np.ceil(np.log2(len(keys) * 16)))
            self.shift = np.uint64(64 - log2)
            present = np.zeros(1 << log2, dtype=bool)
            present[(keys >> self.shift).astype(np.int64)] = True
            self.bitmap = np.packbits(present, bitorder="little")

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The table as named arrays (for `from_arrays`)."""
        out = {f"{prefix}keys": self.keys, f"{prefix}items": self.items}
        if self.bitmap is not None:
            out[f"{prefix}bitmap"] = self.bitmap
            out[f"{prefix}shift"] = np.array([self.shift], dtype=np.uint64)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> _Table:
        """The table `arrays(prefix)` described, without sorting again."""
        table = cls.__new__(cls)
        table.keys = arrays[f"{prefix}keys"]
        table.items = arrays[f"{prefix}items"]
        if (
            table.keys.dtype != np.uint64
            or table.items.dtype != np.int32
            or len(table.keys) != len(table.items)
        ):
            raise ValueError(f"bad n-gram table {prefix!r}")
        table.shift, table.bitmap = None, None
        if f"{prefix}bitmap" in arrays:
            table.bitmap = arrays[f"{prefix}bitmap"]
            table.shift = np.uint64(arrays[f"{prefix}shift"][0])
        return table

    def hits(self, grams: np.ndarray) -> np.ndarray:
        """Boolean mask: which grams are in the table."""
        mask = np.zeros(len(grams), dtype=bool)
        if not len(self.keys) or not len(grams):
            return mask
        cand = np.arange(len(grams))
        if self.bitmap is not None:
            slot = (grams >> self.shift).astype(np.int64)
            cand = np.flatnonzero((self.bitmap[slot >> 3] >> (slot & 7).astype(np.uint8)) & 1)
        if len(cand):
            g = grams[cand]
            pos = np.minimum(np.searchsorted(self.keys, g), len(self.keys) - 1)
            mask[cand] = self.keys[pos] == g
        return mask

    def items_of(self, grams: np.ndarray) -> set[int]:
        left = np.searchsorted(self.keys, grams, side="left")
        right = np.searchsorted(self.keys, grams, side="right")
        out: set[int] = set()
        for a, b in zip(left.tolist(), right.tolist()):
            out.update(self.items[a:b].tolist())
        return out


@dataclass
class Matches:
    n_grams: int  # the document's n-grams
    n_matched: int  # of those, found in the index
    n_short_matched: int  # whole short items found
    items: set[int] = field(default_factory=set)
    # token ranges [start, end) covered by matched grams, merged, in order
    token_spans: list[tuple[int, int]] = field(default_factory=list)


_STATS = ("items", "sequences", "short_sequences", "skipped_sequences")


class NgramIndex:
    def __init__(self, items: Sequence[EvalItem], n: int = 13, min_item_tokens: int = 8) -> None:
        if n < 1 or min_item_tokens < 1:
            raise ValueError("n and min_item_tokens must be >= 1")
        self.n = n
        self.min_item_tokens = min(min_item_tokens, n)
        self.item_ids = [it.item_id for it in items]
        self.stats = {"items": len(items), "sequences": 0, "short_sequences": 0, "skipped_sequences": 0}
        self.tables = self._build(items)

    def _build(self, items: Sequence[EvalItem]) -> dict[int, _Table]:
        hashes: list[np.ndarray] = []
        seq_item: list[int] = []
        for idx, item in enumerate(items):
            for seq in item.sequences:
                hashes.append(token_hashes(tokens(seq)))
                seq_item.append(idx)
        self.stats["sequences"] = len(hashes)
        lengths = np.array([len(h) for h in hashes], dtype=np.int64)
        flat = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.uint64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if hashes else lengths
        owner = np.array(seq_item, dtype=np.int64)

        tables: dict[int, _Table] = {}
        # n-grams of every long-enough sequence in one pass; windows crossing a sequence
        # boundary are dropped.
        seq_of_token = np.repeat(np.arange(len(lengths)), lengths)
        grams = gram_hashes(flat, self.n)
        if len(grams):
            inside = seq_of_token[: len(grams)] == seq_of_token[self.n - 1 :]
            tables[self.n] = _Table(grams[inside], owner[seq_of_token[: len(grams)][inside]])
        # short sequences: one whole-sequence gram, grouped by length
        for length in range(self.min_item_tokens, self.n):
            sel = np.flatnonzero(lengths == length)
            if len(sel):
                tables[length] = _Table(_grams_at(flat, starts[sel], length), owner[sel])
                self.stats["short_sequences"] += len(sel)
        self.stats["skipped_sequences"] = int(np.count_nonzero(lengths < self.min_item_tokens))
        return tables

    def arrays(self) -> dict[str, np.ndarray]:
        """The built index as named arrays (what `from_arrays` takes back; decontam_cache
        stores them)."""
        out: dict[str, np.ndarray] = {
            "n": np.array([self.n, self.min_item_tokens], dtype=np.int64),
            "item_ids": np.frombuffer(json.dumps(self.item_ids).encode(), dtype=np.uint8),
            "stats": np.array([self.stats[k] for k in _STATS], dtype=np.int64),
            "lengths": np.array(sorted(self.tables), dtype=np.int64),
        }
        for length, table in self.tables.items():
            out.update(table.arrays(f"t{length}_"))
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> NgramIndex:
        """The index `arrays()` described, without reading the eval sets again."""
        index = cls.__new__(cls)
        index.n, index.min_item_tokens = (int(v) for v in arrays["n"])
        index.item_ids = json.loads(arrays["item_ids"].tobytes())
        index.stats = dict(zip(_STATS, arrays["stats"].tolist()))
        lengths = arrays["lengths"].tolist()
        # in the order _build makes them (n first, then the short lengths), which match follows
        order = [index.n, *[x for x in lengths if x != index.n]] if index.n in lengths else lengths
        index.tables = {length: _Table.from_arrays(arrays, f"t{length}_") for length in order}
        return index

    @property
    def n_grams(self) -> int:
        return sum(len(t.keys) for t in self.tables.values())

    def match(self, toks: Sequence[str]) -> Matches:
        return self.match_batch([toks])[0]

    def match_batch(self, docs: Sequence[Sequence[str]]) -> list[Matches]:
        """`match` of each document's tokens, for a whole batch at once: the token hashes of
        every document in one array, so each table costs a few numpy calls per batch instead
        of per document (windows that cross documents are dropped)."""
        lens = np.array([len(t) for t in docs], dtype=np.int64)
        h = token_hashes([t for toks in docs for t in toks])
        first = np.zeros(len(docs) + 1, dtype=np.int64)  # tokens of doc d: first[d]:first[d + 1]
        np.cumsum(lens, out=first[1:])
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lens)
        out = [Matches(n_grams=max(0, int(k) - self.n + 1), n_matched=0, n_short_matched=0) for k in lens]
        covered = np.zeros(len(h) + 1, dtype=np.int64)  # difference array over all tokens
        hit_docs: set[int] = set()
        for length, table in self.tables.items():
            grams = gram_hashes(h, length)
            if not len(grams):
                continue
            hit = table.hits(grams)
            hit &= doc_of[: len(grams)] == doc_of[length - 1 :]  # inside one document
            where = np.flatnonzero(hit)
            if not len(where):
                continue
            docs_hit = doc_of[where]
            counts = np.bincount(docs_hit, minlength=len(docs))
            for d in np.flatnonzero(counts).tolist():
                if length == self.n:
                    out[d].n_matched = int(counts[d])
                else:
                    out[d].n_short_matched += int(counts[d])
            left = np.searchsorted(table.keys, grams[where], side="left").tolist()
            right = np.searchsorted(table.keys, grams[where], side="right").tolist()
            for d, a, b in zip(docs_hit.tolist(), left, right):
                out[d].items.update(table.items[a:b].tolist())
            hit_docs.update(np.unique(docs_hit).tolist())
            np.add.at(covered, where, 1)
            np.add.at(covered, where + length, -1)
        if hit_docs:
            depth = np.cumsum(covered[:-1])
            for d in sorted(hit_docs):
                if out[d].items:
                    out[d].token_spans = _runs(depth[first[d] : first[d + 1]] > 0)
        return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))
