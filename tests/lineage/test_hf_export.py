"""`dolmalike export --format hf`: Hugging Face `datasets` (the real library, offline, local files only)
loads the typed Parquet: fetch_date as a timestamp, each stage's decision details as a struct."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from dolmalike.exec.executor import ExecConfig
from dolmalike.lineage.hf_export import export_hf, parse_fetch_date
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


def test_fetch_date_parsing() -> None:
    assert parse_fetch_date("2019-07-17T13:39:42.000Z") == datetime(
        2019, 7, 17, 13, 39, 42, tzinfo=timezone.utc
    )
    assert parse_fetch_date("2023-01-27T21:38:46+02:00") == datetime(
        2023, 1, 27, 19, 38, 46, tzinfo=timezone.utc
    )
    assert parse_fetch_date("2023-01-27T21:38:46") == datetime(2023, 1, 27, 21, 38, 46, tzinfo=timezone.utc)
    assert parse_fetch_date("yesterday") is None and parse_fetch_date(None) is None


def test_datasets_loads_typed_documents_and_details(hf_export, tmp_path: Path) -> None:
    run_dir, out, report = hf_export
    con = connect(run_dir)
    docs = _load(sorted((out / "documents").glob("*.parquet")), tmp_path / "cache")
    assert len(docs) == con.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert isinstance(docs.features["fetch_date"], datasets.Value) and docs.features[
        "fetch_date"
    ].dtype.startswith("timestamp[us")
    raw = dict(con.execute("SELECT doc_id, fetch_date FROM documents").fetchall())
    dated = [r for r in docs if r["fetch_date"] is not None]
    assert len(dated) == sum(1 for v in raw.values() if v) > 0
    for r in dated:
        assert isinstance(r["fetch_date"], datetime)
        assert r["fetch_date"].replace(tzinfo=timezone.utc) == parse_fetch_date(raw[r["doc_id"]])
    assert report["unparsed_fetch_dates"] == 0
    assert {"c4_clean", "pii_mask", "content_dedup"} <= set(report["typed_detail"])
    # c4_clean: the per-rule counts are struct fields, equal to the JSON the manifest holds
    c4 = _load(sorted((out / "decisions" / "c4_clean").glob("*.parquet")), tmp_path / "cache")
    assert isinstance(c4.features["detail"], dict)
    rows = con.execute(
        "SELECT doc_id, seq, detail FROM decisions WHERE stage = 'c4_clean' AND detail IS NOT NULL"
    ).fetchall()
    want = {(d, s): json.loads(j) for d, s, j in rows}
    got = {(r["doc_id"], r["seq"]): r["detail"] for r in c4 if r["detail"] is not None}
    assert len(got) == len(want) > 0
    for key, detail in want.items():
        typed = got[key]
        assert {k: v for k, v in typed.items() if v is not None}.keys() >= detail.keys()
        for k, v in detail.items():
            if isinstance(v, dict):
                assert {kk: vv for kk, vv in typed[k].items() if vv is not None} == v
            else:
                assert typed[k] == v
    pii = _load(sorted((out / "decisions" / "pii_mask").glob("*.parquet")), tmp_path / "cache")
    masked = [r for r in pii if r["detail"] is not None]
    assert masked and all(
        isinstance(x["start"], int) and x["type"] for r in masked for x in r["detail"]["replacements"]
    )
    texts = _load(sorted((out / "docs").glob("*.parquet")), tmp_path / "cache")
    n_texts = sum(pq.read_metadata(p).num_rows for p in (run_dir / "docs").glob("*.parquet"))
    assert len(texts) == n_texts > 0 and texts.features["text"].dtype == "string"


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
