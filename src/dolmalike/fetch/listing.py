"""Resolve a Common Crawl snapshot id or a `*.paths[.gz]` listing into object URLs."""

from __future__ import annotations

import gzip
import os
import posixpath
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.redact import refuse_userinfo
from dolmalike.fetch.remote import is_remote, local_path, read_bytes, scheme_of
from dolmalike.fetch.retry import Backoff

DEFAULT_BASE_URL = "https://data.commoncrawl.org/"
KINDS = ("warc", "wet", "wat")
SNAPSHOT_RE = re.compile(r"CC-MAIN-(\d{4})-(\d{2})")

# How each kind's files are named inside a segment, e.g. .../segments/S/warc/NAME.warc.gz
# and .../segments/S/wet/NAME.warc.wet.gz (Common Crawl's convention).
_SUFFIX = {"warc": ".warc.gz", "wet": ".warc.wet.gz", "wat": ".warc.wat.gz"}


def is_snapshot_id(source: str) -> bool:
    return SNAPSHOT_RE.fullmatch(source) is not None


def snapshot_listing_url(snapshot: str, kind: str = "warc", base_url: str = DEFAULT_BASE_URL) -> str:
    """`CC-MAIN-2024-22` -> `{base_url}crawl-data/CC-MAIN-2024-22/{kind}.paths.gz`."""
    _check_kind(kind)
    if not is_snapshot_id(snapshot):
        raise DolmalikeError(
            f"bad snapshot id {snapshot!r}: expected CC-MAIN-YYYY-WW (year and 2-digit week), e.g. CC-MAIN-2024-22"
        )
    return join_url(base_url, f"crawl-data/{snapshot}/{kind}.paths.gz")


def join_url(base_url: str, entry: str) -> str:
    """Join a listing entry to the base; absolute URLs and absolute paths are kept as they are."""
    if scheme_of(entry) or os.path.isabs(entry):
        return entry
    if not scheme_of(base_url):
        return os.path.join(base_url, entry)
    return base_url.rstrip("/") + "/" + entry.lstrip("/")


def parse_listing(data: bytes) -> list[str]:
    """Entries of a listing file: one path per line, gzip or plain, blank lines and #-comments skipped."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise DolmalikeError(f"listing is not valid gzip: {e}") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DolmalikeError(f"listing is not UTF-8 text (byte {e.start})") from e
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def kind_of_path(path: str) -> str | None:
    name = path.rsplit("/", 1)[-1]
    for kind in ("wet", "wat", "warc"):  # longest suffixes first: .warc.wet.gz also ends in .gz
        if name.endswith(_SUFFIX[kind]):
            return kind
    return None


def map_kind(path: str, kind: str) -> str:
    """Rewrite a CC path of one kind (warc/wet/wat) to the matching file of `kind`; others unchanged."""
    have = kind_of_path(path)
    if have is None or have == kind:
        return path
    head, _, name = path.rpartition("/")
    name = name[: -len(_SUFFIX[have])] + _SUFFIX[kind]
    if head.endswith("/" + have) or head == have:
        head = head[: -len(have)] + kind
    return f"{head}/{name}" if head or path.startswith("/") else name


def resolve_listing(
    source: str,
    kind: str = "warc",
    base_url: str = DEFAULT_BASE_URL,
    *,
    retries: int = 5,
    backoff: Backoff | None = None,
    s3_endpoint: str | None = None,
    s3_client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Full URLs (or paths) of the `kind` files named by `source`, in listing order.

    `source` is a snapshot id (`CC-MAIN-2024-22`, its listing fetched from `base_url`) or a local
    path / URL of a `warc.paths[.gz]`, `wet.paths[.gz]` listing. Relative entries are joined to
    `base_url`; entries of another kind are mapped by CC's naming convention (warc -> wet etc.)
    unless the listing names `kind` files itself (see select_kind).
    """
    _check_kind(kind)
    refuse_userinfo(source)
    refuse_userinfo(base_url)
    if is_snapshot_id(source):
        url = snapshot_listing_url(source, kind, base_url)
    elif is_remote(source) or scheme_of(source) == "file" or os.path.exists(source):
        url = source
    elif source.upper().startswith("CC-MAIN"):
        snapshot_listing_url(source, kind, base_url)  # raises the bad-snapshot-id message
        raise AssertionError("unreachable")
    else:
        raise DolmalikeError(
            f"listing not found: {source!r} (expected a snapshot id like CC-MAIN-2024-22, "
            "or a path/URL of a warc.paths[.gz] listing)"
        )
    if is_remote(url):
        data = read_bytes(
            url, retries=retries, backoff=backoff, s3_endpoint=s3_endpoint, s3_client=s3_client, sleep=sleep
        )
    else:
        path = local_path(url)
        if os.path.isdir(path):
            raise DolmalikeError(f"listing is a directory, expected a file: {path}")
        with open(path, "rb") as f:
            data = f.read()
    entries = parse_listing(data)
    if not entries:
        raise DolmalikeError(f"listing is empty: {url}")
    return [join_url(base_url, e) for e in select_kind(entries, kind)]


def select_kind(entries: list[str], kind: str) -> list[str]:
    """The listing's entries of `kind`, in order, each once.

    A listing of another kind (a wet.paths read with --kind warc) is mapped by CC's naming
    convention. A listing that already names `kind` files keeps only those: mapping its other
    entries too would turn `x.warc.wet.gz` into a second copy of `x.warc.gz`."""
    own = [e for e in entries if kind_of_path(e) in (kind, None)]
    chosen = own if any(kind_of_path(e) == kind for e in entries) else [map_kind(e, kind) for e in entries]
    return list(dict.fromkeys(chosen))


def relative_path(url: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """Where a fetched file goes below the output dir: its path relative to `base_url`, else its URL path.

    Rejects `..` components so a hostile listing cannot write outside the output directory.
    """
    scheme = scheme_of(url)
    prefix = base_url.rstrip("/") + "/"
    if base_url and url.startswith(prefix):
        rel = url[len(prefix) :]
    elif scheme in ("http", "https", "s3"):
        rel = unquote(urlsplit(url).path)
    elif scheme == "file" or not scheme:
        rel = os.path.basename(local_path(url))
    else:
        raise DolmalikeError(f"unsupported URL scheme {scheme!r} in {url!r}")
    rel = rel.lstrip("/")
    norm = posixpath.normpath(rel) if rel else ""
    if not norm or norm == "." or norm.startswith("../") or norm == ".." or "/../" in f"/{rel}/":
        raise DolmalikeError(f"cannot derive a safe output path from {url!r}")
    return norm


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise DolmalikeError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
