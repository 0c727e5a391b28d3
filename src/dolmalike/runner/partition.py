"""Process one input partition through the streaming stages.

The runner, not the stages, writes lineage: every record the reader yields becomes a row
of work/records/, every decision a row of decisions/stream/<stage>/, every tag a row of
attributes/<tagger>/, and the surviving documents go to docs/. All writes are atomic and the
partition is marked done only after all of them, so a killed run redoes it from scratch. A partition whose remote read gave up after
its retries (`readers.interrupted`) keeps its outputs but gets no marker either: its note under
work/interrupted/ says what was lost, and a rerun reads it again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from dolmalike.core.document import Document
from dolmalike.core.redact import redact
from dolmalike.core.schema import RECORDS
from dolmalike.fetch.resumable import ReadPolicy
from dolmalike.io.atomic import atomic_write_json, atomic_write_parquet
from dolmalike.io.docstore import write_docs
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.writer import write_attributes, write_stage_decisions
from dolmalike.runner.spec import PipelineSpec, resolve_params
from dolmalike.stages.base import StageContext
from dolmalike.stages.registry import instantiate, stage_registry

STREAM_STEP = "stream"


# work/records/: one row per input record, plus the length of its text when the streaming stages
# were done with it (as kept, or when dropped), so a dropped document keeps its size in documents/.
STREAM_RECORDS = RECORDS.append(pa.field("n_chars", pa.int64()))


def records_path(layout: RunLayout, partition: str):
    return layout.work / "records" / f"{partition}.parquet"


def interruption_path(layout: RunLayout, partition: str):
    return layout.work / "interrupted" / f"{partition}.json"


def read_interruption(layout: RunLayout, partition: str) -> dict[str, Any] | None:
    """{"error", "records_read"} for a partition whose last read was interrupted, else None."""
    import json

    path = interruption_path(layout, partition)
    return json.loads(path.read_text()) if path.is_file() else None


class PartitionProcessor:
    """Picklable callable: builds the stages inside the worker, then processes one partition."""

    def __init__(
        self,
        run_dir: str,
        spec: dict[str, Any],
        paths: dict[str, str],
        display: dict[str, str],
        variables: dict[str, str],
        policy: ReadPolicy | None = None,
    ) -> None:
        self.run_dir = run_dir
        self.spec = spec
        self.paths = paths  # partition -> where to read it
        self.display = display  # partition -> the path recorded in manifests
        self.variables = variables  # ${name} substitutions in stage params
        self.policy = policy or ReadPolicy()  # retries of remote inputs

    def __call__(self, partition: str) -> bool:
        """Process `partition`; False if its read was interrupted (the partition is unfinished)."""
        # Imports and models are permanent: keep them out of the GC's view while the partition is
        # processed, so each collection only scans per-document objects (a full pass over ~60k
        # import-time objects costs ~20 ms). Unfrozen after, since this may run in the caller's process.
        gc.freeze()
        try:
            return self._process(partition)
        finally:
            gc.unfreeze()

    def _process(self, partition: str) -> bool:
        from dolmalike.readers.dispatch import open_reader
        from dolmalike.readers.interrupted import is_interrupted
        from dolmalike.readers.unique_ids import RENAMED

        spec = PipelineSpec.from_dict(self.spec)
        layout = RunLayout.of(self.run_dir)
        registry = stage_registry()
        stages = [
            instantiate(registry, s.name, resolve_params(s.params, self.variables)) for s in spec.stages
        ]
        ctx = StageContext(partition=partition, seed=spec.seed)
        records: list[dict[str, Any]] = []
        interrupted: list[str] = []

        def source() -> Iterator[Document]:
            reader = open_reader(
                self.paths[partition],
                partition,
                source=spec.source,
                max_record_bytes=spec.max_record_bytes,
                policy=self.policy,
            )
            real, shown = self.paths[partition], self.display[partition]
            for doc in reader:
                if shown != real:
                    doc.warc_path = shown
                    if doc.error:
                        doc.error = redact(doc.error.replace(real, shown))
                row = doc.provenance()
                row.update(partition=doc.partition, ordinal=doc.ordinal)
                records.append(row)
                if note := doc.metadata.get(RENAMED):
                    ctx.decide(doc, "read", "renamed", note)
                if doc.error:
                    ctx.decide(doc, "read", "error", doc.error)
                    if is_interrupted(doc):
                        interrupted.append(doc.error)
                    continue
                yield doc

        docs: Iterator[Document] = source()
        for stage in stages:
            docs = stage.run(docs, ctx)
        kept = list(docs)

        ext = "jsonl.zst" if spec.doc_format == "jsonl.zst" else "parquet"
        write_docs(layout.docs / f"{partition}.{ext}", kept)
        # every stage gets its part; the reader's own ("read": renamed ids, unreadable records,
        # free-form) only when it decided something
        detail_types = {st.name: st.detail_type for st in stages}
        write_stage_decisions(layout, STREAM_STEP, 0, partition, ctx.decisions, detail_types)
        for tagger_name, (schema, rows) in sorted(ctx.attributes.items()):
            write_attributes(layout, tagger_name, partition, schema, rows)
        for stage in stages:  # taggers with no document in this partition still get an (empty) part
            for tagger_name, schema in getattr(stage, "attribute_schemas", dict)().items():
                if tagger_name not in ctx.attributes:
                    write_attributes(layout, tagger_name, partition, schema, [])
        sizes = {**ctx.n_chars, **{d.doc_id: len(d.text) for d in kept}}
        for r in records:
            r["n_chars"] = sizes.get(r["doc_id"], 0)
        cols = {name: [r[name] for r in records] for name in STREAM_RECORDS.names}
        atomic_write_parquet(records_path(layout, partition), pa.table(cols, schema=STREAM_RECORDS))
        note = interruption_path(layout, partition)
        if interrupted:
            atomic_write_json(note, {"error": interrupted[-1], "records_read": len(records) - 1})
            return False
        note.unlink(missing_ok=True)
        return True
