from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.tokens import TokenStore
from dolmalike.train.data import InstanceOrder, Instances, rank_slice


def _stream(mix: Path) -> np.ndarray:
    meta = json.loads((mix / "shards" / "meta.json").read_text())
    return np.concatenate([np.fromfile(mix / "shards" / s["name"], dtype="<u2") for s in meta["shards"]])


def test_store_reads_concatenated_stream_across_shards(fixture_mix: Path) -> None:
    store = TokenStore(fixture_mix / "shards")
    full = _stream(fixture_mix)
    assert store.total_tokens == len(full) and len(store.arrays) == 8
    boundary = int(store.offsets[1])
    pieces = store.pieces(boundary - 5, boundary + 7)
    assert [(p.shard, p.start, p.end) for p in pieces] == [(0, boundary - 5, boundary), (1, 0, 7)]
    np.testing.assert_array_equal(store.read(boundary - 5, boundary + 7), full[boundary - 5 : boundary + 7])
    # whole stream in one read (crosses every boundary)
    np.testing.assert_array_equal(store.read(0, store.total_tokens), full)


def test_instances_are_fixed_windows_and_drop_the_tail(fixture_mix: Path) -> None:
    store = TokenStore(fixture_mix / "shards")
    inst = Instances(store, 64)
    full = _stream(fixture_mix)
    assert inst.n == len(full) // 64
    ids = np.arange(inst.n)
    batch = inst.batch(ids)  # includes windows that straddle shard boundaries (fast and slow path)
    np.testing.assert_array_equal(batch.reshape(-1), full[: inst.n * 64])


def test_order_is_seeded_pcg64_permutation_with_epoch_wrap() -> None:
    n, B = 100, 8
    order = InstanceOrder(n, seed=7)
    perm0 = np.random.Generator(np.random.PCG64(7)).permutation(n)
    perm1 = np.random.Generator(np.random.PCG64(8)).permutation(n)
    np.testing.assert_array_equal(order.step(3, B), perm0[24:32])
    # step 12 covers positions 96..103: the last 4 of epoch 0, then the first 4 of epoch 1 (seed + 1)
    np.testing.assert_array_equal(order.step(12, B), np.concatenate([perm0[96:], perm1[:4]]))
    again = InstanceOrder(n, seed=7)
    assert all((again.step(s, B) == order.step(s, B)).all() for s in range(30))
    assert not (InstanceOrder(n, seed=8).step(0, B) == order.step(0, B)).all()


def test_rank_slices_partition_the_step() -> None:
    ids = np.arange(16) * 3
    parts = [rank_slice(ids, r, 4) for r in range(4)]
    np.testing.assert_array_equal(np.concatenate(parts), ids)
    with pytest.raises(DolmalikeError):
        rank_slice(ids, 0, 3)


def test_store_rejects_shard_size_mismatch(tmp_path: Path) -> None:
    d = tmp_path / "shards"
    d.mkdir()
    np.arange(10, dtype="<u2").tofile(d / "shard-00000.npy")
    meta = {
        "dtype": "uint16",
        "vocab_size": 20,
        "eos_id": 19,
        "shards": [{"name": "shard-00000.npy", "tokens": 11}],
    }
    (d / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(DolmalikeError, match="expected 11 tokens"):
        TokenStore(d)
