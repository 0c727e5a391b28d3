"""Planted credentials never reach an output, a log, stdout or stderr.

Secrets go in through URL userinfo (http://user:PASS@127.0.0.1..., s3://KEY:SECRET@bucket/...)
and through the environment (AWS_SECRET_ACCESS_KEY against moto's S3 server on 127.0.0.1), into
real `dolmalike fetch` and `dolmalike run` processes. Then every file they wrote is searched —
Parquet decoded, .zst and .gz decompressed — together with what they printed."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import zstandard

DOLMALIKE = str(Path(sys.executable).with_name("dolmalike"))
HTTP_PASS = "PlantedHttpPass7f3a"
S3_KEY, S3_SECRET = "AKIAPLANTEDKEY0042", "PlantedS3Secret9c1e"
ENV_SECRET = "PlantedEnvSecret55aa"
SECRETS = (HTTP_PASS, S3_KEY, S3_SECRET, ENV_SECRET)
WARC = "whirlwind.warc.gz"
SPEC = "name: sec\ninputs: [nothing]\nstages: [extract]\nglobal: [url_dedup]\n"


def _texts(path: Path) -> list[bytes]:
    """The file's bytes, and what they decode to when they are Parquet, zstd or gzip."""
    raw = path.read_bytes()
    out = [raw]
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        out.append(str(table.to_pylist()).encode())
        out.append(str(table.schema.metadata or {}).encode())
    elif path.suffix == ".zst":
        out.append(zstandard.ZstdDecompressor().stream_reader(raw).read())
    elif path.suffix == ".gz":
        out.append(gzip.decompress(raw))
    return out


def _leaks(where: list[Path], printed: str) -> list[str]:
    found = [f"output: {s}" for s in SECRETS if s in printed]
    for root in where:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for p in files:
            for blob in _texts(p):
                found += [f"{p}: {s}" for s in SECRETS if s.encode() in blob]
    return found


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DOLMALIKE_DEBUG"}
    return subprocess.run([DOLMALIKE, *args], capture_output=True, text=True, timeout=300, env=env)


def _check(results: list[subprocess.CompletedProcess], where: list[Path]) -> None:
    printed = "".join(r.stdout + r.stderr for r in results)
    leaks = _leaks(where, printed)
    assert not leaks, leaks
    assert "Traceback" not in printed, printed[-2000:]


def test_http_userinfo_is_used_but_never_recorded(http_server, www: Path, tmp_path: Path) -> None:
    base = http_server.url.replace("http://", f"http://alice:{HTTP_PASS}@")
    (www / "warc.paths").write_text(f"{WARC}\nmissing-file.warc.gz\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    run_dir, fetched, logs = tmp_path / "run", tmp_path / "fetched", tmp_path / "logs"
    results = [
        _cli("run", str(spec), "--out", str(run_dir), "--input", base + WARC, "--json"),
        _cli("run", str(spec), "--out", str(tmp_path / "run404"), "--input", base + "nope.warc.gz"),
        _cli("fetch", base + "warc.paths", "--out", str(fetched), "--base-url", base, "--retries", "0"),
        _cli("fetch", base + "warc.paths", "--dry-run", "--json", "--base-url", base),
        _cli("fetch", base + "no-such.paths", "--out", str(fetched), "--retries", "0"),
        _cli("sql", str(run_dir), "SELECT * FROM documents", "--json"),
        _cli("sql", str(run_dir), "SELECT * FROM decisions", "--json"),
    ]
    assert results[0].returncode == 0, results[0].stderr
    assert results[2].returncode == 2  # one of the two listed files is a 404
    assert (fetched / WARC).is_file()
    # the password really went over the wire (basic auth), and the lineage kept a stable redacted URL
    from dolmalike.manifests.query import connect

    urls = {r[0] for r in connect(run_dir).execute("SELECT DISTINCT warc_path FROM documents").fetchall()}
    assert urls == {http_server.url.replace("http://", "http://***@") + WARC}
    logs.mkdir()
    _check(results, [run_dir, tmp_path / "run404", fetched, logs])


def test_s3_userinfo_is_refused_in_one_redacted_line(s3_env: str, bucket: str, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    url = f"s3://{S3_KEY}:{S3_SECRET}@{bucket}/"
    results = [
        _cli("run", str(spec), "--out", str(tmp_path / "run"), "--input", url + "y.warc.gz"),
        _cli("fetch", url + "warc.paths", "--out", str(tmp_path / "f")),
        _cli("fetch", "CC-MAIN-2024-22", "--dry-run", "--base-url", url),
        _cli("fetch", str(tmp_path / "nope.paths"), "--dry-run", "--base-url", url),
        # as an output or a directory to query: checked by argparse types, whose messages echo the argument
        _cli("run", str(spec), "--out", url + "run", "--input", str(spec)),
        _cli("sql", url + "run", "SELECT 1"),
        _cli("mix", str(tmp_path), str(spec), "--out", url + "mix"),
    ]
    for r in results:
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "s3://***@" in results[0].stderr and "AWS_ACCESS_KEY_ID" in results[0].stderr
    _check(results, [tmp_path])


def test_s3_credentials_from_the_environment_never_recorded(
    s3_env: str, bucket: str, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ENV_SECRET)
    s3 = boto3.client("s3", endpoint_url=s3_env)
    s3.upload_file(str(shared_data / "commoncrawl" / WARC), bucket, f"crawl/{WARC}")
    s3.put_object(Bucket=bucket, Key="warc.paths", Body=f"crawl/{WARC}\ncrawl/missing.warc.gz\n".encode())
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    results = [
        _cli("run", str(spec), "--out", str(tmp_path / "run"), "--input", f"s3://{bucket}/crawl/{WARC}"),
        _cli(
            "run",
            str(spec),
            "--out",
            str(tmp_path / "run2"),
            "--input",
            f"s3://{bucket}/crawl/missing.warc.gz",
        ),
        _cli(
            "fetch",
            f"s3://{bucket}/warc.paths",
            "--out",
            str(tmp_path / "f"),
            "--base-url",
            f"s3://{bucket}/",
        ),
    ]
    assert results[0].returncode == 0, results[0].stderr
    assert (tmp_path / "f" / "crawl" / WARC).is_file()
    _check(results, [tmp_path])
