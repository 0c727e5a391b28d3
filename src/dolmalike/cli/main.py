"""`dolmalike` command line. Each subcommand lives in its own module with a `register` function."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
import typing

from dolmalike import __version__
from dolmalike.core.errors import DolmalikeError
from dolmalike.core.redact import redact

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
    "export",
    "train",
    "batch",
    "spikes",
    "report",
    "memorization",
    "ablate",
    "classifier",
    "mix",
    "trace",
    "tokenizer",
    "taggers",
    "tag",
)


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line (`dolmalike CMD: error: ...`, exit 2); `--help` shows the usage.
    Subcommand parsers inherit this class through add_subparsers."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {redact(message)}\n")  # argparse echoes the argument


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dolmalike",
        description="Auditable data provenance and curation pipeline for LLM pretraining.",
    )
    parser.add_argument("--version", action="version", version=f"dolmalike {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"dolmalike.cli.{name.replace('-', '_')}").register(sub)
    return parser


# OS errors that come from the user's paths (a file where a directory is needed, ...), not from bugs.
_USER_OS_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
)

# What a shell reports for a process killed by SIGPIPE (128 + 13): `cmd | head` ends like `yes | head`.
EXIT_BROKEN_PIPE = 141


def _stdout_closed() -> int:
    # The reader went away (`| head`): drop whatever is still buffered by pointing stdout at
    # /dev/null, so the interpreter's final flush cannot raise a second BrokenPipeError.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe often shows only at the last flush
        return status
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (DolmalikeError, *_USER_OS_ERRORS) as e:
        if args.debug or os.environ.get("DOLMALIKE_DEBUG"):
            _print_traceback()
        else:
            print(f"dolmalike {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except Exception:  # a bug: show the traceback, but never the credentials in its URLs
        _print_traceback()
        return 1


def _one_line(e: BaseException) -> str:
    return redact(" ".join(str(e).split())) or type(e).__name__


def _print_traceback() -> None:
    sys.stderr.write(redact(traceback.format_exc()))


if __name__ == "__main__":
    sys.exit(main())
