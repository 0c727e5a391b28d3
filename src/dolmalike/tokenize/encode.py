"""Tokenize one partition's wanted documents into temporary arrays (the parallel part of a mix).

Per partition P the work dir gets:
- `P.ids`: the documents' token ids back to back (raw little-endian, shard dtype, no EOS);
- `P.docs.parquet`: doc_id, start, end (offsets into P.ids), in the docs file's order;
- `P.key`: the cache key these were made with (written last, so it marks completion).
Shard assembly later reads these through memory maps in the global (hashed) order.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tokenizers import Tokenizer

from dolmalike.io.atomic import atomic_open, atomic_write_bytes, atomic_write_parquet
from dolmalike.io.docstore import read_docs_table
from dolmalike.tokenize.tokenizer import cached_tokenizer

# Documents per encode_batch call: enough to keep tokenizers' thread pool busy, and small enough that
# the last batch of a partition (whose conversion nothing overlaps) is a small share of it.
BATCH_DOCS = 256

WORK_DOCS = pa.schema([("doc_id", pa.string()), ("start", pa.int64()), ("end", pa.int64())])


@dataclass(frozen=True)
class PartitionTokens:
    """A partition's work arrays, opened for reading."""

    ids: np.ndarray  # memmap (or empty array)
    doc_id: list[str]
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def open(cls, work: Path, partition: str, dtype: np.dtype) -> PartitionTokens:
        table = pq.read_table(work / f"{partition}.docs.parquet")
        ids_path = work / f"{partition}.ids"
        size = ids_path.stat().st_size
        ids = np.memmap(ids_path, dtype=dtype, mode="r") if size else np.zeros(0, dtype)
        return cls(
            ids=ids,
            doc_id=table["doc_id"].to_pylist(),
            start=table["start"].to_numpy(),
            end=table["end"].to_numpy(),
        )


def encode_batch(tok: Tokenizer, texts: Sequence[str]) -> list[Any]:
    """Encodings of each text, without special tokens added by a post-processor (the shard writer adds EOS).

    Only the Rust side runs here (it releases the GIL); reading `.ids` is left to the caller, so a
    helper thread running this overlaps the caller's Python work instead of competing for the GIL.
    """
    fast = getattr(tok, "encode_batch_fast", None)  # skips offset tracking (tokenizers >= 0.21)
    return (fast or tok.encode_batch)(list(texts), add_special_tokens=False)


def tokenize_partition(
    docs_path: Path,
    wanted: pa.Array,
    tokenizer_path: Path,
    tokenizer_sha256: str,
    vocab_size: int,
    dtype: np.dtype,
    work: Path,
    partition: str,
    key: str,
) -> int:
    """Tokenize the documents of `docs_path` whose doc_id is in `wanted`; returns their count."""
    tok = cached_tokenizer(str(tokenizer_path), tokenizer_sha256)
    table = read_docs_table(docs_path, columns=["doc_id", "text"])
    table = table.filter(pc.is_in(table["doc_id"], value_set=wanted))
    doc_ids = table["doc_id"].to_pylist()
    texts = table["text"].to_pylist()
    lengths: list[int] = []
    # Equal batches (no small tail batch that leaves the thread pool idle), and the next batch is
    # encoded on a helper thread (tokenizers releases the GIL) while this one's ids are read out,
    # flattened and written: the single-threaded Python part (holding the GIL) overlaps the
    # encoding instead of adding to it.
    n_batches = max(1, -(-len(texts) // BATCH_DOCS))
    bounds = [len(texts) * k // n_batches for k in range(n_batches + 1)]
    batches = [[t or "" for t in texts[lo:hi]] for lo, hi in zip(bounds, bounds[1:])]
    with atomic_open(work / f"{partition}.ids") as f, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(encode_batch, tok, batches[0])
        for k in range(n_batches):
            encodings = pending.result()
            if k + 1 < n_batches:
                pending = pool.submit(encode_batch, tok, batches[k + 1])
            ids = [e.ids for e in encodings]
            del encodings
            n = [len(x) for x in ids]
            flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=sum(n))
            if flat.size and (int(flat.max()) >= vocab_size or int(flat.min()) < 0):
                raise AssertionError(f"token id outside [0, {vocab_size}) in {docs_path}")
            f.write(flat.astype(dtype, copy=False).tobytes())
            lengths += n
    ends = np.cumsum(np.asarray(lengths, dtype=np.int64))
    starts = ends - np.asarray(lengths, dtype=np.int64)
    atomic_write_parquet(
        work / f"{partition}.docs.parquet",
        pa.table({"doc_id": doc_ids, "start": starts, "end": ends}, schema=WORK_DOCS),
    )
    atomic_write_bytes(work / f"{partition}.key", key.encode())
    return len(doc_ids)
