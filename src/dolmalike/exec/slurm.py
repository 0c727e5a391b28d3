"""Submit one step's tasks as a Slurm job array and wait for it to end.

datatrove's SlurmPipelineExecutor only submits: its `run()` returns as soon as `sbatch` has
printed a job id. Our steps depend on each other (dedup reads what extract wrote), so the
driver waits for the array to leave the queue before the next step starts; the caller then
checks every key's completion marker, which only a task that succeeded writes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datatrove.executor.slurm import SlurmPipelineExecutor

from dolmalike.core.errors import DolmalikeError


@dataclass(frozen=True)
class SlurmOptions:
    """sbatch settings from the CLI; None leaves the cluster's default in place."""

    partition: str | None = None
    time: str | None = None
    cpus_per_task: int = 1
    mem_per_cpu_gb: int | None = None
    qos: str | None = None
    poll_seconds: float = 1.0

    def executor_kwargs(self) -> dict[str, Any]:
        return {
            "partition": self.partition,
            "time": self.time,
            "cpus_per_task": self.cpus_per_task,
            "mem_per_cpu_gb": self.mem_per_cpu_gb,
            "qos": self.qos,
        }


class WaitingSlurmExecutor(SlurmPipelineExecutor):
    """datatrove's Slurm executor without its defaults we do not want on every cluster.

    sbatch directives whose value is None are left out (a cluster's own default partition,
    time limit and memory apply), no mail is requested, and no merge-stats job is queued:
    it would sit forever behind an `afterok` on a failed array.
    """

    def launch_merge_stats(self) -> None:
        return None

    def get_sbatch_args(self, max_array: int = 1) -> dict:
        args = super().get_sbatch_args(max_array)
        args.pop("mail-type", None)
        args.pop("mail-user", None)
        if self.mem_per_cpu_gb is None:
            args.pop("mem-per-cpu", None)
        return {k: v for k, v in args.items() if v is not None and v != "None"}


def venv_env_command() -> str:
    """Put this interpreter's bin/ first on PATH, so the job finds `launch_pickled_pipeline`
    even when the driver was started as .venv/bin/dolmalike without activating the venv."""
    return f'export PATH="{Path(sys.executable).parent}:$PATH"'


def _queued(job_id: str) -> bool:
    """True while any task of the array is pending, running or completing."""
    proc = subprocess.run(
        ["squeue", "--noheader", "--jobs", job_id, "--format", "%i %T"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        # A job that left the controller's memory is reported as an invalid id: it has ended.
        if "Invalid job id" in proc.stderr:
            return False
        raise DolmalikeError(f"squeue --jobs {job_id} failed: {proc.stderr.strip() or proc.returncode}")
    return bool(proc.stdout.strip())


def wait_for_job(job_id: str, poll_seconds: float) -> None:
    while _queued(job_id):
        time.sleep(poll_seconds)


def task_states(job_id: str) -> dict[int, str]:
    """Array index -> final state (COMPLETED, FAILED, ...), from `scontrol show job`."""
    proc = subprocess.run(["scontrol", "--oneliner", "show", "job", job_id], capture_output=True, text=True)
    states: dict[int, str] = {}
    for line in proc.stdout.splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if "ArrayTaskId" in fields and fields["ArrayTaskId"].isdigit():
            states[int(fields["ArrayTaskId"])] = fields.get("JobState", "?")
    return states


# The exception line of a Python traceback, as srun -l prefixes it ("0: pkg.Error: message").
_EXCEPTION_LINE = re.compile(r"^(?:\d+: )?(?:[\w.]+\.)?(\w+(?:Error|Exception)): (.+)$")


def task_error(log: Path) -> str | None:
    """The last exception a task's log reports, as `Name: message`; None if there is none."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        m = _EXCEPTION_LINE.match(line.strip())
        if m:
            return f"{m.group(1)}: {m.group(2)}"
    return None


def submit_and_wait(executor: WaitingSlurmExecutor, poll_seconds: float) -> str:
    """Submit the array, wait until it has left the queue; returns the Slurm job id."""
    try:
        executor.run()
    except FileNotFoundError as e:
        raise DolmalikeError(f"sbatch not found: --executor slurm needs Slurm's client tools ({e})") from e
    except subprocess.CalledProcessError as e:
        raise DolmalikeError(f"sbatch refused the job for {executor.job_name} (exit {e.returncode})") from e
    job_id = str(executor.job_id)
    print(f"slurm: submitted job {job_id} ({executor.job_name}, {executor.tasks} tasks)", file=sys.stderr)
    try:
        wait_for_job(job_id, poll_seconds)
    except BaseException:
        # Interrupted driver: don't leave tasks running that a re-run would submit again.
        subprocess.run(["scancel", job_id], capture_output=True)
        raise
    return job_id
