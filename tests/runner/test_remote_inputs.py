"""`run --input` streams WARCs straight from http:// and s3:// (real servers on 127.0.0.1)."""

import boto3

from dolmalike.exec.executor import ExecConfig
from dolmalike.manifests.query import connect
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
