import gzip
import json

from dolmalike.core.document import Document
from dolmalike.stages.base import StageContext
from dolmalike.stages.c4_clean import C4Clean

GOOD = "This line is a perfectly fine sentence.\n" * 5
PAGE = (
    "Home | About | Contact\n"
    "This site uses cookies to improve your experience.\n"
    "Please enable JavaScript to view this page.\n"
    "Short line.\n"
    "The quick brown fox jumps over the lazy dog. It was a sunny day.\n"
    "Wikipedia says cats are mammals.[12] They purr.\n"
    "  Dogs bark loudly at night, and owls hoot!  \n"
    "Is this the final sentence of the page?"
)


def _run(stage: C4Clean, texts: list[str]) -> tuple[list[Document], StageContext]:
    ctx = StageContext(partition="p")
    docs = [Document(doc_id=f"d{i}", text=t) for i, t in enumerate(texts)]
    return list(stage.run(iter(docs), ctx)), ctx


def test_one_decision_per_document_with_rule_counts() -> None:
    texts = [
        PAGE,
        GOOD.rstrip("\n"),
        GOOD + "Lorem ipsum dolor sit amet, it said.\n",
        "One sentence here. And a second one.\n",
        GOOD + "A nude statue stands in the park.\n",
        "var x = {a: 1}; is code here.\n" + GOOD,
    ]
    kept, ctx = _run(C4Clean(), texts)
    assert [d.doc_id for d in kept] == ["d0", "d1"]
    assert [(d.doc_id, d.decision, d.reason) for d in ctx.decisions] == [
        ("d0", "modified", None),
        ("d1", "kept", None),
        ("d2", "dropped", "c4: lorem ipsum"),
        ("d3", "dropped", "c4: too few sentences (2 < 5)"),
        ("d4", "dropped", "c4: bad word"),
        ("d5", "dropped", "c4: curly bracket"),
    ]
    modified = ctx.decisions[0]
    assert modified.detail["rules"] == {
        "citation": {"chars": 4, "lines": 1},
        "javascript": {"chars": 43, "lines": 1},
        "no_terminal_punct": {"chars": 22, "lines": 1},
        "policy": {"chars": 50, "lines": 1},
        "too_few_words": {"chars": 11, "lines": 1},
        "whitespace": {"chars": 4, "lines": 1},
    }
    assert kept[0].text == (
        "The quick brown fox jumps over the lazy dog. It was a sunny day.\n"
        "Wikipedia says cats are mammals. They purr.\n"
        "Dogs bark loudly at night, and owls hoot!\n"
        "Is this the final sentence of the page?"
    )
    assert modified.score == 1 - len(kept[0].text) / len(PAGE)
    assert kept[1].text == texts[1]
    assert ctx.decisions[3].detail == {"min_sentences": 5, "n_sentences": 2, "rules": {}}
    assert ctx.decisions[4].detail["line"] == 5
    assert ctx.decisions[5].detail == {"line": 0, "rules": {}}
    assert ctx.stats == {"c4_clean.modified": 1, "c4_clean.kept": 1, "c4_clean.dropped": 4}


def test_tfds_preset_and_overrides() -> None:
    text = "A fine line of words here.\n" * 3 + "Four words only here.\n"
    kept, ctx = _run(C4Clean(preset="tfds"), [text])
    assert ctx.decisions[0].decision == "modified"
    assert ctx.decisions[0].detail == {"rules": {"too_few_words": {"chars": 21, "lines": 1}}}
    _, ctx = _run(
        C4Clean(min_num_sentences=-1, filter_badwords=False, end_marks=["."]), ["Yes it is true!\nOk."]
    )
    assert (ctx.decisions[0].decision, ctx.decisions[0].detail) == (
        "modified",
        {
            "rules": {
                "no_terminal_punct": {"chars": 15, "lines": 1},
                "too_few_words": {"chars": 3, "lines": 1},
            }
        },
    )
    assert C4Clean(preset="tfds").config()["min_num_sentences"] == 3


