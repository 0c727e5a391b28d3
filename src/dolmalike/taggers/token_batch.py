"""Word tokens of a whole batch of documents at once, computed with numpy over code points.

The tokens are exactly text_utils' WORD_RE tokens (`split_words`): runs of word characters
joined by single apostrophes ("don't"), and runs of other non-space characters ("...").
Instead of building a Python string per word, token boundaries, lengths and per-token facts
(all punctuation? any letter?) come from a few vector operations over the batch's code
points and character classes (chars.CharBatch, shared with the other taggers). Each
token also gets a 64-bit key (a polynomial hash of its characters, finalised with
splitmix64) that identifies it exactly up to a ~2^-64 collision chance; tokens longer than
LONG_TOKEN characters are keyed by xxh3 of their text instead, because polynomial hashes
mod 2^64 have known equal-length collisions (Thue-Morse strings) from about 2^10 characters.

The Gopher taggers (and bad words, for its word count) share one `TokenBatch` per batch:
`token_batch(texts)` remembers the last batch it built, keyed by the identity of its texts.
It also keys any stretch of the texts the same way (`span_keys`; Gopher's duplicate lines
and paragraphs), from the prefix sums kept from tokenising (8 bytes per character).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import xxhash

from dolmalike.taggers.chars import ALPHA, APOSTROPHE, PUNCT, SPACE, WORD, CharBatch, LastBatch, char_batch

LONG_TOKEN = 256
# documents are tokenised in groups of about this many characters, to bound memory
GROUP_CHARS = 1 << 21


# ------------------------------------------------------------------ hashing

_B = np.uint64(0x9E3779B97F4A7C15 | 1)  # odd, so invertible mod 2^64
_B_INV = np.uint64(pow(int(_B), -1, 1 << 64))
_LEN_MIX = np.uint64(0xD6E8FEB86659FD93)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection on uint64 that spreads every input bit."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> _S30)) * _MIX1
    x = (x ^ (x >> _S27)) * _MIX2
    return x ^ (x >> _S31)


class _Powers:
    """B^i and B^-i mod 2^64 for i < size, grown on demand (one copy per process)."""

    def __init__(self) -> None:
        self.pow = np.ones(1, dtype=np.uint64)
        self.inv = np.ones(1, dtype=np.uint64)

    def get(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.pow) < size:
            size = max(size, 2 * len(self.pow), GROUP_CHARS + 64)
            with np.errstate(over="ignore"):
                self.pow = np.cumprod(np.full(size, _B, dtype=np.uint64)) * _B_INV
                self.inv = np.cumprod(np.full(size, _B_INV, dtype=np.uint64)) * _B
        return self.pow[:size], self.inv[:size]


_POWERS = _Powers()


# ------------------------------------------------------------------ tokens


@dataclass
class _Group:
    """Tokens of a run of consecutive documents."""

    doc_tok: np.ndarray  # [n_docs + 1] token offsets of the documents
    lens: np.ndarray  # int64 characters per token
    keys: np.ndarray  # uint64 token identity
    symbol: np.ndarray  # bool: every character is punctuation (datatrove's PUNCTUATION_SET)
    alpha: np.ndarray  # bool: some character is alphabetic (str.isalpha)
    start: int  # the group's first code in the CharBatch
    prefix: np.ndarray  # uint64 [n_codes + 1] prefix sums of code * B^i (i from `start`)


def _tokenize(cb: CharBatch, lo: int, hi: int) -> _Group:
    """Tokens of texts lo..hi-1 of the batch."""
    c0, c1 = int(cb.offsets[lo]), int(cb.offsets[hi]) - 1
    codes, cls = cb.codes[c0:c1], cb.cls[c0:c1]
    n = len(codes)
    # kind of each character, with a space before and after, so every token has a
    # neighbour on each side: kind[i + 1] is the kind of codes[i]
    kind = np.zeros(n + 2, dtype=np.uint8)
    # 0: space, 1: word character, 2: other (a character is never both WORD and SPACE)
    kind[1:-1] = 2
    kind[1:-1] -= cls & (WORD | SPACE)
    # an apostrophe between two word characters belongs to the word ("don't")
    inner = ((cls & APOSTROPHE) != 0) & (kind[:-2] == 1) & (kind[2:] == 1)
    kind[1:-1] -= inner.view(np.uint8)  # 2 -> 1
    change = kind[1:] != kind[:-1]  # change[i]: a boundary right before codes[i]
    starts = np.flatnonzero(change & (kind[1:] != 0))  # indices into codes
    ends = np.flatnonzero(change & (kind[:-1] != 0))  # exclusive
    lens = ends - starts

    pw, inv = _POWERS.get(n + 1)
    with np.errstate(over="ignore"):
        prefix = np.empty(n + 1, dtype=np.uint64)
        prefix[0] = 0
        np.multiply(codes, pw[:n], out=prefix[1:])  # in place: no n-long temporaries
        np.cumsum(prefix[1:], out=prefix[1:])
        raw = (prefix[ends] - prefix[starts]) * inv[starts]
        keys = mix64(raw + lens.astype(np.uint64) * _LEN_MIX)
    for t in np.flatnonzero(lens > LONG_TOKEN).tolist():
        s, e = int(starts[t]) + c0, int(ends[t]) + c0
        keys[t] = xxhash.xxh3_64_intdigest(cb.joined[s:e].encode("utf-8", "surrogatepass"))

    # every character punctuation (symbol) / some character alphabetic (alpha), looked at
    # only where the first character leaves it open: a token starting with a non-punctuation
    # character is no symbol; one starting with a letter is alpha, and one of non-word
    # characters never is (a letter is a word character)
    first = cls[starts]
    symbol = (first & PUNCT) != 0
    open_ = np.flatnonzero(symbol)
    symbol[open_] = _flagged(cls, starts[open_], lens[open_], PUNCT, np.logical_and)
    alpha = (first & ALPHA) != 0
    open_ = np.flatnonzero(~alpha & ((first & WORD) != 0))
    alpha[open_] = _flagged(cls, starts[open_], lens[open_], ALPHA, np.logical_or)

    doc_tok = np.searchsorted(starts, cb.offsets[lo : hi + 1] - c0)
    return _Group(
        doc_tok=doc_tok,
        lens=lens,
        keys=keys,
        symbol=symbol,
        alpha=alpha,
        start=c0,
        prefix=prefix,
    )


def _flagged(cls: np.ndarray, starts: np.ndarray, lens: np.ndarray, flag: int, how: np.ufunc) -> np.ndarray:
    """For each stretch cls[starts[i] : starts[i] + lens[i]] (lens >= 1): do all
    (how=np.logical_and) / any (np.logical_or) of its characters have `flag`? Gathers only
    the stretches' characters."""
    if not len(starts):
        return np.zeros(0, dtype=bool)
    seg = np.zeros(len(starts), dtype=np.int64)
    np.cumsum(lens[:-1], out=seg[1:])
    at = np.arange(int(seg[-1] + lens[-1]), dtype=np.int64) + np.repeat(starts - seg, lens)
    return how.reduceat((cls[at] & flag) != 0, seg)


