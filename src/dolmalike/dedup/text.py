"""Text normalization shared by content hashing and shingling."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """NFKC, lowercase, whitespace runs collapsed to one space, stripped.

    Content dedup hashes this, so copies that differ only in case, Unicode compatibility
    forms or layout whitespace count as exact duplicates.
    """
    # str.split() breaks on exactly the characters regex \s matches in a str pattern (both use
    # str.isspace; checked over every code point in tests/dedup/test_text.py), without a regex pass
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def words(text: str) -> list[str]:
    """Word tokens of the normalized text; punctuation is dropped so that re-punctuated
    copies still share shingles."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())
