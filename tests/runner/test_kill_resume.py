"""Kill and resume: SIGKILL a real `dolmalike run` (its whole process group) at seeded moments
in extract, in a global dedup step and in the mix, resume it, and compare the sha256 of every
output file with an uninterrupted run's. Moments are found by polling the completion markers
the run writes, never by sleeping, so a trial means the same on a fast or a slow machine.

All runs use one RUN_DIR path (the reference is moved aside), so the comparison covers files
that name their own directory too.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRIAL_SEED = 153
# Scratch and bookkeeping, not outputs: work/ and mix/work/ hold intermediate shards, _done/ the
# markers (the killed run has more of them: the trial's own), logs/ the executors' logs.
_SCRATCH = ("work", "_done", "logs", "mix/work")

SPEC = """\
name: killres
seed: 3
inputs: {synthetic: {docs: 80, seed: 9, files: 4}}
stages:
  - extract: {extractor: resiliparse}
  - c4_clean: {}
global:
  - url_dedup: {}
  - content_dedup: {}
  - minhash_dedup: {ngram: 5, bands: 8, rows: 4, threshold: 0.8}
mix: ./mix.yaml
"""

MIX = """\
seed: 7
tokenizer: {tokenizer}
shard_tokens: 20000
heldout_fraction: 0.1
sources:
  - name: long
    where: {{attr: documents.n_chars, ge: 1500}}
    repeat: 2
  - name: rest
    where: {{attr: documents.n_chars, lt: 1500}}
    sample: 0.5
"""


@dataclass(frozen=True)
class Moment:
    """Kill once `at_least` markers exist in `markers` (relative to RUN_DIR)."""

    phase: str  # extract | dedup | mix
    markers: str
    at_least: int

    def reached(self, run_dir: Path) -> bool:
        d = run_dir / self.markers
        return d.is_dir() and sum(1 for _ in d.iterdir()) >= self.at_least


def moments(rng: random.Random) -> dict[str, Moment]:
    dedup = rng.choice(["url_dedup.groups", "content_dedup.groups", "minhash_dedup.buckets"])
    return {
        "extract": Moment("extract", "_done/stream", rng.randint(1, 3)),  # of 4 partitions
        "dedup": Moment("dedup", f"_done/{dedup}", rng.randint(1, 7)),  # of 8 bucket shards
        "mix": Moment("mix", "mix/work/_done/tokenize", rng.randint(1, 3)),  # of 4 partitions
    }


def output_hashes(run_dir: Path) -> dict[str, str]:
    out = {}
    for p in sorted(run_dir.rglob("*")):
        rel = p.relative_to(run_dir).as_posix()
        if p.is_file() and not any(rel == s or rel.startswith(s + "/") for s in _SCRATCH):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _cmd(spec: Path, run_dir: Path) -> list[str]:
    return [sys.executable, "-m", "dolmalike.cli.main", "run", str(spec), "--out", str(run_dir)]


def run_and_kill(spec: Path, run_dir: Path, moment: Moment) -> None:
    proc = subprocess.Popen(
        _cmd(spec, run_dir),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    try:
        while proc.poll() is None and not moment.reached(run_dir):
            assert time.monotonic() < deadline, f"{moment} never came"
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: forked workers too
        _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, f"the run ended before {moment}: {err.decode()[-500:]}"
    finished = run_dir / ("mix/receipt.json" if moment.phase == "mix" else "receipt.json")
    assert not finished.exists(), f"killed at {moment} but {finished.name} is there: the kill came too late"


def resume(spec: Path, run_dir: Path) -> None:
    proc = subprocess.run(_cmd(spec, run_dir), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple[Path, Path, dict[str, str]]:
    """(spec, the RUN_DIR every trial uses, the uninterrupted run's output hashes)."""
    root = tmp_path_factory.mktemp("killres")
    (root / "mix.yaml").write_text(MIX.format(tokenizer=shared_data / "tokenizers" / "gpt2.json"))
    spec = root / "spec.yaml"
    spec.write_text(SPEC)
    run_dir = root / "run"
    resume(spec, run_dir)
    ref = output_hashes(run_dir)
    assert (
        any(k.startswith("mix/shards/") for k in ref) and "receipt.json" in ref and "mix/receipt.json" in ref
    )
    shutil.move(run_dir, root / "reference")
    return spec, run_dir, ref


TRIALS = {
    "extract": ["extract"],
    "dedup": ["dedup"],
    "mix": ["mix"],
    "extract+dedup+mix": ["extract", "dedup", "mix"],  # killed three times, resumed each time
}


@pytest.mark.parametrize("trial", list(TRIALS))
def test_killed_run_resumes_to_identical_outputs(
    setup: tuple[Path, Path, dict[str, str]], trial: str
) -> None:
    spec, run_dir, ref = setup
    shutil.rmtree(run_dir, ignore_errors=True)
    if trial == "mix":
        # start from the finished pipeline without its mix (the chained trial reaches the mix the
        # long way): the rerun skips every marked step and is killed while it mixes
        shutil.copytree(run_dir.parent / "reference", run_dir)
        shutil.rmtree(run_dir / "mix")
    rng = random.Random(f"{TRIAL_SEED}:{trial}")
    at = moments(rng)
    for phase in TRIALS[trial]:
        run_and_kill(spec, run_dir, at[phase])
    resume(spec, run_dir)
    got = output_hashes(run_dir)
    assert got.keys() == ref.keys(), sorted(set(got) ^ set(ref))
    differ = [k for k in ref if got[k] != ref[k]]
    assert not differ, f"after kills at {[at[p] for p in TRIALS[trial]]}: {differ}"
    assert not list(run_dir.rglob(".*.tmp"))


def test_verify_exits_1_on_one_tampered_byte(setup: tuple[Path, Path, dict[str, str]]) -> None:
    spec, run_dir, _ = setup
    if not (run_dir / "mix" / "receipt.json").exists():
        shutil.rmtree(run_dir, ignore_errors=True)
        resume(spec, run_dir)
    verify = [sys.executable, "-m", "dolmalike.cli.main", "verify"]
    for target, victim in (
        (run_dir, sorted((run_dir / "docs").glob("*.parquet"))[0]),
        (run_dir / "mix", sorted((run_dir / "mix" / "shards").glob("*.npy"))[0]),
    ):
        assert subprocess.run([*verify, str(target)], cwd=REPO, capture_output=True).returncode == 0
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0x01
        victim.write_bytes(bytes(data))
        proc = subprocess.run([*verify, str(target)], cwd=REPO, capture_output=True, text=True)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert victim.name in proc.stdout + proc.stderr
