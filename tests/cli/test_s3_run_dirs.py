"""RUN_DIR and MIX_DIR on S3 (moto in server mode on 127.0.0.1, a real S3 API): `run --input
s3://glob --out s3://...`, then sql / explain / trace / verify / mix reading s3:// dirs from a
fresh local cache, retries through injected 503s, and one-line errors for a bad endpoint, bucket
or credentials with nothing written."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from dolmalike.cli.main import main

SECRET = "planted-SECRET-key-7f3a9c"  # must never show up in any output
FILES = (
    "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz",
    "commoncrawl/whirlwind.warc.gz",
    "commoncrawl/whirlwind.warc.wet.gz",
)
SPEC = """name: s3demo
seed: 0
inputs: []
stages:
  - extract: {}
  - c4_clean: {preset: multilingual}
  - tag: {taggers: [langid_v1, gopher_quality_v1]}
global:
  - url_dedup: {}
  - minhash_dedup: {bands: 14, rows: 8}
mix: ./mix.yaml
"""
MIX = """seed: 1
tokenizer: default
tokenizer_vocab_size: 300
shard_tokens: 4096
heldout_fraction: 0.0
sources:
  - name: all
    sample: 1.0
"""


@pytest.fixture
def env(s3_env, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("DOLMALIKE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return s3_env


@pytest.fixture
def spec(tmp_path) -> Path:
    (tmp_path / "mix.yaml").write_text(MIX)
    p = tmp_path / "spec.yaml"
    p.write_text(SPEC)
    return p


def _upload(endpoint: str, bucket: str, shared_data: Path) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint)
    for rel in FILES:
        s3.upload_file(str(shared_data / rel), bucket, f"crawl/{Path(rel).name}")
    s3.put_object(Bucket=bucket, Key="crawl/README.txt", Body=b"not an input")


def _keys(endpoint: str, bucket: str, prefix: str = "") -> set[str]:
    s3 = boto3.client("s3", endpoint_url=endpoint)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def _json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_run_and_mix_on_s3_then_query_from_a_fresh_cache(env, bucket, spec, shared_data, tmp_path, capsys):
    _upload(env, bucket, shared_data)
    run = f"s3://{bucket}/runs/r1"
    argv = ["run", str(spec), "--input", f"s3://{bucket}/crawl/*.warc*.gz", "--out", run, "--workers", "2"]
    assert main([*argv, "--json"]) == 0
    summary = _json(capsys)
    assert summary["partitions"] == 3  # the glob was listed: 3 WARC/WET objects, not the README
    assert summary["input_records"] == 18 == summary["kept"] + summary["dropped"] + summary["error"]
    assert summary["run_dir"] == run and summary["mix_dir"] == f"{run}/mix"
    assert not (tmp_path / "s3:").exists()
    keys = _keys(env, bucket, "runs/r1/")
    assert {"runs/r1/receipt.json", "runs/r1/mix/receipt.json", "runs/r1/mix/mix.json"} <= keys
    assert any(k.startswith("runs/r1/mix/shards/") for k in keys)

    shutil.rmtree(tmp_path / "cache")  # every reader below starts from what the bucket holds
    assert main(["sql", run, "SELECT count(*) n, min(warc_path) p FROM documents", "--json"]) == 0
    assert _json(capsys) == [
        {"n": 18, "p": f"s3://{bucket}/crawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz"}
    ]
    assert main(["verify", run]) == 0
    assert "verify: OK" in capsys.readouterr().out
    assert (
        main(["sql", f"{run}/mix", 'SELECT doc_id, shard, start, "end" FROM tokens ORDER BY start', "--json"])
        == 0
    )
    first = _json(capsys)[0]
    assert main(["explain", run, first["doc_id"]]) == 0
    assert first["doc_id"] in capsys.readouterr().out
    trace = ["trace", f"{run}/mix", "--shard", str(first["shard"]), "--start", "0", "--end", "5", "--json"]
    assert main(trace) == 0
    assert first["doc_id"] in capsys.readouterr().out

    # a MIX_DIR of its own on S3, from the RUN_DIR on S3; its queries find the run by URL
    mix = f"s3://{bucket}/mixes/m1"
    assert main(["mix", run, str(tmp_path / "mix.yaml"), "--out", mix, "--json"]) == 0
    assert _json(capsys)["mix_dir"] == mix
    shutil.rmtree(tmp_path / "cache")
    joined = "SELECT count(*) n FROM tokens JOIN documents USING (doc_id) WHERE documents.status = 'kept'"
    assert main(["sql", mix, joined, "--json"]) == 0
    assert _json(capsys)[0]["n"] > 0
    assert main(["verify", mix]) == 0
    capsys.readouterr()
    receipt = boto3.client("s3", endpoint_url=env).get_object(Bucket=bucket, Key="mixes/m1/receipt.json")
    assert json.loads(receipt["Body"].read())["run_dir"] == run

    # re-running resumes from the bucket (nothing local) and publishes the same receipt
    before = (
        boto3.client("s3", endpoint_url=env)
        .get_object(Bucket=bucket, Key="runs/r1/receipt.json")["Body"]
        .read()
    )
    shutil.rmtree(tmp_path / "cache")
    assert main([*argv, "--json"]) == 0
    capsys.readouterr()
    after = (
        boto3.client("s3", endpoint_url=env)
        .get_object(Bucket=bucket, Key="runs/r1/receipt.json")["Body"]
        .read()
    )
    assert json.loads(after)["outputs"] == json.loads(before)["outputs"]

    # no credential anywhere: local copies, every object, what was printed
    for root, _, names in os.walk(tmp_path / "cache"):
        for name in names:
            assert SECRET.encode() not in (Path(root) / name).read_bytes(), name
    s3 = boto3.client("s3", endpoint_url=env)
    for key in _keys(env, bucket, "runs/") | _keys(env, bucket, "mixes/"):
        assert SECRET.encode() not in s3.get_object(Bucket=bucket, Key=key)["Body"].read(), key


def test_aws_endpoint_url_and_retries_through_injected_503s(
    env, bucket, spec, shared_data, s3_proxy, monkeypatch, capsys
):
    _upload(env, bucket, shared_data)
    monkeypatch.delenv("DOLMALIKE_S3_ENDPOINT")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_proxy.url)  # the standard variable, through the proxy
    run = f"s3://{bucket}/runs/retry"
    s3_proxy.fail[("PUT", "runs/retry/receipt.json")] = 2
    s3_proxy.fail[("PUT", "runs/retry/docs/whirlwind.parquet")] = 1
    s3_proxy.fail[("HEAD", f"/{bucket}")] = 1
    argv = ["run", str(spec), "--input", f"s3://{bucket}/crawl/whirlwind.warc.gz", "--out", run, "--json"]
    assert main(argv) == 0
    assert _json(capsys)["input_records"] == 1
    assert len(s3_proxy.injected()) == 4
    shutil.rmtree(Path(os.environ["DOLMALIKE_CACHE"]))
    s3_proxy.fail[("GET", "runs/retry/receipt.json")] = 2
    assert main(["verify", run]) == 0
    assert "verify: OK" in capsys.readouterr().out
    assert len(s3_proxy.injected()) == 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_with_auth():
    """A second moto server, with IAM authentication on: every key it does not know is refused."""
    port = _free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.parametrize("case", ["unreachable", "missing_bucket", "wrong_credentials"])
def test_bad_s3_output_is_one_line_and_writes_nothing(
    case, env, bucket, spec, shared_data, moto_with_auth, tmp_path, monkeypatch, capsys
):
    _upload(env, bucket, shared_data)
    target, endpoint = f"s3://{bucket}/runs/bad", env
    if case == "unreachable":
        endpoint = f"http://user:{SECRET}@127.0.0.1:{_free_port()}"
    elif case == "missing_bucket":
        target = "s3://no-such-bucket-here/runs/bad"
    else:
        endpoint = moto_with_auth
    argv = [
        "run",
        str(spec),
        "--input",
        str(shared_data / FILES[1]),
        "--out",
        target,
        "--s3-endpoint",
        endpoint,
    ]
    monkeypatch.delenv("DOLMALIKE_S3_ENDPOINT")  # restored after the test (run exports --s3-endpoint)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and SECRET not in err, err
    bucket_name = target.split("/")[2]
    expected = {
        "unreachable": f"s3://{bucket_name}: cannot reach S3 endpoint http://***@127.0.0.1:",
        "missing_bucket": f"s3://{bucket_name}: no such bucket",
        "wrong_credentials": f"s3://{bucket_name}: access denied",
    }[case]
    assert expected in err, err
    assert _keys(env, bucket, "runs/") == set()
    assert not (tmp_path / "s3:").exists()
    assert not any((tmp_path / "cache").rglob("receipt.json"))
