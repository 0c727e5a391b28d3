"""`dolmalike` command line. Each subcommand lives in its own module with a `register` function."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from dolmalike import __version__
from dolmalike.core.errors import DolmalikeError

# Explicit list, in help order. Each module defines `register(subparsers)` and keeps heavy imports
# inside its handler so `dolmalike --help` stays fast.
COMMANDS: tuple[str, ...] = (
    "synth",
    "fetch",
    "run",
    "explain",
    "near-dups",
    "sql",
    "verify",
    "train",
    "batch",
    "spikes",
    "report",
    "ablate",
    "classifier",
    "mix",
    "trace",
    "tokenizer",
    "taggers",
    "tag",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dolmalike",
        description="Auditable data provenance and curation pipeline for LLM pretraining.",
    )
    parser.add_argument("--version", action="version", version=f"dolmalike {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"dolmalike.cli.{name.replace('-', '_')}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (DolmalikeError, FileNotFoundError, PermissionError, IsADirectoryError) as e:
        if args.debug or os.environ.get("DOLMALIKE_DEBUG"):
            raise
        print(f"dolmalike {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
