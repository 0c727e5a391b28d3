import gzip
import json
import pickle

import numpy as np
import pyarrow as pa
import pytest

from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError, InputError
from dolmalike.taggers.decontam import DecontamTagger
from dolmalike.taggers.decontam_evalsets import item_sequences, read_eval_sets, strip_prompt
from dolmalike.taggers.decontam_index import NgramIndex, gram_hashes, token_hashes, tokens


@pytest.fixture(scope="module")
def all_benchmarks(shared_data) -> DecontamTagger:
    tagger = DecontamTagger(eval_sets=[shared_data / "benchmarks"])
    assert tagger.index.stats["items"] == 31_937  # every line of the 10 eval sets, MMLU's 14,042 included
    return tagger


@pytest.fixture(scope="module")
def web_text(shared_data) -> str:
    """A real English web page (CCNet cc_en_head: a history of ice sports)."""
    with gzip.open(shared_data / "dolma" / "cc_en_head" / "cc_en_head-0091.jsonl.gz", "rt") as f:
        return [json.loads(line)["text"] for line in f][6]


def _tag(tagger: DecontamTagger, text: str) -> dict:
    return tagger.predict(Document(doc_id="d", text=text))


def test_arc_easy_question_copied_into_a_web_page(all_benchmarks, web_text):
    quiz = (
        "\nTest your knowledge!\nWhen trees develop leaves in the spring, 10 changes occur on the forest "
        "floor. Why does the development of leaves cause changes on the forest floor?\n"
        "A) Rainfall increases.\nB) Sunlight is reduced.\n"
    )
    text = web_text[:800] + quiz + web_text[800:]
    out = _tag(all_benchmarks, text)
    assert out["matched_items"] == ["arc_easy/10"]  # line 10 of arc_easy.jsonl
    assert out["contaminated"] is True
    assert out["n_matched_ngrams"] == 14
    assert out["overlap_score"] == pytest.approx(14 / (len(tokens(text)) - 12))
    [span] = out["spans"]
    assert text[span["start"] : span["end"]] == (
        "When trees develop leaves in the spring, 10 changes occur on the forest floor. "
        "Why does the development of leaves cause changes on the forest floor"
    )


def test_mmlu_and_piqa_items_copied_into_a_web_page(all_benchmarks, web_text):
    mmlu = (
        "Anatomy practice: A lesion causing compression of the facial nerve at the stylomastoid foramen "
        "will cause ipsilateral paralysis of the facial muscles. "
    )
    out = _tag(all_benchmarks, web_text[:500] + mmlu + web_text[500:])
    assert out["matched_items"] == ["mmlu_test/100"]
    assert out["n_matched_ngrams"] == 8  # 20 tokens: question + the gold choice

    piqa = (
        "How do I ready a guinea pig cage for it's new occupants? Provide the guinea pig with a cage full "
        "of a few inches of bedding made of ripped paper strips, you will also need to supply it with a "
        "water bottle and a food dish."
    )
    out = _tag(all_benchmarks, web_text[:500] + piqa + web_text[500:])
    assert out["matched_items"] == ["piqa/0"]
    assert out["contaminated"]


def test_winogrande_sentence_matches_both_options(all_benchmarks):
    out = _tag(
        all_benchmarks,
        "Story time. Sarah was a much better surgeon than Maria so Maria always got the harder cases.",
    )
    assert out["matched_items"] == ["winogrande/0", "winogrande/1"]  # both items share the question


def test_boolq_passage_and_question_indexed_without_prompt_words(all_benchmarks, shared_data):
    with open(shared_data / "benchmarks" / "boolq.jsonl") as f:
        first = json.loads(f.readline())["query"]
    passage, question = first.removeprefix("Passage: ").split("\nQuestion: ")
    # the last 7 words of the passage followed by the first 6 of the question: one 13-gram
    # that exists only if "Question:" was stripped
    tail = " ".join(passage.split()[-7:]) + " " + " ".join(question.split()[:6])
    out = _tag(all_benchmarks, tail)
    assert len(tokens(tail)) == 13
    assert out["n_matched_ngrams"] == 1 and "boolq/0" in out["matched_items"]


def test_gsm8k_solution_without_calculator_annotations(all_benchmarks):
    text = (
        "Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins "
        "for her friends every day with four. Janet sells 16 - 3 - 4 = 9 duck eggs a day."
    )
    assert _tag(all_benchmarks, text)["matched_items"] == ["gsm8k/0"]


