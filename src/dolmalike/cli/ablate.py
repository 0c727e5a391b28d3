"""`dolmalike ablate SPEC.yaml`: train one small model per mix variant (Ray tasks) and compare them."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import int_at_least, out_dir
from dolmalike.cli.output import add_json_flag, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ablate",
        help="run data ablations: build_mix -> train -> evaluate per variant, as Ray tasks",
        description="Each variant of the ablation spec (a mix spec, inline overrides, or a prebuilt MIX_DIR) "
        "is mixed, trained and evaluated as one Ray task; the results are compared in DIR/results.csv, "
        "DIR/results.md and DIR/loss_curves.png.",
    )
    p.add_argument("spec", metavar="SPEC.yaml", help="ablation spec (see pipelines/ablation.yaml)")
    p.add_argument("--out", metavar="DIR", type=out_dir, help="output directory (default: the spec's `out`)")
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="connect to an existing Ray cluster (default: start a local one)",
    )
    p.add_argument("--num-cpus", type=int_at_least(1), help="CPUs for the local Ray cluster (default: all)")
    p.add_argument("--only", action="append", metavar="NAME", help="run only this variant (repeatable)")
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from dolmalike.train.ablate import load_spec, run_ablation

    spec = load_spec(args.spec)
    if args.out:
        spec.out = args.out
    if args.only:
        spec.select(args.only)
    summary = run_ablation(spec, ray_address=args.ray_address, num_cpus=args.num_cpus)
    if args.json:
        print_json(summary)
    else:
        print(summary["table_md"])
        print(f"\nresults: {summary['results_csv']}\nplot:    {summary['plot']}")
    return 0
