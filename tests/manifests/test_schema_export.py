import json
from pathlib import Path

from dolmalike.manifests.export import schema_json

REPO = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_code():
    committed = json.loads((REPO / "manifests" / "schema.json").read_text())
    assert committed == schema_json(), "run: python -m dolmalike.manifests.export > manifests/schema.json"


def test_contract_columns_present():
    s = schema_json()
    names = {t: [f["name"] for f in cols] for t, cols in s.items()}
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

    from dolmalike.core.document import Document
    from dolmalike.core.schema import PROVENANCE

    fields = {f.name for f in dataclasses.fields(Document)}
    assert [name for name, _ in PROVENANCE if name not in fields] == []
    doc = Document(doc_id="d", url="u", warc_offset=7)
    assert list(doc.provenance()) == [name for name, _ in PROVENANCE]
    assert doc.provenance()["warc_offset"] == 7
