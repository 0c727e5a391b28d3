"""Hugging Face `datasets` (the real library, offline, local files only) loads a run's own Parquet
typed: fetch_date a timestamp, each stage's decision detail its struct, the fixed metadata keys a
struct; `dolmalike export --format hf` lays the same files out one folder per table."""

from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from dolmalike.core.dates import parse_fetch_date
from dolmalike.exec.executor import ExecConfig
from dolmalike.lineage.hf_export import export_hf
from dolmalike.manifests.query import connect
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

SPEC = """name: hf
seed: 0
inputs: {synthetic: {docs: 240, seed: 3, files: 2}}
stages:
  - extract: {}
  - c4_clean: {}
  - tag: {taggers: [langid_v1]}
  - pii_mask: {}
global:
  - content_dedup: {}
"""


@pytest.fixture(scope="module")
def hf_export(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("hf")
    (tmp / "spec.yaml").write_text(SPEC)
    run_dir = run_pipeline(load_spec(tmp / "spec.yaml"), tmp / "run", ExecConfig(workers=1)).run_dir
    out = tmp / "hf"
    report = export_hf(run_dir, out)
    return run_dir, out, report


def _load(files: list[Path], cache: Path):
    return datasets.load_dataset(
        "parquet", data_files=[str(f) for f in files], split="train", cache_dir=str(cache)
    )


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Local files only: no hub, and HF's own caches inside the test's tmp dir."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _parts(d: Path) -> list[Path]:
    return sorted(d.glob("*.parquet"))


def test_datasets_loads_the_run_dirs_own_typed_files(hf_export, tmp_path: Path) -> None:
    """No export needed: docs/ and the manifests are typed as written."""
    run_dir, _, _ = hf_export
    con = connect(run_dir)
    cache = tmp_path / "cache"
    docs = _load(_parts(run_dir / "manifests" / "documents"), cache)
    assert len(docs) == con.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert docs.features["fetch_date"] == datasets.Value("timestamp[us, tz=UTC]")
    assert docs.features["fetch_date_raw"] == datasets.Value("string")
    dated = [r for r in docs if r["fetch_date"] is not None]
    assert len(dated) == sum(1 for r in docs if r["fetch_date_raw"]) > 0
    for r in dated:
        assert r["fetch_date"].replace(tzinfo=timezone.utc) == parse_fetch_date(r["fetch_date_raw"])
    texts = _load(_parts(run_dir / "docs"), cache)
    assert texts.features["fetch_date"] == datasets.Value("timestamp[us, tz=UTC]")
    assert texts.features["metadata"]["http_status"] == datasets.Value("int64")
    assert texts.features["metadata"]["charset"] == datasets.Value("string")
    assert texts.features["metadata_json"] == datasets.Value("string")
    assert len(texts) > 0 and all(
        r["metadata"]["http_status"] == 200 and r["metadata"]["charset"] for r in texts
    )
    stream = run_dir / "manifests" / "decisions" / "stream"
    # c4_clean: the declared struct; its non-null fields are what the `decisions` view renders as JSON
    c4 = _load(_parts(stream / "c4_clean"), cache)
    assert c4.features["detail"]["rules"]["policy"]["chars"] == datasets.Value("int64")
    assert c4.features["detail"]["line"] == datasets.Value("int64")
    want = {
        (d, s): json.loads(j)
        for d, s, j in con.execute(
            "SELECT doc_id, seq, detail FROM decisions WHERE stage = 'c4_clean' AND detail IS NOT NULL"
        ).fetchall()
    }
    got = {(r["doc_id"], r["seq"]): _non_null(r["detail"]) for r in c4 if r["detail"] is not None}
    assert got == want and any("rules" in v for v in want.values())
    pii = _load(_parts(stream / "pii_mask"), cache)
    masked = [r for r in pii if r["detail"] is not None]
    assert masked and all(
        isinstance(x["start"], int) and x["type"] for r in masked for x in r["detail"]["replacements"]
    )
    dedup = _load(_parts(run_dir / "manifests" / "decisions" / "content_dedup"), cache)
    assert dedup.features["detail"]["cluster_size"] == datasets.Value("int64")
    # a stage with no fixed detail keeps JSON text
    assert _load(_parts(stream / "extract"), cache).features["detail"] == datasets.Value("string")


def _non_null(v):
    if isinstance(v, dict):
        return {k: _non_null(x) for k, x in v.items() if x is not None}
    return v


def test_hf_export_is_one_folder_per_table(hf_export, tmp_path: Path) -> None:
    run_dir, out, report = hf_export
    assert report["unparsed_fetch_dates"] == 0
    assert {"c4_clean", "pii_mask", "content_dedup"} <= set(report["typed_detail"])
    assert {"extract", "tag"} <= set(report["json_detail"])
    for stage in report["typed_detail"] + report["json_detail"]:
        parts = [p for p in _parts(out / "decisions" / stage) if pq.read_metadata(p).num_rows]
        if parts:  # datasets refuses a split of no rows
            assert set(_load(parts, tmp_path / "cache")["stage"]) == {stage}
    docs = _load(_parts(out / "documents"), tmp_path / "cache")
    assert docs.features["fetch_date"] == datasets.Value("timestamp[us, tz=UTC]")
    n_texts = sum(pq.read_metadata(p).num_rows for p in _parts(run_dir / "docs"))
    assert len(_load(_parts(out / "docs"), tmp_path / "cache")) == n_texts > 0


def test_export_cli(hf_export, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dolmalike.cli.main import main

    run_dir, out, report = hf_export
    assert main(["export", str(run_dir), "--format", "hf", "--out", str(tmp_path / "hf"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["typed_detail"] == report["typed_detail"]
    assert sorted(p.name for p in (tmp_path / "hf").iterdir()) == sorted(p.name for p in out.iterdir())
    assert main(["export", str(run_dir), "--out", str(tmp_path / "dolma")]) == 0
    assert "documents, attribute sets: dolmalike_fate, langid_v1" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad:  # argparse's usage error
        main(["export", str(tmp_path / "nope"), "--format", "hf", "--out", str(tmp_path / "x")])
    assert bad.value.code == 2 and "not a directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["export", str(tmp_path / "empty"), "--out", str(tmp_path / "y")]) == 2
    assert "no documents" in capsys.readouterr().err
