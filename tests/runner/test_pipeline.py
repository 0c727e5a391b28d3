"""End-to-end runner guarantees: nothing lost, determinism across workers (resume after SIGKILL:
test_kill_resume.py)."""

import os
from pathlib import Path

from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.query import connect
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.receipt import verify
from dolmalike.runner.spec import load_spec


def _counts(run_dir: Path) -> dict[str, int]:
    con = connect(run_dir)
    return dict(con.execute("SELECT status, count(*) FROM documents GROUP BY 1").fetchall())


def test_workers_1_and_2_give_identical_bytes(tmp_path, small_spec, tree_bytes):
    spec = load_spec(small_spec)
    a = run_pipeline(spec, tmp_path / "a", ExecConfig(workers=1))
    b = run_pipeline(spec, tmp_path / "b", ExecConfig(workers=2))
    assert a.counts == b.counts
    assert a.counts["input_records"] == 240
    assert a.counts["kept"] + a.counts["dropped"] + a.counts["error"] == 240
    ta, tb = tree_bytes(a.run_dir), tree_bytes(b.run_dir)
    assert ta.keys() == tb.keys() and len(ta) > 10
    assert ta == tb
    assert (a.run_dir / "receipt.json").read_bytes() == (b.run_dir / "receipt.json").read_bytes()
    # every record has exactly one documents row, and each decision refers to a known record
    con = connect(a.run_dir)
    assert con.execute("SELECT count(DISTINCT doc_id) FROM documents").fetchone()[0] == 240
    orphans = "SELECT count(*) FROM decisions WHERE doc_id NOT IN (SELECT doc_id FROM documents)"
    assert con.execute(orphans).fetchone()[0] == 0


def test_rerun_is_a_noop_and_verify_detects_tampering(tmp_path, small_spec, tree_bytes):
    spec = load_spec(small_spec)
    r = run_pipeline(spec, tmp_path / "r", ExecConfig())
    before = tree_bytes(r.run_dir)
    run_pipeline(spec, tmp_path / "r", ExecConfig())
    assert tree_bytes(r.run_dir) == before
    assert verify(r.run_dir) == ([], [], [])
    victim = sorted((r.run_dir / "docs").glob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes() + b"x")
    assert verify(r.run_dir)[0] == [str(victim.relative_to(r.run_dir))]


def test_real_warcs_nothing_lost(tmp_path, shared_data, extract_spec):
    import warcio

    inputs = sorted(
        str(p)
        for d in ("commoncrawl", "warc_other")
        for p in (shared_data / d).glob("*.gz")
        if "wat" not in p.name
    )
    spec = load_spec(extract_spec, inputs)
    r = run_pipeline(spec, tmp_path / "cc", ExecConfig(workers=2))
    expected = 0
    for path in inputs:
        with open(path, "rb") as f:
            expected += sum(rec.rec_type in ("response", "conversion") for rec in warcio.ArchiveIterator(f))
    c = r.counts
    assert c["input_records"] == expected
    assert c["kept"] + c["dropped"] + c["error"] == expected
    assert c["kept"] >= 50
    con = connect(r.run_dir)
    row = con.execute(
        "SELECT crawl, status FROM documents WHERE url = 'https://an.wikipedia.org/wiki/Escopete' "
        "AND warc_path LIKE '%whirlwind.warc.gz'"
    ).fetchone()
    assert row == ("CC-MAIN-2024-22", "kept")


def test_corrupt_file_is_an_error_row_and_the_run_goes_on(tmp_path, shared_data, extract_spec):
    good = shared_data / "commoncrawl" / "CC-MAIN-2020-34-resiliparse-sample.warc.gz"
    bad = tmp_path / "in" / "garbage.warc.gz"
    bad.parent.mkdir()
    bad.write_bytes(os.urandom(5000))
    trunc = tmp_path / "in" / "truncated.warc.gz"
    data = good.read_bytes()
    trunc.write_bytes(data[: len(data) // 2])
    # beside it another good file: the original itself would repeat the truncated copy's records
    other = shared_data / "commoncrawl" / "CC-MAIN-2019-51-commoncrawl.org-single-response.warc.gz"
    spec = load_spec(extract_spec, [str(other), str(bad), str(trunc)])
    r = run_pipeline(spec, tmp_path / "run", ExecConfig())
    con = connect(r.run_dir)
    errors = con.execute(
        "SELECT partition, reason FROM documents WHERE status = 'error' ORDER BY 1"
    ).fetchall()
    assert [e[0] for e in errors] == ["garbage", "truncated"]
    assert errors[0][1].startswith(f"{bad}@0: ")
    assert errors[1][1].startswith(f"{trunc}@") and "\n" not in errors[1][1]
    kept_good = con.execute(
        "SELECT count(*) FROM documents WHERE partition = 'CC-MAIN-2019-51-commoncrawl.org-single-response' "
        "AND status='kept'"
    ).fetchone()[0]
    kept_trunc = con.execute(
        "SELECT count(*) FROM documents WHERE partition = 'truncated' AND status='kept'"
    ).fetchone()[0]
    assert kept_good == 1 and 0 < kept_trunc < 16  # the whole file keeps 16
