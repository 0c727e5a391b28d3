import json
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest
from mix_fixture_run import attrs, run_cli, write_spec

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.mix import find_mix_dir, trace
from dolmalike.runner.build_mix import build_mix

SPEC = """seed: 9
tokenizer: {tok}
shard_tokens: 3000
heldout_fraction: 0.15
sources:
  - name: en
    where: {{attr: langid_v1.language, eq: en}}
  - name: rest
    repeat: 2
"""


@pytest.fixture(scope="module")
def traced(tok_run, shared_data, tmp_path_factory):
    """A copy of the run with its mix in RUN_DIR/mix (the layout `dolmalike run` makes)."""
    src_run, kept = tok_run
    run_dir = tmp_path_factory.mktemp("trace") / "run"
    shutil.copytree(src_run, run_dir)
    spec = write_spec(run_dir.parent / "mix.yaml", SPEC.format(tok=shared_data / "tokenizers" / "gpt2.json"))
    mix = build_mix(run_dir, spec, run_dir / "mix")
    return run_dir, mix, kept


def sidecar(mix, shard, split="shards"):
    return pq.read_table(mix / split / f"shard-{shard:05d}.parquet").to_pylist()


def expected(rows, a, b):
    out = []
    for r in rows:
        if r["start"] < b and r["end"] + 1 > a:
            lo, hi = max(a, r["start"]), min(b, r["end"] + 1)
            out.append(
                (
                    r["doc_id"],
                    r["repetition"],
                    lo,
                    hi,
                    lo - r["start"],
                    min(hi, r["end"]) - r["start"],
                    hi > r["end"],
                )
            )
    return out


def got(result):
    return [(d["doc_id"], d["repetition"], d["overlap_start"], d["overlap_end"], d["doc_token_start"],
             d["doc_token_end"], d["includes_eos"]) for d in result["documents"]]  # fmt: skip


def test_ranges_spanning_document_boundaries(traced):
    _, mix, _ = traced
    rows = sidecar(mix, 0)
    i = next(
        i
        for i in range(len(rows) - 2)
        if min(rows[i]["end"] - rows[i]["start"], rows[i + 2]["end"] - rows[i + 2]["start"]) >= 3
    )
    r0, r1, r2 = rows[i], rows[i + 1], rows[i + 2]
    # from inside doc 0, across doc 1, into doc 2
    a, b = r0["end"] - 2, r2["start"] + 3
    res = trace(mix, 0, a, b)
    assert got(res) == [
        (
            r0["doc_id"],
            r0["repetition"],
            a,
            r0["end"] + 1,
            r0["end"] - 2 - r0["start"],
            r0["end"] - r0["start"],
            True,
        ),
        (r1["doc_id"], r1["repetition"], r1["start"], r1["end"] + 1, 0, r1["end"] - r1["start"], True),
        (r2["doc_id"], r2["repetition"], r2["start"], b, 0, 3, False),
    ]
    # a range holding only doc 0's EOS names doc 0 and no token of it
    only_eos = trace(mix, 0, r0["end"], r0["end"] + 1)
    assert got(only_eos) == [(r0["doc_id"], r0["repetition"], r0["end"], r0["end"] + 1, r0["end"] - r0["start"],
                              r0["end"] - r0["start"], True)]  # fmt: skip


def test_random_ranges_match_a_brute_force_scan(traced):
    _, mix, _ = traced
    meta = json.loads((mix / "shards" / "meta.json").read_text())
    rng = np.random.default_rng(0)
    for _ in range(25):
        k = int(rng.integers(len(meta["shards"])))
        n = meta["shards"][k]["tokens"]
        a = int(rng.integers(n))
        b = int(min(n, a + rng.integers(1, 1500)))
        assert got(trace(mix, k, a, b)) == expected(sidecar(mix, k), a, b)
    last = len(meta["shards"]) - 1  # the very end of the last shard
    n = meta["shards"][last]["tokens"]
    assert got(trace(mix, last, n - 1, n)) == expected(sidecar(mix, last), n - 1, n)


