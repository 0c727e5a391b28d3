"""Training step -> document segments, through the same `Split.overlapping` that `trace` uses.

Which token ranges make up step n is the trainer's business (instance numbering and order live in
dolmalike.train); it hands them over as a `StepPlan`. Each window's shard-local pieces then go
through `Split.overlapping`, so a step's documents are, by construction, what `trace` names for
those ranges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dolmalike.lineage.split import Split
from dolmalike.lineage.tokens import Piece


@dataclass(frozen=True)
class Window:
    """One instance of a step's batch: its shard-local pieces, in the order the model reads them."""

    slot: int  # position of the instance in the step's batch
    instance: int
    pieces: tuple[Piece, ...]


class StepPlan(Protocol):
    def windows(self, step: int) -> list[Window]: ...


@dataclass(frozen=True)
class Segment:
    slot: int
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
    partition: str | None  # the document's input partition, when the mix's trace index names it

    @property
    def includes_eos(self) -> bool:
        return self.end > self.doc_end


def window_segments(split: Split, window: Window) -> list[Segment]:
    """The document segments of one window, in reading order."""
    out: list[Segment] = []
    offset = 0
    for piece in window.pieces:
        if piece.end > piece.start:
            for h in split.overlapping(piece.shard, piece.start, piece.end):
                out.append(
                    Segment(
                        slot=window.slot, instance=window.instance, offset=offset + h.lo - piece.start,
                        shard=h.shard, start=h.lo, end=h.hi, doc_id=h.doc_id, source=h.source,
                        repetition=h.repetition, doc_start=h.doc_start, doc_end=h.doc_end,
                        partition=h.partition,
                    )
                )  # fmt: skip
        offset += piece.end - piece.start
    return out


def step_segments(split: Split, plan: StepPlan, step: int) -> tuple[list[Window], list[Segment]]:
    windows = plan.windows(step)
    return windows, [s for w in windows for s in window_segments(split, w)]
