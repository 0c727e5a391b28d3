"""Batch word tokens (numpy) agree with split_words and the per-word definitions."""

import random

import numpy as np

from dolmalike.taggers.text_utils import PUNCTUATION_CHARS, has_alpha, split_words
from dolmalike.taggers.token_batch import LONG_TOKEN, TokenBatch, token_batch, token_key


def _check(texts: list[str]) -> None:
    tb = TokenBatch(texts)
    assert len(tb.doc_tok) == len(texts) + 1
    for d, text in enumerate(texts):
        words = split_words(text)
        a, b = tb.doc_tok[d], tb.doc_tok[d + 1]
        assert tb.lens[a:b].tolist() == [len(w) for w in words], d
        assert tb.symbol[a:b].tolist() == [not w.strip(PUNCTUATION_CHARS) for w in words], d
        assert tb.alpha[a:b].tolist() == [has_alpha(w) for w in words], d
        key_of: dict[str, int] = {}
        for w, k in zip(words, tb.keys[a:b].tolist()):
            assert key_of.setdefault(w, k) == k  # equal words, equal keys
        assert len(set(key_of.values())) == len(key_of)  # different words, different keys
        assert all(token_key(w) == k for w, k in list(key_of.items())[:20])


def test_tokens_equal_split_words_on_real_pages(real_texts) -> None:
    _check(list(real_texts))


def test_tokens_on_adversarial_text() -> None:
    rng = random.Random(11)
    alphabet = "ab'’ _.,!…-１½Ⅻ日本 \n\t\x0b\x00😀𑩂ÀİΣ\ud800"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(400)]
    texts += ["don't 'quoted' rock'n'roll x''y", "", "   ", "x" * (LONG_TOKEN + 5) + " y"]
    _check(texts)


def test_token_key_and_batch_cache() -> None:
    assert token_key("the") is not None
    assert token_key("two words") is None and token_key("don't") is not None
    texts = ["a b", "c"]
    assert token_batch(texts) is token_batch(list(texts))  # same text objects
    assert token_batch(texts) is not token_batch(["a b", "d"])


def test_span_keys_identify_stretches() -> None:
    texts = ["one two one", "two\none two", "x" * (LONG_TOKEN + 3) + " " + "x" * (LONG_TOKEN + 3)]
    tb = TokenBatch(texts)
    starts = np.array([0, 4, 8, 12, 16, 20, 24, 24 + LONG_TOKEN + 4])
    ends = starts + np.array([3, 3, 3, 3, 3, 3, LONG_TOKEN + 3, LONG_TOKEN + 3])
    keys = tb.span_keys(starts, ends).tolist()
    strings = [tb.chars.joined[s:e] for s, e in zip(starts, ends)]
    assert strings[:6] == ["one", "two", "one", "two", "one", "two"]
    for i in range(len(strings)):
        for j in range(len(strings)):
            assert (keys[i] == keys[j]) == (strings[i] == strings[j])
    assert keys[0] == token_key("one")  # a stretch that is a token has the token's key
    assert tb.span_hashes(starts[:6], ends[:6]).tolist() == keys[:6]


def test_per_doc_sums_with_empty_documents_anywhere() -> None:
    texts = ["", "a bb", " ", "ccc d e", "", "", "ff", ""]
    tb = TokenBatch(texts)
    assert tb.per_doc(tb.lens) == [sum(map(len, split_words(t))) for t in texts]
    assert tb.per_doc(tb.alpha) == [len(split_words(t)) for t in texts]  # bools count as 1
    assert TokenBatch(["", " "]).per_doc(np.zeros(0, dtype=np.int64)) == [0, 0]
