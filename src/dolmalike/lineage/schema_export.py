"""Export the manifest schemas as JSON (the committed copy lives in manifests/schema.json).

It lives in lineage, above stages and dedup, because it lists the detail type each stage declares.

python -m dolmalike.lineage.schema_export > manifests/schema.json
"""

from __future__ import annotations

import json
import sys

import pyarrow as pa

from dolmalike.core.schema import SCHEMA_VERSION, TABLES
from dolmalike.dedup.results import DETAIL_TYPE as DEDUP_DETAIL
from dolmalike.io.docstore import DOCS_SCHEMA
from dolmalike.stages.registry import STAGES, stage_registry

DETAILS_KEY = "decisions.detail, by stage"


def detail_types() -> dict[str, str]:
    """Each builtin stage's `detail` type ("JSON text" when free-form), dedup steps' included."""
    registry = stage_registry()
    out = {}
    for name in sorted(STAGES):
        t = registry.get(name).detail_type
        out[name] = "JSON text" if t is None else str(t)
    out["read (the reader's own decisions)"] = "JSON text"
    out["url_dedup, content_dedup, minhash_dedup"] = str(DEDUP_DETAIL)
    return out


def schema_json() -> dict:
    def fields(schema: pa.Schema) -> list[dict[str, str]]:
        return [{"name": f.name, "type": str(f.type)} for f in schema]

    out: dict = {"schema_version": SCHEMA_VERSION}
    out.update({name: fields(schema) for name, schema in TABLES.items()})
    out["docs (RUN_DIR/docs/<partition>.parquet)"] = fields(DOCS_SCHEMA)
    out[DETAILS_KEY] = detail_types()
    return out


def main() -> None:
    json.dump(schema_json(), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
