"""`dolmalike tokenizer train RUN_DIR --vocab-size N --out tokenizer.json`: the embedded default tokenizer."""

from __future__ import annotations

import argparse
from pathlib import Path

from dolmalike.cli.argtypes import int_at_least, out_file
from dolmalike.cli.output import add_json_flag, print_json
from dolmalike.mix.spec import DEFAULT_TRAIN_CHARS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tokenizer", help="train or inspect tokenizers")
    tsub = p.add_subparsers(dest="tokenizer_command", metavar="ACTION", required=True)
    t = tsub.add_parser(
        "train",
        help="train a byte-level BPE on a run's kept documents",
        description="Deterministic byte-level BPE (HF tokenizers) with <|endoftext|> as id 0, trained on the "
        "kept documents of RUN_DIR in partition order. This is what a mix with `tokenizer: default` uses.",
    )
    t.add_argument("run_dir", help="RUN_DIR")
    t.add_argument(
        "--vocab-size",
        type=int_at_least(258),
        default=8192,
        help="target vocabulary size (default 8192, min 258)",
    )
    t.add_argument(
        "--max-chars",
        type=int_at_least(1),
        default=DEFAULT_TRAIN_CHARS,
        help=f"train on a doc_id-hash sample of about this many characters when the kept text is "
        f"larger (default {DEFAULT_TRAIN_CHARS:,}, the mix spec's tokenizer_train_chars)",
    )
    t.add_argument(
        "--threads",
        type=int_at_least(1),
        default=1,
        help="training threads (default 1); the tokenizer is byte-identical whatever the count",
    )
    t.add_argument("--out", required=True, type=out_file, help="tokenizer.json to write")
    add_json_flag(t)
    t.set_defaults(func=handle_train)
    i = tsub.add_parser("info", help="vocab size, EOS id and shard dtype of a tokenizer.json")
    i.add_argument("path", help="tokenizer.json")
    i.add_argument("--eos-token", help="EOS token if not <|endoftext|>")
    add_json_flag(i)
    i.set_defaults(func=handle_info)


def _info(path: Path, eos: str | None = None) -> dict:
    from dolmalike.tokenize.tokenizer import load_tokenizer

    tok = load_tokenizer(path, eos)
    return {"path": str(path), "sha256": tok.sha256, "vocab_size": tok.vocab_size, "eos_id": tok.eos_id,
            "pad_id": tok.pad_id, "dtype": tok.dtype.name}  # fmt: skip


def _show(info: dict, as_json: bool) -> None:
    if as_json:
        print_json(info)
    else:
        for k, v in info.items():
            print(f"{k:11s} {v}")


def handle_train(args: argparse.Namespace) -> int:
    from dolmalike.tokenize.train_bpe import train_on_run

    out = train_on_run(Path(args.run_dir), args.vocab_size, Path(args.out), args.max_chars, args.threads)
    _show(_info(out), args.json)
    return 0


def handle_info(args: argparse.Namespace) -> int:
    _show(_info(Path(args.path), args.eos_token), args.json)
    return 0
