"""Run one step's keys as plain Ray tasks on the cluster the driver is connected to.

datatrove's RayPipelineExecutor pays, for every key, a placement group, a fresh actor process
(which re-imports dolmalike and unpickles the executor) and a multiprocess pool forked inside
it: with ~80 short tasks per demo run that was most of the wall time. Here the step function
is put in the object store once per step and each key is a stateless task; Ray keeps its
worker processes between tasks, so imports happen once per worker. Ray re-runs a task whose
node died (`max_retries`); every key's outputs are written atomically, so a re-run is safe.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dolmalike.core.errors import DolmalikeError

if TYPE_CHECKING:
    from dolmalike.exec.executor import _KeyTask as KeyTask

# Ray re-runs a task lost with its node this many times before the step fails.
NODE_FAILURE_RETRIES = 3


def ensure_ray(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Join the cluster at `address` (or RAY_ADDRESS), or start a local one with `num_cpus`
    when neither is set. Returns True if this call started Ray (the caller shuts it down)."""
    import ray

    if ray.is_initialized():
        return False
    address = check_ray_address(address)
    if address:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    return True


def check_ray_address(address: str | None = None) -> str | None:
    """The address to join (`address`, else RAY_ADDRESS, else None for a local Ray), checked to
    answer: fails in a second with one line, where ray.init would retry a dead one for minutes."""
    address = address or os.environ.get("RAY_ADDRESS") or None
    hostport = (address or "").removeprefix("ray://")
    if not address or hostport in ("auto", "local"):
        return address
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        raise DolmalikeError(
            f"Ray address {address!r}: expected HOST:PORT (the head's GCS port, e.g. 10.0.0.1:6379)"
        )
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as e:
        raise DolmalikeError(f"no Ray cluster at {address}: {e.strerror or e}") from None
    return address


def _run_rank(key_task: KeyTask, rank: int) -> dict[str, Any]:
    """One Ray task: the step's task for keys[rank] (which writes its marker); returns where it ran."""
    import ray

    key_task.run(rank=rank)
    node = ray.get_runtime_context().get_node_id()
    return {"key": key_task.keys[rank], "node": node, "host": socket.gethostname()}


def run_on_ray(key_task: KeyTask, workers: int, log_dir: Path) -> None:
    """Run every key of `key_task`, at most `workers` at a time; appends one placement line per
    key to log_dir/placement.jsonl. Raises DolmalikeError naming the key when a task fails."""
    import ray
    from ray.exceptions import RayError, RayTaskError

    step = key_task.step
    # SPREAD: each task reads and writes its own files on the shared RUN_DIR, so using every
    # node beats Ray's default of packing tasks next to the driver.
    remote = ray.remote(num_cpus=1, max_retries=NODE_FAILURE_RETRIES, scheduling_strategy="SPREAD")(_run_rank)
    task_ref = ray.put(key_task)
    todo = list(range(len(key_task.keys)))
    running: dict[Any, str] = {}
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "placement.jsonl", "a") as placement:
        try:
            while todo or running:
                while todo and len(running) < workers:
                    rank = todo.pop(0)
                    running[remote.remote(task_ref, rank)] = key_task.keys[rank]
                done, _ = ray.wait(list(running), num_returns=1)
                key = running.pop(done[0])
                try:
                    where = ray.get(done[0])
                except RayTaskError as e:
                    cause = e.cause if e.cause is not None else e
                    raise DolmalikeError(
                        f"step {step} failed on Ray, task {key}: {_one_line(cause)}"
                    ) from None
                except RayError as e:
                    raise DolmalikeError(f"step {step} failed on Ray, task {key}: {_one_line(e)}") from None
                placement.write(json.dumps({"step": step, **where}) + "\n")
                placement.flush()
        finally:
            for ref in running:
                ray.cancel(ref)


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}".rstrip(": ")
