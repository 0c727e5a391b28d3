"""doc_ids -> provenance, tags and dedup rows from a RUN_DIR's manifests.

The provenance columns are the `documents` manifest's (core.schema.DOCUMENTS): trace, batch, explain
and the audit commands all show this one list. Rows are fetched with DuckDB for just the asked
doc_ids, and when the caller knows the documents' input partitions (the mix's trace index does)
only those partitions' parts are read instead of whole manifests.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from dolmalike.core.schema import DOCUMENTS
from dolmalike.manifests.duck import fetch_arrow
from dolmalike.manifests.query import table_dirs

PROVENANCE_COLUMNS: tuple[str, ...] = tuple(n for n in DOCUMENTS.names if n != "doc_id")


def _part_files(table_dir: Path, partitions: set[str] | None) -> list[str]:
    """The table's parts for these partitions when it is partitioned that way, else all its parts."""
    if partitions is not None:
        files = [table_dir / f"{p}.parquet" for p in sorted(partitions)]
        if all(f.is_file() for f in files):
            return [str(f) for f in files]
    return [str(f) for f in sorted(table_dir.rglob("*.parquet"))]


class RunProvenance:
    """One RUN_DIR's manifests, one DuckDB connection, many look-ups. `run_dir=None` (or a
    directory without manifests) answers every doc_id with empty provenance."""

    def __init__(self, run_dir: str | Path | None) -> None:
        self.run_dir = Path(run_dir) if run_dir else None
        has = self.run_dir is not None and (self.run_dir / "manifests").is_dir()
        self.tables: dict[str, Path] = table_dirs(self.run_dir) if has else {}
        self.con = duckdb.connect(":memory:")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> RunProvenance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def taggers(self) -> dict[str, Path]:
        """tagger name -> its attributes directory."""
        return {d.name: d for name, d in self.tables.items() if name.startswith("attributes_")}

    def _rows(
        self, table_dir: Path, doc_ids: list[str], partitions: set[str] | None
    ) -> dict[str, list[dict]]:
        files = _part_files(table_dir, partitions)
        if not files or not doc_ids:
            return {}
        table = fetch_arrow(
            self.con,
            "SELECT * FROM read_parquet(?, union_by_name=true) WHERE list_contains(?, doc_id)",
            [files, doc_ids],
        )
        out: dict[str, list[dict]] = {}
        for row in table.to_pylist():
            out.setdefault(row.pop("doc_id"), []).append(row)
        return out

    def tags(self, doc_ids: Iterable[str], partitions: set[str] | None = None) -> dict[str, dict[str, dict]]:
        """doc_id -> tagger -> that tagger's attributes for the document (taggers that tagged it)."""
        ids = sorted(set(doc_ids))
        out: dict[str, dict[str, dict]] = {d: {} for d in ids}
        for tagger, d in sorted(self.taggers.items()):
            for doc_id, rows in self._rows(d, ids, partitions).items():
                out[doc_id][tagger] = rows[0]
        return out

    def provenance(
        self, doc_ids: Iterable[str], partitions: set[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """doc_id -> {"provenance": the documents row (PROVENANCE_COLUMNS), "tags", "dedup": [rows]}."""
        ids = sorted(set(doc_ids))
        docs = self._rows(self.tables["documents"], ids, partitions) if "documents" in self.tables else {}
        dedup = self._rows(self.tables["dedup"], ids, partitions) if "dedup" in self.tables else {}
        tags = self.tags(ids, partitions)
        out = {}
        for d in ids:
            row = (docs.get(d) or [{}])[0]
            out[d] = {
                "provenance": {k: row.get(k) for k in PROVENANCE_COLUMNS},
                "tags": tags[d],
                "dedup": dedup.get(d, []),
            }
        return out
