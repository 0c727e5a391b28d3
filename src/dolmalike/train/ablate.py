"""Data ablations: one small model per mix variant, trained and evaluated the same way, compared.

Spec (YAML). Relative paths resolve against the spec file's directory, so a spec means the same
thing wherever it is run from (Ray workers included):

    name: mix-ablation
    out: ../runs/ablation              # DIR (or --out)
    base:
      run_dir: ../runs/demo            # the RUN_DIR every variant mixes from;
      pipeline: demo.yaml              # optional: built into run_dir first if it has no manifests
      workers: 1
    build: {workers: 1, tokenizer: null}   # build_mix options shared by all variants
    train: {max_steps: 200, ...}       # TrainConfig shared by all variants
    eval:                              # EvalConfig, plus:
      heldout_from: all                # score every variant on this variant's held-out split
    ray: {num_cpus_per_task: 1, num_gpus_per_task: auto}   # auto = 1 GPU per task when present
    variants:
      - {name: all, mix: ablation_all.yaml}
      - {name: en, mix: ablation_all.yaml, overrides: {sources: [...]}}  # deep-merged into the mix spec
      - {name: prebuilt, mix_dir: ../runs/x/mix}                          # an already built MIX_DIR
      - {name: longer, mix: ablation_all.yaml, train: {max_steps: 400}}   # per-variant train overrides

Each variant is one Ray task, `run_variant`: build_mix -> train -> evaluate, writing
DIR/variants/<name>/{mix_spec.yaml, mix/, train/}. A re-run resumes: finished training is not
redone. When `eval.heldout_from` names a variant, a second round of tasks scores every other
variant on that variant's held-out documents (same tokens, so perplexities are comparable).
The report (DIR/results.csv, results.md, loss_curves.png) is written by dolmalike.train.report.

Ray: `ray.init()` starts a local cluster (`--num-cpus` caps it); `--ray-address ADDR` (or
RAY_ADDRESS) joins an existing one, e.g. one started on a Slurm allocation with `ray start`.

Slurm without Ray, through submitit, using the same building blocks:

    import submitit
    from dolmalike.train.ablate import load_spec, plan_jobs, run_variant, finish
    spec = load_spec("pipelines/ablation.yaml")
    ex = submitit.AutoExecutor(folder="runs/ablation/slurm")
    ex.update_parameters(slurm_partition="gpu", gpus_per_node=1, cpus_per_task=8, timeout_min=120)
    jobs = ex.map_array(run_variant, plan_jobs(spec))      # one array task per variant
    summary = finish(spec, [j.result() for j in jobs])     # cross-eval + results.csv/.md/.png
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.names import safe_name
from dolmalike.io.atomic import atomic_write_bytes, atomic_write_json
from dolmalike.io.yamlfile import load_yaml_mapping
from dolmalike.manifests.mix_layout import MixLayout

SPEC_KEYS = {"name", "out", "base", "build", "train", "eval", "ray", "variants"}
VARIANT_KEYS = {"name", "mix", "mix_dir", "overrides", "train"}


@dataclass
class AblationSpec:
    name: str
    out: str
    run_dir: str | None
    variants: list[dict[str, Any]]
    pipeline: str | None = None
    pipeline_workers: int = 1
    build: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    eval: dict[str, Any] = field(default_factory=dict)
    ray: dict[str, Any] = field(default_factory=dict)

    @property
    def heldout_from(self) -> str | None:
        return self.eval.get("heldout_from")

    def select(self, names: list[str]) -> None:
        unknown = sorted(set(names) - {v["name"] for v in self.variants})
        if unknown:
            raise DolmalikeError(f"unknown variant(s): {', '.join(unknown)}")
        self.variants = [v for v in self.variants if v["name"] in names]


def deep_merge(base: Any, over: Any) -> Any:
    """Dicts merge key by key; anything else (lists included) is replaced by the override."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def _resolve(root: Path, p: str | None) -> str | None:
    if p is None:
        return None
    path = Path(p).expanduser()
    return str(path if path.is_absolute() else (root / path).resolve())


