import json

import pytest

from dolmalike.classifier.data import load_texts
from dolmalike.classifier.fasttext_io import LazyFastText
from dolmalike.classifier.text import HQ_LABEL, normalize_text
from dolmalike.classifier.train import (
    TrainConfig,
    evaluate_model,
    metrics_path,
    split,
    train_quality_classifier,
)
from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import hash_unit, sha256_file

# Small model (dim 32, 50k buckets) so the test stays fast; the data is what matters.
CFG = TrainConfig(holdout=0.2, seed=7, dim=32, bucket=50_000, min_count=2)


@pytest.fixture(scope="module")
def trained(quality_sets, tmp_path_factory):
    pos, neg = quality_sets
    out = tmp_path_factory.mktemp("model") / "quality.bin"
    return out, train_quality_classifier([pos], [neg], out, CFG)


def test_held_out_precision_recall(trained):
    _, report = trained
    m = report["holdout"]
    # measured (deterministic): precision 0.902, recall 0.921, AUC 0.962 on 849 held-out docs
    assert m["precision"] > 0.85
    assert m["recall"] > 0.85
    assert m["f1"] > 0.85
    assert m["auc"] > 0.93
    assert m["tp"] + m["fn"] == report["counts"]["holdout_pos"]
    assert m["fp"] + m["tn"] == report["counts"]["holdout_neg"]


def test_counts_follow_the_hash_split(trained, quality_sets):
    _, report = trained
    pos, neg = quality_sets
    c = report["counts"]
    assert (c["pos_docs"], c["neg_docs"]) == (2400, 1870)
    held_pos = sum(hash_unit(7, r.doc_id) < 0.2 for r in load_texts([pos]))
    held_neg = sum(hash_unit(7, r.doc_id) < 0.2 for r in load_texts([neg]))
    assert (c["holdout_pos"], c["holdout_neg"]) == (held_pos, held_neg)
    assert c["train_pos"] + c["holdout_pos"] == 2400
    assert c["train_neg"] + c["holdout_neg"] == 1870


def test_report_is_written_beside_the_model(trained):
    out, report = trained
    assert metrics_path(out) == out.with_name("quality.json")
    on_disk = json.loads(metrics_path(out).read_text())
    assert on_disk == json.loads(json.dumps(report))
    assert on_disk["model_sha256"] == sha256_file(str(out))
    assert on_disk["config"]["seed"] == 7
    assert [i["path"].endswith("hq.jsonl") for i in on_disk["inputs"]["pos"]] == [True]


def test_training_is_byte_reproducible(trained, quality_sets, tmp_path, monkeypatch):
    out, _ = trained
    pos, neg = quality_sets
    again = tmp_path / "again.bin"
    # an empty cache, so fastText really trains a second time rather than handing back the first model
    monkeypatch.setenv("DOLMALIKE_CACHE", str(tmp_path / "empty-cache"))
    train_quality_classifier([pos], [neg], again, CFG)
    assert sha256_file(str(again)) == sha256_file(str(out))


def test_model_ranks_prose_above_word_salad(trained):
    out, _ = trained
    ft = LazyFastText(out)
    prose = (
        "The river rises in the northern hills and flows south through a broad valley, where "
        "most of the region's farms and towns are found. It was an important trade route until "
        "the railway reached the valley in the late nineteenth century."
    )
    salad = " ".join(sorted(prose.split()))
    hq, lq = ft.probability([normalize_text(prose), normalize_text(salad)], HQ_LABEL)
    assert hq > 0.5 > lq


def test_evaluate_model_scores_every_doc(trained, quality_sets):
    out, _ = trained
    pos, neg = quality_sets
    m = evaluate_model(out, [pos], [neg])
    assert m["n"] == 2400 + 1870
    assert m["accuracy"] > 0.9


def test_split_is_a_pure_function_of_seed_and_id():
    from dolmalike.classifier.train import Example

    exs = [Example(f"d{i}", "x", i % 2 == 0) for i in range(1000)]
    train, held = split(exs, 0.25, seed=3)
    assert [e.doc_id for e in held] == [e.doc_id for e in exs if hash_unit(3, e.doc_id) < 0.25]
    assert 200 < len(held) < 300
    assert split(list(reversed(exs)), 0.25, 3)[1] == list(reversed(held))


def test_needs_both_classes(quality_sets, tmp_path):
    pos, _ = quality_sets
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(DolmalikeError, match="both positive and negative"):
        train_quality_classifier([pos], [empty], tmp_path / "m.bin", CFG)
    with pytest.raises(DolmalikeError, match="holdout"):
        train_quality_classifier([pos], [pos], tmp_path / "m.bin", TrainConfig(holdout=1.0))
    assert not (tmp_path / "m.bin").exists()


def test_fasttext_divergence_is_a_user_error(tmp_path):
    from dolmalike.classifier.fit import fit_supervised

    train = tmp_path / "train.txt"
    train.write_text("__label__a x\n__label__b y\n" * 50)
    with pytest.raises(DolmalikeError, match="fastText training failed"):
        fit_supervised(train, tmp_path / "m.bin", lr=1e6, epoch=50, thread=1, seed=0, verbose=0)
    assert not (tmp_path / "m.bin").exists()
