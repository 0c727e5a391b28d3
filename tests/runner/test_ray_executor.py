"""`--executor ray` on a real two-node Ray cluster (head + worker, separate `ray start`
processes, 1 CPU each, in a private network namespace): the same bytes as the local executor,
tasks on both nodes, and a worker node SIGKILLed mid-run leaves a run that resumes to the
same bytes."""

import json
import subprocess
import sys
from pathlib import Path

from dolmalike.exec.executor import ExecConfig
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

DOLMALIKE = str(Path(sys.executable).parent / "dolmalike")


def _spec(tmp_path: Path, files: int) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: ray_small\nseed: 3\ninputs: {{synthetic: {{docs: {60 * files}, seed: 5, files: {files}}}}}\n"
        "stages:\n  - extract: {extractor: resiliparse}\n  - c4_clean: {}\n"
        "global:\n  - content_dedup: {shards: 2}\n"
    )
    return spec


def _placements(run_dir: Path) -> list[dict]:
    return [json.loads(line) for p in (run_dir / "logs").glob("*/placement.jsonl") for line in p.open()]


def test_two_node_ray_cluster_matches_local_and_uses_both_nodes(tmp_path, ray_cluster):
    spec = _spec(tmp_path, files=4)
    run_pipeline(load_spec(spec), tmp_path / "local", ExecConfig(workers=2))
    out = tmp_path / "ray"
    proc = ray_cluster(tmp_path / "state", [DOLMALIKE, "run", str(spec), "--out", str(out), "--executor", "ray",
                                            "--workers", "2"])  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "receipt.json").read_bytes() == (tmp_path / "local" / "receipt.json").read_bytes()
    placed = _placements(out)
    # every key of every step ran once, and the tasks were spread over both nodes
    stream = sorted(p["key"] for p in placed if p["step"] == "stream")
    assert stream == sorted(p.name for p in (out / "_done" / "stream").iterdir())
    assert len({p["node"] for p in placed}) == 2, placed


def test_killing_a_ray_worker_node_mid_run_then_resuming_gives_the_same_bytes(tmp_path, ray_cluster):
    spec = _spec(tmp_path, files=6)
    run_pipeline(load_spec(spec), tmp_path / "local", ExecConfig())
    out = tmp_path / "ray"
    run = f"{DOLMALIKE} run {spec} --out {out} --executor ray --workers 2"
    # Inside the namespace: start the run, SIGKILL the worker node's whole process group once the
    # first partition is done (tasks are then running on it), let the run end, then resume it.
    script = (
        f"{run} >{tmp_path}/first.out 2>{tmp_path}/first.err & pid=$!\n"
        f'while [ -z "$(ls {out}/_done/stream 2>/dev/null)" ]; do sleep 0.1; done\n'
        "kill -KILL -- -$RAY_WORKER_PGID\n"
        f"wait $pid; echo $? >{tmp_path}/first.rc\n"
        f"exec {run}\n"
    )
    proc = ray_cluster(tmp_path / "state", ["bash", "-c", script])
    assert proc.returncode == 0, proc.stderr[-3000:]
    first_rc = int((tmp_path / "first.rc").read_text())
    assert first_rc in (0, 2), (tmp_path / "first.err").read_text()[-2000:]
    assert (out / "receipt.json").read_bytes() == (tmp_path / "local" / "receipt.json").read_bytes()
    assert subprocess.run([DOLMALIKE, "verify", str(out)], capture_output=True).returncode == 0


def test_a_ray_address_with_nothing_listening_is_one_line_exit_2(tmp_path):
    spec = _spec(tmp_path, files=1)
    out = tmp_path / "never"
    for extra in (["--ray-address", "127.0.0.1:9"], []):
        env = {"RAY_ADDRESS": "127.0.0.1:9"} if not extra else {}
        proc = subprocess.run(
            [DOLMALIKE, "run", str(spec), "--out", str(out), "--executor", "ray", *extra],
            capture_output=True,
            text=True,
            env={"PATH": str(Path(sys.executable).parent), **env},
            timeout=60,
        )
        assert proc.returncode == 2
        assert proc.stderr == "dolmalike run: error: no Ray cluster at 127.0.0.1:9: Connection refused\n"
        assert not out.exists()  # nothing half-written
