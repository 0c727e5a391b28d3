import json
import os
from typing import Any

import pytest
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep

from dolmalike.exec.executor import ExecConfig, kept_workers
from dolmalike.exec.forked import ForkedLocalExecutor, WorkerPool


class _Unpicklable:
    """Refuses to be pickled, as a loaded native model may, but can be deep-copied."""

    def __reduce__(self) -> Any:
        raise TypeError("this handle cannot be pickled")

    def __deepcopy__(self, memo: dict) -> "_Unpicklable":
        return _Unpicklable()


class _Probe(PipelineStep):
    """Writes, per rank, how many ranks this copy of the step has seen."""

    name = "probe"
    type = "task"

    def __init__(self, out: str) -> None:
        super().__init__()
        self.out, self.seen, self.handle = out, [], _Unpicklable()

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
        self.seen.append(rank)
        self.stat_update("ran")
        with open(f"{self.out}/{rank}", "w") as f:
            f.write(str(len(self.seen)))
        return data


@pytest.mark.parametrize("workers", [1, 2])
def test_every_rank_runs_once_on_a_fresh_copy_of_an_unpicklable_step(tmp_path, workers):
    out = tmp_path / "out"
    out.mkdir()
    ex = ForkedLocalExecutor([_Probe(str(out))], tasks=5, workers=workers, logging_dir=str(tmp_path / "logs"))
    stats = ex.run()
    # every rank ran, each on a copy that had seen no other rank (as datatrove's serial path does)
    assert {p.name: p.read_text() for p in out.iterdir()} == {str(r): "1" for r in range(5)}
    assert sorted(p.name for p in (tmp_path / "logs" / "completions").iterdir()) == [
        f"{r:05d}" for r in range(5)
    ]
    merged = json.loads((tmp_path / "logs" / "stats.json").read_text())
    assert merged[0]["stats"]["ran"] == 5
    assert stats is not None and stats.stats[0].stats["ran"].total == 5
    assert ex.pipeline[0].seen == []  # the parent's step itself is left as it was


def test_datatrove_own_executor_cannot_ship_that_step(tmp_path):
    # the reason the subclass exists: the parent class pickles the step into every task
    out = tmp_path / "out"
    out.mkdir()
    ex = LocalPipelineExecutor(
        [_Probe(str(out))], tasks=2, workers=2, logging_dir=str(tmp_path / "logs"), start_method="fork"
    )
    with pytest.raises(TypeError, match="cannot be pickled"):
        ex.run()


def test_completed_ranks_are_skipped(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    logs = str(tmp_path / "logs")
    ForkedLocalExecutor([_Probe(str(out))], tasks=3, workers=2, logging_dir=logs).run()
    for p in out.iterdir():
        p.unlink()
    assert ForkedLocalExecutor([_Probe(str(out))], tasks=3, workers=2, logging_dir=logs).run() is None
    assert list(out.iterdir()) == []


class _PidProbe(PipelineStep):
    """Picklable: writes, per rank, the pid that ran it and how many ranks its copy has seen."""

    name = "pid probe"
    type = "task"

    def __init__(self, out: str) -> None:
        super().__init__()
        self.out, self.seen = out, []

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
        self.seen.append(rank)
        with open(f"{self.out}/{rank}", "w") as f:
            f.write(f"{os.getpid()} {len(self.seen)}")
        return data


def _two_steps(tmp_path, pool: WorkerPool | None) -> list[set[int]]:
    """Two steps of 4 ranks each, one after the other: the pids that ran each step."""
    pids = []
    for step in ("a", "b"):
        out = tmp_path / step
        out.mkdir()
        ex = ForkedLocalExecutor(
            [_PidProbe(str(out))],
            tasks=4,
            workers=2,
            logging_dir=str(tmp_path / f"logs-{step}"),
            worker_pool=pool,
        )
        ex.run()
        got = {p.name: p.read_text().split() for p in out.iterdir()}
        assert sorted(got) == ["0", "1", "2", "3"]
        assert {seen for _, seen in got.values()} == {"1"}  # each rank on a fresh copy of the step
        assert sorted(p.name for p in (tmp_path / f"logs-{step}" / "completions").iterdir()) == [
            f"{r:05d}" for r in range(4)
        ]
        pids.append({int(pid) for pid, _ in got.values()})
    return pids


def test_kept_workers_run_every_step_in_the_same_processes(tmp_path):
    with WorkerPool(2) as pool:
        a, b = _two_steps(tmp_path, pool)
    assert os.getpid() not in a | b
    assert b <= a  # the second step ran in the workers the first one started
    assert pool._pool is None  # stopped on exit


def test_without_kept_workers_each_step_forks_its_own(tmp_path):
    a, b = _two_steps(tmp_path, None)
    assert not a & b


def test_a_step_that_cannot_be_pickled_gets_a_pool_of_its_own(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with WorkerPool(2) as pool:
        ex = ForkedLocalExecutor(
            [_Probe(str(out))], tasks=3, workers=2, logging_dir=str(tmp_path / "logs"), worker_pool=pool
        )
        ex.run()
        assert pool._pool is None  # it never forked: the step could not be shipped to it
    assert {p.name: p.read_text() for p in out.iterdir()} == {str(r): "1" for r in range(3)}


@pytest.mark.parametrize("kept", [False, True])
def test_a_failing_rank_raises_in_the_parent(tmp_path, kept):
    class Boom(_PidProbe):
        def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
            if rank == 1:
                raise ValueError("rank 1 broke")
            return super().run(data, rank, world_size)

    out = tmp_path / "out"
    out.mkdir()
    with WorkerPool(2) as pool:
        ex = ForkedLocalExecutor(
            [Boom(str(out))],
            tasks=3,
            workers=2,
            logging_dir=str(tmp_path / "logs"),
            worker_pool=pool if kept else None,
        )
        with pytest.raises(ValueError, match="rank 1 broke"):
            ex.run()
        assert (pool._pool is not None) is kept  # the kept workers ran it, or a pool of its own
    assert pool._pool is None


@pytest.mark.parametrize(
    ("cfg", "kept"),
    [
        (ExecConfig(workers=2), True),
        (ExecConfig(workers=1), False),
        (ExecConfig(kind="ray", workers=2), False),
    ],
)
def test_kept_workers_only_for_local_runs_with_several_workers(cfg, kept):
    with kept_workers(cfg) as got:
        assert (got.pool is not None) is kept
        assert (got.kind, got.workers) == (cfg.kind, cfg.workers)
    assert cfg.pool is None  # the caller's config is left as it was
