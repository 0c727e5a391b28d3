import pyarrow.parquet as pq

from dolmalike.core.decision import Decision
from dolmalike.core.document import Document
from dolmalike.dedup.paragraph_tasks import ATTRIBUTE_SCHEMA
from dolmalike.dedup.steps import ParagraphDedup
from dolmalike.exec.executor import ExecConfig
from dolmalike.io.docstore import write_docs
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.writer import write_decisions


def _docs(partition, texts):
    return [
        Document(doc_id=f"{partition}-{k}", text=t, partition=partition, ordinal=k)
        for k, t in enumerate(texts)
    ]


def test_first_occurrence_in_partition_then_ordinal_order_is_kept(tmp_path):
    layout = RunLayout.of(tmp_path)
    # written in reverse name order: the pass must still go a-part, then b-part
    write_docs(layout.doc_part("b-part"), _docs("b-part", ["Menu\nShared line\nOwn b text"]))
    write_docs(
        layout.doc_part("a-part"),
        _docs(
            "a-part",
            ["Menu\nFirst story\n\nMenu\n", "Shared line\nSecond story", "dropped earlier\nOwn b text"],
        ),
    )
    write_docs(layout.doc_part("c-empty"), [])
    # a doc dropped by an earlier global step is invisible to this one
    write_decisions(layout, "url_dedup", 1, "a-part", [Decision("a-part-2", "url_dedup", "dropped", "x")])
    ParagraphDedup().run(layout, ["b-part", "a-part", "c-empty"], 2, ExecConfig())
    attrs = layout.attributes_dir("dup_paragraphs_v1")
    a = pq.read_table(attrs / "a-part.parquet")
    b = pq.read_table(attrs / "b-part.parquet").to_pylist()
    assert a.schema.names == ["doc_id", *ATTRIBUTE_SCHEMA.names]
    a = a.to_pylist()
    assert [r["doc_id"] for r in a] == ["a-part-0", "a-part-1"]
    # "Menu" repeats inside the first doc: its second copy (chars 18-23, "Menu\n") is the duplicate
    assert a[0]["dup_paragraph_spans"] == [{"start": 18, "end": 23, "score": 1.0}]
    assert a[0]["n_paragraphs"] == 3 and abs(a[0]["dup_paragraph_fraction"] - 1 / 3) < 1e-12
    assert a[0]["dup_char_fraction"] == 5 / 23
    assert a[1]["dup_paragraph_spans"] == []
    # b-part comes after a-part: Menu and Shared line are duplicates; "Own b text" is new since
    # the only earlier copy was in a dropped document
    assert b[0]["dup_paragraph_spans"] == [
        {"start": 0, "end": 5, "score": 1.0},
        {"start": 5, "end": 17, "score": 1.0},
    ]
    assert pq.read_table(attrs / "c-empty.parquet").num_rows == 0
