"""RUN_DIRs and MIX_DIRs on S3: built in a local copy, published with receipt.json last.

S3 has no rename, so a directory tree cannot appear at once. A run (or mix) with `--out
s3://BUCKET/PREFIX` is therefore built in its local copy (dolmalike.io.cachedirs), where a killed
run resumes as any local run does, and then its outputs are published (everything but the
scratch folders work/, _done/ and logs/, which stay local: a run re-started from the bucket
alone rebuilds them, to the same bytes):

  1. receipt.json is deleted from the prefix (readers now see an unfinished directory);
  2. every other file whose MD5 differs from its object's ETag is uploaded;
  3. objects under the prefix that are no longer in the tree are deleted;
  4. receipt.json is uploaded last.

So a prefix is complete exactly when it holds receipt.json, and `verify` re-hashes what is
there. Readers (`sql`, `explain`, `trace`, `near-dups`, `verify`, and `mix` reading a RUN_DIR)
refuse a prefix without receipt.json, then bring the local copy up to date (only changed
objects are downloaded, each written atomically). Every call retries throttling and 5xx
answers (botocore's standard mode); the bucket is checked before any work starts, so a wrong
endpoint, bucket or credentials fails in one line with nothing written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.redact import redact
from dolmalike.fetch.s3 import make_s3_client, resolve_endpoint
from dolmalike.io.atomic import atomic_open, atomic_write_json
from dolmalike.io.cachedirs import is_s3_url, s3_cache_path, split_s3_dir

RECEIPT = "receipt.json"
INDEX = ".s3-index.json"  # rel path -> ETag of the object the local file was downloaded from
MAX_ATTEMPTS = 4  # botocore standard mode: 1 + 3 retries, backoff up to 1, 2, 4 s
_AUTH_CODES = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "403",
}


def safe_endpoint(endpoint: str | None) -> str:
    """The endpoint for messages, its userinfo redacted."""
    return redact(endpoint) if endpoint else "AWS S3"


class S3Dir:
    """One s3://BUCKET/PREFIX directory and its local copy."""

    def __init__(self, url: str, endpoint: str | None = None) -> None:
        self.bucket, self.prefix = split_s3_dir(url)
        self.url = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        self.endpoint = resolve_endpoint(endpoint)
        self.local = s3_cache_path(self.url)
        self._s3 = make_s3_client(self.endpoint, max_attempts=MAX_ATTEMPTS, connect_timeout=5)

    # -- errors ---------------------------------------------------------------------------
    def _fail(self, e: Exception, what: str) -> DolmalikeError:
        """One line naming the resource; never credentials (boto's messages hold none, and
        the endpoint is shown without userinfo)."""
        import botocore.exceptions as bx

        where = f"s3://{self.bucket}"
        if isinstance(e, bx.NoCredentialsError):
            return DolmalikeError(f"{where}: no AWS credentials found (needed to {what})")
        if isinstance(e, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
            return DolmalikeError(f"{where}: cannot reach S3 endpoint {safe_endpoint(self.endpoint)}")
        if isinstance(e, bx.ClientError):
            err = e.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchBucket", "404") and "Key" not in err:
                return DolmalikeError(f"{where}: no such bucket (at {safe_endpoint(self.endpoint)})")
            if code in _AUTH_CODES or status == 403:
                return DolmalikeError(f"{where}: access denied ({code or status}); check the AWS credentials")
            return DolmalikeError(f"{self.url}: cannot {what}: S3 {code or 'error'} (HTTP {status})")
        if isinstance(e, bx.BotoCoreError):
            return DolmalikeError(f"{self.url}: cannot {what}: {type(e).__name__}")
        raise e

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        import botocore.exceptions as bx

        try:
            return fn(**kwargs)
        except (bx.BotoCoreError, bx.ClientError) as e:
            raise self._fail(e, what) from None

    # -- listing ----------------------------------------------------------------------------
    def _key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def check(self) -> None:
        """The bucket exists and these credentials may list it (before any work is done)."""
        self._call("reach the bucket", self._s3.head_bucket, Bucket=self.bucket)
        self._call("list the bucket", self._s3.list_objects_v2, Bucket=self.bucket, MaxKeys=1)

    def objects(self) -> dict[str, tuple[str, int]]:
        """rel path -> (ETag without quotes, size) of every object under the prefix."""
        start = f"{self.prefix}/" if self.prefix else ""
        out: dict[str, tuple[str, int]] = {}
        token: dict[str, str] = {}
        while True:
            page = self._call(
                "list the prefix",
                self._s3.list_objects_v2,
                Bucket=self.bucket,
                Prefix=start,
                **token,
            )
            for obj in page.get("Contents", []):
                rel = obj["Key"][len(start) :]
                if rel and not rel.endswith("/") and not LOCAL_ONLY & set(rel.split("/")[:-1]):
                    out[rel] = (obj["ETag"].strip('"'), int(obj["Size"]))
            if not page.get("IsTruncated"):
                return out
            token = {"ContinuationToken": page["NextContinuationToken"]}

    # -- download ---------------------------------------------------------------------------
    def pull(self, *, require_receipt: bool = True) -> Path:
        """Bring the local copy up to date with the prefix; returns it."""
        self.check()
        remote = self.objects()
        if require_receipt and RECEIPT not in remote:
            if not remote:
                raise DolmalikeError(f"{self.url}: no such run or mix directory (the prefix is empty)")
            raise DolmalikeError(f"{self.url}: no {RECEIPT}: the run or mix was never published completely")
        index = self._read_index()
        for rel, (etag, size) in sorted(remote.items()):
            dest = self.local / rel
            if index.get(rel) == etag and dest.is_file() and dest.stat().st_size == size:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            resp = self._call(f"download {rel}", self._s3.get_object, Bucket=self.bucket, Key=self._key(rel))
            with atomic_open(dest) as f:
                for chunk in resp["Body"].iter_chunks(1 << 20):
                    f.write(chunk)
            index[rel] = etag
        for path in list(_files(self.local)):
            rel = path.relative_to(self.local).as_posix()
            if rel not in remote:
                path.unlink()
                index.pop(rel, None)
        self._write_index({k: v for k, v in index.items() if k in remote})
        return self.local

    def pull_if_absent(self) -> Path:
        """The local copy to resume a run or mix in: fetched from S3 when there is none yet."""
        self.check()
        if not (self.local.is_dir() and any(self.local.iterdir())):
            remote = self.objects()
            if remote:
                self.pull(require_receipt=False)
        self.local.mkdir(parents=True, exist_ok=True)
        return self.local

    # -- upload ----------------------------------------------------------------------------
    def push(self) -> int:
        """Publish the local copy (see the module doc for the order); returns files uploaded."""
        remote = self.objects()
        files = {p.relative_to(self.local).as_posix(): p for p in _files(self.local)}
        if RECEIPT not in files:
            raise DolmalikeError(f"{self.local}: no {RECEIPT}; nothing to publish to {self.url}")
        if RECEIPT in remote:
            self._call(
                "unpublish the old receipt",
                self._s3.delete_object,
                Bucket=self.bucket,
                Key=self._key(RECEIPT),
            )
        index = self._read_index()
        uploaded = 0
        for rel, path in sorted(files.items()):
            if rel == RECEIPT:
                continue
            md5 = _md5(path)
            if remote.get(rel, ("",))[0] != md5:
                self._put(rel, path)
                uploaded += 1
            index[rel] = md5
        for rel in sorted(set(remote) - set(files)):
            self._call(f"delete stale {rel}", self._s3.delete_object, Bucket=self.bucket, Key=self._key(rel))
        self._put(RECEIPT, files[RECEIPT])
        index[RECEIPT] = _md5(files[RECEIPT])
        self._write_index({k: v for k, v in index.items() if k in files})
        return uploaded + 1

    def _put(self, rel: str, path: Path) -> None:
        with open(path, "rb") as f:
            self._call(f"upload {rel}", self._s3.put_object, Bucket=self.bucket, Key=self._key(rel), Body=f)

    def _read_index(self) -> dict[str, str]:
        p = self.local / INDEX
        try:
            return dict(json.loads(p.read_text()))
        except (OSError, ValueError):
            return {}

    def _write_index(self, index: dict[str, str]) -> None:
        self.local.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.local / INDEX, index)


