"""`run --input` streams WARCs straight from http:// and s3:// (real servers on 127.0.0.1), and
retries/resumes a flaky one like `fetch` does, never losing records silently."""

import boto3

from dolmalike.exec.executor import ExecConfig, pending
from dolmalike.fetch.resumable import ReadPolicy
from dolmalike.fetch.retry import Backoff
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.query import connect
from dolmalike.runner.partition import STREAM_STEP, read_interruption
from dolmalike.runner.pipeline import run_pipeline
from dolmalike.runner.spec import load_spec

NAME = "CC-MAIN-2020-34-resiliparse-sample.warc.gz"


def _kept_texts(run_dir):
    con = connect(run_dir)
    return con.execute("SELECT d.url, d.warc_offset, d.status FROM documents d ORDER BY d.ordinal").fetchall()


def test_http_and_s3_inputs_match_local(tmp_path, http_server, bucket, s3_env, shared_data, extract_spec):
    local = shared_data / "commoncrawl" / NAME
    boto3.client("s3", endpoint_url=s3_env).upload_file(str(local), bucket, f"crawl/{NAME}")
    results = {}
    for label, url in {
        "local": str(local),
        "http": f"{http_server.url}/{NAME}",
        "s3": f"s3://{bucket}/crawl/{NAME}",
    }.items():
        spec = load_spec(extract_spec, [url])
        r = run_pipeline(spec, tmp_path / label, ExecConfig())
        assert r.counts["input_records"] == 16 and r.counts["error"] == 0
        results[label] = _kept_texts(r.run_dir)
        assert connect(r.run_dir).execute("SELECT DISTINCT warc_path FROM documents").fetchall() == [(url,)]
    assert results["http"] == results["local"] == results["s3"]


def test_http_404_input_is_an_error_row_not_a_crash(tmp_path, http_server, extract_spec):
    url = f"{http_server.url}/missing.warc.gz"
    r = run_pipeline(load_spec(extract_spec, [url]), tmp_path / "r", ExecConfig())
    assert r.counts == {"input_records": 1, "kept": 0, "dropped": 0, "error": 1}
    reason = connect(r.run_dir).execute("SELECT reason FROM documents").fetchone()[0]
    assert reason.startswith(f"{url}@0: ") and "404" in reason


def _policy(retries: int) -> ReadPolicy:
    return ReadPolicy(retries=retries, backoff=Backoff(base=0.001, factor=2.0, max_delay=0.01))


def test_http_input_resumes_after_a_drop_and_503s_like_a_local_read(
    tmp_path, http_server, shared_data, extract_spec
):
    http_server.drop_once.add(NAME)
    http_server.fail_ranged[NAME] = 2  # 503 twice on the Range request that continues the body
    url = f"{http_server.url}{NAME}"
    remote = run_pipeline(load_spec(extract_spec, [url]), tmp_path / "h", ExecConfig(), False, _policy(3))
    local = run_pipeline(
        load_spec(extract_spec, [str(shared_data / "commoncrawl" / NAME)]),
        tmp_path / "l",
        ExecConfig(),
    )
    assert not remote.unfinished
    assert remote.counts == local.counts == {"input_records": 16, "kept": 16, "dropped": 0, "error": 0}
    assert _kept_texts(remote.run_dir) == _kept_texts(local.run_dir)
    # attempt 1 is the read the drop broke; then 503, 503, and the resumed body (then the
    # reader's end-of-file check asks for the last record again)
    assert [s for _, s in http_server.requests_for(NAME)][:4] == [200, 503, 503, 206]


def test_http_input_whose_retries_run_out_is_not_marked_done_and_a_rerun_reads_it(
    tmp_path, http_server, shared_data, extract_spec
):
    http_server.drop_once.add(NAME)
    http_server.fail_ranged[NAME] = 10
    url = f"{http_server.url}{NAME}"
    other = str(shared_data / "commoncrawl" / "whirlwind.warc.gz")
    spec = load_spec(extract_spec, [other, url])
    run_dir = tmp_path / "r"
    first = run_pipeline(spec, run_dir, ExecConfig(), False, _policy(2))
    (part,) = first.unfinished
    assert "giving up after 3 attempts: HTTP 503" in first.unfinished[part]
    assert f"{url}@" in first.unfinished[part] and "records read before it" in first.unfinished[part]
    layout = RunLayout.of(run_dir)
    assert pending(layout, STREAM_STEP, first.partitions) == [part]  # the local file is done
    assert layout.unfinished_marker(STREAM_STEP, part).exists()  # on purpose: the step did not fail
    assert not layout.receipt.exists() and first.counts == {}
    assert [s for _, s in http_server.requests_for(NAME)] == [200, 503, 503]  # 3 attempts

    http_server.fail_ranged[NAME] = 0  # the server recovers
    again = run_pipeline(spec, run_dir, ExecConfig(), False, _policy(2))
    assert not again.unfinished and again.receipt.exists()
    assert again.counts["error"] == 0 and again.counts["input_records"] == 16 + 1
    assert not pending(layout, STREAM_STEP, again.partitions)
    assert not read_interruption(layout, part) and not layout.unfinished_marker(STREAM_STEP, part).exists()


def test_cli_run_says_records_were_lost_and_exits_1(tmp_path, http_server, capsys, extract_spec):
    from dolmalike.cli.main import main

    http_server.drop_once.add(NAME)  # with no retries, the dropped connection ends the read
    args = [
        "run",
        str(extract_spec),
        "--out",
        str(tmp_path / "r"),
        "--input",
        http_server.url + NAME,
    ]
    assert main([*args, "--retries", "0"]) == 1
    err = capsys.readouterr().err
    assert "INCOMPLETE, records lost: 1 of 1 input files could not be read to the end" in err
    assert "giving up after 1 attempt:" in err, err
    assert "rerun the same command" in err
    assert "Traceback" not in err
    assert main([*args, "--retries", "0"]) == 0  # the rerun reads it whole
    assert "kept 16  dropped 0  error 0" in capsys.readouterr().out
