"""The dedup global steps: `run(layout, partitions, phase, exec_cfg)` runs each sub-step as its
own task set through the executor (per partition, per key shard, or one barrier task).

Every step sees only documents no earlier global step dropped (survivors.py), writes one
decision per seen document (phase = its phase) and, for document-level methods, one dedup row
per seen document. Keep rule everywhere: earliest fetch_date, then smallest doc_id.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from dolmalike.core.names import safe_name
from dolmalike.core.typedconfig import bounded, checked
from dolmalike.dedup import exact_tasks, minhash_tasks
from dolmalike.dedup.paragraph_tasks import ParagraphTask
from dolmalike.exec.executor import ExecConfig, run_tasks
from dolmalike.manifests.layout import RunLayout


@dataclass
class _ExactDedup:
    name: str
    shards: int = bounded(8, ge=1)
    method: ClassVar[str] = ""

    def config(self) -> dict[str, Any]:
        return {"method": self.method, **asdict(self)}

    def run(self, layout: RunLayout, partitions: list[str], phase: int, exec_cfg: ExecConfig) -> None:
        parts = tuple(sorted(partitions))
        args = (layout, self.name, phase, self.method, self.shards, parts)
        run_tasks(layout, f"{self.name}.keys", parts, exact_tasks.KeyTask(*args), exec_cfg)
        shards = exact_tasks.shard_keys(self.shards)
        run_tasks(layout, f"{self.name}.groups", shards, exact_tasks.GroupTask(*args), exec_cfg)
        run_tasks(layout, f"{self.name}.filter", parts, exact_tasks.FilterTask(*args), exec_cfg)


@dataclass
class UrlDedup(_ExactDedup):
    """Drop documents whose normalized URL an earlier-kept document already has."""

    name: str = bounded("url_dedup", file_name=True)
    method: ClassVar[str] = "url"


@dataclass
class ContentDedup(_ExactDedup):
    """Drop documents whose normalized text (NFKC, lowercase, collapsed spaces) is a copy."""

    name: str = bounded("content_dedup", file_name=True)
    method: ClassVar[str] = "content"


@dataclass
class ParagraphDedup:
    """Tag duplicate paragraphs with a Bloom filter (Dolma BFF); a single sequential task."""

    name: str = bounded("paragraph_dedup", file_name=True)
    attribute: str = bounded("dup_paragraphs_v1", file_name=True)
    fp_rate: float = bounded(1e-4, gt=0, lt=1)
    expected_items: int | None = bounded(None, ge=1)  # None: bounded by a newline count over the run

    def config(self) -> dict[str, Any]:
        return asdict(self)

    def run(self, layout: RunLayout, partitions: list[str], phase: int, exec_cfg: ExecConfig) -> None:
        task = ParagraphTask(
            layout,
            self.name,
            phase,
            self.attribute,
            self.fp_rate,
            self.expected_items,
            tuple(sorted(partitions)),
        )
        run_tasks(layout, f"{self.name}.pass", ["all"], task, exec_cfg)


class MinHashDedup:
    """Near-duplicate removal: MinHash LSH (bands × rows), verified, clustered, keep one.
    Parameters are those of MinHashParams (ngram, bands, rows, seed, threshold, verify)."""

    # In a pipeline, an unset `seed` is derived from the pipeline's seed (runner.pipeline).
    seeded = True

    def __init__(self, name: str = "minhash_dedup", **params: Any) -> None:
        self.name = safe_name(name, f"global step {name!r}: `name`")
        self.params = minhash_tasks.MinHashParams(
            **checked(minhash_tasks.MinHashParams, params, f"global step {name!r}")
        )

    def config(self) -> dict[str, Any]:
        return {"name": self.name, **asdict(self.params)}

    def run(self, layout: RunLayout, partitions: list[str], phase: int, exec_cfg: ExecConfig) -> None:
        parts = tuple(sorted(partitions))
        args = (layout, self.name, phase, self.params, parts)
        m = minhash_tasks
        run_tasks(layout, f"{self.name}.signatures", parts, m.SignatureTask(*args), exec_cfg)
        run_tasks(layout, f"{self.name}.buckets", self.params.band_keys(), m.BucketTask(*args), exec_cfg)
        run_tasks(layout, f"{self.name}.merge", ["all"], m.MergeTask(*args), exec_cfg)
        if self.params.verify:
            run_tasks(layout, f"{self.name}.shingles", parts, m.ShingleTask(*args), exec_cfg)
        run_tasks(layout, f"{self.name}.clusters", ["all"], m.ClusterTask(*args), exec_cfg)
        run_tasks(layout, f"{self.name}.filter", parts, m.FilterTask(*args), exec_cfg)
