import csv
import gzip
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from mix_fixture_run import attrs, run_cli, write_spec

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import hash_u64, hash_unit
from dolmalike.manifests.dirs import connect_any
from dolmalike.mix.receipt import verify_mix
from dolmalike.runner.build_mix import build_mix

SEED = 11
SPEC = f"""
seed: {SEED}
tokenizer: default
tokenizer_vocab_size: 1024
shard_tokens: 8000
heldout_fraction: 0.1
sources:
  - name: english_hq
    where: {{all: [{{attr: langid_v1.language, eq: en}}, {{attr: gopher_quality_v1.passes, eq: true}}]}}
    target_tokens: 6000
  - name: wiki
    where: {{attr: url, contains: wiki}}
    repeat: 2
  - name: other
    where: {{attr: langid_v1.language, ne: en}}
    proportion: 0.3
  - name: rest
    sample: 0.5
"""
OUTPUTS = ("shards", "heldout", "manifests", "index", "mix.json", "receipt.json", "tokenizer.json")


def all_files(mix_dir):
    files = {}
    for name in OUTPUTS:
        p = mix_dir / name
        for f in [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file()):
            files[str(f.relative_to(mix_dir))] = f.read_bytes()
    return files


@pytest.fixture(scope="module")
def built(mix_run, tmp_path_factory):
    run_dir, kept = mix_run
    tmp = tmp_path_factory.mktemp("mix_api")
    spec = write_spec(tmp / "mix.yaml", SPEC)
    mix1 = build_mix(run_dir, spec, tmp / "mix1", workers=1)
    mix2 = build_mix(run_dir, spec, tmp / "mix2", workers=2)
    return run_dir, kept, spec, mix1, mix2


def report(mix_dir):
    return {r["source"]: r for r in json.loads((mix_dir / "mix.json").read_text())["report"]["sources"]}


def test_outputs_are_byte_identical_across_workers_and_rebuilds(built):
    run_dir, _, spec, mix1, mix2 = built
    first = all_files(mix1)
    assert any(k.startswith("shards/shard-00001") for k in first)  # several shards, so order matters
    assert first == all_files(mix2)
    # what a build killed mid-write leaves: temp files beside the work cache and the outputs
    stray = [mix1 / "work" / "tokens" / ".p.ids.4242.tmp", mix1 / ".mix.json.4242.tmp"]
    for f in stray:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"partial")
    build_mix(run_dir, spec, mix1, workers=1)  # rebuild in place, reusing the work/ cache
    assert first == all_files(mix1)
    assert verify_mix(mix1) == ([], [], [])
    assert not list(mix1.rglob(".*.tmp"))


def test_budgets_match_targets_and_sql_reports_them(built):
    _, _, _, mix, _ = built
    rep = report(mix)
    con = connect_any(mix)  # what `dolmalike sql MIX_DIR` sees: tokens, mix + the run's views
    tokens = dict(con.execute('SELECT source, sum("end" - start + 1) FROM tokens GROUP BY source').fetchall())
    items = dict(con.execute("SELECT source, count(*) FROM mix GROUP BY source").fetchall())
    assert tokens == {s: r["tokens"] for s, r in rep.items() if r["tokens"]}
    assert items == {s: r["items"] for s, r in rep.items() if r["items"]}
    max_doc = con.execute('SELECT max("end" - start + 1) FROM tokens').fetchone()[0]

    hq = rep["english_hq"]
    assert hq["available_tokens"] > 6000  # really down-sampled
    assert abs(tokens["english_hq"] - 6000) <= max_doc / 2
    fixed = tokens["english_hq"] + tokens["wiki"] + tokens["rest"]
    assert rep["other"]["target_tokens"] == round(fixed / 0.7 * 0.3)
    if rep["other"]["available_tokens"] >= rep["other"]["target_tokens"]:
        assert abs(tokens["other"] / sum(tokens.values()) - 0.3) < 0.02
    # n_tokens in the mix manifest = what the item occupies in the shards, EOS included, like the budgets
    bad = con.execute(
        'SELECT count(*) FROM mix m JOIN tokens t USING (doc_id, repetition) WHERE m.n_tokens <> t."end" - t.start + 1'
    ).fetchone()[0]
    assert bad == 0
    mix_tokens = dict(con.execute("SELECT source, sum(n_tokens) FROM mix GROUP BY source").fetchall())
    assert mix_tokens == tokens


