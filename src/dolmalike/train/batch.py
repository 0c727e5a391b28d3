"""Step -> documents: which document token ranges a training step saw, computed from the config alone.

    step s -> instance ids of step s                  (train.numbering: OLMo-core's order by default;
                                                       numbering: stream = data.InstanceOrder; train.exclusion)
           -> ranges of L tokens                      (numbering.FileInstances, or data.Instances)
           -> shard-local pieces                      (TokenStore.pieces)       = step_windows()
           -> documents overlapping each piece        (lineage: Split.overlapping, as `trace`)
           -> provenance from RUN_DIR's manifests     (lineage: RunProvenance, as `trace`)

A document occupies shard positions [start, end] inclusive of its trailing EOS at `end`; a segment
is the part of one document (and possibly its EOS) that falls in one instance.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.lineage.mix import MixLineage
from dolmalike.lineage.steps import Segment, Window
from dolmalike.lineage.tokens import TokenStore
from dolmalike.train.config import TrainConfig
from dolmalike.train.data import Instances
from dolmalike.train.exclusion import StepOrder, ordering_for
from dolmalike.train.numbering import training_instances
from dolmalike.train.traindir import info_config, load_info


def step_windows(instances: Instances, order: StepOrder, step: int, batch_size: int) -> list[Window]:
    """The one step -> token ranges function: the windows (instances) of step `step`, each as the
    shard-local pieces the trainer reads, in batch order."""
    out = []
    for slot, inst in enumerate(order.step(step, batch_size).tolist()):
        out.append(Window(slot, inst, tuple(instances.store.pieces(*instances.span(inst)))))
    return out


class TrainSteps:
    """The StepPlan of a training run: its instances and its (possibly replayed) order."""

    def __init__(
        self,
        cfg: TrainConfig,
        store: TokenStore,
        info: dict[str, Any] | None = None,
        train_dir: Path | None = None,
    ) -> None:
        self.cfg = cfg
        self.instances = training_instances(store, cfg.seq_len, cfg.numbering)
        self.order = ordering_for(info or {}, Path(train_dir or "."), self.instances, cfg.seed)

    def windows(self, step: int) -> list[Window]:
        return step_windows(self.instances, self.order, step, self.cfg.batch_size)


def _check_shards(info: dict[str, Any], store: TokenStore) -> None:
    trained = [s.get("sha256") for s in info["shards"]]
    now = [s.get("sha256") for s in store.meta["shards"]]
    if trained != now:
        raise DolmalikeError(f"{store.dir}: shards changed since training (sha256 differs from train.json)")


def step_segments(
    mix_dir: Path,
    cfg: TrainConfig,
    step: int,
    info: dict[str, Any] | None = None,
    train_dir: Path | None = None,
) -> tuple[list[Window], list[Segment], Instances]:
    """The step's windows and the document segments that make up each; `info` (a train.json) and
    `train_dir` give a replay's exclusions (train.exclusion)."""
    with MixLineage(mix_dir, "train") as lin:
        plan = TrainSteps(cfg, lin.split.tokens, info, train_dir)
        lin.plan = plan
        windows, segments = lin.step(step)
    return windows, segments, plan.instances


def describe_step(train_dir: str | Path, step: int, *, with_ids: bool = False) -> dict[str, Any]:
    """JSON-able description of step `step` of the run in TRAIN_DIR (see module docstring)."""
    info = load_info(train_dir)
    cfg = info_config(info)
    if not 0 <= step < cfg.max_steps:
        raise DolmalikeError(
            f"step {step} is outside the run's schedule: its steps are 0..{cfg.max_steps - 1} (max_steps {cfg.max_steps})"
        )
    mix_dir = Path(info["mix_dir"])
    with MixLineage(mix_dir, "train") as lin:
        store = lin.split.tokens
        _check_shards(info, store)
        plan = TrainSteps(cfg, store, info, Path(train_dir))
        lin.plan = plan
        windows, segments = lin.step(step)
        parts = {s.partition for s in segments}
        prov = lin.provenance([s.doc_id for s in segments], None if None in parts else parts)  # type: ignore[arg-type]
    instances = plan.instances
    by_slot: list[dict[str, Any]] = []
    for w in windows:
        a, b = instances.span(w.instance)
        entry: dict[str, Any] = {
            "slot": w.slot,
            "instance": w.instance,
            "stream_range": [a, b],
            "segments": [],
        }
        if with_ids:
            entry["ids"] = instances.get(w.instance).tolist()
        by_slot.append(entry)
    for seg in segments:
        d = asdict(seg)
        for k in ("slot", "instance", "partition"):
            d.pop(k)
        d["shard_name"] = store.shard_names[seg.shard]
        d["includes_eos"] = seg.includes_eos
        # the segment's own fields win: its `source` is the mix source, as in `trace`'s mix_source
        by_slot[seg.slot]["segments"].append({**prov[seg.doc_id]["provenance"], **d})
    docs: dict[str, int] = {}
    for seg in segments:
        docs[seg.doc_id] = docs.get(seg.doc_id, 0) + seg.end - seg.start
    return {
        "train_dir": str(train_dir),
        "mix_dir": str(mix_dir),
        "step": step,
        "epoch": plan.order.epoch(step, cfg.batch_size),
        "numbering": cfg.numbering,
        "seq_len": cfg.seq_len,
        "batch_size": cfg.batch_size,
        "seed": cfg.seed,
        "n_documents": len(docs),
        "instances": by_slot,
        "documents": [
            {
                "doc_id": k,
                "tokens": v,
                **prov[k]["provenance"],
                "tags": prov[k]["tags"],
                "dedup": prov[k]["dedup"],
            }
            for k, v in sorted(docs.items())
        ],
    }
