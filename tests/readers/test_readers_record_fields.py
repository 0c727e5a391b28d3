"""Records that frame fine but whose headers are wrong: repeated Record-IDs, no WARC-Type, and a
Content-Length off by one byte inside its own gzip member (which fastwarc reads without complaint)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from readers_helpers import gzip_members, regzip, warcio_inputs, with_content_length

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for
from dolmalike.readers.dispatch import open_reader
from dolmalike.readers.unique_ids import RENAMED

SAMPLE = "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz"
_ID = re.compile(rb"WARC-Record-ID: [^\r\n]*")


@pytest.fixture(scope="module")
def members(shared_data: Path) -> list[bytes]:
    return [raw for _, raw in gzip_members((shared_data / SAMPLE).read_bytes())]


def _responses(members: list[bytes]) -> list[int]:
    return [i for i, m in enumerate(members) if b"WARC-Type: response\r\n" in m]


def _read(tmp_path: Path, data: bytes, name: str = "bad.warc.gz") -> list[Document]:
    path = tmp_path / name
    path.write_bytes(data)
    return list(open_reader(str(path), "p"))


def _input_count(path: Path) -> int:
    return len(warcio_inputs(path))


def test_repeated_record_id_gets_a_doc_id_of_its_own(tmp_path: Path, members: list[bytes]) -> None:
    r = _responses(members)
    m = list(members)
    first_id = _ID.search(m[r[1]])[0]  # type: ignore[index]
    for i in (r[4], r[9]):  # two more records claim the id of the 2nd response
        m[i] = _ID.sub(first_id, m[i], count=1)
    docs = _read(tmp_path, regzip(m))
    assert len(docs) == len(r) == _input_count(tmp_path / "bad.warc.gz")
    assert all(d.error is None for d in docs)
    assert len({d.doc_id for d in docs}) == len(docs)
    holders = [d for d in docs if d.warc_record_id == first_id.split(b": ")[1].decode()]
    assert len(holders) == 3
    assert holders[0].doc_id == doc_id_for(holders[0].warc_record_id) and RENAMED not in holders[0].metadata
    for d in holders[1:]:
        assert d.doc_id == doc_id_for(f"p@{d.warc_offset}")
        assert f"at offset {holders[0].warc_offset}" in d.metadata[RENAMED]
    assert len({d.url for d in holders}) == 3  # three different pages, none merged


def test_repeated_record_id_on_an_error_row_too(tmp_path: Path, members: list[bytes]) -> None:
    r = _responses(members)
    m = list(members)
    m[r[3]] = with_content_length(_ID.sub(_ID.search(m[r[0]])[0], m[r[3]], count=1), b"abc")  # type: ignore[index]
    docs = _read(tmp_path, regzip(m))
    (err,) = [d for d in docs if d.error]
    assert "invalid Content-Length" in err.error and RENAMED in err.metadata
    assert len({d.doc_id for d in docs}) == len(docs) == len(r)


@pytest.mark.parametrize("header", [b"", b"WARC-Type: respnse\r\n"])
def test_record_without_a_known_warc_type_is_an_error_row(
    tmp_path: Path, members: list[bytes], header: bytes
) -> None:
    r = _responses(members)
    m = list(members)
    for i in r[:3]:
        m[i] = m[i].replace(b"WARC-Type: response\r\n", header, 1)
    docs = _read(tmp_path, regzip(m))
    assert len(docs) == len(r) == _input_count(tmp_path / "bad.warc.gz")
    errors = [d for d in docs if d.error]
    assert len(errors) == 3 and [d.error is None for d in docs[3:]] == [True] * (len(r) - 3)
    what = "unknown WARC-Type 'respnse'" if header else "no WARC-Type"
    for e in errors:
        assert e.error.startswith(f"{tmp_path / 'bad.warc.gz'}@{e.warc_offset}: record has {what}")
        assert e.url and e.warc_record_id  # still traceable to the page it may have been


@pytest.mark.parametrize("delta", [-2, -1, 1, 2])
@pytest.mark.parametrize("name", ["bad.warc.gz", "bad.warc"])
def test_content_length_off_by_a_byte_is_flagged(
    tmp_path: Path, members: list[bytes], delta: int, name: str
) -> None:
    r = _responses(members)
    m = list(members)
    cl = int(re.search(rb"Content-Length: (\d+)", m[r[1]])[1])  # type: ignore[index]
    m[r[1]] = with_content_length(m[r[1]], str(cl + delta).encode())
    data = regzip(m) if name.endswith(".gz") else b"".join(m)
    docs = _read(tmp_path, data, name)
    offset = len(regzip(m[: r[1]])) if name.endswith(".gz") else len(b"".join(m[: r[1]]))
    assert len(docs) == len(r)
    (err,) = [d for d in docs if d.error]
    assert err.warc_offset == offset and f"Content-Length {cl + delta}" in err.error, err.error
    assert err.url is not None and docs.index(err) == 1


def test_blank_padding_after_a_record_is_not_an_error(tmp_path: Path, members: list[bytes]) -> None:
    m = [raw + b"\r\n" * 3 for raw in members]  # some writers pad members; nothing is wrong
    docs = _read(tmp_path, regzip(m))
    assert len(docs) == len(_responses(members)) and all(d.error is None for d in docs)


def test_source_says_commoncrawl_only_for_common_crawl_files(tmp_path: Path, shared_data: Path) -> None:
    wget = shared_data / "warc_other/dolma-wget-sample-0000.warc.gz"
    assert {d.source for d in open_reader(str(wget), "w")} == {"warc"}
    # the same bytes where a Common Crawl download puts them: the path names the crawl
    cc_path = tmp_path / "crawl-data/CC-MAIN-2024-22/segments/1715/warc/wget.warc.gz"
    cc_path.parent.mkdir(parents=True)
    shutil.copy(wget, cc_path)
    assert {(d.source, d.crawl) for d in open_reader(str(cc_path), "c")} == {
        ("commoncrawl", "CC-MAIN-2024-22")
    }
    # no crawl in the name, but the warcinfo says isPartOf: CC-MAIN-2024-22
    renamed = tmp_path / "pages.warc.gz"
    shutil.copy(shared_data / "commoncrawl/whirlwind.warc.gz", renamed)
    assert [d.source for d in open_reader(str(renamed), "r")] == ["commoncrawl"]
    assert {d.source for d in open_reader(str(wget), "w", source="mine")} == {"mine"}  # a spec's source wins
