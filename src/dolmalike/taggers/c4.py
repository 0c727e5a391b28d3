"""C4 cleaning rules (Raffel et al. 2020; TFDS `c4_utils.clean_page`, datatrove
`C4QualityFilter`) as one analysis shared by the `c4_clean` stage and the `c4_v1` tagger.

Per line, in this order (the first failing rule removes the line):
  too_long_word      a whitespace word longer than `max_word_length`
  (citations such as "[12]", "[edit]", "[citation needed]" are cut out of the line)
  no_terminal_punct  the line does not end in . ? ! " ' (or ends in "...")
  too_few_words      fewer than `min_words_per_line` whitespace words
  lorem_ipsum        -> the whole page is dropped
  javascript         the line mentions "javascript"
  curly_bracket      a "{" -> the whole page is dropped
  policy             terms-of-use / privacy / cookie notices
  badword            a word of the C4 LDNOOBW list -> the page is dropped (TFDS checks kept
                     lines only; whole-word matching like datatrove's C4BadWordsFilter)
Then the page is dropped if its kept lines hold fewer than `min_num_sentences` sentences.

Defaults follow datatrove (3 words per line, 5 sentences, "'" counts as an end mark), which
reads the paper's numbers; `C4Params.tfds()` gives the TFDS code's values (5 words per line,
3 sentences, no "'"). Sentences are counted with text_utils' regex splitter (datatrove uses
spaCy/NLTK, which need downloads), at least one per kept line as datatrove counts them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import asdict, dataclass, field, fields
from itertools import compress, repeat
from operator import and_, eq, not_
from typing import Any

import pyarrow as pa

from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.taggers.badwords import lower_aligned, matcher, text_hits
from dolmalike.taggers.base import SPANS, Tagger, tagger
from dolmalike.taggers.text_utils import count_sentences, split_cjk_words, view

CITATION_RE = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
POLICY_SUBSTRINGS: tuple[str, ...] = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
# full-width and half-width ideographic stops, full-width ! and ?, closing corner brackets
CJK_END_MARKS: tuple[str, ...] = ("。", "｡", "！", "？", "．", "」", "』")
LINE_RULES: tuple[str, ...] = ("too_long_word", "no_terminal_punct", "too_few_words", "javascript", "policy")
DOC_RULES: tuple[str, ...] = ("lorem_ipsum", "curly_bracket", "badword", "too_few_sentences")


@dataclass(frozen=True)
class C4Params:
    min_words_per_line: int = 3  # -1 disables
    min_num_sentences: int = 5  # -1 disables
    max_word_length: int = 1000  # -1 disables
    end_marks: tuple[str, ...] = (".", "?", "!", '"', "'")
    remove_citations: bool = True
    filter_no_terminal_punct: bool = True
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True
    filter_badwords: bool = True
    badwords_lang: str = "en"
    # Count each CJK character as a word (text_utils.split_cjk_words) in the word-count and
    # word-length rules: zh/ja lines have no spaces, so they would otherwise be one word.
    cjk_words: bool = False

    @classmethod
    def tfds(cls, **overrides: Any) -> C4Params:
        """The values in TFDS's c4_utils code (what the released C4 was built with)."""
        base: dict[str, Any] = {
            "min_words_per_line": 5,
            "min_num_sentences": 3,
            "end_marks": (".", "?", "!", '"'),
        }
        return cls(**{**base, **overrides})

    @classmethod
    def multilingual(cls, **overrides: Any) -> C4Params:
        """datatrove's values, plus the full-width sentence ends 。！？ (and a closing CJK quote
        after them) as end marks and CJK characters counted as words, so that Chinese and
        Japanese prose is not removed line by line for having no "." and no spaces."""
        base: dict[str, Any] = {"end_marks": (*cls.end_marks, *CJK_END_MARKS), "cjk_words": True}
        return cls(**{**base, **overrides})

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> C4Params:
        """ "datatrove" or "tfds" values, with any field overridden (lists from YAML are fine)."""
        if "end_marks" in overrides:
            overrides["end_marks"] = tuple(overrides["end_marks"])
        unknown = sorted(set(overrides) - {f.name for f in fields(cls)})
        if unknown:
            raise DolmalikeError(
                f"unknown C4 parameter(s) {unknown}; valid: {', '.join(f.name for f in fields(cls))}"
            )
        if name == "datatrove":
            return cls(**overrides)
        if name == "tfds":
            return cls.tfds(**overrides)
        if name == "multilingual":
            return cls.multilingual(**overrides)
        raise DolmalikeError(f"unknown C4 preset {name!r}; valid presets: datatrove, tfds, multilingual")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["end_marks"] = list(self.end_marks)
        return d