def load_spec(path: str | Path) -> AblationSpec:
    path = Path(path)
    raw = load_yaml_mapping(path, "ablation spec")
    unknown = sorted(set(raw) - SPEC_KEYS)
    if unknown:
        raise DolmalikeError(
            f"{path}: unknown key(s) {', '.join(unknown)}; valid: {', '.join(sorted(SPEC_KEYS))}"
        )
    root = path.resolve().parent
    base = raw.get("base") or {}
    variants = []
    for i, v in enumerate(raw.get("variants") or []):
        if not isinstance(v, dict) or not v.get("name"):
            raise DolmalikeError(f"{path}: variants[{i}] needs a `name`")
        safe_name(v["name"], f"{path}: variant")  # becomes DIR/variants/<name>
        bad = sorted(set(v) - VARIANT_KEYS)
        if bad:
            raise DolmalikeError(f"{path}: variant {v['name']}: unknown key(s) {', '.join(bad)}")
        if ("mix" in v) == ("mix_dir" in v):
            raise DolmalikeError(f"{path}: variant {v['name']}: give exactly one of `mix` or `mix_dir`")
        variants.append(
            {**v, "mix": _resolve(root, v.get("mix")), "mix_dir": _resolve(root, v.get("mix_dir"))}
        )
    names = [v["name"] for v in variants]
    if not variants or len(set(names)) != len(names):
        raise DolmalikeError(f"{path}: `variants` must be a non-empty list with unique names")
    if any(v["mix"] for v in variants) and not base.get("run_dir"):
        raise DolmalikeError(f"{path}: variants with a `mix` spec need `base.run_dir`")
    ev = dict(raw.get("eval") or {})
    if ev.get("benchmarks_dir"):
        ev["benchmarks_dir"] = _resolve(root, ev["benchmarks_dir"])
    if ev.get("heldout_from") and ev["heldout_from"] not in names:
        raise DolmalikeError(f"{path}: eval.heldout_from {ev['heldout_from']!r} is not a variant")
    build = dict(raw.get("build") or {})
    if build.get("tokenizer") and build["tokenizer"] != "default":
        build["tokenizer"] = _resolve(root, build["tokenizer"])
    return AblationSpec(
        name=str(raw.get("name", path.stem)),
        out=_resolve(root, raw.get("out", f"../runs/{path.stem}")),
        run_dir=_resolve(root, base.get("run_dir")),
        pipeline=_resolve(root, base.get("pipeline")),
        pipeline_workers=int(base.get("workers", 1)),
        variants=variants,
        build=build,
        train=dict(raw.get("train") or {}),
        eval=ev,
        ray=dict(raw.get("ray") or {}),
    )


def plan_jobs(spec: AblationSpec) -> list[dict[str, Any]]:
    """One self-contained, JSON-able job per variant (what a Ray task or Slurm job receives)."""
    from dolmalike.train.config import TrainConfig

    eval_cfg = {k: v for k, v in spec.eval.items() if k != "heldout_from"}
    jobs = []
    for v in spec.variants:
        shared = {**spec.train, "eval": deep_merge(spec.train.get("eval") or {}, eval_cfg)}
        cfg = TrainConfig.from_dict(deep_merge(shared, v.get("train") or {}))
        if cfg.num_threads is None:
            cfg.num_threads = int(spec.ray.get("num_cpus_per_task", 1))
        mix_spec = None
        if v["mix"]:
            mix_spec = yaml.safe_load(Path(v["mix"]).read_text())
            mix_spec = deep_merge(mix_spec, v.get("overrides") or {})
            tok = mix_spec.get("tokenizer")
            if tok and tok != "default" and not Path(tok).is_absolute():
                # mix specs resolve tokenizer paths against the current directory; pin it here,
                # because a Ray worker or Slurm job may run somewhere else
                mix_spec["tokenizer"] = str(Path(tok).resolve())
        jobs.append(
            {
                "name": v["name"],
                "out": str(Path(spec.out) / "variants" / v["name"]),
                "run_dir": spec.run_dir,
                "mix_spec": mix_spec,
                "mix_spec_path": v["mix"],
                "mix_dir": v["mix_dir"],
                "build": spec.build,
                "train": cfg.to_dict(),
            }
        )
    return jobs


def _curve(train_dir: Path) -> list[list[float]]:
    from dolmalike.train.metrics import read_log

    return [[r["step"], r["loss"]] for r in read_log(train_dir / "log.jsonl")]


def run_variant(job: dict[str, Any]) -> dict[str, Any]:
    """build_mix -> train -> evaluate for one variant; returns the numbers the report needs."""
    from dolmalike.train.config import TrainConfig
    from dolmalike.train.evaluate import evaluate
    from dolmalike.train.trainer import train

    t0 = time.perf_counter()
    out = Path(job["out"])
    out.mkdir(parents=True, exist_ok=True)
    if job["mix_dir"]:
        mix_dir = Path(job["mix_dir"])
    else:
        try:
            from dolmalike.runner.build_mix import build_mix
        except ImportError as e:
            raise DolmalikeError(f"variant {job['name']}: mixing is not available ({e})") from None
        spec_path = out / "mix_spec.yaml"
        atomic_write_bytes(spec_path, yaml.safe_dump(job["mix_spec"], sort_keys=False).encode())
        mix_dir = build_mix(
            Path(job["run_dir"]), spec_path, out / "mix",
            workers=int(job["build"].get("workers", 1)), tokenizer=job["build"].get("tokenizer"),
        )  # fmt: skip
    cfg = TrainConfig.from_dict(job["train"])
    train_dir = out / "train"
    result = train(mix_dir, train_dir, cfg, resume=(train_dir / "train.json").is_file(), progress=False)
    ev = evaluate(train_dir)
    curve = _curve(train_dir)
    tail = [loss for _, loss in curve[-10:]]
    return {
        "name": job["name"],
        "mix_dir": str(mix_dir),
        "train_dir": str(train_dir),
        "steps": result.steps,
        "tokens": result.tokens,
        "n_params": result.n_params,
        "final_loss": curve[-1][1] if curve else None,
        "final_loss_avg10": sum(tail) / len(tail) if tail else None,
        "eval": ev,
        "curve": curve,
        "seconds": time.perf_counter() - t0,
    }


