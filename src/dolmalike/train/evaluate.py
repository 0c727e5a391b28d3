"""End-of-training evaluation of a TRAIN_DIR's latest checkpoint -> TRAIN_DIR/eval.json.

- held-out perplexity per mix source and per tag bucket (dolmalike.train.perplexity) on the
  MIX_DIR's heldout/ split, or on another MIX_DIR's (ablations compare variants on one set);
- zero-shot multiple-choice accuracy (dolmalike.train.multiple_choice) when
  `eval.benchmarks_dir` is set.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_json
from dolmalike.lineage.tokens import TokenStore
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.train.config import EvalConfig
from dolmalike.train.multiple_choice import evaluate_task, load_items
from dolmalike.train.perplexity import heldout_perplexity
from dolmalike.train.runtime import Dist, autocast_dtype, resolve_device
from dolmalike.train.traindir import TrainLayout, load_info
from dolmalike.train.trainer import load_trained_model


def load_tokenizer(mix_dir: Path, meta: dict[str, Any]) -> Tokenizer | None:
    """The mix's tokenizer: `default` means MIX_DIR/tokenizer.json, otherwise a path."""
    name = meta.get("tokenizer") or "default"
    path = mix_dir / "tokenizer.json" if name == "default" else Path(name)
    if not path.is_absolute() and not path.exists():
        path = mix_dir / path
    return Tokenizer.from_file(str(path)) if path.is_file() else None


def _run_dir_of(mix_dir: Path) -> str | None:
    run_dir = MixLayout.of(mix_dir).source_run()
    return str(run_dir) if run_dir else None


def evaluate(
    train_dir: str | Path,
    *,
    heldout_mix_dir: str | Path | None = None,
    eval_cfg: EvalConfig | None = None,
    write: bool = True,
) -> dict[str, Any]:
    """Evaluate TRAIN_DIR's latest checkpoint; returns (and writes) the eval.json dict."""
    t0 = time.perf_counter()
    info = load_info(train_dir)
    model, cfg, step = load_trained_model(train_dir, "cpu")
    ev = eval_cfg or cfg.eval
    device = resolve_device(cfg, Dist())
    amp = autocast_dtype(cfg, device)
    model = model.to(device)
    if cfg.num_threads:
        import torch

        torch.set_num_threads(cfg.num_threads)
    train_mix = Path(info["mix_dir"])
    mix_dir = Path(heldout_mix_dir) if heldout_mix_dir else train_mix
    result: dict[str, Any] = {"train_dir": str(train_dir), "step": step, "mix_dir": str(train_mix)}

    held = MixLayout.of(mix_dir).heldout.shards
    if (held / "meta.json").is_file():
        held_meta = TokenStore(held).meta
        if held_meta.get("tokenizer_sha256") != info.get("tokenizer_sha256"):
            raise DolmalikeError(f"{held}: tokenized with a different tokenizer than the training mix")
        result["perplexity"] = heldout_perplexity(
            model, held, seq_len=cfg.seq_len, device=device, amp=amp, max_per_source=ev.max_docs_per_source,
            run_dir=_run_dir_of(mix_dir), tag_spec=ev.tag_buckets, quantiles=ev.quantiles, batch_size=ev.batch_size,
        )  # fmt: skip
    else:
        result["perplexity"] = {"heldout_dir": None, "overall": None, "by_source": {}, "by_tag": {}}

    result["multiple_choice"] = {}
    if ev.benchmarks_dir:
        store_meta = TokenStore(MixLayout.of(train_mix).train.shards).meta
        tok = load_tokenizer(train_mix, store_meta)
        if tok is None:
            raise DolmalikeError(f"{train_mix}: tokenizer not found; cannot run multiple-choice evaluation")
        for task in ev.tasks:
            items = load_items(ev.benchmarks_dir, task, ev.limit)
            result["multiple_choice"][task] = evaluate_task(
                model, tok, int(store_meta["eos_id"]), task, items, seq_len=cfg.seq_len, device=device, amp=amp,
                batch_size=ev.batch_size,
            )  # fmt: skip
    result["eval_seconds"] = time.perf_counter() - t0
    if write:
        atomic_write_json(TrainLayout.of(train_dir).eval, result)
    return result
