"""A batch's characters and lines (numpy) agree with the str definitions."""

import random

import numpy as np

from dolmalike.taggers.badwords import lower_aligned
from dolmalike.taggers.chars import CharBatch, LineBatch, char_batch, line_batch, lower_codes
from dolmalike.taggers.text_utils import line_starts


def _check_lines(texts: list[str]) -> None:
    cb = CharBatch.of(texts)
    lb = LineBatch.of(cb)
    words = lb.n_words()
    for d, text in enumerate(texts):
        assert cb.joined[cb.offsets[d] : cb.offsets[d + 1] - 1] == text
        lines = text.splitlines()
        a, b = lb.doc_line[d], lb.doc_line[d + 1]
        assert [cb.joined[s:e] for s, e in zip(lb.start[a:b], lb.end[a:b])] == lines, repr(text)
        assert (lb.start[a:b] - cb.offsets[d]).tolist() == line_starts(text)
        stripped = [cb.joined[s:e] for s, e in zip(lb.lstart[a:b], lb.lend[a:b])]
        assert stripped == [line.strip() for line in lines], repr(text)
        assert words[a:b].tolist() == [len(line.split()) for line in lines]
        s, e = lb.strip(cb.offsets[d : d + 1], cb.offsets[d + 1 : d + 2] - 1)
        assert cb.joined[s[0] : e[0]] == text.strip()


def test_lines_equal_splitlines_and_strip(real_texts) -> None:
    texts = list(real_texts)
    for i in range(0, len(texts), 256):
        _check_lines(texts[i : i + 256])
    rng = random.Random(3)
    pieces = ["a", "b c", " ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u2028"]
    pieces += ["\u2029", "\u2027", "\xa0", "\u3000", "😀", ""]
    for _ in range(1500):
        _check_lines(["".join(rng.choices(pieces, k=rng.randint(0, 10))) for _ in range(rng.randint(1, 5))])
    _check_lines(["a\r", "\nb", "\r\n", ""])  # "\r" + the joining "\n" is no "\r\n"


def test_lowered_forms_of_a_char_batch() -> None:
    texts = ["AbC İx \u212a", "Σ É z", ""]
    cb = CharBatch.of(texts)
    assert cb.odd_lower == {0}  # "İ" lower-cases to two characters
    assert cb.lowered_str(0, 3) == "abc" and cb.lowered_str(4, 6) == "ix"
    assert cb.lowered_str(cb.offsets[1], cb.offsets[2] - 1) == "σ é z"
    lowered = "\n".join(lower_aligned(t) for t in texts)
    assert bytes(b if b < 128 else 255 for b in cb.ascii_lower) == bytes(
        ord(c) if ord(c) < 128 else 255 for c in lowered
    )


def test_lowered_reads_ascii_lower_and_the_table_alike() -> None:
    texts = ["AbC İx \u212a Kk", "Σ É z é 🖕 ÀÉ", "", "ǅ ß ẞ ⅫⅻⒶ"]
    cb = CharBatch.of(texts)
    every = np.arange(len(cb.codes))
    assert cb.lowered(every).tolist() == lower_codes(cb.codes).tolist()
    assert cb.lowered(every[::-3]).tolist() == lower_codes(cb.codes[::-3]).tolist()
    for c in "ikzé🖕σàǆßⅻⓐ\n":
        want = [i for i, low in enumerate(lower_codes(cb.codes).tolist()) if low == ord(c)]
        assert cb.lowered_to(ord(c)).tolist() == want, c
    assert len(cb.lowered_to(ord("k"))) == 3  # "K", "k" and the Kelvin sign


def test_batches_are_shared_for_the_same_texts() -> None:
    texts = ["a b", "c"]
    assert char_batch(texts) is char_batch(list(texts))
    assert line_batch(texts) is line_batch(list(texts))
    assert char_batch(texts) is not char_batch(["a b", "d"])
