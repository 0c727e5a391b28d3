"""Example follow-up commands that work on a finished run's own output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dolmalike.manifests.dirs import connect_any


def next_steps(run_dir: Path, mix_dir: Path | None) -> list[str]:
    con = connect_any(run_dir)
    views = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    lines = []
    dropped = con.execute(
        "SELECT doc_id FROM documents WHERE status = 'dropped' ORDER BY stage DESC, doc_id LIMIT 1"
    ).fetchone()
    kept = con.execute(
        "SELECT doc_id FROM documents WHERE status = 'kept' ORDER BY doc_id LIMIT 1"
    ).fetchone()
    if dropped:
        lines.append(f"dolmalike explain {run_dir} {dropped[0]}")
    elif kept:
        lines.append(f"dolmalike explain {run_dir} {kept[0]}")
    lines.append(
        f'dolmalike sql {run_dir} "SELECT status, stage, reason, count(*) n FROM documents GROUP BY ALL ORDER BY n DESC"'
    )
    if _c4_records_language(con):
        lines.append(
            f"dolmalike sql {run_dir} \"SELECT json_extract_string(detail, '$.language') language, decision, "
            "count(*) n FROM decisions WHERE stage = 'c4_clean' GROUP BY ALL ORDER BY language, decision\""
        )
    if "dedup" in views:
        cluster = con.execute(
            "SELECT doc_id FROM dedup WHERE cluster_size > 1 ORDER BY cluster_size DESC, doc_id LIMIT 1"
        ).fetchone()
        if cluster:
            lines.append(f"dolmalike near-dups {run_dir} {cluster[0]}")
    if mix_dir is not None and "tokens" in views:
        row = con.execute(
            'SELECT shard, start, "end" FROM tokens ORDER BY shard, start LIMIT 1 OFFSET 2'
        ).fetchone()
        if row:
            shard, start, end = row
            lines.append(
                f"dolmalike trace {mix_dir} --shard {shard} --start {max(0, start - 5)} --end {start + 20} --text"
            )
        lines.append(
            f'dolmalike sql {mix_dir} "SELECT source, sum(\\"end\\" - start) tokens FROM tokens GROUP BY 1"'
        )
    lines.append(f"dolmalike verify {run_dir}")
    return lines


def _c4_records_language(con: Any) -> bool:
    """Whether c4_clean ran with record_language (its decisions then name each page's language)."""
    row = con.execute(
        "SELECT count(*) FROM decisions WHERE stage = 'c4_clean' AND detail LIKE '%\"language\"%'"
    ).fetchone()
    return bool(row and row[0])
