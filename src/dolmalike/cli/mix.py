"""`dolmalike mix RUN_DIR SPEC --out MIX_DIR`: select, sample, tokenize and shard a training mix."""

from __future__ import annotations

import argparse
from pathlib import Path

from dolmalike.cli.argtypes import int_at_least, out_dir
from dolmalike.cli.output import add_json_flag, print_json, print_table
from dolmalike.cli.s3args import add_s3_endpoint_flag, readable_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mix",
        help="build a tokenized training mix (shards + sidecars) from a run",
        description="Select kept documents with the spec's typed rules (first matching source wins), sample "
        "them to token budgets with hash-derived randomness, tokenize per partition and write OLMo-layout "
        "shards (raw uint16/uint32, no npy header) with Parquet sidecars and mix/tokens manifests.",
    )
    p.add_argument("run_dir", help="RUN_DIR built by `dolmalike run`")
    p.add_argument("spec", help="mix spec YAML (see pipelines/mix.yaml)")
    p.add_argument(
        "--out",
        required=True,
        type=out_dir,
        help="MIX_DIR to write (rebuilt if it exists; work/ is reused as a cache)",
    )
    p.add_argument(
        "--workers", type=int_at_least(1), default=1, help="parallel tokenization processes (default 1)"
    )
    p.add_argument("--tokenizer", help='tokenizer.json path or "default" (overrides the spec)')
    add_s3_endpoint_flag(p)
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    import json

    from dolmalike.fetch.s3dir import S3Dir
    from dolmalike.io.cachedirs import is_s3_url
    from dolmalike.runner.build_mix import build_mix

    remote = S3Dir(args.out, args.s3_endpoint) if is_s3_url(args.out) else None
    out_dir = remote.pull_if_absent() if remote is not None else Path(args.out)  # checks the bucket first
    run_dir = readable_dir(args.run_dir, args.s3_endpoint)
    out = build_mix(
        Path(run_dir), Path(args.spec), out_dir, workers=args.workers, tokenizer=args.tokenizer,
        progress=not args.json, run_dir_label=args.run_dir.rstrip("/") if is_s3_url(args.run_dir) else None,
    )  # fmt: skip
    mix = json.loads((out / "mix.json").read_text())
    if remote is not None:
        remote.push()
    label = remote.url if remote is not None else str(out)
    report = mix["report"]
    if args.json:
        print_json({"mix_dir": label, "tokenizer": mix["tokenizer"], **report})
        return 0
    rows = [
        (r["source"], r["budget"], r["candidate_docs"], r["available_tokens"], r["target_tokens"], r["items"],
         r["tokens"], f"{r['tokens'] / r['target_tokens']:.3f}" if r["target_tokens"] else "-")
        for r in report["sources"]
    ]  # fmt: skip
    print_table(
        ["source", "budget", "candidates", "available", "target", "items", "tokens", "tokens/target"], rows
    )
    tr, ho = report["train"], report["heldout"]
    print(
        f"train:   {tr['tokens']} tokens, {tr['documents']} items in {tr['shards']} shards -> {label}/shards"
    )
    print(
        f"heldout: {ho['tokens']} tokens, {ho['documents']} docs in {ho['shards']} shards -> {label}/heldout"
    )
    print(f"tokenizer: {mix['tokenizer']} (sha256 {mix['tokenizer_sha256'][:12]})")
    if report["candidates_missing_from_docs"]:
        print(
            f"warning: {report['candidates_missing_from_docs']} kept documents were missing from the run's docs/"
        )
    return 0