def test_clean_web_documents_are_not_flagged(all_benchmarks, shared_data):
    paths = [
        shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz",
        *sorted((shared_data / "dolma" / "cc_en_head").glob("*.jsonl.gz")),
        shared_data / "dolma" / "sample" / "documents" / "000.json.gz",
    ]
    docs = []
    for p in paths:
        with gzip.open(p, "rt") as f:
            docs += [Document(doc_id=str(len(docs)), text=json.loads(line)["text"]) for line in f]
    assert len(docs) == 727
    flagged = [d.doc_id for d in docs if all_benchmarks.predict(d)["contaminated"]]
    assert flagged == []


def test_boolq_wikipedia_passages_do_not_collide_with_other_benchmarks(shared_data):
    # False-positive check on encyclopedic text: 2,938 distinct BoolQ Wikipedia paragraphs
    # against every other eval set (18,625 items). Observed: none flagged.
    others = [p for p in sorted((shared_data / "benchmarks").iterdir()) if not p.name.startswith("boolq")]
    tagger = DecontamTagger(eval_sets=others)
    with open(shared_data / "benchmarks" / "boolq.jsonl") as f:
        passages = sorted({json.loads(line)["query"].split("\nQuestion: ")[0] for line in f})
    assert len(passages) == 2938
    flagged = [p for p in passages if tagger.predict(Document(doc_id="p", text=p))["contaminated"]]
    assert flagged == []


def test_synth_eval_set_format_uses_item_ids_and_short_items(tmp_path):
    eval_set = tmp_path / "eval_set.jsonl"
    items = [
        {
            "id": "synth-0001",
            "query": "Which gas do plants absorb from the air",
            "choices": ["carbon dioxide", "neon"],
            "gold": 0,
        },
        {"id": "synth-0002", "query": "Name a color", "choices": ["red", "blue"], "gold": 0},
    ]
    eval_set.write_text("".join(json.dumps(r) + "\n" for r in items))
    tagger = DecontamTagger(eval_sets=eval_set)
    # 8 + 2 tokens: shorter than 13, so indexed whole; "name a color red" (4 tokens) is skipped
    assert tagger.index.stats == {"items": 2, "sequences": 4, "short_sequences": 2, "skipped_sequences": 2}
    text = "Quiz: which gas do plants absorb from the air? Carbon dioxide, of course."
    out = _tag(tagger, text)
    assert out["matched_items"] == ["synth-0001"]
    assert (out["n_matched_ngrams"], out["n_matched_short"]) == (0, 1)
    assert out["overlap_score"] == 0.0 and out["contaminated"] is True
    assert out["spans"] == [{"start": text.index("which"), "end": text.index(", of course"), "score": 1.0}]
    assert not _tag(tagger, "Name a color red, please.")["contaminated"]


def test_n_threshold_and_caps_are_configurable(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"text": "the quick brown fox jumps over the lazy dog"}) + "\n"
    )
    text = "I saw the quick brown fox jumps over a fence and the lazy dog slept."
    assert _tag(DecontamTagger(eval_sets=tmp_path, n=13), text)["matched_items"] == []
    five = DecontamTagger(eval_sets=tmp_path, n=5, min_item_tokens=5)
    out = _tag(five, text)
    # 15 tokens -> 11 five-grams, of which "the quick brown fox jumps" and "quick brown fox jumps over"
    assert (out["n_matched_ngrams"], out["matched_items"]) == (2, ["a/0"])
    assert out["overlap_score"] == pytest.approx(2 / 11)
    strict = DecontamTagger(eval_sets=tmp_path, n=5, min_item_tokens=5, threshold=0.5)
    assert _tag(strict, text)["contaminated"] is False
    assert (
        DecontamTagger(eval_sets=tmp_path, n=5, min_matches=3).predict(Document(doc_id="d", text=text))[
            "contaminated"
        ]
        is False
    )


def test_matched_items_are_sorted_and_capped(tmp_path):
    sentence = "one two three four five six seven eight nine ten eleven twelve thirteen"
    (tmp_path / "dup.jsonl").write_text((json.dumps({"text": sentence}) + "\n") * 30)
    out = _tag(DecontamTagger(eval_sets=tmp_path, max_items=5), sentence)
    assert out["matched_items"] == ["dup/0", "dup/1", "dup/10", "dup/11", "dup/12"]


def test_rows_fit_schema_and_config(all_benchmarks):
    wino = "Sarah was a much better surgeon than Maria so Maria always got the harder cases."
    rows = [_tag(all_benchmarks, wino), _tag(all_benchmarks, "")]
    table = pa.Table.from_pylist(rows, schema=all_benchmarks.schema())
    assert table.column("contaminated").to_pylist() == [True, False]
    cfg = all_benchmarks.config()
    assert [e["name"] for e in cfg["eval_sets"]][:2] == ["arc_challenge.jsonl", "arc_easy.jsonl"]
    assert cfg["n"] == 13
    # the ~26 MB index is not shipped with every pickled task
    assert len(pickle.dumps(all_benchmarks)) < 100_000


