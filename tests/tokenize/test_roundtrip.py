"""Decoding each document's token range gives back its text as the tokenizer normalizes it."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from mix_fixture_run import write_spec
from tok_fixture_texts import TOKENIZERS, TRICKY

from dolmalike.runner.build_mix import build_mix
from dolmalike.tokenize.tokenizer import load_tokenizer, normalized

SPEC = (
    "seed: 3\nshard_tokens: 4000\nheldout_fraction: 0.15\ntokenizer_vocab_size: 800\nsources: [{name: all}]\n"
)


def check_split(split_dir, kept, tok):
    meta = json.loads((split_dir / "meta.json").read_text())
    dtype = np.dtype(meta["dtype"]).newbyteorder("<")
    seen = []
    for s in meta["shards"]:
        arr = np.memmap(split_dir / s["name"], dtype=dtype, mode="r")
        assert arr.size == s["tokens"]
        assert (split_dir / s["name"]).read_bytes()[:6] != b"\x93NUMPY"  # raw, no npy header
        side = pq.read_table(split_dir / s["name"].replace(".npy", ".parquet")).to_pylist()
        assert side[0]["start"] == 0 and side[-1]["end"] == arr.size - 1
        for r, nxt in zip(side, side[1:] + [None]):
            ids = np.asarray(arr[r["start"] : r["end"]]).tolist()
            assert arr[r["end"]] == meta["eos_id"]
            assert meta["eos_id"] not in ids  # literal "<|endoftext|>" in a page is encoded as text
            text = tok.tokenizer.decode(ids, skip_special_tokens=False)
            assert text == normalized(tok.tokenizer, kept[r["doc_id"]].text), r["doc_id"]
            if nxt:
                assert nxt["start"] == r["end"] + 1  # contiguous: doc, EOS, doc, EOS...
        seen += [r["doc_id"] for r in side]
    return meta, seen


@pytest.mark.parametrize("name", [*TOKENIZERS, "default"])
def test_round_trip(tok_run, shared_data, tmp_path, name):
    run_dir, kept = tok_run
    spec = write_spec(tmp_path / "mix.yaml", SPEC)
    tokenizer = "default" if name == "default" else str(shared_data / "tokenizers" / name)
    mix = build_mix(run_dir, spec, tmp_path / "mix", tokenizer=tokenizer)
    tok = load_tokenizer(mix / "tokenizer.json" if name == "default" else tokenizer)
    train_meta, train = check_split(mix / "shards", kept, tok)
    held_meta, held = check_split(mix / "heldout", kept, tok)
    assert sorted(train + held) == sorted(kept)  # every kept doc exactly once (repeat: 1 default)
    assert len(train_meta["shards"]) >= 2 and held
    assert train_meta["tokenizer"] == ("default" if name == "default" else tokenizer)
    assert train_meta["tokenizer_sha256"] == tok.sha256 == held_meta["tokenizer_sha256"]
    assert train_meta["dtype"] == ("uint32" if name == "allenai_dolma2.json" else "uint16")
    assert train_meta["vocab_size"] == tok.vocab_size
    # only NeoX normalizes (NFC): the decomposed text decodes to its composed form there
    nfc = [d for d in kept.values() if d.text == TRICKY[1]][0]
    assert (normalized(tok.tokenizer, nfc.text) != nfc.text) == (
        name == "allenai_eleuther-ai-gpt-neox-20b-pii-special.json"
    )
