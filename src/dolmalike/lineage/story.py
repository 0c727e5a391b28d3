"""A document's full story, gathered from every manifest table that mentions it.

Its documents row, tags and dedup rows come from lineage.provenance (the same columns `trace`
and `batch` show); decisions and the mix's `mix`/`tokens` rows from the DuckDB views.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.provenance import RunProvenance
from dolmalike.manifests.dirs import connect_any, manifest_dirs


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _views(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
    ]


def resolve_doc_id(con: duckdb.DuckDBPyConnection, key: str) -> str:
    """Accept a full doc_id, a unique doc_id prefix, a WARC-Record-ID or a URL."""
    hits = con.execute(
        "SELECT doc_id FROM documents WHERE doc_id = ? OR warc_record_id = ? OR url = ? "
        "OR starts_with(doc_id, ?) ORDER BY doc_id LIMIT 5",
        [key, key, key, key],
    ).fetchall()
    ids = sorted({h[0] for h in hits})
    if not ids:
        raise DolmalikeError(f"no document matches {key!r}")
    if len(ids) > 1:
        raise DolmalikeError(f"{key!r} is ambiguous: matches {', '.join(ids)}")
    return ids[0]


def document_story(run_dir: str | Path, key: str) -> dict[str, Any]:
    con = connect_any(run_dir)
    views = _views(con)
    if "documents" not in views:
        raise DolmalikeError(f"{run_dir} has no documents manifest yet")
    doc_id = resolve_doc_id(con, key)
    story: dict[str, Any] = {"doc_id": doc_id}
    run_dir = next(d for d in manifest_dirs(run_dir) if (d / "manifests" / "documents").is_dir())
    with RunProvenance(run_dir) as runs:
        prov = runs.provenance([doc_id])[doc_id]
    story["document"] = {"doc_id": doc_id, **prov["provenance"]}
    story["decisions"] = (
        _rows(
            con,
            "SELECT stage, decision, reason, score, detail FROM decisions WHERE doc_id = ? ORDER BY phase, seq",
            [doc_id],
        )
        if "decisions" in views
        else []
    )
    story["attributes"] = prov["tags"]
    if "dedup" in views:
        story["dedup"] = prov["dedup"]
    for table in ("mix", "tokens"):
        if table in views:
            story[table] = _rows(con, f"SELECT * EXCLUDE (doc_id) FROM {table} WHERE doc_id = ?", [doc_id])
    return story