def test_pickled_tagger_reuses_the_process_index(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "one two three four five six seven"}) + "\n")
    tagger = DecontamTagger(eval_sets=tmp_path, n=3)
    doc = Document(doc_id="d", text="x one two three y")
    expected = tagger.predict(doc)
    clone = pickle.loads(pickle.dumps(tagger))
    assert clone._index is None
    assert clone.predict(doc) == expected
    assert clone.index is tagger.index  # looked up, not rebuilt


def test_eval_set_errors(tmp_path):
    with pytest.raises(DolmalikeError, match="eval set not found"):
        DecontamTagger(eval_sets=tmp_path / "missing")
    with pytest.raises(DolmalikeError, match="no .jsonl or .jsonl.gz eval sets"):
        DecontamTagger(eval_sets=tmp_path)
    (tmp_path / "odd.jsonl").write_text('{"prompt": "x"}\n')
    with pytest.raises(InputError, match="odd.jsonl: line 1: unknown eval item format"):
        DecontamTagger(eval_sets=tmp_path).predict(Document(doc_id="d", text="x"))


def test_formats_and_prompt_stripping():
    assert strip_prompt("Question: Why is the sky blue?\n") == "Why is the sky blue?"
    assert strip_prompt("Passage: Rain falls.\nQuestion: does it rain?") == "Rain falls.\n does it rain?"
    assert item_sequences({"context": "He ran to the", "continuation": "door"}) == ["He ran to the door"]
    assert item_sequences({"context_options": ["A went", "B went"], "continuation": "home."}) == [
        "A went home.",
        "B went home.",
    ]
    assert item_sequences({"question": "2+2?", "choices": ["3", "4"], "answer": 1}) == ["2+2? 3", "2+2? 4"]
    assert item_sequences({"context": "Q", "chain_of_thought": "1+1 = <<1+1=2>>2", "answer": "2"}) == [
        "Q 1+1 = 2"
    ]
    assert item_sequences({"prompt": "x"}) is None


def test_eval_ids_follow_line_numbers_in_gz_files(shared_data):
    items = read_eval_sets([shared_data / "benchmarks" / "mmlu_test.jsonl.gz"])
    assert len(items) == 14_042
    assert items[100].item_id == "mmlu_test/100"
    assert items[100].sequences[0].startswith("A lesion causing compression of the facial nerve")


def test_rolling_gram_hash_equals_direct_hash():
    toks = tokens("Alpha beta, gamma! Delta_epsilon ZETA eta")
    assert toks == ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"]
    h = token_hashes(toks)
    grams = gram_hashes(h, 3)
    index = NgramIndex([], n=3)
    assert len(grams) == 5 and index.n_grams == 0
    assert grams[2] == gram_hashes(token_hashes(toks[2:5]), 3)[0]
    assert len(np.unique(grams)) == 5


def test_batch_matching_equals_one_document_at_a_time(all_benchmarks, shared_data, web_text):
    """Windows never cross documents: a passage split over two neighbours matches in neither."""
    index = all_benchmarks.index
    item = read_eval_sets([shared_data / "benchmarks" / "arc_easy.jsonl"])[10].sequences[0]
    words = " ".join(tokens(item)).split()
    assert len(words) >= 20
    head, tail = " ".join(words[:10]), " ".join(words[10:20])  # fewer than 13 tokens each
    texts = [
        web_text[:600] + " " + head,  # ends with the first 10 tokens of a question...
        tail + " " + web_text[600:1200],  # ...the next one starts with the 10 after them
        "",
        item,
        "too short",
        web_text[:300] + " " + item + " " + web_text[300:900] + " " + item,
        "the quick brown fox jumps over the lazy dog " * 3,
    ]
    assert index.match(tokens(head + " " + tail)).n_matched == 8  # together they would match
    docs = [tokens(t) for t in texts]
    batch = index.match_batch(docs)
    single = [index.match_batch([d])[0] for d in docs]
    assert batch == single
    assert [m.n_matched > 0 for m in batch] == [False, False, False, True, False, True, False]
    assert batch[5].n_matched == 2 * batch[3].n_matched and len(batch[5].token_spans) == 2
    rows = all_benchmarks.predict_batch([Document(doc_id=str(i), text=t) for i, t in enumerate(texts)])
    assert rows == [_tag(all_benchmarks, t) for t in texts]
