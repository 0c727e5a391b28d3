"""One split of a MIX_DIR, opened once: layout, meta, memory-mapped shards, sidecars and trace index.

A document occupies [start, end] in its shard: tokens [start, end) and its EOS at `end`. The sidecar
rows of a shard are sorted by start and tile it, so the rows overlapping a token range are one
contiguous run found by binary search on the starts (memory-mapped from index/shard-K.starts when
the index exists). Only the sidecar row groups holding the hits are read, and each is read once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.tokens import TokenStore
from dolmalike.manifests.mix_layout import MixLayout, SplitLayout
from dolmalike.tokenize.sidecar import SIDECAR, open_raw, read_partitions


@dataclass(frozen=True)
class Hit:
    """The part [lo, hi) of tokens [start, end) of one shard that belongs to one sidecar row."""

    shard: int
    row: int
    doc_id: str
    source: str
    repetition: int
    doc_start: int  # the document's own range in the shard (EOS at doc_end)
    doc_end: int
    lo: int
    hi: int
    partition: str | None  # the document's input partition, when the trace index names it

    @property
    def includes_eos(self) -> bool:
        return self.hi > self.doc_end


class _Sidecar:
    """One shard's sidecar: starts, partition codes and row groups read on demand, each once."""

    def __init__(self, layout: SplitLayout, k: int) -> None:
        path = layout.sidecar(k)
        if not path.is_file():
            raise DolmalikeError(f"{path}: missing token sidecar")
        self.file = pq.ParquetFile(path)
        md = self.file.metadata
        sizes = [md.row_group(g).num_rows for g in range(md.num_row_groups)]
        self.group_start = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        starts_path, parts_path = layout.index_starts(k), layout.index_parts(k)
        if starts_path.is_file():
            self.starts = open_raw(starts_path, "<i8")
        else:  # no index (e.g. written by another tool): read the sidecar's start column once
            self.starts = self.file.read(columns=["start"])["start"].to_numpy()
        indexed = parts_path.is_file() and layout.index_partitions.is_file()
        self.codes = open_raw(parts_path, "<i4") if indexed else None
        self._groups: dict[int, pa.Table] = {}

    @property
    def n_rows(self) -> int:
        return int(self.group_start[-1])

    def rows(self, lo: int, hi: int) -> pa.Table:
        """Rows [lo, hi) of the sidecar."""
        if hi <= lo:
            return SIDECAR.empty_table()
        first = int(np.searchsorted(self.group_start, lo, side="right")) - 1
        last = int(np.searchsorted(self.group_start, hi, side="left"))
        for g in range(first, last):
            if g not in self._groups:
                self._groups[g] = self.file.read_row_group(g)
        table = pa.concat_tables([self._groups[g] for g in range(first, last)])
        return table.slice(lo - int(self.group_start[first]), hi - lo)


class Split:
    """A MIX_DIR split (train or heldout): its token stream and the rows that say whose tokens they are."""

    def __init__(self, layout: SplitLayout) -> None:
        if not layout.meta.is_file():
            raise DolmalikeError(f"{layout.shards}: no meta.json; was the mix built?")
        self.layout = layout
        self.meta: dict[str, Any] = json.loads(layout.meta.read_text())
        self._sidecars: dict[int, _Sidecar] = {}
        self._partitions: list[str] | None = None

    @classmethod
    def open(cls, mix_dir: str | Path, name: str = "train") -> Split:
        return cls(MixLayout.of(mix_dir).split(name))

    @classmethod
    def at(cls, split_dir: str | Path) -> Split:
        """The split whose shards are in `split_dir` (MIX_DIR/shards or MIX_DIR/heldout)."""
        d = Path(split_dir)
        layout = MixLayout.of(d.parent)
        for split in (layout.train, layout.heldout):
            if split.shards == d:
                return cls(split)
        raise DolmalikeError(f"{d}: not a MIX_DIR split (MIX_DIR/shards or MIX_DIR/heldout)")

    @cached_property
    def tokens(self) -> TokenStore:
        """The memory-mapped shards, opened on first use (finding documents needs only the sidecars)."""
        return TokenStore(self.layout.shards)

    @property
    def n_shards(self) -> int:
        return len(self.meta["shards"])

    def shard_tokens(self, k: int) -> int:
        return int(self.meta["shards"][k]["tokens"])

    def _sidecar(self, k: int) -> _Sidecar:
        if k not in self._sidecars:
            self._sidecars[k] = _Sidecar(self.layout, k)
        return self._sidecars[k]

    def rows(self, k: int) -> dict[str, np.ndarray]:
        """Every sidecar row of shard k as numpy columns (doc_id, start, end, repetition, source)."""
        side = self._sidecar(k)
        t = side.rows(0, side.n_rows)
        return {c: t.column(c).to_numpy(zero_copy_only=False) for c in t.column_names}

    def _partition_names(self) -> list[str]:
        if self._partitions is None:
            self._partitions = read_partitions(self.layout.index_partitions)
        return self._partitions

    def overlapping(self, shard: int, start: int, end: int) -> list[Hit]:
        """Every document whose [doc_start, doc_end] overlaps tokens [start, end) of `shard`."""
        if not 0 <= shard < self.n_shards:
            raise DolmalikeError(
                f"shard {shard} out of range: the {self.layout.name} split has shards 0..{self.n_shards - 1}"
            )
        size = self.shard_tokens(shard)
        if not 0 <= start < end <= size:
            raise DolmalikeError(
                f"range [{start}, {end}) is not inside shard {shard} of {size} tokens (need 0 <= start < end)"
            )
        side = self._sidecar(shard)
        lo = max(0, int(np.searchsorted(side.starts, start, side="right")) - 1)
        hi = int(np.searchsorted(side.starts, end, side="left"))
        rows = side.rows(lo, hi)
        names = self._partition_names() if side.codes is not None else None
        codes = np.asarray(side.codes[lo:hi]).tolist() if side.codes is not None else [None] * (hi - lo)
        hits = []
        cols = (rows[c].to_pylist() for c in ("doc_id", "source", "repetition", "start", "end"))
        for i, (doc_id, source, rep, s, e) in enumerate(zip(*cols)):
            a, b = max(start, s), min(end, e + 1)
            if b > a:
                part = names[codes[i]] if names is not None else None
                hits.append(Hit(shard, lo + i, doc_id, source, rep, s, e, a, b, part))
        covered = sum(h.hi - h.lo for h in hits)
        if covered != end - start:
            raise DolmalikeError(
                f"shard {shard} tokens [{start}, {end}) are not fully covered by its sidecar"
            )
        return hits

    def read(self, shard: int, start: int, end: int) -> np.ndarray:
        """Token ids [start, end) of one shard."""
        return self.tokens.arrays[shard][start:end]
