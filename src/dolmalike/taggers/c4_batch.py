"""The one implementation of the C4 rules (described in taggers.c4), for a whole batch of texts at
once: the `c4_v1` tagger runs it on its batches, the `c4_clean` stage on its own (with
stop_at_page_rule, the stage's semantics), and `analyze` on one text. The tests check it against
a literal per-line reference (tests/taggers/c4_reference.py).

The per-line rules run as numpy operations over every line of the batch (chars.LineBatch:
line and stripped-line bounds, word counts; the last characters of each stripped line for
the end-mark rule); only the lines that need string work go through Python: lines longer
than the word limit, lines holding a citation, and lines that may hold a content rule's
string (found by searching the batch's ASCII lower-cased bytes). Sentences are counted for
all kept lines at once (text_utils.count_sentences_at), and bad words come from one search
of the batch (badwords.batch_text_hits), shared with the badwords tagger.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np

from dolmalike.taggers.badwords import batch_text_hits, lower_aligned, matcher, text_hits
from dolmalike.taggers.c4_params import CITATION_RE, CONTENT_NEEDLES, POLICY_SUBSTRINGS, C4Params, C4Result
from dolmalike.taggers.chars import CharBatch, LineBatch, char_batch, line_batch
from dolmalike.taggers.text_utils import (
    count_cjk_words,
    count_sentences,
    count_sentences_at,
    pinned,
    split_cjk_words,
    view,
)

# line rule codes (0: none); the names, indexed by code
RULE_NAMES: tuple[str | None, ...] = (
    None,
    "too_long_word",
    "no_terminal_punct",
    "too_few_words",
    "javascript",
    "policy",
)
_TOO_LONG, _NO_END, _FEW, _JS, _POLICY = 1, 2, 3, 4, 5
_DOT = ord(".")


@dataclass
class C4Batch:
    """C4 results of a batch, and its removed lines: those of text d are
    removed_rules[bounds[d]:bounds[d + 1]], at [starts, ends) in the text."""

    results: list[C4Result]
    removed_bounds: list[int]
    removed_rules: list[str]
    removed_starts: list[int]
    removed_ends: list[int]

    def spans(self, d: int) -> list[dict[str, Any]]:
        """[start, end) of each removed line of text d (line break excluded), score 1.0."""
        a, b = self.removed_bounds[d], self.removed_bounds[d + 1]
        return [
            {"start": s, "end": e, "score": 1.0}
            for s, e in zip(self.removed_starts[a:b], self.removed_ends[a:b])
        ]

    def rules(self, d: int) -> list[str]:
        """The rule that removed each removed line of text d."""
        return self.removed_rules[self.removed_bounds[d] : self.removed_bounds[d + 1]]


def analyze(text: str, params: C4Params, full: bool = False) -> C4Result:
    """Apply the C4 rules to `text`.

    With full=False (the stage), stop at the first page-level drop and stop counting
    sentences once there are enough. With full=True (the tagger), classify every line and
    count every sentence; lines that trigger a page-level rule are then neither kept nor
    counted as removed, and `drop_rule` is the first page-level rule in line order.
    """
    return analyze_batch([text], params, stop_at_page_rule=not full).results[0]


def analyze_batch(
    texts: list[str], params: C4Params, line_pairs: bool = True, stop_at_page_rule: bool = False
) -> C4Batch:
    """analyze(text, params, full=not stop_at_page_rule) for every text of a batch. With
    line_pairs=False, the results' removed_lines stay empty (the C4Batch has them)."""
    with pinned(texts):  # one TextView per text for the whole batch: bad-word hits found once
        return _analyze_batch(texts, params, line_pairs, stop_at_page_rule)


def _analyze_batch(texts: list[str], params: C4Params, line_pairs: bool, stop_at_page_rule: bool) -> C4Batch:
    cb = char_batch(texts)
    lb = line_batch(texts)
    p = params
    if p.filter_badwords and not stop_at_page_rule:  # every text's bad words at once, shared
        # with badwords_v1; the stage scans only the kept lines (_badword_rule), usually far less
        batch_text_hits(texts, p.badwords_lang)
    n = len(lb.start)
    rule = np.zeros(n, dtype=np.int8)
    cleaned = _line_rules(cb, lb, rule, p)
    ok = _survivors(cb, lb, rule, cleaned, p)
    page_rule = _content_rules(texts, cb, lb, rule, ok, cleaned, p)
    if stop_at_page_rule and page_rule:
        page_rule = _stop_at_first_page_rule(lb, rule, ok, page_rule)
    return _assemble(texts, cb, lb, rule, ok, cleaned, page_rule, p, line_pairs, stop_at_page_rule)


