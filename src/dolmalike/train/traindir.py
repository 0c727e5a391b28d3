"""Where everything lives inside TRAIN_DIR, and the run record that makes steps traceable.

TRAIN_DIR/train.json records the resolved config, the MIX_DIR and the sha256 of every shard,
so `dolmalike batch` can recompute step -> instances -> tokens -> documents from it alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.train.config import TrainConfig


@dataclass(frozen=True)
class TrainLayout:
    root: Path

    @classmethod
    def of(cls, train_dir: str | Path) -> TrainLayout:
        return cls(Path(train_dir))

    @property
    def info(self) -> Path:
        return self.root / "train.json"

    @property
    def log(self) -> Path:
        return self.root / "log.jsonl"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def batch_ids(self) -> Path:
        return self.root / "batch_ids"

    def batch_ids_file(self, step: int) -> Path:
        return self.batch_ids / f"step-{step:08d}.npy"

    @property
    def eval(self) -> Path:
        return self.root / "eval.json"


def order_key(info: dict[str, Any]) -> dict[str, Any]:
    """The fields that define which tokens each step sees; a resume must not change them."""
    c = info["config"]
    return {
        "mix_dir": info["mix_dir"],
        "shards": [s["sha256"] for s in info["shards"]],
        "seq_len": c["seq_len"],
        "batch_size": c["batch_size"],
        "seed": c["seed"],
        "numbering": info_config(info).numbering,
        "exclusion": {k: v for k, v in (info.get("intervention") or {}).items() if k != "from"},
    }


def load_info(train_dir: str | Path) -> dict[str, Any]:
    p = TrainLayout.of(train_dir).info
    if not p.is_file():
        raise DolmalikeError(f"{train_dir} is not a TRAIN_DIR (no train.json)")
    return json.loads(p.read_text())


def info_config(info: dict[str, Any]) -> TrainConfig:
    """The run's TrainConfig; a train.json from before `numbering` existed was trained in stream order."""
    return TrainConfig.from_dict({"numbering": "stream", **info["config"]})


def load_config(train_dir: str | Path) -> TrainConfig:
    return info_config(load_info(train_dir))
