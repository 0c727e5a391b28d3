"""`dolmalike export RUN_DIR --format hf --out DIR`: the run as typed Parquet for Hugging Face `datasets`.

The manifests keep their contract (existing columns never change type): `fetch_date` is the
ISO-8601 string the reader saw and `detail` / `metadata` are JSON text, because different stages
write different details. This export gives `datasets.load_dataset("parquet", data_files=...)` typed
columns instead:

    DIR/documents/<partition>.parquet          the documents manifest; fetch_date: timestamp[us, UTC]
    DIR/docs/<partition>.parquet               the document texts; fetch_date as above, metadata JSON text
                                               (free-form: each input brings its own)
    DIR/decisions/<stage>/<partition>.parquet  one table per stage, `detail` a typed struct: within one
                                               stage the schema is fixed, so Arrow infers it from the
                                               rows (union of keys; rule counts become struct fields)
    DIR/<table>/<partition>.parquet            dedup, attributes_<tagger>, as they are

A fetch_date that does not parse becomes null and is counted in the returned report; a stage whose
details do not share one schema keeps `detail` as JSON text (also reported).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_parquet
from dolmalike.io.docstore import read_docs_table
from dolmalike.manifests.layout import RunLayout
from dolmalike.tokenize.docfiles import docs_files

TIMESTAMP = pa.timestamp("us", tz="UTC")


def parse_fetch_date(value: str | None) -> datetime | None:
    """ISO-8601 (with `Z` or an offset; naive means UTC) -> aware UTC datetime; None if unparseable."""
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _typed_dates(table: pa.Table) -> tuple[pa.Table, int]:
    if "fetch_date" not in table.column_names:
        return table, 0
    raw = table["fetch_date"].to_pylist()
    parsed = [parse_fetch_date(v) for v in raw]
    bad = sum(1 for v, p in zip(raw, parsed) if v and p is None)
    i = table.column_names.index("fetch_date")
    return table.set_column(i, pa.field("fetch_date", TIMESTAMP), pa.array(parsed, TIMESTAMP)), bad


def _typed_detail(table: pa.Table) -> tuple[pa.Table, bool]:
    """`detail` JSON -> the struct Arrow infers for this stage's rows; (table, typed?)."""
    values = [json.loads(v) if v else None for v in table["detail"].to_pylist()]
    if not any(isinstance(v, dict) for v in values) or not all(
        v is None or isinstance(v, dict) for v in values
    ):
        return table, False
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return table, False
    i = table.column_names.index("detail")
    return table.set_column(i, pa.field("detail", arr.type), arr), True


def _parts(layout: RunLayout, table: str) -> list[tuple[str, Path]]:
    """(part name, file) of a manifest table; a part under a step's folder is named `<step>-<part>`."""
    d = layout.table_dir(table)
    files = sorted(p for p in d.rglob("*.parquet") if not p.name.startswith(".")) if d.is_dir() else []
    return [("-".join(p.relative_to(d).with_suffix("").parts), p) for p in files]


def export_hf(run_dir: str | Path, out: str | Path) -> dict[str, Any]:
    layout, out = RunLayout.of(run_dir), Path(out)
    if not _parts(layout, "documents"):
        raise DolmalikeError(f"{run_dir}: no documents manifest (not a finished RUN_DIR)")
    report: dict[str, Any] = {"unparsed_fetch_dates": 0, "typed_detail": [], "json_detail": []}
    for name, p in _parts(layout, "documents"):
        table, bad = _typed_dates(pq.read_table(p))
        report["unparsed_fetch_dates"] += bad
        atomic_write_parquet(out / "documents" / f"{name}.parquet", table)
    for partition, p in docs_files(run_dir).items():
        table, bad = _typed_dates(read_docs_table(p))
        atomic_write_parquet(out / "docs" / f"{partition}.parquet", table)
    stages: dict[str, list[tuple[str, pa.Table]]] = {}
    for name, p in _parts(layout, "decisions"):
        t = pq.read_table(p)
        for stage in sorted(set(t["stage"].to_pylist())):
            stages.setdefault(stage, []).append((name, t.filter(pc.equal(t["stage"], stage))))
    for stage, pieces in sorted(stages.items()):
        # one schema per stage, over all its partitions, so every part of the table agrees
        whole, typed = _typed_detail(pa.concat_tables([t for _, t in pieces]))
        report["typed_detail" if typed else "json_detail"].append(stage)
        offset = 0
        for partition, t in pieces:
            atomic_write_parquet(
                out / "decisions" / stage / f"{partition}.parquet", whole.slice(offset, t.num_rows)
            )
            offset += t.num_rows
    for table in ("dedup",):
        for name, p in _parts(layout, table):
            atomic_write_parquet(out / table / f"{name}.parquet", pq.read_table(p))
    attr_root = layout.manifests / "attributes"
    for d in sorted(attr_root.iterdir()) if attr_root.is_dir() else []:
        for p in sorted(d.glob("*.parquet")):
            atomic_write_parquet(out / f"attributes_{d.name}" / p.name, pq.read_table(p))
    return report