def _stop_at_first_page_rule(
    lb: LineBatch, rule: np.ndarray, ok: np.ndarray, page_rule: dict[int, str]
) -> dict[int, str]:
    """The stage's view: a page ends at its first page-level rule, so the lines after it are
    neither removed nor kept (and the later page-level rules never fire)."""
    first: dict[int, int] = {}
    for i in sorted(page_rule):
        first.setdefault(int(np.searchsorted(lb.doc_line, i, side="right")) - 1, i)
    for d, i in first.items():
        end = int(lb.doc_line[d + 1])
        rule[i + 1 : end] = 0
        ok[i + 1 : end] = False
    return {i: page_rule[i] for i in first.values()}


def _words(line: str, p: C4Params) -> list[str]:
    return split_cjk_words(line) if p.cjk_words else line.split()


def _sentence_rule(res: C4Result, p: C4Params) -> None:
    if res.drop_rule is None and res.n_sentences < p.min_num_sentences:
        res.drop_rule = "too_few_sentences"


def _stripped(cb: CharBatch, lb: LineBatch, i: int) -> str:
    return cb.joined[lb.lstart[i] : lb.lend[i]]


def _line_rules(cb: CharBatch, lb: LineBatch, rule: np.ndarray, p: C4Params) -> dict[int, str]:
    """Mark too_long_word lines; return line -> its stripped text with citations cut, for
    the lines where the cut changed something."""
    size = lb.lend - lb.lstart
    if p.max_word_length != -1:  # only a line longer than the limit can hold a longer word
        for i in np.flatnonzero(size > p.max_word_length).tolist():
            if max(map(len, _words(_stripped(cb, lb, i), p))) > p.max_word_length:
                rule[i] = _TOO_LONG
    cleaned = {}
    if p.remove_citations:
        # a citation never spans lines, so the lines it changes are those holding a match
        # in the whole batch (and every match cuts at least "[]")
        at = [m.start() for m in CITATION_RE.finditer(cb.joined)]
        for i in np.unique(np.searchsorted(lb.start, at, side="right") - 1).tolist() if at else ():
            if not rule[i]:
                cleaned[i] = CITATION_RE.sub("", _stripped(cb, lb, i))
    return cleaned


def _survivors(
    cb: CharBatch, lb: LineBatch, rule: np.ndarray, cleaned: dict[int, str], p: C4Params
) -> np.ndarray:
    """Lines that no line rule removes (marking no_terminal_punct and too_few_words)."""
    if p.filter_no_terminal_punct:
        good = _ends_well(cb, lb, p.end_marks)
        for i, line in cleaned.items():
            good[i] = line.endswith(p.end_marks) and not line.endswith("...")
        rule[~good & (rule == 0)] = _NO_END
        ok = good & (rule == 0)
    else:
        ok = rule == 0
    m = p.min_words_per_line
    if m > 0:  # words before citation removal, as datatrove
        few = ok & (lb.n_words() < m)
        if p.cjk_words:  # a line of CJK text has few spaces: count its characters as words
            for i in np.flatnonzero(few).tolist():
                few[i] = count_cjk_words(_stripped(cb, lb, i)) < m
        rule[few] = _FEW
        ok &= ~few
    return ok


def _ends_well(cb: CharBatch, lb: LineBatch, end_marks: tuple[str, ...]) -> np.ndarray:
    """stripped.endswith(end_marks) and not stripped.endswith("...") for every line."""
    codes, end = cb.codes, lb.lend
    size = end - lb.lstart
    if not all(len(m) == 1 for m in end_marks):  # (never, with the presets)
        lines = [_stripped(cb, lb, i) for i in range(len(end))]
        return np.array([s.endswith(end_marks) and not s.endswith("...") for s in lines], dtype=bool)
    last = codes[np.maximum(end - 1, 0)] if len(codes) else np.zeros(len(end), dtype=np.uint32)
    good = (size > 0) & np.isin(last, [ord(m) for m in end_marks])
    dots = good & (size >= 3) & (last == _DOT)
    dots[dots] = (codes[end[dots] - 2] == _DOT) & (codes[end[dots] - 3] == _DOT)
    return good & ~dots


