"""A WARC that repeats a WARC-Record-ID: every record keeps its own row, docs/ and the documents
manifest agree, and `explain` tells each record's story apart (issue 16.4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.exec.executor import ExecConfig
from dolmalike.io.docstore import read_docs_table
from dolmalike.lineage.story import document_story
from dolmalike.manifests.query import connect
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

_ID = re.compile(rb"WARC-Record-ID: [^\r\n]*")


def _members(data: bytes) -> list[bytes]:
    import zlib

    out, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        out.append(d.decompress(data[pos:]))
        pos = len(data) - len(d.unused_data)
    return out


def test_repeated_record_id_in_a_run(tmp_path: Path, shared_data: Path) -> None:
    import gzip

    src = shared_data / "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz"
    members = _members(src.read_bytes())
    resp = [i for i, m in enumerate(members) if b"WARC-Type: response\r\n" in m]
    shared_id = _ID.search(members[resp[0]])[0]  # type: ignore[index]
    members[resp[5]] = _ID.sub(shared_id, members[resp[5]], count=1)
    members[resp[6]] = members[resp[6]].replace(b"WARC-Type: response\r\n", b"", 1)
    bad = tmp_path / "in" / "dup.warc.gz"
    bad.parent.mkdir()
    bad.write_bytes(b"".join(gzip.compress(m, mtime=0) for m in members))
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\nstages:\n  - extract: {extractor: resiliparse}\n")
    r = run_pipeline(load_spec(spec, [str(bad)]), tmp_path / "run", ExecConfig())

    assert r.counts["input_records"] == len(resp) == sum(r.counts[k] for k in ("kept", "dropped", "error"))
    assert r.counts["error"] == 1  # the record without WARC-Type
    con = connect(r.run_dir)
    assert con.execute("SELECT count(DISTINCT doc_id) FROM documents").fetchone()[0] == len(resp)
    kept_manifest = {
        row[0] for row in con.execute("SELECT doc_id FROM documents WHERE status='kept'").fetchall()
    }
    kept_docs = set(
        read_docs_table(r.run_dir / "docs" / "dup.parquet", columns=["doc_id"])["doc_id"].to_pylist()
    )
    assert kept_docs == kept_manifest

    record_id = shared_id.split(b": ")[1].decode()
    holders = con.execute(
        "SELECT doc_id, url, warc_offset FROM documents WHERE warc_record_id = ? ORDER BY warc_offset",
        [record_id],
    ).fetchall()
    assert len(holders) == 2 and holders[0][1] != holders[1][1]
    for doc_id, url, offset in holders:
        story = document_story(r.run_dir, doc_id)
        assert story["document"]["url"] == url and story["document"]["warc_offset"] == offset
        assert all(d["stage"] in ("read", "extract") for d in story["decisions"])
    renamed = document_story(r.run_dir, holders[1][0])["decisions"]
    assert renamed[0]["decision"] == "renamed" and f"offset {holders[0][2]}" in renamed[0]["reason"]
    first = document_story(r.run_dir, holders[0][0])["decisions"]
    assert all(d["decision"] != "renamed" for d in first)
    with pytest.raises(DolmalikeError, match="ambiguous"):
        document_story(r.run_dir, record_id)  # the Record-ID names two records now
