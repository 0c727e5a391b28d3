"""Step -> documents: which document token ranges a training step saw, computed from the config alone.

    step s -> instance ids perm[s·B:(s+1)·B]          (data.InstanceOrder, seeded PCG64)
           -> stream ranges [i·L, (i+1)·L)            (data.Instances)
           -> shard-local pieces                      (data.TokenStore.pieces)
           -> sidecar rows overlapping each piece     (binary search on the sorted starts/ends)
           -> provenance from RUN_DIR's documents manifest (url, warc_path, warc_offset, crawl)

A document occupies shard positions [start, end] inclusive of its trailing EOS at `end`; a segment
is the part of one document (and possibly its EOS) that falls in one instance.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from dolmalike.core.errors import DolmalikeError
from dolmalike.train.config import TrainConfig
from dolmalike.train.data import Instances, TokenStore
from dolmalike.train.traindir import load_info

PROVENANCE_COLUMNS = ("url", "warc_path", "warc_offset", "crawl")


@dataclass(frozen=True)
class Segment:
    slot: int  # position of the instance in the step's batch
    instance: int
    offset: int  # first token's position inside the instance window
    shard: int
    start: int  # shard-local token range [start, end) covered by this segment
    end: int
    doc_id: str
    source: str
    repetition: int
    doc_start: int  # the document's own range in the shard (EOS at doc_end)
    doc_end: int

    @property
    def includes_eos(self) -> bool:
        return self.end > self.doc_end


class SidecarIndex:
    """Per-shard sidecar rows as sorted numpy arrays, loaded on first use."""

    def __init__(self, split_dir: Path, shard_names: list[str]) -> None:
        self.split_dir = split_dir
        self.names = shard_names
        self._cache: dict[int, dict[str, np.ndarray]] = {}

    def rows(self, shard: int) -> dict[str, np.ndarray]:
        if shard not in self._cache:
            path = self.split_dir / self.names[shard].replace(".npy", ".parquet")
            if not path.is_file():
                raise DolmalikeError(f"{path}: missing token sidecar")
            t = pq.read_table(path, columns=["doc_id", "start", "end", "repetition", "source"]).sort_by(
                "start"
            )
            self._cache[shard] = {c: t.column(c).to_numpy(zero_copy_only=False) for c in t.column_names}
        return self._cache[shard]

    def overlapping(self, shard: int, start: int, end: int) -> list[tuple[int, int, int]]:
        """(row, lo, hi) for each document whose [start, end+1) overlaps [start, end)."""
        r = self.rows(shard)
        first = int(np.searchsorted(r["end"] + 1, start, side="right"))
        last = int(np.searchsorted(r["start"], end, side="left"))
        out = []
        for row in range(first, last):
            lo, hi = max(start, int(r["start"][row])), min(end, int(r["end"][row]) + 1)
            if hi > lo:
                out.append((row, lo, hi))
        return out


def _check_shards(info: dict[str, Any], store: TokenStore) -> None:
    trained = [s.get("sha256") for s in info["shards"]]
    now = [s.get("sha256") for s in store.meta["shards"]]
    if trained != now:
        raise DolmalikeError(f"{store.dir}: shards changed since training (sha256 differs from train.json)")


def _provenance(mix_dir: Path, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
    """doc_id -> url/warc_path/warc_offset/crawl from the RUN_DIR named in mix.json, if present."""
    mix_json = mix_dir / "mix.json"
    if not doc_ids or not mix_json.is_file():
        return {}
    run_dir = json.loads(mix_json.read_text()).get("run_dir")
    if not run_dir or not (Path(run_dir) / "manifests" / "documents").is_dir():
        return {}
    from dolmalike.manifests.query import connect

    con = connect(run_dir)
    rows = con.execute(
        f"SELECT doc_id, {', '.join(PROVENANCE_COLUMNS)} FROM documents "
        "WHERE doc_id IN (SELECT unnest(?)) ORDER BY doc_id",
        [sorted(set(doc_ids))],
    ).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for doc_id, *vals in rows:
        out.setdefault(doc_id, dict(zip(PROVENANCE_COLUMNS, vals)))
    return out


def step_segments(
    mix_dir: Path,
    cfg: TrainConfig,
    step: int,
    store: TokenStore | None = None,
    info: dict[str, Any] | None = None,
    train_dir: Path | None = None,
) -> tuple[np.ndarray, list[Segment], Instances]:
    """The step's instance ids and the document segments that make up each instance; `info` (a
    train.json) and `train_dir` give a replay's exclusions (train.exclusion)."""
    from dolmalike.train.exclusion import ordering_for

    store = store or TokenStore(mix_dir / "shards")
    instances = Instances(store, cfg.seq_len)
    ids = ordering_for(info or {}, Path(train_dir or "."), instances, cfg.seed).step(step, cfg.batch_size)
    sidecars = SidecarIndex(store.dir, store.shard_names)
    segments: list[Segment] = []
    for slot, inst in enumerate(ids.tolist()):
        a, b = instances.span(inst)
        for piece in store.pieces(a, b):
            piece_stream_start = int(store.offsets[piece.shard]) + piece.start
            rows = sidecars.rows(piece.shard)
            covered = 0
            for row, lo, hi in sidecars.overlapping(piece.shard, piece.start, piece.end):
                covered += hi - lo
                segments.append(
                    Segment(
                        slot=slot, instance=inst, offset=piece_stream_start - a + (lo - piece.start),
                        shard=piece.shard, start=lo, end=hi, doc_id=str(rows["doc_id"][row]),
                        source=str(rows["source"][row]), repetition=int(rows["repetition"][row]),
                        doc_start=int(rows["start"][row]), doc_end=int(rows["end"][row]),
                    )
                )  # fmt: skip
            if covered != piece.end - piece.start:
                raise DolmalikeError(
                    f"shard {piece.shard} tokens [{piece.start}, {piece.end}) are not fully covered by its sidecar"
                )
    return ids, segments, instances


