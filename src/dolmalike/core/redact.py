"""Credentials never leave the process: URL userinfo is redacted wherever a URL is stored or shown.

`redact` turns `scheme://user:password@host/path` into the stable `scheme://***@host/path`
(stable, so lineage still tells two inputs apart and a rerun records the same string) inside any
text: a URL, an error message, a traceback. Manifests, receipts, spec copies, work records, logs,
progress and error output all pass URLs through it.
"""

from __future__ import annotations

import re

from dolmalike.core.errors import DolmalikeError

# scheme://userinfo@ — userinfo runs to the last "@" before the path, query, fragment or whitespace.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s'\"<>]*@")

REDACTED = "***"


def redact(text: str) -> str:
    """`text` with the userinfo of every URL in it replaced by `***`."""
    return _USERINFO.sub(rf"\g<scheme>{REDACTED}@", text)


def has_userinfo(url: str) -> bool:
    return _USERINFO.match(url) is not None


def refuse_userinfo(url: str) -> None:
    """S3 credentials come only from the environment / AWS config, never from a URL (where they
    would end up in listings, manifests and shell history)."""
    if url.startswith("s3://") and has_userinfo(url):
        raise DolmalikeError(
            f"{redact(url)}: credentials in s3:// URLs are not used; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE / ~/.aws/credentials) instead"
        )
