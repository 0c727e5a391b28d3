"""`trace`: token range in a shard -> the documents it came from, with full provenance.

Lookup: the shard's row starts are memory-mapped (MIX_DIR/index/shard-K.starts) and binary-searched;
only the sidecar row groups holding the hits are read; provenance rows are then fetched for just
those doc_ids with DuckDB, from the documents/attributes/dedup parts of the documents' own input
partitions (index/shard-K.parts) instead of scanning whole manifests.

A document occupies [start, end] in its shard: tokens [start, end) and its EOS at `end`. A range
overlaps a document when it overlaps that interval (so a range holding only an EOS still names
the document the EOS closes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq

from dolmalike.core.errors import DolmalikeError
from dolmalike.manifests.duck import fetch_arrow
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.mix_layout import MixLayout, SplitLayout
from dolmalike.tokenize.sidecar import open_raw, read_partitions, read_sidecar_rows

PROVENANCE = (
    "url", "crawl", "warc_path", "warc_offset", "warc_record_id", "warc_payload_digest",
    "fetch_date", "source", "partition", "ordinal", "status",
)  # fmt: skip


def find_mix_dir(path: str | Path) -> tuple[Path, str]:
    """(MIX_DIR, split) for a MIX_DIR, its heldout/ dir, or a RUN_DIR holding one (RUN_DIR/mix first)."""
    p = Path(path)
    if not p.is_dir():
        raise DolmalikeError(f"no such directory: {p}")
    if (p / "mix.json").is_file():
        return p, "train"
    if p.name == "heldout" and (p.parent / "mix.json").is_file():
        return p.parent, "heldout"
    if (p / "mix" / "mix.json").is_file():
        return p / "mix", "train"
    found = sorted(d for d in p.iterdir() if d.is_dir() and (d / "mix.json").is_file())
    if len(found) == 1:
        return found[0], "train"
    if found:
        raise DolmalikeError(f"{p} holds several mixes; pass one of: {', '.join(str(d) for d in found)}")
    raise DolmalikeError(f"{p} is not a MIX_DIR (no mix.json) and holds none")


@dataclass
class _Split:
    layout: SplitLayout
    meta: dict[str, Any]

    def tokens(self, k: int) -> int:
        return int(self.meta["shards"][k]["tokens"])


def _open_split(mix_dir: Path, split: str) -> _Split:
    layout = MixLayout.of(mix_dir).split(split)
    if not layout.meta.is_file():
        raise DolmalikeError(f"{mix_dir}: no {layout.meta.relative_to(mix_dir)}; was the mix built?")
    return _Split(layout, json.loads(layout.meta.read_text()))


def lookup(
    split: SplitLayout, shard: int, start: int, end: int
) -> tuple[Any, list[str] | None, np.ndarray | None]:
    """Sidecar rows overlapping [start, end) and, when indexed, each row's input partition."""
    starts_path, parts_path = split.index_starts(shard), split.index_parts(shard)
    if starts_path.is_file():
        starts = open_raw(starts_path, "<i8")
    else:  # no index (e.g. written by another tool): read the sidecar's start column once
        starts = pq.read_table(split.sidecar(shard), columns=["start"])["start"].to_numpy()
    lo = max(0, int(np.searchsorted(starts, start, side="right")) - 1)
    hi = int(np.searchsorted(starts, end, side="left"))
    rows = read_sidecar_rows(split.sidecar(shard), lo, hi)
    if parts_path.is_file() and split.index_partitions.is_file():
        codes = np.asarray(open_raw(parts_path, "<i4")[lo:hi])
        return rows, read_partitions(split.index_partitions), codes
    return rows, None, None


def _part_files(table_dir: Path, partitions: set[str] | None) -> list[str]:
    """The table's parts for these partitions when it is partitioned that way, else all its parts."""
    if partitions is not None:
        files = [table_dir / f"{p}.parquet" for p in sorted(partitions)]
        if all(f.is_file() for f in files):
            return [str(f) for f in files]
    return [str(f) for f in sorted(table_dir.rglob("*.parquet"))]


def _rows_for(con: duckdb.DuckDBPyConnection, files: list[str], doc_ids: list[str]) -> dict[str, list[dict]]:
    if not files:
        return {}
    table = fetch_arrow(
        con,
        "SELECT * FROM read_parquet(?, union_by_name=true) WHERE list_contains(?, doc_id)",
        [files, doc_ids],
    )
    out: dict[str, list[dict]] = {}
    for row in table.to_pylist():
        out.setdefault(row["doc_id"], []).append(row)
    return out


