"""datatrove's LocalPipelineExecutor with forked workers that inherit the step instead of receiving it.

The parent's LocalPipelineExecutor.run starts a `multiprocess.Manager` server process for a
queue of local ranks, and its pool pickles (with dill) the whole executor, pipeline and step
function into every task: on a pipeline-sized heap that was 60-90 ms per step with 2 workers and
25-35 ms with 1, paid by each of a run's ~14 steps, all of it on the serial path.

Here a fork start method makes both unnecessary: the pool's workers are forked from this process,
so they already hold the executor (it reaches them as an initializer argument, which fork does not
pickle) and a task is just its rank. The local rank, which datatrove uses only to pick which task
logs to the console, is the rank modulo the worker count. Everything a task does is datatrove's
own `_run_for_rank` (task logger, per-rank stats, completion file), on a fresh deep copy of the
pipeline as datatrove's serial path makes (so no state carries from one task to the next in a
worker); the merged stats.json is written as datatrove writes it.

A `WorkerPool` keeps one set of forked workers for all the steps of a run (run_pipeline's stream
and global steps, through `executor.kept_workers`). A fresh fork per step cost ~25 ms to start and
stop, and each new child faulted in thousands of copy-on-write pages before its first task ran
fast: on a 100 MB run the dozen global steps took ~0.45 s longer than with kept workers. Kept
workers were forked before the step exists, so they cannot inherit it: each step is pickled once
(dill, as datatrove does) and every task unpickles its own fresh copy. A step that cannot be
pickled (a loaded native handle) runs on a pool forked for it, as above.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from typing import Any

from datatrove.executor.local import LocalPipelineExecutor
from datatrove.utils.stats import PipelineStats

# The executor a forked pool worker runs: set once per worker by _adopt, in the worker only.
_adopted: list[LocalPipelineExecutor] = []


def _adopt(executor: LocalPipelineExecutor) -> None:
    _adopted[:] = [executor]


def _run_fresh(executor: LocalPipelineExecutor, template: list, rank: int) -> PipelineStats:
    executor.pipeline = deepcopy(template)
    try:
        return executor._run_for_rank(rank, rank % executor.workers)
    finally:
        executor.pipeline = template


def _run_adopted(rank: int) -> PipelineStats:
    executor = _adopted[0]
    return _run_fresh(executor, executor.pipeline, rank)


def _run_pickled(task: tuple[bytes, int]) -> PipelineStats:
    import dill

    blob, rank = task
    executor = dill.loads(blob)  # this task's own copy of the executor and its step
    return executor._run_for_rank(rank, rank % executor.workers)


class WorkerPool:
    """Forked worker processes kept from one step to the next; forked on first use, so a run
    that never has two tasks to run at once never forks."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Any = None

    def run_ranks(self, executor: LocalPipelineExecutor, ranks: Sequence[int]) -> list[PipelineStats] | None:
        """The stats of every rank, or None if `executor` cannot be pickled (run it another way)."""
        import dill

        try:
            blob = dill.dumps(executor)
        except Exception:  # noqa: BLE001 - whatever a step holds that refuses pickling
            return None
        if self._pool is None:
            import multiprocess

            self._pool = multiprocess.get_context("fork").Pool(self.workers)
        return list(self._pool.imap_unordered(_run_pickled, [(blob, r) for r in ranks]))

    def close(self) -> None:
        """Stops the workers; by now every task handed out has returned or failed the run."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # what executor.json records for it (no address: stable logs)
        return f"WorkerPool(workers={self.workers})"


class ForkedLocalExecutor(LocalPipelineExecutor):
    """LocalPipelineExecutor(start_method="fork") without the Manager and the per-task pickling."""

    def __init__(self, *args: object, worker_pool: WorkerPool | None = None, **kwargs: object) -> None:
        kwargs["start_method"] = "fork"
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.worker_pool = worker_pool

    def __getstate__(self) -> dict[str, Any]:
        # what WorkerPool.run_ranks pickles for its workers: they are the pool
        return {**self.__dict__, "worker_pool": None}

    def run(self) -> PipelineStats | None:
        if self.depends is not None or self.randomize_start_duration:
            return super().run()  # datatrove's own path for what this one does not cover
        self._launched = True
        ranks = self.get_incomplete_ranks(
            range(self.local_rank_offset, self.local_rank_offset + self.local_tasks)
        )
        if not ranks:
            return None
        self.save_executor_as_json()
        stats = self._run_ranks(ranks)
        merged = sum(stats, start=PipelineStats())
        with self.logging_dir.open("stats.json", "wt") as f:
            merged.save_to_disk(f)
        return merged

    def _run_ranks(self, ranks: Sequence[int]) -> list[PipelineStats]:
        if self.workers == 1 or len(ranks) == 1:
            return [_run_fresh(self, self.pipeline, rank) for rank in ranks]
        if self.worker_pool is not None and (stats := self.worker_pool.run_ranks(self, ranks)) is not None:
            return stats
        import multiprocess

        ctx = multiprocess.get_context("fork")
        with ctx.Pool(min(self.workers, len(ranks)), initializer=_adopt, initargs=(self,)) as pool:
            return list(pool.imap_unordered(_run_adopted, ranks))
