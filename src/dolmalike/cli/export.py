"""`dolmalike export RUN_DIR --format dolma|hf --out DIR`: the run in another toolkit's layout."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import existing_dir, out_dir
from dolmalike.cli.output import add_json_flag, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write a run in another toolkit's layout (Dolma documents/ + attributes/, or one folder per table for HF)",
        description="dolma: RUN_DIR's documents as DIR/documents/<partition>.jsonl.gz and every tagger's "
        "attributes (plus each document's kept/dropped fate, set dolmalike_fate) as line-aligned "
        "DIR/attributes/<set>/<partition>.jsonl.gz, which `dolma tag`, `dolma mix` and `dolma stat` read. "
        "hf: the run's (already typed) manifests and texts one folder per table for Hugging Face datasets "
        "(DIR/documents/, DIR/docs/ as Parquet even when the run stored jsonl.zst, DIR/decisions/<stage>/, "
        "DIR/dedup/, DIR/attributes_<tagger>/).",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", type=existing_dir)
    p.add_argument("--format", choices=["dolma", "hf"], default="dolma", help="output layout (default dolma)")
    p.add_argument("--out", required=True, type=out_dir, metavar="DIR")
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if args.format == "hf":
        from dolmalike.lineage.hf_export import export_hf

        report = export_hf(args.run_dir, args.out)
        if args.json:
            print_json({"out": args.out, **report})
        else:
            print(f"{args.out}: typed detail for {', '.join(report['typed_detail']) or 'no stage'}; "
                  f"JSON detail for {', '.join(report['json_detail']) or 'no stage'}; "
                  f"{report['unparsed_fetch_dates']} unparsed fetch_date(s)")  # fmt: skip
        return 0
    from dolmalike.lineage.dolma_export import export_dolma

    counts = export_dolma(args.run_dir, args.out)
    if args.json:
        print_json({"out": args.out, "lines": counts})
    else:
        print(f"{args.out}: {counts['documents']} documents, attribute sets: "
              f"{', '.join(k for k in sorted(counts) if k != 'documents')}")  # fmt: skip
    return 0
