"""TaggerSet: a list of taggers applied batch by batch (used by the `tag` stage and by `dolmalike tag`).

Each tagger gets the whole batch (through `predict_batch` when it has one: fastText models,
and the heuristic taggers that share numpy work across a batch), while text_utils keeps one
view per document of the batch, so the splits of a document (lower-cased text, bad-word
hits) and the batch's arrays (chars: code points, classes, lines; token_batch: word
tokens) are computed once and shared by all.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.taggers.base import Tagger
from dolmalike.taggers.text_utils import pinned


def batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic GC off while a batch is tagged: the taggers build tens of thousands of rows,
    lists and dicts that hold no cycles, and every collection they trigger would walk them
    again (~1.5% of tagging); what a batch leaves behind is collected once it is enabled again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class TaggerSet:
    """A list of taggers with their schemas, applied batch by batch."""

    def __init__(self, taggers: Sequence[Tagger]) -> None:
        self.taggers = list(taggers)
        self.schemas = {t.name: t.schema() for t in self.taggers}
        self._columns = {name: set(s.names) - {"doc_id"} for name, s in self.schemas.items()}

    def predict(self, batch: list[Document]) -> dict[str, list[dict[str, Any]]]:
        """tagger name -> one row per document of the batch, in order."""
        rows: dict[str, list[dict[str, Any]]] = {}
        with pinned([d.text for d in batch]), _gc_paused():
            for t in self.taggers:
                rows[t.name] = t.predict_batch(batch)
                if "language" in self._columns[t.name]:
                    # A language tagger informs the taggers after it in the same stage (e.g.
                    # badwords_v1 picks its list by doc.metadata["language"]); a language the
                    # reader already knew (WET headers) is kept.
                    for doc, row in zip(batch, rows[t.name]):
                        if row.get("language"):
                            doc.metadata.setdefault("language", row["language"])
        for name, out in rows.items():
            if len(out) != len(batch):
                raise DolmalikeError(f"tagger {name!r} returned {len(out)} rows for {len(batch)} documents")
            for row in out:
                if row.keys() != self._columns[name]:
                    self._bad_row(name, row)
        return rows

    def _bad_row(self, name: str, row: dict[str, Any]) -> None:
        missing = sorted(self._columns[name] - row.keys())
        extra = sorted(row.keys() - self._columns[name])
        raise DolmalikeError(
            f"tagger {name!r}: predict() keys do not match schema() (missing: {missing or '-'}; "
            f"not in schema: {extra or '-'})"
        )
