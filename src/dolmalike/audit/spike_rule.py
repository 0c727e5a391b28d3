"""The loss-spike rule: a step is a spike when its loss rises above the rolling median of the steps
before it by more than k robust standard deviations.

    history = losses of the `window` previous steps (at least `min_history` of them)
    median  = median(history)
    scale   = max(1.4826 · MAD(history), rel_floor · median)     MAD = median(|h - median|)
    score   = (loss - median) / scale          spike  <=>  score > k

1.4826·MAD estimates the standard deviation of Gaussian noise while ignoring earlier spikes; the
`rel_floor` keeps a plateau with almost no noise from flagging 0.1% wiggles. Only rises count: a
falling loss (early training) is never a spike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SpikeRule:
    window: int = 20
    k: float = 6.0
    min_history: int = 5
    rel_floor: float = 0.01

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Spike:
    step: int
    loss: float
    median: float
    scale: float
    score: float


def find_spikes(curve: list[tuple[int, float]], rule: SpikeRule) -> list[Spike]:
    """Spikes in a (step, loss) curve, in step order."""
    steps = [s for s, _ in curve]
    losses = np.array([v for _, v in curve], dtype=np.float64)
    out = []
    for i in range(len(losses)):
        hist = losses[max(0, i - rule.window) : i]
        if len(hist) < rule.min_history:
            continue
        med = float(np.median(hist))
        mad = float(np.median(np.abs(hist - med)))
        scale = max(1.4826 * mad, rule.rel_floor * abs(med), 1e-12)
        score = (float(losses[i]) - med) / scale
        if score > rule.k:
            out.append(Spike(steps[i], float(losses[i]), med, scale, score))
    return out
