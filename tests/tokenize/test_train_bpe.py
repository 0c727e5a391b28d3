import json

from mix_fixture_run import run_cli

from dolmalike.tokenize.tokenizer import load_tokenizer
from dolmalike.tokenize.train_bpe import EOS, PAD, kept_text_batches, train_bpe, train_on_run


def test_training_is_deterministic_and_lossless(tok_run, tmp_path):
    run_dir, kept = tok_run
    a = train_on_run(run_dir, 1000, tmp_path / "a.json")
    b = train_on_run(run_dir, 1000, tmp_path / "b.json")
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
