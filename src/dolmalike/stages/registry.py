"""Builtin streaming stages and global (barrier) steps, by name."""

from __future__ import annotations

import dataclasses
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.registry import Registry
from dolmalike.core.typedconfig import checked

STAGES: dict[str, str] = {
    "extract": "dolmalike.stages.extract:Extract",
    "c4_clean": "dolmalike.stages.c4_clean:C4Clean",
    "pii_mask": "dolmalike.stages.pii_mask:PiiMask",
    "tag": "dolmalike.stages.tag:TagStage",
}

GLOBAL_STEPS: dict[str, str] = {
    "url_dedup": "dolmalike.dedup.steps:UrlDedup",
    "content_dedup": "dolmalike.dedup.steps:ContentDedup",
    "paragraph_dedup": "dolmalike.dedup.steps:ParagraphDedup",
    "minhash_dedup": "dolmalike.dedup.steps:MinHashDedup",
}


def stage_registry() -> Registry:
    return Registry("stage", STAGES, entry_point_group="dolmalike.stages")


def global_step_registry() -> Registry:
    return Registry("global step", GLOBAL_STEPS, entry_point_group="dolmalike.global_steps")


def instantiate(registry: Registry, name: str, params: dict[str, Any]) -> Any:
    cls = registry.get(name)
    if dataclasses.is_dataclass(cls):  # typed parameters: checked (type and range) before construction
        params = checked(cls, params, f"{registry.kind} {name!r}")
    try:
        return cls(**params)
    except TypeError as e:
        raise DolmalikeError(f"bad parameters for {registry.kind} {name!r}: {e}") from e
