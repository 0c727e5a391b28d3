"""The per-line C4 implementation the fast `analyze` replaced, kept as the reference it
must agree with (field for field, dict order included)."""

from dolmalike.taggers.badwords import lower_aligned, matcher
from dolmalike.taggers.c4_params import CITATION_RE, POLICY_SUBSTRINGS, C4Params, C4Result
from dolmalike.taggers.text_utils import count_sentences, split_cjk_words


def reference_analyze(text: str, params: C4Params, full: bool = False) -> C4Result:
    """Apply the C4 rules to `text`.

    With full=False (the stage), stop at the first page-level drop and stop counting
    sentences once there are enough. With full=True (the tagger), classify every line and
    count every sentence; lines that trigger a page-level rule are then neither kept nor
    counted as removed, and `drop_rule` is the first page-level rule in line order.
    """
    res = C4Result()
    lines = text.splitlines()
    res.n_lines = len(lines)
    p = params
    max_len = p.max_word_length
    min_words = p.min_words_per_line
    end_marks = p.end_marks
    kept_at: list[int] = []  # line index of each kept line
    kept_lower: list[str] = []
    for i, raw in enumerate(lines):
        line = raw.strip()
        rule = None
        cited = 0
        words = split_cjk_words(line) if p.cjk_words else line.split()
        if max_len != -1 and len(line) > max_len and any(len(w) > max_len for w in words):
            rule = "too_long_word"
        else:
            clean = line
            if p.remove_citations and "[" in line:
                clean = CITATION_RE.sub("", line)
                cited = len(line) - len(clean)
            if p.filter_no_terminal_punct and (not clean.endswith(end_marks) or clean.endswith("...")):
                rule = "no_terminal_punct"
            elif len(words) < min_words:  # words before citation removal, as datatrove
                rule = "too_few_words"
            line = clean
        if rule is not None:
            res._count(rule, len(raw))
            res.removed_lines.append((i, rule))
            continue
        lower = line.lower()
        page_rule = None
        if p.filter_lorem_ipsum and "lorem ipsum" in lower:
            res.has_lorem_ipsum = True
            page_rule = "lorem_ipsum"
        elif p.filter_javascript and "javascript" in lower:
            res._count("javascript", len(raw))
            res.removed_lines.append((i, "javascript"))
            continue
        elif p.filter_curly_bracket and "{" in line:
            res.has_curly_bracket = True
            page_rule = "curly_bracket"
        elif p.filter_policy and any(s in lower for s in POLICY_SUBSTRINGS):
            res._count("policy", len(raw))
            res.removed_lines.append((i, "policy"))
            continue
        if page_rule is not None:
            if res.drop_rule is None:
                res.drop_rule, res.drop_line = page_rule, i
            if not full:
                break
            continue
        if cited:
            res._count("citation", cited)
        if len(line) + cited != len(raw):
            res._count("whitespace", len(raw) - len(line) - cited)
        res.kept_lines.append(line)
        kept_at.append(i)
        kept_lower.append(lower)

    # TFDS drops a page at its first kept line holding a bad word; one scan of the kept lines
    # finds it, and it wins if it comes before the page-level rule found above
    if p.filter_badwords and kept_lower:
        joined = "\n".join(kept_lower)
        pos = matcher(p.badwords_lang).first(lower_aligned(joined))
        if pos is not None:
            res.has_badword = True
            line_no = kept_at[joined.count("\n", 0, pos)]
            if res.drop_rule is None or line_no < (res.drop_line or 0):
                res.drop_rule, res.drop_line = "badword", line_no
    if res.drop_rule is not None and not full:
        return res
    if p.min_num_sentences != -1:
        enough = p.min_num_sentences if not full else None
        for line in res.kept_lines:
            res.n_sentences += count_sentences(line)
            if enough is not None and res.n_sentences >= enough:
                break
    if res.drop_rule is None and res.n_sentences < p.min_num_sentences:
        res.drop_rule = "too_few_sentences"
    return res
