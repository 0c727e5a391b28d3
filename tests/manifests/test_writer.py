"""Typed decision parts: each stage's part has its declared detail type, and the `decisions` view
unions them all with `detail` rendered as JSON text."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dolmalike.core.decision import Decision
from dolmalike.manifests import query
from dolmalike.manifests.layout import RunLayout
from dolmalike.manifests.query import connect
from dolmalike.manifests.writer import decisions_path, write_decisions, write_stage_decisions

DETAIL = pa.struct(
    [("rules", pa.struct([("policy", pa.int64()), ("citation", pa.int64())])), ("line", pa.int64())]
)


def test_stage_parts_are_typed_and_the_view_renders_json(tmp_path) -> None:
    layout = RunLayout.of(tmp_path)
    (layout.manifests / "documents").mkdir(parents=True)
    decisions = [
        Decision("a", "read", "renamed", "same id as b", detail={"note": [1, 2]}),
        Decision("a", "clean", "modified", None, 0.5, {"rules": {"policy": 3}}),
        Decision("b", "clean", "dropped", "x", None, {"rules": {}, "line": 0}),
        Decision("b", "free", "kept", detail={"anything": {"goes": True}}),
        Decision("c", "clean", "kept"),
    ]
    types = {"clean": DETAIL, "free": None, "quiet": DETAIL}
    write_stage_decisions(layout, "stream", 0, "p", decisions, types)
    write_decisions(
        layout, "dedup", 1, "p", [Decision("a", "dedup", "kept", detail={"rules": {"citation": 1}})], DETAIL
    )
    clean = pq.read_table(decisions_path(layout, "stream", "p", "clean"))
    assert clean.schema.field("detail").type == DETAIL
    assert clean["seq"].to_pylist() == [1, 2, 4]  # positions among all the partition's decisions
    assert pq.read_schema(decisions_path(layout, "stream", "p", "free")).field("detail").type == pa.string()
    quiet = pq.read_table(decisions_path(layout, "stream", "p", "quiet"))  # decided nothing: still a part
    assert quiet.num_rows == 0 and quiet.schema.field("detail").type == DETAIL
    rows = (
        connect(tmp_path).execute("SELECT stage, seq, detail FROM decisions ORDER BY phase, seq").fetchall()
    )
    got = [(s, q, None if d is None else json.loads(d)) for s, q, d in rows]
    assert got == [
        ("read", 0, {"note": [1, 2]}),
        ("clean", 1, {"rules": {"policy": 3}}),  # null struct fields are left out
        ("clean", 2, {"rules": {}, "line": 0}),
        ("free", 3, {"anything": {"goes": True}}),
        ("clean", 4, None),
        ("dedup", 0, {"rules": {"citation": 1}}),
    ]


def test_a_detail_key_the_type_does_not_declare_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"detail keys \['extra'\] not in its detail_type"):
        write_decisions(
            RunLayout.of(tmp_path), "s", 1, "p", [Decision("a", "s", "kept", detail={"extra": 1})], DETAIL
        )


def test_the_view_reads_one_footer_per_stage_folder_not_per_partition(tmp_path, monkeypatch) -> None:
    layout = RunLayout.of(tmp_path)
    (layout.manifests / "documents").mkdir(parents=True)
    types = {"clean": DETAIL, "free": None}
    partitions = [f"p{i:02d}" for i in range(12)]
    for p in partitions:
        decisions = [
            Decision(f"{p}-a", "clean", "kept", detail={"line": 1}),
            Decision(f"{p}-b", "free", "kept"),
        ]
        write_stage_decisions(layout, "stream", 0, p, decisions, types)
        write_decisions(layout, "dedup", 1, p, [Decision(f"{p}-a", "dedup", "kept")], DETAIL)
    reads = []
    real = query.pq.read_schema
    monkeypatch.setattr(query.pq, "read_schema", lambda f, *a, **k: reads.append(f) or real(f, *a, **k))
    con = connect(tmp_path)
    assert len(reads) == 3  # stream/clean, stream/free, dedup: whatever the partition count
    got = con.execute(
        "SELECT stage, count(*), count(DISTINCT partition) FROM decisions GROUP BY 1 ORDER BY 1"
    )
    assert got.fetchall() == [("clean", 12, 12), ("dedup", 12, 12), ("free", 12, 12)]
    (detail,) = con.execute(
        "SELECT detail FROM decisions WHERE doc_id = 'p03-a' AND stage = 'clean'"
    ).fetchone()
    assert json.loads(detail) == {"line": 1}
