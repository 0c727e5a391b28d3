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
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy

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


class ForkedLocalExecutor(LocalPipelineExecutor):
    """LocalPipelineExecutor(start_method="fork") without the Manager and the per-task pickling."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["start_method"] = "fork"
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

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
        import multiprocess

        ctx = multiprocess.get_context("fork")
        with ctx.Pool(min(self.workers, len(ranks)), initializer=_adopt, initargs=(self,)) as pool:
            return list(pool.imap_unordered(_run_adopted, ranks))
