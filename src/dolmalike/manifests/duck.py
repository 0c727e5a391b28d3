"""DuckDB -> Arrow across DuckDB versions (1.x: Relation.arrow, 2.x: Relation.to_arrow_table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa


def fetch_arrow(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pa.Table:
    rel = con.sql(sql, params=list(params) or None)
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    return fetch()
