"""Writers for manifest parts. Stages never call these; the runner and global steps do."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from dolmalike.core.decision import Decision
from dolmalike.core.schema import DECISIONS
from dolmalike.io.atomic import atomic_write_parquet
from dolmalike.manifests.layout import RunLayout


def decisions_table(partition: str, phase: int, decisions: Sequence[Decision]) -> pa.Table:
    return pa.table(
        {
            "doc_id": [d.doc_id for d in decisions],
            "partition": [partition] * len(decisions),
            "phase": [phase] * len(decisions),
            "seq": list(range(len(decisions))),
            "stage": [d.stage for d in decisions],
            "decision": [d.decision for d in decisions],
            "reason": [d.reason for d in decisions],
            "score": [d.score for d in decisions],
            "detail": [d.detail for d in decisions],
        },
        schema=DECISIONS,
    )


def decisions_path(layout: RunLayout, step: str, partition: str) -> Path:
    """decisions/<step>/<partition>.parquet — one part per (step, partition)."""
    return layout.table_dir("decisions") / step / f"{partition}.parquet"


def write_decisions(
    layout: RunLayout, step: str, phase: int, partition: str, decisions: Sequence[Decision]
) -> Path:
    path = decisions_path(layout, step, partition)
    atomic_write_parquet(path, decisions_table(partition, phase, decisions))
    return path


def write_rows(path: Path, schema: pa.Schema, rows: Sequence[dict[str, Any]]) -> Path:
    """Write dict rows with an explicit schema (so empty parts still have typed columns)."""
    cols = {name: [r.get(name) for r in rows] for name in schema.names}
    atomic_write_parquet(path, pa.table(cols, schema=schema))
    return path


def write_attributes(
    layout: RunLayout, tagger: str, partition: str, schema: pa.Schema, rows: Sequence[dict]
) -> Path:
    full = schema if "doc_id" in schema.names else pa.schema([("doc_id", pa.string()), *schema])
    return write_rows(layout.attributes_dir(tagger) / f"{partition}.parquet", full, rows)
