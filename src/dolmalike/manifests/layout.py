"""Where everything lives inside RUN_DIR. One place, so no module guesses paths, and every name
that becomes part of a path (step, partition, tagger, model) is checked here to be one plain
file name (core.names), so nothing is written outside RUN_DIR."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dolmalike.core.names import safe_name


@dataclass(frozen=True)
class RunLayout:
    root: Path

    @classmethod
    def of(cls, run_dir: str | Path) -> RunLayout:
        return cls(Path(run_dir))

    @property
    def manifests(self) -> Path:
        return self.root / "manifests"

    @property
    def docs(self) -> Path:
        """Kept documents (text + provenance), one zstd file per input partition."""
        return self.root / "docs"

    @property
    def receipt(self) -> Path:
        return self.root / "receipt.json"

    @property
    def spec_copy(self) -> Path:
        return self.root / "spec.resolved.json"

    @property
    def done(self) -> Path:
        return self.root / "_done"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def work(self) -> Path:
        """Intermediate shards of global steps (dedup signatures, buckets...)."""
        return self.root / "work"

    def table_dir(self, table: str) -> Path:
        return self.manifests / table

    def part(self, table: str, partition: str) -> Path:
        return self.manifests / safe_name(table, "table") / f"{safe_name(partition, 'partition')}.parquet"

    def attributes_dir(self, tagger: str) -> Path:
        return self.manifests / "attributes" / safe_name(tagger, "tagger")

    @property
    def models(self) -> Path:
        return self.root / "models"

    def model(self, name: str) -> Path:
        """A classifier the spec's `models:` section trains: RUN_DIR/models/<name>.bin."""
        return self.models / f"{safe_name(name, 'model')}.bin"

    def step_work(self, step: str) -> Path:
        """A global step's intermediate files: RUN_DIR/work/<step>/."""
        return self.work / safe_name(step, "step")

    def doc_part(self, partition: str) -> Path:
        """The partition's kept documents: Parquet, or Dolma jsonl.zst when the run chose it."""
        safe_name(partition, "partition")
        parquet = self.docs / f"{partition}.parquet"
        dolma = self.docs / f"{partition}.jsonl.zst"
        return dolma if dolma.exists() and not parquet.exists() else parquet

    def marker(self, step: str, partition: str) -> Path:
        return self.done / safe_name(step, "step") / safe_name(partition, "partition")

    def unfinished_marker(self, step: str, partition: str) -> Path:
        """Set by a task that ended without finishing its key on purpose (e.g. an input whose read
        was interrupted): the key stays pending, but the step did not fail."""
        return self.done / ".unfinished" / safe_name(step, "step") / safe_name(partition, "partition")
