"""Shared fixtures: real data beside the checkout, and real servers on 127.0.0.1 (HTTP with fault
injection, moto's S3) — tests never mock the network layer."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Real public data shipped beside the checkout (../shared/data)."""
    path = (REPO.parent / "shared" / "data").resolve()
    assert path.is_dir(), f"expected shared data at {path}"
    return path


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """$DOLMALIKE_CACHE in a session temp dir: tests neither read nor fill the user's cache (the
    stored decontamination index, local copies of s3 run dirs); subprocesses inherit it."""
    path = tmp_path_factory.mktemp("dolmalike-cache")
    saved = os.environ.get("DOLMALIKE_CACHE")
    os.environ["DOLMALIKE_CACHE"] = str(path)
    yield path
    if saved is None:
        os.environ.pop("DOLMALIKE_CACHE", None)
    else:
        os.environ["DOLMALIKE_CACHE"] = saved


_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


class FileServer:
    """Serves files from `roots` (first match wins) with Range support and injected faults.

    - `fail_first[path] = K`: the first K requests for path get 503 (Retry-After: 0).
    - `fail_ranged[path] = K`: the next K requests for path that carry a Range header get 503.
    - `drop_once.add(path)`: the next request for path sends its headers and half of its body, then closes.
    - a path found in no root is a 404.
    Every request is logged as (path, Range header or None, status).
    """

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.fail_first: dict[str, int] = {}
        self.fail_ranged: dict[str, int] = {}
        self.drop_once: set[str] = set()
        self.log: list[tuple[str, str | None, int]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def requests_for(self, path: str) -> list[tuple[str | None, int]]:
        with self._lock:
            return [(rng, status) for p, rng, status in self.log if p == path]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _find(self, rel: str) -> Path | None:
        for root in self.roots:
            p = (root / rel).resolve()
            if p.is_file() and p.is_relative_to(root.resolve()):
                return p
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _record(self, rel: str, status: int) -> None:
                with server._lock:
                    server.log.append((rel, self.headers.get("Range"), status))

            def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_HEAD(self) -> None:  # size probes (OLMo-core's get_file_size); no faults injected
                rel = unquote(urlsplit(self.path).path).lstrip("/")
                path = server._find(rel)
                self._record(rel, 404 if path is None else 200)
                if path is None:
                    return self._empty(404)
                self.send_response(200)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(path.stat().st_size))
                self.end_headers()

            def do_GET(self) -> None:
                rel = unquote(urlsplit(self.path).path).lstrip("/")
                with server._lock:
                    fail = server.fail_first.get(rel, 0)
                    if fail:
                        server.fail_first[rel] = fail - 1
                    elif self.headers.get("Range") and server.fail_ranged.get(rel, 0):
                        server.fail_ranged[rel] -= 1
                        fail = 1
                    drop = not fail and rel in server.drop_once
                    if drop:
                        server.drop_once.discard(rel)
                if fail:
                    self._record(rel, 503)
                    return self._empty(503, {"Retry-After": "0"})
                path = server._find(rel)
                if path is None:
                    self._record(rel, 404)
                    return self._empty(404)
                data = path.read_bytes()
                size, status, start = len(data), 200, 0
                m = _RANGE.fullmatch(self.headers.get("Range", ""))
                if m:
                    start = int(m[1])
                    end = min(int(m[2]) + 1, size) if m[2] else size
                    if start >= size:
                        self._record(rel, 416)
                        return self._empty(416, {"Content-Range": f"bytes */{size}"})
                    data, status = data[start:end], 206
                self._record(rel, status)
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(data)))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{start + len(data) - 1}/{size}")
                self.end_headers()
                if drop:
                    # Promise the whole body, deliver half, hang up: the client must resume with Range.
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

        return Handler


@pytest.fixture
def www(tmp_path: Path) -> Path:
    """Extra files served before the shared ones (listings made by a test)."""
    d = tmp_path / "www"
    d.mkdir()
    return d


