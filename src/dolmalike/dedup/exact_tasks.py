"""Sharded exact dedup (URL or content key), one picklable task class per sub-step.

  1. keys   (per partition)  key digests, split by key shard -> keys/sNNN/<p>.parquet
  2. groups (per shard)      sort one shard of all partitions by (key, keep rule) -> groups/sNNN.parquet
  3. filter (per partition)  manifests/dedup/<step>/<p>.parquet + decisions

A shard holds ~1/shards of all keys, so no task needs every key in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dolmalike.core.schema import TIMESTAMP
from dolmalike.dedup.exact import content_key, url_key
from dolmalike.dedup.results import Membership, cluster_id_for, write_partition
from dolmalike.dedup.survivors import iter_surviving_batches
from dolmalike.io.atomic import atomic_write_parquet
from dolmalike.manifests.layout import RunLayout

KEYS_SCHEMA = pa.schema(
    [("row", pa.int64()), ("doc_id", pa.string()), ("fetch_date", TIMESTAMP), ("key", pa.binary(16))]
)
GROUPS_SCHEMA = pa.schema(
    [
        ("partition", pa.string()),
        ("row", pa.int64()),
        ("doc_id", pa.string()),
        ("representative_id", pa.string()),
        ("cluster_size", pa.int64()),
    ]
)
IDS_SCHEMA = pa.schema([("doc_id", pa.string())])

# method -> (docs column it reads, key function)
KEYS: dict[str, tuple[str, Callable[[str | None], bytes | None]]] = {
    "url": ("url", url_key),
    "content": ("text", content_key),
}


@dataclass(frozen=True)
class ExactWork:
    root: Path

    def keys(self, shard: str, p: str) -> Path:
        return self.root / "keys" / shard / f"{p}.parquet"

    def ids(self, p: str) -> Path:
        return self.root / "ids" / f"{p}.parquet"

    def groups(self, shard: str) -> Path:
        return self.root / "groups" / f"{shard}.parquet"


def shard_keys(shards: int) -> list[str]:
    return [f"s{s:03d}" for s in range(shards)]


@dataclass(frozen=True)
class _Task:
    layout: RunLayout
    step: str
    phase: int
    method: str
    shards: int
    partitions: tuple[str, ...]

    @property
    def work(self) -> ExactWork:
        return ExactWork(self.layout.step_work(self.step))


class KeyTask(_Task):
    def __call__(self, partition: str) -> None:
        column, key_fn = KEYS[self.method]
        doc_ids: list[str] = []
        dates: list[pa.Array] = []  # timestamps stay Arrow: no datetime objects per row
        keys: list[bytes | None] = []
        for batch in iter_surviving_batches(
            self.layout, partition, self.phase, ["doc_id", "fetch_date", column]
        ):
            doc_ids += batch["doc_id"].to_pylist()
            dates += batch["fetch_date"].chunks
            keys += [key_fn(v) for v in batch[column].to_pylist()]
        atomic_write_parquet(self.work.ids(partition), pa.table({"doc_id": doc_ids}, schema=IDS_SCHEMA))
        has_key = np.array([k is not None for k in keys], dtype=bool)
        shard_of = np.array([k[0] % self.shards if k is not None else -1 for k in keys], dtype=np.int64)
        base = pa.table(
            {
                "row": np.arange(len(keys), dtype=np.int64),
                "doc_id": doc_ids,
                "fetch_date": pa.chunked_array(dates, TIMESTAMP),
                "key": pa.array(keys, pa.binary(16)),
            },
            schema=KEYS_SCHEMA,
        )
        for s, shard in enumerate(shard_keys(self.shards)):
            atomic_write_parquet(self.work.keys(shard, partition), base.filter(has_key & (shard_of == s)))


class GroupTask(_Task):
    def __call__(self, shard: str) -> None:
        parts = []
        for p in self.partitions:
            t = pq.read_table(self.work.keys(shard, p))
            parts.append(t.append_column("partition", pa.array([p] * t.num_rows, pa.string())))
        t = (
            pa.concat_tables(parts)
            if parts
            else KEYS_SCHEMA.append(pa.field("partition", pa.string())).empty_table()
        )
        # keep rule inside each key: earliest fetch_date (missing last), then smallest doc_id
        order = pc.sort_indices(
            t,
            sort_keys=[
                ("key", "ascending", "at_end"),
                ("fetch_date", "ascending", "at_end"),
                ("doc_id", "ascending", "at_end"),
            ],
        )
        t = t.take(order)
        keys = t["key"].to_pylist()
        doc_ids = t["doc_id"].to_pylist()
        partitions = t["partition"].to_pylist()
        row_numbers = t["row"].to_pylist()
        rows: dict[str, list] = {name: [] for name in GROUPS_SCHEMA.names}
        start = 0
        while start < len(keys):
            end = start + 1
            while end < len(keys) and keys[end] == keys[start]:
                end += 1
            if end - start > 1:
                for k in range(start, end):
                    rows["partition"].append(partitions[k])
                    rows["row"].append(row_numbers[k])
                    rows["doc_id"].append(doc_ids[k])
                    rows["representative_id"].append(doc_ids[start])
                    rows["cluster_size"].append(end - start)
            start = end
        atomic_write_parquet(self.work.groups(shard), pa.table(rows, schema=GROUPS_SCHEMA))


class FilterTask(_Task):
    def __call__(self, partition: str) -> None:
        doc_ids = pq.read_table(self.work.ids(partition))["doc_id"].to_pylist()
        members: dict[str, Membership] = {}
        for shard in shard_keys(self.shards):
            t = pq.read_table(self.work.groups(shard), filters=[("partition", "=", partition)])
            for r in t.to_pylist():
                rep = r["representative_id"]
                members[r["doc_id"]] = Membership(cluster_id_for(self.step, rep), r["cluster_size"], rep, 1.0)
        write_partition(self.layout, self.step, self.method, self.phase, partition, doc_ids, members)
