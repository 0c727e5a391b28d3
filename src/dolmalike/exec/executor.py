"""Run per-key tasks (one per input partition, or per bucket shard) on datatrove's executors.

Stages never know where they run. A step is `fn(key)` over a sorted list of keys; the
executor (local processes, Slurm or Ray) decides placement. Each finished key gets a
completion marker under RUN_DIR/_done/<step>/, so a killed run resumes by redoing only
unfinished keys — and since each key's outputs are written atomically, redoing is idempotent.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datatrove.pipeline.base import PipelineStep

from dolmalike.exec.slurm import SlurmOptions
from dolmalike.exec.task_logging import memoize_loguru_lib_dirs
from dolmalike.manifests.layout import RunLayout

if TYPE_CHECKING:
    from dolmalike.exec.forked import WorkerPool


@dataclass
class ExecConfig:
    kind: str = "local"  # local | slurm | ray
    workers: int = 1
    # passed to datatrove's LocalPipelineExecutor / RayPipelineExecutor as keyword arguments
    options: dict[str, Any] = field(default_factory=dict)
    slurm: SlurmOptions | None = None  # sbatch settings for kind == "slurm"
    ray_address: str | None = (
        None  # kind == "ray": HOST:PORT of the head (default RAY_ADDRESS, or a local Ray)
    )
    # kind == "local": forked workers kept across the steps run with this config (kept_workers);
    # None forks a pool per step. Not a setting: it changes no output.
    pool: WorkerPool | None = field(default=None, repr=False, compare=False)


@contextmanager
def kept_workers(cfg: ExecConfig) -> Iterator[ExecConfig]:
    """`cfg` with one pool of forked workers for every local step run under it, stopped at the end.
    Only for steps that need no state the parent sets up after the pool forks, beyond what each
    step's pickle carries (so not build_mix, which sets TOKENIZERS_PARALLELISM and RAYON_NUM_THREADS
    around its tokenize and training steps)."""
    if cfg.kind != "local" or cfg.workers <= 1 or cfg.pool is not None:
        yield cfg
        return
    from dolmalike.exec.forked import WorkerPool

    with WorkerPool(cfg.workers) as pool:
        yield replace(cfg, pool=pool)


class _KeyTask(PipelineStep):
    """A datatrove step that runs fn(keys[rank]) and marks it done, unless fn returns False
    (the key's work is unfinished for a reason a rerun may not meet, e.g. an input that could
    not be read to the end)."""

    name = "dolmalike"
    type = "task"

    def __init__(
        self, step: str, keys: Sequence[str], fn: Callable[[str], bool | None], layout: RunLayout
    ) -> None:
        super().__init__()
        self.step, self.keys, self.fn, self.layout = step, list(keys), fn, layout

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
        key = self.keys[rank]
        unfinished = self.layout.unfinished_marker(self.step, key)
        unfinished.unlink(missing_ok=True)
        if self.fn(key) is False:
            mark_done(unfinished)  # still pending for the next run; the caller reports why
        else:
            mark_done(self.layout.marker(self.step, key))
        return data


def mark_done(marker: Path) -> None:
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(f".{marker.name}.tmp")
    tmp.write_bytes(b"")
    os.replace(tmp, marker)


def pending(layout: RunLayout, step: str, keys: Sequence[str]) -> list[str]:
    return [k for k in keys if not layout.marker(step, k).exists()]


# Modules that pyarrow imports lazily on first use: `pq.read_table` builds a ParquetDataset
# (pyarrow.dataset), and converting Python objects checks for pandas. A forked worker that
# meets them first imports them itself, and datatrove forks a fresh pool for every step: with 2
# workers that was 3.7 CPU s of a 100 MB run re-importing them (bench_pipeline, py-spy).
# Imported once in the parent, every worker inherits them.
_FORK_PRELOAD = ("pyarrow.dataset", "pandas")


def _import_before_fork() -> None:
    import importlib

    for name in _FORK_PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # pandas is optional for pyarrow: then no worker imports it either
            pass


def run_tasks(
    layout: RunLayout,
    step: str,
    keys: Sequence[str],
    fn: Callable[[str], bool | None],
    cfg: ExecConfig,
) -> int:
    """Run fn on every key without a completion marker; returns how many ran."""
    todo = pending(layout, step, sorted(keys))
    if not todo:
        return 0
    task = _KeyTask(step, todo, fn, layout)
    # datatrove logs every task at INFO to stderr; our progress bar says the same in one line.
    from loguru import logger

    logger.disable("datatrove")
    memoize_loguru_lib_dirs()
    logs = str(layout.logs / step)
    # datatrove's own completion files would skip by rank index; our markers are per key,
    # so let it re-run whatever we hand it.
    if cfg.kind == "local":
        from dolmalike.exec.forked import ForkedLocalExecutor

        if cfg.workers > 1 and len(todo) > 1:
            _import_before_fork()

        ex = ForkedLocalExecutor(
            pipeline=[task],
            tasks=len(todo),
            workers=min(cfg.workers, len(todo)),
            logging_dir=logs,
            skip_completed=False,
            worker_pool=cfg.pool,
            **cfg.options,
        )
    elif cfg.kind == "slurm":
        from dolmalike.exec.slurm import WaitingSlurmExecutor, venv_env_command

        slurm = cfg.slurm or SlurmOptions()
        ex = WaitingSlurmExecutor(
            pipeline=[task],
            tasks=len(todo),
            workers=cfg.workers,
            logging_dir=logs,
            job_name=f"dolmalike-{step}",
            skip_completed=False,
            env_command=venv_env_command(),
            **slurm.executor_kwargs(),
        )
    elif cfg.kind == "ray":
        from dolmalike.exec.ray_tasks import ensure_ray, run_on_ray

        ensure_ray(cfg.ray_address)
        ex = None
    else:
        from dolmalike.core.errors import DolmalikeError

        raise DolmalikeError(f"unknown executor {cfg.kind!r}; valid executors: local, ray, slurm")
    job = None
    with _Progress(layout, step, keys, len(keys) - len(todo)):
        if cfg.kind == "slurm":
            from dolmalike.exec.slurm import submit_and_wait

            job = submit_and_wait(ex, slurm.poll_seconds)
        elif cfg.kind == "ray":
            run_on_ray(task, cfg.workers, Path(logs))
        else:
            ex.run()
    _check_complete(layout, step, todo, logs, job)
    return len(todo)


def _check_complete(layout: RunLayout, step: str, todo: Sequence[str], logs: str, job: str | None) -> None:
    """Every key handed out must have its marker now (or an unfinished marker: its task ended on
    purpose without finishing it, and the caller reports why); otherwise the run stops here, loudly.

    The executors report failures in their own ways (a raised exception, a Slurm array task
    in state FAILED); a missing marker is the one sign they all share.
    """
    missing = [k for k in pending(layout, step, todo) if not layout.unfinished_marker(step, k).exists()]
    if not missing:
        return
    from dolmalike.core.errors import DolmalikeError

    where = f"slurm job {job}, " if job else ""
    detail = ""
    if job is not None:
        from dolmalike.exec.slurm import task_error, task_states

        first = todo.index(missing[0])
        log = Path(logs) / "slurm_logs" / f"{job}_{first}.out"
        state = task_states(job).get(first, "did not finish")
        cause = task_error(log)
        detail = f"; task {first} {state}{': ' + cause if cause else ''} (log {log})"
    raise DolmalikeError(
        f"step {step} failed ({where}{len(missing)} of {len(todo)} tasks did not complete, "
        f"first: {missing[0]}){detail}"
    )


class _Progress:
    """A tqdm bar fed by polling completion markers: works for in-process and forked workers."""

    def __init__(self, layout: RunLayout, step: str, keys: Sequence[str], already: int) -> None:
        self.layout, self.step, self.keys, self.already = layout, step, list(keys), already
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _count(self) -> int:
        return len(self.keys) - len(pending(self.layout, self.step, self.keys))

    def _poll(self) -> None:
        from tqdm import tqdm

        with tqdm(
            total=len(self.keys),
            initial=self.already,
            desc=self.step,
            unit="part",
            file=sys.stderr,
            leave=False,
            disable=None,
        ) as bar:
            while not self._stop.wait(0.2):
                bar.update(self._count() - bar.n)
            bar.update(self._count() - bar.n)

    def __enter__(self) -> _Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