def provenance(
    con: duckdb.DuckDBPyConnection, run_dir: Path, doc_ids: list[str], partitions: set[str] | None
) -> dict[str, dict[str, Any]]:
    """doc_id -> {"provenance", "tags", "dedup"} from the run's manifests."""
    layout = RunLayout.of(run_dir)
    docs = _rows_for(con, _part_files(layout.table_dir("documents"), partitions), doc_ids)
    tags: dict[str, dict[str, dict]] = {d: {} for d in doc_ids}
    attr_root = layout.manifests / "attributes"
    for tagger_dir in sorted(p for p in attr_root.iterdir() if p.is_dir()) if attr_root.is_dir() else []:
        for d, rows in _rows_for(con, _part_files(tagger_dir, partitions), doc_ids).items():
            tags[d][tagger_dir.name] = {k: v for k, v in rows[0].items() if k != "doc_id"}
    dedup_dir = layout.table_dir("dedup")
    dedup = _rows_for(con, _part_files(dedup_dir, partitions), doc_ids) if dedup_dir.is_dir() else {}
    out = {}
    for d in doc_ids:
        row = (docs.get(d) or [{}])[0]
        out[d] = {
            "provenance": {k: row.get(k) for k in PROVENANCE},
            "tags": tags[d],
            "dedup": [{k: v for k, v in r.items() if k != "doc_id"} for r in dedup.get(d, [])],
        }
    return out


class Tracer:
    """Open once, trace many ranges (keeps the DuckDB connection and the split's meta)."""

    def __init__(self, path: str | Path, split: str | None = None) -> None:
        self.root, found = find_mix_dir(path)
        self.split = split or found
        self.sp = _open_split(self.root, self.split)
        self.mix = json.loads((self.root / "mix.json").read_text())
        self.rules = {s["name"]: s.get("rule") for s in self.mix.get("sources", [])}
        self.run_dir = Path(self.mix["run_dir"])
        self.con = duckdb.connect(":memory:")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Tracer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def trace(self, shard: int, start: int, end: int, text: bool = False) -> dict[str, Any]:
        meta = self.sp.meta
        n_shards = len(meta["shards"])
        if not 0 <= shard < n_shards:
            raise DolmalikeError(
                f"shard {shard} out of range: the {self.split} split has shards 0..{n_shards - 1}"
            )
        size = self.sp.tokens(shard)
        if not 0 <= start < end <= size:
            raise DolmalikeError(
                f"range [{start}, {end}) is not inside shard {shard} of {size} tokens (need 0 <= start < end)"
            )
        rows, partitions, codes = lookup(self.sp.layout, shard, start, end)
        doc_ids = rows["doc_id"].to_pylist()
        hit_parts = (
            {partitions[c] for c in codes.tolist()} if partitions is not None and codes is not None else None
        )
        prov = provenance(self.con, self.run_dir, sorted(set(doc_ids)), hit_parts)
        docs = []
        cols = (
            rows["start"].to_pylist(),
            rows["end"].to_pylist(),
            rows["repetition"].to_pylist(),
            rows["source"].to_pylist(),
        )
        for d, s, e, rep, src in zip(doc_ids, *cols):
            a, b = max(start, s), min(end, e + 1)
            docs.append(
                {
                    "doc_id": d,
                    "mix_source": src,
                    "rule": self.rules.get(src),
                    "repetition": rep,
                    "doc_start": s,
                    "doc_end": e,
                    "overlap_start": a,
                    "overlap_end": b,
                    "doc_token_start": a - s,  # the doc's own token offsets covered by the range
                    "doc_token_end": min(b, e) - s,
                    "includes_eos": b > e,
                    **prov[d],
                }
            )
        out: dict[str, Any] = {
            "mix_dir": str(self.root.resolve()), "split": self.split, "shard": shard,
            "shard_name": meta["shards"][shard]["name"], "start": start, "end": end,
            "run_dir": str(self.run_dir), "documents": docs,
        }  # fmt: skip
        if text:
            out["text"] = decode_range(self.root, self.sp, shard, start, end, self.mix.get("eos_token"))
        return out


def trace(
    mix_dir: str | Path, shard: int, start: int, end: int, *, split: str | None = None, text: bool = False
) -> dict[str, Any]:
    """Every document overlapping tokens [start, end) of `shard`, with provenance, tags, dedup
    cluster, the mix source + rule that admitted it, and the exact overlapping sub-range."""
    with Tracer(mix_dir, split) as t:
        return t.trace(shard, start, end, text=text)


def decode_range(
    mix_dir: Path, sp: _Split, shard: int, start: int, end: int, eos_token: str | None = None
) -> str:
    from dolmalike.tokenize.tokenizer import DEFAULT, load_tokenizer

    label = sp.meta["tokenizer"]
    path = MixLayout.of(mix_dir).tokenizer if label == DEFAULT else Path(label)
    if not path.is_file():
        raise DolmalikeError(f"tokenizer {path} not found; cannot decode the range")
    tok = load_tokenizer(path, eos_token=eos_token, label=label)
    if tok.sha256 != sp.meta.get("tokenizer_sha256"):
        raise DolmalikeError(f"{path} is not the tokenizer the shards were built with (sha256 differs)")
    ids = open_raw(sp.layout.shard(shard), np.dtype(sp.meta["dtype"]).newbyteorder("<").str)[start:end]
    return tok.tokenizer.decode(np.asarray(ids).tolist(), skip_special_tokens=False)
