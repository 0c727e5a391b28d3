"""`dolmalike tag RUN_DIR --taggers a,b`: add tagger attributes to an existing run."""

from __future__ import annotations

import argparse
from typing import Any

from dolmalike.cli.argtypes import existing_dir, int_at_least
from dolmalike.cli.output import add_json_flag, print_json, print_table
from dolmalike.core.errors import DolmalikeError


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
    p.add_argument(
        "--param",
        action="append",
        default=[],
        type=tagger_param,
        metavar="TAGGER.KEY=VALUE",
        help="a tagger parameter, as in a spec's `taggers:` block (repeatable; VALUE is read as YAML), "
        "e.g. --param quality_v1.model_path=models/quality.bin",
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
        tagger_specs(args.taggers, args.param),
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


def tagger_param(text: str) -> tuple[str, str, Any]:
    """argparse type: "quality_v1.model_path=x.bin" -> ("quality_v1", "model_path", "x.bin")."""
    import yaml

    target, sep, value = text.partition("=")
    name, dot, key = target.partition(".")
    if not (sep and dot and name and key):
        raise argparse.ArgumentTypeError(f"{text!r}: use TAGGER.KEY=VALUE")
    try:
        parsed = yaml.safe_load(value) if value else ""
    except yaml.YAMLError:
        parsed = value  # not YAML: keep the text as it was typed
    return name, key, parsed


def tagger_specs(names: str, params: list[tuple[str, str, Any]]) -> list[str | dict[str, dict[str, Any]]]:
    """--taggers a,b plus --param a.k=v -> ["b", {"a": {"k": v}}], in --taggers order."""
    order = [n.strip() for n in names.split(",") if n.strip()]
    by_tagger: dict[str, dict[str, Any]] = {}
    for name, key, value in params:
        if name not in order:
            raise DolmalikeError(f"--param {name}.{key}: {name!r} is not in --taggers ({', '.join(order)})")
        by_tagger.setdefault(name, {})[key] = value
    return [{n: by_tagger[n]} if n in by_tagger else n for n in order]
