import gzip
import json

from dolmalike.classifier.fasttext_io import LazyFastText, PredictionMemo, bundled_lid_model, one_line


def _lines(shared_data, n: int = 300) -> list[str]:
    path = shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f][:n]
    # a tail of its own per line: other tests' predictions of these pages share the memo
    return [one_line(t, 1000) + f" memo{i}" for i, t in enumerate(texts)]


def test_memo_answers_equal_the_model_and_a_repeat_is_all_hits(shared_data) -> None:
    lines = _lines(shared_data)
    lines = lines + lines[:20]  # a line twice in one call
    plain = LazyFastText(bundled_lid_model())
    memoed = LazyFastText(bundled_lid_model(), memo=True)
    memo = memoed.memo
    assert memo is not None and plain.memo is None
    before = (memo.hits, memo.misses)
    want = plain.predict(lines, k=3)
    assert memoed.predict(lines, k=3) == want
    assert memo.misses - before[1] == len(lines)
    hits = memo.hits
    got = memoed.predict(lines, k=3)
    assert got == want and memo.hits - hits == len(lines)
    # a different k is a different question
    assert memoed.predict(lines[:5], k=1) == plain.predict(lines[:5], k=1)
    # callers get copies: editing an answer does not edit the memo
    got[0][0][0] = "__label__xx"
    assert memoed.predict(lines[:1], k=3)[0] == want[0][:1]


def test_memo_is_shared_by_models_on_one_file_and_survives_pickling(shared_data) -> None:
    import pickle

    a = LazyFastText(bundled_lid_model(), memo=True)
    b = pickle.loads(pickle.dumps(a))
    assert b._memo is None and b.memo is a.memo


def test_memo_is_bounded_in_entries_and_in_characters() -> None:
    memo = PredictionMemo(max_entries=2, max_chars=10)
    for line in ("a", "b", "c"):
        memo.put(line, 1, [line], [1.0])
    assert memo.get("a", 1) is None and memo.get("c", 1) == (["c"], [1.0])
    memo.put("0123456789", 1, ["x"], [0.5])  # 10 characters: only it fits
    assert memo.get("b", 1) is None and memo.get("c", 1) is None
    assert memo.get("0123456789", 1) == (["x"], [0.5])
