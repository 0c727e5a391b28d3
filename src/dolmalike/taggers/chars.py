"""The characters of a batch of texts as numpy arrays, shared by the taggers that work on
characters (tokens, lines, C4's sentence count, bad-word search, PII numeric runs).

`CharBatch`: the texts joined by newlines, their code points and per-character classes
(from a code-point table filled lazily); `LineBatch`: their lines (str.splitlines) and
stripped lines as offsets into those code points. `char_batch(texts)` / `line_batch(texts)`
remember the last batch they built, keyed by the identity of its texts, so the taggers of a
batch share one of each (about 5 bytes per character, plus a few arrays per line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import regex
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION

# character classes, one bit each; KNOWN marks table entries already computed
WORD, SPACE, ALPHA, PUNCT, APOSTROPHE, TERMINAL, UPPER, KNOWN = 1, 2, 4, 8, 16, 32, 64, 128

_UPPER_RE = regex.compile(r"\p{Lu}")


def is_upper(c: str) -> bool:
    """Unicode category Lu, as the regex module's \\p{Lu} sees it (str.isupper differs)."""
    if c.isascii():
        return "A" <= c <= "Z"
    return _UPPER_RE.match(c) is not None


class CodePointTable:
    """uint8 flags per code point from `classify` (which must set KNOWN), computed lazily:
    an entry is filled the first time its code point is looked up (a pure function of the
    code point, so filling lazily changes nothing but when it is computed). `on_fill` is
    called with each code point filled, to fill companion tables at the same time."""

    def __init__(self, classify: Callable[[int], int], on_fill: Callable[[int], None] | None = None) -> None:
        self.classify = classify
        self.on_fill = on_fill
        self.table = np.zeros(0x110000, dtype=np.uint8)
        self._fill(np.arange(256))

    def _fill(self, codes: np.ndarray) -> None:
        for c in np.unique(codes).tolist():
            self.table[c] = self.classify(c)
            if self.on_fill is not None:
                self.on_fill(c)

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        """The flags of every code point of `codes` (a uint32 array)."""
        out = np.take(self.table, codes)
        if len(out) and out.min() < KNOWN:
            self._fill(codes[out < KNOWN])
            out = np.take(self.table, codes)
        return out


def text_codes(text: str) -> np.ndarray:
    """The code points of `text` as uint32 (lone surrogates included)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _classify(c: int) -> int:
    ch = chr(c)
    flags = KNOWN
    if ch.isalnum() or ch == "_":  # what `re` calls \w
        flags |= WORD
    if ch.isspace():  # what `re` calls \s and str.split() splits on
        flags |= SPACE
    if ch.isalpha():
        flags |= ALPHA
    if ch in PUNCTUATION_SET:
        flags |= PUNCT
    if ch in "'’":
        flags |= APOSTROPHE
    if ch in TERMINAL_PUNCTUATION:
        flags |= TERMINAL
    if is_upper(ch):
        flags |= UPPER
    return flags


# code point -> the first character of its lower-cased form (what badwords.lower_aligned
# maps it to), filled with the classes: valid for every code point char_classes has seen
_LOWER = np.zeros(0x110000, dtype=np.uint32)


def _fill_lower(c: int) -> None:
    _LOWER[c] = ord(chr(c).lower()[0])


char_classes = CodePointTable(_classify, _fill_lower)


_TO_ASCII = ((0x130, ord("i")), (0x212A, ord("k")))  # "İ" -> "i̇", Kelvin sign -> "k"


def lower_codes(codes: np.ndarray) -> np.ndarray:
    """lower_aligned's code point for each of `codes`, which char_classes must have seen."""
    return np.take(_LOWER, codes)


