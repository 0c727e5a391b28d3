"""A spec's `models:` section trains real fastText classifiers before the stages use them."""

import json

import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.query import connect
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

SPEC = """
name: m
inputs: {synthetic: {docs: 300, seed: 4, files: 2}}
models:
  quality:
    pos: ["${synthetic}/labels/quality_good.jsonl"]
    neg: ["${synthetic}/labels/quality_bad.jsonl"]
    dim: 16
    bucket: 20000
stages:
  - extract: {}
  - tag: {taggers: [{quality_v1: {model_path: "${models}/quality.bin"}}]}
"""


def test_models_are_trained_used_and_receipted(tmp_path, tree_bytes):
    (tmp_path / "m.yaml").write_text(SPEC)
    spec = load_spec(tmp_path / "m.yaml")
    a = run_pipeline(spec, tmp_path / "a", ExecConfig(workers=1))
    report = json.loads((a.run_dir / "models" / "quality.json").read_text())
    assert report["holdout"]["precision"] > 0.8 and report["holdout"]["recall"] > 0.8
    receipt = json.loads((a.run_dir / "receipt.json").read_text())
    assert "models/quality.bin" in receipt["outputs"]
    con = connect(a.run_dir)
    # pages the generator labelled good score higher than the bad ones it tags in this crawl
    con.execute(f"CREATE VIEW truth AS SELECT * FROM read_parquet('{a.run_dir}/input/ground_truth.parquet')")
    good, bad = con.execute(
        """SELECT avg(quality_score) FILTER (WHERE t.quality = 'good'), avg(quality_score) FILTER (WHERE t.quality = 'bad')
           FROM attributes_quality_v1 JOIN truth t USING (doc_id)"""
    ).fetchone()
    assert good > bad + 0.3
    b = run_pipeline(spec, tmp_path / "b", ExecConfig(workers=2))
    assert tree_bytes(a.run_dir, ("docs", "manifests", "models")) == tree_bytes(
        b.run_dir, ("docs", "manifests", "models")
    )


def test_models_need_pos_and_neg(tmp_path):
    (tmp_path / "m.yaml").write_text("inputs: [x]\nmodels: {q: {pos: [a]}}\n")
    with pytest.raises(DolmalikeError, match="models.q needs `pos` and `neg`"):
        load_spec(tmp_path / "m.yaml")


def test_undefined_variable_is_a_user_error(tmp_path):
    from dolmalike.runner.spec import resolve_params

    with pytest.raises(DolmalikeError, match=r"\$\{synthetic\} is not defined"):
        resolve_params({"p": "${synthetic}/x"}, {"models": "/m"})
