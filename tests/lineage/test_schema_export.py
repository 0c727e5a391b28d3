import json
from pathlib import Path

from dolmalike.lineage.schema_export import schema_json

REPO = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_code():
    committed = json.loads((REPO / "manifests" / "schema.json").read_text())
    assert committed == schema_json(), (
        "run: python -m dolmalike.lineage.schema_export > manifests/schema.json"
    )


def test_contract_columns_present():
    s = schema_json()
    names = {t: [f["name"] for f in cols] for t, cols in s.items() if isinstance(cols, list)}
    for col in (
        "doc_id",
        "source",
        "url",
        "crawl",
        "warc_path",
        "warc_offset",
        "warc_record_id",
        "status",
        "stage",
        "reason",
    ):
        assert col in names["documents"]
    assert names["tokens"][:6] == ["doc_id", "shard", "start", "end", "repetition", "source"]


def test_every_provenance_column_is_a_document_field():
    """The manifest's provenance columns (the one list) are all carried by Document."""
    import dataclasses
    from datetime import datetime, timezone

    from dolmalike.core.document import DERIVED_FIELDS, Document
    from dolmalike.core.schema import PROVENANCE

    fields = {f.name for f in dataclasses.fields(Document)} | set(DERIVED_FIELDS)
    assert [name for name, _ in PROVENANCE if name not in fields] == []
    doc = Document(doc_id="d", url="u", warc_offset=7, fetch_date_raw="2019-07-17T14:15:59+02:00")
    assert list(doc.provenance()) == [name for name, _ in PROVENANCE]
    assert doc.provenance()["warc_offset"] == 7
    # the derived column: the raw header as a UTC instant
    assert doc.provenance()["fetch_date"] == datetime(2019, 7, 17, 12, 15, 59, tzinfo=timezone.utc)


def test_schema_version_and_typed_columns():
    """Version 2: fetch_date a UTC timestamp beside its raw string; typed details and metadata."""
    s = schema_json()
    assert s["schema_version"] == 2
    for table in ("documents", "docs (RUN_DIR/docs/<partition>.parquet)"):
        types = {f["name"]: f["type"] for f in s[table]}
        assert types["fetch_date"] == "timestamp[us, tz=UTC]" and types["fetch_date_raw"] == "string"
    docs = {f["name"]: f["type"] for f in s["docs (RUN_DIR/docs/<partition>.parquet)"]}
    assert docs["metadata"].startswith("struct<http_status: int64") and docs["metadata_json"] == "string"
    details = s["decisions.detail, by stage"]
    assert details["c4_clean"].startswith("struct<rules: struct<") and details["extract"] == "JSON text"
    assert details["pii_mask"].startswith("struct<replacements: list<")