def test_repetitions_sampling_and_rules(built):
    _, kept, _, mix, _ = built
    con = connect_any(mix)
    wiki = con.execute(
        "SELECT doc_id, list_sort(list(repetition)) FROM mix WHERE source = 'wiki' GROUP BY doc_id"
    ).fetchall()
    assert wiki and all(reps == [0, 1] for _, reps in wiki)
    assert all("wiki" in kept[d].url for d, _ in wiki)
    hq = [d for (d,) in con.execute("SELECT doc_id FROM mix WHERE source = 'english_hq'").fetchall()]
    assert all(attrs(kept[d])["language"] == "en" and attrs(kept[d])["passes"] for d in hq)
    # sample: 0.5 -> exactly the `rest` candidates with hash_unit(seed, doc_id) < 0.5
    rest = {d for (d,) in con.execute("SELECT doc_id FROM mix WHERE source = 'rest'").fetchall()}
    assert rest and all(hash_unit(SEED, d) < 0.5 for d in rest)
    statuses = {
        s
        for (s,) in con.execute(
            "SELECT DISTINCT d.status FROM mix JOIN documents d USING (doc_id)"
        ).fetchall()
    }
    assert statuses == {"kept"}


def test_heldout_split(built):
    _, kept, _, mix, _ = built
    held = {d for (d,) in connect_any(mix / "heldout").execute("SELECT doc_id FROM tokens").fetchall()}
    train = {d for (d,) in connect_any(mix).execute("SELECT doc_id FROM tokens").fetchall()}
    # every held-out candidate (each kept doc matches some source here: `rest` takes all) is held out once
    assert held == {d for d in kept if hash_unit(SEED, d, "heldout") < 0.1}
    assert held and not held & train
    meta = json.loads((mix / "heldout" / "meta.json").read_text())
    assert meta["split"] == "heldout" and meta["documents"] == len(held)
    assert meta["total_tokens"] == sum(s["tokens"] for s in meta["shards"])


def test_shards_follow_the_hashed_order_and_fill_rule(built):
    _, _, _, mix, _ = built
    meta = json.loads((mix / "shards" / "meta.json").read_text())
    assert meta["dtype"] == "uint16" and meta["tokenizer"] == "default" and meta["eos_id"] == 0
    rows = []
    for k, s in enumerate(meta["shards"]):
        side = pq.read_table(mix / "shards" / s["name"].replace(".npy", ".parquet")).to_pylist()
        arr = np.memmap(mix / "shards" / s["name"], dtype="<u2", mode="r")
        assert arr.size == s["tokens"] == side[-1]["end"] + 1
        assert s["tokens"] <= 8000 or len(side) == 1
        if k + 1 < len(meta["shards"]):  # the next shard's first document did not fit
            nxt = pq.read_table(mix / "shards" / meta["shards"][k + 1]["name"].replace(".npy", ".parquet"))
            first = nxt.slice(0, 1).to_pylist()[0]
            assert s["tokens"] + first["end"] - first["start"] + 1 > 8000
        assert (arr[[r["end"] for r in side]] == meta["eos_id"]).all()
        rows += side
    keys = [hash_u64(SEED, r["doc_id"], r["repetition"]) for r in rows]
    assert keys == sorted(keys)


