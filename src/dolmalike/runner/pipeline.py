"""Run a pipeline spec end to end: streaming stages per partition, global steps, finalize, receipt."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import derive_seed
from dolmalike.core.redact import redact
from dolmalike.core.registry import Registry
from dolmalike.core.schema import SCHEMA_VERSION
from dolmalike.exec.executor import ExecConfig, kept_workers, mark_done, pending, run_tasks
from dolmalike.fetch.resumable import ReadPolicy
from dolmalike.io.atomic import atomic_write_json, remove_stale_temps
from dolmalike.io.receipt import input_entry
from dolmalike.manifests.layout import RunLayout
from dolmalike.runner.finalize import finalize_partition
from dolmalike.runner.id_check import check_unique_doc_ids
from dolmalike.runner.inputs import InputFile, resolve_inputs
from dolmalike.runner.models import train_models
from dolmalike.runner.partition import STREAM_STEP, PartitionProcessor, read_interruption
from dolmalike.runner.receipt import write_receipt
from dolmalike.runner.spec import PipelineSpec, resolve_params
from dolmalike.stages.registry import global_step_registry, instantiate

SYNTHETIC_DIR = "input"


@dataclass
class RunResult:
    run_dir: Path
    partitions: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    by_stage: list[dict[str, Any]] = field(default_factory=list)
    receipt: Path | None = None
    mix_dir: Path | None = None
    # partition -> what was lost, for inputs that could not be read to the end; when non-empty
    # the run stopped after the streaming stages (no global steps, no receipt) and must be rerun.
    unfinished: dict[str, str] = field(default_factory=dict)


def _check_config(layout: RunLayout, spec: PipelineSpec, force: bool) -> None:
    """A run dir belongs to one config: resuming with another would mix outputs."""
    if layout.spec_copy.exists():
        stored = json.loads(layout.spec_copy.read_text())
        old = stored.get("config_hash")
        # a dir from before the key was written holds schema-1 manifests (untyped fetch_date, detail)
        old_schema = stored.get("manifest_schema", 1)
        if old != spec.config_hash() or old_schema != SCHEMA_VERSION:
            if not force:
                why = (
                    f"with a different config (hash {old[:12]})"
                    if old != spec.config_hash()
                    else f"by an older dolmalike (manifest schema {old_schema}, now {SCHEMA_VERSION})"
                )
                raise DolmalikeError(
                    f"{layout.root} was built {why}; use another --out or pass --force to rebuild it"
                )
            for d in ("docs", "manifests", "work", "_done", "logs", "mix", "models", SYNTHETIC_DIR):
                shutil.rmtree(layout.root / d, ignore_errors=True)
    atomic_write_json(
        layout.spec_copy,
        {"config_hash": spec.config_hash(), "manifest_schema": SCHEMA_VERSION, "config": spec.to_dict()},
    )


def _remove_stale_temp_files(layout: RunLayout) -> None:
    # A SIGKILL can leave `.name.PID.tmp` files behind (in the synthetic crawl too); never outputs.
    for d in ("docs", "manifests", "work", "_done", "models", SYNTHETIC_DIR):
        remove_stale_temps(layout.root / d)


def _synthetic_inputs(layout: RunLayout, params: dict[str, Any]) -> Path:
    from dolmalike.synth.generator import generate_crawl
    from dolmalike.synth.labels import write_label_sets

    out = layout.root / SYNTHETIC_DIR
    marker = layout.marker("synth", "crawl")
    if not marker.exists():
        n_docs, seed = int(params.get("docs", 2000)), int(params.get("seed", 0))
        generate_crawl(out, n_docs=n_docs, seed=seed, n_files=int(params.get("files", 4)))
        write_label_sets(out / "labels", n_docs, seed)
        mark_done(marker)
    return out


def _unfinished(layout: RunLayout, partitions: list[str]) -> dict[str, str]:
    out = {}
    for p in pending(layout, STREAM_STEP, partitions):
        note = read_interruption(layout, p)
        if note is None:
            out[p] = f"did not finish (see {layout.logs / STREAM_STEP})"
        else:
            out[p] = (
                f"{note['error']} ({note['records_read']} records read before it; the rest were not read)"
            )
    return out


def _seeded(registry: Registry, name: str, params: dict[str, Any], root: int) -> dict[str, Any]:
    """A global step that draws random numbers (class attribute `seeded`) gets, unless its params
    set `seed`, derive_seed(pipeline seed, its name): the pipeline seed is the root of them all."""
    if getattr(registry.get(name), "seeded", False) and "seed" not in params:
        return {**params, "seed": derive_seed(root, str(params.get("name", name)))}
    return params


def run_pipeline(
    spec: PipelineSpec,
    run_dir: str | Path,
    exec_cfg: ExecConfig,
    force: bool = False,
    read_policy: ReadPolicy | None = None,
) -> RunResult:
    """Run `spec` into `run_dir`. `read_policy`: retries of remote inputs (not part of the config:
    it changes no output). If an input cannot be read to the end, the run stops after the
    streaming stages with `RunResult.unfinished` set, since global steps over a partial corpus
    would be marked done and never see the rest."""
    layout = RunLayout.of(run_dir)
    layout.root.mkdir(parents=True, exist_ok=True)
    _check_config(layout, spec, force)
    _remove_stale_temp_files(layout)
    # The receipt vouches for a finished run: drop it until every step has completed again, so
    # `verify` never passes a run that is still going or stopped half-way.
    layout.receipt.unlink(missing_ok=True)

    synthetic_dir: Path | None = None
    if spec.synthetic is not None:
        synthetic_dir = _synthetic_inputs(layout, spec.synthetic)
        # Relative to RUN_DIR, so manifests don't depend on where the run dir lives.
        inputs = [InputFile(f.partition, f.path) for f in resolve_inputs([str(synthetic_dir / "*.warc.gz")])]
        display = {f.partition: str(Path(f.path).relative_to(layout.root)) for f in inputs}
    else:
        inputs = resolve_inputs(spec.inputs)
        display = {f.partition: redact(f.path) for f in inputs}  # what manifests record: no credentials
    paths = {f.partition: f.path for f in inputs}
    partitions = sorted(paths)

    variables = {"models": str(layout.models)}
    if synthetic_dir is not None:
        variables["synthetic"] = str(synthetic_dir)
    # Built before models and stages run, so a bad step parameter fails the run before the work starts.
    registry = global_step_registry()
    steps = [
        instantiate(
            registry, s.name, _seeded(registry, s.name, resolve_params(s.params, variables), spec.seed)
        )
        for s in spec.global_steps
    ]
    train_models(layout, spec.models, variables, spec.seed)

    processor = PartitionProcessor(str(layout.root), spec.to_dict(), paths, display, variables, read_policy)
    with kept_workers(exec_cfg) as cfg:
        run_tasks(layout, STREAM_STEP, partitions, processor, cfg)
        if unfinished := _unfinished(layout, partitions):
            return RunResult(layout.root, partitions, unfinished=unfinished)
        check_unique_doc_ids(layout, partitions)

        for phase, step in enumerate(steps, start=1):
            step.run(layout, partitions, phase, cfg)

    counts: dict[str, int] = {"input_records": 0, "kept": 0, "dropped": 0, "error": 0}
    for p in partitions:
        table = finalize_partition(layout, p)
        counts["input_records"] += table.num_rows
        for status in table["status"].to_pylist():
            counts[status] += 1

    receipt_inputs = [{**input_entry(paths[p]), "path": display[p], "partition": p} for p in partitions]
    write_receipt(layout, spec.to_dict(), spec.config_hash(), spec.seed, receipt_inputs)
    result = RunResult(layout.root, partitions, counts, receipt=layout.receipt)

    if spec.mix:
        from dolmalike.runner.build_mix import build_mix

        result.mix_dir = build_mix(
            layout.root, Path(spec.mix), layout.root / "mix", workers=exec_cfg.workers, root_seed=spec.seed
        )
    return result
