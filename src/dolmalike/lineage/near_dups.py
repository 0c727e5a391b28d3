"""Near-duplicate clusters of a document, across every dedup method of a run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.provenance import RunProvenance
from dolmalike.lineage.story import resolve_doc_id
from dolmalike.manifests.dirs import connect_any, manifest_dirs
from dolmalike.manifests.layout import RunLayout

# pipeline order of the builtin methods, for display
_METHOD_ORDER = {"url": 0, "content": 1, "minhash": 2}


@dataclass
class Member:
    doc_id: str
    url: str | None
    # Jaccard to the representative: exact with minhash verify on (the default), else estimated;
    # 1.0 for the exact methods
    jaccard: float
    representative: bool
    decision: str  # what this method decided: kept (the representative) or dropped
    status: str | None  # final status in documents/ (None when the run is not finalized)


@dataclass
class Cluster:
    method: str
    cluster_id: str
    size: int
    representative_id: str
    members: list[Member] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _resolve(con: duckdb.DuckDBPyConnection, views: set[str], key: str) -> str:
    if "documents" in views:
        return resolve_doc_id(con, key)
    return key


def _doc_info(con: duckdb.DuckDBPyConnection, views: set[str], run_dir: str | Path, ids: list[str]) -> dict:
    """doc_id -> (url, final status): from documents/ once the run is finalized; before that,
    URLs from the run's docs/ and the status implied by each document's last decision."""
    if "documents" in views:
        run = next(d for d in manifest_dirs(run_dir) if (d / "manifests" / "documents").is_dir())
        with RunProvenance(run) as runs:
            prov = runs.provenance(ids)
        return {d: (p["provenance"]["url"], p["provenance"]["status"]) for d, p in prov.items()}
    status: dict[str, str] = {}
    if "decisions" in views:
        rows = con.execute(
            "SELECT doc_id, arg_max(decision, (phase, seq)) FROM decisions "
            "WHERE list_contains(?, doc_id) GROUP BY doc_id",
            [ids],
        ).fetchall()
        status = {d: ("kept" if dec not in ("dropped", "error") else dec) for d, dec in rows}
    docs = [RunLayout.of(d).docs for d in manifest_dirs(run_dir)]
    globs = [str(d / "*.parquet") for d in docs if any(d.glob("*.parquet"))]
    urls: dict[str, str | None] = {}
    if globs:
        rows = con.execute(
            "SELECT doc_id, url FROM read_parquet(?) WHERE list_contains(?, doc_id)", [globs, ids]
        ).fetchall()
        urls = dict(rows)
    return {d: (urls.get(d), status.get(d)) for d in ids}


def near_dups(run_dir: str | Path, doc_id: str) -> list[Cluster]:
    """Every dedup cluster containing the document (one per method that saw it), with members
    ordered representative first, then by Jaccard to it (descending), then doc_id."""
    con = connect_any(run_dir)
    views = _views(con)
    if "dedup" not in views:
        raise DolmalikeError(f"{run_dir} has no dedup manifests (run a dedup step first)")
    doc_id = _resolve(con, views, doc_id)
    keys = con.execute("SELECT DISTINCT method, cluster_id FROM dedup WHERE doc_id = ?", [doc_id]).fetchall()
    keys.sort(key=lambda k: (_METHOD_ORDER.get(k[0], len(_METHOD_ORDER)), k[0], k[1]))
    if not keys:
        raise DolmalikeError(f"document {doc_id} was not seen by any dedup step")
    clusters: list[Cluster] = []
    for method, cluster_id in keys:
        rows = con.execute(
            "SELECT doc_id, jaccard, representative_id, cluster_size FROM dedup "
            "WHERE method = ? AND cluster_id = ? "
            "ORDER BY doc_id <> representative_id, jaccard DESC, doc_id",
            [method, cluster_id],
        ).fetchall()
        info = _doc_info(con, views, run_dir, [r[0] for r in rows])
        cluster = Cluster(method, cluster_id, int(rows[0][3]), rows[0][2])
        for member_id, jaccard, rep, _ in rows:
            url, status = info.get(member_id, (None, None))
            is_rep = member_id == rep
            cluster.members.append(
                Member(member_id, url, float(jaccard), is_rep, "kept" if is_rep else "dropped", status)
            )
        clusters.append(cluster)
    return clusters
