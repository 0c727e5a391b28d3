import json
from datetime import datetime, timezone

import pytest

from dolmalike.core.document import Document
from dolmalike.core.schema import TIMESTAMP
from dolmalike.io.docstore import read_docs, read_docs_table, write_docs


def _docs():
    return [
        Document(
            doc_id=f"{i:016x}",
            text=f"text {i} ünïcödé",
            source="synthetic",
            url=f"http://x/{i}",
            warc_path="a.warc.gz",
            warc_offset=100 * i,
            partition="a",
            ordinal=i,
            metadata={"k": i} if i % 2 else {},
        )
        for i in range(5)
    ]


@pytest.mark.parametrize("name", ["p.parquet", "p.jsonl.zst"])
def test_roundtrip(tmp_path, name):
    docs = _docs()
    write_docs(tmp_path / name, docs)
    back = list(read_docs(tmp_path / name))
    assert [d.doc_id for d in back] == [d.doc_id for d in docs]
    assert [d.text for d in back] == [d.text for d in docs]
    assert back[3].metadata == {"k": 3} and back[2].metadata == {}
    assert back[4].warc_offset == 400 and back[4].url == "http://x/4"


def test_parquet_bytes_are_deterministic(tmp_path):
    write_docs(tmp_path / "a.parquet", _docs())
    write_docs(tmp_path / "b.parquet", _docs())
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize("name", ["p.parquet", "p.jsonl.zst"])
def test_typed_metadata_and_fetch_dates_read_back_unchanged(tmp_path, name):
    metas = [
        {"http_status": 200, "charset": "utf-8", "charset_source": "meta", "input_id": 7},
        {"http_status": None, "language": "en"},  # null status ("no HTTP status line") stays a key
        {"http_status": True, "refers_to": "<urn:x>"},  # a bool is not an int64 status
        {},
    ]
    dates = ["2019-07-17T14:15:59+02:00", None, "yesterday", "2019-07-17T12:15:59Z"]
    docs = [
        Document(f"d{i}", text="t", metadata=m, fetch_date_raw=f)
        for i, (m, f) in enumerate(zip(metas, dates))
    ]
    write_docs(tmp_path / name, docs)
    back = list(read_docs(tmp_path / name))
    assert [d.metadata for d in back] == metas and [d.fetch_date_raw for d in back] == dates
    table = read_docs_table(tmp_path / name)
    assert table.schema.field("fetch_date").type == TIMESTAMP
    assert table["fetch_date"].to_pylist()[:3] == [
        datetime(2019, 7, 17, 12, 15, 59, tzinfo=timezone.utc),
        None,
        None,
    ]
    typed = table["metadata"].to_pylist()
    assert typed[0]["http_status"] == 200 and typed[0]["charset_source"] == "meta"
    assert typed[1]["http_status"] is None and typed[2]["http_status"] is None
    assert [json.loads(j) if j else None for j in table["metadata_json"].to_pylist()] == [
        {"input_id": 7},
        {"http_status": None},
        {"http_status": True},
        None,
    ]
