"""`spikes`: loss spikes of a training run -> the documents of each spike's batch, with provenance,
the tags that stand out and (when the model state is recomputable) each document's loss."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dolmalike.audit.checkpoints import checkpoint_at, list_checkpoints, load_log
from dolmalike.audit.doc_loss import per_document_loss, token_losses
from dolmalike.audit.spike_rule import SpikeRule, find_spikes
from dolmalike.audit.standout import StandoutRule, TagDistribution
from dolmalike.core.errors import DolmalikeError
from dolmalike.manifests.mix_layout import MixLayout
from dolmalike.train.batch import describe_step
from dolmalike.train.traindir import load_info


def loss_curve(train_dir: str | Path) -> list[tuple[int, float]]:
    """(step, loss) of every logged step, in step order."""
    curve = sorted((int(r["step"]), float(r["loss"])) for r in load_log(train_dir) if "loss" in r)
    if not curve:
        raise DolmalikeError(f"{train_dir}: log.jsonl has no training steps")
    return curve


def _run_dir(mix_dir: Path) -> Path | None:
    run_dir = MixLayout.of(mix_dir).source_run()
    return run_dir if run_dir and (run_dir / "manifests").is_dir() else None


def _documents(batch: dict[str, Any]) -> list[dict[str, Any]]:
    sources: dict[str, set[str]] = {}
    for inst in batch["instances"]:
        for seg in inst["segments"]:
            sources.setdefault(seg["doc_id"], set()).add(seg["source"])
    return [{**d, "source": ",".join(sorted(sources.get(d["doc_id"], ())))} for d in batch["documents"]]


def describe_spikes(
    train_dir: str | Path,
    rule: SpikeRule = SpikeRule(),
    standout_rule: StandoutRule = StandoutRule(),
    *,
    doc_loss: bool = True,
    max_spikes: int = 10,
) -> dict[str, Any]:
    """The spikes of TRAIN_DIR (highest `max_spikes` scores, reported in step order)."""
    train_dir = Path(train_dir)
    info = load_info(train_dir)
    if not list_checkpoints(train_dir):
        raise DolmalikeError(f"{train_dir} has no checkpoints (checkpoints/step-*.pt); train it first")
    curve = loss_curve(train_dir)
    spikes = find_spikes(curve, rule)
    top = sorted(sorted(spikes, key=lambda s: -s.score)[:max_spikes], key=lambda s: s.step)
    mix_dir = Path(info["mix_dir"])
    run_dir = _run_dir(mix_dir)
    tags = TagDistribution(run_dir, mix_dir, standout_rule) if run_dir else None
    out = []
    with tempfile.TemporaryDirectory(prefix="spikes-", dir=train_dir) as scratch:
        for i, sp in enumerate(top):
            batch = describe_step(train_dir, sp.step, with_ids=doc_loss)
            docs = _documents(batch)
            entry: dict[str, Any] = {**asdict(sp), "n_documents": len(docs)}
            if doc_loss:
                ckpt = checkpoint_at(train_dir, sp.step, Path(scratch) / f"replay-{i}")
                nll = token_losses(info, ckpt, [inst["ids"] for inst in batch["instances"]])
                losses = per_document_loss(batch, nll)
                entry["recomputed_loss"] = float(nll[:, 1:].mean())
                for d in docs:
                    d.update(losses.get(d["doc_id"], {"loss": None, "targets": 0}))
                docs.sort(key=lambda d: -(d["loss"] or 0.0))
            if tags is not None:
                stand = tags.standout([d["doc_id"] for d in docs])
                for d in docs:
                    d["standout"] = stand.get(d["doc_id"], [])
            entry["documents"] = docs
            out.append(entry)
    return {
        "train_dir": str(train_dir),
        "rule": rule.to_dict(),
        "standout_rule": asdict(standout_rule),
        "n_steps": len(curve),
        "n_spikes": len(spikes),
        "spikes": out,
    }
