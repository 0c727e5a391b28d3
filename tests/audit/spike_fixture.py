"""A tiny MIX_DIR with a planted loss spike: the documents of one chosen step's batch are replaced,
in place, by random-byte garbage documents of the same length (a mix source `garbage` with its own
doc_ids, documents-manifest rows and attributes). Positions do not move, so whatever the step ->
instances numbering is, that step (and only the windows overlapping those documents) sees garbage.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from train_fixture_mix import tiny_config, write_fixture_mix

from dolmalike.core.hashing import doc_id_for, sha256_file
from dolmalike.core.schema import DOCUMENTS
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.train.batch import step_segments
from dolmalike.train.config import TrainConfig

GARBAGE_WARC = "garbage-00000.warc.gz"
SPIKE_STEP = 50


def spike_config():
    # checkpoints at 20, 40, 60 (all three kept): the spike step needs an exact replay from step 40. Batch 16
    # and 60 steps reach a plateau the planted batch stands far above (see spiked_mix for the margins).
    return tiny_config(
        lr=6e-3, warmup=5, max_steps=60, batch_size=16, checkpoint_interval=20, keep_checkpoints=3
    )


def plant_garbage(mix_dir: Path, cfg: TrainConfig, step: int, seed: int = 7) -> list[str]:
    """Replace every document of `step`'s batch by random bytes; returns the garbage doc_ids."""
    _, segments, _ = step_segments(mix_dir, cfg, step)
    targets = sorted({(s.shard, s.doc_start, s.doc_end) for s in segments})
    rng = np.random.default_rng(seed)
    split = mix_dir / "shards"
    meta = json.loads((split / "meta.json").read_text())
    new_ids: dict[tuple[int, int], str] = {}
    texts: dict[str, str] = {}
    for k, (shard, start, end) in enumerate(targets):
        path = split / meta["shards"][shard]["name"]
        arr = np.fromfile(path, dtype="<u2")
        garbage = rng.integers(0, 256, end - start, dtype=np.uint16)
        arr[start:end] = garbage
        arr.tofile(path)
        doc_id = doc_id_for(f"garbage-{k}")
        new_ids[(shard, start)] = doc_id
        texts[doc_id] = bytes(garbage.astype(np.uint8).tolist()).decode("latin-1")
    for k, s in enumerate(meta["shards"]):
        s["sha256"] = sha256_file(str(split / s["name"]))
        side_path = split / s["name"].replace(".npy", ".parquet")
        side = pq.read_table(side_path)
        pq.write_table(_relabel(side, k, new_ids), side_path)
    (split / "meta.json").write_text(json.dumps(meta, indent=2))
    tokens_path = mix_dir / "manifests/tokens/tokens.parquet"
    tokens = pq.read_table(tokens_path).to_pylist()
    for r in tokens:
        if (r["shard"], r["start"]) in new_ids:
            r.update(doc_id=new_ids[(r["shard"], r["start"])], source="garbage", repetition=0)
    pq.write_table(pa.Table.from_pylist(tokens, schema=pq.read_schema(tokens_path)), tokens_path)
    _add_run_rows(MixLayout.of(mix_dir).source_run(), texts)
    return sorted(texts)


def _relabel(side: pa.Table, shard: int, new_ids: dict[tuple[int, int], str]) -> pa.Table:
    rows = side.to_pylist()
    for r in rows:
        if (shard, r["start"]) in new_ids:
            r.update(doc_id=new_ids[(shard, r["start"])], source="garbage", repetition=0)
    return pa.Table.from_pylist(rows, schema=side.schema)


def _add_run_rows(run_dir: Path, texts: dict[str, str]) -> None:
    """Provenance and attributes for the garbage documents (a WARC of their own)."""
    rows = [
        {"doc_id": d, "source": "garbage", "url": f"http://garbage.invalid/{i}", "crawl": "CC-MAIN-2019-30",
         "warc_path": GARBAGE_WARC, "warc_offset": 1000 * i, "warc_record_id": f"<urn:uuid:garbage-{i}>",
         "warc_payload_digest": None, "fetch_date": None, "partition": "garbage", "ordinal": i, "status": "kept",
         "stage": "fixture", "reason": None, "n_chars": len(t)}
        for i, (d, t) in enumerate(sorted(texts.items()))
    ]  # fmt: skip
    pq.write_table(
        pa.Table.from_pylist(rows, schema=DOCUMENTS), run_dir / "manifests/documents/garbage.parquet"
    )
    attrs = [
        {"doc_id": d, "script": "non_ascii", "alpha_frac": sum(c.isalpha() for c in t) / len(t)}
        for d, t in sorted(texts.items())
    ]
    attr_dir = run_dir / "manifests/attributes/fixture_v1"
    schema = pq.read_schema(attr_dir / "fixture.parquet")
    pq.write_table(pa.Table.from_pylist(attrs, schema=schema), attr_dir / "garbage.parquet")


def spiked_mix(shared_data: Path, out: Path, cfg: TrainConfig, step: int) -> tuple[Path, list[str]]:
    # Documents of at most 400 bytes: a garbage document then spans a few 64-token windows, so
    # the model barely meets it before the spike step. With the default 3000 bytes it spans dozens,
    # spread over every step, and the model learned enough of it that the spike scored from 5.9
    # (below the rule's k = 6: the test failed on one machine) to 17.6 robust sigmas over
    # training seeds 0-5, with another step of one seed at 6.2. At 400 bytes: 8.7 to 22.7, and
    # no other step above 3.9.
    mix_dir = write_fixture_mix(shared_data, out, max_bytes=400)
    return mix_dir, plant_garbage(mix_dir, cfg, step)
