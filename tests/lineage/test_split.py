"""lineage.Split and RunProvenance on a real (fixture) mix: rows tile each shard, overlapping
clips them, errors are one line, and partition pruning never changes an answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.mix import MixLineage
from dolmalike.lineage.provenance import PROVENANCE_COLUMNS, RunProvenance
from dolmalike.lineage.split import Split


def test_overlapping_clips_rows_to_the_range(small_mix: Path) -> None:
    split = Split.open(small_mix)
    assert split.n_shards > 1
    rng = np.random.default_rng(4)
    for k in range(split.n_shards):
        rows = pq.read_table(small_mix / "shards" / f"shard-{k:05d}.parquet").to_pylist()
        size = split.shard_tokens(k)
        for _ in range(20):
            a = int(rng.integers(0, size))
            b = int(rng.integers(a + 1, min(size, a + 900) + 1))
            want = [
                (r["doc_id"], max(a, r["start"]), min(b, r["end"] + 1))
                for r in rows
                if r["start"] < b and r["end"] + 1 > a
            ]
            hits = split.overlapping(k, a, b)
            assert [(h.doc_id, h.lo, h.hi) for h in hits] == want
            assert sum(h.hi - h.lo for h in hits) == b - a
            assert all(h.partition is None for h in hits)  # no trace index in this mix


def test_rows_and_heldout_split(small_mix: Path) -> None:
    train, held = Split.open(small_mix), Split.at(small_mix / "heldout")
    assert held.layout.name == "heldout" and held.n_shards >= 1
    train_ids = {d for k in range(train.n_shards) for d in train.rows(k)["doc_id"].tolist()}
    held_ids = {d for k in range(held.n_shards) for d in held.rows(k)["doc_id"].tolist()}
    assert train_ids and held_ids and not train_ids & held_ids
    assert train.read(0, 0, 5).tolist() == train.tokens.arrays[0][:5].tolist()


def test_errors_are_one_line(small_mix: Path) -> None:
    split = Split.open(small_mix)
    with pytest.raises(DolmalikeError, match=r"shard 99 out of range: the train split has shards 0\.\."):
        split.overlapping(99, 0, 1)
    with pytest.raises(DolmalikeError, match=r"range \[5, 5\) is not inside shard 0"):
        split.overlapping(0, 5, 5)
    with pytest.raises(DolmalikeError, match="not a MIX_DIR split"):
        Split.at(small_mix / "nope")
    with MixLineage(small_mix) as lin, pytest.raises(DolmalikeError, match="needs its TRAIN_DIR"):
        lin.step(0)


def test_provenance_is_the_documents_row_and_partitions_only_prune(small_mix: Path) -> None:
    with MixLineage(small_mix) as lin:
        ids = [h.doc_id for h in lin.overlapping(0, 0, 4000)]
        full = lin.provenance(ids)
        assert lin.provenance(ids, {"fixture"}) == full
        assert lin.provenance(ids, {"not_a_partition"}) == full  # unknown partition: whole tables
    row = full[ids[0]]
    assert list(row["provenance"]) == list(PROVENANCE_COLUMNS)
    assert row["provenance"]["url"].startswith("http") and row["provenance"]["status"] == "kept"
    assert set(row["tags"]) == {"fixture_v1"} and "script" in row["tags"]["fixture_v1"]
    with RunProvenance(None) as empty:
        assert empty.provenance(["x"])["x"]["provenance"]["url"] is None
