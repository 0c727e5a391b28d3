import json
import shutil
from pathlib import Path

import pytest

from dolmalike.cli.main import main
from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_json
from dolmalike.io.docstore import read_docs, write_docs
from dolmalike.io.receipt import hash_outputs
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.query import connect
from dolmalike.runner.receipt import output_files, verify
from dolmalike.runner.tag_run import tag_run
from dolmalike.stages.base import StageContext
from dolmalike.stages.tag import TagStage
from dolmalike.taggers.gopher import GopherQualityTagger

REPO = Path(__file__).resolve().parents[2]
PLUGINS = [REPO / "taggers"]


@pytest.fixture
def run_dir(tmp_path, real_texts) -> Path:
    """A minimal RUN_DIR: two partitions of real documents under docs/ and an empty manifests/."""
    run = tmp_path / "run"
    (run / "manifests").mkdir(parents=True)
    texts = [t for t in real_texts if t][:60]
    for p, chunk in (("part-a", texts[:35]), ("part-b", texts[35:])):
        docs = [Document(doc_id=f"{p}-{i:03d}", text=t, partition=p, ordinal=i) for i, t in enumerate(chunk)]
        write_docs(run / "docs" / f"{p}.parquet", docs)
    return run


def _bytes(run: Path, tagger: str) -> dict[str, bytes]:
    d = run / "manifests" / "attributes" / tagger
    return {f.name: f.read_bytes() for f in sorted(d.glob("*.parquet"))}


def test_tag_run_writes_aligned_queryable_attributes(run_dir) -> None:
    report = tag_run(run_dir, ["gopher_quality_v1,c4_v1", "doc_length_v1"], plugin_dirs=PLUGINS)
    assert (report.partitions, report.tagged, report.skipped) == (2, 2, 0)
    assert report.rows == {"gopher_quality_v1": 60, "c4_v1": 60, "doc_length_v1": 60}

    docs = [d for p in ("part-a", "part-b") for d in read_docs(run_dir / "docs" / f"{p}.parquet")]
    tagger = GopherQualityTagger()
    expected = [tagger.predict(d) for d in docs]
    con = connect(run_dir)
    n_pass = con.execute(
        "SELECT count(*) FROM attributes_gopher_quality_v1 WHERE passes AND n_words >= 50"
    ).fetchone()[0]
    assert n_pass == sum(e["passes"] and e["n_words"] >= 50 for e in expected) > 0
    # rows follow the docs files' order, so they line up with the document shards
    ids = [
        r[0]
        for r in con.execute(
            "SELECT doc_id FROM read_parquet(?)",
            [str(run_dir / "manifests/attributes/gopher_quality_v1/part-a.parquet")],
        ).fetchall()
    ]
    assert ids == [d.doc_id for d in docs[:35]]
    lengths = con.execute(
        "SELECT l.n_chars, c.kept_chars <= l.n_chars FROM attributes_doc_length_v1 l "
        "JOIN attributes_c4_v1 c USING (doc_id) ORDER BY doc_id"
    ).fetchall()
    assert [n for n, _ in lengths] == [len(d.text) for d in sorted(docs, key=lambda d: d.doc_id)]
    assert all(ok for _, ok in lengths)


def test_tag_run_is_idempotent_and_config_aware(run_dir) -> None:
    layout = RunLayout.of(run_dir)
    atomic_write_json(layout.receipt, {"outputs": hash_outputs(layout.root, output_files(layout))})
    tag_run(run_dir, ["pii_v1", "c4_v1"], plugin_dirs=())
    assert verify(run_dir) == ([], [], [])  # the receipt covers the new attribute parts
    first = _bytes(run_dir, "c4_v1")
    again = tag_run(run_dir, ["pii_v1", "c4_v1"], plugin_dirs=())
    assert (again.tagged, again.skipped) == (0, 2)
    assert _bytes(run_dir, "c4_v1") == first
    # another config for c4_v1 redoes its parts (and only those taggers that changed)
    changed = tag_run(run_dir, [{"c4_v1": {"preset": "tfds"}}, "pii_v1"], plugin_dirs=())
    assert changed.tagged == 2
    assert _bytes(run_dir, "c4_v1") != first
    # a deleted part is redone; --force redoes everything with identical bytes
    (run_dir / "manifests/attributes/pii_v1/part-b.parquet").unlink()
    assert tag_run(run_dir, ["pii_v1"], plugin_dirs=()).tagged == 1
    pii = _bytes(run_dir, "pii_v1")
    assert tag_run(run_dir, ["pii_v1"], plugin_dirs=(), force=True).tagged == 2
    assert _bytes(run_dir, "pii_v1") == pii
    assert verify(run_dir) == ([], [], [])
    receipt = json.loads(layout.receipt.read_text())
    assert receipt["added_attributes"]["c4_v1"]["min_words_per_line"] == 5  # the tfds config