@dataclass
class C4Result:
    n_lines: int = 0
    # rule -> [lines, chars]; chars are the removed characters (line bodies, citations, spaces)
    removed: dict[str, list[int]] = field(default_factory=dict)
    removed_lines: list[tuple[int, str]] = field(default_factory=list)  # (line index, rule)
    kept_lines: list[str] = field(default_factory=list)
    n_sentences: int = 0
    drop_rule: str | None = None  # first page-level rule that fired
    drop_line: int | None = None
    has_lorem_ipsum: bool = False
    has_curly_bracket: bool = False
    has_badword: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.kept_lines).strip()

    def _count(self, rule: str, chars: int) -> None:
        c = self.removed.get(rule)
        if c is None:
            self.removed[rule] = [1, chars]
        else:
            c[0] += 1
            c[1] += chars

    def drop_reason(self, params: C4Params) -> str | None:
        if self.drop_rule is None:
            return None
        if self.drop_rule == "too_few_sentences":
            return f"c4: too few sentences ({self.n_sentences} < {params.min_num_sentences})"
        return (
            "c4: "
            + {"lorem_ipsum": "lorem ipsum", "curly_bracket": "curly bracket", "badword": "bad word"}[
                self.drop_rule
            ]
        )


def analyze(text: str, params: C4Params, full: bool = False) -> C4Result:
    """Apply the C4 rules to `text`.

    With full=False (the stage), stop at the first page-level drop and stop counting
    sentences once there are enough. With full=True (the tagger), classify every line and
    count every sentence; lines that trigger a page-level rule are then neither kept nor
    counted as removed, and `drop_rule` is the first page-level rule in line order.

    The rules run as whole-list passes in C (map over the lines) rather than a Python loop
    per line: the line rules first, then the content rules only on the few surviving lines
    that can hold one of their strings (found by searching the whole lower-cased text).
    """
    res = _analyze(text, params, full)
    if res.drop_rule is None or full:
        _count_sentences(res, params, full)
    return res


def _analyze(text: str, params: C4Params, full: bool) -> C4Result:
    """`analyze` up to (not including) the sentence count."""
    p = params
    tv = view(text)
    lines = tv.lines
    n = len(lines)
    stripped = list(map(str.strip, lines))
    rules: list[str | None] = [None] * n  # each removed line's rule
    cleaned = _line_rules(text, stripped, rules, p)  # line -> text with its citations cut
    final = stripped
    if cleaned:
        final = stripped.copy()
        for i, c in cleaned.items():
            final[i] = c
    survivors = _survivors(stripped, final, rules, p)

    # content rules, in the per-line order, on the lines that may hold their strings
    page_rule: dict[int, str] = {}
    for i in _content_suspects(text, tv, survivors, cleaned, p):
        line = final[i]
        lower = line.lower()
        if p.filter_lorem_ipsum and "lorem ipsum" in lower:
            page_rule[i] = "lorem_ipsum"
            if not full:
                break  # the stage stops at the first page-level rule
        elif p.filter_javascript and "javascript" in lower:
            rules[i] = "javascript"
        elif p.filter_curly_bracket and "{" in line:
            page_rule[i] = "curly_bracket"
            if not full:
                break
        elif p.filter_policy and any(s in lower for s in POLICY_SUBSTRINGS):
            rules[i] = "policy"
    res = C4Result(n_lines=n)
    stop = n
    if page_rule:
        first = min(page_rule)
        res.drop_rule, res.drop_line = page_rule[first], first
        res.has_lorem_ipsum = "lorem_ipsum" in page_rule.values()
        res.has_curly_bracket = "curly_bracket" in page_rule.values()
        if not full:
            stop = first
            del rules[stop:]
    kept_at = [i for i in survivors if i < stop and rules[i] is None and i not in page_rule]
    res.removed_lines = list(compress(zip(range(stop), rules), rules))
    res.kept_lines = [final[i] for i in kept_at]
    res.removed = _removed_counts(lines, stripped, final, rules, kept_at, cleaned)

    if p.filter_badwords and kept_at:
        line_no = _first_badword_line(text, tv, kept_at, res.kept_lines, cleaned, p.badwords_lang)
        if line_no is not None:
            res.has_badword = True
            if res.drop_rule is None or line_no < (res.drop_line or 0):
                res.drop_rule, res.drop_line = "badword", line_no
    return res


def _count_sentences(res: C4Result, p: C4Params, full: bool) -> None:
    """Count the kept lines' sentences (the stage stops once there are enough)."""
    if p.min_num_sentences != -1:
        enough = p.min_num_sentences if not full else None
        for line in res.kept_lines:
            res.n_sentences += count_sentences(line)
            if enough is not None and res.n_sentences >= enough:
                break
    _sentence_rule(res, p)


