"""`dolmalike trace MIX_DIR --shard S --start A --end B`: which documents a token range came from."""

from __future__ import annotations

import argparse
import json
from typing import Any

from dolmalike.cli.argtypes import int_at_least
from dolmalike.cli.output import add_json_flag, print_json
from dolmalike.cli.s3args import add_s3_endpoint_flag, readable_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trace",
        help="trace a token range of a shard back to its documents",
        description="Every document overlapping tokens [START, END) of a shard: url, WARC file + offset, crawl, "
        "tags, dedup cluster, the mix source + rule that admitted it and the exact overlapping sub-range. "
        "DIR is a MIX_DIR, its heldout/ directory, or a RUN_DIR holding one (RUN_DIR/mix).",
    )
    p.add_argument("dir", help="MIX_DIR (or MIX_DIR/heldout, or a RUN_DIR with a mix in RUN_DIR/mix)")
    add_s3_endpoint_flag(p)
    p.add_argument("--shard", type=int_at_least(0), required=True, help="shard number (shard-00003.npy -> 3)")
    p.add_argument("--start", type=int_at_least(0), required=True, help="first token position in the shard")
    p.add_argument("--end", type=int_at_least(1), required=True, help="end position (exclusive)")
    p.add_argument("--heldout", action="store_true", help="look in the held-out split")
    p.add_argument("--text", action="store_true", help="also print the decoded text of the range")
    add_json_flag(p)
    p.set_defaults(func=handle)


def _fmt(v: Any) -> str:
    s = json.dumps(v, default=str, ensure_ascii=False) if isinstance(v, (list, dict)) else str(v)
    return s if len(s) <= 100 else s[:99] + "…"


def handle(args: argparse.Namespace) -> int:
    args.dir = readable_dir(args.dir, args.s3_endpoint)
    from dolmalike.lineage.mix import trace

    result = trace(
        args.dir, args.shard, args.start, args.end, split="heldout" if args.heldout else None, text=args.text
    )
    if args.json:
        print_json(result)
        return 0
    print(f"{result['split']} {result['shard_name']} tokens [{result['start']}, {result['end']}): "
          f"{len(result['documents'])} document(s)")  # fmt: skip
    for d in result["documents"]:
        p = d["provenance"]
        eos = " + EOS" if d["includes_eos"] else ""
        print(f"\n{d['doc_id']}  tokens [{d['overlap_start']}, {d['overlap_end']}) = doc tokens "
              f"[{d['doc_token_start']}, {d['doc_token_end']}){eos} of [{d['doc_start']}, {d['doc_end']})")  # fmt: skip
        print(f"  mix:    {d['mix_source']} (repetition {d['repetition']}) rule: {d['rule']}")
        print(f"  url:    {p['url']}")
        print(
            f"  warc:   {p['warc_path']} @ {p['warc_offset']}  crawl {p['crawl']}  record {p['warc_record_id']}"
        )
        for tagger, attrs in d["tags"].items():
            print(f"  tag {tagger}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in attrs.items()))
        for row in d["dedup"]:
            print("  dedup:  " + ", ".join(f"{k}={_fmt(v)}" for k, v in row.items()))
    if args.text:
        print("\n--- text ---")
        print(result["text"])
    return 0
