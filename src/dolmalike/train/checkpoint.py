"""Exact, atomic checkpoints: model + optimizer + step + every RNG the loop could touch.

A checkpoint at step k means steps 0..k-1 are done. It is written to a temp file, fsynced and
renamed (io.atomic), and only then does `latest.json` point at it, so a crash at any moment
leaves either the old or the new checkpoint usable, never a torn one.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dolmalike.core.errors import DolmalikeError
from dolmalike.io.atomic import atomic_write_bytes, atomic_write_json


def checkpoint_dir(train_dir: str | Path) -> Path:
    return Path(train_dir) / "checkpoints"


def checkpoint_name(step: int) -> str:
    return f"step-{step:08d}.pt"


def list_checkpoints(train_dir: str | Path) -> dict[int, Path]:
    """step -> checkpoint file, for every checkpoint TRAIN_DIR still holds."""
    d = checkpoint_dir(train_dir)
    found = {}
    for p in sorted(d.glob("step-*.pt")) if d.is_dir() else []:
        step = p.name[len("step-") : -len(".pt")]
        if step.isdigit() and p.name == checkpoint_name(int(step)):
            found[int(step)] = p
    return found


def point_latest(train_dir: str | Path, path: Path) -> None:
    """Make checkpoint `path` (inside TRAIN_DIR's checkpoints/) the one a resume starts from."""
    step = int(path.name[len("step-") : -len(".pt")])
    atomic_write_json(checkpoint_dir(train_dir) / "latest.json", {"step": step, "file": path.name})


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    train_dir: str | Path,
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    extra: dict[str, Any],
    keep: int = 2,
) -> Path:
    """Write checkpoints/step-<k>.pt atomically, point latest.json at it, prune old ones."""
    d = checkpoint_dir(train_dir)
    path = d / checkpoint_name(step)
    buf = io.BytesIO()
    torch.save(
        {
            "step": step,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "rng": rng_state(),
            **extra,
        },
        buf,
    )
    atomic_write_bytes(path, buf.getvalue())
    point_latest(train_dir, path)
    if keep > 0:
        for old in sorted(d.glob("step-*.pt"))[:-keep]:
            old.unlink()
    return path


def latest_checkpoint(train_dir: str | Path) -> Path | None:
    pointer = checkpoint_dir(train_dir) / "latest.json"
    if not pointer.is_file():
        return None
    path = checkpoint_dir(train_dir) / json.loads(pointer.read_text())["file"]
    if not path.is_file():
        raise DolmalikeError(f"{pointer} points at missing {path.name}")
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    # weights_only=False: the payload holds numpy/python RNG states, and it is our own file
    return torch.load(path, map_location=map_location, weights_only=False)
