"""`dolmalike batch TRAIN_DIR --step N`: the documents and token ranges a training step saw."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import int_at_least
from dolmalike.cli.output import add_json_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="show the documents (and token ids) in a training step's batch",
        description="Recompute step N's batch from TRAIN_DIR/train.json alone: instances -> shard token "
        "ranges -> token sidecar rows -> documents, with provenance from the RUN_DIR's documents manifest.",
    )
    p.add_argument("train_dir", metavar="TRAIN_DIR")
    p.add_argument("--step", type=int_at_least(0), required=True, help="0-based optimizer step")
    p.add_argument("--ids", action="store_true", help="include each instance's token ids")
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from dolmalike.train.batch import describe_step

    d = describe_step(args.train_dir, args.step, with_ids=args.ids)
    if args.json:
        print_json(d)
        return 0
    print(f"step {d['step']} (epoch {d['epoch']}): {len(d['instances'])} instances x {d['seq_len']} tokens, "
          f"{d['n_documents']} documents")  # fmt: skip
    rows = []
    for inst in d["instances"]:
        for s in inst["segments"]:
            rows.append([inst["slot"], inst["instance"], s["offset"], s["shard_name"], f"{s['start']}-{s['end']}",
                         s["doc_id"], s["source"], s["repetition"], s.get("url")])  # fmt: skip
    print_table(["slot", "instance", "offset", "shard", "tokens", "doc_id", "source", "rep", "url"], rows)
    if args.ids:
        for inst in d["instances"]:
            print(f"instance {inst['instance']}: {' '.join(map(str, inst['ids']))}")
    return 0
