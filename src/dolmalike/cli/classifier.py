"""`dolmalike classifier train|eval`: DCLM-style fastText quality classifiers."""

from __future__ import annotations

import argparse
from typing import Any

from dolmalike.cli.argtypes import float_in, int_at_least, out_file
from dolmalike.cli.output import add_json_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("classifier", help="train and evaluate fastText quality classifiers")
    csub = p.add_subparsers(dest="classifier_command", metavar="SUBCOMMAND", required=True)

    t = csub.add_parser(
        "train",
        help="train a high/low-quality fastText classifier and report held-out precision/recall",
        description="Inputs are JSONL (.jsonl/.json, optionally .gz/.zst) or Parquet files with a text "
        "field, folders of them, or RUN_DIRs (their kept docs). Writes MODEL.bin and MODEL.json.",
    )
    _add_sets(t)
    t.add_argument("--out", required=True, type=out_file, help="model file to write, e.g. quality.bin")
    t.add_argument("--holdout", type=float, default=0.1, help="held-out fraction (by hash of doc id)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--epoch", type=int, default=10)
    t.add_argument("--lr", type=float, default=0.5)
    t.add_argument("--dim", type=int, default=64)
    t.add_argument("--word-ngrams", type=int, default=2)
    t.add_argument("--min-count", type=int, default=1)
    t.add_argument("--bucket", type=int, default=200_000, help="hash buckets for n-gram features")
    t.add_argument("--threads", type=int, default=1, help=">1 is faster but not bit-reproducible")
    t.add_argument(
        "--no-cache",
        action="store_true",
        help="train even when $DOLMALIKE_CACHE/fasttext holds the model of the same lines and settings",
    )
    add_json_flag(t)
    t.set_defaults(func=_train)

    e = csub.add_parser("eval", help="score labelled documents with an existing model")
    _add_sets(e)
    e.add_argument("--model", required=True)
    e.add_argument("--threshold", type=float_in(0.0, 1.0), default=0.5)
    add_json_flag(e)
    e.set_defaults(func=_eval)


def _add_sets(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pos", nargs="+", required=True, metavar="PATH", help="high-quality examples")
    p.add_argument("--neg", nargs="+", required=True, metavar="PATH", help="low-quality examples")
    p.add_argument("--text-field", default="text", help="JSONL/Parquet field holding the text")
    p.add_argument(
        "--max-chars", type=int_at_least(1), default=None, help="score only the first N characters"
    )


def _train(args: argparse.Namespace) -> int:
    from dolmalike.classifier.train import TrainConfig, metrics_path, train_quality_classifier

    cfg = TrainConfig(
        holdout=args.holdout,
        seed=args.seed,
        epoch=args.epoch,
        lr=args.lr,
        dim=args.dim,
        word_ngrams=args.word_ngrams,
        min_count=args.min_count,
        bucket=args.bucket,
        threads=args.threads,
        text_field=args.text_field,
        max_chars=args.max_chars,
    )
    report = train_quality_classifier(args.pos, args.neg, args.out, cfg, cache=not args.no_cache)
    if args.json:
        print_json(report)
        return 0
    c = report["counts"]
    print(f"model: {report['model']}  (report: {metrics_path(args.out)})")
    print(
        f"train: {c['train_pos']} hq / {c['train_neg']} lq   held out: {c['holdout_pos']} hq / {c['holdout_neg']} lq"
    )
    if report["holdout"] is None:
        print("no held-out documents (--holdout 0)")
    else:
        _print_metrics(report["holdout"])
    return 0


def _eval(args: argparse.Namespace) -> int:
    from dolmalike.classifier.train import evaluate_model

    m = evaluate_model(args.model, args.pos, args.neg, args.text_field, args.max_chars, args.threshold)
    if args.json:
        print_json(m)
    else:
        _print_metrics(m)
    return 0


def _print_metrics(m: dict[str, Any]) -> None:
    def fmt(v: Any) -> str:
        return "n/a" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)

    keys = ("precision", "recall", "f1", "accuracy", "auc", "tp", "fp", "fn", "tn")
    print_table(["metric", "value"], [(k, fmt(m[k])) for k in keys])