def _content_rules(
    texts: list[str],
    cb: CharBatch,
    lb: LineBatch,
    rule: np.ndarray,
    ok: np.ndarray,
    cleaned: dict[int, str],
    p: C4Params,
) -> dict[int, str]:
    """Apply the content rules, in analyze's per-line order, to the surviving lines that may
    hold their strings; return line -> page-level rule."""
    suspects = set(cleaned)
    for d in cb.odd_lower:  # lower-casing shifts their offsets: every line is a suspect
        suspects.update(range(lb.doc_line[d], lb.doc_line[d + 1]))
    for flag, needle in CONTENT_NEEDLES:  # (ASCII needles)
        if getattr(p, flag):
            suspects.update(_lines_holding(cb.ascii_lower, needle.encode(), lb))
    if p.filter_curly_bracket:
        at = np.flatnonzero(cb.codes == ord("{"))
        suspects.update((np.searchsorted(lb.start, at, side="right") - 1).tolist())
    page_rule: dict[int, str] = {}
    for i in sorted(i for i in suspects if ok[i]):
        line = cleaned[i] if i in cleaned else _stripped(cb, lb, i)
        lower = line.lower()
        if p.filter_lorem_ipsum and "lorem ipsum" in lower:
            page_rule[i] = "lorem_ipsum"
        elif p.filter_javascript and "javascript" in lower:
            rule[i] = _JS
        elif p.filter_curly_bracket and "{" in line:
            page_rule[i] = "curly_bracket"
        elif p.filter_policy and any(s in lower for s in POLICY_SUBSTRINGS):
            rule[i] = _POLICY
    return page_rule


def _lines_holding(s: bytes, needle: bytes, lb: LineBatch) -> list[int]:
    """Lines of the batch where `needle` (which holds no line break) occurs in `s`."""
    at = []
    pos = s.find(needle)
    while pos != -1:
        at.append(pos)
        pos = s.find(needle, pos + 1)
    return (np.searchsorted(lb.start, at, side="right") - 1).tolist() if at else []