def _sentence_rule(res: C4Result, p: C4Params) -> None:
    if res.drop_rule is None and res.n_sentences < p.min_num_sentences:
        res.drop_rule = "too_few_sentences"


def _line_rules(text: str, stripped: list[str], rules: list[str | None], p: C4Params) -> dict[int, str]:
    """Mark too_long_word lines; return line -> its text with citations cut, for the lines
    where the cut changed something."""
    n = len(stripped)
    max_len = p.max_word_length
    if max_len != -1:  # only a line longer than the limit can hold a longer word
        for i in compress(range(n), map(max_len.__lt__, map(len, stripped))):
            if max(map(len, _words(stripped[i], p))) > max_len:
                rules[i] = "too_long_word"
    cleaned = {}
    if p.remove_citations and "[" in text:
        for i in compress(range(n), map(str.__contains__, stripped, repeat("["))):
            if rules[i] is None:
                c = CITATION_RE.sub("", stripped[i])
                if len(c) != len(stripped[i]):
                    cleaned[i] = c
    return cleaned


def _words(line: str, p: C4Params) -> list[str]:
    return split_cjk_words(line) if p.cjk_words else line.split()


def _survivors(stripped: list[str], final: list[str], rules: list[str | None], p: C4Params) -> list[int]:
    """Lines that no line rule removes (marking no_terminal_punct and too_few_words)."""
    n = len(final)
    if p.filter_no_terminal_punct:
        ends_ok = map(str.endswith, final, repeat(p.end_marks))
        good = list(map(and_, ends_ok, map(not_, map(str.endswith, final, repeat("..."))))) if n else []
        for i in compress(range(n), map(not_, good)):
            if rules[i] is None:
                rules[i] = "no_terminal_punct"
        ok = [i for i in compress(range(n), good) if rules[i] is None]
    else:
        ok = [i for i in range(n) if rules[i] is None]
    m = p.min_words_per_line
    if m > 0 and ok:  # words before citation removal, as datatrove; m - 1 splits tell
        sizes = map(len, map(str.split, [stripped[i] for i in ok], repeat(None), repeat(m - 1)))
        few = list(map(m.__gt__, sizes))
        if p.cjk_words and any(few):
            few = [f and len(split_cjk_words(stripped[i])) < m for i, f in zip(ok, few)]
        if any(few):
            for i in compress(ok, few):
                rules[i] = "too_few_words"
            ok = list(compress(ok, map(not_, few)))
    return ok


_CONTENT_NEEDLES: tuple[tuple[str, str], ...] = (
    ("filter_lorem_ipsum", "lorem ipsum"),
    ("filter_javascript", "javascript"),
    # every policy string holding "cookie" is looked for only where "cookie" occurs
    *(("filter_policy", s) for s in POLICY_SUBSTRINGS if "cookie" not in s),
    ("filter_policy", "cookie"),
)


def _content_suspects(
    text: str, tv: Any, survivors: list[int], cleaned: dict[int, str], p: C4Params
) -> list[int]:
    """Surviving lines that may hold a content rule's string, in line order.

    A line without cut citations is a stretch of the text, and its lower-cased form the same
    stretch of the lower-cased text (the needles are ASCII, and the line ends are
    whitespace, so no case mapping differs), so searching the whole text finds them all."""
    if not survivors:
        return []
    lower = tv.lower
    if len(lower) != len(text):  # offsets would not line up: look at every line
        return survivors
    starts = tv.line_starts
    hit: set[int] = set(cleaned)
    for flag, needle in _CONTENT_NEEDLES:
        if getattr(p, flag):
            hit.update(_lines_holding(lower, needle, starts))
    if p.filter_curly_bracket:
        hit.update(_lines_holding(text, "{", starts))
    if not hit:
        return []
    return [i for i in survivors if i in hit]


def _lines_holding(s: str, needle: str, starts: list[int]) -> list[int]:
    """Indices of the lines (starting at `starts`) where `needle` occurs in `s`."""
    out = []
    pos = s.find(needle)
    while pos != -1:
        line = bisect_right(starts, pos) - 1
        out.append(line)
        nxt = starts[line + 1] if line + 1 < len(starts) else len(s)
        pos = s.find(needle, max(nxt, pos + 1))
    return out


