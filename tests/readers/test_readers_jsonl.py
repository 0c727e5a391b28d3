"""Dolma JSONL reader and the reader dispatch (by name, then by sniffing)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
import zstandard

from dolmalike.core.hashing import doc_id_for
from dolmalike.readers.dispatch import JSONL, WARC, format_from_name, open_reader
from dolmalike.readers.jsonl import read_jsonl

DOLMA_CC = "dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]


def test_dolma_file(shared_data: Path) -> None:
    path = shared_data / DOLMA_CC
    recs = _lines(path)
    docs = list(read_jsonl(str(path), "dolma-0"))
    assert len(docs) == len(recs) == 697
    assert [d.ordinal for d in docs] == list(range(697))
    first = docs[0]
    assert first.doc_id == doc_id_for(
        "test_gz:blj5uzvcoa4iybpd5o6kom5nir6ngmoj"
    )  # the line's own source + id
    assert first.source == "test_gz" and first.text == recs[0]["text"]
    assert first.url == "16thfleet.wikidot.com/chatter:anewhome"  # metadata.url, as given
    assert first.fetch_date_raw == "2019-07-17T13:39:42.000Z"
    assert first.warc_path == str(path) and first.warc_offset == 0
    assert first.metadata["input_id"] == "blj5uzvcoa4iybpd5o6kom5nir6ngmoj" and first.metadata["line"] == 1
    assert first.metadata["input_metadata"]["uncompressed_offset"] == 813814
    assert len({d.doc_id for d in docs}) == 697
    # an explicit source overrides the lines' own
    again = next(read_jsonl(str(path), "dolma-0", source="dolma"))
    assert again.doc_id == doc_id_for("dolma:blj5uzvcoa4iybpd5o6kom5nir6ngmoj")


def test_cc_segment_gives_crawl(shared_data: Path) -> None:
    docs = list(read_jsonl(str(shared_data / "dolma/cc_en_head/cc_en_head-0091.jsonl.gz"), "p"))
    assert len(docs) == 10 and {d.crawl for d in docs} == {"CC-MAIN-2020-16"}
    assert docs[0].url == "http://100kinvesting.com/2016/11/28/first-teleconference-calls-invoice-factoring/"


def test_bad_lines_and_truncation(tmp_path: Path, shared_data: Path) -> None:
    lines = gzip.decompress(
        (shared_data / "dolma/cc_en_head/cc_en_head-0174.jsonl.gz").read_bytes()
    ).splitlines(True)
    broken = lines[:3] + [b"{not json\n", b"\n", b'{"id": "x"}\n', lines[3], lines[3]] + lines[4:]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(broken))
    docs = list(read_jsonl(str(path), "m"))
    errors = [d for d in docs if d.error]
    assert [d.ordinal for d in docs] == list(range(len(docs))) and len(docs) == 13
    off_bad = sum(len(x) for x in lines[:3])
    assert errors[0].error.startswith(f"{path}@{off_bad}: line 4: invalid JSON")
    assert (
        errors[1].warc_offset == off_bad + len(b"{not json\n") + 1
        and "needs a string 'text'" in errors[1].error
    )
    dup = [d for d in docs if not d.error and d.metadata["input_id"] == json.loads(lines[3])["id"]]
    assert len(dup) == 2 and dup[0].doc_id != dup[1].doc_id  # repeated input id: both kept, ids distinct

    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(b"".join(lines))[:-2000])
    docs = list(read_jsonl(str(cut), "c"))
    assert docs[-1].error and "reading stopped" in docs[-1].error
    assert all(d.error is None for d in docs[:-1]) and 0 < len(docs) - 1 < 10


def test_zstd(tmp_path: Path, shared_data: Path) -> None:
    raw = gzip.decompress((shared_data / "dolma/cc_en_head/cc_en_head-0091.jsonl.gz").read_bytes())
    path = tmp_path / "x.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(raw))
    docs = list(open_reader(str(path), "z"))
    assert len(docs) == 10 and all(d.error is None for d in docs)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.warc.gz", WARC),
        ("a.warc", WARC),
        ("CC-MAIN-x.warc.wet.gz", WARC),
        ("a.wet.gz", WARC),
        ("s3://b/k/a.warc.gz", WARC),
        ("https://h/a.warc.gz?x=1", WARC),
        ("a.jsonl", JSONL),
        ("a.jsonl.zst", JSONL),
        ("a.json.gz", JSONL),
        ("a.bin", None),
    ],
)
def test_format_from_name(name: str, fmt: str | None) -> None:
    assert format_from_name(name) == fmt


def test_dispatch_sniffs_unnamed_files(tmp_path: Path, shared_data: Path) -> None:
    warc = tmp_path / "crawl.bin"
    shutil.copy(shared_data / "commoncrawl/whirlwind.warc.gz", warc)
    (doc,) = open_reader(str(warc), "w")
    assert doc.url == "https://an.wikipedia.org/wiki/Escopete" and doc.source == "commoncrawl"
    jsonl = tmp_path / "docs.dat"
    shutil.copy(shared_data / "dolma/sample/documents/000.json.gz", jsonl)
    docs = list(open_reader(str(jsonl), "j", source="dolma"))
    assert len(docs) == 10 and docs[0].doc_id == doc_id_for(
        "dolma:http://advocatesaz.org/tag/antibiotic-resistant-bacteria/"
    )
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    (err,) = open_reader(str(other), "o")
    assert err.error == f"{other}@0: unrecognised input format (expected WARC/WET or JSONL)"
    (missing,) = open_reader(str(tmp_path / "nope.bin"), "n")
    assert missing.error.startswith(f"{tmp_path / 'nope.bin'}@0: cannot open: FileNotFoundError")
