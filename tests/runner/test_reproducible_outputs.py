"""Same inputs + config, different places or a kill on the way: the same bytes, nothing stray.

- two identical runs in two directories give identical mix/mix.json, mix/receipt.json and token
  cache keys (mix.json names its RUN_DIR relatively; the cache key hashes content, not mtimes);
- a `synth` killed mid-write leaves a temp file, which the next synth (or run) removes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dolmalike.cli.main import main
from dolmalike.manifests.mix_layout import MixLayout

DOLMALIKE = str(Path(sys.executable).with_name("dolmalike"))
SPEC = "name: r\ninputs: {synthetic: {docs: 80, seed: 3, files: 2}}\nstages: [extract, {tag: {taggers: [langid_v1]}}]\nmix: ./mix.yaml\n"
MIX = (
    "seed: 1\ntokenizer: default\ntokenizer_vocab_size: 300\nshard_tokens: 20000\nheldout_fraction: 0.1\n"
    "sources:\n  - {name: all, where: {attr: langid_v1.language, ne: zz}, sample: 1.0}\n"
)


def test_identical_runs_in_two_directories_give_identical_mix_records(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC)
    (tmp_path / "mix.yaml").write_text(MIX)
    runs = [tmp_path / "one" / "run", tmp_path / "elsewhere" / "deeper" / "run"]
    for run in runs:
        assert main(["run", str(tmp_path / "spec.yaml"), "--out", str(run), "--json"]) == 0
    a, b = (r / "mix" for r in runs)
    for name in ("mix.json", "receipt.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    keys_a = sorted((a / "work" / "tokens").glob("*.key"))
    assert keys_a, "the token cache wrote no keys"
    for key in keys_a:
        assert key.read_bytes() == (b / "work" / "tokens" / key.name).read_bytes()
    assert str(runs[0]) not in (a / "mix.json").read_text()
    # the relative record still finds the run, for every reader of mix.json
    assert MixLayout.of(a).source_run() == runs[0]
    assert main(["verify", str(runs[1])]) == 0


def test_a_killed_synth_leaves_no_temp_file_after_the_next_one(tmp_path: Path) -> None:
    out = tmp_path / "crawl"
    proc = subprocess.Popen(
        [DOLMALIKE, "synth", str(out), "--docs", "40000", "--files", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    temps: list[Path] = []
    while time.time() < deadline and proc.poll() is None and not temps:
        temps = list(out.glob(".*.tmp")) if out.is_dir() else []
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    left = list(out.glob(".*.tmp"))
    assert left, "the kill did not land mid-write; the test proves nothing"
    assert main(["synth", str(out), "--docs", "20", "--files", "1", "--json"]) == 0
    assert not list(out.rglob(".*.tmp"))


def test_a_run_resumed_after_a_kill_in_synth_removes_the_temp_file(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(
        "name: k\ninputs: {synthetic: {docs: 30, seed: 1, files: 1}}\nstages: [extract]\n"
    )
    run = tmp_path / "run"
    stray = run / "input" / f".crawl-00000.warc.gz.{os.getpid()}.tmp"  # what a SIGKILL mid-write leaves
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half a gzip member")
    assert main(["run", str(tmp_path / "spec.yaml"), "--out", str(run), "--json"]) == 0
    assert not list(run.rglob(".*.tmp"))
