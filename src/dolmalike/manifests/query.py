"""DuckDB over a run's manifests: one view per manifest table."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

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


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


def decisions_view_sql(d: Path) -> str:
    """The `decisions` view: every stage's part, `detail` as JSON text. Parts have the detail type
    their stage declared (a struct, or JSON text when free-form), and one Parquet scan cannot
    union different types, so parts are read in groups of one type and a struct is rendered with
    to_json; merging it into {} (RFC 7386) drops the fields that are null, so the text names
    what the stage reported, as the JSON text of a free-form stage does.

    Every part of one folder (decisions/<step>/ or decisions/<step>/<stage>/) has that step's or
    stage's type, so one footer per folder gives it, and the view names folders by glob: opening a
    connection costs one footer read per stage, not one per partition and stage."""
    groups: dict[str, tuple[pa.DataType, list[str]]] = {}
    for folder, _, names in sorted(os.walk(d)):
        parts = sorted(n for n in names if n.endswith(".parquet"))
        if not parts:
            continue
        t = pq.read_schema(Path(folder) / parts[0]).field("detail").type
        groups.setdefault(str(t), (t, []))[1].append(str(Path(folder) / "*.parquet"))
    selects = []
    for _, (t, globs) in sorted(groups.items()):
        scan = f"read_parquet({_sql_list(globs)}, union_by_name=true)"
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t):
            selects.append(f"SELECT * REPLACE (CAST(detail AS VARCHAR) AS detail) FROM {scan}")
        else:
            render = "CAST(json_merge_patch('{}', to_json(detail)) AS VARCHAR)"
            selects.append(f"SELECT * REPLACE ({render} AS detail) FROM {scan}")
    return " UNION ALL BY NAME ".join(selects)


def connect(*run_dirs: str | Path) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with views over the manifests of one or more run dirs (later dirs
    add tables the earlier ones lack, e.g. a MIX_DIR's `mix`/`tokens` over its RUN_DIR)."""
    con = duckdb.connect(":memory:")
    seen: set[str] = set()
    for run_dir in run_dirs:
        dirs = table_dirs(run_dir)
        for name, glob in view_sources(run_dir).items():
            if name in seen:
                continue
            seen.add(name)
            if name == "decisions":
                con.execute(f"CREATE VIEW decisions AS {decisions_view_sql(dirs[name])}")
            else:
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}', union_by_name=true)")
    return con