def _groups(texts: list[str]) -> list[tuple[int, int]]:
    """[start, end) document ranges of about GROUP_CHARS characters each."""
    out = []
    start = size = 0
    for i, t in enumerate(texts):
        if size and size + len(t) > GROUP_CHARS:
            out.append((start, i))
            start, size = i, 0
        size += len(t) + 1
    out.append((start, len(texts)))
    return out


class TokenBatch:
    """The WORD_RE tokens of every text of a batch, as flat arrays with per-document offsets.

    Arrays: `doc_tok` [n_docs + 1] (tokens of document d are doc_tok[d]:doc_tok[d + 1]),
    `lens` (characters), `keys` (identity), `symbol` and `alpha` (per-token flags).
    """

    def __init__(self, texts: list[str]) -> None:
        self.texts = list(texts)
        self.chars = char_batch(self.texts)
        parts = []
        if self.texts:
            parts = [_tokenize(self.chars, a, b) for a, b in _groups(self.texts)]
        self._groups = parts
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            self.doc_tok = np.zeros(1, dtype=np.int64)
            self.lens, self.keys = empty, empty.astype(np.uint64)
            self.symbol = self.alpha = empty.astype(bool)
            return
        offsets = np.cumsum([0] + [len(p.lens) for p in parts])
        self.doc_tok = np.concatenate([[0]] + [p.doc_tok[1:] + o for p, o in zip(parts, offsets)])
        self.lens = np.concatenate([p.lens for p in parts])
        self.keys = np.concatenate([p.keys for p in parts])
        self.symbol = np.concatenate([p.symbol for p in parts])
        self.alpha = np.concatenate([p.alpha for p in parts])

    def __len__(self) -> int:
        return len(self.texts)

    @cached_property
    def n_tokens(self) -> np.ndarray:
        return np.diff(self.doc_tok)

    @cached_property
    def tok_doc(self) -> np.ndarray:
        """Document index of every token."""
        return np.repeat(np.arange(len(self.texts), dtype=np.int64), self.n_tokens)

    @cached_property
    def cum_chars(self) -> np.ndarray:
        """[n_tokens + 1] prefix sums of token lengths."""
        out = np.zeros(len(self.lens) + 1, dtype=np.int64)
        np.cumsum(self.lens, out=out[1:])
        return out

    def per_doc(self, values: np.ndarray) -> list[int]:
        """Sum of an integer (or bool) per-token array over each document's tokens."""
        out = np.zeros(len(self.texts), dtype=np.int64)
        filled = np.flatnonzero(self.n_tokens)  # reduceat's segments must not be empty
        if len(filled):  # a segment runs to the next filled document's first token
            out[filled] = np.add.reduceat(values, self.doc_tok[filled], dtype=np.int64)
        return out.tolist()

    def span_keys(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Keys of any stretches codes[starts[i]:ends[i]] of the batch's CharBatch (each
        inside one text), made as token keys are: equal strings get equal keys (and a
        stretch that is a token gets the token's key)."""
        keys = self.span_hashes(starts, ends)
        for i in np.flatnonzero(ends - starts > LONG_TOKEN).tolist():
            text = self.chars.joined[starts[i] : ends[i]]
            keys[i] = xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))
        return keys

    def span_hashes(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """span_keys, but with the polynomial hash also for stretches longer than
        LONG_TOKEN (faster; equal long stretches still get equal hashes, but unequal ones
        can be made to collide, so compare the strings where that matters)."""
        keys = np.zeros(len(starts), dtype=np.uint64)
        group_start = [g.start for g in self._groups]
        which = np.searchsorted(group_start, starts, side="right") - 1
        for gi, g in enumerate(self._groups):
            sel = np.flatnonzero(which == gi) if len(self._groups) > 1 else np.arange(len(starts))
            s, e = starts[sel] - g.start, ends[sel] - g.start
            _, inv = _POWERS.get(len(g.prefix))
            with np.errstate(over="ignore"):
                raw = (g.prefix[e] - g.prefix[s]) * inv[s]
                keys[sel] = mix64(raw + (e - s).astype(np.uint64) * _LEN_MIX)
        return keys


def token_key(word: str) -> int | None:
    """The key `word` gets as a token, or None if it is not exactly one token."""
    one = _tokenize(CharBatch.of([word]), 0, 1)
    if len(one.lens) != 1 or int(one.lens[0]) != len(word):
        return None
    return int(one.keys[0])


_CACHE = LastBatch(TokenBatch)


def token_batch(texts: list[str]) -> TokenBatch:
    """The shared TokenBatch of `texts` (built once for the same text objects in a row)."""
    return _CACHE.get(texts)
