"""Where local copies of remote directories live: $DOLMALIKE_CACHE, else ~/.cache/dolmalike.

An s3:// RUN_DIR or MIX_DIR is worked on (and read) through one local copy per URL, at
CACHE/s3/BUCKET/PREFIX, so a run on S3 resumes from its local copy and a MIX_DIR on S3 can name
its RUN_DIR by URL while its queries still find the RUN_DIR's manifests.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.redact import redact, refuse_userinfo

CACHE_ENV = "DOLMALIKE_CACHE"


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dolmalike")


def is_s3_url(path: str | os.PathLike[str]) -> bool:
    return str(path).startswith("s3://")


def split_s3_dir(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix/` -> ("bucket", "some/prefix"); the prefix may be empty."""
    refuse_userinfo(url)
    parts = urlsplit(url)
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if parts.scheme != "s3" or not bucket or "@" in bucket or parts.query or parts.fragment:
        raise DolmalikeError(f"not an s3 directory URL: {redact(url)!r} (expected s3://BUCKET/PREFIX)")
    if any(seg in (".", "..") for seg in prefix.split("/")):
        raise DolmalikeError(f"s3 directory URL may not contain '.' or '..' segments: {redact(url)!r}")
    return bucket, prefix


def s3_cache_path(url: str) -> Path:
    """The local copy of the s3:// directory `url`."""
    bucket, prefix = split_s3_dir(url)
    return cache_root() / "s3" / bucket / prefix if prefix else cache_root() / "s3" / bucket / "_root"
