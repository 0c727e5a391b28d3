"""`dolmalike tag RUN_DIR --taggers a,b`: add tagger attributes to an existing run."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import existing_dir, int_at_least
from dolmalike.cli.output import add_json_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tag",
        help="add tagger attributes to an existing run",
        description="Run taggers over RUN_DIR/docs/<partition> and write "
        "RUN_DIR/manifests/attributes/<tagger>/<partition>.parquet (one task per partition, rows "
        "aligned with the docs files). Idempotent: partitions already tagged with the same tagger "
        "config are skipped; others are redone and replaced atomically. Query the result with "
        '`dolmalike sql RUN_DIR "SELECT ... FROM attributes_<tagger>"`.',
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory made by `dolmalike run`")
    p.add_argument(
        "--taggers",
        required=True,
        metavar="A,B,...",
        help="comma-separated tagger names (see `dolmalike taggers`)",
    )
    p.add_argument("--workers", type=int_at_least(1), default=1, help="parallel partition tasks (default 1)")
    p.add_argument(
        "--plugins",
        action="append",
        type=existing_dir,
        metavar="DIR",
        help="directory of tagger plugin files (repeatable; default ./taggers)",
    )
    p.add_argument("--force", action="store_true", help="re-tag partitions that are already done")
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from dolmalike.runner.tag_run import tag_run
    from dolmalike.taggers.registry import DEFAULT_PLUGIN_DIR

    report = tag_run(
        args.run_dir,
        [args.taggers],
        workers=args.workers,
        plugin_dirs=args.plugins or [DEFAULT_PLUGIN_DIR],
        force=args.force,
    )
    if args.json:
        print_json(report.to_dict())
        return 0
    print(
        f"{report.run_dir}: {report.partitions} partitions, {report.tagged} tagged, "
        f"{report.skipped} already done"
    )
    print_table(["tagger", "rows", "view"], [[t, report.rows[t], f"attributes_{t}"] for t in report.taggers])
    return 0