def _removed_counts(
    lines: list[str],
    stripped: list[str],
    final: list[str],
    rules: list[str | None],
    kept_at: list[int],
    cleaned: dict[int, str],
) -> dict[str, list[int]]:
    """rule -> [lines, chars], keys in order of first occurrence along the lines (the order
    the per-line rules met them): removed lines count their whole length; kept lines count
    cut citations, then stripped whitespace."""
    counts: dict[str, list[int]] = {}
    first: dict[str, tuple[int, int]] = {}
    for r in set(rules) - {None}:
        which = list(map(eq, rules, repeat(r)))
        size = sum(map(len, compress(lines, which)))
        counts[r] = [sum(which), size]  # type: ignore[index]
        first[r] = (which.index(True), 0)  # type: ignore[index]
    if cleaned:
        cited = [i for i in kept_at if i in cleaned]
        if cited:
            counts["citation"] = [len(cited), sum(len(stripped[i]) - len(final[i]) for i in cited)]
            first["citation"] = (cited[0], 1)
    padded = [i for i in kept_at if len(lines[i]) != len(stripped[i])]
    if padded:
        counts["whitespace"] = [len(padded), sum(len(lines[i]) - len(stripped[i]) for i in padded)]
        first["whitespace"] = (padded[0], 2)
    return {r: counts[r] for r in sorted(counts, key=first.__getitem__)}


def _first_badword_line(
    text: str, tv: Any, kept_at: list[int], kept_lines: list[str], cleaned: dict[int, str], lang: str
) -> int | None:
    """Index of the first kept line holding a bad word (whole-word matching, as TFDS checks
    the kept lines). When no kept line had citations cut and lower-casing keeps offsets, each
    kept line is a stretch of the text bounded by whitespace, so the bad-word hits on the
    whole text (shared with the badwords tagger) inside kept lines are exactly the hits on
    the kept lines; otherwise the kept lines are scanned joined, as TFDS does. The whole
    text is scanned for that only when the kept lines are most of it (else the hits are
    used only if the badwords tagger already found them)."""
    hits = None
    if not any(i in cleaned for i in kept_at):
        hits = text_hits(text, lang, compute=False)
        if hits is None and 2 * sum(map(len, kept_lines)) >= len(text) and len(tv.lower) == len(text):
            hits = text_hits(text, lang)
    if hits is not None and len(tv.lower) != len(text):
        hits = None
    if hits is None:
        joined = "\n".join(line.lower() for line in kept_lines)
        pos = matcher(lang).first(lower_aligned(joined))
        return None if pos is None else kept_at[joined.count("\n", 0, pos)]
    if not hits:
        return None
    starts = tv.line_starts
    lines = tv.lines
    kept = set(kept_at)
    best = None
    for s, e in hits:
        i = bisect_right(starts, s) - 1
        if i in kept and (best is None or i < best):
            raw = lines[i]
            a = starts[i] + len(raw) - len(raw.lstrip())
            if a <= s and e <= a + len(raw.strip()):
                best = i
    return best


@tagger("c4_v1")
class C4Tagger(Tagger):
    description = "C4 rules: fraction of lines each rule removes, page-drop flags/reason, sentences, spans"

    def __init__(self, preset: str = "datatrove", **overrides: Any) -> None:
        self.params = C4Params.preset(preset, **overrides)

    def config(self) -> dict[str, Any]:
        return self.params.to_dict()

    def schema(self) -> pa.Schema:
        return pa.schema(
            [
                ("n_lines", pa.int64()),
                *[(f"frac_lines_{r}", pa.float64()) for r in LINE_RULES],
                ("has_lorem_ipsum", pa.bool_()),
                ("has_curly_bracket", pa.bool_()),
                ("has_badword", pa.bool_()),
                ("n_sentences", pa.int64()),
                ("kept_chars", pa.int64()),
                ("would_drop", pa.string()),
                ("removed_lines", SPANS),
                ("removed_line_rules", pa.list_(pa.string())),
            ]
        )

    def predict_batch(self, docs: list[Document]) -> list[dict[str, Any]]:
        from dolmalike.taggers.c4_batch import analyze_batch

        batch = analyze_batch([d.text for d in docs], self.params, line_pairs=False)
        return [self._row(res, batch.spans(d), batch.rules(d)) for d, res in enumerate(batch.results)]

    def _row(self, res: C4Result, spans: list[dict[str, Any]], rules: list[str]) -> dict[str, Any]:
        n = res.n_lines
        out: dict[str, Any] = {"n_lines": n}
        for r in LINE_RULES:
            out[f"frac_lines_{r}"] = res.removed.get(r, [0, 0])[0] / n if n else 0.0
        out.update(
            has_lorem_ipsum=res.has_lorem_ipsum,
            has_curly_bracket=res.has_curly_bracket,
            has_badword=res.has_badword,
            n_sentences=res.n_sentences,
            kept_chars=len(res.text),
            would_drop=res.drop_reason(self.params),
            removed_lines=spans,
            removed_line_rules=rules,
        )
        return out