@pytest.fixture
def http_server(www: Path, shared_data: Path) -> Iterator[FileServer]:
    srv = FileServer([www, shared_data / "commoncrawl", shared_data / "warc_other"])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    yield f"http://{host}:{port}"
    srv.stop()


def _isolate_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in list(os.environ):
        if var.startswith("AWS_") or var == "DOLMALIKE_S3_ENDPOINT":
            monkeypatch.delenv(var)
    # No config/credential files from the machine; no instance-metadata lookups.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def aws_no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _isolate_aws_env(monkeypatch, tmp_path)


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_endpoint: str) -> str:
    """Dummy credentials and DOLMALIKE_S3_ENDPOINT pointing at the moto server; returns the endpoint."""
    _isolate_aws_env(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("DOLMALIKE_S3_ENDPOINT", moto_endpoint)
    return moto_endpoint


@pytest.fixture
def bucket(s3_env: str, request: pytest.FixtureRequest) -> str:
    """A fresh bucket per test (the moto server lives for the whole session)."""
    import boto3

    name = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:50].strip("-") or "bucket"
    boto3.client("s3", endpoint_url=s3_env).create_bucket(Bucket=name)
    return name


class S3FaultProxy:
    """A reverse proxy on 127.0.0.1 in front of the moto server that answers chosen requests with
    503 SlowDown (what S3 sends when throttling), to exercise the clients' retries.

    - `fail[(METHOD, key_suffix)] = K`: the next K such requests get 503 before one gets through.
    Every request is logged as (METHOD, path, status).
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.fail: dict[tuple[str, str], int] = {}
        self.log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def injected(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(m, p) for m, p, status in self.log if status == 503]

    def _should_fail(self, method: str, path: str) -> bool:
        with self._lock:
            for (m, suffix), left in self.fail.items():
                if left and m == method and path.split("?")[0].endswith(suffix):
                    self.fail[(m, suffix)] = left - 1
                    return True
        return False

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        import http.client

        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy._should_fail(self.command, self.path):
                    payload = b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>"
                    with proxy._lock:
                        proxy.log.append((self.command, self.path, 503))
                    self.send_response(503)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                up = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
                up.request(self.command, self.path, body=body, headers=headers)
                resp = up.getresponse()
                data = resp.read()
                with proxy._lock:
                    proxy.log.append((self.command, self.path, resp.status))
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                up.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def s3_proxy(moto_endpoint: str) -> Iterator[S3FaultProxy]:
    """A fault-injecting proxy in front of moto (point clients at `s3_proxy.url`)."""
    proxy = S3FaultProxy(moto_endpoint)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def network_namespace() -> None:
    """Skips unless the namespaced test clusters (scripts/with_ray.sh, with_slurm.sh) can run."""
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("private network namespaces (unshare --net) need root")
    if subprocess.run(["unshare", "--net", "--uts", "true"], capture_output=True).returncode != 0:
        pytest.skip("this machine does not allow `unshare --net --uts` (no private network namespace)")


@pytest.fixture(scope="session")
def ray_cluster(network_namespace):
    """Run a command on a fresh private two-node Ray cluster: `ray_cluster(state_dir, argv)`.

    scripts/with_ray.sh starts a head and a worker (`ray start`, 1 CPU each, separate process
    groups) inside a network namespace, sets RAY_ADDRESS and RAY_WORKER_PGID for the command
    and stops both nodes afterwards; the command's CompletedProcess is returned."""
    import shutil
    import subprocess
    import sys

    bin_dir = str(Path(sys.executable).parent)
    assert shutil.which("ray", path=bin_dir), f"no `ray` beside {sys.executable}: ray is in the train extra"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}

    def run(state: Path, argv: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
        cmd = [str(REPO / "scripts" / "with_ray.sh"), str(state), "--", *argv]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)

    return run
