"""The training loop: AdamW + warmup/cosine, grad clipping, exact checkpoint/resume, JSONL log.

Single process on CPU (fp32, bit-reproducible) or CUDA (bf16 autocast, optional torch.compile);
data parallel under torchrun: every rank computes the same step -> instance ids from the config and
takes its contiguous slice (data.rank_slice), so the global batch, and therefore what
`dolmalike batch` reports, does not depend on the number of ranks.

    torchrun --nproc_per_node 8 -m dolmalike.cli.main train MIX_DIR --out TRAIN_DIR --config cfg.yaml
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_json
from dolmalike.lineage.tokens import TokenStore
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint, set_rng_state
from dolmalike.train.config import TrainConfig
from dolmalike.train.data import Instances, rank_slice
from dolmalike.train.exclusion import Intervention, StepOrder, dirty_instances, ordering_for
from dolmalike.train.metrics import TrainLog, batch_sha256
from dolmalike.train.model import GPT, lm_loss
from dolmalike.train.numbering import training_instances
from dolmalike.train.runtime import Dist, autocast, autocast_dtype, init_distributed, resolve_device
from dolmalike.train.schedule import lr_at
from dolmalike.train.traindir import TrainLayout, order_key


@dataclass
class TrainResult:
    train_dir: Path
    steps: int  # steps completed (the step index the next run would start at)
    final_loss: float | None
    n_params: int
    tokens: int
    checkpoint: Path | None


def build_optimizer(model: torch.nn.Module, cfg: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    # weight decay on matrices only; norms' gains are not decayed
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(
        groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), fused=device.type == "cuda" or None
    )


def _write_info(
    layout: TrainLayout, mix_dir: Path, store: TokenStore, cfg: TrainConfig, resume: bool, extra: dict
) -> None:
    info = {
        "mix_dir": str(mix_dir.resolve()),
        "shards": [
            {"name": s["name"], "tokens": s["tokens"], "sha256": s.get("sha256")}
            for s in store.meta["shards"]
        ],
        "tokenizer": store.meta.get("tokenizer"),
        "tokenizer_sha256": store.meta.get("tokenizer_sha256"),
        "config": cfg.to_dict(),
        **extra,
    }
    if layout.info.is_file():
        old = json.loads(layout.info.read_text())
        if "intervention" in old and "intervention" not in info:  # a plain --resume of a replay
            info["intervention"] = old["intervention"]
        if not resume:
            raise DolmalikeError(
                f"{layout.root} already holds a training run; pass --resume or use a new --out"
            )
        if order_key(old) != order_key(info):
            raise DolmalikeError(
                f"{layout.root}: cannot resume with a different mix or seq_len/batch_size/seed "
                f"(the step -> token order would change)"
            )
    atomic_write_json(layout.info, info)


def _heldout_instances(mix_dir: Path, seq_len: int) -> Instances | None:
    held = MixLayout.of(mix_dir).heldout.shards
    if not (held / "meta.json").is_file():
        return None
    try:
        return Instances(TokenStore(held), seq_len)
    except DolmalikeError:  # fewer held-out tokens than one instance
        return None


@torch.no_grad()
def quick_val_loss(
    model: GPT, held: Instances, cfg: TrainConfig, device: torch.device, amp: torch.dtype | None
) -> float:
    """Mean loss over the first eval_batches·B held-out instances (a fixed set, so comparable over time)."""
    was_training = model.training
    model.eval()
    n = min(held.n, cfg.eval_batches * cfg.batch_size)
    total, count = 0.0, 0
    for lo in range(0, n, cfg.batch_size):
        batch = torch.from_numpy(held.batch(np.arange(lo, min(n, lo + cfg.batch_size)))).to(device)
        with autocast(device, amp):
            logits = model(batch[:, :-1])
        total += float(lm_loss(logits, batch[:, 1:], reduction="sum"))
        count += batch[:, 1:].numel()
    model.train(was_training)
    return total / max(1, count)


def _optimizer_step(
    fwd_model: torch.nn.Module,
    model: GPT,
    optimizer: torch.optim.Optimizer,
    batch: torch.Tensor,
    lr: float,
    micro: int,
    dist: Dist,
    device: torch.device,
    amp: torch.dtype | None,
    cfg: TrainConfig,
) -> float:
    """One AdamW step over this rank's (B/world, L) batch in micro batches; returns the global mean loss."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    accum = len(batch) // micro
    loss_sum = torch.zeros((), device=device)
    for m in range(accum):
        mb = batch[m * micro : (m + 1) * micro]  # (micro, L): inputs mb[:, :-1], targets mb[:, 1:]
        # DDP: all-reduce gradients only after the last micro batch
        last = not dist.enabled or m == accum - 1
        with contextlib.nullcontext() if last else fwd_model.no_sync():
            with autocast(device, amp):
                loss = lm_loss(fwd_model(mb[:, :-1]), mb[:, 1:]) / accum
            loss.backward()
        loss_sum += loss.detach()
    if cfg.grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if dist.enabled:
        import torch.distributed as tdist

        tdist.all_reduce(loss_sum, op=tdist.ReduceOp.AVG)
    return float(loss_sum)  # also synchronizes CUDA, so the logged step_time is honest


