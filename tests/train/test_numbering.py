"""OLMo-core numbering (per-file chunks, per-epoch shuffle) and the stream numbering it replaced as default.

The token-for-token check against OLMo-core itself is tests/compat/test_olmo_core.py; these tests pin
the arithmetic without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from train_fixture_mix import tiny_config

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.tokens import TokenStore
from dolmalike.train.batch import describe_step
from dolmalike.train.data import Instances
from dolmalike.train.exclusion import dirty_instances
from dolmalike.train.numbering import FileInstances, OlmoOrder, training_instances
from dolmalike.train.trainer import train


def _files(mix: Path) -> list[np.ndarray]:
    meta = json.loads((mix / "shards" / "meta.json").read_text())
    return [np.fromfile(mix / "shards" / s["name"], dtype="<u2") for s in meta["shards"]]


def test_file_instances_chunk_each_shard_and_drop_its_remainder(fixture_mix: Path) -> None:
    store = TokenStore(fixture_mix / "shards")
    inst = FileInstances(store, 64)
    files = _files(fixture_mix)
    assert any(len(f) % 64 for f in files)  # there is a remainder to drop
    assert inst.n == sum(len(f) // 64 for f in files)
    expected = np.concatenate([f[: len(f) // 64 * 64] for f in files])
    np.testing.assert_array_equal(inst.batch(np.arange(inst.n)).reshape(-1), expected)
    # instance ids never straddle a shard: each span lies inside one file
    for i in (0, int(inst.first[1]) - 1, int(inst.first[1]), inst.n - 1):
        a, b = inst.span(i)
        k = int(np.searchsorted(store.offsets, a, side="right")) - 1
        assert b <= store.offsets[k + 1]
        np.testing.assert_array_equal(inst.get(i), inst.batch(np.array([i]))[0])
    with pytest.raises(IndexError):
        inst.span(inst.n)


@pytest.mark.parametrize("numbering", ["olmo", "stream"])
def test_covering_matches_brute_force(fixture_mix: Path, numbering: str) -> None:
    inst = training_instances(TokenStore(fixture_mix / "shards"), 64, numbering)
    spans = np.array([inst.span(i) for i in range(inst.n)])
    rng = np.random.default_rng(3)
    boundary = int(inst.store.offsets[1])
    ranges = [(boundary - 70, boundary + 5), (0, 1), (inst.store.total_tokens - 3, inst.store.total_tokens)]
    ranges += [(a, a + int(rng.integers(1, 300))) for a in rng.integers(0, inst.store.total_tokens - 300, 40)]
    for a, b in ranges:
        brute = np.flatnonzero((spans[:, 0] < b) & (spans[:, 1] > a)).tolist()
        assert inst.covering(a, b) == brute, (a, b)


def test_olmo_order_is_the_data_loaders_arithmetic() -> None:
    n, B = 103, 8  # 12 full batches per epoch, 7 instances never read in each epoch
    order = OlmoOrder(n, seed=5)
    e1 = np.arange(n, dtype=np.uint32)
    np.random.Generator(np.random.PCG64(5 + 1)).shuffle(e1)
    e2 = np.arange(n, dtype=np.uint32)
    np.random.Generator(np.random.PCG64(5 + 2)).shuffle(e2)
    np.testing.assert_array_equal(order.step(0, B), e1[:8])
    np.testing.assert_array_equal(order.step(11, B), e1[88:96])
    np.testing.assert_array_equal(order.step(12, B), e2[:8])  # a new epoch, not e1's tail
    assert order.epoch(11, B) == 1 and order.epoch(12, B) == 2
    with pytest.raises(DolmalikeError, match="fewer than one batch"):
        OlmoOrder(5, 0).step(0, 8)


def test_unknown_numbering_is_a_user_error(fixture_mix: Path) -> None:
    with pytest.raises(DolmalikeError, match="numbering must be"):
        tiny_config(numbering="random")
    with pytest.raises(DolmalikeError, match="numbering must be"):
        training_instances(TokenStore(fixture_mix / "shards"), 64, "random")


def test_stream_numbering_still_trains_and_batch_recomputes_it(
    fixture_mix: Path, tmp_path: Path, trained_dir: Path
) -> None:
    out = tmp_path / "stream"
    train(fixture_mix, out, tiny_config(numbering="stream", max_steps=6, log_batch_ids=True), progress=False)
    store = TokenStore(fixture_mix / "shards")
    stream = Instances(store, 64)
    for step in (0, 5):
        d = describe_step(out, step, with_ids=True)
        logged = np.load(out / "batch_ids" / f"step-{step:08d}.npy")
        assert d["numbering"] == "stream"
        np.testing.assert_array_equal(np.array([i["ids"] for i in d["instances"]]), logged)
        np.testing.assert_array_equal(logged, stream.batch(stream.order(0).step(step, 8)))
    # the default run (olmo numbering) fed different windows from the same seed
    olmo = np.load(trained_dir / "batch_ids" / "step-00000000.npy")
    assert not np.array_equal(olmo, np.load(out / "batch_ids" / "step-00000000.npy"))


def test_dirty_instances_follow_the_numbering(fixture_mix: Path) -> None:
    store = TokenStore(fixture_mix / "shards")
    doc = pq.read_table(fixture_mix / "shards" / "shard-00001.parquet")["doc_id"][0].as_py()
    spans = []  # the document's stream ranges, every repetition, EOS included
    for k, name in enumerate(store.shard_names):
        for r in pq.read_table(fixture_mix / "shards" / name.replace(".npy", ".parquet")).to_pylist():
            if r["doc_id"] == doc:
                spans.append((int(store.offsets[k]) + r["start"], int(store.offsets[k]) + r["end"] + 1))
    for numbering in ("olmo", "stream"):
        inst = training_instances(store, 64, numbering)
        windows = np.array([inst.span(i) for i in range(inst.n)])
        expected = sorted(
            {int(i) for a, b in spans for i in np.flatnonzero((windows[:, 0] < b) & (windows[:, 1] > a))}
        )
        assert expected and dirty_instances(inst, {doc}).tolist() == expected