LOCAL_ONLY = frozenset({"work", "_done", "logs"})  # scratch, resume markers, executor logs


def _files(root: Path) -> Iterator[Path]:
    """Published files of a local copy: outputs, manifests, receipts; not the local-only
    folders, the index or temp files."""
    if not root.is_dir():
        return
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in LOCAL_ONLY)
        for name in sorted(names):
            if name == INDEX or (name.startswith(".") and name.endswith(".tmp")):
                continue
            yield Path(dirpath) / name


def _md5(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()


def local_dir(path: str, endpoint: str | None = None) -> Path:
    """A directory argument for reading: a local path as is, an s3:// URL as its updated local
    copy; a MIX_DIR on S3 brings the RUN_DIR it names (when that is on S3 too)."""
    if not is_s3_url(path):
        return Path(path)
    local = S3Dir(path, endpoint).pull()
    mix_json = local / "mix.json"
    if mix_json.is_file():
        run_dir = json.loads(mix_json.read_text()).get("run_dir")
        if run_dir and is_s3_url(run_dir):
            S3Dir(run_dir, endpoint).pull()
    return local


def list_s3_glob(pattern: str, endpoint: str | None = None) -> list[str]:
    """s3:// URLs of the objects matching a glob (`s3://bucket/crawl/*.warc.gz`): the bucket is
    listed under the pattern's literal prefix and keys are matched with fnmatch-style rules,
    `*` not crossing `/` (as a shell glob)."""
    import re

    bucket, key = pattern[len("s3://") :].split("/", 1) if "/" in pattern[5:] else (pattern[5:], "")
    literal = re.split(r"[*?\[]", key, maxsplit=1)[0]
    parent = literal.rsplit("/", 1)[0] if "/" in literal else ""
    d = S3Dir(f"s3://{bucket}/{parent}", endpoint)
    d.check()
    rx = re.compile(_glob_regex(key))
    keys = [parent + "/" + rel if parent else rel for rel in d.objects()]
    return sorted(f"s3://{bucket}/{k}" for k in keys if rx.fullmatch(k))


def _glob_regex(glob: str) -> str:
    import re

    out, i = [], 0
    while i < len(glob):
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = glob.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = glob[i + 1 : j]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)