def train(
    mix_dir: str | Path,
    out_dir: str | Path,
    cfg: TrainConfig,
    *,
    resume: bool = False,
    stop_at: int | None = None,
    progress: bool = True,
    intervention: Intervention | None = None,
) -> TrainResult:
    """Train on MIX_DIR's shards into TRAIN_DIR. `stop_at` ends the run early (after a checkpoint)
    without changing the schedule, which is how tests and preemptible jobs interrupt a run.
    `intervention` excludes documents from its step on (train.exclusion; audit.replay sets it up)."""
    mix_dir, layout = Path(mix_dir), TrainLayout.of(out_dir)
    dist = init_distributed()
    device = resolve_device(cfg, dist)
    amp = autocast_dtype(cfg, device)
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)

    store = TokenStore(MixLayout.of(mix_dir).train.shards)
    instances = training_instances(store, cfg.seq_len, cfg.numbering)
    extra_info: dict[str, Any] = {}
    order: StepOrder
    if intervention is not None:
        dirty = dirty_instances(instances, set(intervention.doc_ids))
        extra_info["intervention"] = intervention.record(len(dirty))
        order = ordering_for(extra_info, layout.root, instances, cfg.seed, dirty=dirty)
    elif resume and layout.info.is_file():  # a resumed replay keeps its exclusion
        order = ordering_for(json.loads(layout.info.read_text()), layout.root, instances, cfg.seed)
    else:
        order = ordering_for({}, layout.root, instances, cfg.seed)
    vocab = cfg.vocab_size or store.vocab_size
    if vocab < store.vocab_size:
        raise DolmalikeError(f"vocab_size {vocab} is smaller than the tokenizer's {store.vocab_size}")
    per_rank = cfg.batch_size // dist.world
    micro = cfg.micro_batch_size or per_rank
    if cfg.batch_size % dist.world or per_rank % micro:
        raise DolmalikeError(
            f"batch_size {cfg.batch_size} must split into {dist.world} rank(s) x micro batches of {micro}"
        )

    torch.manual_seed(cfg.seed)
    model = GPT(cfg, vocab).to(device)
    optimizer = build_optimizer(model, cfg, device)
    start = 0
    ckpt_path = latest_checkpoint(layout.root) if resume else None
    if ckpt_path is not None:
        state = load_checkpoint(ckpt_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        set_rng_state(state["rng"])
        start = int(state["step"])
    if dist.is_main:
        layout.root.mkdir(parents=True, exist_ok=True)
        _write_info(
            layout, mix_dir, store, cfg, resume,
            {"vocab_size": vocab, "n_instances": instances.n, "n_params": model.num_params(), "world_size": dist.world,
             **extra_info},
        )  # fmt: skip

    fwd_model: torch.nn.Module = model
    if dist.enabled:
        from torch.nn.parallel import DistributedDataParallel

        fwd_model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    if cfg.compile:
        fwd_model = torch.compile(fwd_model)
    held = _heldout_instances(mix_dir, cfg.seq_len) if cfg.eval_interval else None

    stop = cfg.max_steps if stop_at is None else min(stop_at, cfg.max_steps)
    log = TrainLog(layout.root, start, cfg.tensorboard) if dist.is_main else None
    bar = None
    if progress and dist.is_main:
        from tqdm import tqdm

        bar = tqdm(total=stop, initial=start, desc="train", unit="step", dynamic_ncols=True)
    tokens_per_step = cfg.batch_size * cfg.seq_len
    last_loss: float | None = None
    saved: Path | None = None
    model.train()

    def load(step: int) -> tuple[np.ndarray, np.ndarray]:
        ids = order.step(step, cfg.batch_size)
        return ids, instances.batch(rank_slice(ids, dist.rank, dist.world))

    # On CUDA, read one step ahead on a background thread while the GPU works (the batch is a pure
    # function of the step, so this changes timing only, never content). On CPU the thread would
    # only compete with the compute for the GIL and cores, so loading stays synchronous.
    prefetch = (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch") if device.type == "cuda" else None
    )
    ahead = prefetch.submit(load, start) if prefetch and start < stop else None
    try:
        for step in range(start, stop):
            t0 = time.perf_counter()
            if prefetch is None:
                ids, batch_np = load(step)
            else:
                ids, batch_np = ahead.result()
                ahead = prefetch.submit(load, step + 1) if step + 1 < stop else None
            batch = torch.from_numpy(batch_np)
            if device.type == "cuda":
                batch = batch.pin_memory().to(device, non_blocking=True)
            data_time = time.perf_counter() - t0

            lr = lr_at(step, cfg)
            last_loss = _optimizer_step(fwd_model, model, optimizer, batch, lr, micro, dist, device, amp, cfg)
            if not math.isfinite(last_loss):
                raise DolmalikeError(f"loss became {last_loss} at step {step}; lower lr or check the data")
            step_time = time.perf_counter() - t0

            done = step + 1
            if dist.is_main:
                record: dict[str, Any] = {
                    "step": step,
                    "loss": last_loss,
                    "lr": lr,
                    "tokens": done * tokens_per_step,
                    "data_time": data_time,
                    "step_time": step_time,
                    "tokens_per_s": tokens_per_step / step_time,
                }
                if cfg.log_batch_ids:
                    full = batch_np if not dist.enabled else instances.batch(ids)
                    record["batch_sha256"] = batch_sha256(full)
                    layout.batch_ids.mkdir(exist_ok=True)
                    np.save(layout.batch_ids_file(step), full.astype(np.int64))
                if held is not None and done % cfg.eval_interval == 0:
                    record["val_loss"] = quick_val_loss(model, held, cfg, device, amp)
                log.write(record)
                if bar is not None:
                    bar.update(1)
                    if done % cfg.log_interval == 0:
                        bar.set_postfix(loss=f"{last_loss:.3f}", lr=f"{lr:.2e}")
            periodic = cfg.checkpoint_interval and done % cfg.checkpoint_interval == 0
            if periodic or done == stop:
                if dist.is_main:
                    saved = save_checkpoint(
                        layout.root,
                        done,
                        model,
                        optimizer,
                        {"config": cfg.to_dict()},
                        keep=cfg.keep_checkpoints,
                    )
                if dist.enabled:
                    import torch.distributed as tdist

                    tdist.barrier()
    finally:
        if prefetch is not None:
            prefetch.shutdown(cancel_futures=True)
        if log is not None:
            log.close()
        if bar is not None:
            bar.close()
    final = max(start, stop)
    return TrainResult(
        train_dir=layout.root,
        steps=final,
        final_loss=last_loss,
        n_params=model.num_params(),
        tokens=final * tokens_per_step,
        checkpoint=saved or latest_checkpoint(layout.root),
    )


def load_trained_model(
    train_dir: str | Path, device: str | torch.device = "cpu"
) -> tuple[GPT, TrainConfig, int]:
    """The latest checkpoint's model (eval mode), its config, and its step."""
    from dolmalike.train.traindir import info_config, load_info

    info = load_info(train_dir)
    cfg = info_config(info)
    path = latest_checkpoint(train_dir)
    if path is None:
        raise DolmalikeError(f"{train_dir} has no checkpoint")
    state = load_checkpoint(path)
    model = GPT(cfg, int(info["vocab_size"]))
    model.load_state_dict(state["model"])
    return model.to(device).eval(), cfg, int(state["step"])


__all__ = ["Dist", "TrainResult", "build_optimizer", "load_trained_model", "quick_val_loss", "train"]