def test_two_workers_give_the_same_bytes(run_dir, tmp_path) -> None:
    other = tmp_path / "run2"
    shutil.copytree(run_dir, other)
    tag_run(run_dir, ["gopher_repetition_v1", "badwords_v1"], workers=1, plugin_dirs=())
    tag_run(other, ["gopher_repetition_v1", "badwords_v1"], workers=2, plugin_dirs=())
    for name in ("gopher_repetition_v1", "badwords_v1"):
        assert _bytes(run_dir, name) == _bytes(other, name) and len(_bytes(run_dir, name)) == 2


def test_unknown_tagger_and_bad_run_dir(run_dir, tmp_path) -> None:
    with pytest.raises(DolmalikeError, match=r"unknown tagger 'nope_v1'; valid taggers: .*c4_v1"):
        tag_run(run_dir, ["nope_v1"], plugin_dirs=())
    with pytest.raises(DolmalikeError, match="not a dolmalike run directory"):
        tag_run(tmp_path / "missing", ["c4_v1"])


def test_cli_tag_and_taggers(run_dir, capsys, monkeypatch) -> None:
    monkeypatch.chdir(REPO)  # default plugin dir ./taggers
    assert main(["tag", str(run_dir), "--taggers", "doc_length_v1,pii_v1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == {"doc_length_v1": 60, "pii_v1": 60} and out["tagged"] == 2
    assert main(["tag", str(run_dir), "--taggers", "pii_v1"]) == 0
    assert "2 partitions, 0 tagged, 2 already done" in capsys.readouterr().out
    assert main(["tag", str(run_dir), "--taggers", "bogus_v1"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("dolmalike tag: error: unknown tagger 'bogus_v1'; valid taggers:")
        and err.count("\n") == 1
    )
    assert main(["taggers", "--json"]) == 0
    names = {r["name"]: r["origin"] for r in json.loads(capsys.readouterr().out)}
    assert names["doc_length_v1"] == "plugin" and names["gopher_repetition_v1"] == "builtin"


def test_tag_stage_never_drops_and_records_attributes(real_texts) -> None:
    docs = [Document(doc_id=f"d{i}", text=t) for i, t in enumerate(real_texts[:20])]
    stage = TagStage(taggers=["pii_v1", {"c4_v1": {"preset": "tfds"}}], plugins=(), batch_size=7)
    ctx = StageContext(partition="p")
    out = list(stage.run(iter(docs), ctx))
    assert out == docs and ctx.decisions == []
    assert set(stage.attribute_schemas()) == {"pii_v1", "c4_v1"}
    for name in ("pii_v1", "c4_v1"):
        schema, rows = ctx.attributes[name]
        assert [r["doc_id"] for r in rows] == [d.doc_id for d in docs]
        assert set(rows[0]) == {"doc_id", *schema.names}
    assert stage.config()["taggers"][1]["config"]["min_words_per_line"] == 5


def test_cli_tag_takes_tagger_parameters(run_dir, capsys) -> None:
    # quality_v1 needs model_path; any real fastText model does, here lid.176 scoring English.
    from dolmalike.classifier.fasttext_io import bundled_lid_model

    lid = bundled_lid_model()
    args = ["tag", str(run_dir), "--taggers", "quality_v1,doc_length_v1"]
    assert (
        main([*args, "--param", f"quality_v1.model_path={lid}", "--param", "quality_v1.hq_label=__label__en"])
        == 0
    )
    scores = connect(run_dir).execute("SELECT quality_score FROM attributes_quality_v1").fetchall()
    assert len(scores) == 60 and max(s for (s,) in scores) > 0.5  # real English text scores as English
    capsys.readouterr()
    assert main([*args]) == 2  # no model_path: one-line error, not a traceback
    assert main([*args, "--param", f"gopher_v1.x={lid}"]) == 2  # a parameter for a tagger not asked for
    with pytest.raises(SystemExit) as usage:  # malformed: argparse's own one-line usage error
        main([*args, "--param", "quality_v1model_path"])
    assert usage.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all("error" in line for line in err) and "Traceback" not in "".join(err)
