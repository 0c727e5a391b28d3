"""Arrow schemas of the lineage manifests: the contract every stage extends.

Columns may be added; existing names are never renamed. A column's type may change (pre-1.0) when
it becomes more precise; SCHEMA_VERSION then goes up (it is in manifests/schema.json and in every
run's receipt, so a reader can tell old run dirs apart).
"""

from __future__ import annotations

import pyarrow as pa

# 2: fetch_date a UTC timestamp (fetch_date_raw the header as seen); typed decision details and
#    document metadata; stream decisions split per stage (decisions/stream/<stage>/).
SCHEMA_VERSION = 2

TIMESTAMP = pa.timestamp("us", tz="UTC")

# What the reader attaches to every record (Document.provenance()) plus where the runner found it.
PROVENANCE = [
    ("doc_id", pa.string()),
    ("source", pa.string()),
    ("url", pa.string()),
    ("crawl", pa.string()),
    ("warc_path", pa.string()),
    ("warc_offset", pa.int64()),
    ("warc_record_id", pa.string()),
    ("warc_payload_digest", pa.string()),
    ("fetch_date", TIMESTAMP),  # parsed from fetch_date_raw (core.dates); null if it does not parse
    ("fetch_date_raw", pa.string()),  # the WARC-Date / `created` string exactly as the input had it
]
LOCATION = [("partition", pa.string()), ("ordinal", pa.int64())]

# Every input record, before its fate is known (written by the streaming step, under work/).
RECORDS = pa.schema(PROVENANCE + LOCATION)

DOCUMENTS = pa.schema(
    PROVENANCE
    + LOCATION
    + [
        ("status", pa.string()),  # kept | dropped | error
        ("stage", pa.string()),  # last stage that touched the record
        ("reason", pa.string()),
        ("n_chars", pa.int64()),  # text length: as stored if kept, when dropped if dropped, 0 if error
    ]
)

DECISIONS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("partition", pa.string()),
        ("phase", pa.int32()),  # 0 = streaming stages; global steps (dedup...) get later phases
        ("seq", pa.int64()),  # order of decisions within (phase, partition)
        ("stage", pa.string()),
        ("decision", pa.string()),
        ("reason", pa.string()),
        ("score", pa.float64()),
        # the stage's declared struct (Stage.detail_type), or JSON text for free-form details;
        # the `decisions` view renders every stage's detail as JSON text (manifests.query)
        ("detail", pa.string()),
    ]
)

DEDUP = pa.schema(
    [
        ("doc_id", pa.string()),
        ("method", pa.string()),  # url | content | minhash
        ("cluster_id", pa.string()),
        ("cluster_size", pa.int64()),
        ("representative_id", pa.string()),
        (
            "jaccard",
            pa.float64(),
        ),  # Jaccard to the representative: exact when verified, else the MinHash estimate; 1.0 for exact dedup
    ]
)

MIX = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),  # mix source name (not the crawl source)
        ("rule", pa.string()),
        ("repetition", pa.int32()),
        ("n_tokens", pa.int64()),  # tokens the item occupies in the shards, EOS included (as budgets count)
    ]
)

TOKENS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("shard", pa.int32()),
        ("start", pa.int64()),  # token offset in the shard, inclusive
        ("end", pa.int64()),  # exclusive; the EOS that follows is at `end`
        ("repetition", pa.int32()),
        ("source", pa.string()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "decisions": DECISIONS,
    "dedup": DEDUP,
    "mix": MIX,
    "tokens": TOKENS,
}
