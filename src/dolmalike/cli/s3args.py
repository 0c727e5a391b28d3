"""`--s3-endpoint` and s3:// directory arguments, shared by the commands that take a DIR."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_s3_endpoint_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--s3-endpoint",
        metavar="URL",
        help="S3-compatible endpoint for s3:// paths (default: $DOLMALIKE_S3_ENDPOINT, $AWS_ENDPOINT_URL_S3, "
        "$AWS_ENDPOINT_URL, else AWS)",
    )


def readable_dir(path: str, endpoint: str | None) -> str:
    """A DIR argument to read: local as is; s3://BUCKET/PREFIX as its up-to-date local copy."""
    from dolmalike.fetch.s3dir import local_dir
    from dolmalike.io.cachedirs import is_s3_url

    return str(local_dir(path, endpoint)) if is_s3_url(path) else path


def shown(text: str, local: Path, url: str) -> str:
    """`text` with the local copy's path replaced by the s3:// URL the user gave."""
    return text.replace(str(local), url)
