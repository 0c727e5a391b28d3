"""Export the manifest schemas as JSON (the committed copy lives in manifests/schema.json).

python -m dolmalike.manifests.export > manifests/schema.json
"""

from __future__ import annotations

import json
import sys

import pyarrow as pa

from dolmalike.core.schema import TABLES
from dolmalike.io.docstore import DOCS_SCHEMA


def schema_json() -> dict:
    def fields(schema: pa.Schema) -> list[dict[str, str]]:
        return [{"name": f.name, "type": str(f.type)} for f in schema]

    out = {name: fields(schema) for name, schema in TABLES.items()}
    out["docs (RUN_DIR/docs/<partition>.parquet)"] = fields(DOCS_SCHEMA)
    return out


def main() -> None:
    json.dump(schema_json(), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
