"""S3 client construction: endpoint override and unsigned access to public buckets."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.redact import redact, refuse_userinfo

ENDPOINT_ENV = "DOLMALIKE_S3_ENDPOINT"
# Common Crawl's bucket lives in us-east-1; a region is needed to build a client at all.
DEFAULT_REGION = "us-east-1"


def split_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/key` -> ("bucket", "some/key")."""
    refuse_userinfo(url)
    parts = urlsplit(url)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if parts.scheme != "s3" or not bucket or not key:
        raise DolmalikeError(f"not an s3 object URL: {redact(url)!r} (expected s3://BUCKET/KEY)")
    return bucket, key


# after ours, the standard variables of the AWS SDKs (service-specific first)
STANDARD_ENDPOINT_ENVS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")


def resolve_endpoint(endpoint: str | None = None) -> str | None:
    """Explicit argument first, then $DOLMALIKE_S3_ENDPOINT, $AWS_ENDPOINT_URL_S3,
    $AWS_ENDPOINT_URL; None means AWS itself."""
    if endpoint:
        return endpoint
    for var in (ENDPOINT_ENV, *STANDARD_ENDPOINT_ENVS):
        if os.environ.get(var):
            return os.environ[var]
    return None


def has_local_credentials() -> bool:
    """True when credentials come from env, config files or a profile.

    The instance-metadata and container providers are dropped before looking: probing them sends
    traffic to a link-local address and stalls for seconds on machines that are not on AWS.
    """
    import botocore.session

    session = botocore.session.get_session()
    resolver = session.get_component("credential_provider")
    for name in ("iam-role", "container-role"):
        if resolver.get_provider(name) is not None:
            resolver.remove(name)
    return resolver.load_credentials() is not None


def make_s3_client(
    endpoint: str | None = None,
    *,
    unsigned: bool | None = None,
    max_attempts: int = 1,
    connect_timeout: float = 10,
) -> Any:
    """A boto3 S3 client. `unsigned=None` means: sign only when local credentials exist.

    `max_attempts=1` suits callers with their own retry loop (fetch resumes and records each
    attempt); callers without one let botocore's standard mode retry throttling and 5xx."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    if unsigned is None:
        unsigned = not has_local_credentials()
    config = Config(
        signature_version=UNSIGNED if unsigned else None,
        retries={"max_attempts": max_attempts, "mode": "standard"},
        connect_timeout=connect_timeout,
        read_timeout=60,
    )
    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=resolve_endpoint(endpoint),
        region_name=session.region_name or DEFAULT_REGION,
        config=config,
    )
