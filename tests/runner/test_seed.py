"""The pipeline `seed:` is the root of the run's random choices: changing it changes the MinHash
permutations (so the signatures) and the mix's seed, and nothing the streaming stages write."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from dolmalike.core.hashing import derive_seed
from dolmalike.dedup.minhash import MinHasher
from dolmalike.exec.executor import ExecConfig
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

SPEC = """name: seeded
seed: {seed}
inputs: {{synthetic: {{docs: 240, seed: 5, files: 3}}}}
stages:
  - extract: {{extractor: resiliparse}}
global:
  - minhash_dedup: {{bands: 4, rows: 4{extra}}}
"""


def _run(tmp_path: Path, name: str, seed: int, extra: str = "") -> Path:
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(SPEC.format(seed=seed, extra=extra))
    return run_pipeline(load_spec(spec), tmp_path / name, ExecConfig()).run_dir


def _sigs(run_dir: Path) -> dict[str, np.ndarray]:
    return {p.name: np.load(p) for p in sorted((run_dir / "work" / "minhash_dedup" / "sigs").glob("*.npy"))}


def _stream_outputs(run_dir: Path) -> dict[str, bytes]:
    """What the streaming stages wrote: kept documents and phase-0 decisions."""
    out = {}
    for d in ("docs", "manifests/decisions/stream"):
        for p in sorted((run_dir / d).rglob("*.parquet")):
            out[str(p.relative_to(run_dir))] = p.read_bytes()
    return out


def test_pipeline_seed_changes_minhash_signatures_and_nothing_upstream(tmp_path: Path) -> None:
    a, b = _run(tmp_path, "a", 3), _run(tmp_path, "b", 4)
    sigs_a, sigs_b = _sigs(a), _sigs(b)
    assert sigs_a and sigs_a.keys() == sigs_b.keys()
    assert all(sigs_a[k].shape == sigs_b[k].shape for k in sigs_a)
    assert not any(np.array_equal(sigs_a[k], sigs_b[k]) for k in sigs_a)
    # the permutations are the ones derived by name from each run's seed
    shingles = np.arange(1, 50, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    derived = MinHasher(16, derive_seed(3, "minhash_dedup")).signature(shingles)
    assert not np.array_equal(derived, MinHasher(16, 1).signature(shingles))
    stream_a = _stream_outputs(a)
    assert any("decisions/stream" in k for k in stream_a) and any(k.startswith("docs/") for k in stream_a)
    assert stream_a == _stream_outputs(b)


def test_an_explicit_step_seed_wins_over_the_pipeline_seed(tmp_path: Path) -> None:
    a, b = _run(tmp_path, "a", 3, ", seed: 9"), _run(tmp_path, "b", 4, ", seed: 9")
    sigs_a, sigs_b = _sigs(a), _sigs(b)
    assert sigs_a and all(np.array_equal(sigs_a[k], sigs_b[k]) for k in sigs_a)
    assert json.loads((a / "receipt.json").read_text())["seed"] == 3


def test_derive_seed_is_per_name_and_per_root() -> None:
    seeds = {derive_seed(r, n) for r in (0, 1, 2) for n in ("minhash_dedup", "mix", "models.quality")}
    assert len(seeds) == 9 and all(0 <= s < 2**31 for s in seeds)
    assert derive_seed(7, "mix") == derive_seed(7, "mix")
