"""Pipeline specs: a declarative YAML list of stages, loaded into typed objects.

```yaml
name: demo
seed: 0
inputs: {synthetic: {docs: 2000, seed: 0, files: 4}}   # or a list of paths, globs or URLs
doc_format: parquet                                     # or jsonl.zst (Dolma layout)
stages:                                                 # streaming, per input partition
  - extract: {extractor: resiliparse}
  - tag: {taggers: [gopher_quality_v1, {decontam_v1: {eval_sets: [...]}}]}
global:                                                 # barrier steps over all partitions
  - minhash_dedup: {bands: 14, rows: 8}
mix: pipelines/mix.yaml                                 # optional: mix + tokenize after the run
```
In a spec, strings that start with `./` or `../` are paths relative to the spec file (so a
spec works from any directory); `--input` paths are relative to the current directory.
`{first_existing: [a, b]}` anywhere in stage params becomes the first path that exists;
`${synthetic}` becomes the directory of the generated synthetic crawl and `${models}` the
directory of the models the spec's `models:` section trains (RUN_DIR/models).

```yaml
models:                        # fastText classifiers trained before the stages run
  quality: {pos: [...], neg: [...], labels: [hq, lq]}   # + any classifier TrainConfig field
```
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.names import safe_name
from dolmalike.core.redact import redact
from dolmalike.core.typedconfig import bounded, checked
from dolmalike.io.yamlfile import load_yaml_mapping

_KNOWN_KEYS = {
    "name",
    "seed",
    "inputs",
    "source",
    "doc_format",
    "stages",
    "global",
    "mix",
    "max_record_bytes",
    "models",
    "s3_endpoint",
}


@dataclass(frozen=True)
class SyntheticInputs:
    """`inputs: {synthetic: {...}}`: the generated crawl's size (see `dolmalike synth`)."""

    docs: int = bounded(2000, ge=1)
    seed: int = bounded(0, ge=0)
    files: int = bounded(4, ge=1)


@dataclass
class StepSpec:
    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class PipelineSpec:
    name: str
    seed: int = bounded(0, ge=0)
    inputs: list[str] = field(default_factory=list)
    synthetic: dict[str, Any] | None = None
    # None: per input file, "commoncrawl" for files a Common Crawl crawl name vouches for (path,
    # name or warcinfo), else "warc"; JSONL lines keep their own. A string: every document's source.
    source: str | None = None
    doc_format: str = bounded("parquet", choices=("parquet", "jsonl.zst"))
    max_record_bytes: int = bounded(20 * 2**20, gt=0)
    stages: list[StepSpec] = field(default_factory=list)
    global_steps: list[StepSpec] = field(default_factory=list)
    mix: str | None = None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Where s3:// inputs and outputs live (overridden by --s3-endpoint and the environment). Not
    # part of the config: the same data read through another endpoint is the same run.
    s3_endpoint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The spec as recorded (spec.resolved.json, receipt, config hash): input URLs redacted."""
        d = asdict(self)
        d["inputs"] = [redact(p) for p in self.inputs]
        d.pop("s3_endpoint")
        return d

    def config_hash(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PipelineSpec:
        d = dict(d)
        d["stages"] = [StepSpec(**s) for s in d.get("stages", [])]
        d["global_steps"] = [StepSpec(**s) for s in d.get("global_steps", [])]
        return cls(**d)


def _steps(raw: Any, where: str) -> list[StepSpec]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DolmalikeError(f"{where}: expected a list of steps")
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(StepSpec(item, {}))
        elif isinstance(item, dict) and len(item) == 1:
            name, params = next(iter(item.items()))
            if params is not None and not isinstance(params, dict):
                raise DolmalikeError(f"{where}: parameters of {name!r} must be a mapping")
            out.append(StepSpec(str(name), dict(params or {})))
        else:
            raise DolmalikeError(f"{where}: each step is `name` or `name: {{params}}`, got {item!r}")
    return out


def _models(raw: Any, path: Path) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise DolmalikeError(f"{path}: models: expected `name: {{pos: [...], neg: [...], ...}}` entries")
    from dolmalike.classifier.train import TrainConfig

    for name, params in raw.items():
        safe_name(name, f"{path}: model")  # becomes RUN_DIR/models/<name>.bin
        if not params.get("pos") or not params.get("neg"):
            raise DolmalikeError(f"{path}: models.{name} needs `pos` and `neg` training sets")
        options = {k: v for k, v in params.items() if k not in ("pos", "neg")}
        checked(TrainConfig, _literal(options), f"{path}: models.{name}")
    return {str(k): dict(v) for k, v in raw.items()}


def load_spec(path: str | Path, inputs: list[str] | None = None) -> PipelineSpec:
    """Load a YAML spec; `inputs` (from --input) overrides the spec's inputs."""
    path = Path(path)
    raw = load_yaml_mapping(path, "pipeline spec")
    raw = _spec_relative(raw, path.resolve().parent)
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise DolmalikeError(f"{path}: unknown keys {sorted(unknown)}; valid keys: {sorted(_KNOWN_KEYS)}")
    scalars = checked(
        PipelineSpec,
        {k: raw[k] for k in ("seed", "source", "doc_format", "max_record_bytes") if raw.get(k) is not None},
        str(path),
    )
    spec = PipelineSpec(
        name=str(raw.get("name", path.stem)),
        **scalars,
        stages=_steps(raw.get("stages"), f"{path}: stages"),
        global_steps=_steps(raw.get("global"), f"{path}: global"),
        mix=str(raw["mix"]) if raw.get("mix") else None,
        models=_models(raw.get("models"), path),
        s3_endpoint=str(raw["s3_endpoint"]) if raw.get("s3_endpoint") else None,
    )
    _check_global_steps(spec.global_steps, path)
    if spec.mix:  # a bad mix spec fails now, not after the whole run
        from dolmalike.mix.spec import load_spec as load_mix_spec

        load_mix_spec(spec.mix)
    raw_inputs = raw.get("inputs")
    if inputs:
        spec.inputs = list(inputs)
    elif isinstance(raw_inputs, dict) and "synthetic" in raw_inputs:
        synthetic = raw_inputs["synthetic"] or {}
        if not isinstance(synthetic, dict):
            raise DolmalikeError(
                f"{path}: inputs.synthetic must be a mapping like {{docs: 2000, seed: 0, files: 4}}"
            )
        spec.synthetic = checked(SyntheticInputs, synthetic, f"{path}: inputs.synthetic")
        spec.source = scalars.get("source", "synthetic")
    elif isinstance(raw_inputs, list) and raw_inputs:
        spec.inputs = [str(x) for x in raw_inputs]
    elif isinstance(raw_inputs, str):
        spec.inputs = [raw_inputs]
    else:
        raise DolmalikeError(f"{path}: no inputs (give `inputs:` in the spec or --input)")
    return spec