def cross_eval(train_dir: str, heldout_mix_dir: str) -> dict[str, Any] | None:
    """Perplexity of a variant's model on another variant's held-out split (MC is the same either
    way, so it is skipped); None when the two mixes use different tokenizers (not comparable)."""
    import dataclasses

    from dolmalike.train.evaluate import evaluate
    from dolmalike.train.traindir import load_config, load_info

    meta = MixLayout.of(heldout_mix_dir).heldout.meta
    if not meta.is_file():
        return None
    if json.loads(meta.read_text()).get("tokenizer_sha256") != load_info(train_dir).get("tokenizer_sha256"):
        return None
    cfg = dataclasses.replace(load_config(train_dir).eval, benchmarks_dir=None)
    return evaluate(train_dir, heldout_mix_dir=heldout_mix_dir, eval_cfg=cfg, write=False)["perplexity"]


def finish(spec: AblationSpec, results: list[dict[str, Any]], run=None) -> dict[str, Any]:
    """Score variants on the reference held-out split (via `run(fn, *args)` futures, default inline)
    and write the report. `run` lets Ray execute the cross-evaluations as tasks."""
    from dolmalike.train.report import write_report

    ref = spec.heldout_from
    by_name = {r["name"]: r for r in results}
    for r in results:
        r["heldout"] = "own"
        r["perplexity"] = r["eval"]["perplexity"]
    if ref and ref in by_name:
        ref_mix = by_name[ref]["mix_dir"]
        todo = [r for r in results if r["name"] != ref]
        outs = run(cross_eval, todo) if run else [cross_eval(r["train_dir"], ref_mix) for r in todo]
        for r, ppl in zip(todo, outs):
            if ppl is not None:
                r["perplexity"], r["heldout"] = ppl, ref
                atomic_write_json(Path(r["train_dir"]) / f"eval_heldout_{ref}.json", ppl)
        by_name[ref]["heldout"] = ref
    return write_report(Path(spec.out), spec.name, results)


def _ray_init(address: str | None, num_cpus: int | None) -> bool:
    """Start or join a Ray cluster; returns True if we started it (and so must shut it down)."""
    try:
        import ray  # noqa: F401
    except ImportError as e:
        raise DolmalikeError(f"ablations run on Ray: pip install 'dolmalike[train]' ({e})") from None
    from dolmalike.exec.ray_tasks import ensure_ray

    return ensure_ray(address, num_cpus)


def _gpus_per_task(spec: AblationSpec) -> float:
    import ray

    want = spec.ray.get("num_gpus_per_task", "auto")
    if want == "auto":
        return 1.0 if ray.cluster_resources().get("GPU", 0) > 0 else 0.0
    return float(want)


def run_ablation(
    spec: AblationSpec, ray_address: str | None = None, num_cpus: int | None = None
) -> dict[str, Any]:
    """Run every variant as a Ray task and write DIR/results.{csv,md} and DIR/loss_curves.png."""
    from tqdm import tqdm

    from dolmalike.exec.ray_tasks import check_ray_address

    check_ray_address(ray_address)  # before anything is written or built
    Path(spec.out).mkdir(parents=True, exist_ok=True)
    if spec.pipeline and spec.run_dir and not (Path(spec.run_dir) / "manifests").is_dir():
        from dolmalike.exec.executor import ExecConfig
        from dolmalike.runner.pipeline import run_pipeline
        from dolmalike.runner.spec import load_spec as load_pipeline

        run_pipeline(
            load_pipeline(spec.pipeline),
            spec.run_dir,
            ExecConfig(kind="local", workers=spec.pipeline_workers),
        )
    jobs = plan_jobs(spec)
    atomic_write_json(Path(spec.out) / "plan.json", jobs)
    started = _ray_init(ray_address, num_cpus)
    import ray

    try:
        opts = {"num_cpus": float(spec.ray.get("num_cpus_per_task", 1)), "num_gpus": _gpus_per_task(spec)}
        task = ray.remote(run_variant).options(**opts)
        pending = {task.remote(job): job["name"] for job in jobs}
        results: dict[str, dict[str, Any]] = {}
        with tqdm(total=len(jobs), desc="variants", unit="variant") as bar:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                name = pending.pop(done[0])
                results[name] = ray.get(done[0])
                bar.set_postfix_str(f"{name}: loss {results[name]['final_loss']:.3f}")
                bar.update(1)
        ordered = [results[j["name"]] for j in jobs]
        xeval = ray.remote(cross_eval).options(**opts)
        ref_mix = results[spec.heldout_from]["mix_dir"] if spec.heldout_from else None

        def run_remote(fn, todo):  # noqa: ARG001 - same signature as the inline path
            return ray.get([xeval.remote(r["train_dir"], ref_mix) for r in todo])

        return finish(spec, ordered, run=run_remote)
    finally:
        if started:
            ray.shutdown()
