"""A RUN_DIR written by an older manifest schema is refused with one line, not resumed into a
traceback (finalize met work files without the new columns), and --force rebuilds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.schema import SCHEMA_VERSION
from dolmalike.exec.executor import ExecConfig
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec


def test_older_schema_dir_is_refused_then_rebuilt_with_force(tmp_path: Path, shared_data: Path) -> None:
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text("name: s\nstages:\n  - extract: {extractor: resiliparse}\n")
    spec = load_spec(spec_file, [str(shared_data / "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz")])
    first = run_pipeline(spec, tmp_path / "run", ExecConfig())
    resolved = first.run_dir / "spec.resolved.json"
    stored = json.loads(resolved.read_text())
    assert stored["manifest_schema"] == SCHEMA_VERSION
    run_pipeline(spec, tmp_path / "run", ExecConfig())  # same schema and config: resumes

    del stored["manifest_schema"]  # as written before the key existed (schema 1)
    resolved.write_text(json.dumps(stored))
    with pytest.raises(DolmalikeError, match=rf"older dolmalike \(manifest schema 1, now {SCHEMA_VERSION}\)"):
        run_pipeline(spec, tmp_path / "run", ExecConfig())
    again = run_pipeline(spec, tmp_path / "run", ExecConfig(), force=True)
    assert again.counts == first.counts
    assert json.loads(resolved.read_text())["manifest_schema"] == SCHEMA_VERSION
