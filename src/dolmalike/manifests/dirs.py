"""Find the manifest directories behind a path the user gave: a RUN_DIR, a MIX_DIR, or a
RUN_DIR with its mix under RUN_DIR/mix. Queries see the union of their views."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dolmalike.core.errors import DolmalikeError
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.manifests.query import connect


def manifest_dirs(path: str | Path) -> list[Path]:
    root = Path(path)
    if not root.exists():
        raise DolmalikeError(f"no such run directory: {root}")
    dirs = [root]
    mix_json = root / "mix.json"
    if not mix_json.is_file() and (root.parent / "mix.json").is_file():  # MIX_DIR/heldout
        mix_json = root.parent / "mix.json"
    if mix_json.is_file():  # a MIX_DIR: add the run it was mixed from
        run_dir = MixLayout.of(mix_json.parent).source_run()
        if run_dir and run_dir.is_dir():
            dirs.append(run_dir)
    elif (root / "mix" / "mix.json").is_file():
        dirs.append(root / "mix")
    return [d for d in dirs if (d / "manifests").is_dir()] or [root]


def connect_any(path: str | Path) -> duckdb.DuckDBPyConnection:
    return connect(*manifest_dirs(path))
