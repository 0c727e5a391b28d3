"""Derive `documents/`: one row per input record, status from its last decision.

Last = highest (phase, seq). `n_chars`: a kept document's stored text length; a dropped one's
text length when it was dropped (streaming stages) or when the streaming stages ended (global
steps); 0 for errors. Decisions `dropped` and `error` set that status; every other
decision (kept, modified, masked...) leaves the record kept. A record with no decision at
all (e.g. JSONL input with no stages) is kept by the reader.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dolmalike.core.schema import DOCUMENTS
from dolmalike.io.atomic import atomic_write_parquet
from dolmalike.io.docstore import read_docs_table
from dolmalike.manifests.layout import RunLayout
from dolmalike.runner.partition import records_path

_STATUS = {"dropped": "dropped", "error": "error"}


def last_decisions(layout: RunLayout, partition: str) -> dict[str, tuple[str, str, str | None]]:
    """doc_id -> (status, stage, reason) from the partition's decisions across all steps."""
    root = layout.table_dir("decisions")  # <step>/<p>.parquet, and <step>/<stage>/<p>.parquet
    parts = sorted([*root.glob(f"*/{partition}.parquet"), *root.glob(f"*/*/{partition}.parquet")])
    if not parts:
        return {}
    table = pa.concat_tables(
        pq.read_table(p, columns=["doc_id", "phase", "seq", "stage", "decision", "reason"]) for p in parts
    )
    table = table.sort_by([("phase", "ascending"), ("seq", "ascending")])
    out: dict[str, tuple[str, str, str | None]] = {}
    for doc_id, stage, decision, reason in zip(
        table["doc_id"].to_pylist(),
        table["stage"].to_pylist(),
        table["decision"].to_pylist(),
        table["reason"].to_pylist(),
    ):
        out[doc_id] = (_STATUS.get(decision, "kept"), stage, reason)
    return out


def finalize_partition(layout: RunLayout, partition: str) -> pa.Table:
    records = pq.read_table(records_path(layout, partition))
    last = last_decisions(layout, partition)
    docs_path = layout.doc_part(partition)
    lengths: dict[str, int] = {}
    if docs_path.exists():
        t = read_docs_table(docs_path, columns=["doc_id", "text"])
        lengths = dict(zip(t["doc_id"].to_pylist(), pc.utf8_length(t["text"]).to_pylist()))
    # a dropped document's size is its text's when the streaming stages were done with it (a run
    # dir from before work/records had the column gives 0, as it used to)
    stream_chars = (
        records["n_chars"].to_pylist() if "n_chars" in records.column_names else [0] * records.num_rows
    )
    status, stage, reason, n_chars = [], [], [], []
    for doc_id, streamed in zip(records["doc_id"].to_pylist(), stream_chars, strict=True):
        st, sg, rs = last.get(doc_id, ("kept", "read", None))
        status.append(st)
        stage.append(sg)
        reason.append(rs)
        n_chars.append(lengths.get(doc_id, 0) if st == "kept" else streamed if st == "dropped" else 0)
    cols = {name: records[name] for name in records.column_names}
    cols.update(status=status, stage=stage, reason=reason, n_chars=n_chars)
    table = pa.table({name: cols[name] for name in DOCUMENTS.names}, schema=DOCUMENTS)
    atomic_write_parquet(layout.part("documents", partition), table)
    return table
