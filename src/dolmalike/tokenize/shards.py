"""Assemble token shards in the global order (the barrier after per-partition tokenization).

Filling rule (OLMo/dolma compatible, documents are never split): documents are appended in order,
each followed by EOS; when the next document + EOS does not fit in the current shard's
`shard_tokens`, a new shard starts. So every shard holds <= shard_tokens tokens, except a shard
made of a single document longer than that. Shards are not padded; meta.json gives each size.
The trainer concatenates shards in meta.json order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from dolmalike.io.atomic import atomic_open, atomic_write_json
from dolmalike.manifests.mix_layout import SplitLayout, shard_name
from dolmalike.tokenize.encode import PartitionTokens
from dolmalike.tokenize.sidecar import (
    sidecar_table,
    write_index,
    write_olmo_metadata,
    write_partitions,
    write_sidecar,
    write_tokens_part,
)
from dolmalike.tokenize.tokenizer import TokenizerInfo


@dataclass
class Placement:
    """The (document, repetition) items of one split, already in global order."""

    doc_id: list[str]
    repetition: np.ndarray  # int32
    source: list[str]
    part: np.ndarray  # int32 index into `partitions`
    start: np.ndarray  # int64 offsets into that partition's work array
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.doc_id)


def shard_bounds(sizes: Sequence[int], shard_tokens: int) -> list[tuple[int, int]]:
    """Item ranges [lo, hi) of each shard under the filling rule (sizes include the EOS)."""
    bounds: list[tuple[int, int]] = []
    lo, used = 0, 0
    for i, n in enumerate(sizes):
        if used and used + n > shard_tokens:
            bounds.append((lo, i))
            lo, used = i, 0
        used += n
    if lo < len(sizes):
        bounds.append((lo, len(sizes)))
    return bounds


def assemble(
    split: SplitLayout,
    items: Placement,
    parts: Sequence[PartitionTokens],
    partitions: list[str],
    tok: TokenizerInfo,
    shard_tokens: int,
    progress: bool = False,
    workers: int = 1,
) -> dict[str, Any]:
    """Write shards, sidecars, tokens manifest parts and the trace index; returns meta.json's content.

    Shards are independent files, so `workers` threads write them (hashing, zstd, gzip and fsync
    release the GIL); each shard's bytes are the same whatever the thread count."""
    lengths = (items.end - items.start).astype(np.int64)
    bounds = shard_bounds((lengths + 1).tolist(), shard_tokens)
    src = (items.part.tolist(), items.start.tolist(), items.end.tolist())

    def write(k: int) -> dict[str, Any]:
        return _write_shard(split, k, bounds[k], items, lengths, src, parts, tok)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        shards_meta = list(
            tqdm(pool.map(write, range(len(bounds))), total=len(bounds), desc=f"shards ({split.name})",
                 unit="shard", disable=not progress)
        )  # fmt: skip
    write_partitions(split.index_partitions, partitions)
    meta = {
        "dtype": tok.dtype.name,
        "vocab_size": tok.vocab_size,
        "eos_id": tok.eos_id,
        "pad_id": tok.pad_id,
        "tokenizer": tok.label,
        "tokenizer_sha256": tok.sha256,
        "shard_tokens": shard_tokens,
        "shards": shards_meta,
        "split": split.name,
        "total_tokens": int(sum(s["tokens"] for s in shards_meta)),
        "documents": len(items),
    }
    atomic_write_json(split.meta, meta)
    return meta


def _write_shard(
    split: SplitLayout,
    k: int,
    bound: tuple[int, int],
    items: Placement,
    lengths: np.ndarray,
    src: tuple[list[int], list[int], list[int]],
    parts: Sequence[PartitionTokens],
    tok: TokenizerInfo,
) -> dict[str, Any]:
    """Shard k (items [lo, hi)) with its sidecar, OLMo metadata, tokens part and index; its meta.json entry."""
    lo, hi = bound
    part_idx, src_start, src_end = src
    n = lengths[lo:hi]
    local_start = np.concatenate([[0], np.cumsum(n + 1)[:-1]]).astype(np.int64)
    local_end = local_start + n
    buf = np.empty(int(local_end[-1]) + 1, dtype=tok.dtype)
    for j, (s0, e0) in enumerate(zip(local_start.tolist(), local_end.tolist())):
        i = lo + j
        buf[s0:e0] = parts[part_idx[i]].ids[src_start[i] : src_end[i]]
    buf[local_end] = tok.eos_id
    data = buf.tobytes()
    with atomic_open(split.shard(k)) as f:
        f.write(data)
    table = sidecar_table(
        items.doc_id[lo:hi], local_start, local_end, items.repetition[lo:hi], items.source[lo:hi]
    )
    write_sidecar(split.sidecar(k), table)
    write_olmo_metadata(split.olmo_metadata(k), table)
    write_tokens_part(split.tokens_part(k), table, k)
    write_index(split.index_starts(k), split.index_parts(k), local_start, items.part[lo:hi])
    return {
        "name": f"{shard_name(k)}.npy",
        "tokens": int(buf.size),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
