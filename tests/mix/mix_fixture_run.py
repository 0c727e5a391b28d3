"""A small RUN_DIR written directly with the project's writers: real Dolma CC text (multilingual),
two partitions (+ an optional third of hand-written texts), a documents manifest (some docs dropped),
three tagger tables and a dedup table.

Attributes are simple functions of the text so tests can recompute who should match:
- langid_v1.language: "en" if >= 97% of characters are ASCII else "xx"; language_score in [0, 1]
- gopher_quality_v1.passes: len(text) >= 800; n_words
- quality_v1.quality_score: hash_unit(7, doc_id)
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for, hash_unit
from dolmalike.core.schema import DEDUP, DOCUMENTS
from dolmalike.io.docstore import write_docs
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.writer import write_attributes, write_rows

DOLMA_FILE = "dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"

LANGID = pa.schema([("language", pa.string()), ("language_score", pa.float64())])
GOPHER = pa.schema([("passes", pa.bool_()), ("n_words", pa.int64())])
QUALITY = pa.schema([("quality_score", pa.float64())])


def language(text: str) -> str:
    return "en" if text and sum(c.isascii() for c in text) / len(text) >= 0.97 else "xx"


def load_texts(shared_data: Path, n_docs: int, max_chars: int) -> list[dict]:
    rows = []
    with gzip.open(shared_data / DOLMA_FILE, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            text = rec["text"][:max_chars]
            if len(text) < 50:
                continue
            rows.append({"id": rec["id"], "text": text, "url": rec["metadata"]["url"],
                         "offset": int(rec["metadata"]["uncompressed_offset"])})  # fmt: skip
            if len(rows) == n_docs:
                break
    return rows


def write_run(
    shared_data: Path,
    run_dir: Path,
    n_docs: int = 160,
    max_chars: int = 1500,
    extra_texts: tuple[str, ...] = (),
) -> dict[str, Document]:
    """Write the RUN_DIR; returns kept doc_id -> Document. `extra_texts` go to a third partition."""
    layout = RunLayout.of(run_dir)
    kept: dict[str, Document] = {}
    recs = load_texts(shared_data, n_docs, max_chars)
    extra = [
        {"id": f"extra-{i}", "text": t, "url": f"example.org/extra/{i}", "offset": i}
        for i, t in enumerate(extra_texts)
    ]
    groups = {"part-a": recs[0::2], "part-b": recs[1::2], **({"part-x": extra} if extra else {})}
    for partition, part in groups.items():
        docs = [
            Document(
                doc_id=doc_id_for(r["id"]),
                text=r["text"],
                source="dolma-cc",
                url=r["url"],
                crawl="CC-MAIN-2019-30",
                warc_path=f"crawl/{partition}.warc.gz",
                warc_offset=r["offset"],
                warc_record_id=f"<urn:uuid:{r['id']}>",
                partition=partition,
                ordinal=i,
            )  # fmt: skip
            for i, r in enumerate(part)
        ]
        # every 10th document was dropped by some stage: it stays in docs/ only if dropped later
        # (global dedup), which is exactly the case the mix must still exclude.
        status = {
            d.doc_id: ("dropped" if d.ordinal % 10 == 3 and partition != "part-x" else "kept") for d in docs
        }
        write_docs(layout.doc_part(partition), docs)
        write_rows(
            layout.part("documents", partition),
            DOCUMENTS,
            [{**d.provenance(), "partition": partition, "ordinal": d.ordinal, "status": status[d.doc_id],
              "stage": "fixture", "reason": None if status[d.doc_id] == "kept" else "minhash_duplicate",
              "n_chars": len(d.text)} for d in docs],
        )  # fmt: skip
        write_attributes(layout, "langid_v1", partition, LANGID,
                         [{"doc_id": d.doc_id, "language": language(d.text),
                           "language_score": round(hash_unit(3, d.doc_id), 3)} for d in docs])  # fmt: skip
        # gopher only tagged documents of even ordinal: the others have no row (NULL attributes)
        write_attributes(layout, "gopher_quality_v1", partition, GOPHER,
                         [{"doc_id": d.doc_id, "passes": len(d.text) >= 800, "n_words": len(d.text.split())}
                          for d in docs if d.ordinal % 2 == 0])  # fmt: skip
        write_attributes(layout, "quality_v1", partition, QUALITY,
                         [{"doc_id": d.doc_id, "quality_score": hash_unit(7, d.doc_id)} for d in docs])  # fmt: skip
        write_rows(layout.part("dedup", partition), DEDUP,
                   [{"doc_id": d.doc_id, "method": "minhash", "cluster_id": f"c{d.ordinal // 4}",
                     "cluster_size": 4, "representative_id": docs[d.ordinal - d.ordinal % 4].doc_id, "jaccard": 0.9}
                    for d in docs])  # fmt: skip
        kept.update({d.doc_id: d for d in docs if status[d.doc_id] == "kept"})
    return kept


def attrs(doc: Document) -> dict:
    return {
        "language": language(doc.text),
        "passes": (len(doc.text) >= 800) if doc.ordinal % 2 == 0 else None,
        "quality_score": hash_unit(7, doc.doc_id),
    }


def run_cli(argv: list[str]) -> int:
    """Run one of this feature's CLI commands through its own `register` (as cli.main does), so the
    test does not depend on every other command module importing."""
    import argparse
    import importlib

    parser = argparse.ArgumentParser(prog="dolmalike")
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(f"dolmalike.cli.{argv[0]}").register(sub)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def write_spec(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
