"""OLMo-core 3.0.0 reads a real mix exactly as `dolmalike batch` / `trace` describe it.

The client is the real one (ai2-olmo-core from the dev extra), on a local path and over
http://127.0.0.1 (a remote path: no memmap, sizes by HEAD, tokens by Range requests, document
boundaries from shard-K.csv.gz).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from mix_fixture_run import write_run, write_spec

# ai2-olmo-core is in the dev extra: a missing install fails here rather than skipping the real client.
from olmo_core.data import (
    NumpyDataLoaderConfig,
    NumpyDatasetDType,
    NumpyFSLDatasetConfig,
    NumpyPackedFSLDatasetConfig,
    TokenizerConfig,
)
from olmo_core.data.utils import iter_document_indices

from dolmalike.lineage.mix import trace  # noqa: E402
from dolmalike.lineage.tokens import TokenStore  # noqa: E402
from dolmalike.runner.build_mix import build_mix  # noqa: E402
from dolmalike.train.batch import describe_step  # noqa: E402
from dolmalike.train.config import TrainConfig  # noqa: E402
from dolmalike.train.data import Instances  # noqa: E402
from dolmalike.train.trainer import train  # noqa: E402

L, B, SEED = 32, 4, 3
SPEC = """seed: 5
tokenizer: default
tokenizer_vocab_size: 600
shard_tokens: 2500
heldout_fraction: 0.1
sources:
  - name: all
"""


@pytest.fixture(scope="module")
def mixed(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """(MIX_DIR, TRAIN_DIR, meta.json): a real mix of several shards and a 1-step run over it."""
    tmp = tmp_path_factory.mktemp("olmo_compat")
    run_dir = tmp / "run"
    write_run(shared_data, run_dir, n_docs=120, max_chars=1200)
    mix = build_mix(run_dir, write_spec(tmp / "mix.yaml", SPEC), run_dir / "mix")
    cfg = TrainConfig.from_dict(
        {"seq_len": L, "batch_size": B, "seed": SEED, "n_layer": 1, "n_head": 2, "d_model": 16, "max_steps": 1,
         "warmup": 0, "checkpoint_interval": 0, "num_threads": 1, "eval": {"tag_buckets": []}}
    )  # fmt: skip
    train(mix, tmp / "train", cfg, progress=False)
    # `batch` describes steps of the run's schedule: the same run with a schedule past epoch 1
    # (batches are recomputed from train.json alone)
    info = json.loads((tmp / "train" / "train.json").read_text())
    info["config"]["max_steps"] = 10_000
    (tmp / "longer").mkdir()
    (tmp / "longer" / "train.json").write_text(json.dumps(info))
    meta = json.loads((mix / "shards" / "meta.json").read_text())
    assert len(meta["shards"]) >= 4
    return mix, tmp / "longer", meta


@pytest.fixture
def olmo_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep OLMo-core's and cached_path's downloads inside the test's tmp dir; one data-prep worker.

    Why one worker: OLMo-core 3.0.0 caches one requests.Session (keep-alive pool) per process and
    then forks its ProcessPoolExecutor; forked workers share the parent's pooled socket, so with
    several workers over http their HEAD responses interleave and a shard gets another's size
    (seen here as "Document end index ... is out-of-bounds"). With one worker only one process
    talks on that socket."""
    import cached_path

    cached_path.set_cache_dir(tmp_path / "cached_path")
    monkeypatch.delenv("OLMO_CORE_FS_CACHE_DIR", raising=False)
    monkeypatch.setenv("OLMO_DATA_PREP_WORKERS", "1")
    return tmp_path / "olmo-work"


def _tokenizer(meta: dict) -> TokenizerConfig:
    return TokenizerConfig(
        vocab_size=meta["vocab_size"], eos_token_id=meta["eos_id"], pad_token_id=meta["pad_id"]
    )


def _loader(paths: list[str], meta: dict, work: Path):
    ds = NumpyFSLDatasetConfig(
        paths=paths, sequence_length=L, tokenizer=_tokenizer(meta), dtype=NumpyDatasetDType.uint16,
        work_dir=str(work), include_instance_metadata=False,
    ).build()  # fmt: skip
    loader = NumpyDataLoaderConfig(global_batch_size=B * L, seed=SEED, work_dir=str(work)).build(ds)
    return ds, loader


