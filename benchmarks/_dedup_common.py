"""Shared helpers of the dedup benchmarks: synthetic documents written as RUN_DIR/docs parts."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from tqdm import tqdm

from dolmalike.core.document import Document
from dolmalike.io.docstore import write_docs
from dolmalike.manifests.layout import RunLayout
from dolmalike.synth.page import iter_pages


class PageMeta(NamedTuple):
    doc_id: str
    dup_group: str | None
    dup_kind: str
    dup_of: str | None
    text: str
    fetch_date: datetime | None  # the parsed instant the keep rule sorts on


def synthetic_pages(n_docs: int, seed: int, desc: str = "synth pages"):
    """Pages of the project's synthetic crawl that have text (planted exact/near dups included)."""
    for p in tqdm(iter_pages(n_docs, seed), total=n_docs, desc=desc, file=sys.stderr, leave=False):
        if p.main_text.strip():
            yield p


def write_run(
    run_dir: Path, n_docs: int, seed: int, n_partitions: int
) -> tuple[RunLayout, list[str], list[PageMeta]]:
    """Write the crawl as n_partitions docs parts (contiguous slices, like WARC files).
    Returns the layout, partition names and the pages' PageMeta, in page order."""
    layout = RunLayout.of(run_dir)
    parts = [f"crawl-{k:05d}" for k in range(n_partitions)]
    per = -(-n_docs // n_partitions)
    meta, buf, k = [], [], 0
    for p in synthetic_pages(n_docs, seed):
        buf.append(
            Document(
                p.doc_id,
                text=p.main_text,
                url=p.url,
                fetch_date_raw=p.fetch_time.isoformat(),
                partition=parts[k],
                ordinal=len(buf),
            )  # fmt: skip
        )
        meta.append(PageMeta(p.doc_id, p.dup_group, p.dup_kind, p.dup_of, p.main_text, buf[-1].fetch_date))
        if len(buf) == per:
            write_docs(layout.doc_part(parts[k]), buf)
            buf, k = [], k + 1
    if buf or k < n_partitions:
        write_docs(layout.doc_part(parts[k]), buf)
        k += 1
    return layout, parts[:k], meta
