import gzip
import json
import pickle

from dolmalike.classifier.fasttext_io import HandOff, LazyFastText, bundled_lid_model, one_line


def _lines(shared_data, n: int = 300) -> list[str]:
    path = shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f][:n]
    # a tail of its own per line: other tests' hand-offs of these pages share the process
    return [one_line(t, 1000) + f" handoff{i}" for i, t in enumerate(texts)]


def test_handed_off_answers_equal_the_model_and_are_given_out_once(shared_data) -> None:
    lines = _lines(shared_data)
    plain = LazyFastText(bundled_lid_model())
    left = LazyFastText(bundled_lid_model(), hand_off=True)
    hand_off = left.hand_off
    assert hand_off is not None and plain.hand_off is None
    want = plain.predict(lines, k=3)
    leave = [i % 3 != 0 for i in range(len(lines))]
    assert left.predict(lines, k=3, leave=leave) == want
    taken, missed = hand_off.taken, hand_off.missed
    assert left.predict(lines, k=3) == want  # the left ones taken, the others predicted
    assert hand_off.taken - taken == sum(leave) and hand_off.missed - missed == len(lines) - sum(leave)
    # given out once: asking again predicts every line
    taken = hand_off.taken
    assert left.predict(lines, k=3) == want and hand_off.taken == taken
    # a different k is a different question; a line left twice is given out twice
    left.predict(lines[:1] * 2, k=1, leave=[True, True])
    assert left.predict(lines[:1] * 3, k=1) == plain.predict(lines[:1] * 3, k=1)
    assert hand_off.taken - taken == 2


def test_callers_get_copies_and_pickling_drops_the_hand_off(shared_data) -> None:
    lines = _lines(shared_data, 2)
    a = LazyFastText(bundled_lid_model(), hand_off=True)
    want = LazyFastText(bundled_lid_model()).predict(lines, k=3)
    got = a.predict(lines, k=3, leave=[True, True])
    got[0][0][0] = "__label__xx"  # editing an answer does not edit what was left
    assert a.predict(lines, k=3) == want
    b = pickle.loads(pickle.dumps(a))
    assert b._hand_off is None and b.hand_off is a.hand_off


def test_hand_off_is_bounded_in_entries_and_in_characters() -> None:
    h = HandOff(max_entries=2, max_chars=10)
    for line in ("a", "b", "c"):
        h.leave(line, 1, [line], [1.0])
    assert len(h) == 2 and h.take("a", 1) is None and h.take("c", 1) == (["c"], [1.0])
    h.leave("0123456789", 1, ["x"], [0.5])  # 10 characters: only it fits
    assert len(h) == 1 and h.take("b", 1) is None
    assert h.take("0123456789", 1) == (["x"], [0.5]) and len(h) == 0
