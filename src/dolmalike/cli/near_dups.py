"""`dolmalike near-dups RUN_DIR DOC_ID`: the dedup clusters a document belongs to."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import int_at_least
from dolmalike.cli.output import add_json_flag, print_json, print_table
from dolmalike.cli.s3args import add_s3_endpoint_flag, readable_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "near-dups",
        help="list a document's duplicate clusters (url, content, minhash)",
        description="For each dedup method that saw DOC_ID: the members of its cluster with their URL, "
        "Jaccard to the representative, which one was kept, and each member's final status. "
        "DOC_ID may also be a unique prefix, a WARC-Record-ID or a URL once the run is finalized.",
    )
    p.add_argument("run_dir", help="RUN_DIR")
    add_s3_endpoint_flag(p)
    p.add_argument("doc_id")
    p.add_argument(
        "--limit",
        type=int_at_least(0),
        default=50,
        metavar="N",
        help="members shown per cluster (0: all; --json shows all)",
    )
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    args.run_dir = readable_dir(args.run_dir, args.s3_endpoint)
    from dolmalike.lineage.near_dups import near_dups

    clusters = near_dups(args.run_dir, args.doc_id)
    if args.json:
        print_json([c.to_dict() for c in clusters])
        return 0
    for n, c in enumerate(clusters):
        if n:
            print()
        print(
            f"{c.method} cluster {c.cluster_id}: {c.size} document(s), representative {c.representative_id}"
        )
        shown = c.members[: args.limit] if args.limit > 0 else c.members
        rows = [
            [
                "*" if m.representative else "",
                m.doc_id,
                f"{m.jaccard:.3f}",
                m.decision,
                m.status or "-",
                m.url,
            ]
            for m in shown
        ]
        print_table(["rep", "doc_id", "jaccard", "decision", "status", "url"], rows, max_width=80)
        if len(shown) < len(c.members):
            print(f"... {len(c.members) - len(shown)} more (use --limit 0 or --json)")
    return 0
