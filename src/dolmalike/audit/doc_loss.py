"""Per-document loss of one training step, recomputed with the model as it was before that step.

The batch is recomputed by `describe_step` (instances + the document segments in each); the model
state comes from audit.checkpoints (a kept checkpoint or an exact replay). Target position t of an
instance (t >= 1; position 0 has no context) is predicted from positions < t of the same
instance, exactly as in training, so the token-weighted mean over all documents equals the loss
the trainer logged for that step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from dolmalike.train.checkpoint import load_checkpoint
from dolmalike.train.model import GPT
from dolmalike.train.traindir import info_config


@torch.no_grad()
def token_losses(info: dict[str, Any], ckpt: Path, ids: np.ndarray) -> np.ndarray:
    """(B, L) nll of every instance position under the checkpoint's model (column 0 is NaN)."""
    cfg = info_config(info)
    model = GPT(cfg, int(info["vocab_size"]))
    model.load_state_dict(load_checkpoint(ckpt)["model"])
    model.eval()
    x = torch.from_numpy(np.asarray(ids, dtype=np.int64))
    logits = model(x[:, :-1]).float()
    nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), x[:, 1:], reduction="none")
    out = np.full(x.shape, np.nan)
    out[:, 1:] = nll.double().numpy()
    return out


def per_document_loss(batch: dict[str, Any], nll: np.ndarray) -> dict[str, dict[str, float]]:
    """doc_id -> {"loss": mean nll over its predicted tokens in the batch, "targets": count}."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for inst in batch["instances"]:
        row = nll[inst["slot"]]
        for seg in inst["segments"]:
            lo, hi = max(1, seg["offset"]), seg["offset"] + seg["end"] - seg["start"]
            if hi <= lo:
                continue
            sums[seg["doc_id"]] = sums.get(seg["doc_id"], 0.0) + float(row[lo:hi].sum())
            counts[seg["doc_id"]] = counts.get(seg["doc_id"], 0) + hi - lo
    return {d: {"loss": sums[d] / counts[d], "targets": counts[d]} for d in sums}
