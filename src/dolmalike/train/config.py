"""Training configuration: one dataclass, loadable from YAML or a dict.

Unknown keys are an error (a typo in a config silently training the wrong model is the
worst kind of bug); every key has a default that trains the tiny CPU model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.typedconfig import bounded, check_instance
from dolmalike.io.yamlfile import load_yaml_mapping


@dataclass
class EvalConfig:
    """What the end-of-training evaluation runs (see dolmalike.train.evaluate)."""

    # held-out perplexity: at most this many documents per mix source (None = all)
    max_docs_per_source: int | None = bounded(64, ge=1)
    # Paloma-style tag buckets: "auto" discovers them from the RUN_DIR attributes tables, or a list
    # of {"tagger": ..., "column": ..., "quantiles": int?}; [] disables tag buckets.
    tag_buckets: str | list[dict[str, Any]] = "auto"
    quantiles: int = bounded(4, ge=1)  # numeric attribute columns are split into this many quantile buckets
    # zero-shot multiple choice; None disables it (no benchmark files bundled with the package)
    benchmarks_dir: str | None = None
    tasks: list[str] = field(default_factory=lambda: ["arc_easy", "piqa", "hellaswag"])
    limit: int | None = bounded(50, ge=1)  # items per task
    batch_size: int = bounded(16, ge=1)


@dataclass
class TrainConfig:
    # --- data / order (these define step -> instances, so `dolmalike batch` reads them back) ---
    seq_len: int = bounded(
        64, ge=2
    )  # L: tokens per instance; the model sees L-1 inputs and predicts L-1 targets
    batch_size: int = bounded(8, ge=1)  # global instances per optimizer step
    micro_batch_size: int | None = bounded(
        None, ge=1
    )  # per-rank instances per forward; None = batch_size / world
    seed: int = bounded(0, ge=0)  # instance order (PCG64) and model init
    # olmo: OLMo-core NumpyFSLDataset/NumpyFSLDataLoader numbering and order (per-file chunking);
    # stream: all shards as one stream (train.numbering explains both)
    numbering: str = "olmo"
    # --- model ---
    vocab_size: int | None = bounded(None, ge=2)  # None = read from MIX_DIR/shards/meta.json
    n_layer: int = bounded(2, ge=1)
    n_head: int = bounded(4, ge=1)
    d_model: int = bounded(64, ge=2)
    mlp: str = "swiglu"  # swiglu | gelu
    mlp_ratio: float = bounded(8 / 3, gt=0)
    rope_theta: float = bounded(10000.0, gt=0)
    dropout: float = bounded(0.0, ge=0, lt=1)
    # --- optimizer / schedule ---
    lr: float = bounded(3e-3, gt=0)
    min_lr_ratio: float = bounded(0.1, ge=0, le=1)  # cosine decays to lr * min_lr_ratio
    warmup: int = bounded(20, ge=0)
    max_steps: int = bounded(200, ge=0)  # length of the schedule; training stops here
    weight_decay: float = bounded(0.1, ge=0)
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = bounded(1.0, ge=0)
    # --- runtime ---
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    dtype: str = "auto"  # auto (bf16 autocast on CUDA, fp32 on CPU) | float32 | bfloat16
    compile: bool = False
    num_threads: int | None = bounded(None, ge=1)  # torch CPU threads; None = leave torch's default
    # --- bookkeeping ---
    eval_interval: int = bounded(
        0, ge=0
    )  # steps between quick held-out loss evals; 0 = never during training
    eval_batches: int = bounded(4, ge=1)  # batches of held-out instances for the quick eval
    checkpoint_interval: int = bounded(100, ge=0)  # 0 = only the final checkpoint
    keep_checkpoints: int = bounded(2, ge=1)
    log_interval: int = bounded(1, ge=1)  # progress bar refresh; log.jsonl gets every step
    log_batch_ids: bool = False
    tensorboard: bool = False
    eval: EvalConfig = field(default_factory=EvalConfig)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> TrainConfig:
        d = dict(d or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise DolmalikeError(f"unknown train config key(s): {', '.join(unknown)}")
        ev = d.pop("eval", None)
        cfg = cls(**d)
        if isinstance(ev, EvalConfig):
            cfg.eval = ev
        elif ev is not None:
            ev_names = {f.name for f in dataclasses.fields(EvalConfig)}
            bad = sorted(set(ev) - ev_names)
            if bad:
                raise DolmalikeError(f"unknown eval config key(s): {', '.join(bad)}")
            cfg.eval = EvalConfig(**ev)
        cfg.validate()
        return cfg

    @classmethod
    def from_yaml(cls, path: str | Path) -> TrainConfig:
        return cls.from_dict(load_yaml_mapping(path, "train config"))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **overrides: Any) -> TrainConfig:
        d = self.to_dict()
        for k, v in overrides.items():
            if k == "eval" and isinstance(v, dict):
                d["eval"] = {**d["eval"], **v}
            else:
                d[k] = v
        return TrainConfig.from_dict(d)

    def validate(self) -> None:
        check_instance(self, "train config")
        check_instance(self.eval, "train config: eval")
        if self.seq_len < 2:
            raise DolmalikeError("seq_len must be >= 2 (inputs are window[:-1], targets window[1:])")
        if self.numbering not in ("olmo", "stream"):
            raise DolmalikeError(f"numbering must be olmo or stream, not {self.numbering!r}")
        if self.batch_size < 1 or self.max_steps < 0:
            raise DolmalikeError("batch_size must be >= 1 and max_steps >= 0")
        if self.d_model % self.n_head or (self.d_model // self.n_head) % 2:
            raise DolmalikeError("d_model must divide into n_head heads of even size (RoPE pairs)")
        if self.mlp not in ("swiglu", "gelu"):
            raise DolmalikeError(f"mlp must be swiglu or gelu, not {self.mlp!r}")
        if self.dtype not in ("auto", "float32", "bfloat16"):
            raise DolmalikeError(f"dtype must be auto, float32 or bfloat16, not {self.dtype!r}")
