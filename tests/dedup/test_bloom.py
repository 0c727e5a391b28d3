import gzip
import json

import numpy as np
import pytest

from dolmalike.dedup.bloom import (
    BloomFilter,
    check_and_add,
    check_and_add_docs,
    item_hashes,
    optimal_size,
    paragraphs,
)


def test_optimal_size_formula():
    m, k = optimal_size(1_000_000, 0.01)
    assert abs(m - 9_585_059) < 64 and k == 7  # m = -n ln p / ln²2, k = m/n ln 2


def test_no_false_negatives_and_fp_rate_near_target():
    bloom = BloomFilter(20_000, fp_rate=0.01)
    inserted = [f"item-{k}".encode() for k in range(20_000)]
    h1, h2 = item_hashes(inserted)
    bloom.add(h1, h2)
    assert bloom.contains(h1, h2).all()
    probes = item_hashes([f"other-{k}".encode() for k in range(50_000)])
    fp = bloom.contains(*probes).mean()
    assert 0.005 < fp < 0.02
    assert 0.45 < bloom.fill_ratio() < 0.55  # an optimally sized filter is half full


def test_paragraph_spans_include_newline_and_skip_blank():
    text = "alpha\n\n  \nbeta\ngamma"
    ps = paragraphs(text)
    assert [(p.start, p.end, p.text) for p in ps] == [(0, 6, "alpha"), (10, 15, "beta"), (15, 20, "gamma")]
    assert [text[p.start : p.end] for p in ps] == ["alpha\n", "beta\n", "gamma"]


def test_check_and_add_first_occurrence_wins():
    bloom = BloomFilter(100, 1e-6)
    assert check_and_add(bloom, [b"a", b"b", b"a"]).tolist() == [False, False, True]
    assert check_and_add(bloom, [b"c", b"b", b"c", b"c"]).tolist() == [False, True, True, True]
    assert check_and_add(bloom, []).tolist() == []


@pytest.mark.parametrize("expected_items", [40, 400, 100_000])
def test_a_batch_of_documents_flags_exactly_what_document_by_document_does(expected_items):
    """Equal flags and equal bits, false positives included: with 40 expected items the filter is
    overfull and most flags are false positives, so the batch rule is tested where it is subtle."""
    rng = np.random.default_rng(expected_items)
    docs = [[f"p{v}".encode() for v in rng.integers(0, 300, rng.integers(0, 12))] for _ in range(200)]
    one, batch = BloomFilter(expected_items, 1e-3), BloomFilter(expected_items, 1e-3)
    want = [check_and_add(one, items) for items in docs]
    got = []
    for lo in range(0, len(docs), 64):  # batches of documents, as the paragraph step reads them
        chunk = docs[lo : lo + 64]
        flat = [it for items in chunk for it in items]
        h1, h2 = item_hashes(flat)
        doc = np.repeat(np.arange(len(chunk)), [len(items) for items in chunk])
        flags = check_and_add_docs(batch, h1, h2, doc)
        got += np.split(flags, np.cumsum([len(items) for items in chunk])[:-1])
    assert [g.tolist() for g in got] == [w.tolist() for w in want]
    assert np.array_equal(one.bits, batch.bits)
    flagged = sum(int(w.sum()) for w in want)
    assert 0 < flagged < sum(map(len, docs))
    if expected_items == 40:  # overfull: false positives must be among the flags
        exact = {it for items in docs for it in items}
        assert flagged > sum(map(len, docs)) - len(exact)


def test_matches_dolma_reference_spans(shared_data):
    """Dolma's own deduper output on its test documents: every span it marks, we mark too."""
    root = shared_data / "dolma" / "sample"
    with gzip.open(root / "documents" / "000.json.gz", "rt") as f:
        docs = [json.loads(line) for line in f]
    with gzip.open(root / "attributes" / "duplicate_paragraphs" / "000.json.gz", "rt") as f:
        ref = [json.loads(line)["attributes"]["bff_duplicate_paragraph_spans"] for line in f]
    bloom = BloomFilter(10_000, 1e-6)
    ours = []
    for d in docs:
        ps = paragraphs(d["text"])
        dup = check_and_add(bloom, [p.text.encode() for p in ps])
        ours.append([[p.start, p.end, 1] for p, is_dup in zip(ps, dup) if is_dup])
    assert sum(map(len, ref)) == 30
    for mine, theirs in zip(ours, ref):
        assert [s for s in mine if s in theirs] == theirs
    assert ours[1][:30] == ref[1]
    assert all(not spans for k, spans in enumerate(ours) if k != 1)
