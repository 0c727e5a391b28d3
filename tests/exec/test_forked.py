import json
from typing import Any

import pytest
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep

from dolmalike.exec.forked import ForkedLocalExecutor


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


def test_a_failing_rank_raises_in_the_parent(tmp_path):
    class Boom(_Probe):
        def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
            if rank == 1:
                raise ValueError("rank 1 broke")
            return super().run(data, rank, world_size)

    out = tmp_path / "out"
    out.mkdir()
    ex = ForkedLocalExecutor([Boom(str(out))], tasks=3, workers=2, logging_dir=str(tmp_path / "logs"))
    with pytest.raises(ValueError, match="rank 1 broke"):
        ex.run()
