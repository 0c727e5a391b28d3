"""Issue 3 acceptance on the synthetic crawl's planted ground truth, through a real pipeline run."""

import pyarrow.parquet as pq
import pytest

from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.query import connect
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

SPEC = """
name: gt
seed: 0
inputs: {synthetic: {docs: 600, seed: 11, files: 2}}
stages:
  - extract: {extractor: resiliparse}
  - tag:
      taggers:
        - langid_v1
        - pii_v1
        - decontam_v1: {eval_sets: ["${synthetic}/eval_set.jsonl"]}
"""


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    root = tmp_path_factory.mktemp("gt")
    (root / "gt.yaml").write_text(SPEC)
    r = run_pipeline(load_spec(root / "gt.yaml"), root / "run", ExecConfig(workers=2))
    con = connect(r.run_dir)
    gt = pq.read_table(r.run_dir / "input" / "ground_truth.parquet")
    con.register("truth", gt)
    con.execute(f"CREATE VIEW docs AS SELECT * FROM read_parquet('{r.run_dir}/docs/*.parquet')")
    return con


def test_language_id_accuracy_on_single_language_pages(tagged):
    total, correct = tagged.execute(
        """SELECT count(*), count(*) FILTER (WHERE a.language = t.language)
           FROM truth t JOIN attributes_langid_v1 a USING (doc_id)
           WHERE t.kind = 'normal' AND t.language IS NOT NULL AND t.language != 'la'"""
    ).fetchone()
    assert total > 300
    assert correct / total >= 0.95


def test_pii_email_recall(tagged):
    """Every planted email string must be covered by an email span, at the right offsets."""
    rows = tagged.execute(
        """SELECT t.pii_emails, a.email_spans, d.text
           FROM truth t JOIN attributes_pii_v1 a USING (doc_id) JOIN docs d USING (doc_id)
           WHERE len(t.pii_emails) > 0"""
    ).fetchall()
    planted = hits = 0
    for emails, spans, text in rows:
        found = {text[s["start"] : s["end"]] for s in spans}
        planted += len(emails)
        hits += sum(e in found for e in emails)
    assert planted >= 20
    assert hits / planted >= 0.95


def test_planted_benchmark_passage_is_flagged_with_its_id(tagged):
    planted = tagged.execute(
        "SELECT doc_id, benchmark_id FROM truth WHERE benchmark_id IS NOT NULL"
    ).fetchall()
    assert planted
    flagged = dict(
        tagged.execute(
            "SELECT doc_id, matched_items FROM attributes_decontam_v1 WHERE contaminated"
        ).fetchall()
    )
    for doc_id, bench_id in planted:
        assert bench_id in flagged.get(doc_id, []), (doc_id, bench_id)
    assert len(flagged) <= 2 * len(planted)  # no flood of false positives
