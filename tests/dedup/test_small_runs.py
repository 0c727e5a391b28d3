"""Edge cases on hand-made runs: keep-rule ties, missing dates, empty partitions, verify off."""

from __future__ import annotations

import pyarrow.parquet as pq

from dolmalike.core.decision import Decision
from dolmalike.core.document import Document
from dolmalike.dedup.evaluate import shingle_set
from dolmalike.dedup.steps import ContentDedup, MinHashDedup, UrlDedup
from dolmalike.dedup.survivors import dropped_doc_ids, surviving_doc_ids
from dolmalike.exec.executor import ExecConfig
from dolmalike.io.docstore import write_docs
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.writer import write_decisions


def _write(layout, partition, docs):
    for k, d in enumerate(docs):
        d.partition, d.ordinal = partition, k
    write_docs(layout.doc_part(partition), docs)


def _dedup(layout, step, partition):
    return {
        r["doc_id"]: r
        for r in pq.read_table(layout.table_dir("dedup") / step / f"{partition}.parquet").to_pylist()
    }


def test_exact_keep_rule_ties_and_missing_dates(tmp_path):
    layout = RunLayout.of(tmp_path)
    day = "2024-01-02T00:00:00Z"
    _write(
        layout,
        "p1",
        [
            Document("bbb", text="x", url="https://a.example/", fetch_date_raw=day),
            Document(
                "zzz", text="y", url="https://a.example", fetch_date_raw=None
            ),  # no date: never kept first
            Document("noid", text="z", url=None, fetch_date_raw="2000-01-01T00:00:00Z"),
        ],
    )
    _write(layout, "p0", [Document("aaa", text="w", url="https://A.example:443/#x", fetch_date_raw=day)])
    _write(layout, "p2", [])
    UrlDedup(shards=3).run(layout, ["p1", "p0", "p2"], 1, ExecConfig())
    p1, p0 = _dedup(layout, "url_dedup", "p1"), _dedup(layout, "url_dedup", "p0")
    assert p0["aaa"]["representative_id"] == "aaa" and p0["aaa"]["cluster_size"] == 3  # same date: smaller id
    assert p1["bbb"]["representative_id"] == "aaa" and p1["zzz"]["representative_id"] == "aaa"
    assert p1["noid"]["cluster_size"] == 1  # documents without a URL are never URL duplicates
    assert surviving_doc_ids(layout, "p1", 2) == ["noid"]
    assert dropped_doc_ids(layout, "p1", 1) == set()  # only earlier phases count
    assert pq.read_table(layout.table_dir("dedup") / "url_dedup" / "p2.parquet").num_rows == 0


def test_content_dedup_skips_docs_dropped_earlier(tmp_path):
    layout = RunLayout.of(tmp_path)
    _write(
        layout,
        "p",
        [Document("a", text="Same text"), Document("b", text="same  TEXT"), Document("c", text="SAME text")],
    )
    write_decisions(
        layout, "earlier", 1, "p", [Decision("a", "earlier", "kept"), Decision("b", "earlier", "dropped")]
    )
    ContentDedup().run(layout, ["p"], 2, ExecConfig())
    rows = _dedup(layout, "content_dedup", "p")
    assert set(rows) == {"a", "c"}
    assert rows["c"]["representative_id"] == "a" and rows["c"]["cluster_size"] == 2


def _variant(words: list[str], k: int) -> str:
    w = list(words)
    w[k * 37 % len(w)] = "changed"
    return " ".join(w)


