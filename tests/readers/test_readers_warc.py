"""WARC/WET reader on the real shared files: counts, offsets and provenance checked against warcio."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from readers_helpers import warcio_inputs, warcio_records

from dolmalike.core.hashing import doc_id_for
from dolmalike.readers.warc import crawl_from_name, read_warc, strip_uri

REAL_FILES = [
    "commoncrawl/CC-MAIN-2019-51-commoncrawl.org-single-response.warc.gz",
    "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz",
    "commoncrawl/whirlwind.warc.gz",
    "commoncrawl/whirlwind.warc.wet.gz",
    "commoncrawl/whirlwind.warc.wat.gz",
    "warc_other/dolma-wget-sample-0000.warc.gz",
    "warc_other/dolma-wget-sample-0001.warc.gz",
]


def test_every_real_warc_is_listed(shared_data: Path) -> None:
    found = {
        str(p.relative_to(shared_data))
        for d in ("commoncrawl", "warc_other")
        for p in (shared_data / d).glob("*.gz")
    }
    assert found == set(REAL_FILES)


@pytest.mark.parametrize("rel", REAL_FILES)
def test_one_document_per_input_record(shared_data: Path, rel: str) -> None:
    path = shared_data / rel
    expected = warcio_inputs(path)
    docs = list(read_warc(str(path), "part-0"))
    assert [d.error for d in docs] == [None] * len(expected)
    assert [d.ordinal for d in docs] == list(range(len(expected)))
    assert [d.warc_offset for d in docs] == [off for _, off, _ in expected]
    assert [d.warc_record_id for d in docs] == [rid for _, _, rid in expected]
    assert [d.doc_id for d in docs] == [doc_id_for(rid) for _, _, rid in expected]
    assert all(d.partition == "part-0" and d.warc_path == str(path) for d in docs)
    # only Common Crawl's files are "commoncrawl" (a crawl name in the path or the warcinfo); wget's are not
    source = "commoncrawl" if rel.startswith("commoncrawl/") else "warc"
    assert all(d.source == source for d in docs)


def test_whirlwind_provenance(shared_data: Path) -> None:
    path = shared_data / "commoncrawl/whirlwind.warc.gz"
    (doc,) = read_warc(str(path), "ww", source="cc")
    response = [r for r in warcio_records(path) if r[0] == "response"][0]
    assert doc.url == "https://an.wikipedia.org/wiki/Escopete"
    assert doc.crawl == "CC-MAIN-2024-22"  # from warcinfo isPartOf
    assert doc.warc_offset == response[1] == 1023
    assert doc.warc_record_id == response[2]
    assert doc.doc_id == doc_id_for(response[2])
    assert doc.source == "cc"
    assert doc.fetch_date_raw == "2024-05-18T01:58:10Z"
    assert doc.warc_payload_digest and doc.warc_payload_digest.startswith("sha1:")
    assert doc.metadata == {"http_status": 200}
    assert doc.content_type == "text/html" and doc.charset.lower() == "utf-8"
    assert doc.html is not None and b"Escopete" in doc.html and doc.html.lstrip().startswith(b"<!DOCTYPE")


def test_wet_conversion_record(shared_data: Path) -> None:
    wet = shared_data / "commoncrawl/whirlwind.warc.wet.gz"
    (doc,) = read_warc(str(wet), "wet")
    (response,) = read_warc(str(shared_data / "commoncrawl/whirlwind.warc.gz"), "warc")
    assert doc.html is None
    assert doc.metadata["language"] == "spa"
    assert doc.metadata["refers_to"] == response.warc_record_id  # the WET points at the WARC capture
    assert doc.url == response.url and doc.crawl == "CC-MAIN-2024-22"
    assert doc.text.startswith("Escopete - Biquipedia") and len(doc.text.encode()) == 4456
    assert doc.warc_offset == 466


def test_wget_bracketed_uris_and_chunked_bodies(shared_data: Path) -> None:
    path = shared_data / "warc_other/dolma-wget-sample-0000.warc.gz"
    docs = list(read_warc(str(path), "wget"))
    assert docs[0].url == "https://www.semanticscholar.org/research/research-team"
    assert not any(d.url.startswith("<") or d.url.endswith(">") for d in docs)
    assert all(d.crawl is None for d in docs)  # not a CC file: no isPartOf, no CC name
    # the record at 15904 is stored with Transfer-Encoding: chunked; the reader de-chunks it
    chunked = next(d for d in docs if d.warc_offset == 15904)
    assert chunked.html.startswith(b"<!DOCTYPE html") and chunked.html.rstrip().endswith(b"</html>")


def test_cc_single_response_without_warcinfo(shared_data: Path) -> None:
    path = shared_data / "commoncrawl/CC-MAIN-2019-51-commoncrawl.org-single-response.warc.gz"
    (doc,) = read_warc(str(path), "single")
    assert doc.url == "http://commoncrawl.org/"
    assert doc.crawl == "CC-MAIN-2019-51"  # no warcinfo: parsed from the file name
    assert doc.warc_offset == 0 and doc.metadata["http_status"] == 200
    assert b"Common Crawl" in doc.html


def test_uncompressed_warc_has_exact_offsets(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz"
    raw = tmp_path / "CC-MAIN-2020-34-sample.warc"
    raw.write_bytes(gzip.decompress(src.read_bytes()))
    docs = list(read_warc(str(raw), "raw"))
    expected = warcio_inputs(raw)
    assert [d.warc_offset for d in docs] == [off for _, off, _ in expected]
    assert [d.doc_id for d in docs] == [d.doc_id for d in read_warc(str(src), "gz")]
    assert all(d.error is None and d.crawl == "CC-MAIN-2020-34" for d in docs)


def test_helpers() -> None:
    assert crawl_from_name(
        "s3://commoncrawl/crawl-data/CC-MAIN-2019-35/segments/x/warc/CC-MAIN-20190820003509-00114.warc.gz"
    ) == ("CC-MAIN-2019-35")
    assert crawl_from_name("CC-MAIN-20190717121559-20190717143559-00140.warc.gz") is None
    assert crawl_from_name(None) is None
    assert strip_uri("<https://a.example/x>") == "https://a.example/x"
    assert strip_uri("http://a.example/") == "http://a.example/"
    assert strip_uri("<>") is None