@dataclass
class CharBatch:
    """The code points and char_classes of a batch of texts joined by newlines: text d is
    codes[offsets[d] : offsets[d + 1] - 1]. (About 5 bytes per character, shared by the
    taggers that work on characters: tokens, C4's sentence count, bad-word search.)"""

    texts: list[str]
    joined: str
    codes: np.ndarray  # uint32
    cls: np.ndarray  # uint8 char_classes of codes
    offsets: np.ndarray  # int64 [n_texts + 1]

    @classmethod
    def of(cls, texts: list[str]) -> CharBatch:
        joined = "\n".join(texts)
        codes = text_codes(joined)
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(t) + 1 for t in texts], out=offsets[1:])
        return cls(list(texts), joined, codes, char_classes(codes), offsets)

    def lowered(self, at: np.ndarray) -> np.ndarray:
        """The code points at `at`, as badwords.lower_aligned maps them (str.lower() but
        for "İ" and the final sigma, see `odd_lower`). Read from `ascii_lower` where that
        holds the answer (an ASCII result), the code-point table only for the rest."""
        low = self._ascii_lower_codes[at].astype(np.uint32)
        rest = np.flatnonzero(low >= 128)
        if len(rest):
            low[rest] = lower_codes(self.codes[at[rest]])
        return low

    def lowered_to(self, code: int) -> np.ndarray:
        """Positions of the characters that lower_aligned maps to `code`: from `ascii_lower`
        for an ASCII code; else among the non-ASCII characters only (an ASCII character
        never lower-cases to a non-ASCII one)."""
        if code < 128:
            return np.flatnonzero(self._ascii_lower_codes == code)
        rest = np.flatnonzero(self._ascii_lower_codes >= 128)
        return rest[lower_codes(self.codes[rest]) == code]

    @cached_property
    def _ascii_lower_codes(self) -> np.ndarray:
        return np.frombuffer(self.ascii_lower, dtype=np.uint8)

    def lowered_str(self, start: int, end: int) -> str:
        """lower_aligned of joined[start:end]."""
        text = self.joined[start:end]
        if text.isascii():
            return text.lower()
        return "".join(map(chr, lower_codes(self.codes[start:end]).tolist()))

    @cached_property
    def ascii_lower(self) -> bytes:
        """One byte per character: the ASCII character it lower-cases to (lower_aligned), or
        a byte of 128 and up. So an ASCII string occurs in lower_aligned(text), and in
        text.lower() unless the text is in `odd_lower`, exactly where it occurs here."""
        codes = self.codes
        out = np.minimum(codes, 255).astype(np.uint8)
        out += ((out >= 65) & (out <= 90)).view(np.uint8) << 5  # A-Z -> a-z
        # the two non-ASCII characters whose lower case starts with an ASCII one
        for code, low in _TO_ASCII:
            out[codes == code] = low
        return out.tobytes()

    @cached_property
    def odd_lower(self) -> set[int]:
        """The texts whose str.lower() is longer than they are (they hold "İ", the one
        character that lower-cases to two)."""
        at = np.flatnonzero(self.codes == 0x130)
        return set((np.searchsorted(self.offsets, at, side="right") - 1).tolist())