def _assemble(
    texts: list[str],
    cb: CharBatch,
    lb: LineBatch,
    rule: np.ndarray,
    ok: np.ndarray,
    cleaned: dict[int, str],
    page_rule: dict[int, str],
    p: C4Params,
    line_pairs: bool,
    stop: bool = False,
) -> C4Batch:
    n_docs = len(texts)
    doc_line = lb.doc_line
    first_line = doc_line.tolist()
    kept = ok & (rule == 0)
    for i in page_rule:
        kept[i] = False
    raw_len = lb.end - lb.start
    st_len = lb.lend - lb.lstart
    line_doc = np.repeat(np.arange(n_docs), np.diff(doc_line))

    # removed lines and their counts per (document, rule)
    removed = np.flatnonzero(rule != 0)
    key = line_doc[removed] * len(RULE_NAMES) + rule[removed]
    rule_lines = np.bincount(key, minlength=n_docs * len(RULE_NAMES))
    rule_chars = np.bincount(key, weights=raw_len[removed], minlength=n_docs * len(RULE_NAMES))
    keys, first_at = np.unique(key, return_index=True)  # first occurrence of each pair
    extra = _extra_counts(kept, line_doc, raw_len, st_len, cleaned, n_docs)

    # sentences of the kept lines: stretches of the batch at once, cut lines one by one
    n_sent = np.zeros(n_docs, dtype=np.int64)
    if p.min_num_sentences != -1:
        sent = np.zeros(len(kept), dtype=np.int64)  # sentences of each kept line
        plain = kept.copy()
        for i in cleaned:
            plain[i] = False
        at = np.flatnonzero(plain)
        if len(at):
            sent[at] = count_sentences_at(cb.codes, cb.cls, lb.lstart[at], lb.lend[at])
        for i, line in cleaned.items():
            if kept[i]:
                sent[i] = count_sentences(line)
        n_sent = _sentences_per_doc(sent, kept, line_doc, n_docs, p.min_num_sentences if stop else None)

    by_doc_rules: list[list[tuple[int, str, list[int]]]] = [[] for _ in range(n_docs)]
    lines_list, chars_list = rule_lines.tolist(), rule_chars.tolist()
    for k, at in zip(keys.tolist(), removed[first_at].tolist()):
        d, r = divmod(k, len(RULE_NAMES))
        by_doc_rules[d].append((at, RULE_NAMES[r], [lines_list[k], int(chars_list[k])]))  # type: ignore[arg-type]

    removed_local = (removed - doc_line[line_doc[removed]]).tolist()
    removed_rules = [RULE_NAMES[r] for r in rule[removed].tolist()]
    removed_bounds = np.searchsorted(removed, doc_line).tolist()
    kept_at_all = np.flatnonzero(kept)
    kept_bounds = np.searchsorted(kept_at_all, doc_line).tolist()
    kept_list = kept_at_all.tolist()
    lstart, lend = lb.lstart.tolist(), lb.lend.tolist()
    joined = cb.joined
    page_by_doc: dict[int, list[int]] = {}
    for i in sorted(page_rule):
        page_by_doc.setdefault(int(line_doc[i]), []).append(i)

    results = []
    kept_by_doc: list[list[int]] = []
    for d in range(n_docs):
        base = first_line[d]
        res = C4Result(n_lines=first_line[d + 1] - base)
        pages = page_by_doc.get(d)
        if pages:
            first = pages[0]
            res.drop_rule, res.drop_line = page_rule[first], first - base
            names = {page_rule[i] for i in pages}
            res.has_lorem_ipsum = "lorem_ipsum" in names
            res.has_curly_bracket = "curly_bracket" in names
        a, b = removed_bounds[d], removed_bounds[d + 1]
        if line_pairs:
            res.removed_lines = list(zip(removed_local[a:b], removed_rules[a:b]))
        a, b = kept_bounds[d], kept_bounds[d + 1]
        kept_at = kept_list[a:b]
        res.kept_lines = [cleaned[i] if i in cleaned else joined[lstart[i] : lend[i]] for i in kept_at]
        entries = [(at - base, 0, name, c) for at, name, c in by_doc_rules[d]]
        entries += [(at - base, tie, name, c) for at, tie, name, c in extra.get(d, ())]
        entries.sort(key=lambda e: (e[0], e[1]))
        res.removed = {name: c for _, _, name, c in entries}
        res.n_sentences = int(n_sent[d])
        results.append(res)
        kept_by_doc.append(kept_at)
    if p.filter_badwords:
        _badword_rule(results, texts, cb, lb, kept_by_doc, cleaned, p, batch_search=not stop)
    for res in results:
        if stop and res.drop_rule is not None:
            res.n_sentences = 0  # the stage counts no sentences on a page it already drops
        _sentence_rule(res, p)
    off = cb.offsets[line_doc[removed]]
    return C4Batch(
        results,
        removed_bounds,
        removed_rules,
        (lb.start[removed] - off).tolist(),
        (lb.end[removed] - off).tolist(),
    )


def _sentences_per_doc(
    sent: np.ndarray, kept: np.ndarray, line_doc: np.ndarray, n_docs: int, enough: int | None
) -> np.ndarray:
    """Sentences of each document's kept lines; with `enough`, counted line by line only until
    there are that many (the stage's early stop: its count is then the running total there)."""
    at = np.flatnonzero(kept)
    total = np.bincount(line_doc[at], weights=sent[at], minlength=n_docs).astype(np.int64)
    if enough is None or not len(at):
        return total
    running = np.cumsum(sent[at])
    docs = line_doc[at]
    starts = np.searchsorted(docs, np.arange(n_docs))  # first kept line of each document
    before = np.concatenate([[0], running])[starts]
    local = running - before[docs]
    reached = np.flatnonzero(local >= enough)
    ds, first = np.unique(docs[reached], return_index=True)
    total[ds] = local[reached[first]]
    return total


