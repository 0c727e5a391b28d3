"""`dolmalike memorization TRAIN_DIR`: verbatim continuation of trained vs held-out documents."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import int_at_least
from dolmalike.cli.output import add_json_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "memorization",
        help="probe verbatim memorization of trained documents (held-out documents as control)",
        description="Prompt the latest checkpoint with the first --prefix tokens of sampled documents and score "
        "the next --suffix tokens: exact-match length (what greedy decoding reproduces verbatim), token "
        "accuracy and the share continued verbatim in full. Trained documents are those whose probe tokens "
        "were in a trained batch (exposures = how often); held-out documents are the control. One row per "
        "set x repetition count (from the mix manifest) [x mix source with --per-source].",
    )
    p.add_argument("train_dir", metavar="TRAIN_DIR")
    p.add_argument("--n", type=int_at_least(1), default=200, help="documents sampled per set (200)")
    p.add_argument("--prefix", type=int_at_least(1), help="prompt tokens (default seq_len / 2)")
    p.add_argument(
        "--suffix", type=int_at_least(1), help="scored continuation tokens (default seq_len - prefix)"
    )
    p.add_argument("--per-source", action="store_true", help="one row per mix source too")
    p.add_argument("--seed", type=int_at_least(0), default=0, help="document sample (hash order)")
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from dolmalike.audit.memorization import memorization

    d = memorization(
        args.train_dir,
        n=args.n,
        prefix=args.prefix,
        suffix=args.suffix,
        per_source=args.per_source,
        seed=args.seed,
    )
    if args.json:
        print_json(d)
        return 0
    print(f"{d['n_trained']} trained / {d['n_heldout']} held-out documents, prefix {d['prefix']} -> suffix "
          f"{d['suffix']} tokens, after {d['steps']} steps (repetitions from the {d['repetitions_from']})")  # fmt: skip
    cols = ["set", "source", "repetitions", "docs", "exposures", "exact match", "token acc", "verbatim"]
    rows = [[r["set"], r["source"], r["repetitions"], r["docs"], f"{r['exposures_mean']:.1f}",
             f"{r['exact_match_mean']:.2f}", f"{r['token_acc_mean']:.3f}", f"{r['verbatim_rate']:.3f}"]
            for r in d["table"]]  # fmt: skip
    print_table(cols, rows)
    return 0
