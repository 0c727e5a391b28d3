"""Fetch a selection of URLs into an output dir, recording each completed file in the fetch manifest.

A failing file does not stop the others; failures are collected and reported at the end.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.redact import redact
from dolmalike.fetch.download import FetchRecord, download
from dolmalike.fetch.listing import DEFAULT_BASE_URL, relative_path
from dolmalike.fetch.manifest import read_manifest, write_manifest
from dolmalike.fetch.remote import scheme_of
from dolmalike.fetch.retry import Backoff
from dolmalike.fetch.s3 import make_s3_client


@dataclass(frozen=True)
class FetchFailure:
    url: str
    path: str
    error: str


@dataclass
class FetchReport:
    records: list[FetchRecord] = field(default_factory=list)  # selection order; paths relative to out_dir
    failures: list[FetchFailure] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return sum(not r.skipped for r in self.records)

    @property
    def skipped(self) -> int:
        return sum(r.skipped for r in self.records)

    @property
    def bytes(self) -> int:
        return sum(r.size for r in self.records)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": len(self.records) + len(self.failures),
            "fetched": self.fetched,
            "skipped": self.skipped,
            "failed": len(self.failures),
            "bytes": self.bytes,
            "records": [asdict(r) for r in self.records],
            "failures": [asdict(f) for f in self.failures],
        }


def plan(urls: Sequence[str], base_url: str = DEFAULT_BASE_URL) -> list[tuple[str, str]]:
    """(url, relative output path) pairs; two URLs landing on one path is an error."""
    pairs = [(u, relative_path(u, base_url)) for u in urls]
    seen: dict[str, str] = {}
    for url, rel in pairs:
        if rel in seen and seen[rel] != url:
            raise DolmalikeError(
                f"two URLs map to the same output path {rel!r}: {redact(seen[rel])} and {redact(url)}"
            )
        seen[rel] = url
    return pairs


def fetch_all(
    urls: Sequence[str],
    out_dir: Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    retries: int = 5,
    backoff: Backoff | None = None,
    verify: bool = False,
    s3_endpoint: str | None = None,
    timeout: float = 60.0,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchReport:
    from tqdm import tqdm

    out_dir = Path(out_dir)
    pairs = list(dict.fromkeys(plan(urls, base_url)))  # drop exact duplicates, keep order
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(out_dir)
    s3_client = make_s3_client(s3_endpoint) if any(scheme_of(u) == "s3" for u, _ in pairs) else None
    report = FetchReport()
    with tqdm(
        total=None,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc="fetch",
        file=sys.stderr,
        disable=not progress,
    ) as bar:
        for i, (url, rel) in enumerate(pairs):
            bar.set_postfix_str(f"{i}/{len(pairs)} files", refresh=False)
            try:
                rec = download(
                    url,
                    out_dir / rel,
                    retries,
                    backoff,
                    known=manifest.get(rel),
                    verify=verify,
                    s3_client=s3_client,
                    s3_endpoint=s3_endpoint,
                    timeout=timeout,
                    on_bytes=bar.update,
                    sleep=sleep,
                )
            except DolmalikeError as e:
                report.failures.append(FetchFailure(redact(url), rel, redact(str(e))))
                continue
            rec = replace(rec, url=redact(rec.url), path=rel)  # the manifest never holds credentials
            report.records.append(rec)
            if not rec.skipped:
                manifest[rel] = replace(rec, skipped=False)
                write_manifest(out_dir, manifest.values())
        bar.set_postfix_str(f"{len(pairs)}/{len(pairs)} files")
    return report