def _literal(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters whose values are known when the spec loads (no `${var}` or `first_existing`),
    so they can be type- and range-checked before a run starts any work."""

    def deferred(v: Any) -> bool:
        if isinstance(v, str):
            return "${" in v
        if isinstance(v, dict):
            return "first_existing" in v or any(deferred(x) for x in v.values())
        if isinstance(v, list):
            return any(deferred(x) for x in v)
        return False

    return {k: v for k, v in params.items() if not deferred(v)}


def _check_global_steps(steps: list[StepSpec], path: Path) -> None:
    from dolmalike.stages.registry import global_step_registry, instantiate

    registry = global_step_registry()
    for step in steps:
        try:
            instantiate(registry, step.name, _literal(step.params))
        except DolmalikeError as e:
            raise DolmalikeError(f"{path}: {e}") from None


def _spec_relative(value: Any, base: Path) -> Any:
    if isinstance(value, dict):
        return {k: _spec_relative(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_spec_relative(v, base) for v in value]
    if isinstance(value, str) and value.startswith(("./", "../")):
        return os.path.normpath(base / value)
    return value


def resolve_params(value: Any, variables: dict[str, str]) -> Any:
    """Expand `{first_existing: [...]}` and `${name}` variables inside stage parameters."""
    if isinstance(value, dict):
        if set(value) == {"first_existing"}:
            for cand in value["first_existing"]:
                cand = resolve_params(cand, variables)
                if cand and os.path.exists(cand):
                    return cand
            raise DolmalikeError(f"none of these paths exist: {value['first_existing']}")
        return {k: resolve_params(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_params(v, variables) for v in value]
    if isinstance(value, str) and "${" in value:
        for name in re.findall(r"\$\{(\w+)\}", value):
            if name not in variables:
                raise DolmalikeError(
                    f"${{{name}}} is not defined for this run; defined: {', '.join(sorted(variables)) or 'none'}"
                )
            value = value.replace(f"${{{name}}}", variables[name])
    return value
