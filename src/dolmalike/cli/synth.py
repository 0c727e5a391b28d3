"""`dolmalike synth OUT_DIR`: write the synthetic Common Crawl sample (WARCs + ground truth + eval set)."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import int_at_least, out_dir
from dolmalike.cli.output import add_json_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="generate a synthetic Common Crawl sample with ground truth",
        description="Write crawl-NNNNN.warc.gz files (WARC/1.1, gzip per record, like Common Crawl), "
        "ground_truth.parquet (one row per response: language, duplicates, planted PII, bad words, "
        "benchmark text, quality label, main text) and eval_set.jsonl. The same --docs/--seed/--files "
        "always produce byte-identical files.",
    )
    p.add_argument("out_dir", metavar="OUT_DIR", type=out_dir, help="output directory (created if missing)")
    p.add_argument(
        "--docs", type=int_at_least(1), default=2000, help="number of pages / response records (default 2000)"
    )
    p.add_argument("--seed", type=int_at_least(0), default=0, help="random seed (default 0)")
    p.add_argument("--files", type=int_at_least(1), default=4, help="number of WARC files (default 4)")
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dolmalike.synth.generator import generate_crawl

    result = generate_crawl(Path(args.out_dir), args.docs, args.seed, args.files, progress=not args.json)
    if args.json:
        print_json(result.summary())
        return 0
    print(
        f"wrote {len(result.warc_paths)} WARC files to {result.out_dir} ({result.crawl_id}, seed {result.seed})"
    )
    print(f"pages: {result.n_docs}  records: {result.n_records}  duplicate groups: {result.n_dup_groups}")
    print(f"ground truth: {result.ground_truth_path}  eval set: {result.eval_set_path}")
    print()
    print_table(["kind", "pages"], sorted(result.kinds.items()))
    print()
    print_table(["dup_kind", "pages"], sorted(result.dup_kinds.items()))
    print()
    print_table(["language", "pages"], sorted(result.languages.items(), key=lambda kv: (-kv[1], kv[0])))
    return 0