# the characters str.splitlines breaks at ("\r\n" counts as one break)
_LINE_BREAK = np.zeros(0x202A, dtype=bool)
_LINE_BREAK[[ord(c) for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"]] = True


@dataclass
class LineBatch:
    """The lines (str.splitlines) of every text of a CharBatch, as offsets into its codes:
    line i is codes[start[i]:end[i]], its strip() is codes[lstart[i]:lend[i]] (empty at
    lend for a blank line), and the lines of text d are doc_line[d]:doc_line[d + 1].
    `space_start`/`space_end` are the runs of whitespace (str.isspace) of the codes."""

    start: np.ndarray
    end: np.ndarray
    lstart: np.ndarray
    lend: np.ndarray
    doc_line: np.ndarray
    space_start: np.ndarray
    space_end: np.ndarray

    @classmethod
    def of(cls, cb: CharBatch) -> LineBatch:
        codes = cb.codes
        n = len(codes)
        space = np.zeros(n + 2, dtype=np.int8)
        np.bitwise_and(cb.cls, SPACE, out=space[1:-1].view(np.uint8))
        step = np.diff(space)
        rs, re_ = np.flatnonzero(step == SPACE), np.flatnonzero(step == -SPACE)
        maybe = codes < 0x20
        maybe |= codes == 0x85
        maybe |= codes - np.uint32(0x2028) < 2  # (wraps around below U+2028)
        brk = np.flatnonzero(maybe)
        brk = brk[_LINE_BREAK[codes[brk]]]
        # text ends: the newlines joining the texts, and the end of the codes
        text_end = np.zeros(n + 2, dtype=bool)
        text_end[cb.offsets[1:] - 1] = True
        cr = brk[codes[brk] == 13]
        cr = cr[cr + 1 < n]
        pair = cr[(codes[cr + 1] == 10) & ~text_end[cr + 1]]  # "\r\n" inside a text
        second = np.zeros(n + 2, dtype=bool)
        second[pair + 1] = True
        brk = brk[~second[brk] & ~text_end[brk]]
        brk_end = brk + 1 + second[brk + 1]
        starts = np.concatenate([cb.offsets[:-1][np.diff(cb.offsets) > 1], brk_end[~text_end[brk_end]]])
        starts.sort()
        bounds = np.concatenate([brk, cb.offsets[1:] - 1])
        bounds.sort()
        ends = bounds[np.searchsorted(bounds, starts)]
        lb = cls(starts, ends, starts, ends, np.searchsorted(starts, cb.offsets), rs, re_)
        lb.lstart, lb.lend = lb.strip(starts, ends)
        return lb

    def strip(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of str.strip() of the stretches codes[starts[i]:ends[i]] (both at the
        stretch's end when it is all whitespace): skip the whitespace runs holding the
        first and the last character, if any."""
        rs = self.space_start
        run_start = np.append(rs, np.iinfo(np.int64).max)  # never empty
        run_end = np.append(self.space_end, np.iinfo(np.int64).max)
        k = np.maximum(np.searchsorted(rs, starts, side="right") - 1, 0)
        inside = (run_start[k] <= starts) & (run_end[k] > starts)
        lstart = np.where(inside, np.minimum(run_end[k], ends), starts)
        k = np.maximum(np.searchsorted(rs, ends, side="left") - 1, 0)
        inside = (run_start[k] < ends) & (run_end[k] >= ends)
        lend = np.where(inside, np.maximum(run_start[k], lstart), ends)
        return lstart, lend

    def n_words(self) -> np.ndarray:
        """Whitespace-separated words of each stripped line (len(line.split()))."""
        inner = np.searchsorted(self.space_start, self.lend) - np.searchsorted(self.space_start, self.lstart)
        return np.where(self.lend > self.lstart, inner + 1, 0)


class LastBatch:
    """The last object `build` made, for the same list of text objects (by identity)."""

    def __init__(self, build: Callable[[list[str]], Any]) -> None:
        self.build = build
        self._texts: list[str] | None = None
        self._last: Any = None

    def get(self, texts: list[str]) -> Any:
        last = self._texts
        if last is not None and len(last) == len(texts) and all(map(_is, last, texts)):
            return self._last
        self._texts, self._last = None, None  # free the previous batch first
        self._last = self.build(texts)
        self._texts = list(texts)
        return self._last

    def clear(self) -> None:
        self._texts, self._last = None, None


def _is(a: object, b: object) -> bool:
    return a is b


_CHARS = LastBatch(CharBatch.of)
_LINES = LastBatch(lambda texts: LineBatch.of(char_batch(texts)))


def char_batch(texts: list[str]) -> CharBatch:
    """The shared CharBatch of `texts` (built once for the same text objects in a row)."""
    return _CHARS.get(texts)


def line_batch(texts: list[str]) -> LineBatch:
    """The shared LineBatch of `texts` (built once for the same text objects in a row)."""
    return _LINES.get(texts)