def _olmo_steps(loader, n_batches: int) -> dict[int, np.ndarray]:
    """Our step number -> the (B, L) input_ids OLMo-core's loader gives, over epochs 1 and 2."""
    checked = [0, 1, 2, n_batches - 1, n_batches, n_batches + 1]
    out: dict[int, np.ndarray] = {}
    for epoch in (1, 2):
        loader.reshuffle(epoch=epoch)
        for step in checked:
            if (step // n_batches) + 1 == epoch:
                out[step] = loader[step % n_batches]["input_ids"].numpy()
        loader.reset()
    return out


def _shard_paths(base: str, meta: dict) -> list[str]:
    return [f"{base}{s['name']}" for s in meta["shards"]]


def test_olmo_core_feeds_what_batch_names_local_and_over_http(mixed, olmo_caches, www, http_server) -> None:
    mix, train_dir, meta = mixed
    ds, loader = _loader(_shard_paths(f"{mix / 'shards'}/", meta), meta, olmo_caches / "local")
    n_batches = len(ds) // B
    assert loader.total_batches == n_batches
    olmo = _olmo_steps(loader, n_batches)
    first_shard_instances = meta["shards"][0]["tokens"] // L
    past_first_shard = 0
    for step, ids in olmo.items():
        d = describe_step(train_dir, step, with_ids=True)
        assert d["epoch"] == step // n_batches + 1
        np.testing.assert_array_equal(np.array([i["ids"] for i in d["instances"]]), ids)
        past_first_shard += sum(i["instance"] >= first_shard_instances for i in d["instances"])
    assert past_first_shard > 0
    # the old stream numbering reads other windows for the same seed: this comparison can fail
    stream = Instances(TokenStore(mix / "shards"), L)
    assert not all(
        np.array_equal(stream.batch(stream.order(SEED).step(s, B)), ids) for s, ids in olmo.items()
    )

    shutil.copytree(mix / "shards", www / "shards")
    ds_http, loader_http = _loader(
        _shard_paths(f"{http_server.url}shards/", meta), meta, olmo_caches / "http"
    )
    assert len(ds_http) == len(ds)
    remote = _olmo_steps(loader_http, n_batches)
    assert remote.keys() == olmo.keys()
    assert all(np.array_equal(remote[s], olmo[s]) for s in olmo)
    assert any(rng for _, rng, status in http_server.log if status == 206)  # really read by Range requests


def test_trace_names_the_documents_of_an_olmo_instance(mixed) -> None:
    mix, train_dir, _ = mixed
    d = describe_step(train_dir, 2)
    for inst in d["instances"]:
        segs = inst["segments"]
        shard = {s["shard"] for s in segs}
        assert len(shard) == 1  # an OLMo instance never straddles two shard files
        (k,) = shard
        lo, hi = min(s["start"] for s in segs), max(s["end"] for s in segs)
        assert hi - lo == L
        traced = trace(mix, k, lo, hi)["documents"]
        assert [(t["doc_id"], t["overlap_start"], t["overlap_end"]) for t in traced] == [
            (s["doc_id"], s["start"], s["end"]) for s in segs
        ]


def test_csv_metadata_gives_olmo_the_same_documents(mixed, olmo_caches, www, http_server) -> None:
    """Document boundaries from shard-K.csv.gz (use_array_if_local=False, and any URL) equal those
    OLMo-core infers from the EOS tokens; packed instances built from either are identical."""
    mix, _, meta = mixed
    local = _shard_paths(f"{mix / 'shards'}/", meta)
    n_docs = 0
    for path in local:
        from_csv = list(iter_document_indices(path, use_array_if_local=False, dtype=np.uint16))
        from_eos = list(iter_document_indices(path, eos_token_id=meta["eos_id"], dtype=np.uint16))
        assert from_csv == from_eos
        n_docs += len(from_csv)
    assert n_docs == meta["documents"]

    def packed(paths: list[str], use_array: bool, work: str) -> list[list[int]]:
        ds = NumpyPackedFSLDatasetConfig(
            paths=paths, sequence_length=L * 4, tokenizer=_tokenizer(meta), dtype=NumpyDatasetDType.uint16,
            work_dir=str(olmo_caches / work), use_array_if_local=use_array, include_instance_metadata=False,
        ).build()  # fmt: skip
        ds.prepare()
        return [ds[i]["input_ids"].tolist() for i in range(len(ds))]

    from_eos_packed = packed(local, True, "eos")
    assert from_eos_packed == packed(local, False, "csv")
    shutil.copytree(mix / "shards", www / "shards")
    assert from_eos_packed == packed(_shard_paths(f"{http_server.url}shards/", meta), False, "http")
    assert any(p.endswith(".csv.gz") and status == 200 for p, _, status in http_server.log)
