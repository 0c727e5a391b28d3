"""Per-partition outputs shared by every document-level dedup step.

One dedup row per document the step saw (singletons included) and one decision per document,
in input order. The representative of a cluster follows the keep rule: earliest fetch_date
(missing dates last), then smallest doc_id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from dolmalike.core.decision import Decision
from dolmalike.core.schema import DEDUP
from dolmalike.io.atomic import atomic_write_parquet
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.writer import write_decisions

# The detail of a dedup decision on a document in a cluster (singletons have none).
DETAIL_TYPE = pa.struct(
    [("cluster_id", pa.string()), ("cluster_size", pa.int64()), ("representative_id", pa.string())]
)


@dataclass(frozen=True, slots=True)
class Membership:
    cluster_id: str
    cluster_size: int
    representative_id: str
    jaccard: float


_NO_DATE = datetime.min.replace(tzinfo=timezone.utc)


def keep_order(fetch_date: datetime | None, doc_id: str) -> tuple[bool, datetime, str]:
    """Sort key of the keep rule: the smallest key of a cluster is its representative.
    `fetch_date` is the parsed instant (the manifests' timestamp), so spellings of one time
    ("...59Z", "...59.000000+00:00") tie and offsets count; unparsed dates sort last."""
    return (fetch_date is None, fetch_date or _NO_DATE, doc_id)


def cluster_id_for(step: str, representative_id: str) -> str:
    return f"{step}:{representative_id}"


def dedup_part(layout: RunLayout, step: str, partition: str) -> Path:
    """manifests/dedup/<step>/<partition>.parquet: one part per (step, partition)."""
    return layout.table_dir("dedup") / step / f"{partition}.parquet"


def drop_reason(method: str, representative_id: str, jaccard: float, jaccard_exact: bool = False) -> str:
    """`jaccard_exact`: the Jaccard is the exact shingle-set value (verified), not an estimate."""
    if method == "url":
        return f"duplicate URL of {representative_id}"
    if method == "content":
        return f"exact duplicate of {representative_id}"
    return f"near-duplicate of {representative_id} (jaccard{'=' if jaccard_exact else '≈'}{jaccard:.2f})"


def write_partition(
    layout: RunLayout,
    step: str,
    method: str,
    phase: int,
    partition: str,
    doc_ids: Sequence[str],
    members: Mapping[str, Membership],
    jaccard_exact: bool = False,
) -> tuple[int, int]:
    """Write the dedup part and the decisions of one partition; returns (kept, dropped).
    `jaccard_exact`: members' Jaccards are exact (verified), which the drop reasons say."""
    cols: dict[str, list] = {name: [] for name in DEDUP.names}
    decisions: list[Decision] = []
    dropped = 0
    for doc_id in doc_ids:
        m = members.get(doc_id) or Membership(cluster_id_for(step, doc_id), 1, doc_id, 1.0)
        cols["doc_id"].append(doc_id)
        cols["method"].append(method)
        cols["cluster_id"].append(m.cluster_id)
        cols["cluster_size"].append(m.cluster_size)
        cols["representative_id"].append(m.representative_id)
        cols["jaccard"].append(m.jaccard)
        if m.cluster_size == 1:
            decisions.append(Decision(doc_id, step, "kept"))
            continue
        detail = {
            "cluster_id": m.cluster_id,
            "cluster_size": m.cluster_size,
            "representative_id": m.representative_id,
        }
        if m.representative_id == doc_id:
            reason = f"representative of {method} cluster of {m.cluster_size}"
            decisions.append(Decision(doc_id, step, "kept", reason, None, detail))
        else:
            dropped += 1
            reason = drop_reason(method, m.representative_id, m.jaccard, jaccard_exact)
            decisions.append(Decision(doc_id, step, "dropped", reason, m.jaccard, detail))
    atomic_write_parquet(dedup_part(layout, step, partition), pa.table(cols, schema=DEDUP))
    write_decisions(layout, step, phase, partition, decisions, DETAIL_TYPE)
    return len(doc_ids) - dropped, dropped
