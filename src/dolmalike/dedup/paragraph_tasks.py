"""Paragraph-level duplicate tagging with one Bloom filter (Dolma's BFF semantics).

"First occurrence is not a duplicate" only means something in a fixed order, so this is one
sequential pass over partitions in sorted order and documents in input order: a barrier step
run as a single task. It tags, never drops: spans go to manifests/attributes/<attribute>/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from dolmalike.dedup.bloom import BloomFilter, check_and_add, paragraphs
from dolmalike.dedup.survivors import iter_surviving_batches
from dolmalike.io.atomic import atomic_write_json
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.writer import write_attributes
from dolmalike.taggers.base import SPANS

ATTRIBUTE_SCHEMA = pa.schema(
    [
        ("n_paragraphs", pa.int64()),
        ("dup_paragraph_fraction", pa.float64()),  # duplicate paragraphs / non-empty paragraphs
        ("dup_char_fraction", pa.float64()),  # characters inside duplicate spans / text length
        ("dup_paragraph_spans", SPANS),  # [start, end, score]; end includes the "\n", as in Dolma
    ]
)


@dataclass(frozen=True)
class ParagraphTask:
    layout: RunLayout
    step: str
    phase: int
    attribute: str
    fp_rate: float
    expected_items: int | None
    partitions: tuple[str, ...]

    def __call__(self, key: str) -> None:
        expected = self.expected_items or self._count_paragraph_bound()
        bloom = BloomFilter(expected, self.fp_rate)
        seen = dupes = 0
        for partition in self.partitions:
            rows = []
            for doc_id, text in self._docs(partition):
                paras = paragraphs(text)
                dup = check_and_add(bloom, [p.text.encode("utf-8") for p in paras])
                spans = [{"start": p.start, "end": p.end, "score": 1.0} for p, d in zip(paras, dup) if d]
                n_dup = len(spans)
                seen += len(paras)
                dupes += n_dup
                rows.append(
                    {
                        "doc_id": doc_id,
                        "n_paragraphs": len(paras),
                        "dup_paragraph_fraction": n_dup / len(paras) if paras else 0.0,
                        "dup_char_fraction": sum(s["end"] - s["start"] for s in spans) / len(text)
                        if text
                        else 0.0,
                        "dup_paragraph_spans": spans,
                    }
                )
            write_attributes(self.layout, self.attribute, partition, ATTRIBUTE_SCHEMA, rows)
        atomic_write_json(
            self.layout.step_work(self.step) / "bloom.json",
            {
                "expected_items": expected,
                "fp_rate": self.fp_rate,
                "bits": bloom.num_bits,
                "hashes": bloom.num_hashes,
                "paragraphs": seen,
                "duplicate_paragraphs": dupes,
                "fill_ratio": round(bloom.fill_ratio(), 6),
            },
        )

    def _docs(self, partition: str) -> Iterator[tuple[str, str]]:
        for batch in iter_surviving_batches(self.layout, partition, self.phase, ["doc_id", "text"]):
            for doc_id, text in zip(batch["doc_id"].to_pylist(), batch["text"].to_pylist()):
                yield doc_id, text or ""

    def _count_paragraph_bound(self) -> int:
        """Upper bound on paragraphs (newlines + 1 per doc), to size the filter when the user
        gave no estimate; a cheap vectorized pre-pass over the text column."""
        total = 0
        for partition in self.partitions:
            for batch in iter_surviving_batches(self.layout, partition, self.phase, ["text"]):
                text = batch["text"]
                total += len(text) + (pc.sum(pc.count_substring(text, "\n")).as_py() or 0)
        return max(total, 1)
