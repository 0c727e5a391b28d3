"""`dolmalike tag RUN_DIR`: add taggers' attributes to an existing run.

`tag_run` adds RUN_DIR/manifests/attributes/<tagger>/<partition>.parquet for every
RUN_DIR/docs/<partition> file, one task per partition, rows in the docs file's order, so
attributes stay aligned with the document shards. A per-(tagger, partition) marker holding
the tagger's config makes re-running idempotent: done parts are skipped, parts tagged with
another config (or missing) are redone, and every part is replaced atomically.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.exec.executor import ExecConfig, run_tasks
from dolmalike.io.atomic import atomic_write_bytes, atomic_write_json
from dolmalike.io.receipt import hash_outputs
from dolmalike.manifests.layout import RunLayout
from dolmalike.taggers.apply import TaggerSet, batches
from dolmalike.taggers.base import Tagger
from dolmalike.taggers.registry import DEFAULT_PLUGIN_DIR, build_taggers, parse_tagger_specs

DOC_SUFFIXES = (".parquet", ".jsonl.zst")
TAG_STEP = "tag"


def doc_partitions(layout: RunLayout) -> dict[str, Path]:
    """partition -> its kept-documents file under RUN_DIR/docs/."""
    parts: dict[str, Path] = {}
    if layout.docs.is_dir():
        for path in sorted(layout.docs.iterdir()):
            for suffix in DOC_SUFFIXES:
                if path.name.endswith(suffix) and not path.name.startswith("."):
                    parts[path.name[: -len(suffix)]] = path
    return parts


def _config_text(t: Tagger) -> str:
    return json.dumps({"name": t.name, "config": t.config()}, sort_keys=True, default=str)


def _marker(layout: RunLayout, tagger: str, partition: str) -> Path:
    return layout.marker(f"{TAG_STEP}.{tagger}", partition)


def _is_done(layout: RunLayout, t: Tagger, partition: str) -> bool:
    marker = _marker(layout, t.name, partition)
    part = layout.attributes_dir(t.name) / f"{partition}.parquet"
    return marker.is_file() and part.is_file() and marker.read_text() == _config_text(t)


class TagPartition:
    """Picklable task: tags one partition with the taggers still to do for it.

    The taggers are built inside the worker process (models do not pickle), once per process.
    """

    def __init__(
        self,
        run_dir: str,
        specs: list[tuple[str, dict[str, Any]]],
        plugin_dirs: list[str],
        todo: dict[str, list[str]],
        paths: dict[str, str],
        batch_size: int = 256,
    ) -> None:
        self.run_dir = run_dir
        self.specs = specs
        self.plugin_dirs = plugin_dirs
        self.todo = todo
        self.paths = paths
        self.batch_size = batch_size
        self._taggers: dict[str, Tagger] | None = None

    def _get_taggers(self, names: list[str]) -> list[Tagger]:
        if self._taggers is None:
            built = build_taggers([{n: p} for n, p in self.specs], self.plugin_dirs)
            self._taggers = {t.name: t for t in built}
        return [self._taggers[n] for n in names]

    def __call__(self, partition: str) -> None:
        from tqdm import tqdm

        from dolmalike.io.docstore import read_docs, read_docs_table
        from dolmalike.manifests.writer import write_attributes

        layout = RunLayout.of(self.run_dir)
        taggers = TaggerSet(self._get_taggers(self.todo[partition]))
        rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in taggers.taggers}
        n_docs = read_docs_table(self.paths[partition], columns=["doc_id"]).num_rows
        with tqdm(
            total=n_docs, desc=f"tag {partition}", unit="doc", file=sys.stderr, leave=False, disable=None
        ) as bar:
            for batch in batches(read_docs(self.paths[partition]), self.batch_size):
                for name, out in taggers.predict(batch).items():
                    rows[name] += [{"doc_id": d.doc_id, **r} for d, r in zip(batch, out)]
                bar.update(len(batch))
        for t in taggers.taggers:
            write_attributes(layout, t.name, partition, taggers.schemas[t.name], rows[t.name])
            atomic_write_bytes(_marker(layout, t.name, partition), _config_text(t).encode())


@dataclass
class TagReport:
    run_dir: str
    taggers: list[str]
    partitions: int
    tagged: int  # partitions that ran
    skipped: int  # partitions already tagged with the same config by every tagger
    rows: dict[str, int] = field(default_factory=dict)  # tagger -> rows now on disk

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_dir": self.run_dir,
            "taggers": self.taggers,
            "partitions": self.partitions,
            "tagged": self.tagged,
            "skipped": self.skipped,
            "rows": self.rows,
        }


def tag_run(
    run_dir: str | Path,
    tagger_names: Sequence[str | Mapping[str, Any]],
    workers: int = 1,
    plugin_dirs: Iterable[str | Path] = (DEFAULT_PLUGIN_DIR,),
    force: bool = False,
    batch_size: int = 256,
) -> TagReport:
    """Add taggers' attributes to an existing run (see the module docstring)."""
    import pyarrow.parquet as pq

    layout = RunLayout.of(run_dir)
    if not layout.manifests.is_dir():
        raise DolmalikeError(f"{run_dir} is not a dolmalike run directory (no manifests/)")
    if workers < 1:
        raise DolmalikeError("--workers must be at least 1")
    specs = parse_tagger_specs(tagger_names)
    if not specs:
        raise DolmalikeError("no taggers given")
    dirs = [str(Path(d).resolve()) for d in plugin_dirs]
    taggers = build_taggers([{n: p} for n, p in specs], dirs)  # fails early on unknown names
    parts = doc_partitions(layout)
    todo = {p: [t.name for t in taggers if force or not _is_done(layout, t, p)] for p in parts}
    keys = [p for p in parts if todo[p]]
    for p in keys:  # the step marker only says "a tag task ran"; per-tagger markers decide
        layout.marker(TAG_STEP, p).unlink(missing_ok=True)
    if keys:
        task = TagPartition(
            str(layout.root),
            specs,
            dirs,
            {p: todo[p] for p in keys},
            {p: str(parts[p]) for p in keys},
            batch_size,
        )
        run_tasks(layout, TAG_STEP, keys, task, ExecConfig(workers=workers))
    rows = {}
    for t in taggers:
        files = [layout.attributes_dir(t.name) / f"{p}.parquet" for p in parts]
        rows[t.name] = sum(pq.ParquetFile(f).metadata.num_rows for f in files if f.is_file())
    _update_receipt(layout, taggers, parts)
    return TagReport(
        run_dir=str(run_dir),
        taggers=[t.name for t in taggers],
        partitions=len(parts),
        tagged=len(keys),
        skipped=len(parts) - len(keys),
        rows=rows,
    )


def _update_receipt(layout: RunLayout, taggers: Sequence[Tagger], parts: Mapping[str, Path]) -> None:
    """Keep receipt.json true after adding attributes: hash the attribute parts of these
    taggers into its outputs and record each tagger's config under "added_attributes"."""
    if not layout.receipt.is_file():
        return
    receipt = json.loads(layout.receipt.read_text())
    files = [layout.attributes_dir(t.name) / f"{p}.parquet" for t in taggers for p in parts]
    outputs = {**receipt.get("outputs", {}), **hash_outputs(layout.root, [f for f in files if f.is_file()])}
    receipt["outputs"] = dict(sorted(outputs.items()))
    added = receipt.setdefault("added_attributes", {})
    for t in taggers:
        added[t.name] = json.loads(_config_text(t))["config"]
    receipt["added_attributes"] = dict(sorted(added.items()))
    atomic_write_json(layout.receipt, receipt)