def _extra_counts(
    kept: np.ndarray,
    line_doc: np.ndarray,
    raw_len: np.ndarray,
    st_len: np.ndarray,
    cleaned: dict[int, str],
    n_docs: int,
) -> dict[int, list[tuple[int, int, str, list[int]]]]:
    """Per document, the characters cut from kept lines: citations, then stripped
    whitespace, as (first line, tie-break, name, [lines, chars])."""
    out: dict[int, list[tuple[int, int, str, list[int]]]] = {}
    cited = sorted(i for i in cleaned if kept[i])
    for i in cited:
        d = int(line_doc[i])
        entries = out.setdefault(d, [])
        if entries and entries[-1][2] == "citation":
            entries[-1][3][0] += 1
            entries[-1][3][1] += int(st_len[i]) - len(cleaned[i])
        else:
            entries.append((i, 1, "citation", [1, int(st_len[i]) - len(cleaned[i])]))
    padded = np.flatnonzero(kept & (raw_len != st_len))
    if len(padded):
        docs = line_doc[padded]
        lines = np.bincount(docs, minlength=n_docs)
        chars = np.bincount(docs, weights=(raw_len - st_len)[padded], minlength=n_docs)
        ds, first = np.unique(docs, return_index=True)
        for d, at in zip(ds.tolist(), padded[first].tolist()):
            out.setdefault(d, []).append((at, 2, "whitespace", [int(lines[d]), int(chars[d])]))
    return out


def _badword_rule(
    results: list[C4Result],
    texts: list[str],
    cb: CharBatch,
    lb: LineBatch,
    kept_by_doc: list[list[int]],
    cleaned: dict[int, str],
    p: C4Params,
    batch_search: bool = True,
) -> None:
    """analyze's bad-word rule: the first kept line holding a bad word drops the page. The
    whole text's hits (from batch_text_hits) tell where kept lines are stretches of the
    text; the other texts have their kept lines scanned joined, as analyze does, all at once
    when the language has a batch search."""
    lang = p.badwords_lang
    m = matcher(lang)
    joined_scan: list[int] = []
    for d, (res, kept_at) in enumerate(zip(results, kept_by_doc)):
        if not kept_at:
            continue
        hits = None
        if d not in cb.odd_lower and not any(i in cleaned for i in kept_at):
            hits = text_hits(texts[d], lang, compute=False)
        if hits is None:
            joined_scan.append(d)
        elif hits:
            _set_badword(res, _first_hit_line(hits, cb, lb, d, kept_at))
    if not joined_scan:
        return
    # (the stage's pages stop at their first hit: one early-exit scan per page beats a batch search)
    if batch_search and m.has_automaton and m.has_batch_search:
        joined = ["\n".join(line.lower() for line in results[d].kept_lines) for d in joined_scan]
        found = m.batch_candidates(CharBatch.of(joined))
        for d, text, cands in zip(joined_scan, joined, found):
            if cands:
                _set_badword(
                    results[d], kept_by_doc[d][text.count("\n", 0, cands[0][0])] - int(lb.doc_line[d])
                )
        return
    cut_by_doc: dict[int, dict[int, str]] = {}  # document -> its lines' cut text, by line in the text
    if cleaned:
        at = np.fromiter(cleaned, dtype=np.int64, count=len(cleaned))
        for i, d in zip(at.tolist(), (np.searchsorted(lb.doc_line, at, side="right") - 1).tolist()):
            cut_by_doc.setdefault(d, {})[i - int(lb.doc_line[d])] = cleaned[i]
    for d in joined_scan:  # analyze's own way
        base = int(lb.doc_line[d])
        res = results[d]
        local = cut_by_doc.get(d, {})
        kept_at = [i - base for i in kept_by_doc[d]]
        _set_badword(res, _first_badword_line(texts[d], view(texts[d]), kept_at, res.kept_lines, local, lang))


def _set_badword(res: C4Result, line_no: int | None) -> None:
    if line_no is not None:
        res.has_badword = True
        if res.drop_rule is None or line_no < (res.drop_line or 0):
            res.drop_rule, res.drop_line = "badword", line_no


def _first_hit_line(
    hits: list[tuple[int, int]], cb: CharBatch, lb: LineBatch, d: int, kept_at: list[int]
) -> int | None:
    """The first kept line (index in its text) whose stripped stretch holds a hit."""
    off = int(cb.offsets[d])
    base = int(lb.doc_line[d])
    kept = set(kept_at)
    best = None
    for s, e in hits:
        i = int(np.searchsorted(lb.start, s + off, side="right")) - 1
        if i in kept and (best is None or i < best) and lb.lstart[i] <= s + off and e + off <= lb.lend[i]:
            best = i
    return None if best is None else best - base


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
