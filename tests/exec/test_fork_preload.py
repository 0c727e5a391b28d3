import subprocess
import sys
import textwrap


def test_forked_workers_inherit_pyarrow_lazy_imports(tmp_path):
    # A fresh interpreter, so nothing this test session imported hides a missing preload.
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from dolmalike.exec.executor import ExecConfig, run_tasks
        from dolmalike.manifests.layout import RunLayout

        assert "pyarrow.dataset" not in sys.modules, "the check needs a process without it"
        out = Path({str(tmp_path)!r})

        def fn(key):
            (out / key).write_text(str("pyarrow.dataset" in sys.modules))

        run_tasks(RunLayout.of(out / "run"), "probe", ["a", "b"], fn, ExecConfig(workers=2))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert (tmp_path / "a").read_text() == (tmp_path / "b").read_text() == "True"
