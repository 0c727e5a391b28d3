"""`dolmalike explain RUN_DIR DOC_ID`: one document's full story."""

from __future__ import annotations

import argparse
import json
from typing import Any

from dolmalike.cli.output import add_json_flag, print_json
from dolmalike.cli.s3args import add_s3_endpoint_flag, readable_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="print a document's full story",
        description="Where a document came from, every decision about it, its tags, dedup cluster, "
        "mix choice and token ranges. DOC_ID may also be a unique prefix, a WARC-Record-ID or a URL.",
    )
    p.add_argument("run_dir", help="RUN_DIR (or MIX_DIR)")
    add_s3_endpoint_flag(p)
    p.add_argument("doc_id")
    add_json_flag(p)
    p.set_defaults(func=handle)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list | dict):
        s = json.dumps(v, default=str, ensure_ascii=False)
        return s if len(s) <= 100 else s[:99] + "…"
    return str(v)


def handle(args: argparse.Namespace) -> int:
    args.run_dir = readable_dir(args.run_dir, args.s3_endpoint)
    from dolmalike.lineage.story import document_story

    story = document_story(args.run_dir, args.doc_id)
    if args.json:
        print_json(story)
        return 0
    d = story["document"]
    print(
        f"document {story['doc_id']}  [{d['status']}"
        + (f" at {d['stage']}: {d['reason']}" if d["status"] != "kept" else "")
        + "]"
    )
    for k in (
        "url",
        "source",
        "crawl",
        "warc_path",
        "warc_offset",
        "warc_record_id",
        "fetch_date",
        "n_chars",
    ):
        print(f"  {k:15s} {d.get(k)}")
    print("decisions:")
    for i, dec in enumerate(story["decisions"], 1):
        extra = f"  {dec['reason']}" if dec["reason"] else ""
        extra += f"  score={dec['score']:.4g}" if dec["score"] is not None else ""
        extra += f"  {dec['detail']}" if dec["detail"] else ""
        print(f"  {i:2d}. {dec['stage']:16s} {dec['decision']}{extra}")
    if story["attributes"]:
        print("attributes:")
        for tagger, attrs in story["attributes"].items():
            shown = ", ".join(f"{k}={_fmt(v)}" for k, v in attrs.items())
            print(f"  {tagger}: {shown}")
    for table in ("dedup", "mix", "tokens"):
        for row in story.get(table, []):
            print(f"{table}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in row.items()))
    return 0
