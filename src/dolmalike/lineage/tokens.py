"""One split's token shards as a single memory-mapped stream (the OLMo/dolma layout).

`<split>/meta.json` plus raw little-endian token arrays `<split>/shard-NNNNN.npy` with NO npy
header. The shards are concatenated in `meta.json` order into one stream; `offsets[k]` is the
stream position of shard k's first token. The trainer reads instances from it and the lineage
read side maps token ranges back to documents through it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dolmalike.core.errors import DolmalikeError


@dataclass(frozen=True)
class Piece:
    """Part of a token window that lies in one shard: shard-local [start, end)."""

    shard: int
    start: int
    end: int


class TokenStore:
    """One split's shards as a single concatenated, memory-mapped token stream."""

    def __init__(self, split_dir: str | Path) -> None:
        self.dir = Path(split_dir)
        meta_path = self.dir / "meta.json"
        if not meta_path.is_file():
            raise DolmalikeError(f"{self.dir}: no meta.json (not a MIX_DIR token split)")
        self.meta: dict[str, Any] = json.loads(meta_path.read_text())
        if self.meta.get("dtype") not in ("uint16", "uint32"):
            raise DolmalikeError(f"{meta_path}: dtype must be uint16 or uint32")
        self.dtype = np.dtype(self.meta["dtype"]).newbyteorder("<")
        self.vocab_size = int(self.meta["vocab_size"])
        self.eos_id = int(self.meta["eos_id"])
        self.shard_names: list[str] = [s["name"] for s in self.meta["shards"]]
        self.arrays: list[np.ndarray] = []
        for s in self.meta["shards"]:
            path = self.dir / s["name"]
            n = int(s["tokens"])
            size = path.stat().st_size if path.exists() else -1
            if size != n * self.dtype.itemsize:
                raise DolmalikeError(
                    f"{path}: expected {n} tokens ({n * self.dtype.itemsize} bytes), found {size} bytes"
                )
            # np.memmap refuses empty files; an empty shard is just an empty array. The plain ndarray
            # view (still backed by the mapping) slices ~10x faster than the memmap subclass.
            mm = np.memmap(path, dtype=self.dtype, mode="r") if n else np.zeros(0, self.dtype)
            self.arrays.append(mm.view(np.ndarray))
        sizes = np.array([len(a) for a in self.arrays], dtype=np.int64)
        # offsets[k] = stream position of shard k's first token; offsets[-1] = total
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    @property
    def total_tokens(self) -> int:
        return int(self.offsets[-1])

    def pieces(self, start: int, end: int) -> list[Piece]:
        """Shard-local pieces covering stream positions [start, end)."""
        if not 0 <= start <= end <= self.total_tokens:
            raise IndexError(f"range [{start}, {end}) outside the stream of {self.total_tokens} tokens")
        out: list[Piece] = []
        k = int(np.searchsorted(self.offsets, start, side="right")) - 1
        pos = start
        while pos < end:
            shard_end = int(self.offsets[k + 1])
            stop = min(end, shard_end)
            if stop > pos:
                out.append(Piece(k, pos - int(self.offsets[k]), stop - int(self.offsets[k])))
            pos = stop
            k += 1
        return out

    def read(self, start: int, end: int) -> np.ndarray:
        """Token ids at stream positions [start, end) as int64."""
        parts = [self.arrays[p.shard][p.start : p.end] for p in self.pieces(start, end)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
