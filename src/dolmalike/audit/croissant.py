"""A Croissant 1.0 (MLCommons) JSON-LD description of a RUN_DIR, written by hand (no runtime
dependency; the tests validate it with `mlcroissant` and read records through it).

File paths are relative to RUN_DIR, so the JSON-LD belongs in RUN_DIR (`RUN_DIR/croissant.json`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from dolmalike.core.schema import DOCUMENTS, TOKENS

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
PARQUET = "application/x-parquet"


def _dtype(arrow_type: Any) -> str | None:
    s = str(arrow_type)
    if s in ("string", "large_string"):
        return "sc:Text"
    if s.startswith(("int", "uint")):
        return "sc:Integer"
    if s in ("float", "double"):
        return "sc:Float"
    if s == "bool":
        return "sc:Boolean"
    return None  # nested / JSON columns are left out of the record set


def _record_set(name: str, file_set: str, schema: Any) -> dict[str, Any]:
    fields = []
    for f in schema:
        dt = _dtype(f.type)
        if dt:
            fields.append({"@type": "cr:Field", "@id": f"{name}/{f.name}", "name": f.name, "dataType": dt,
                           "source": {"fileSet": {"@id": file_set}, "extract": {"column": f.name}}})  # fmt: skip
    return {"@type": "cr:RecordSet", "@id": name, "name": name, "field": fields}


def croissant(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-LD for the run described by report_data.collect's dict."""
    run = Path(data["run_dir"])
    funnel = data["funnel"]
    langs = ", ".join(f"{r['language']} ({r['n']})" for r in data["composition"].get("languages", [])[:8])
    desc = (
        f"Documents from {len(data['inputs'])} input file(s) processed by dolmalike ({' -> '.join(data['stages'])}): "
        f"{funnel['input']} input records, {funnel['kept']} kept, {funnel['dropped']} dropped, {funnel['error']} errors."
        + (f" Languages of kept documents: {langs}." if langs else "")
    )
    dist: list[dict[str, Any]] = [
        {"@type": "cr:FileObject", "@id": f"input/{i}", "name": Path(inp["path"]).name,
         "contentUrl": inp["path"], "encodingFormat": "application/warc", "sha256": inp["sha256"],
         "contentSize": f"{inp['size']} B"}
        for i, inp in enumerate(data["inputs"])
    ]  # fmt: skip
    dist.append({"@type": "cr:FileSet", "@id": "documents-manifest", "name": "documents-manifest",
                 "encodingFormat": PARQUET, "includes": "manifests/documents/*.parquet"})  # fmt: skip
    record_sets = [_record_set("documents", "documents-manifest", DOCUMENTS)]
    mix = data.get("mix")
    if mix and (Path(mix["dir"]) / "manifests" / "tokens").is_dir():
        rel = (
            Path(mix["dir"]).resolve().relative_to(run)
            if Path(mix["dir"]).resolve().is_relative_to(run)
            else None
        )
        if rel is not None:
            dist.append({"@type": "cr:FileSet", "@id": "tokens-manifest", "name": "tokens-manifest",
                         "encodingFormat": PARQUET, "includes": f"{rel}/manifests/tokens/*.parquet"})  # fmt: skip
            record_sets.append(_record_set("tokens", "tokens-manifest", TOKENS))
    for tagger_dir in sorted((run / "manifests" / "attributes").glob("*")):
        parts = sorted(tagger_dir.glob("*.parquet"))
        if not parts:
            continue
        fs = f"attributes-{tagger_dir.name}"
        dist.append({"@type": "cr:FileSet", "@id": fs, "name": fs, "encodingFormat": PARQUET,
                     "includes": f"manifests/attributes/{tagger_dir.name}/*.parquet"})  # fmt: skip
        record_sets.append(_record_set(f"attributes_{tagger_dir.name}", fs, pq.read_schema(parts[0])))
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": data["name"],
        "description": desc,
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "url": run.as_uri(),
        "version": "1.0.0",
        "identifier": str(data.get("config_hash")),
        "license": "https://commoncrawl.org/terms-of-use",
        "citeAs": f"dolmalike run {data['name']} (config {data.get('config_hash')})",
        "distribution": dist,
        "recordSet": record_sets,
    }
