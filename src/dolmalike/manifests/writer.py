"""Writers for manifest parts. Stages never call these; the runner and global steps do."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from dolmalike.core.decision import Decision
from dolmalike.core.schema import DECISIONS
from dolmalike.io.atomic import atomic_write_parquet
from dolmalike.manifests.layout import RunLayout


def decisions_schema(detail_type: pa.DataType | None) -> pa.Schema:
    """DECISIONS with `detail` of the stage's declared type; None: free-form, JSON text."""
    if detail_type is None:
        return DECISIONS
    return DECISIONS.set(DECISIONS.get_field_index("detail"), pa.field("detail", detail_type))


def _detail_array(decisions: Sequence[Decision], detail_type: pa.DataType | None) -> pa.Array:
    if detail_type is None:
        return pa.array(
            [None if d.detail is None else json.dumps(d.detail, sort_keys=True) for d in decisions],
            pa.string(),
        )
    # Arrow drops keys a struct does not declare; a stage that reports one has outgrown its type
    names = {f.name for f in detail_type}
    for d in decisions:
        if d.detail is not None and not set(d.detail) <= names:
            raise ValueError(f"{d.stage}: detail keys {sorted(set(d.detail) - names)} not in its detail_type")
    return pa.array([d.detail for d in decisions], detail_type)


def decisions_table(
    partition: str,
    phase: int,
    decisions: Sequence[Decision],
    detail_type: pa.DataType | None = None,
    seqs: Sequence[int] | None = None,
) -> pa.Table:
    """`seqs`: each decision's position in its (phase, partition) when a part holds a subset."""
    return pa.table(
        {
            "doc_id": [d.doc_id for d in decisions],
            "partition": [partition] * len(decisions),
            "phase": [phase] * len(decisions),
            "seq": list(seqs) if seqs is not None else list(range(len(decisions))),
            "stage": [d.stage for d in decisions],
            "decision": [d.decision for d in decisions],
            "reason": [d.reason for d in decisions],
            "score": [d.score for d in decisions],
            "detail": _detail_array(decisions, detail_type),
        },
        schema=decisions_schema(detail_type),
    )


def decisions_path(layout: RunLayout, step: str, partition: str, stage: str | None = None) -> Path:
    """decisions/<step>/<partition>.parquet — one part per (step, partition); a step that runs
    several stages (the streaming one) has one folder per stage: decisions/<step>/<stage>/."""
    d = layout.table_dir("decisions") / step
    return (d / stage if stage else d) / f"{partition}.parquet"


def write_decisions(
    layout: RunLayout,
    step: str,
    phase: int,
    partition: str,
    decisions: Sequence[Decision],
    detail_type: pa.DataType | None = None,
) -> Path:
    """The part of a step whose decisions are all its own (stage = step: dedup steps)."""
    path = decisions_path(layout, step, partition)
    atomic_write_parquet(path, decisions_table(partition, phase, decisions, detail_type))
    return path


def write_stage_decisions(
    layout: RunLayout,
    step: str,
    phase: int,
    partition: str,
    decisions: Sequence[Decision],
    detail_types: Mapping[str, pa.DataType | None],
) -> list[Path]:
    """One part per stage under decisions/<step>/<stage>/, each with that stage's detail type, so
    a stage's table is typed; `seq` stays the position among all the partition's decisions.
    Every stage of `detail_types` gets a part (empty if it decided nothing here), so a redone
    partition rewrites the same files; a stage not listed (the reader's "read") is free-form."""
    by_stage: dict[str, list[tuple[int, Decision]]] = {stage: [] for stage in detail_types}
    for seq, d in enumerate(decisions):
        by_stage.setdefault(d.stage, []).append((seq, d))
    paths = []
    for stage, rows in sorted(by_stage.items()):
        table = decisions_table(
            partition, phase, [d for _, d in rows], detail_types.get(stage), [s for s, _ in rows]
        )
        paths.append(decisions_path(layout, step, partition, stage))
        atomic_write_parquet(paths[-1], table)
    return paths


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
