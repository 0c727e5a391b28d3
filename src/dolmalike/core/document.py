"""The one document type that flows through every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dolmalike.core.dates import parse_fetch_date
from dolmalike.core.schema import PROVENANCE

# Provenance columns, in manifest order (core.schema.PROVENANCE). They are attached by the reader
# and never change.
PROVENANCE_FIELDS: tuple[str, ...] = tuple(name for name, _ in PROVENANCE)
# Columns computed from other fields (Document properties): written to tables, never read back.
DERIVED_FIELDS: tuple[str, ...] = ("fetch_date",)
# The provenance a Document is built from (constructor arguments; what JSON layouts carry).
STORED_FIELDS: tuple[str, ...] = tuple(n for n in PROVENANCE_FIELDS if n not in DERIVED_FIELDS)


@dataclass(slots=True)
class Document:
    doc_id: str
    text: str = ""
    source: str = ""
    url: str | None = None
    crawl: str | None = None
    warc_path: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None
    warc_payload_digest: str | None = None
    fetch_date_raw: str | None = None  # the WARC-Date (or Dolma `created`) string as the input had it
    # Where the runner found it: the input partition and the record's position in it.
    # (partition, ordinal) is the global sort key that keeps outputs worker-count independent.
    partition: str = ""
    ordinal: int = 0
    # Raw HTTP payload until the extract stage turns it into text; then dropped to save memory.
    html: bytes | None = None
    content_type: str | None = None
    charset: str | None = None
    # Set by a reader for a record it could not parse; the runner records it as status=error
    # ("path@offset: message") and never passes it to stages.
    error: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def fetch_date(self) -> datetime | None:
        """fetch_date_raw as a UTC instant (the manifests' `fetch_date`); None if it does not parse."""
        return parse_fetch_date(self.fetch_date_raw)

    def provenance(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PROVENANCE_FIELDS}
