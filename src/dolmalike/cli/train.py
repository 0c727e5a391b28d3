"""`dolmalike train MIX_DIR --out TRAIN_DIR`: train the bundled small GPT on a tokenized mix."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import int_at_least, out_dir
from dolmalike.cli.output import add_json_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train the bundled small GPT on a MIX_DIR's token shards (then evaluate it)",
        description="Train a small decoder-only GPT on MIX_DIR/shards with a deterministic instance order, "
        "checkpointing to TRAIN_DIR; run under torchrun for data parallelism. Ends with an evaluation "
        "(held-out perplexity per source / tag bucket, zero-shot multiple choice) into TRAIN_DIR/eval.json.",
    )
    p.add_argument("mix_dir", metavar="MIX_DIR", help="tokenized mix (shards/, heldout/, mix.json)")
    p.add_argument(
        "--out", required=True, type=out_dir, metavar="TRAIN_DIR", help="where checkpoints and logs go"
    )
    p.add_argument("--config", metavar="CFG.yaml", help="TrainConfig YAML (defaults: tiny CPU model)")
    p.add_argument("--steps", type=int_at_least(1), help="override max_steps (the schedule length)")
    p.add_argument(
        "--stop-at",
        type=int_at_least(1),
        metavar="K",
        help="stop after step K (checkpointed) without changing the schedule",
    )
    p.add_argument("--resume", action="store_true", help="continue from TRAIN_DIR's latest checkpoint")
    p.add_argument("--device", help="override device (auto, cpu, cuda)")
    p.add_argument(
        "--tensorboard", action="store_true", help="also write TensorBoard scalars to TRAIN_DIR/tensorboard"
    )
    p.add_argument(
        "--log-batch-ids", action="store_true", help="save each step's token ids (batch_ids/*.npy + sha256)"
    )
    p.add_argument("--no-eval", action="store_true", help="skip the final evaluation")
    p.add_argument(
        "--benchmarks", metavar="DIR", help="benchmark JSONL directory for zero-shot multiple choice"
    )
    p.add_argument("--eval-limit", type=int_at_least(1), metavar="N", help="items per multiple-choice task")
    g = p.add_argument_group(
        "replay and intervene",
        "Branch from TRAIN_DIR's exact state before step N (its config, a kept checkpoint or an exact replay "
        "to N) with documents removed from every batch from step N on: each window holding one is replaced "
        "by a clean window chosen by hash(seed, position), so batch shapes stay equal and `batch` on the new "
        "run shows exactly what it trained on. Writes OUT/replay_report.{json,md} comparing the loss curves.",
    )
    g.add_argument("--from", dest="from_dir", metavar="TRAIN_DIR", help="the run to branch from")
    g.add_argument(
        "--at-step", type=int_at_least(0), metavar="N", help="first step without the excluded documents"
    )
    g.add_argument("--exclude-docs", metavar="IDS_FILE", help="doc_ids to exclude, one per line")
    g.add_argument(
        "--exclude-where",
        metavar="SQL",
        help="exclude documents matching a WHERE fragment over the RUN_DIR's documents / attributes_<tagger> "
        "/ dedup views, e.g. \"attributes_langid_v1.language <> 'en'\"",
    )
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    import sys

    from dolmalike.core.errors import DolmalikeError
    from dolmalike.train.config import TrainConfig

    try:
        from dolmalike.train.runtime import init_distributed, shutdown_distributed
        from dolmalike.train.trainer import train
    except ImportError as e:
        raise DolmalikeError(
            f"training needs the [train] extra (pip install 'dolmalike[train]'): {e}"
        ) from None

    intervention = None
    if args.from_dir is not None:
        cfg, intervention = _replay_setup(args)
    else:
        if args.at_step is not None or args.exclude_docs or args.exclude_where:
            raise DolmalikeError("--at-step / --exclude-docs / --exclude-where need --from TRAIN_DIR")
        cfg = TrainConfig.from_yaml(args.config) if args.config else TrainConfig()
    overrides: dict = {}
    if args.steps is not None:
        overrides["max_steps"] = args.steps
    if args.device:
        overrides["device"] = args.device
    if args.tensorboard:
        overrides["tensorboard"] = True
    if args.log_batch_ids:
        overrides["log_batch_ids"] = True
    ev: dict = {}
    if args.benchmarks:
        ev["benchmarks_dir"] = args.benchmarks
    if args.eval_limit is not None:
        ev["limit"] = args.eval_limit
    if ev:
        overrides["eval"] = ev
    if overrides:
        cfg = cfg.replace(**overrides)
    dist = init_distributed()  # under torchrun every rank trains; only rank 0 evaluates and reports
    try:
        result = train(
            args.mix_dir,
            args.out,
            cfg,
            resume=args.resume or intervention is not None,
            stop_at=args.stop_at,
            progress=sys.stderr.isatty(),
            intervention=intervention,
        )
    finally:
        shutdown_distributed(dist)
    if not dist.is_main:
        return 0
    summary = {
        "train_dir": str(result.train_dir),
        "steps": result.steps,
        "final_loss": result.final_loss,
        "n_params": result.n_params,
        "tokens": result.tokens,
        "checkpoint": str(result.checkpoint) if result.checkpoint else None,
    }
    if intervention is not None:
        from dolmalike.audit.replay import compare

        rep = compare(args.from_dir, args.out, intervention.at_step)
        summary["replay"] = {
            k: rep[k] for k in ("at_step", "mean_difference", "spikes_original", "spikes_replay")
        }
        summary["replay"]["excluded_docs"] = len(intervention.doc_ids)
    if not args.no_eval and result.steps >= cfg.max_steps:
        from dolmalike.train.evaluate import evaluate

        summary["eval"] = evaluate(args.out)
    if args.json:
        print_json(summary)
    else:
        print_table(["key", "value"], [[k, v] for k, v in summary.items() if k not in ("eval", "replay")])
        if "replay" in summary:
            r = summary["replay"]
            print(f"\nreplay from step {r['at_step']} without {r['excluded_docs']} document(s): mean loss "
                  f"difference {r['mean_difference']:+.4f}; spikes original {r['spikes_original']}, "
                  f"replay {r['spikes_replay']} (details: {args.out}/replay_report.md)")  # fmt: skip
        if "eval" in summary:
            _print_eval(summary["eval"])
    return 0


def _replay_setup(args: argparse.Namespace):
    """(config, Intervention) for `--from`: NEW is seeded with the original's state before --at-step."""
    from pathlib import Path

    from dolmalike.audit.replay import check_same_mix, prepare, resolve_exclusion
    from dolmalike.core.errors import DolmalikeError
    from dolmalike.lineage.tokens import TokenStore
    from dolmalike.manifests.mix_layout import MixLayout

    if args.at_step is None:
        raise DolmalikeError("--from needs --at-step N")
    if args.config or args.steps is not None or args.resume:
        raise DolmalikeError("--from trains with TRAIN_DIR's own config; drop --config / --steps / --resume")
    mix_dir, from_dir = Path(args.mix_dir), Path(args.from_dir)
    store = TokenStore(MixLayout.of(mix_dir).train.shards)
    check_same_mix(mix_dir, from_dir, store)
    doc_ids, _ = resolve_exclusion(mix_dir, store, args.exclude_docs, args.exclude_where)
    return prepare(mix_dir, from_dir, args.out, args.at_step, doc_ids)


def _print_eval(ev: dict) -> None:
    rows = [
        ["perplexity", k, f"{v['ppl']:.3f}", v["tokens"]] for k, v in ev["perplexity"]["by_source"].items()
    ]
    rows += [["perplexity", k, f"{v['ppl']:.3f}", v["tokens"]] for k, v in ev["perplexity"]["by_tag"].items()]
    rows += [["mc", k, f"{v['acc_norm']:.3f}", v["n"]] for k, v in ev["multiple_choice"].items()]
    print()
    print_table(["metric", "bucket", "value", "n"], rows)
