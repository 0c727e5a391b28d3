import random

import numpy as np

from dolmalike.taggers.chars import CharBatch
from dolmalike.taggers.text_utils import (
    SENTENCE_RE,
    WORD_RE,
    count_alpha_words,
    count_cjk_words,
    count_sentences,
    count_sentences_at,
    has_alpha,
    line_offsets,
    split_cjk_words,
    split_words,
    view,
)


def _regex_count(line: str) -> int:
    return max(1, len(SENTENCE_RE.findall(line)))


def test_split_words_keeps_contractions_and_splits_punctuation() -> None:
    assert split_words("Don't stop... it's #1, the end!") == [
        "Don't",
        "stop",
        "...",
        "it's",
        "#",
        "1",
        ",",
        "the",
        "end",
        "!",
    ]


def test_split_words_equals_the_regex_on_real_pages(real_texts) -> None:
    assert all(split_words(t) == WORD_RE.findall(t) for t in real_texts)


def test_count_sentences_known_lines() -> None:
    assert count_sentences("One. Two! Three?") == 3
    assert count_sentences("no terminal punctuation") == 1  # datatrove counts at least one per line
    assert count_sentences('He said "stop." Then left.') == 2
    assert count_sentences("I live in the U.S. and like it.") == 1  # initials do not end sentences
    assert count_sentences("...") == 1
    assert count_sentences("Wait... what?! Really.") == 3


def test_fast_sentence_count_equals_the_regex_on_real_lines(real_texts) -> None:
    # (the regex is quadratic on long lines without punctuation, so very long lines are left out)
    lines = [line.strip() for t in real_texts for line in t.splitlines() if len(line) <= 300]
    assert len(lines) > 35_000
    assert [count_sentences(x) for x in lines] == [_regex_count(x) for x in lines]


def test_fast_sentence_count_equals_the_regex_on_random_lines() -> None:
    rng = random.Random(7)
    # upper-case initials (ASCII and not), quotes, CJK and astral terminal marks, U+E000
    for alphabet in ("ab AZ.!?\"'”…。x\x00𑩂\ue000", "aB. ", "ÀÉ.𑩂\ue000 x"):
        for _ in range(20_000):
            line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
            assert count_sentences(line) == _regex_count(line), repr(line)


def test_line_offsets_point_at_each_line() -> None:
    text = "ab\r\ncd\n\nef\x0bg"
    spans = line_offsets(text)
    assert spans == [(0, 2), (4, 6), (7, 7), (8, 10), (11, 12)]
    assert [text[s:e] for s, e in spans] == text.splitlines()


def test_alpha_words_match_isalpha_definition() -> None:
    words = ["abc", "123", "½", "x½", "__", "l'eau", "...", "Ⅻ", "日本"]
    assert count_alpha_words(words) == sum(has_alpha(w) for w in words) == 4


def test_view_is_shared_for_the_same_text_object() -> None:
    text = "Some text here. And more."
    v = view(text)
    assert view(text) is v
    assert v.words is view(text).words  # computed once
    assert view("Other text.") is not v


def test_fast_line_and_paragraph_splits_equal_the_regexes(real_texts) -> None:
    import re

    from dolmalike.taggers.text_utils import split_line_runs, split_paragraphs

    rng = random.Random(9)
    samples = list(real_texts) + [
        "".join(rng.choice("a\n \t") for _ in range(rng.randint(0, 12))) for _ in range(3000)
    ]
    for t in samples:
        assert split_line_runs(t) == re.split("\n+", t)
        assert split_paragraphs(t) == re.split(r"\n{2,}", t.strip())


def test_has_astral_and_line_starts() -> None:
    from dolmalike.taggers.text_utils import has_astral, line_starts

    assert not has_astral("abc é 日本") and has_astral("a😀") and not has_astral("\ud800x")
    text = "ab\r\ncd\n\nef\x0bg"
    assert line_starts(text) == [s for s, _ in line_offsets(text)] == [0, 4, 7, 8, 11]
    assert line_starts("") == []


def test_pinned_views_are_shared_for_a_batch() -> None:
    from dolmalike.taggers.text_utils import pinned

    texts = [f"text number {i}." for i in range(10)]
    with pinned(texts):
        views = [view(t) for t in texts]
        assert [view(t) for t in texts] == views
    assert view(texts[-1]) is views[-1]  # still among the last few
    assert view(texts[0]) is not views[0]  # released with the batch


def _count_at(lines: list[str]) -> list[int]:
    """count_sentences_at over `lines` joined by newlines, each given by its bounds."""
    cb = CharBatch.of(lines)
    return count_sentences_at(cb.codes, cb.cls, cb.offsets[:-1], cb.offsets[1:] - 1).tolist()


def test_batch_sentence_count_equals_the_line_count(real_texts) -> None:
    lines = [line.strip() for t in real_texts for line in t.splitlines()]
    assert _count_at(lines) == [count_sentences(x) for x in lines]
    rng = random.Random(8)
    for alphabet in ("ab AZ.!?\"'”…。x\x00𑩂\ue000", "aB. ", "ÀÉ.𑩂\ue000 x", ".\"'”.X"):
        lines = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))).strip() for _ in range(5000)
        ]
        assert _count_at(lines) == [count_sentences(x) for x in lines]
    # chains of quoted runs, whose starts depend on each other
    lines = ['.".".".', '"."."."', 'A.".".', "..'.'.'.", "X.", "U.S.", ".", ""]
    assert _count_at(lines) == [count_sentences(x) for x in lines]
    cb = CharBatch.of(["One. Two! x", "Three? Four."])
    inner = count_sentences_at(cb.codes, cb.cls, np.array([5, 12]), np.array([9, 18]))
    assert inner.tolist() == [1, 1]  # "Two!" and "Three?"


def test_cjk_word_count_equals_the_length_of_the_split(real_texts) -> None:
    lines = [line for t in real_texts for line in t.split("\n")]
    lines += ["我们是一家公司", "Tokyo 東京タワー は", "", "   ", "a\u3000b", "𠀀𠀁 x", "ｶﾀｶﾅ ok"]
    assert sum(bool(split_cjk_words(line)) and split_cjk_words(line) != line.split() for line in lines) > 20
    for line in lines:
        assert count_cjk_words(line) == len(split_cjk_words(line)), line
