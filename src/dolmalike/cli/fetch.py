"""`dolmalike fetch`: download Common Crawl files named by a snapshot id or a *.paths listing."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import float_in, int_at_least, out_dir
from dolmalike.cli.output import add_json_flag, print_json, print_table

DEFAULT_BASE_URL = (
    "https://data.commoncrawl.org/"  # same as dolmalike.fetch.listing; kept here for fast --help
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fetch",
        help="download Common Crawl WARC/WET files (snapshot id or paths listing)",
        description=(
            "Resolve SOURCE (a snapshot id like CC-MAIN-2024-22, or a path/URL of a warc.paths[.gz] / "
            "wet.paths[.gz] listing), select files, and download them to OUT/<listing path> with retries "
            "and resume. Completed files are recorded in OUT/fetch_manifest.parquet and skipped on rerun."
        ),
    )
    p.add_argument("source", metavar="SOURCE", help="snapshot id (CC-MAIN-YYYY-WW) or listing path/URL")
    p.add_argument("--out", metavar="DIR", type=out_dir, help="output directory (required unless --dry-run)")
    p.add_argument("--kind", choices=("warc", "wet", "wat"), default="warc", help="file kind (default: warc)")
    p.add_argument(
        "--limit", type=int_at_least(0), metavar="N", help="fetch at most N files (after --shard/--offset)"
    )
    p.add_argument(
        "--offset", type=int_at_least(0), default=0, metavar="K", help="skip the first K selected files"
    )
    p.add_argument("--shard", metavar="I/N", help="take every N-th listing entry starting at I (0-based)")
    p.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        metavar="URL",
        help=f"prefix for relative listing entries and snapshot listings (default: {DEFAULT_BASE_URL}; "
        "s3://commoncrawl/ works too)",
    )
    p.add_argument(
        "--retries", type=int_at_least(0), default=5, metavar="N", help="retries per file (default: 5)"
    )
    p.add_argument(
        "--backoff",
        type=float_in(0.0),
        default=1.0,
        metavar="SECONDS",
        help="first retry delay, doubling (default: 1)",
    )
    p.add_argument(
        "--timeout",
        type=float_in(0.0, open_lo=True),
        default=60.0,
        metavar="SECONDS",
        help="read timeout (default: 60)",
    )
    p.add_argument("--s3-endpoint", metavar="URL", help="S3 endpoint override (else $DOLMALIKE_S3_ENDPOINT)")
    p.add_argument("--verify", action="store_true", help="re-hash files already on disk before skipping them")
    p.add_argument(
        "--dry-run", action="store_true", help="print the resolved URLs and output paths; fetch nothing"
    )
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dolmalike.core.errors import DolmalikeError
    from dolmalike.core.redact import redact
    from dolmalike.fetch.batch import fetch_all, plan
    from dolmalike.fetch.listing import resolve_listing
    from dolmalike.fetch.retry import Backoff
    from dolmalike.fetch.select import parse_shard, select

    backoff = Backoff(base=max(0.0, args.backoff), max_delay=max(60.0, args.backoff))
    shard = parse_shard(args.shard) if args.shard else None
    if not args.dry_run and not args.out:
        raise DolmalikeError("--out DIR is required (or use --dry-run)")
    urls = resolve_listing(
        args.source,
        args.kind,
        args.base_url,
        retries=args.retries,
        backoff=backoff,
        s3_endpoint=args.s3_endpoint,
    )
    urls = select(urls, shard=shard, offset=args.offset, limit=args.limit)

    if args.dry_run:
        pairs = [(redact(u), p) for u, p in plan(urls, args.base_url)]  # never print credentials
        if args.json:
            print_json([{"url": u, "path": p} for u, p in pairs])
        else:
            for u, _ in pairs:
                print(u)
        return 0

    report = fetch_all(
        urls,
        Path(args.out),
        base_url=args.base_url,
        retries=args.retries,
        backoff=backoff,
        verify=args.verify,
        s3_endpoint=args.s3_endpoint,
        timeout=args.timeout,
        progress=True,  # stderr, so --json output on stdout stays clean
    )
    if args.json:
        print_json(report.to_json())
    else:
        rows = [
            (r.path, r.size, r.sha256[:16], r.attempts, "skipped" if r.skipped else "fetched")
            for r in report.records
        ]
        rows += [(f.path, None, None, None, "FAILED") for f in report.failures]
        if rows:
            print_table(["path", "size", "sha256", "attempts", "status"], rows)
        print(
            f"{len(rows)} file{'' if len(rows) == 1 else 's'}: {report.fetched} fetched, {report.skipped} skipped, "
            f"{len(report.failures)} failed; {report.bytes} bytes on disk"
        )
    if report.failures:
        first = report.failures[0].error
        more = f" (and {len(report.failures) - 1} more)" if len(report.failures) > 1 else ""
        raise DolmalikeError(f"{len(report.failures)} of {len(urls)} files failed: {first}{more}")
    return 0
