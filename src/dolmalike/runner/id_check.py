"""doc_ids unique across the inputs of a run, checked once the streaming step is done.

Within one file a repeated WARC-Record-ID is renamed at read time (readers/unique_ids.py), but
files are read in parallel, so the same record in two inputs (one file listed under two names, a
re-download beside the original, two Dolma files repeating a source + id) gets one doc_id in two
partitions. Every later step and manifest is keyed by doc_id: exact and near-dup dedup would see
one document and keep both copies, and the documents manifest would hold the key twice. Which
copy is "the" document is the user's call, so the run stops here, before the global steps, and
names the inputs.
"""

from __future__ import annotations

import duckdb

from dolmalike.core.errors import DolmalikeError
from dolmalike.manifests.layout import RunLayout
from dolmalike.runner.partition import records_path

_EXAMPLES = 2


def check_unique_doc_ids(layout: RunLayout, partitions: list[str]) -> None:
    """Raise DolmalikeError (one line) when a doc_id was read in more than one partition."""
    files = [str(records_path(layout, p)) for p in partitions]
    if len(files) < 2:
        return
    con = duckdb.connect()
    try:
        rel = con.execute(
            """
            WITH r AS (SELECT doc_id, partition, warc_path, warc_offset, warc_record_id FROM read_parquet(?)),
            dup AS (SELECT doc_id FROM r GROUP BY doc_id HAVING count(DISTINCT partition) > 1)
            SELECT r.doc_id, any_value(r.warc_record_id),
                   list(r.warc_path || '@' || coalesce(r.warc_offset::VARCHAR, '?')
                        ORDER BY r.partition, r.warc_offset),
                   count(*) OVER () AS n
            FROM r JOIN dup USING (doc_id) GROUP BY r.doc_id ORDER BY r.doc_id LIMIT ?
            """,
            [files, _EXAMPLES],
        ).fetchall()
    finally:
        con.close()
    if not rel:
        return
    n = rel[0][3]
    examples = "; ".join(
        f"doc_id {doc_id}{f' ({rid})' if rid else ''} at {' and '.join(where)}"
        for doc_id, rid, where, _ in rel
    )
    raise DolmalikeError(
        f"{n} record(s) were read from more than one input, so their doc_ids are not unique: {examples}. "
        "Is an input listed twice or under two names? Remove the copy and run again."
    )
