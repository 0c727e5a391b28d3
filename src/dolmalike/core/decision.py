"""One stage's verdict on one document: a row of manifests/decisions/ (schema: core.schema.DECISIONS).

It lives in core because stages report it and the manifest writer and dedup steps write it;
neither should depend on the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Decision:
    doc_id: str
    stage: str
    decision: str  # kept | dropped | error | modified | masked | ...
    reason: str | None = None
    score: float | None = None
    # structured extras (e.g. per-rule counts): written as the stage's declared struct
    # (Stage.detail_type), or as JSON text when the stage declares none
    detail: dict[str, Any] | None = None
