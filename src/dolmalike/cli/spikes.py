"""`dolmalike spikes TRAIN_DIR`: loss spikes -> the batch's documents, their tags and losses."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import float_in, int_at_least
from dolmalike.cli.output import add_json_flag, print_json, print_table

RULE_HELP = (
    "A step is a spike when loss > median + k * scale over the `--window` previous steps, where "
    "scale = max(1.4826 * MAD, 1%% of the median) (MAD = median absolute deviation; at least 5 previous "
    "steps needed). Only rises count. For each spike the batch is recomputed (as `batch` does) and every "
    "document is listed with source, URL, WARC file + offset, tokens in the batch, the tags that stand "
    "out against the documents the run trained on (numeric: percentile <= 5%% or >= 95%%; text/boolean: "
    "a value fewer than 5%% share) and its mean loss at that step, recomputed with the model as it was "
    "before the step (a kept checkpoint, or an exact replay from the nearest earlier one)."
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "spikes",
        help="find loss spikes and the documents of each spike's batch",
        description=RULE_HELP,
    )
    p.add_argument("train_dir", metavar="TRAIN_DIR")
    p.add_argument(
        "--k",
        type=float_in(0, open_lo=True),
        default=6.0,
        help="robust standard deviations above the median (6)",
    )
    p.add_argument(
        "--window", type=int_at_least(1), default=20, help="previous steps in the rolling median (20)"
    )
    p.add_argument(
        "--max-spikes", type=int_at_least(1), default=10, metavar="N", help="report the N highest (10)"
    )
    p.add_argument("--no-doc-loss", action="store_true", help="skip recomputing per-document loss")
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from dolmalike.audit.spike_rule import SpikeRule
    from dolmalike.audit.spikes import describe_spikes

    d = describe_spikes(
        args.train_dir,
        SpikeRule(window=args.window, k=args.k),
        doc_loss=not args.no_doc_loss,
        max_spikes=args.max_spikes,
    )
    if args.json:
        print_json(d)
        return 0
    print(f"{d['n_spikes']} spike(s) in {d['n_steps']} steps (k={args.k}, window={args.window})")
    for sp in d["spikes"]:
        print(f"\nstep {sp['step']}: loss {sp['loss']:.4f} vs median {sp['median']:.4f} "
              f"(score {sp['score']:.1f}), {sp['n_documents']} documents")  # fmt: skip
        rows = [
            [doc["doc_id"], doc["source"], doc["tokens"], _fmt(doc.get("loss")), doc.get("url"),
             f"{doc.get('warc_path')}@{doc.get('warc_offset')}",
             "; ".join(f"{t['tag']}={t['value']}" for t in doc.get("standout", [])[:3])]
            for doc in sp["documents"]
        ]  # fmt: skip
        print_table(["doc_id", "source", "tokens", "loss", "url", "warc", "stands out"], rows, max_width=48)
    return 0


def _fmt(v: float | None) -> str:
    return "" if v is None else f"{v:.3f}"
