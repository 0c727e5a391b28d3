"""Make doc_ids unique within one input file.

A doc_id is derived from what a record *is* (its WARC-Record-ID), so a file that repeats a
Record-ID (a bad writer, a concatenation of overlapping crawls) would give two records one
doc_id, and every manifest keyed by doc_id would merge their stories. The second and later
holders of an id get one derived from where they are (`partition@offset`, like records without
an id); the note left in `metadata[RENAMED]` becomes a `read/renamed` decision in the lineage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for

RENAMED = "doc_id_renamed"


def unique_doc_ids(docs: Iterable[Document], partition: str) -> Iterator[Document]:
    first_at: dict[str, int | None] = {}  # doc_id -> offset of the record that holds it
    for doc in docs:
        if doc.doc_id in first_at:
            taken = doc.doc_id
            key = f"{partition}@{doc.warc_offset}"
            new, n = doc_id_for(key), 1
            while new in first_at:  # e.g. an error and a record reported at one offset
                new, n = doc_id_for(f"{key}#{n}"), n + 1
            what = f"WARC-Record-ID {doc.warc_record_id}" if doc.warc_record_id else "id"
            doc.metadata[RENAMED] = (
                f"duplicate {what}: doc_id {taken} belongs to the record at offset {first_at[taken]}; "
                f"this one's doc_id {new} is derived from {key}"
            )
            doc.doc_id = new
        first_at[doc.doc_id] = doc.warc_offset
        yield doc
