"""`dolmalike report RUN_DIR [--train TRAIN_DIR] --out report.html`: one self-contained HTML report."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import existing_dir, out_file
from dolmalike.cli.output import add_json_flag, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="one self-contained HTML report of a run (funnel, composition, tags, dedup, loss, data card)",
        description="Write ONE HTML file with no external URLs: the funnel (input records -> each stage's drops "
        "by reason), composition (languages, sources, domains, tokens per mix source), tag distributions "
        "with the mix's thresholds, dedup cluster sizes, the training loss with spikes marked (--train) and "
        "a data card with an embedded Croissant 1.0 JSON-LD (also written to --croissant). Every table's "
        "SQL is shown beside it and runs unchanged in `dolmalike sql RUN_DIR`.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", type=existing_dir)
    p.add_argument(
        "--train",
        metavar="TRAIN_DIR",
        type=existing_dir,
        help="a training run on this RUN_DIR's mix (loss curves)",
    )
    p.add_argument("--out", required=True, metavar="REPORT.html", type=out_file)
    p.add_argument(
        "--croissant",
        metavar="PATH",
        type=out_file,
        help="also write the Croissant JSON-LD here (paths in it are relative to RUN_DIR: "
        "RUN_DIR/croissant.json is the natural place)",
    )
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    import json

    from dolmalike.audit.croissant import croissant
    from dolmalike.audit.report_data import collect
    from dolmalike.audit.report_html import render
    from dolmalike.io.atomic import atomic_write_bytes

    data = collect(args.run_dir, args.train)
    jsonld = croissant(data)
    atomic_write_bytes(args.out, render(data, jsonld).encode("utf-8"))
    if args.croissant:
        atomic_write_bytes(args.croissant, (json.dumps(jsonld, indent=2) + "\n").encode("utf-8"))
    summary = {"report": args.out, "croissant": args.croissant, "input": data["funnel"]["input"],
               "kept": data["funnel"]["kept"], "charts": len(data["tags"]) + len(data["dedup"]) + bool(data["training"])}  # fmt: skip
    if args.json:
        print_json(summary)
    else:
        print(
            f"wrote {args.out}: {summary['input']} input records, {summary['kept']} kept, {summary['charts']} charts"
        )
    return 0
