"""The decontamination index stored under $DOLMALIKE_CACHE: loaded back identical, keyed by the
eval files' bytes and names and the index settings, rebuilt when unreadable, skipped when the
cache cannot be written."""

import json
import logging

import numpy as np
import pytest

from dolmalike.core.document import Document
from dolmalike.taggers import decontam
from dolmalike.taggers.decontam import DecontamTagger
from dolmalike.taggers.decontam_cache import cache_path, cached_index, index_key
from dolmalike.taggers.decontam_evalsets import read_eval_sets
from dolmalike.taggers.decontam_index import NgramIndex, tokens

ITEMS = [
    {
        "id": "q1",
        "query": "Which gas do green plants take in from the air to make food",
        "choices": ["carbon dioxide", "oxygen"],
    },
    {
        "id": "q2",
        "query": "What is the boiling point of water at sea level in degrees Celsius",
        "choices": ["100"],
    },
    {"id": "short", "text": "the quick brown fox jumps over the lazy dog"},  # 9 tokens: a short item
]
PAGE = (
    "Homework help. Which gas do green plants take in from the air to make food? "
    "Answer: carbon dioxide. Also: the quick brown fox jumps over the lazy dog, they say."
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DOLMALIKE_CACHE", str(tmp_path / "cache"))
    decontam._build_index.cache_clear()  # each test starts as a fresh process would
    yield tmp_path / "cache"
    decontam._build_index.cache_clear()


def _eval_dir(tmp_path, items=ITEMS):
    d = tmp_path / "evals"
    d.mkdir(exist_ok=True)
    (d / "quiz.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items))
    return d


def _same(a: NgramIndex, b: NgramIndex) -> None:
    assert (a.n, a.min_item_tokens, a.item_ids, a.stats) == (b.n, b.min_item_tokens, b.item_ids, b.stats)
    assert list(a.tables) == list(b.tables)
    for length, t in a.tables.items():
        u = b.tables[length]
        assert np.array_equal(t.keys, u.keys) and np.array_equal(t.items, u.items)
        assert t.shift == u.shift
        assert (t.bitmap is None) == (u.bitmap is None)
        if t.bitmap is not None:
            assert np.array_equal(t.bitmap, u.bitmap)


def test_a_later_process_loads_the_stored_index(cache, tmp_path):
    evals = _eval_dir(tmp_path)
    first = DecontamTagger(eval_sets=[evals])
    built = first.index
    [stored] = (cache / "decontam").glob("*.npz")
    row = first.predict(Document(doc_id="d", text=PAGE))
    assert row["matched_items"] == ["q1", "short"]

    decontam._build_index.cache_clear()
    stored.touch()
    again = DecontamTagger(eval_sets=[evals])
    loaded = again.index
    assert loaded is not built
    _same(built, loaded)
    assert again.predict(Document(doc_id="d", text=PAGE)) == row


def test_the_benchmarks_index_round_trips_with_its_bitmap(shared_data, tmp_path):
    """A real eval set: its n-gram table is big enough for the Bloom bitmap, stored with it."""
    index = NgramIndex(read_eval_sets([shared_data / "benchmarks" / "hellaswag_val_olmes1000.jsonl"]))
    assert index.tables[13].bitmap is not None
    path = tmp_path / "x.npz"
    np.savez(path, **index.arrays())
    with np.load(path, allow_pickle=False) as z:
        back = NgramIndex.from_arrays({k: z[k] for k in z.files})
    _same(index, back)
    text = read_eval_sets([shared_data / "benchmarks" / "hellaswag_val_olmes1000.jsonl"])[5].sequences[0]
    words = tokens(text)
    assert index.match(words).n_matched > 0
    a, b = index.match(words), back.match(words)
    assert (a.n_matched, a.n_short_matched, a.items, a.token_spans) == (
        b.n_matched,
        b.n_short_matched,
        b.items,
        b.token_spans,
    )


def test_key_follows_content_names_and_settings(cache, tmp_path):
    base = index_key([("quiz.jsonl", "a" * 64)], 13, 8)
    assert index_key([("quiz.jsonl", "a" * 64)], 13, 8) == base
    assert index_key([("quiz.jsonl", "b" * 64)], 13, 8) != base  # other bytes
    assert index_key([("exam.jsonl", "a" * 64)], 13, 8) != base  # other ids (file stem)
    assert index_key([("quiz.jsonl", "a" * 64)], 8, 8) != base
    assert index_key([("quiz.jsonl", "a" * 64)], 13, 5) != base

    evals = _eval_dir(tmp_path)
    assert DecontamTagger(eval_sets=[evals]).index.item_ids == ["q1", "q2", "short"]
    decontam._build_index.cache_clear()
    changed = [
        *ITEMS[:1],
        {"id": "q3", "text": "a completely different question about volcanoes and lava flows here"},
    ]
    _eval_dir(tmp_path, changed)
    index = DecontamTagger(eval_sets=[evals]).index
    assert index.item_ids == ["q1", "q3"]  # rebuilt from the new file, not the stored index
    assert len(list((cache / "decontam").glob("*.npz"))) == 2


def test_unreadable_store_is_rebuilt(cache, tmp_path, caplog):
    evals = _eval_dir(tmp_path)
    assert DecontamTagger(eval_sets=[evals]).index.item_ids == ["q1", "q2", "short"]
    [stored] = (cache / "decontam").glob("*.npz")
    stored.write_bytes(b"not a zip file")
    decontam._build_index.cache_clear()
    with caplog.at_level(logging.WARNING):
        index = DecontamTagger(eval_sets=[evals]).index
    assert "rebuilding the decontamination index" in caplog.text
    assert index.item_ids == ["q1", "q2", "short"]
    with np.load(stored, allow_pickle=False) as z:  # and stored again
        _same(index, NgramIndex.from_arrays({k: z[k] for k in z.files}))


def test_unwritable_cache_still_builds(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would be")
    monkeypatch.setenv("DOLMALIKE_CACHE", str(blocker))
    items = read_eval_sets([_eval_dir(tmp_path)])
    with caplog.at_level(logging.WARNING):
        index = cached_index("k" * 64, lambda: NgramIndex(items))
    assert index.item_ids == ["q1", "q2", "short"]
    assert "not cached" in caplog.text
    assert not cache_path("k" * 64).exists()
