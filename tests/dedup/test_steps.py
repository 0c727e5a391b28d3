"""The dedup global steps end to end on the planted crawl (see conftest.py)."""

from __future__ import annotations

import pyarrow.parquet as pq

from dolmalike.dedup.evaluate import cluster_pairs, score_pairs, shingle_set
from dolmalike.dedup.minhash_tasks import read_stats
from dolmalike.dedup.results import keep_order
from dolmalike.dedup.steps import MinHashDedup
from dolmalike.dedup.survivors import surviving_doc_ids
from dolmalike.exec.executor import ExecConfig

from .helpers import clusters_of, rows, run_all


def test_one_dedup_row_and_decision_per_seen_doc_in_input_order(run, crawl):
    for phase, step in ((1, "url_dedup"), (2, "content_dedup"), (4, "minhash_dedup")):
        for p in sorted(crawl.docs):
            seen = surviving_doc_ids(run, p, phase)
            dedup = pq.read_table(run.table_dir("dedup") / step / f"{p}.parquet")
            dec = pq.read_table(run.table_dir("decisions") / step / f"{p}.parquet")
            assert dedup["doc_id"].to_pylist() == seen
            assert dec["doc_id"].to_pylist() == seen
            assert set(dec["phase"].to_pylist()) == {phase} and dec["seq"].to_pylist() == list(
                range(len(seen))
            )
    # each later step saw exactly the docs the earlier ones did not drop
    n_docs = len(crawl.all_docs())
    url_dropped = sum(r["decision"] == "dropped" for r in rows(run, "decisions", "url_dedup"))
    assert len(rows(run, "dedup", "content_dedup")) == n_docs - url_dropped


def test_singletons_are_their_own_representative(run):
    for r in rows(run, "dedup", "minhash_dedup"):
        if r["cluster_size"] == 1:
            assert r["representative_id"] == r["doc_id"] and r["jaccard"] == 1.0
            assert r["cluster_id"] == f"minhash_dedup:{r['doc_id']}"


def test_url_dedup_finds_refetched_urls(run, crawl):
    member = {r["doc_id"]: r for r in rows(run, "dedup", "url_dedup")}
    assert len(crawl.url_dup_of) >= 10
    for dup, orig in crawl.url_dup_of.items():
        assert member[dup]["cluster_id"] == member[orig]["cluster_id"]
        assert member[dup]["cluster_size"] >= 2
    docs = {d.doc_id: d for d in crawl.all_docs()}
    decisions = {r["doc_id"]: r for r in rows(run, "decisions", "url_dedup")}
    for cluster in clusters_of(run, "url_dedup").values():
        ids = [r["doc_id"] for r in cluster]
        rep = min(ids, key=lambda d: keep_order(docs[d].fetch_date, d))
        for r in cluster:
            assert r["representative_id"] == rep
            dec = decisions[r["doc_id"]]
            if r["doc_id"] == rep:
                assert dec["decision"] == "kept"
            else:
                assert dec["decision"] == "dropped" and dec["reason"] == f"duplicate URL of {rep}"


def test_content_dedup_finds_case_and_whitespace_copies(run, crawl):
    member = {r["doc_id"]: r for r in rows(run, "dedup", "content_dedup")}
    assert len(crawl.exact_dup_of) >= 10
    for dup, orig in crawl.exact_dup_of.items():
        assert member[dup]["cluster_id"] == member[orig]["cluster_id"]
        assert member[dup]["jaccard"] == 1.0
    dropped = [r for r in rows(run, "decisions", "content_dedup") if r["decision"] == "dropped"]
    assert {r["doc_id"] for r in dropped} >= {
        d if member[d]["representative_id"] != d else o for d, o in crawl.exact_dup_of.items()
    }
    assert all(r["reason"].startswith("exact duplicate of ") for r in dropped)


