"""`dolmalike taggers`: list the taggers that `tag` and the `tag` stage can use."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import existing_dir
from dolmalike.cli.output import add_json_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "taggers",
        help="list available taggers",
        description="List builtin taggers, entry-point taggers (group dolmalike.taggers) and plugin "
        "taggers found in the plugin directories (default ./taggers).",
    )
    p.add_argument(
        "--plugins",
        action="append",
        type=existing_dir,
        metavar="DIR",
        help="directory of tagger plugin files (repeatable; default ./taggers)",
    )
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from dolmalike.taggers.registry import DEFAULT_PLUGIN_DIR, describe_taggers

    rows = describe_taggers(args.plugins or [DEFAULT_PLUGIN_DIR])
    if args.json:
        print_json(rows)
    else:
        print_table(
            ["name", "origin", "description"],
            [[r["name"], r["origin"], r["description"]] for r in rows],
            max_width=100,
        )
    return 0
