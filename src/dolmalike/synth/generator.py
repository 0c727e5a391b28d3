"""``generate_crawl``: write a synthetic Common Crawl sample plus its ground truth and eval set.

Output in ``out_dir``:
  crawl-00000.warc.gz ...   WARC/1.1, gzip per record: warcinfo, then per page request + response
                            (+ a metadata record for about a third of pages)
  ground_truth.parquet      one row per response record (columns: see ``synth.groundtruth``)
  eval_set.jsonl            the planted multiple-choice items (llm-foundry format)
  synth.json                parameters and summary counts

The same ``(n_docs, seed, n_files)`` always gives byte-identical files: no clock, no global RNG,
``gzip`` members with ``mtime=0``, record ids and dates derived from hashes of the seed.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from tqdm import tqdm

from dolmalike import __version__
from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import hash_unit
from dolmalike.io.atomic import atomic_open, atomic_write_bytes, atomic_write_json, remove_stale_temps
from dolmalike.synth.groundtruth import rows_to_table, write_ground_truth
from dolmalike.synth.html import CHARSET_LABELS
from dolmalike.synth.http import request_block, response_head
from dolmalike.synth.page import CRAWL_ID, Page, PageBuilder, fetch_time, record_id
from dolmalike.synth.payloads import Payload, make_payload
from dolmalike.synth.resources import eval_items
from dolmalike.synth.warc import WarcWriter, sha1_digest, warc_date, warcinfo_block

METADATA_SHARE = 0.3
EMPTY_DIGEST = sha1_digest(b"")


@dataclass
class SynthResult:
    out_dir: Path
    warc_paths: list[Path]
    ground_truth_path: Path
    eval_set_path: Path
    info_path: Path
    seed: int
    crawl_id: str
    n_docs: int  # response records (= ground-truth rows)
    n_records: int  # all WARC records, warcinfo/request/metadata included
    n_dup_groups: int
    dup_kinds: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("out_dir", "ground_truth_path", "eval_set_path", "info_path"):
            d[k] = str(d[k])
        d["warc_paths"] = [str(p) for p in self.warc_paths]
        return d


def _file_name(k: int) -> str:
    return f"crawl-{k:05d}.warc.gz"


def generate_crawl(
    out_dir: Path, n_docs: int, seed: int, n_files: int = 4, progress: bool = False
) -> SynthResult:
    """Write a deterministic synthetic crawl of ``n_docs`` pages in ``n_files`` WARC files."""
    if n_docs < 1:
        raise DolmalikeError(f"--docs must be at least 1 (got {n_docs})")
    if not 1 <= n_files <= n_docs:
        raise DolmalikeError(f"--files must be between 1 and the number of docs (got {n_files})")
    if seed < 0:
        raise DolmalikeError(f"--seed must be non-negative (got {seed})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out_dir)  # a killed `synth` leaves `.crawl-00000.warc.gz.PID.tmp` behind
    for stale in out_dir.glob("crawl-*.warc.gz"):  # leftovers of an earlier run with more files
        if stale.name not in {_file_name(k) for k in range(n_files)}:
            stale.unlink()

    builder = PageBuilder(n_docs, seed)
    pages = iter(builder)
    bar = tqdm(total=n_docs, unit="page", desc="synth", file=sys.stderr, disable=not progress)
    payload_cache: dict[int, Payload] = {}
    last_use = {p.dup_of: p.index for p in builder.plans if p.dup_kind == "exact"}
    tables: list[pa.Table] = []
    warc_paths: list[Path] = []
    n_records = 0
    for k in range(n_files):
        lo, hi = k * n_docs // n_files, (k + 1) * n_docs // n_files
        path = out_dir / _file_name(k)
        rows: list[dict[str, Any]] = []
        with atomic_open(path) as f:
            w = WarcWriter(f)
            info_id = record_id(seed, n_docs, k, f"warcinfo/{n_files}")
            _write_warcinfo(w, path.name, info_id, seed, n_docs, fetch_time(seed, lo))
            for _ in range(lo, hi):
                page = next(pages)
                if page.dup_kind == "exact":
                    payload = payload_cache[page.dup_of_index]
                    if last_use.get(page.dup_of_index) == page.index:
                        del payload_cache[page.dup_of_index]
                else:
                    payload = make_payload(page)
                    if page.index in last_use:
                        payload_cache[page.index] = payload
                rows.append(_write_page(w, page, payload, info_id, seed, path.name))
                bar.update(1)
            n_records += w.n_records
        tables.append(rows_to_table(rows))
        warc_paths.append(path)
    bar.close()

    table = pa.concat_tables(tables)
    gt_path = out_dir / "ground_truth.parquet"
    write_ground_truth(gt_path, table)
    eval_path = out_dir / "eval_set.jsonl"
    atomic_write_bytes(
        eval_path, "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in eval_items()).encode()
    )

    col = table.to_pydict()
    result = SynthResult(
        out_dir=out_dir,
        warc_paths=warc_paths,
        ground_truth_path=gt_path,
        eval_set_path=eval_path,
        info_path=out_dir / "synth.json",
        seed=seed,
        crawl_id=CRAWL_ID,
        n_docs=n_docs,
        n_records=n_records,
        n_dup_groups=len({g for g in col["dup_group"] if g is not None}),
        dup_kinds=dict(sorted(Counter(col["dup_kind"]).items())),
        kinds=dict(sorted(Counter(col["kind"]).items())),
        languages=dict(sorted(Counter(x or "none" for x in col["language"]).items())),
    )
    info = {
        k: v
        for k, v in result.summary().items()
        if not k.endswith("path") and k not in ("out_dir", "warc_paths")
    }
    info.update(
        generator=f"dolmalike {__version__}", n_files=n_files, warc_files=[p.name for p in warc_paths]
    )
    atomic_write_json(result.info_path, info)
    return result


def _write_warcinfo(w: WarcWriter, name: str, info_id: str, seed: int, n_docs: int, date: Any) -> None:
    block = warcinfo_block(
        {
            "isPartOf": CRAWL_ID,
            "publisher": "dolmalike synthetic crawl",
            "description": f"Synthetic crawl for tests and demos (seed={seed}, docs={n_docs})",
            "operator": "dolmalike synth",
            "hostname": "synth-crawler-0",
            "software": f"dolmalike-synth/{__version__}",
            "robots": "checked (synthetic)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        }
    )
    w.write(
        [
            ("WARC-Type", "warcinfo"),
            ("WARC-Date", warc_date(date)),
            ("WARC-Record-ID", info_id),
            ("Content-Type", "application/warc-fields"),
            ("WARC-Filename", name),
            ("WARC-Block-Digest", sha1_digest(block)),
        ],
        block,
    )


def _write_page(
    w: WarcWriter, page: Page, payload: Payload, info_id: str, seed: int, warc_file: str
) -> dict[str, Any]:
    date = warc_date(page.fetch_time)
    req_id = _sibling_id(page.record_id, "request")
    req = request_block(page)
    w.write(
        [
            ("WARC-Type", "request"),
            ("WARC-Date", date),
            ("WARC-Record-ID", req_id),
            ("Content-Type", "application/http; msgtype=request"),
            ("WARC-Warcinfo-ID", info_id),
            ("WARC-IP-Address", page.site.ip),
            ("WARC-Target-URI", page.url),
            ("WARC-Payload-Digest", EMPTY_DIGEST),
            ("WARC-Block-Digest", sha1_digest(req)),
        ],
        req,
    )
    block = response_head(page, payload) + payload.body
    payload_digest = sha1_digest(payload.body)
    offset = w.write(
        [
            ("WARC-Type", "response"),
            ("WARC-Date", date),
            ("WARC-Record-ID", page.record_id),
            ("Content-Type", "application/http; msgtype=response"),
            ("WARC-Warcinfo-ID", info_id),
            ("WARC-Concurrent-To", req_id),
            ("WARC-IP-Address", page.site.ip),
            ("WARC-Target-URI", page.url),
            ("WARC-Payload-Digest", payload_digest),
            ("WARC-Block-Digest", sha1_digest(block)),
            ("WARC-Identified-Payload-Type", payload.mime),
        ],
        block,
    )
    if page.kind != "binary" and hash_unit(seed, "metadata", page.index) < METADATA_SHARE:
        fields = {"fetchTimeMs": str(40 + page.index * 37 % 900)}
        if page.charset:
            fields["charset-detected"] = CHARSET_LABELS[page.charset]
        meta = warcinfo_block(fields)
        w.write(
            [
                ("WARC-Type", "metadata"),
                ("WARC-Date", date),
                ("WARC-Record-ID", _sibling_id(page.record_id, "metadata")),
                ("Content-Type", "application/warc-fields"),
                ("WARC-Warcinfo-ID", info_id),
                ("WARC-Concurrent-To", page.record_id),
                ("WARC-Target-URI", page.url),
                ("WARC-Payload-Digest", sha1_digest(meta)),
                ("WARC-Block-Digest", sha1_digest(meta)),
            ],
            meta,
        )
    return {
        "warc_file": warc_file,
        "warc_offset": offset,
        "warc_record_id": page.record_id,
        "doc_id": page.doc_id,
        "url": page.url,
        "host": page.site.host,
        "category": page.category,
        "kind": page.kind,
        "language": page.language,
        "charset": page.charset,
        "charset_declared": page.charset_decl,
        "http_status": page.http_status,
        "content_type": payload.content_type,
        "warc_payload_digest": payload_digest,
        "title": page.title,
        "dup_group": page.dup_group,
        "dup_kind": page.dup_kind,
        "dup_of": page.dup_of,
        "true_jaccard": page.true_jaccard,
        "pii_emails": page.pii_emails,
        "pii_phones": page.pii_phones,
        "pii_ips": page.pii_ips,
        "has_badwords": bool(page.badwords),
        "badwords": page.badwords,
        "benchmark_id": page.benchmark_id,
        "quality": page.quality,
        "main_text": page.main_text,
        "fetch_time": page.fetch_time,
    }


def _sibling_id(response_id: str, rtype: str) -> str:
    """Record id of the request/metadata record that belongs with a response (hash of its id)."""
    h = hashlib.sha1(f"{response_id}/{rtype}".encode()).digest()[:16]
    return f"<urn:uuid:{uuid.UUID(bytes=h, version=4)}>"
