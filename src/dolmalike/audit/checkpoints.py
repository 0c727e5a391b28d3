"""The model state at any trained step: a kept checkpoint, or an exact replay from the nearest one.

Checkpoint `step-K.pt` holds the state before step K's update (steps 0..K-1 done). Runs keep only a
few checkpoints, so the state at step N is rebuilt by resuming the trainer from the newest
checkpoint <= N (or from its seeded initialization) into a scratch TRAIN_DIR and stopping at N;
on CPU this is bit-identical to the original run (the trainer's resume guarantee).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dolmalike.core.errors import DolmalikeError
from dolmalike.train.checkpoint import checkpoint_dir, list_checkpoints, point_latest
from dolmalike.train.exclusion import EXCLUDED_DOCS_FILE
from dolmalike.train.metrics import read_log
from dolmalike.train.traindir import TrainLayout, info_config, load_info


def trained_steps(train_dir: str | Path) -> int:
    """How many steps the run completed: its newest checkpoint or its log, whichever is further."""
    ckpts = list_checkpoints(train_dir)
    if not ckpts:
        raise DolmalikeError(f"{train_dir} has no checkpoints (checkpoints/step-*.pt); train it first")
    logged = [int(r["step"]) + 1 for r in read_log(TrainLayout.of(train_dir).log) if "step" in r]
    return max([max(ckpts), *logged])


def check_step(train_dir: str | Path, step: int) -> None:
    """A step the run actually trained (0 <= step < trained steps), else a one-line error."""
    done = trained_steps(train_dir)
    if not 0 <= step < done:
        raise DolmalikeError(f"step {step} is past the end of {train_dir} (it trained steps 0..{done - 1})")


def checkpoint_at(train_dir: str | Path, step: int, scratch: Path) -> Path:
    """A checkpoint file holding the state before step `step` (replayed into `scratch` if needed)."""
    train_dir = Path(train_dir)
    ckpts = list_checkpoints(train_dir)
    if step in ckpts:
        return ckpts[step]
    check_step(train_dir, step)
    from dolmalike.train.trainer import train

    info = load_info(train_dir)
    cfg = info_config(info).replace(
        checkpoint_interval=0, log_batch_ids=False, tensorboard=False, keep_checkpoints=1
    )
    scratch.mkdir(parents=True, exist_ok=True)
    shutil.copy2(TrainLayout.of(train_dir).info, TrainLayout.of(scratch).info)
    if (train_dir / EXCLUDED_DOCS_FILE).is_file():  # the run is itself a replay: same exclusions
        shutil.copy2(train_dir / EXCLUDED_DOCS_FILE, scratch / EXCLUDED_DOCS_FILE)
    earlier = [k for k in ckpts if k <= step]
    if earlier:
        seed_checkpoint(ckpts[max(earlier)], scratch)
    train(info["mix_dir"], scratch, cfg, resume=True, stop_at=step, progress=False)
    return list_checkpoints(scratch)[step]


def seed_checkpoint(ckpt: Path, train_dir: Path) -> None:
    """Make `ckpt` the latest checkpoint of `train_dir` (so `train(..., resume=True)` starts there)."""
    d = checkpoint_dir(train_dir)
    d.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ckpt, d / ckpt.name)
    point_latest(train_dir, d / ckpt.name)


def load_log(train_dir: str | Path) -> list[dict]:
    """log.jsonl records (one per step) of a TRAIN_DIR, checked to exist."""
    load_info(train_dir)
    return read_log(TrainLayout.of(train_dir).log)


__all__ = ["check_step", "checkpoint_at", "list_checkpoints", "load_log", "seed_checkpoint", "trained_steps"]
