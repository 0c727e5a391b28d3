"""Word, line, paragraph and sentence splitting shared by every heuristic tagger.

One copy of each definition, so C4, Gopher and bad-words rules agree on what a "word" is,
and one split per document: `view(text)` returns a `TextView` whose splits are computed
lazily and cached on it; an identity-keyed cache hands the same view to every tagger that
looks at the same `doc.text` object (all documents of a batch while `pinned(texts)` is
active, else the last few), so a doc is split once however many taggers run over it.
(Word tokens for whole batches are computed in numpy by token_batch, with the same rules.)

The punctuation sets come from datatrove (a dependency) so Gopher/C4 statistics use the
exact same character classes as datatrove's filters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import accumulate, filterfalse
from typing import Any

import numpy as np
import regex
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION

from dolmalike.taggers.chars import TERMINAL, UPPER, is_upper

# A word is a run of word characters (keeping contractions such as "don't" whole), and a
# run of other non-space characters is a symbol token ("...", "#", "--"). This stands in
# for datatrove's spaCy/NLTK word tokenizers, which need models or downloads we cannot
# have offline; punctuation is still split off words so stop words match ("the," -> "the").
WORD_RE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]+")

# Sentence = shortest run ending in terminal punctuation (optionally followed by a closing
# quote); "U." style initials do not end a sentence. Same pattern as datatrove's regex
# sentence splitter (WhitespaceTokenizer), built from the same TERMINAL_PUNCTUATION set.
SENTENCE_RE = regex.compile(
    rf"(?:(?:\p{{Lu}}\.)|.)+?[{re.escape(''.join(sorted(TERMINAL_PUNCTUATION)))}\n]+[\"'”]?",
    regex.UNICODE,
)

PARAGRAPH_SPLIT_RE = re.compile(r"\n{2,}")
LINE_RUN_SPLIT_RE = re.compile(r"\n+")

PUNCTUATION_CHARS = "".join(sorted(PUNCTUATION_SET))


def has_astral(text: str) -> bool:
    """Does `text` hold a character beyond the BMP? (`re` is slow on character classes
    with astral members, so fast paths use BMP-only classes and fall back when this holds.)"""
    # astral characters are the ones UTF-16 needs two code units for
    return not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def bmp_class(pred: Callable[[str], bool]) -> str:
    """The body of a regex character class ("a-z...") of the BMP characters for which
    `pred` holds, as ranges."""
    out = []
    start = prev = -2
    for c in [*range(0xD800), *range(0xE000, 0x10000)]:
        if not pred(chr(c)):
            continue
        if c != prev + 1:
            if start >= 0:
                out.append((start, prev))
            start = c
        prev = c
    if start >= 0:
        out.append((start, prev))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in out
    )


def split_words(text: str) -> list[str]:
    """WORD_RE.findall(text), faster: WORD_RE never crosses whitespace and returns an
    all-alphanumeric chunk whole, so only the other whitespace-separated chunks need it."""
    words: list[str] = []
    append, extend, findall = words.append, words.extend, WORD_RE.findall
    for chunk in text.split():
        if chunk.isalnum():
            append(chunk)
        else:
            extend(findall(chunk))
    return words


# Han ideographs, kana and CJK compatibility ideographs: scripts written without spaces
# between words. Hangul is written with spaces, so Korean needs no special case.
CJK_CHAR_RE = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0002ffff\U00030000-\U0003134f]"
)


def split_cjk_words(line: str) -> list[str]:
    """Whitespace words, with every CJK character a word of its own (as BERT's basic
    tokenizer splits Chinese): a line of Chinese or Japanese text has no spaces, so
    whitespace-word rules would count it as one (possibly very long) word."""
    if not CJK_CHAR_RE.search(line):
        return line.split()
    return CJK_CHAR_RE.sub(r" \g<0> ", line).split()


def count_cjk_words(line: str) -> int:
    """len(split_cjk_words(line)) without building the words: every CJK character, plus the
    whitespace words left when each CJK character is a space. (A template replacement costs
    a Python call per match on CPython 3.11; a literal one, and subn's count, do not.)"""
    rest, n_cjk = CJK_CHAR_RE.subn(" ", line)
    return n_cjk + len(rest.split())


# Runs of terminal punctuation, found with a BMP-only class (`re` gets very slow on a class
# with astral-plane members): the rare line holding an astral-plane character is first
# translated so its astral terminal marks become U+E000 (and a real U+E000 becomes U+E001).
_BMP_TERMINALS = re.escape("".join(sorted(c for c in TERMINAL_PUNCTUATION if c <= "\uffff")))
_TERMINAL_RUN_RE = re.compile(f"[{_BMP_TERMINALS}]+")
_TERMINAL_RUN_ASTRAL_RE = re.compile(f"[{_BMP_TERMINALS}\ue000]+")  # on translated lines
_ASTRAL_TO_BMP = str.maketrans(
    {c: "\ue000" for c in TERMINAL_PUNCTUATION if c > "\uffff"} | {"\ue000": "\ue001"}
)
_CLOSING_QUOTES = frozenset("\"'”")
_is_lu = is_upper  # Unicode category Lu (what SENTENCE_RE's \\p{Lu} matches)


def count_sentences(line: str) -> int:
    """Sentences in one line as datatrove's C4 filter counts them with its regex splitter:
    max(1, number of SENTENCE_RE matches), in linear time (the regex is lazy and quadratic).

    What the regex does: a match needs at least one character, then ends at the first run of
    terminal punctuation (plus one closing quote), except that an upper-case letter followed
    by "." is consumed as one unit ("U.S."), so that "." does not end it. If no run ends the
    match, the regex backtracks and the last such "." ends it after all. Equivalence with the
    regex is checked in the tests.
    """
    if has_astral(line):
        runs = _TERMINAL_RUN_ASTRAL_RE.finditer(line.translate(_ASTRAL_TO_BMP))
    else:
        runs = _TERMINAL_RUN_RE.finditer(line)
    size = len(line)
    n = 0
    start = 0  # where the current match starts
    last_initial = -1  # position of the last "X." unit inside the current match
    for m in runs:
        a, b = m.span()
        if a <= start:  # the match's first character is content even if it is terminal
            a = start + 1
            if a >= b:
                continue
        elif line[a] == "." and _is_lu(line[a - 1]):
            last_initial = a - 1  # "X." is content; the rest of the run, if any, ends the match
            a += 1
            if a >= b:
                continue
        if b < size and line[b] in _CLOSING_QUOTES:
            b += 1
        n += 1
        start = b
        last_initial = -1
    if last_initial >= start:
        n += 1  # backtracking: the last "X." ends a final sentence
    return max(1, n)


def count_sentences_at(
    codes: np.ndarray, cls: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """count_sentences of many lines at once: line i is codes[starts[i]:ends[i]] (sorted,
    non-overlapping, each bounded by non-terminal characters or the ends of `codes`, e.g.
    stripped lines of texts joined by newlines); `cls` are the codes' char_classes.

    count_sentences' scan, per run of terminal punctuation: a run that starts where the
    current sentence starts loses its first character, one that starts with "X." its ".";
    what is left ends a sentence (plus a closing quote). A run starts a sentence only at the
    line's start or right after a closing quote that ended the previous sentence, so the
    sequential dependency is confined to chains of runs glued by quotes, resolved by
    iterating to the fixed point."""
    n_lines = len(starts)
    if not n_lines:
        return np.zeros(0, dtype=np.int64)
    term = np.zeros(len(codes) + 2, dtype=np.int8)
    np.bitwise_and(cls, TERMINAL, out=term[1:-1].view(np.uint8))
    step = np.diff(term)
    a = np.flatnonzero(step == TERMINAL)  # run starts
    b = np.flatnonzero(step == -TERMINAL)  # run ends (exclusive)
    line = np.searchsorted(starts, a, side="right") - 1
    inside = line >= 0
    inside[inside] = a[inside] < ends[line[inside]]
    a, b, line = a[inside], b[inside], line[inside]
    if not len(a):
        return np.ones(n_lines, dtype=np.int64)
    ls, le = starts[line], ends[line]
    single = b - a == 1
    quote = b < le  # a closing quote right after the run
    quote[quote] = np.isin(codes[b[quote]], _QUOTE_CODES)
    glued = np.zeros(len(a), dtype=bool)  # right after the previous run and its quote
    glued[1:] = quote[:-1] & (a[1:] == b[:-1] + 1) & (line[1:] == line[:-1])
    initial = np.zeros(len(a), dtype=bool)  # "X." (a > ls whenever this matters)
    inner = a > ls
    initial[inner] = (codes[a[inner]] == _DOT) & ((cls[a[inner] - 1] & UPPER) != 0)
    at_line_start = a == ls
    at_start = at_line_start
    while True:
        ends_one = ~single | (~at_start & ~initial)
        nxt = at_line_start.copy()
        nxt[1:] |= glued[1:] & ends_one[:-1]
        if (nxt == at_start).all():
            break
        at_start = nxt
    per_line = np.bincount(line[ends_one], minlength=n_lines)
    # a trailing "X." (after the line's last sentence end) ends one more sentence
    idx = np.arange(len(a))
    last_end = np.full(n_lines, -1)
    np.maximum.at(last_end, line[ends_one], idx[ends_one])
    dangling = ~ends_one & ~at_start & initial
    last_initial = np.full(n_lines, -1)
    np.maximum.at(last_initial, line[dangling], idx[dangling])
    per_line += last_initial > last_end
    return np.maximum(per_line, 1)


_QUOTE_CODES = np.array(sorted(map(ord, _CLOSING_QUOTES)), dtype=np.uint32)
_DOT = ord(".")


# letters, plus the few non-letter \w characters (numerals like "½") that `isalpha` rejects
_LETTERISH_RE = re.compile(r"[^\W\d_]")


def has_alpha(word: str) -> bool:
    return any(c.isalpha() for c in word)


def count_alpha_words(words: list[str]) -> int:
    """Words with at least one alphabetic character (str.isalpha), as Gopher counts them.
    All-letter words are counted by a C-level filter; only the rest are looked at."""
    rest = list(filterfalse(str.isalpha, words))
    n = len(words) - len(rest)
    for m in filter(None, map(_LETTERISH_RE.search, rest)):
        if m.group().isalpha() or has_alpha(m.string):
            n += 1
    return n


def line_starts(text: str, lines: list[str] | None = None) -> list[int]:
    """Start offset of each line of `text.splitlines()` (`lines`, if already split)."""
    if lines is None:
        lines = text.splitlines()
    if not lines:
        return []
    ends = list(accumulate(map(len, text.splitlines(keepends=True))))
    return [0, *ends[: len(lines) - 1]]


def line_offsets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line of `text.splitlines()`, the end excluding the line break."""
    lines = text.splitlines()
    starts = line_starts(text, lines)
    return [(s, s + len(line)) for s, line in zip(starts, lines)]


def split_line_runs(text: str) -> list[str]:
    """re.split("\\n+", text) with str.split: runs of newlines leave empty strings only
    between the first and the last piece, and those are exactly what the regex merges away."""
    parts = text.split("\n")
    if len(parts) <= 2:
        return parts
    return [parts[0], *filter(None, parts[1:-1]), parts[-1]]


def split_paragraphs(text: str) -> list[str]:
    """re.split("\\n{2,}", text.strip()) with str.split: splitting on "\\n\\n" leaves the odd
    newline of a longer run at the start of the next piece, and empty pieces inside runs of
    four or more, while a real paragraph never starts with a newline nor is empty."""
    s = text.strip()
    parts = s.split("\n\n")
    if "\n\n\n" not in s:
        return parts
    return [p for p in (x.lstrip("\n") for x in parts) if p]


class TextView:
    """Lazily computed, cached splits of one text."""

    __slots__ = ("text", "_cache")

    def __init__(self, text: str) -> None:
        self.text = text
        self._cache: dict[Any, Any] = {}

    def memo(self, key: Any, fn: Callable[[], Any]) -> Any:
        """fn() computed once per view (other modules cache their per-text results here)."""
        try:
            return self._cache[key]
        except KeyError:
            v = self._cache[key] = fn()
            return v

    def cached(self, key: Any) -> Any:
        """What memo(key, ...) computed, or None if nothing has asked for it yet."""
        return self._cache.get(key)

    @property
    def lower(self) -> str:
        return self.memo("lower", self.text.lower)

    @property
    def words(self) -> list[str]:
        return self.memo("words", lambda: split_words(self.text))

    @property
    def lines(self) -> list[str]:
        """str.splitlines(): what C4 and Gopher-quality call lines."""
        return self.memo("lines", self.text.splitlines)

    @property
    def line_starts(self) -> list[int]:
        """Offset of each of `lines` in the text."""
        return self.memo("line_starts", lambda: line_starts(self.text, self.lines))

    @property
    def line_runs(self) -> list[str]:
        """Split on runs of "\\n" (Gopher repetition's lines; empty ends are kept)."""
        return self.memo("line_runs", lambda: split_line_runs(self.text))

    @property
    def paragraphs(self) -> list[str]:
        return self.memo("paragraphs", lambda: split_paragraphs(self.text))


class _ViewCache:
    """Views keyed by text identity: those of a pinned batch, else the last few texts.

    Identity (not equality) keeps lookups O(1) for long texts; holding the text in the view
    keeps its id from being reused while it is cached.
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._views: list[TextView] = []
        self._pinned: dict[int, TextView] = {}

    def get(self, text: str) -> TextView:
        v = self._pinned.get(id(text))
        if v is not None:
            return v
        for v in self._views:
            if v.text is text:
                return v
        v = TextView(text)
        self._views.insert(0, v)
        del self._views[self.size :]
        return v

    @contextmanager
    def pinned(self, texts: list[str]) -> Iterator[None]:
        saved = self._pinned
        pinned = dict(saved)
        for t in texts:
            if id(t) not in pinned:
                pinned[id(t)] = self.get(t)
        self._pinned = pinned
        try:
            yield
        finally:
            self._pinned = saved


_VIEWS = _ViewCache()


def view(text: str) -> TextView:
    """The shared TextView of `text` (the same object for the same str within a pinned
    batch, or within a few docs)."""
    return _VIEWS.get(text)


def pinned(texts: list[str]) -> Any:
    """Context manager: while active, every text of `texts` keeps one shared TextView."""
    return _VIEWS.pinned(texts)


def datatrove_word_tokenizer() -> Any:
    """A datatrove WordTokenizer using these definitions, for running datatrove's filters
    side by side with ours (parity tests, benchmarks) without spaCy/NLTK downloads."""
    from datatrove.utils.word_tokenizers import WordTokenizer, simple_span_tokenize, strip_strings

    class _DolmalikeWordTokenizer(WordTokenizer):
        def word_tokenize(self, text: str) -> list[str]:
            return split_words(text)

        def sent_tokenize(self, text: str) -> list[str]:
            return strip_strings(SENTENCE_RE.findall(text))

        def span_tokenize(self, text: str) -> list[tuple[int, int]]:
            return list(simple_span_tokenize(text, self.sent_tokenize(text)))

    return _DolmalikeWordTokenizer("en")
