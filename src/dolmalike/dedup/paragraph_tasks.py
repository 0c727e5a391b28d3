"""Paragraph-level duplicate tagging with one Bloom filter (Dolma's BFF semantics).

"First occurrence is not a duplicate" only means something in a fixed order, so this is one
sequential pass over partitions in sorted order and documents in input order: a barrier step
run as a single task. It checks a batch of documents per call (bloom.check_and_add_docs), with
the same flags as a document-by-document pass. It tags, never drops: spans go to
manifests/attributes/<attribute>/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dolmalike.dedup.bloom import BloomFilter, check_and_add_docs, item_hashes, paragraphs
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
            for batch in iter_surviving_batches(self.layout, partition, self.phase, ["doc_id", "text"]):
                texts = [t or "" for t in batch["text"].to_pylist()]
                paras = [paragraphs(t) for t in texts]
                counts = [len(ps) for ps in paras]
                h1, h2 = item_hashes([p.text.encode("utf-8") for ps in paras for p in ps])
                dup = check_and_add_docs(bloom, h1, h2, np.repeat(np.arange(len(paras)), counts)).tolist()
                seen += len(dup)
                at = 0
                for doc_id, text, ps in zip(batch["doc_id"].to_pylist(), texts, paras):
                    flags, at = dup[at : at + len(ps)], at + len(ps)
                    spans = [{"start": p.start, "end": p.end, "score": 1.0} for p, d in zip(ps, flags) if d]
                    dupes += len(spans)
                    rows.append(_row(doc_id, text, len(ps), spans))
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

    def _count_paragraph_bound(self) -> int:
        """Upper bound on paragraphs (newlines + 1 per doc), to size the filter when the user
        gave no estimate; a cheap vectorized pre-pass over the text column."""
        total = 0
        for partition in self.partitions:
            for batch in iter_surviving_batches(self.layout, partition, self.phase, ["text"]):
                text = batch["text"]
                total += len(text) + (pc.sum(pc.count_substring(text, "\n")).as_py() or 0)
        return max(total, 1)


def _row(doc_id: str, text: str, n_paragraphs: int, spans: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "n_paragraphs": n_paragraphs,
        "dup_paragraph_fraction": len(spans) / n_paragraphs if n_paragraphs else 0.0,
        "dup_char_fraction": sum(s["end"] - s["start"] for s in spans) / len(text) if text else 0.0,
        "dup_paragraph_spans": spans,
    }
