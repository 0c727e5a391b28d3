"""Near-dup accuracy on the synthetic crawl: dolmalike MinHash dedup vs datasketch MinHashLSH.

    python benchmarks/bench_dedup_accuracy.py [--quick] [--docs N]

Ground truth is exact word-5-gram Jaccard (dolmalike.dedup.evaluate): a pair is a true
near-duplicate at J >= 0.8.
(a) pairwise, over every pair of documents inside a predicted cluster:
  planted P/R   pairs inside the generator's planted duplicate groups (exact + near): precision =
                co-clustered planted pairs at J >= 0.8 / co-clustered planted pairs, recall =
                co-clustered planted pairs at J >= 0.8 / planted pairs at J >= 0.8
  all-pairs P   every co-clustered pair anywhere, checked against its exact Jaccard
(b) per dropped document (what dedup actually does: drop a doc in favour of its representative):
  drop P        dropped docs whose exact J to their representative is >= 0.8 / dropped docs
  drop R        docs with a J >= 0.8 duplicate earlier in keep order (earliest fetch_date, then
                smallest doc_id; all pairs, planted or not) that were dropped / such docs
  left          true pairs (J >= 0.8) with both documents kept
With verify on, dolmalike's clusters are verified stars: every member is >= 0.8 to its
representative, so drop P is 1 by construction; two members of one star may still be < 0.8 to
each other, which pairwise precision counts against it. verify off and datasketch cluster by
connected components (transitive: A~B~C drops C for A even when J(A, C) < 0.8).
Baseline, measured in the same run: datasketch MinHash (its own sha1 hashing, update_batch)
in a MinHashLSH index with the same 14 bands × 8 rows, query-then-insert, union-find, with the
keep-rule representative.
Also printed: the mean |estimate − exact Jaccard| of both MinHash implementations on the
planted near-duplicate pairs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from _dedup_common import write_run
from datasketch import MinHash, MinHashLSH

from dolmalike.dedup.evaluate import cluster_pairs, exact_similar_pairs, score_pairs, shingle_set
from dolmalike.dedup.minhash import MinHasher, estimate_jaccard
from dolmalike.dedup.results import keep_order
from dolmalike.dedup.shingles import shingle_hashes
from dolmalike.dedup.steps import MinHashDedup
from dolmalike.dedup.unionfind import UnionFind
from dolmalike.exec.executor import ExecConfig

BANDS, ROWS = 14, 8


def _grams(text: str) -> list[bytes]:
    return [" ".join(g).encode() for g in shingle_set(text)]


def datasketch_clusters(meta: list) -> tuple[list[list[str]], dict[str, MinHash], float]:
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=BANDS * ROWS, params=(BANDS, ROWS))
    uf, sketches = UnionFind(), {}
    for k, m in enumerate(meta):
        doc_id, grams = m.doc_id, _grams(m.text)
        if not grams:
            continue
        sketch = MinHash(num_perm=BANDS * ROWS, seed=1)
        sketch.update_batch(grams)
        sketches[doc_id] = sketch
        for other in lsh.query(sketch):
            uf.union(k, other)
        lsh.insert(k, sketch, check_duplication=False)
    groups: dict[int, list[str]] = {}
    for k in list(uf.parent):
        groups.setdefault(uf.find(k), []).append(meta[k].doc_id)
    return list(groups.values()), sketches, time.perf_counter() - t0


def ours_clusters(layout, parts: list[str], verify: bool) -> tuple[list[list[str]], dict[str, str], float]:
    """Multi-doc clusters, each member's representative (from the manifest), seconds."""
    t0 = time.perf_counter()
    step = MinHashDedup(name=f"minhash_verify_{verify}", bands=BANDS, rows=ROWS, verify=verify)
    step.run(layout, parts, 1, ExecConfig(workers=1))
    seconds = time.perf_counter() - t0
    groups: dict[str, list[str]] = {}
    rep_of: dict[str, str] = {}
    for f in sorted((layout.table_dir("dedup") / step.name).glob("*.parquet")):
        for r in pq.read_table(f, columns=["doc_id", "cluster_id", "representative_id"]).to_pylist():
            groups.setdefault(r["cluster_id"], []).append(r["doc_id"])
            rep_of[r["doc_id"]] = r["representative_id"]
    return [g for g in groups.values() if len(g) > 1], rep_of, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1500 documents")
    ap.add_argument("--docs", type=int, default=None, help="default 8000 (1500 with --quick)")
    args = ap.parse_args()
    n_docs = args.docs or (1500 if args.quick else 8000)
    with tempfile.TemporaryDirectory() as tmp:
        layout, parts, meta = write_run(Path(tmp) / "run", n_docs, seed=1, n_partitions=4)
        texts = {m.doc_id: m.text for m in meta}
        keys = {m.doc_id: keep_order(m.fetch_date, m.doc_id) for m in meta}
        sets = {d: shingle_set(t) for d, t in texts.items()}

        def jac(a: str, b: str) -> float:
            u = len(sets[a] | sets[b])
            return len(sets[a] & sets[b]) / u if u else 0.0

        groups: dict[str, list[str]] = {}
        for m in meta:
            if m.dup_group is not None:
                groups.setdefault(m.dup_group, []).append(m.doc_id)
        planted = {p for g in groups.values() for p in combinations(sorted(g), 2)}
        truth = {p for p in planted if jac(*p) >= 0.8}
        all_true = exact_similar_pairs(texts, threshold=0.8)
        has_earlier_dup = {max(pair, key=keys.__getitem__) for pair in all_true}

        results = {}
        for verify in (True, False):
            results[f"dolmalike MinHash (verify={verify})"] = ours_clusters(layout, parts, verify)
        ds_clusters, sketches, ds_secs = datasketch_clusters(meta)
        ds_rep = {d: min(c, key=keys.__getitem__) for c in ds_clusters for d in c}
        results["datasketch MinHashLSH"] = (ds_clusters, ds_rep, ds_secs)

        print(f"documents: {len(meta)} with text, planted groups: {len(groups)}, "
              f"planted pairs: {len(planted)} ({len(truth)} at J >= 0.8); all pairs at J >= 0.8: "
              f"{len(all_true)}, docs with an earlier J >= 0.8 duplicate: {len(has_earlier_dup)}")  # fmt: skip
        # a planted group is an original plus variants each >= 0.8 to it; two variants may be < 0.8 to
        # each other, so any clustering that drops every variant for its original scores this
        print(f"planted P when every planted group is one cluster: {len(truth) / len(planted):.3f} "
              f"({len(planted) - len(truth)} planted pairs below 0.8)")  # fmt: skip
        print(
            f"{'method':34s} {'planted P':>9s} {'planted R':>9s} {'all-pairs P':>11s} "
            f"{'drop P':>7s} {'drop R':>7s} {'dropped':>7s} {'left':>5s} {'pairs':>6s} {'seconds':>8s}"
        )
        for name, (clusters, rep_of, secs) in results.items():
            pred = cluster_pairs(clusters)
            s = score_pairs(pred & planted, truth)
            all_p = sum(jac(a, b) >= 0.8 for a, b in pred) / len(pred) if pred else 1.0
            dropped = {d: rep for d, rep in rep_of.items() if d != rep}
            drop_p = sum(jac(d, rep) >= 0.8 for d, rep in dropped.items()) / len(dropped) if dropped else 1.0
            drop_r = len(has_earlier_dup & dropped.keys()) / len(has_earlier_dup) if has_earlier_dup else 1.0
            left = sum(a not in dropped and b not in dropped for a, b in all_true)
            print(
                f"{name:34s} {s.precision:9.3f} {s.recall:9.3f} {all_p:11.3f} {drop_p:7.3f} {drop_r:7.3f} "
                f"{len(dropped):7d} {left:5d} {len(pred):6d} {secs:8.1f}"
            )

        hasher = MinHasher(BANDS * ROWS, seed=1)
        err_ours, err_ds, expected = [], [], []
        for m in meta:
            doc_id, dup_of = m.doc_id, m.dup_of
            if m.dup_kind == "near" and dup_of in texts:
                exact = jac(doc_id, dup_of)
                a, b = (hasher.signature(shingle_hashes(texts[d])) for d in (doc_id, dup_of))
                err_ours.append(abs(estimate_jaccard(a, b) - exact))
                err_ds.append(abs(sketches[doc_id].jaccard(sketches[dup_of]) - exact))
                # E|estimate - J| of a binomial(num_perm, J) fraction, normal approximation
                expected.append(np.sqrt(exact * (1 - exact) / (BANDS * ROWS)) * np.sqrt(2 / np.pi))
        print(f"mean |estimate - exact J| on {len(err_ours)} planted near-dup pairs: "
              f"dolmalike {np.mean(err_ours):.4f}, datasketch {np.mean(err_ds):.4f}, "
              f"binomial expectation {np.mean(expected):.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
