"""Writes a tiny MIX_DIR (and the RUN_DIR it points at) directly with numpy + pyarrow.

It mirrors the tokenizer's MIX_DIR contract so the trainer tests do not depend on the
mixing/tokenizing code: real Dolma CC text, byte-level token ids (0..255, EOS = 256), two mix
sources (wiki / web), wiki upsampled x2, ~10% of documents held out, hash-ordered shards.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for, hash_u64, hash_unit, sha256_file
from dolmalike.core.schema import DOCUMENTS, TOKENS
from dolmalike.io.docstore import write_docs
from dolmalike.train.config import TrainConfig

EOS = 256
VOCAB = 257
DOLMA_FILE = "dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"


def byte_tokenizer() -> Tokenizer:
    """Byte-level tokenizer whose ids are the UTF-8 bytes, plus <|endoftext|> = 256."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    byte_char = dict(zip(bs, map(chr, cs)))
    tok = Tokenizer(models.BPE(vocab={byte_char[b]: b for b in range(256)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(["<|endoftext|>"])
    return tok


def load_docs(shared_data: Path, n_docs: int, max_bytes: int) -> list[dict]:
    docs = []
    with gzip.open(shared_data / DOLMA_FILE, "rt", encoding="utf-8") as f:
        for ordinal, line in enumerate(f):
            row = json.loads(line)
            text = row["text"].encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
            if len(text) < 200:
                continue
            meta = row["metadata"]
            docs.append(
                {
                    "doc_id": doc_id_for(row["id"]),
                    "text": text,
                    "source": "wiki" if "wikipedia.org" in meta["url"] else "web",
                    "url": meta["warc_url"],
                    "warc_offset": int(meta["uncompressed_offset"]),
                    "warc_record_id": meta["warc_filename"],
                    "ordinal": ordinal,
                }
            )
            if len(docs) == n_docs:
                break
    return docs


def _write_split(
    split_dir: Path, rows: list[tuple[dict, int]], shard_tokens: int
) -> tuple[list[dict], list[dict]]:
    """Fill shards in order (a document never straddles two), EOS after each; returns token rows."""
    split_dir.mkdir(parents=True, exist_ok=True)
    shards: list[list[int]] = [[]]
    token_rows: list[dict] = []
    for doc, rep in rows:
        ids = list(doc["text"].encode("utf-8"))
        if shards[-1] and len(shards[-1]) + len(ids) + 1 > shard_tokens:
            shards.append([])
        cur = shards[-1]
        start = len(cur)
        cur.extend(ids)
        cur.append(EOS)
        token_rows.append(
            {"doc_id": doc["doc_id"], "shard": len(shards) - 1, "start": start, "end": start + len(ids),
             "repetition": rep, "source": doc["source"]}
        )  # fmt: skip
    meta_shards = []
    for k, toks in enumerate(shards):
        name = f"shard-{k:05d}.npy"
        np.asarray(toks, dtype="<u2").tofile(split_dir / name)  # raw, no npy header
        side = [r for r in token_rows if r["shard"] == k]
        pq.write_table(
            pa.table({c: [r[c] for r in side] for c in ("doc_id", "start", "end", "repetition", "source")},
                     schema=pa.schema([f for f in TOKENS if f.name != "shard"])),
            split_dir / f"shard-{k:05d}.parquet",
        )  # fmt: skip
        meta_shards.append({"name": name, "tokens": len(toks), "sha256": sha256_file(str(split_dir / name))})
    return meta_shards, token_rows


def write_run_dir(run_dir: Path, docs: list[dict]) -> None:
    """RUN_DIR with kept docs (docs/), a documents manifest and one attributes table (tag buckets)."""
    write_docs(
        run_dir / "docs" / "fixture.parquet",
        [Document(doc_id=d["doc_id"], text=d["text"], source="dolma-cc", url=d["url"], crawl="CC-MAIN-2019-30",
                  warc_path="CC-MAIN-20190717121559-20190717143559-00140.warc.gz", warc_offset=d["warc_offset"],
                  warc_record_id=d["warc_record_id"], partition="fixture", ordinal=d["ordinal"]) for d in docs],
    )  # fmt: skip
    (run_dir / "manifests" / "documents").mkdir(parents=True, exist_ok=True)
    (run_dir / "manifests" / "attributes" / "fixture_v1").mkdir(parents=True)
    rows = [
        {"doc_id": d["doc_id"], "source": "dolma-cc", "url": d["url"], "crawl": "CC-MAIN-2019-30",
         "warc_path": "CC-MAIN-20190717121559-20190717143559-00140.warc.gz", "warc_offset": d["warc_offset"],
         "warc_record_id": d["warc_record_id"], "warc_payload_digest": None, "fetch_date": None,
         "partition": "fixture", "ordinal": d["ordinal"], "status": "kept", "stage": "fixture", "reason": None,
         "n_chars": len(d["text"])}
        for d in docs
    ]  # fmt: skip
    pq.write_table(
        pa.Table.from_pylist(rows, schema=DOCUMENTS), run_dir / "manifests/documents/fixture.parquet"
    )
    attrs = [
        {"doc_id": d["doc_id"], "script": "ascii" if d["text"].isascii() else "non_ascii",
         "alpha_frac": sum(c.isalpha() for c in d["text"]) / len(d["text"])}
        for d in docs
    ]  # fmt: skip
    pq.write_table(pa.Table.from_pylist(attrs), run_dir / "manifests/attributes/fixture_v1/fixture.parquet")


def write_fixture_mix(
    shared_data: Path,
    out: Path,
    *,
    n_docs: int = 260,
    max_bytes: int = 3000,
    shard_tokens: int = 60_000,
    heldout_frac: float = 0.1,
    seed: int = 0,
    wiki_repeats: int = 2,
) -> Path:
    """Write RUN_DIR at out/run and MIX_DIR at out/mix; returns the MIX_DIR."""
    docs = load_docs(shared_data, n_docs, max_bytes)
    run_dir, mix_dir = out / "run", out / "mix"
    write_run_dir(run_dir, docs)
    held = [d for d in docs if hash_unit(seed, "heldout", d["doc_id"]) < heldout_frac]
    held_ids = {d["doc_id"] for d in held}
    train = [d for d in docs if d["doc_id"] not in held_ids]
    pairs = [(d, r) for d in train for r in range(wiki_repeats if d["source"] == "wiki" else 1)]
    pairs.sort(key=lambda p: hash_u64(seed, p[0]["doc_id"], p[1]))
    held.sort(key=lambda d: hash_u64(seed, d["doc_id"], 0))
    tok = byte_tokenizer()
    mix_dir.mkdir(parents=True)
    tok.save(str(mix_dir / "tokenizer.json"))
    tok_sha = sha256_file(str(mix_dir / "tokenizer.json"))
    for split, rows in (("shards", pairs), ("heldout", [(d, 0) for d in held])):
        meta_shards, token_rows = _write_split(mix_dir / split, rows, shard_tokens)
        meta = {"dtype": "uint16", "vocab_size": VOCAB, "eos_id": EOS, "tokenizer": "default",
                "tokenizer_sha256": tok_sha, "shard_tokens": shard_tokens, "shards": meta_shards}  # fmt: skip
        (mix_dir / split / "meta.json").write_text(json.dumps(meta, indent=2))
        if split == "shards":
            (mix_dir / "manifests" / "tokens").mkdir(parents=True)
            pq.write_table(
                pa.Table.from_pylist(token_rows, schema=TOKENS), mix_dir / "manifests/tokens/tokens.parquet"
            )
    (mix_dir / "mix.json").write_text(json.dumps({"run_dir": str(run_dir), "seed": seed, "name": "fixture"}))
    return mix_dir


def doc_texts(shared_data: Path, n_docs: int = 260, max_bytes: int = 3000) -> dict[str, str]:
    """doc_id -> the text the fixture tokenized (to check step -> document traceability)."""
    return {d["doc_id"]: d["text"] for d in load_docs(shared_data, n_docs, max_bytes)}


def tiny_config(**overrides) -> TrainConfig:
    base = {"seq_len": 64, "batch_size": 8, "n_layer": 2, "n_head": 4, "d_model": 64, "lr": 3e-3, "warmup": 10,
            "max_steps": 40, "checkpoint_interval": 0, "num_threads": 1}  # fmt: skip
    base.update(overrides)
    return TrainConfig.from_dict(base)
