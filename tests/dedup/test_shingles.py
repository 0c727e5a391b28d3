import numpy as np

from dolmalike.dedup.evaluate import shingle_set
from dolmalike.dedup.shingles import exact_jaccard, ngram_hash_rows, shingle_hashes
from dolmalike.dedup.text import normalize_text, words


def test_normalize_text_nfkc_case_whitespace():
    assert normalize_text("  Ｈｅｌｌｏ\t\tWORLD \n ﬁne ") == "hello world fine"


def test_words_drop_punctuation():
    assert words("Hello, World! It's 2024.") == ["hello", "world", "it", "s", "2024"]


def test_shingle_hashes_match_string_shingles(real_texts):
    for text in real_texts[:30]:
        h = shingle_hashes(text, 5)
        assert len(h) == len(shingle_set(text, 5))  # one distinct hash per distinct 5-gram
        assert np.all(h[1:] > h[:-1])  # sorted, unique


def test_shingles_are_order_sensitive_and_normalized():
    a = shingle_hashes("the quick brown fox jumps over", 5)
    assert len(a) == 2
    assert np.array_equal(a, shingle_hashes("The QUICK, brown fox — jumps over!", 5))
    assert not np.array_equal(a, shingle_hashes("quick the brown fox jumps over", 5))


def test_short_and_empty_texts():
    assert len(shingle_hashes("two words", 5)) == 1
    assert np.array_equal(shingle_hashes("two words", 5), shingle_hashes("Two Words.", 5))
    assert len(shingle_hashes("", 5)) == 0
    assert len(shingle_hashes("  ...  ", 5)) == 0


def test_exact_jaccard_matches_set_jaccard(real_texts):
    a, b = real_texts[0], real_texts[0] + " " + real_texts[1][:400]
    sa, sb = shingle_set(a), shingle_set(b)
    expected = len(sa & sb) / len(sa | sb)
    assert abs(exact_jaccard(shingle_hashes(a), shingle_hashes(b)) - expected) < 1e-12
    assert exact_jaccard(shingle_hashes(""), shingle_hashes("")) == 0.0


def test_ngram_hash_rows_are_the_shingle_sets_with_repeats(real_texts):
    texts = [*real_texts[:20], "", "two words", "  ...  ", "a b c d e", "a b c a b c a b c"]
    flat, offsets = ngram_hash_rows(texts, 5)
    assert len(offsets) == len(texts) + 1 and offsets[-1] == len(flat)
    for k, text in enumerate(texts):
        row = flat[offsets[k] : offsets[k + 1]]
        assert np.array_equal(np.unique(row), shingle_hashes(text, 5))
        assert len(row) == max(len(words(text)) - 4, min(len(words(text)), 1))  # repeats kept
    assert ngram_hash_rows([], 5)[1].tolist() == [0]