def test_minhash_precision_recall_on_planted_crawl(run, near_dup_truth):
    seen = {r["doc_id"] for r in rows(run, "dedup", "minhash_dedup")}
    truth = {p for p in near_dup_truth if p[0] in seen and p[1] in seen}
    clusters = [[r["doc_id"] for r in c] for c in clusters_of(run, "minhash_dedup").values()]
    scores = score_pairs(cluster_pairs(clusters), truth)
    assert scores.true_pairs >= 150
    assert scores.precision >= 0.95, scores
    assert scores.recall >= 0.95, scores
    stats = read_stats(run, "minhash_dedup")
    assert stats["verified_pairs"] <= stats["candidate_pairs"]
    assert stats["duplicates"] == sum(
        r["decision"] == "dropped" for r in rows(run, "decisions", "minhash_dedup")
    )


def test_minhash_keep_rule_and_reasons(run, crawl):
    docs = {d.doc_id: d for d in crawl.all_docs()}
    decisions = {r["doc_id"]: r for r in rows(run, "decisions", "minhash_dedup")}
    big = [c for c in clusters_of(run, "minhash_dedup").values() if len(c) > 1]
    assert len(big) >= 30
    for cluster in big:
        ids = [r["doc_id"] for r in cluster]
        rep = min(ids, key=lambda d: keep_order(docs[d].fetch_date, d))
        for r in cluster:
            assert r["representative_id"] == rep and r["cluster_size"] == len(ids)
            dec = decisions[r["doc_id"]]
            if r["doc_id"] == rep:
                assert dec["decision"] == "kept" and r["jaccard"] == 1.0
            else:
                assert 0.8 <= r["jaccard"] <= 1.0  # exact: verify is on by default
                assert dec["decision"] == "dropped"
                assert dec["reason"] == f"near-duplicate of {rep} (jaccard={r['jaccard']:.2f})"
                assert dec["score"] == r["jaccard"]


def test_minhash_clusters_are_verified_stars(run, crawl):
    """Real text with planted variants fetched in random order: a variant fetched before its
    original may represent the group, and a sibling variant below 0.8 to it must then not be
    dropped for it. Every dropped doc's exact Jaccard to its representative is ≥ 0.8 and is the
    recorded value."""
    texts = crawl.texts()
    sets = {d: shingle_set(t) for d, t in texts.items()}
    dropped = [r for r in rows(run, "dedup", "minhash_dedup") if r["doc_id"] != r["representative_id"]]
    assert len(dropped) >= 60
    for r in dropped:
        a, b = sets[r["doc_id"]], sets[r["representative_id"]]
        exact = len(a & b) / len(a | b)
        assert exact >= 0.8, (r, exact)
        assert abs(r["jaccard"] - exact) < 1e-12, (r, exact)


def test_workers_1_and_2_are_byte_identical(run, crawl, tmp_path):
    other = run_all(crawl, tmp_path / "run2", workers=2)
    files = sorted(p.relative_to(run.manifests) for p in run.manifests.rglob("*.parquet"))
    assert len(files) == 3 * 3 * 2 + 3  # (dedup + decisions) × 3 methods × 3 partitions + attributes
    assert files == sorted(p.relative_to(other.manifests) for p in other.manifests.rglob("*.parquet"))
    for f in files:
        assert (run.manifests / f).read_bytes() == (other.manifests / f).read_bytes(), f


def test_rerun_is_a_no_op_and_resume_redoes_missing_parts(run, crawl):
    part = run.table_dir("dedup") / "minhash_dedup" / "part-b.parquet"
    before = part.read_bytes()
    mtime = part.stat().st_mtime_ns
    MinHashDedup().run(run, sorted(crawl.docs), 4, ExecConfig())
    assert part.stat().st_mtime_ns == mtime  # every task has its completion marker
    part.unlink()
    run.marker("minhash_dedup.filter", "part-b").unlink()
    MinHashDedup().run(run, sorted(crawl.docs), 4, ExecConfig())
    assert part.read_bytes() == before
