"""`make demo`'s job end to end: every stage runs, counts add up, and every follow-up command the
run prints works on its own output."""

import shlex
from pathlib import Path

import pytest

from dolmalike.cli.main import main
from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.dirs import connect_any
from dolmalike.runner.hints import next_steps
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    spec = load_spec(REPO / "pipelines" / "demo.yaml")
    return run_pipeline(spec, tmp_path_factory.mktemp("demo") / "run", ExecConfig(workers=2))


def test_every_stage_left_its_mark(demo):
    c = demo.counts
    assert c["input_records"] == 2000 and c["kept"] + c["dropped"] + c["error"] == 2000
    con = connect_any(demo.run_dir)
    stages = dict(
        con.execute("SELECT stage, count(*) FROM documents WHERE status='dropped' GROUP BY 1").fetchall()
    )
    for stage in ("extract", "c4_clean", "content_dedup", "minhash_dedup"):
        assert stages.get(stage, 0) > 0, stage
    views = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for tagger in (
        "c4_v1",
        "gopher_quality_v1",
        "gopher_repetition_v1",
        "langid_v1",
        "pii_v1",
        "badwords_v1",
        "quality_v1",
        "fasttext_classifier_v1",
        "decontam_v1",
        "dup_paragraphs_v1",
    ):
        assert f"attributes_{tagger}" in views, tagger
    assert {"dedup", "mix", "tokens", "decisions"} <= views
    masked = con.execute(
        "SELECT count(*) FROM decisions WHERE stage='pii_mask' AND decision='masked'"
    ).fetchone()[0]
    assert masked > 0
    # tokens only come from kept documents
    bad = con.execute(
        "SELECT count(*) FROM tokens t JOIN documents d USING (doc_id) WHERE d.status != 'kept'"
    ).fetchone()[0]
    assert bad == 0


def test_printed_follow_up_commands_work(demo, capsys):
    lines = next_steps(demo.run_dir, demo.mix_dir)
    assert any(line.startswith("dolmalike trace ") for line in lines)
    for line in lines:
        argv = shlex.split(line)[1:]
        assert main(argv) == 0, line
    out = capsys.readouterr().out
    assert "verify: OK" in out and "tokens [" in out
