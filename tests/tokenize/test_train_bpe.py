import json
import os
import subprocess
import sys

from mix_fixture_run import run_cli

from dolmalike.tokenize.tokenizer import load_tokenizer
from dolmalike.tokenize.train_bpe import EOS, PAD, kept_text_batches, train_bpe, train_on_run


def test_training_is_deterministic_and_lossless(tok_run, tmp_path):
    run_dir, kept = tok_run
    a = train_on_run(run_dir, 1000, tmp_path / "a.json", None)
    b = train_on_run(run_dir, 1000, tmp_path / "b.json", None)
    assert a.read_bytes() == b.read_bytes()
    tok = load_tokenizer(a)
    assert tok.eos_id == 0 and tok.pad_id == 1 and 300 < tok.vocab_size <= 1000
    for doc in list(kept.values())[:20]:
        ids = tok.tokenizer.encode(doc.text, add_special_tokens=False).ids
        assert tok.tokenizer.decode(ids) == doc.text


def test_trains_on_kept_documents_only(tok_run):
    run_dir, kept = tok_run
    texts = [t for batch in kept_text_batches(run_dir) for t in batch]
    assert sorted(texts) == sorted(d.text for d in kept.values())


def test_a_capped_sample_is_a_spread_deterministic_doc_id_subset(tok_run, tmp_path):
    run_dir, kept = tok_run
    total = sum(len(d.text) for d in kept.values())
    every = [t for batch in kept_text_batches(run_dir, total) for t in batch]
    assert sorted(every) == sorted(d.text for d in kept.values())  # under the cap: all of it
    cap = total // 4
    batches = list(kept_text_batches(run_dir, cap))
    sample = [t for batch in batches for t in batch]
    assert sample == [t for batch in kept_text_batches(run_dir, cap) for t in batch]
    assert set(sample) < set(every)
    assert cap / 2 < sum(map(len, sample)) < cap * 2  # a hash sample of ~100 docs: near the cap
    by_text = {d.text: d.doc_id for d in kept.values()}
    below = cap * (1 << 64) // total
    assert all(int(by_text[t], 16) < below for t in sample)
    assert not any(int(d.doc_id, 16) < below for d in kept.values() if d.text not in set(sample))
    a = train_on_run(run_dir, 600, tmp_path / "a.json", cap)
    assert a.read_bytes() != train_on_run(run_dir, 600, tmp_path / "b.json", None).read_bytes()


def test_byte_level_fallback_with_no_text():
    tok = train_bpe([], 5000)
    assert tok.get_vocab_size() == 258 and tok.token_to_id(EOS) == 0 and tok.token_to_id(PAD) == 1
    text = "any text — 日本語 🎉"
    ids = tok.encode(text).ids
    assert len(ids) == len(text.encode("utf-8")) and tok.decode(ids) == text


def test_cli_tokenizer_train_and_info(tok_run, tmp_path, capsys):
    run_dir, _ = tok_run
    out = tmp_path / "tok.json"
    assert (
        run_cli(["tokenizer", "train", str(run_dir), "--vocab-size", "600", "--out", str(out), "--json"]) == 0
    )
    info = json.loads(capsys.readouterr().out)
    assert info["eos_id"] == 0 and info["dtype"] == "uint16" and info["vocab_size"] <= 600
    assert run_cli(["tokenizer", "info", str(out)]) == 0
    assert "vocab_size" in capsys.readouterr().out


_TRAIN_IN_FRESH_PROCESS = """
import hashlib, json, os, sys
import dolmalike.dedup.minhash  # as in a run: sets RAYON_NUM_THREADS=1 for rensa at import
from dolmalike.tokenize.train_bpe import train_on_run
out = train_on_run(sys.argv[1], 1000, sys.argv[2], None, threads=int(sys.argv[3]))
print(json.dumps({"sha": hashlib.sha256(out.read_bytes()).hexdigest(),
                  "threads": len(os.listdir("/proc/self/task"))}))
"""


def test_more_training_threads_give_the_same_bytes(tok_run, tmp_path):
    run_dir, _ = tok_run
    results = {}
    for threads in (1, 2):
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                _TRAIN_IN_FRESH_PROCESS,
                str(run_dir),
                str(tmp_path / f"{threads}.json"),
                str(threads),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results[threads] = json.loads(proc.stdout)
    assert results[1]["sha"] == results[2]["sha"]
    # the second thread really ran: rayon's pool took the size train_bpe asked for, not rensa's 1
    # (train_bpe caps threads at the core count, so a one-core machine runs one)
    if (os.cpu_count() or 1) >= 2:
        assert results[2]["threads"] > results[1]["threads"]
