"""`dolmalike export RUN_DIR --format hf --out DIR`: one folder per table for Hugging Face `datasets`.

The manifests are already typed (`fetch_date` a UTC timestamp, each stage's `detail` its declared
struct, the fixed metadata keys a struct): `datasets.load_dataset("parquet", data_files=...)`
reads RUN_DIR's own files. What this export adds is the layout, one folder per table, so each
folder is one dataset with one schema:

    DIR/documents/<partition>.parquet          the documents manifest
    DIR/docs/<partition>.parquet               the document texts (jsonl.zst docs converted)
    DIR/decisions/<stage>/<partition>.parquet  one table per stage (decisions/stream/<stage>/ and
                                               decisions/<step>/ of the run, as they are)
    DIR/dedup/<step>-<partition>.parquet       dedup, attributes_<tagger>, as they are
    DIR/attributes_<tagger>/<partition>.parquet

The returned report names the stages whose detail is a struct and those whose detail is JSON text,
and counts the fetch dates that did not parse (a null `fetch_date` beside its `fetch_date_raw`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_bytes, atomic_write_parquet
from dolmalike.io.docstore import read_docs_table
from dolmalike.manifests.layout import RunLayout
from dolmalike.tokenize.docfiles import docs_files


def _parts(layout: RunLayout, table: str) -> list[tuple[Path, Path]]:
    """(path under the table's folder, file) of every part of a manifest table."""
    d = layout.table_dir(table)
    files = sorted(p for p in d.rglob("*.parquet") if not p.name.startswith(".")) if d.is_dir() else []
    return [(p.relative_to(d), p) for p in files]


def _copy(src: Path, dst: Path) -> None:
    atomic_write_bytes(dst, src.read_bytes())


def unparsed_fetch_dates(table: pa.Table) -> int:
    """Rows whose fetch_date_raw is set but did not parse (fetch_date null)."""
    return pc.sum(pc.and_(pc.is_null(table["fetch_date"]), pc.is_valid(table["fetch_date_raw"]))).as_py() or 0


def export_hf(run_dir: str | Path, out: str | Path) -> dict[str, Any]:
    layout, out = RunLayout.of(run_dir), Path(out)
    documents = _parts(layout, "documents")
    if not documents:
        raise DolmalikeError(f"{run_dir}: no documents manifest (not a finished RUN_DIR)")
    report: dict[str, Any] = {"unparsed_fetch_dates": 0, "typed_detail": [], "json_detail": []}
    for rel, p in documents:
        report["unparsed_fetch_dates"] += unparsed_fetch_dates(
            pq.read_table(p, columns=["fetch_date", "fetch_date_raw"])
        )
        _copy(p, out / "documents" / "-".join(rel.parts))
    for partition, p in docs_files(run_dir).items():
        dst = out / "docs" / f"{partition}.parquet"
        if p.name.endswith(".parquet"):
            _copy(p, dst)
        else:
            atomic_write_parquet(dst, read_docs_table(p))
    kinds: dict[str, str] = {}
    for rel, p in _parts(layout, "decisions"):
        stage = rel.parent.name  # decisions/<step>/<p> (stage = step) or decisions/stream/<stage>/<p>
        t = pq.read_schema(p).field("detail").type
        kinds[stage] = "typed_detail" if pa.types.is_struct(t) else "json_detail"
        _copy(p, out / "decisions" / stage / rel.name)
    for stage, kind in sorted(kinds.items()):
        report[kind].append(stage)
    for rel, p in _parts(layout, "dedup"):
        _copy(p, out / "dedup" / "-".join(rel.parts))
    attr_root = layout.manifests / "attributes"
    for d in sorted(attr_root.iterdir()) if attr_root.is_dir() else []:
        for p in sorted(d.glob("*.parquet")):
            _copy(p, out / f"attributes_{d.name}" / p.name)
    return report
