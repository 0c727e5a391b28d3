"""`tag` stage: run taggers inside a pipeline. It never drops or changes a document; the
attributes go to RUN_DIR/manifests/attributes/<tagger>/ through the stage context.

Spec: `- tag: {taggers: [gopher_quality_v1, {c4_v1: {preset: tfds}}], plugins: [taggers]}`
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.stages.base import Stage, StageContext
from dolmalike.taggers.apply import TaggerSet, batches
from dolmalike.taggers.registry import DEFAULT_PLUGIN_DIR, build_taggers


class TagStage(Stage):
    name = "tag"

    def __init__(
        self,
        taggers: Iterable[str | Mapping[str, Any]],
        plugins: Iterable[str] = (str(DEFAULT_PLUGIN_DIR),),
        batch_size: int = 256,
    ) -> None:
        plugins = [str(d) for d in plugins]
        missing = [d for d in plugins if d != str(DEFAULT_PLUGIN_DIR) and not Path(d).is_dir()]
        if missing:  # only the default ./taggers may be absent
            raise DolmalikeError(f"tag: plugin directory not found: {missing[0]}")
        self.batch_size = batch_size
        self.taggers = TaggerSet(build_taggers(list(taggers), plugins))

    def run(self, docs: Iterable[Document], ctx: StageContext) -> Iterator[Document]:
        yield from tag_documents(docs, self.taggers, ctx, self.batch_size)

    def attribute_schemas(self) -> dict[str, pa.Schema]:
        """Schemas of the attribute tables this stage writes (for empty partitions too)."""
        return dict(self.taggers.schemas)

    def config(self) -> dict[str, Any]:
        return {"taggers": [{"name": t.name, "config": t.config()} for t in self.taggers.taggers]}


def tag_documents(
    docs: Iterable[Document], taggers: TaggerSet, ctx: StageContext, batch_size: int = 256
) -> Iterator[Document]:
    """Yield every document unchanged, recording each tagger's attributes through `ctx`."""
    for batch in batches(docs, batch_size):
        for name, rows in taggers.predict(batch).items():
            schema = taggers.schemas[name]
            for doc, row in zip(batch, rows):
                ctx.tag(name, schema, doc.doc_id, row)
        yield from batch
