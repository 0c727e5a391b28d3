"""Stage, Filter and the lineage context they report decisions through.

A stage is a small class with a `name` and a `run(docs, ctx)` generator. It never writes
lineage itself: it reports decisions to `ctx`, and the runner writes them to `decisions/`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from dolmalike.core.decision import Decision
from dolmalike.core.document import Document


@dataclass
class StageContext:
    """Collects decisions and per-stage counters for one partition."""

    partition: str
    seed: int = 0
    decisions: list[Decision] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    # tagger name -> (schema, rows); rows are dicts with doc_id plus the tagger's columns
    attributes: dict[str, tuple[pa.Schema, list[dict[str, Any]]]] = field(default_factory=dict)
    # doc_id -> length of its text at its latest decision: what a dropped document measured
    n_chars: dict[str, int] = field(default_factory=dict)

    def decide(
        self,
        doc: Document,
        stage: str,
        decision: str,
        reason: str | None = None,
        score: float | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.decisions.append(Decision(doc.doc_id, stage, decision, reason, score, detail))
        self.n_chars[doc.doc_id] = len(doc.text)
        self.stats[f"{stage}.{decision}"] += 1

    def tag(self, tagger: str, schema: pa.Schema, doc_id: str, attrs: dict[str, Any]) -> None:
        """Record a tagger's attributes for one document; the runner writes them per partition."""
        if tagger not in self.attributes:
            self.attributes[tagger] = (schema, [])
        self.attributes[tagger][1].append({"doc_id": doc_id, **attrs})
        self.stats[f"{tagger}.tagged"] += 1


class Stage:
    """Base for streaming stages. Subclasses set `name` and implement `run`."""

    name: ClassVar[str] = "stage"
    # The Arrow type of this stage's decision details (a struct, fixed per stage) so that its
    # decisions table is typed; None: no detail, or free-form details stored as JSON text.
    detail_type: ClassVar[pa.DataType | None] = None

    def run(self, docs: Iterable[Document], ctx: StageContext) -> Iterator[Document]:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """Parameters that define this stage's output; hashed into the receipt."""
        return {}


class Filter(Stage):
    """A stage that keeps or drops. Subclasses only write `keep`."""

    def keep(self, doc: Document) -> str | None:
        """Return None to keep the document, or the reason it is dropped."""
        raise NotImplementedError

    def run(self, docs: Iterable[Document], ctx: StageContext) -> Iterator[Document]:
        for doc in docs:
            reason = self.keep(doc)
            if reason is None:
                ctx.decide(doc, self.name, "kept")
                yield doc
            else:
                ctx.decide(doc, self.name, "dropped", reason)
