"""A TaggerSet batch gives every tagger the same rows as tagging each document alone."""

import gc

import pyarrow as pa
import pytest

from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.taggers.apply import TaggerSet
from dolmalike.taggers.base import Tagger
from dolmalike.taggers.registry import build_taggers

NAMES = ["c4_v1", "gopher_quality_v1", "gopher_repetition_v1", "pii_v1", "badwords_v1"]


def test_batch_rows_equal_single_document_rows(real_texts) -> None:
    docs = [Document(doc_id=str(i), text=t) for i, t in enumerate(real_texts[::5])]
    docs[3].metadata["language"] = "de"
    tagger_set = TaggerSet(build_taggers(NAMES, plugin_dirs=()))
    batched = tagger_set.predict(docs)
    assert list(batched) == NAMES
    for t in tagger_set.taggers:
        assert batched[t.name] == [t.predict(d) for d in docs], t.name


def test_degenerate_batches() -> None:
    tagger_set = TaggerSet(build_taggers(NAMES, plugin_dirs=()))
    for texts in ([], [""], ["", "  ", "\n"], ["a"], ["x" * 5000 + "\n\n\n" + "y", "", "a b c."]):
        docs = [Document(doc_id=str(i), text=t) for i, t in enumerate(texts)]
        batched = tagger_set.predict(docs)
        for t in tagger_set.taggers:
            assert batched[t.name] == [t.predict(d) for d in docs], (t.name, texts)


def test_the_gc_is_paused_during_a_batch_and_restored_after() -> None:
    seen: list[bool] = []

    class Probe(Tagger):
        name = "probe"

        def schema(self) -> pa.Schema:
            return pa.schema([("x", pa.int64())])

        def predict(self, doc: Document) -> dict:
            seen.append(gc.isenabled())
            return {"x": 1} if doc.text else {"y": 1}  # an empty text: a row that breaks the schema

    tagger_set = TaggerSet([Probe()])
    assert gc.isenabled()
    tagger_set.predict([Document(doc_id="a", text="a")])
    assert seen == [False] and gc.isenabled()
    with pytest.raises(DolmalikeError, match="do not match schema"):
        tagger_set.predict([Document(doc_id="b", text="")])
    assert gc.isenabled()  # restored after a failing batch too
    gc.disable()
    try:
        tagger_set.predict([Document(doc_id="c", text="c")])
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
