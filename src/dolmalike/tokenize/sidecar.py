"""Per-shard sidecars, OLMo-core metadata, `tokens` manifest parts and the trace index.

All four describe the same rows (one per (document, repetition) in the shard, sorted by start):
- sidecar `shards/shard-K.parquet`: doc_id, start, end, repetition, source — OLMo-style, next to the shard;
- `shards/shard-K.csv.gz`: the OLMo-core / dolma-toolkit document metadata (`start,end,id,src,loc` per
  line, no header, `end` exclusive so it includes the EOS), which OLMo-core needs for a remote path or
  `use_array_if_local=False`; the Parquet sidecar stays the rich one;
- `manifests/tokens/shard-K.parquet`: the same + `shard` (schema TOKENS), for DuckDB joins;
- trace index `index/shard-K.starts` (raw int64) and `index/shard-K.parts` (raw int32 partition code into
  `index/partitions.json`): memory-mapped by `trace` for a binary search, so a lookup reads a few
  pages instead of a whole manifest; the sidecar's small row groups then give the hit rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dolmalike.core.schema import TOKENS
from dolmalike.io.atomic import atomic_open, atomic_write_bytes, atomic_write_json, atomic_write_parquet

SIDECAR = pa.schema([f for f in TOKENS if f.name != "shard"])
ROW_GROUP = 8192  # rows per sidecar row group: what one trace lookup reads


def sidecar_table(
    doc_id: list[str], start: np.ndarray, end: np.ndarray, repetition: np.ndarray, source: list[str]
) -> pa.Table:
    return pa.table(
        {"doc_id": doc_id, "start": start, "end": end, "repetition": repetition, "source": source},
        schema=SIDECAR,
    )


def write_sidecar(path: Path, table: pa.Table) -> None:
    # Own writer (not atomic_write_parquet) for the small row groups; same byte-stable settings.
    with atomic_open(path) as f:
        pq.write_table(
            table, f, compression="zstd", write_statistics=True, store_schema=True, row_group_size=ROW_GROUP
        )


def write_olmo_metadata(path: Path, table: pa.Table) -> None:
    """dolma's MemmapMetadata rows: start, end (exclusive, past EOS), id, src (mix source), loc (repetition)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = [table[c].to_pylist() for c in ("start", "end", "doc_id", "source", "repetition")]
    for start, end, doc_id, source, rep in zip(*cols):
        w.writerow((start, end + 1, doc_id, source, rep))
    # mtime=0 and no file name in the gzip header: the same rows give the same bytes
    atomic_write_bytes(path, gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=6, mtime=0))


def write_tokens_part(path: Path, table: pa.Table, shard: int) -> None:
    cols = {name: table[name] for name in SIDECAR.names}
    cols["shard"] = pa.array(np.full(table.num_rows, shard, dtype=np.int32))
    atomic_write_parquet(path, pa.table({n: cols[n] for n in TOKENS.names}, schema=TOKENS))


def write_index(starts_path: Path, parts_path: Path, starts: np.ndarray, parts: np.ndarray) -> None:
    atomic_write_bytes(starts_path, np.ascontiguousarray(starts, dtype="<i8").tobytes())
    atomic_write_bytes(parts_path, np.ascontiguousarray(parts, dtype="<i4").tobytes())


def write_partitions(path: Path, partitions: list[str]) -> None:
    atomic_write_json(path, partitions)


def read_partitions(path: Path) -> list[str]:
    return json.loads(path.read_text())


def open_raw(path: Path, dtype: str) -> np.ndarray:
    """Memory-map a raw little-endian array; np.memmap refuses empty files."""
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def read_sidecar_rows(path: Path, lo: int, hi: int) -> pa.Table:
    """Rows [lo, hi) of a sidecar, reading only the row groups that hold them."""
    pf = pq.ParquetFile(path)
    md = pf.metadata
    groups, first, offset = [], None, 0
    for g in range(md.num_row_groups):
        n = md.row_group(g).num_rows
        if offset + n > lo and offset < hi:
            groups.append(g)
            first = offset if first is None else first
        offset += n
    if not groups:
        return SIDECAR.empty_table()
    table = pf.read_row_groups(groups)
    return table.slice(lo - first, hi - lo)