def test_real_pages_partition_into_kept_modified_dropped(shared_data) -> None:
    path = shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        real_texts = [json.loads(line)["text"] for line in f]
    kept, ctx = _run(C4Clean(), real_texts)
    counts = ctx.stats
    assert counts["c4_clean.kept"] + counts["c4_clean.modified"] == len(kept)
    assert len(ctx.decisions) == len(real_texts)
    assert (counts["c4_clean.kept"], counts["c4_clean.modified"], counts["c4_clean.dropped"]) == (0, 344, 353)
    by_id = {d.doc_id: d for d in ctx.decisions}
    for doc in kept:
        detail = by_id[doc.doc_id].detail
        assert all(set(v) == {"lines", "chars"} for v in (detail or {}).get("rules", {}).values())
        assert doc.text and "\n\n" not in doc.text


def test_record_language_puts_the_language_in_every_decision() -> None:
    zh = "我们是一家专业的公司，为客户提供优质的服务。\n" * 3 + "他们说今天的天气非常好！\n" * 3
    texts = [GOOD.rstrip("\n"), PAGE, "Short line.", zh.rstrip("\n")]
    kept, ctx = _run(C4Clean(preset="multilingual", record_language=True), texts)
    assert [d.doc_id for d in kept] == ["d0", "d1", "d3"]
    details = [d.detail for d in ctx.decisions]
    assert [d["language"] for d in details] == ["en", "en", "en", "zh"]
    assert [d.decision for d in ctx.decisions] == ["kept", "modified", "dropped", "kept"]
    assert details[1]["rules"]["policy"] == {"chars": 50, "lines": 1}
    assert "rules" in details[2]
    _, plain = _run(C4Clean(), texts)
    assert plain.decisions[0].detail is None and "language" not in plain.decisions[1].detail


def test_batching_changes_no_decision_or_text(shared_data) -> None:
    """The stage runs the batched C4 implementation; a page's outcome is its own, whatever the
    batch it shares (batch of 1 vs 64, on real pages, several dropped by page-level rules)."""
    path = shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f][:300]
    one_kept, one = _run(C4Clean(batch_size=1), texts)
    many_kept, many = _run(C4Clean(batch_size=64), texts)
    assert [(d.doc_id, d.text) for d in one_kept] == [(d.doc_id, d.text) for d in many_kept]
    assert one.decisions == many.decisions
    reasons = {d.reason for d in many.decisions if d.decision == "dropped"}
    assert {"c4: curly bracket", "c4: lorem ipsum"} & reasons and len(one_kept) < len(texts)


def test_a_surviving_page_has_the_language_langid_v1_gives_it_without_a_second_scoring(shared_data) -> None:
    """record_language scores a page as it leaves c4_clean and hands the answer on, so the tag
    stage's langid_v1 takes it instead of scoring the page again; dropped pages leave nothing."""
    from dolmalike.stages.tag import tag_documents
    from dolmalike.taggers.apply import TaggerSet
    from dolmalike.taggers.langid import LangIdTagger
    from dolmalike.taggers.registry import build_taggers

    path = shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f][:200] + [GOOD.rstrip("\n")]
    hand_off = LangIdTagger().ft.hand_off
    waiting = len(hand_off)  # what earlier tests left
    kept, ctx = _run(C4Clean(preset="multilingual", record_language=True), texts)
    decided = {d.doc_id: d for d in ctx.decisions}
    assert {d.decision for d in ctx.decisions} == {"kept", "modified", "dropped"}
    missed, taken = hand_off.missed, hand_off.taken
    tag_ctx = StageContext(partition="p")
    list(tag_documents(kept, TaggerSet(build_taggers(["langid_v1"], ())), tag_ctx))
    assert hand_off.missed == missed  # every line langid_v1 scores was scored by c4_clean
    assert hand_off.taken - taken >= len(kept) and len(hand_off) == waiting
    _, rows = tag_ctx.attributes["langid_v1"]
    fresh = LangIdTagger()
    fresh.ft.use_hand_off = False
    assert [{k: v for k, v in r.items() if k != "doc_id"} for r in rows] == fresh.predict_batch(kept)
    assert [r["language"] for r in rows] == [decided[d.doc_id].detail["language"] for d in kept]
    dropped = [d for d in ctx.decisions if d.decision == "dropped"]
    by_id = {f"d{i}": t for i, t in enumerate(texts)}
    assert [d.detail["language"] for d in dropped] == [
        r["language"] for r in fresh.predict_texts([by_id[d.doc_id] for d in dropped])
    ]