def describe_step(train_dir: str | Path, step: int, *, with_ids: bool = False) -> dict[str, Any]:
    """JSON-able description of step `step` of the run in TRAIN_DIR (see module docstring)."""
    info = load_info(train_dir)
    cfg = TrainConfig.from_dict(info["config"])
    if not 0 <= step < cfg.max_steps:
        raise DolmalikeError(
            f"step {step} is outside the run's schedule: its steps are 0..{cfg.max_steps - 1} (max_steps {cfg.max_steps})"
        )
    mix_dir = Path(info["mix_dir"])
    store = TokenStore(mix_dir / "shards")
    _check_shards(info, store)
    ids, segments, instances = step_segments(mix_dir, cfg, step, store, info, Path(train_dir))
    prov = _provenance(mix_dir, [s.doc_id for s in segments])
    by_slot: list[dict[str, Any]] = []
    for slot, inst in enumerate(ids.tolist()):
        a, b = instances.span(inst)
        entry: dict[str, Any] = {"slot": slot, "instance": inst, "stream_range": [a, b], "segments": []}
        if with_ids:
            entry["ids"] = instances.get(inst).tolist()
        by_slot.append(entry)
    for seg in segments:
        d = asdict(seg)
        d.pop("slot")
        d.pop("instance")
        d["shard_name"] = store.shard_names[seg.shard]
        d["includes_eos"] = seg.includes_eos
        d.update(prov.get(seg.doc_id, {}))
        by_slot[seg.slot]["segments"].append(d)
    docs: dict[str, int] = {}
    for seg in segments:
        docs[seg.doc_id] = docs.get(seg.doc_id, 0) + seg.end - seg.start
    return {
        "train_dir": str(train_dir),
        "mix_dir": str(mix_dir),
        "step": step,
        "epoch": (step * cfg.batch_size) // instances.n,
        "seq_len": cfg.seq_len,
        "batch_size": cfg.batch_size,
        "seed": cfg.seed,
        "n_documents": len(docs),
        "instances": by_slot,
        "documents": [{"doc_id": k, "tokens": v, **prov.get(k, {})} for k, v in sorted(docs.items())],
    }
