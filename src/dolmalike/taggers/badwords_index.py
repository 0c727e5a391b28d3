"""Whole-word bad-word search for a whole batch of texts at once, through their word runs.

`RunIndex(terms).candidates(char_batch)` gives, for every text of the batch, exactly what
BadWordsMatcher.candidates gives on the text lower-cased (lower_aligned): every whole-word
occurrence of a term, overlapping ones included, sorted by start then longest first. It
finds them with a few numpy passes over the batch's characters and Python work only where
a term's anchor occurs, instead of running the automaton over every character.
"""

from __future__ import annotations

import re
from bisect import bisect_right

import numpy as np

from dolmalike.taggers.chars import WORD, CharBatch

_BITMAP_MASK = np.uint64((1 << 20) - 1)
_KEY_MUL = np.uint64(0x9E3779B97F4A7C15)
# run characters in a quick and in a finer fingerprint (from the start; < 0: from the end)
_QUICK = (0, 1, -1)
_FINE = (2, 3, 4, 5, 6, -2, -3)


def _run_keys(cb: CharBatch, a: np.ndarray, b: np.ndarray, probes: tuple[int, ...]) -> np.ndarray:
    """A 64-bit fingerprint of each word run codes[a:b] lower-cased, from its length and
    the characters at `probes`: equal runs get equal keys; unequal ones rarely do, and are
    told apart by comparing strings."""
    last = b - 1
    at = [np.minimum(a + i, last) if i >= 0 else np.maximum(b + i, a) for i in probes]
    chars = cb.lowered(np.concatenate(at)).astype(np.uint64).reshape(len(at), -1)
    with np.errstate(over="ignore"):
        k = (b - a).astype(np.uint64)
        for row in chars:
            k = k * _KEY_MUL + row
        return k ^ (k >> np.uint64(29))


class RunIndex:
    """Whole-word term search through the text's word runs (maximal runs of word characters,
    the `\\w` of the whole-word rule; lower-casing never changes whether a character is one).

    Each word run of a term is bounded by non-word characters or the term's ends, so in a
    whole-word occurrence of the term it is a whole word run of the text too. A term is
    therefore looked for only where its longest word run (its anchor, the least common one)
    is a run of the text: the runs are found and fingerprinted for a whole batch in numpy,
    and only the few whose fingerprint is an anchor's are compared with the terms in Python.
    Terms without a run of 3+ characters (e.g. an emoji, "s&m") are found with str.find.
    """

    def __init__(self, terms: list[str]) -> None:
        self.by_run: dict[str, list[tuple[str, int]]] = {}  # anchor -> (term, anchor's offset)
        self.other: list[str] = []
        for t in terms:
            runs = list(re.finditer(r"\w+", t))
            best = max(reversed(runs), key=lambda m: len(m.group()), default=None)  # the last longest
            if best is not None and (best.group() == t or len(best.group()) >= 3):
                self.by_run.setdefault(best.group(), []).append((t, best.start()))
            else:
                self.other.append(t)
        anchors = list(self.by_run)
        # run length -> may it be an anchor (the last entry stands for all longer runs)
        self.len_ok = np.zeros(max(map(len, anchors), default=0) + 2, dtype=bool)
        self.len_ok[[len(r) for r in anchors]] = True
        cb = CharBatch.of(anchors)
        starts = cb.offsets[:-1]
        ends = cb.offsets[1:] - 1
        self.keys = np.unique(_run_keys(cb, starts, ends, _QUICK))
        self.fine_keys = np.unique(_run_keys(cb, starts, ends, _FINE))
        # a membership filter on the keys' low bits, much faster than searching every key
        self.bitmap = np.zeros(int(_BITMAP_MASK) + 1, dtype=bool)
        self.bitmap[self.keys & _BITMAP_MASK] = True

    def candidates(self, cb: CharBatch) -> list[list[tuple[int, int]]]:
        out: list[list[tuple[int, int]]] = [[] for _ in cb.texts]
        if not cb.texts:
            return out
        codes = cb.codes  # texts joined by newlines, which keep runs inside their text
        word = np.zeros(len(codes) + 2, dtype=np.int8)
        np.bitwise_and(cb.cls, WORD, out=word[1:-1].view(np.uint8))
        step = np.diff(word)
        a = np.flatnonzero(step == WORD)
        b = np.flatnonzero(step == -WORD)
        lens = b - a
        keep = np.take(self.len_ok, np.minimum(lens, len(self.len_ok) - 1))
        a, b = a[keep], b[keep]
        keys = _run_keys(cb, a, b, _QUICK)
        hit = np.flatnonzero(np.take(self.bitmap, keys & _BITMAP_MASK))  # few false positives
        hit = hit[_member(self.keys, keys[hit])]
        hit = hit[_member(self.fine_keys, _run_keys(cb, a[hit], b[hit], _FINE))]
        bounds = cb.offsets.tolist()
        if len(hit):
            doc = np.searchsorted(cb.offsets, a[hit], side="right") - 1
            for d, s, e in zip(doc.tolist(), a[hit].tolist(), b[hit].tolist()):
                for term, off in self.by_run.get(cb.lowered_str(s, e), ()):
                    if len(term) == e - s:  # the whole term is this run
                        out[d].append((s - bounds[d], e - bounds[d]))
                    elif s - off >= bounds[d] and _found(cb, s - off, term, bounds[d + 1] - 1):
                        out[d].append((s - off - bounds[d], s - off + len(term) - bounds[d]))
        for term in self.other:
            if term.isascii():
                at = _find_all(cb.ascii_lower, term.encode())
            else:  # where a character lower-cases to the term's first one
                at = cb.lowered_to(ord(term[0])).tolist()
            for s in at:
                d = bisect_right(bounds, s) - 1
                if _found(cb, s, term, bounds[d + 1] - 1):
                    out[d].append((s - bounds[d], s + len(term) - bounds[d]))
        for found in out:
            if len(found) > 1:
                found.sort(key=lambda c: (c[0], -c[1]))
        return out


def _found(cb: CharBatch, start: int, term: str, text_end: int) -> bool:
    """Is `term` at codes[start:] lower-cased, with no word character on either side (and
    inside its text, which ends at `text_end`)?"""
    end = start + len(term)
    if end > text_end or cb.lowered_str(start, end) != term:
        return False
    return not (start and cb.cls[start - 1] & WORD) and not (end < len(cb.codes) and cb.cls[end] & WORD)


def _find_all(s: bytes, needle: bytes) -> list[int]:
    """Start of every occurrence of `needle` in `s`, overlapping ones included."""
    out = []
    pos = s.find(needle)
    while pos != -1:
        out.append(pos)
        pos = s.find(needle, pos + 1)
    return out


def _member(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """keys[i] in sorted_keys, for each i."""
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys
