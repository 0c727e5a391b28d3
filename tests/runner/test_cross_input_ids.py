"""The same record in two inputs: the run stops before the global steps with one line naming
both inputs, instead of keying two documents by one doc_id (dedup kept both copies before)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.query import connect
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

SPEC = "name: s\nstages:\n  - extract: {extractor: resiliparse}\nglobal:\n  - content_dedup: {}\n"


def _spec(tmp_path: Path) -> Path:
    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC)
    return spec


def test_one_warc_under_two_names_is_refused(tmp_path: Path, shared_data: Path) -> None:
    src = shared_data / "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz"
    (tmp_path / "in").mkdir()
    a, b = tmp_path / "in" / "a.warc.gz", tmp_path / "in" / "b.warc.gz"
    shutil.copy(src, a)
    shutil.copy(src, b)
    out = tmp_path / "run"
    p = subprocess.run(
        [
            str(Path(sys.executable).with_name("dolmalike")),
            "run",
            str(_spec(tmp_path)),
            "--out",
            str(out),
            "--input",
            str(a),
            str(b),
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert "read from more than one input" in lines[0]
    assert f"{a}@" in lines[0] and f"{b}@" in lines[0]
    assert not (out / "receipt.json").exists()
    assert not list((out / "manifests").glob("documents/*.parquet"))  # nothing finalized

    # each copy alone is a fine run, and two different inputs pass the check
    other = shared_data / "commoncrawl/CC-MAIN-2019-51-commoncrawl.org-single-response.warc.gz"
    r = run_pipeline(load_spec(_spec(tmp_path), [str(a), str(other)]), tmp_path / "ok", ExecConfig())
    con = connect(r.run_dir)
    n, distinct = con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone()
    assert n == distinct == r.counts["input_records"] > 1


def test_two_dolma_files_repeating_source_and_id(tmp_path: Path) -> None:
    docs = tmp_path / "ds" / "documents"
    docs.mkdir(parents=True)
    for name, texts in (("x", ["alpha one. " * 20, "beta two. " * 20]), ("y", ["gamma three. " * 20])):
        rows = [{"id": f"d{i}", "text": t, "source": "web"} for i, t in enumerate(texts)]
        with gzip.open(docs / f"{name}.jsonl.gz", "wt") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    with pytest.raises(DolmalikeError, match=r"1 record\(s\) were read from more than one input"):
        run_pipeline(load_spec(_spec(tmp_path), [str(docs)]), tmp_path / "run", ExecConfig())
