"""The same spec on a real local Ray cluster (datatrove's RayPipelineExecutor) gives the same bytes."""

import ray

from dolmalike.exec.executor import ExecConfig
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec


def test_ray_executor_matches_local(tmp_path, small_spec, tree_bytes, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    spec = load_spec(small_spec)
    local = run_pipeline(spec, tmp_path / "local", ExecConfig())
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        on_ray = run_pipeline(spec, tmp_path / "ray", ExecConfig(kind="ray", workers=2))
        assert ray.is_initialized()
    finally:
        ray.shutdown()
    assert on_ray.counts == local.counts
    assert tree_bytes(on_ray.run_dir) == tree_bytes(local.run_dir)