def test_cli_mix_json_and_table(built, tmp_path, capsys):
    run_dir, _, spec, mix, _ = built
    assert run_cli(["mix", str(run_dir), str(spec), "--out", str(tmp_path / "m"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["source"] for s in out["sources"]] == ["english_hq", "wiki", "other", "rest"]
    assert out["sources"] == json.loads((mix / "mix.json").read_text())["report"]["sources"]
    assert run_cli(["mix", str(run_dir), str(spec), "--out", str(tmp_path / "m")]) == 0
    text = capsys.readouterr().out
    assert "english_hq  target_tokens=6000" in text and "heldout:" in text


def test_empty_mix_and_bad_out_dir(mix_run, tmp_path):
    run_dir, _ = mix_run
    spec = write_spec(tmp_path / "none.yaml", "sources: [{name: none, where: {attr: langid_v1.language, eq: tlh}}]\n"
                      "tokenizer: ../shared/data/tokenizers/gpt2.json\n")  # fmt: skip
    spec.write_text(spec.read_text().replace("../shared", str(run_dir.parents[0] / "x")))  # bad path first
    with pytest.raises(DolmalikeError, match="tokenizer file not found"):
        build_mix(run_dir, spec, tmp_path / "m")
    with pytest.raises(DolmalikeError, match="is \\(or contains\\) a run directory"):
        build_mix(run_dir, spec, run_dir)


def test_empty_mix_writes_valid_empty_splits(mix_run, shared_data, tmp_path):
    run_dir, _ = mix_run
    spec = write_spec(
        tmp_path / "none.yaml", "sources: [{name: none, where: {attr: langid_v1.language, eq: tlh}}]\n"
    )
    mix = build_mix(run_dir, spec, tmp_path / "m", tokenizer=str(shared_data / "tokenizers" / "gpt2.json"))
    for split in ("shards", "heldout"):
        meta = json.loads((mix / split / "meta.json").read_text())
        assert meta["shards"] == [] and meta["total_tokens"] == 0 and meta["dtype"] == "uint16"
    assert pq.read_table(mix / "manifests" / "mix" / "none.parquet").num_rows == 0


def test_trainer_reads_the_mix(built):
    """The MIX_DIR contract: the trainer's TokenStore opens both splits and sees every token."""
    from dolmalike.lineage.tokens import TokenStore

    _, _, _, mix, _ = built
    for split in ("shards", "heldout"):
        meta = json.loads((mix / split / "meta.json").read_text())
        store = TokenStore(mix / split)
        assert store.total_tokens == meta["total_tokens"] and store.eos_id == meta["eos_id"]
        first = meta["shards"][0]
        assert (
            store.read(0, first["tokens"]).tolist()
            == np.fromfile(mix / split / first["name"], "<u2").tolist()
        )


def test_olmo_metadata_matches_sidecar_and_eos_boundaries(built):
    """shard-K.csv.gz (what OLMo-core / dolma read) = the Parquet sidecar rows, and its document
    boundaries are exactly those OLMo-core infers from the EOS tokens of the local array."""
    _, _, _, mix, _ = built
    for split in ("shards", "heldout"):
        meta = json.loads((mix / split / "meta.json").read_text())
        assert (
            meta["pad_id"] == 1 and meta["eos_id"] == 0
        )  # the default tokenizer's <|padding|>, <|endoftext|>
        for s in meta["shards"]:
            npy = mix / split / s["name"]
            with gzip.open(npy.with_suffix(".csv.gz"), "rt") as f:
                lines = list(csv.reader(f))
            side = pq.read_table(npy.with_suffix(".parquet")).to_pylist()
            assert lines == [
                [str(r["start"]), str(r["end"] + 1), r["doc_id"], r["source"], str(r["repetition"])]
                for r in side
            ]
            ids = np.fromfile(npy, dtype=meta["dtype"])
            ends = np.flatnonzero(ids == meta["eos_id"]) + 1
            assert [int(x[1]) for x in lines] == ends.tolist()
            assert [int(x[0]) for x in lines] == [0, *ends[:-1].tolist()]
            assert not (ids == meta["pad_id"]).any()
