"""`--executor slurm` against a real one-node Slurm (slurmctld + slurmd + munged).

scripts/with_slurm.sh brings the daemons up inside a private network namespace and runs the
CLI there, so nothing binds the host's interfaces. When Slurm is not installed, the fixture
installs Debian's packages (`make slurm`, a few seconds) if it can; otherwise those tests skip
and only the generated sbatch script is checked.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dolmalike.exec.executor import ExecConfig
from dolmalike.exec.slurm import SlurmOptions, WaitingSlurmExecutor, venv_env_command
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
WITH_SLURM = REPO / "scripts" / "with_slurm.sh"
DOLMALIKE = str(Path(sys.executable).parent / "dolmalike")


def _slurm_missing_reason() -> str | None:
    if shutil.which("slurmctld") is None:
        try:
            subprocess.run(["make", "-C", str(REPO), "slurm"], capture_output=True, timeout=180, check=True)
        except (subprocess.SubprocessError, OSError) as e:
            return f"slurm-wlm is not installed and `make slurm` failed ({type(e).__name__})"
    for tool in ("slurmctld", "slurmd", "munged", "sbatch"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (make slurm)"
    return None


@pytest.fixture(scope="module")
def slurm_cli(network_namespace):
    reason = _slurm_missing_reason()
    if reason:
        pytest.skip(reason)

    def run(state: Path, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(WITH_SLURM), str(state), "--", DOLMALIKE, *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300)

    return run


def _spec(tmp_path: Path, extra_stage: str = "") -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "name: slurm_small\nseed: 3\ninputs: {synthetic: {docs: 180, seed: 5, files: 3}}\n"
        f"stages:\n  - extract: {{extractor: resiliparse}}\n{extra_stage}"
        "global:\n  - content_dedup: {shards: 2}\n"
    )
    return spec


def test_slurm_run_matches_the_local_executor(tmp_path, slurm_cli):
    spec = _spec(tmp_path)
    local = run_pipeline(load_spec(spec), tmp_path / "local", ExecConfig(workers=2))
    out = tmp_path / "slurm"
    args = ("run", str(spec), "--out", str(out), "--executor", "slurm", "--workers", "2")
    opts = ("--slurm-partition", "debug", "--slurm-time", "0:10:00", "--slurm-mem", "1")
    proc = slurm_cli(tmp_path / "state", *args, *opts)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # One array per step, submitted only after the previous one ended (4 steps, in order).
    submitted = [line for line in proc.stderr.splitlines() if line.startswith("slurm: submitted job")]
    steps = ["stream", "content_dedup.keys", "content_dedup.groups", "content_dedup.filter"]
    assert [line.split("(dolmalike-")[1].split(",")[0] for line in submitted] == steps
    assert local.counts["dropped"] > 0  # content_dedup found copies, so the chain mattered
    assert (out / "receipt.json").read_bytes() == (tmp_path / "local" / "receipt.json").read_bytes()
    script = (out / "logs" / "stream" / "launch_script.slurm").read_text()
    for directive in ("--partition=debug", "--time=0:10:00", "--mem-per-cpu=1G", "--array=0-2%2"):
        assert f"#SBATCH {directive}\n" in script
    verify = subprocess.run([DOLMALIKE, "verify", str(out)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout


def test_a_failing_slurm_task_fails_the_run(tmp_path, slurm_cli):
    # A model file that is not a fastText model: tagging fails inside every array task.
    (tmp_path / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    spec = _spec(tmp_path, "  - tag: {taggers: [{quality_v1: {model_path: ./garbage.bin}}]}\n")
    out = tmp_path / "slurm"
    proc = slurm_cli(tmp_path / "state", "run", str(spec), "--out", str(out), "--executor", "slurm")
    assert proc.returncode == 2
    error = proc.stderr.strip().splitlines()[-1]
    assert error.startswith("dolmalike run: error: step stream failed (slurm job ")
    assert "3 of 3 tasks did not complete" in error and "FAILED" in error
    assert "cannot load fastText model" in error  # the task's own error, read from its Slurm log
    assert "Traceback" not in proc.stderr
    # No marker for a failed task, no later step submitted, no receipt; verify says so.
    assert not list((out / "_done").glob("stream/*"))
    assert not (out / "logs" / "content_dedup.keys").exists()
    assert not (out / "receipt.json").exists()
    verify = subprocess.run([DOLMALIKE, "verify", str(out)], capture_output=True, text=True)
    assert verify.returncode == 1 and "has not finished" in verify.stdout


def test_sbatch_script_takes_options_and_omits_unset_ones(tmp_path):
    def script(opts: SlurmOptions) -> str:
        ex = WaitingSlurmExecutor(
            pipeline=[],
            tasks=5,
            workers=3,
            logging_dir=str(tmp_path / "logs"),
            job_name="dolmalike-stream",
            env_command=venv_env_command(),
            **opts.executor_kwargs(),
        )
        return ex.get_launch_file_contents(ex.get_sbatch_args(5), "launch_pickled_pipeline x.pik")

    full = script(
        SlurmOptions(partition="cpu-long", time="2:00:00", cpus_per_task=4, mem_per_cpu_gb=3, qos="low")
    )
    for directive in (
        "--partition=cpu-long",
        "--time=2:00:00",
        "--cpus-per-task=4",
        "--mem-per-cpu=3G",
        "--qos=low",
        "--array=0-4%3",
    ):
        assert f"#SBATCH {directive}\n" in full
    assert f'export PATH="{Path(sys.executable).parent}:$PATH"' in full
    bare = script(SlurmOptions())
    for unset in ("--partition", "--time", "--mem-per-cpu", "--qos", "--mail"):
        assert f"#SBATCH {unset}" not in bare
    assert "None" not in bare


def test_slurm_option_values_are_checked(tmp_path):
    spec = _spec(tmp_path)
    for flag, value in (("--slurm-cpus", "0"), ("--slurm-mem", "-1")):
        proc = subprocess.run(
            [DOLMALIKE, "run", str(spec), "--out", str(tmp_path / "r"), "--executor", "slurm", flag, value],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert flag in proc.stderr