def test_provenance_tags_dedup_and_rule(traced):
    run_dir, mix, kept = traced
    rows = sidecar(mix, 1)
    res = trace(run_dir, 1, rows[0]["start"], rows[0]["end"], text=True)  # RUN_DIR -> RUN_DIR/mix
    [d] = res["documents"]
    doc = kept[d["doc_id"]]
    p = d["provenance"]
    assert (
        p["url"],
        p["warc_path"],
        p["warc_offset"],
        p["crawl"],
        p["partition"],
        p["ordinal"],
        p["status"],
    ) == (doc.url, doc.warc_path, doc.warc_offset, doc.crawl, doc.partition, doc.ordinal, "kept")
    a = attrs(doc)
    assert d["tags"]["langid_v1"]["language"] == a["language"]
    assert d["tags"]["quality_v1"]["quality_score"] == pytest.approx(a["quality_score"])
    assert ("gopher_quality_v1" in d["tags"]) == (doc.ordinal % 2 == 0)
    assert d["dedup"] == [{"method": "minhash", "cluster_id": f"c{doc.ordinal // 4}", "cluster_size": 4,
                           "representative_id": d["dedup"][0]["representative_id"], "jaccard": 0.9}]  # fmt: skip
    assert d["mix_source"] == ("en" if a["language"] == "en" else "rest")
    assert d["rule"] == ('langid_v1.language eq "en"' if a["language"] == "en" else "all kept documents")
    assert res["text"] == doc.text  # gpt2 does not normalize


def test_heldout_split_and_missing_index(traced, tmp_path):
    run_dir, mix, _ = traced
    held = sidecar(mix, 0, "heldout")
    r = held[0]
    for res in (
        trace(mix / "heldout", 0, r["start"], r["end"] + 1),
        trace(mix, 0, r["start"], r["end"] + 1, split="heldout"),
    ):
        assert res["split"] == "heldout" and got(res) == expected(held, r["start"], r["end"] + 1)
    # without the trace index, the sidecar and whole-table scans give the same answer
    # (the run moves with its mix: mix.json names the RUN_DIR relative to MIX_DIR)
    shutil.copytree(run_dir, tmp_path / "run", ignore=shutil.ignore_patterns("work"))
    copy = tmp_path / "run" / "mix"
    shutil.rmtree(copy / "index")
    rows = sidecar(mix, 0)
    a, b = rows[1]["start"] + 1, rows[3]["end"]
    assert trace(copy, 0, a, b)["documents"] == trace(mix, 0, a, b)["documents"]


def test_errors(traced, tmp_path):
    run_dir, mix, _ = traced
    meta = json.loads((mix / "shards" / "meta.json").read_text())
    n = meta["shards"][0]["tokens"]
    with pytest.raises(DolmalikeError, match=r"shard 99 out of range: the train split has shards 0\.\."):
        trace(mix, 99, 0, 1)
    with pytest.raises(DolmalikeError, match=f"not inside shard 0 of {n} tokens"):
        trace(mix, 0, 5, n + 1)
    with pytest.raises(DolmalikeError, match="need 0 <= start < end"):
        trace(mix, 0, 5, 5)
    with pytest.raises(DolmalikeError, match="is not a MIX_DIR"):
        find_mix_dir(tmp_path)
    assert find_mix_dir(run_dir) == (run_dir / "mix", "train")


def test_cli(traced, capsys):
    run_dir, mix, kept = traced
    r = sidecar(mix, 0)[0]
    assert (
        run_cli(
            [
                "trace",
                str(mix),
                "--shard",
                "0",
                "--start",
                str(r["start"]),
                "--end",
                str(r["end"] + 1),
                "--text",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    doc = kept[r["doc_id"]]
    assert (
        f"{r['doc_id']}  tokens [{r['start']}, {r['end'] + 1}) = doc tokens [0, {r['end'] - r['start']}) + EOS"
        in out
    )
    assert f"url:    {doc.url}" in out and f"{doc.warc_path} @ {doc.warc_offset}" in out
    assert out.rstrip().endswith(doc.text.rstrip() + "<|endoftext|>")
    assert run_cli(["trace", str(run_dir), "--shard", "0", "--start", "0", "--end", "2", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["documents"][0]["doc_id"] == r["doc_id"]
