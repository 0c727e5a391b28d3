"""Dolma both ways: `dolmalike export --format dolma` on a real run (real Dolma CC documents, three
taggers, content dedup dropping planted duplicates), read by the dolma toolkit 1.2.1 itself
(`dolma mix`, `dolma tag`, `dolma stat` from .venv-dolma, built by `make dolma-venv`), and
export -> import -> export byte-identical; import of the shared Dolma sample keeps ids, sources,
added/created, metadata and its attribute files; misaligned attribute files are error rows."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dolmalike.core.dates import parse_fetch_date
from dolmalike.exec.executor import ExecConfig
from dolmalike.io.docstore import join_metadata
from dolmalike.lineage.dolma_export import FATE, attr_key, export_dolma
from dolmalike.manifests.query import connect
from dolmalike.readers.jsonl import read_jsonl
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
DOLMA = REPO / ".venv-dolma" / "bin" / "dolma"
needs_dolma = pytest.mark.skipif(
    not DOLMA.is_file(), reason="the dolma toolkit venv is not built (make dolma-venv builds .venv-dolma)"
)


def _lines(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run(tmp: Path, name: str, inputs: list[Path], body: str) -> Path:
    spec = tmp / f"{name}.yaml"
    spec.write_text(f"name: {name}\nseed: 0\ninputs: {json.dumps([str(p) for p in inputs])}\n{body}")
    return run_pipeline(load_spec(spec), tmp / name, ExecConfig(workers=1)).run_dir


@pytest.fixture(scope="module")
def exported(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """(RUN_DIR, export DIR): the cc_en_head documents plus a copy of one file under other ids."""
    tmp = tmp_path_factory.mktemp("dolma_export")
    inputs = tmp / "in"
    inputs.mkdir()
    for f in sorted((shared_data / "dolma" / "cc_en_head").glob("*.jsonl.gz")):
        shutil.copy(f, inputs / f.name)
    dups = [{**r, "id": f"dup-{r['id']}"} for r in _lines(inputs / "cc_en_head-0091.jsonl.gz")]
    (inputs / "copy-0091.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dups))
    body = "stages:\n  - tag: {taggers: [langid_v1, gopher_quality_v1, pii_v1]}\nglobal:\n  - content_dedup: {}\n"
    run_dir = _run(tmp, "run", [inputs], body)
    out = tmp / "export"
    export_dolma(run_dir, out)
    return run_dir, out


def test_export_layout_ids_and_fate(exported) -> None:
    run_dir, out = exported
    status = dict(connect(run_dir).execute("SELECT doc_id, status FROM documents").fetchall())
    fate = {}  # the exported id (the input's own) -> the document's fate in the run
    for p in (run_dir / "docs").glob("*.parquet"):
        for r in pq.read_table(p, columns=["doc_id", "metadata_json"]).to_pylist():
            fate[json.loads(r["metadata_json"])["input_id"]] = status[r["doc_id"]]
    assert sorted(set(fate.values())) == ["dropped", "kept"]
    docs = sorted((out / "documents").glob("*.jsonl.gz"))
    assert [p.name for p in docs] == [
        "cc_en_head-0091.jsonl.gz",
        "cc_en_head-0174.jsonl.gz",
        "copy-0091.jsonl.gz",
    ]
    sets = sorted(p.name for p in (out / "attributes").iterdir())
    assert sets == sorted([FATE, "gopher_quality_v1", "langid_v1", "pii_v1"])
    seen = 0
    for doc_file in docs:
        rows = _lines(doc_file)
        assert all(r["source"] == "common-crawl" and r["added"] and r["created"] for r in rows)
        for attr_set in sets:
            attrs = _lines(out / "attributes" / attr_set / doc_file.name)
            assert [a["id"] for a in attrs] == [r["id"] for r in rows]  # line-aligned, same ids
        for r, a in zip(rows, _lines(out / "attributes" / FATE / doc_file.name)):
            kept = a["attributes"][attr_key(FATE, "kept")]
            assert kept == [[0, len(r["text"]), 1.0 if fate[r["id"]] == "kept" else 0.0]]
            assert (attr_key(FATE, "dropped_content_dedup") in a["attributes"]) == (
                fate[r["id"]] == "dropped"
            )
            seen += 1
        gopher = _lines(out / "attributes" / "gopher_quality_v1" / doc_file.name)
        assert all(len(a["attributes"][attr_key("gopher_quality_v1", "passes")]) == 1 for a in gopher)
    assert seen == len(fate) == 30


def test_export_import_export_is_byte_identical(exported, tmp_path: Path) -> None:
    _, out = exported
    again = _run(tmp_path, "import", [out / "documents"], "stages: []\n")
    con = connect(again)
    # every line keeps its own source (the spec names none) and its input id
    assert con.execute("SELECT DISTINCT source FROM documents").fetchall() == [("common-crawl",)]
    out2 = tmp_path / "export2"
    export_dolma(again, out2)
    assert _tree(out2) == _tree(out) and len(_tree(out)) == 15


def test_import_keeps_a_dolma_datasets_fields_and_attributes(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / "dolma" / "sample"
    run_dir = _run(tmp_path, "sample", [sample / "documents"], "stages: []\n")
    docs = {}
    for p in (run_dir / "docs").glob("*.parquet"):
        for r in pq.read_table(p).to_pylist():
            meta = join_metadata(r["metadata"], r["metadata_json"])
            docs[meta["input_id"]] = (r, meta)
    originals = _lines(sample / "documents" / "000.json.gz")
    assert len(docs) == len(originals) == 10
    for rec in originals:
        row, meta = docs[rec["id"]]
        assert row["source"] == rec["source"] == "common-crawl" and row["text"] == rec["text"]
        assert row["fetch_date_raw"] == rec["created"] and meta["added"] == rec["added"]
        assert row["fetch_date"] == parse_fetch_date(rec["created"]) is not None
        assert meta["input_metadata"] == rec["metadata"]
        for attr_set in ("duplicate_paragraphs", "pii", "sample", "toxicity"):
            line = next(
                a for a in _lines(sample / "attributes" / attr_set / "000.json.gz") if a["id"] == rec["id"]
            )
            assert meta["input_attributes"][attr_set] == line["attributes"]
    # a second import gives the same doc_ids (deterministic from source + input id)
    again = _run(tmp_path, "sample2", [sample / "documents"], "stages: []\n")
    ids = "SELECT doc_id FROM documents ORDER BY doc_id"
    assert connect(run_dir).execute(ids).fetchall() == connect(again).execute(ids).fetchall()
    # and the export writes the sample's attributes back under their own names
    out = tmp_path / "export"
    export_dolma(run_dir, out)
    for attr_set in ("pii", "toxicity"):
        assert _lines(out / "attributes" / attr_set / "000.jsonl.gz") == _lines(
            sample / "attributes" / attr_set / "000.json.gz"
        )


def test_misaligned_attribute_files_are_error_rows(shared_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "ds"
    (root / "documents").mkdir(parents=True)
    (root / "attributes" / "pii").mkdir(parents=True)
    docs = _lines(shared_data / "dolma" / "sample" / "documents" / "000.json.gz")[:4]
    (root / "documents" / "a.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    attrs = [{"id": d["id"], "attributes": {"pii__x__y": [[0, 1, 1.0]]}} for d in docs]
    attrs[1]["id"] = "someone-else"
    attrs.append({"id": "extra", "attributes": {}})
    (root / "attributes" / "pii" / "a.jsonl").write_text("".join(json.dumps(a) + "\n" for a in attrs))
    out = list(read_jsonl(str(root / "documents" / "a.jsonl"), "a"))
    errors = [d.error for d in out if d.error]
    assert len(errors) == 2
    assert "attributes/pii/a.jsonl line 2: id 'someone-else' is not the document's" in errors[0]
    assert "attributes/pii/a.jsonl has 5 lines for 4 documents" in errors[1]
    good = [d for d in out if not d.error]
    assert [d.metadata["input_id"] for d in good] == [docs[0]["id"], docs[2]["id"], docs[3]["id"]]
    assert all(d.metadata["input_attributes"]["pii"] == {"pii__x__y": [[0, 1, 1.0]]} for d in good)


@needs_dolma
def test_dolma_toolkit_mixes_tags_and_stats_the_export(exported, tmp_path: Path) -> None:
    run_dir, exported_dir = exported
    out = tmp_path / "export"
    shutil.copytree(exported_dir, out)
    kept = connect(run_dir).execute("SELECT count(*) FROM documents WHERE status = 'kept'").fetchone()[0]
    cfg = {
        "streams": [{
            "name": "kept", "documents": [str(out / "documents" / "*.jsonl.gz")],
            "attributes": [FATE, "gopher_quality_v1"],
            "output": {"path": str(tmp_path / "mixed"), "max_size_in_bytes": 10**9},
            "filter": {"include": [f"$.attributes[?(@.{attr_key(FATE, 'kept')} && @.{attr_key(FATE, 'kept')}[0][2] > 0.5)]"]},
        }],
        "processes": 1,
    }  # fmt: skip
    (tmp_path / "mix.json").write_text(json.dumps(cfg))
    env = {"PATH": str(DOLMA.parent), "HOME": str(tmp_path), "NLTK_DATA": str(tmp_path / "nltk")}

    def dolma(*args: str) -> None:
        subprocess.run(
            [str(DOLMA), *args], check=True, capture_output=True, env=env, cwd=tmp_path, timeout=300
        )

    dolma("-c", str(tmp_path / "mix.json"), "mix")
    mixed = [r for p in sorted((tmp_path / "mixed").glob("*.gz")) for r in _lines(p)]
    assert len(mixed) == kept == 20
    dolma("tag", "--documents", str(out / "documents" / "*.jsonl.gz"), "--experiment", "dl",
          "--taggers", "char_length_v1", "--processes", "1")  # fmt: skip
    for doc_file in sorted((out / "documents").glob("*.jsonl.gz")):
        rows, tagged = _lines(doc_file), _lines(out / "attributes" / "dl" / doc_file.name)
        assert [t["attributes"]["dl__char_length_v1__length"][0][2] for t in tagged] == [
            len(r["text"]) for r in rows
        ]
    dolma("stat", "--attributes", str(out / "attributes" / "gopher_quality_v1" / "*.jsonl.gz"),
          "--report", str(tmp_path / "stat"), "--processes", "1")  # fmt: skip
    summaries = _lines(tmp_path / "stat" / "summaries.jsonl.gz")
    by_name = {s["name"]: s for s in summaries}
    words = by_name[f"{attr_key('gopher_quality_v1', 'n_words')}/score"]
    assert words["total"] == 30 and sum(words["counts"]) == 30