def test_minhash_verify_off_is_pure_lsh_and_empty_texts_never_cluster(tmp_path, real_texts):
    base = real_texts[5].split()[:300]
    docs = [Document(f"d{k}", text=_variant(base, k), fetch_date_raw=f"2024-01-0{k + 1}") for k in range(4)]
    docs += [Document("e1", text=""), Document("e2", text="  ")]
    docs += [Document(f"u{k}", text=real_texts[10 + k]) for k in range(3)]
    for verify in (True, False):
        layout = RunLayout.of(tmp_path / str(verify))
        _write(layout, "p", [Document(d.doc_id, text=d.text, fetch_date_raw=d.fetch_date_raw) for d in docs])
        MinHashDedup(verify=verify).run(layout, ["p"], 1, ExecConfig())
        rows = _dedup(layout, "minhash_dedup", "p")
        assert {rows[f"d{k}"]["representative_id"] for k in range(4)} == {"d0"}
        assert rows["e1"]["cluster_size"] == 1 and rows["e2"]["cluster_size"] == 1
        assert all(rows[f"u{k}"]["cluster_size"] == 1 for k in range(3))
        assert (layout.work / "minhash_dedup" / "shingles").exists() == verify
        # verify on: the exact Jaccard; off: the signature estimate, and the reason says which
        reasons = pq.read_table(layout.table_dir("decisions") / "minhash_dedup" / "p.parquet").to_pylist()
        reason = next(r["reason"] for r in reasons if r["doc_id"] == "d1")
        j = rows["d1"]["jaccard"]
        assert reason == f"near-duplicate of d0 (jaccard{'=' if verify else '≈'}{j:.2f})"
        if verify:
            a, b = shingle_set(docs[1].text), shingle_set(docs[0].text)
            assert j == len(a & b) / len(a | b)


# Spellings of fetch dates that string order gets wrong: the same instant written two ways
# (".000000+00:00" sorts before "Z"), and an offset ("14:10+02:00" is 12:10Z, before 12:15Z).
SAME_INSTANT = ("2019-07-17T12:15:59Z", "2019-07-17T12:15:59.000000+00:00")
EARLIER_WITH_OFFSET = "2019-07-17T14:10:00+02:00"


def test_keep_rule_sorts_on_the_timestamp_not_the_string(tmp_path, real_texts):
    # by string, b1 (".000000+00:00" < "Z") and a2 ("12:15" < "14:10") would be kept
    assert sorted([SAME_INSTANT[1], SAME_INSTANT[0]])[0] == SAME_INSTANT[1]
    assert min(SAME_INSTANT[0], EARLIER_WITH_OFFSET) == SAME_INSTANT[0]
    layout = RunLayout.of(tmp_path / "exact")
    docs = [
        Document("b1", text="one", url="https://x.example/", fetch_date_raw=SAME_INSTANT[1]),
        Document("a1", text="two", url="https://x.example/", fetch_date_raw=SAME_INSTANT[0]),
        Document(
            "0bad", text="three", url="https://x.example/", fetch_date_raw="yesterday"
        ),  # unparsed: last
        Document("a2", text="four", url="https://y.example/", fetch_date_raw=SAME_INSTANT[0]),
        Document("c2", text="five", url="https://y.example/", fetch_date_raw=EARLIER_WITH_OFFSET),
    ]
    _write(layout, "p", docs)
    UrlDedup(shards=2).run(layout, ["p"], 1, ExecConfig())
    rows = _dedup(layout, "url_dedup", "p")
    assert {d: rows[d]["representative_id"] for d in ("b1", "a1", "0bad")} == dict.fromkeys(
        ("b1", "a1", "0bad"), "a1"
    )
    assert rows["a2"]["representative_id"] == rows["c2"]["representative_id"] == "c2"
    stored = pq.read_table(
        layout.doc_part("p"), columns=["doc_id", "fetch_date", "fetch_date_raw"]
    ).to_pylist()
    assert [r["fetch_date_raw"] for r in stored] == [d.fetch_date_raw for d in docs]  # raw kept as read
    assert stored[2]["fetch_date"] is None and stored[0]["fetch_date"] == stored[1]["fetch_date"]
    # MinHash: the same rule over near-duplicate texts
    base = real_texts[5].split()[:300]
    dates = [SAME_INSTANT[1], SAME_INSTANT[0], "yesterday"]
    near = [
        Document(i, text=_variant(base, k), fetch_date_raw=f)
        for k, (i, f) in enumerate(zip(("b", "a", "0"), dates))
    ]
    layout = RunLayout.of(tmp_path / "minhash")
    _write(layout, "p", near)
    MinHashDedup().run(layout, ["p"], 1, ExecConfig())
    assert {r["representative_id"] for r in _dedup(layout, "minhash_dedup", "p").values()} == {"a"}
