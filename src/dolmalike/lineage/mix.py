"""The lineage read side of a MIX_DIR: open a split once, then answer `overlapping`, `step` and
`provenance` (and `trace`, which is overlapping + provenance) as often as asked.

    token range (shard, start, end) -> Split.overlapping -> sidecar rows (doc, sub-range, partition)
    training step n -> StepPlan windows -> Split.overlapping on each piece      (lineage.steps)
    doc_ids (+ their partitions) -> RunProvenance.provenance -> documents/attributes/dedup rows
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.provenance import RunProvenance
from dolmalike.lineage.split import Hit, Split
from dolmalike.lineage.steps import Segment, StepPlan, Window, step_segments
from dolmalike.manifests.mix_layout import MixLayout


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


class MixLineage:
    """Open once, look up many ranges, steps and documents (keeps the split, the DuckDB connection
    and mix.json). `plan` says which windows a training step reads; without one, `step` refuses."""

    def __init__(self, path: str | Path, split: str | None = None, plan: StepPlan | None = None) -> None:
        self.root, found = find_mix_dir(path)
        self.split_name = split or found
        self.split = Split.open(self.root, self.split_name)
        self.mix: dict[str, Any] = json.loads((self.root / "mix.json").read_text())
        self.rules = {s["name"]: s.get("rule") for s in self.mix.get("sources", [])}
        self.run_dir = MixLayout.of(self.root).source_run()
        self.runs = RunProvenance(self.run_dir)
        self.plan = plan

    def close(self) -> None:
        self.runs.close()

    def __enter__(self) -> MixLineage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def overlapping(self, shard: int, start: int, end: int) -> list[Hit]:
        return self.split.overlapping(shard, start, end)

    def step(self, n: int) -> tuple[list[Window], list[Segment]]:
        if self.plan is None:
            raise DolmalikeError("no training run given: a step's batch needs its TRAIN_DIR")
        if n < 0:
            raise DolmalikeError("step must be >= 0")
        return step_segments(self.split, self.plan, n)

    def provenance(self, doc_ids: list[str], partitions: set[str] | None = None) -> dict[str, dict[str, Any]]:
        return self.runs.provenance(doc_ids, partitions)

    def trace(self, shard: int, start: int, end: int, text: bool = False) -> dict[str, Any]:
        """Every document overlapping tokens [start, end) of `shard`, with provenance, tags, dedup
        rows, the mix source + rule that admitted it, and the exact overlapping sub-range."""
        hits = self.overlapping(shard, start, end)
        parts = {h.partition for h in hits}
        prov = self.provenance([h.doc_id for h in hits], None if None in parts else parts)  # type: ignore[arg-type]
        docs = []
        for h in hits:
            docs.append(
                {
                    "doc_id": h.doc_id,
                    "mix_source": h.source,
                    "rule": self.rules.get(h.source),
                    "repetition": h.repetition,
                    "doc_start": h.doc_start,
                    "doc_end": h.doc_end,
                    "overlap_start": h.lo,
                    "overlap_end": h.hi,
                    "doc_token_start": h.lo - h.doc_start,  # the doc's own token offsets covered by the range
                    "doc_token_end": min(h.hi, h.doc_end) - h.doc_start,
                    "includes_eos": h.includes_eos,
                    **prov[h.doc_id],
                }
            )
        out: dict[str, Any] = {
            "mix_dir": str(self.root.resolve()), "split": self.split_name, "shard": shard,
            "shard_name": self.split.meta["shards"][shard]["name"], "start": start, "end": end,
            "run_dir": str(self.run_dir), "documents": docs,
        }  # fmt: skip
        if text:
            out["text"] = self.decode(shard, start, end)
        return out

    def decode(self, shard: int, start: int, end: int) -> str:
        from dolmalike.tokenize.tokenizer import DEFAULT, load_tokenizer

        meta = self.split.meta
        label = meta["tokenizer"]
        path = MixLayout.of(self.root).tokenizer if label == DEFAULT else Path(label)
        if not path.is_file():
            raise DolmalikeError(f"tokenizer {path} not found; cannot decode the range")
        tok = load_tokenizer(path, eos_token=self.mix.get("eos_token"), label=label)
        if tok.sha256 != meta.get("tokenizer_sha256"):
            raise DolmalikeError(f"{path} is not the tokenizer the shards were built with (sha256 differs)")
        ids = self.split.read(shard, start, end)
        return tok.tokenizer.decode(np.asarray(ids).tolist(), skip_special_tokens=False)


def trace(
    mix_dir: str | Path, shard: int, start: int, end: int, *, split: str | None = None, text: bool = False
) -> dict[str, Any]:
    """`MixLineage.trace` for one range."""
    with MixLineage(mix_dir, split) as lin:
        return lin.trace(shard, start, end, text=text)
