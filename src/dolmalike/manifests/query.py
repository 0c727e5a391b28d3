"""DuckDB over a run's manifests: one view per manifest table."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from dolmalike.core.errors import DolmalikeError
from dolmalike.manifests.layout import RunLayout

# Tables that live directly under manifests/<name>/ (possibly nested one level, e.g. decisions/<step>/)
_TABLES = ("documents", "decisions", "dedup", "mix", "tokens")


def _glob(d: Path) -> str | None:
    files = sorted(d.rglob("*.parquet"))
    return str(d / "**" / "*.parquet") if files else None


def table_dirs(run_dir: str | Path) -> dict[str, Path]:
    """View name -> directory of every manifest table that has parts in the run
    (`attributes_<tagger>` for each tagger under manifests/attributes/)."""
    layout = RunLayout.of(run_dir)
    if not layout.manifests.is_dir():
        raise DolmalikeError(f"{run_dir} is not a dolmalike run directory (no manifests/)")
    dirs = [(name, layout.table_dir(name)) for name in _TABLES]
    attr_root = layout.manifests / "attributes"
    if attr_root.is_dir():
        for d in sorted(p for p in attr_root.iterdir() if p.is_dir()):
            dirs.append((f"attributes_{re.sub(r'[^0-9A-Za-z_]', '_', d.name)}", d))
    return {name: d for name, d in dirs if _glob(d)}


def view_sources(run_dir: str | Path) -> dict[str, str]:
    """View name -> parquet glob for every manifest table that exists in the run."""
    return {name: str(_glob(d)) for name, d in table_dirs(run_dir).items()}


def connect(*run_dirs: str | Path) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with views over the manifests of one or more run dirs (later dirs
    add tables the earlier ones lack, e.g. a MIX_DIR's `mix`/`tokens` over its RUN_DIR)."""
    con = duckdb.connect(":memory:")
    seen: set[str] = set()
    for run_dir in run_dirs:
        for name, glob in view_sources(run_dir).items():
            if name in seen:
                continue
            seen.add(name)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}', union_by_name=true)")
    return con
