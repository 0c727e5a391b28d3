"""Crash-safe writes: write to a temp file beside the target, fsync, then rename."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

_TEMP = re.compile(r"^\..+\.\d+\.tmp$")  # atomic_open's `.name.PID.tmp`


def remove_stale_temps(root: str | os.PathLike[str]) -> int:
    """Delete the temp files a killed writer left under `root` (they are never outputs); returns
    how many. Call it before writing into a directory a previous, killed process wrote into."""
    root = Path(root)
    stale = [p for p in root.rglob(".*.tmp") if _TEMP.match(p.name) and p.is_file()] if root.is_dir() else []
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


@contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_open(path) as f:
        f.write(data)


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def atomic_write_parquet(
    path: str | os.PathLike[str], table: pa.Table, row_group_size: int | None = None
) -> None:
    # No created_by timestamp or writer-dependent metadata: identical tables give identical bytes.
    with atomic_open(path) as f:
        if table.num_rows == 0:
            # no row group at all rather than one of 0 rows, which Hugging Face datasets' Parquet
            # reader rejects ("BatchSize must be greater than 0"); the schema is in the footer
            pq.ParquetWriter(f, table.schema, compression="zstd", store_schema=True).close()
            return
        pq.write_table(
            table,
            f,
            compression="zstd",
            write_statistics=True,
            store_schema=True,
            row_group_size=row_group_size,
        )
