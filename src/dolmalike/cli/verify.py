"""`dolmalike verify DIR`: re-hash outputs against receipt.json (RUN_DIR and/or MIX_DIR)."""

from __future__ import annotations

import argparse

from dolmalike.cli.output import add_json_flag, print_json
from dolmalike.cli.s3args import add_s3_endpoint_flag, readable_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="re-hash a run's outputs against its receipt",
        description="Recompute sha256 of every output listed in receipt.json. DIR is a RUN_DIR (its "
        "RUN_DIR/mix is checked too when present) or a MIX_DIR. Exit 1 when anything differs.",
    )
    p.add_argument("run_dir", metavar="DIR")
    add_s3_endpoint_flag(p)
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dolmalike.mix.receipt import verify_mix
    from dolmalike.runner.receipt import unfinished, verify

    root = Path(readable_dir(args.run_dir, args.s3_endpoint))  # s3://: what the bucket holds now
    if unfinished(root):
        msg = f"{root} has no receipt.json: the run has not finished (re-run `dolmalike run` to complete it)"
        if args.json:
            print_json(
                {"ok": False, "unfinished": str(root), "mismatched": [], "missing": [], "unexpected": []}
            )
        else:
            print(f"verify: FAILED — {msg}")
        return 1
    checks = []
    if (root / "mix.json").is_file():
        checks.append(("", verify_mix(root)))
    else:
        checks.append(("", verify(root)))
        if (root / "mix" / "receipt.json").is_file():
            checks.append(("mix/", verify_mix(root / "mix")))
    mismatched, missing, unexpected = (
        [prefix + rel for prefix, result in checks for rel in result[i]] for i in range(3)
    )
    ok = not (mismatched or missing or unexpected)
    if args.json:
        print_json({"ok": ok, "mismatched": mismatched, "missing": missing, "unexpected": unexpected})
    else:
        for label, items in (("changed", mismatched), ("missing", missing), ("not in receipt", unexpected)):
            for rel in items:
                print(f"{label}: {rel}")
        print("verify: OK — all outputs match the receipt" if ok else "verify: FAILED")
    return 0 if ok else 1
