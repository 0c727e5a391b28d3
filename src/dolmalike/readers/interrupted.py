"""Reads that stopped for a reason a later run may not meet (a remote input whose retries ran out).

Such an error row is not a fact about the input, unlike a corrupt record: the records after it
were never seen. The reader flags the row (`metadata[INTERRUPTED]`), and the runner then leaves
the partition unfinished so that a rerun reads it again, and reports the loss.
"""

from __future__ import annotations

from dolmalike.core.document import Document
from dolmalike.fetch.retry import RetriesExhausted, TransientError

INTERRUPTED = "read_interrupted"


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, RetriesExhausted | TransientError)


def flag_if_transient(doc: Document, exc: BaseException) -> Document:
    """`doc` (the error row for `exc`), flagged when `exc` was transient."""
    if is_transient(exc):
        doc.metadata[INTERRUPTED] = True
    return doc


def is_interrupted(doc: Document) -> bool:
    return bool(doc.metadata.get(INTERRUPTED))
