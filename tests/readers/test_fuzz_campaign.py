"""Fuzz campaign: deterministic corruptions of the real WARC/WET samples (see fuzz_cases.py),
read through the reader API and, for a handful, through a real `dolmalike run` subprocess.

For every case: one row per record warcio finds (kept, or error where the damage is), one
error row per run of junk, each error a single line naming `file@offset` at that row's own
offset, unique doc_ids, no exception and no hang. A hypothesis layer then builds files from
any sequence of real records (repeats included), with junk between them and the last one cut
anywhere, and checks the same accounting.

`python tests/readers/test_fuzz_campaign.py` prints the campaign as a table.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import pytest
from fuzz_cases import (
    DAMAGED,
    INTACT,
    JUNK,
    MAYBE,
    Case,
    Piece,
    Record,
    build_cases,
    header_len,
    load_records,
)
from fuzz_cases import write_big_record_warc as write_big_warc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readers_helpers import warcio_inputs, warcio_records

from dolmalike.core.document import Document
from dolmalike.readers.dispatch import open_reader

CASE_TIMEOUT_S = 60  # generous: each case reads in milliseconds; only a hang gets near it
REPO = Path(__file__).resolve().parents[2]
SUBPROCESS_CASES = (
    "cc-gz-cut-mid-member",
    "cc-gz-garbage-between",
    "cc-raw-content-length-short",
    "cc-charset-unknown",
    "cc-non-utf8-bytes",
    "plain-text-named-warc-gz",
    "cc-duplicate-record-id",
    "cc-missing-target-uri",
)


def read_in_time(path: Path, partition: str = "p") -> list[Document]:
    """All Documents of `path`; fails (instead of hanging the suite) if reading never ends."""
    out: dict[str, object] = {}

    def work() -> None:
        try:
            out["docs"] = list(open_reader(str(path), partition))
        except BaseException as e:  # noqa: BLE001 - reported as the test failure below
            out["exc"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(CASE_TIMEOUT_S)
    assert not t.is_alive(), f"{path}: still reading after {CASE_TIMEOUT_S}s"
    assert "exc" not in out, f"{path}: the reader raised {out.get('exc')!r}"
    return out["docs"]  # type: ignore[return-value]


def check_rows(path: Path, expected: list[tuple[int, str, Record | None]], docs: list[Document]) -> None:
    one_line = re.compile(rf"^{re.escape(str(path))}@(\d+): [^\r\n]+$")
    for d in docs:
        if d.error is not None:
            m = one_line.match(d.error)
            assert m, f"not a one-line path@offset error: {d.error!r}"
            assert int(m[1]) == d.warc_offset, d.error
    got = [(d.warc_offset, d.error is not None) for d in docs]
    assert len(docs) == len(expected), f"{len(docs)} rows for {len(expected)} expected: {got}"
    for (offset, fate, record), doc in zip(expected, docs, strict=True):
        assert doc.warc_offset == offset, (offset, fate, got)
        kept = doc.error is None and record is not None and doc.warc_record_id == record.record_id
        if fate == INTACT:
            assert kept, (offset, doc.error)
        elif fate in (DAMAGED, JUNK):
            assert doc.error is not None, (offset, fate)
        else:
            assert fate == MAYBE and (kept or doc.error is not None)
    assert len({d.doc_id for d in docs}) == len(docs), "doc_ids are not unique"
    assert [d.ordinal for d in docs] == list(range(len(docs)))


@pytest.fixture(scope="module")
def cases(shared_data: Path) -> list[Case]:
    return build_cases(shared_data)


def test_campaign_covers_every_family_with_over_50_cases(cases: list[Case]) -> None:
    assert len(cases) >= 60 and len({c.name for c in cases}) == len(cases)
    families = {c.family for c in cases}
    assert families >= {
        "truncation",
        "bit flip",
        "garbage",
        "content-length",
        "charset",
        "empty",
        "not a WARC",
        "zero-member gzip",
        "duplicate ids",
        "missing URI",
    }
    assert set(SUBPROCESS_CASES) <= {c.name for c in cases}


def test_every_case_is_accounted_for(cases: list[Case], tmp_path: Path) -> None:
    for case in cases:
        path = tmp_path / case.filename
        path.write_bytes(case.data)
        expected = list(case.expected())
        if all(p.fate == INTACT for p in case.pieces):
            # a valid WARC: warcio reads the corrupted file itself, and finds the same input records
            # (ids only: warcio counts an empty gzip member as the start of the record after it)
            assert [rid for _, _, rid in warcio_inputs(path)] == [
                rec.record_id for _, _, rec in expected if rec is not None
            ], case.name
        try:
            check_rows(path, expected, read_in_time(path))
        except AssertionError as e:
            raise AssertionError(f"case {case.name}: {e}") from e


def test_a_50_mb_record_is_streamed_past_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "big.warc.gz"
    write_big_warc(path)
    found = warcio_records(path)
    tracemalloc.start()
    try:
        docs = read_in_time(path, "big")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [d.warc_offset for d in docs] == [off for _, off, _ in found]
    assert [d.error is None for d in docs] == [True, False, True]
    assert re.fullmatch(
        rf"{re.escape(str(path))}@{found[1][1]}: record exceeds max_record_bytes \(52428\d+ > 20971520\)",
        docs[1].error,
    )
    assert docs[1].url == "http://big.example/1" and docs[1].warc_record_id == found[1][2]
    assert len(docs[0].html) == len(docs[2].html) == 5000
    assert peak < 8 * 2**20  # the 50 MB body was streamed past, never materialised in Python


def test_a_real_run_over_corrupted_inputs(cases: list[Case], tmp_path: Path) -> None:
    """Through the CLI, as a user would: exit 0, no traceback, and per input file
    kept + dropped + error equal to the rows the campaign expects, errors naming file@offset.
    One run per case: the cases are damaged copies of one WARC, so together they would repeat
    records across inputs, which a run refuses (tests/runner/test_cross_input_ids.py)."""
    from dolmalike.manifests.query import connect

    chosen = [c for c in cases if c.name in SUBPROCESS_CASES]
    spec = tmp_path / "read.yaml"
    spec.write_text(
        "name: fuzz\ninputs: []\nstages:\n  - extract: {extractor: resiliparse}\n  - c4_clean: {}\n"
    )
    for case in chosen:
        inputs = tmp_path / case.name / "in"
        inputs.mkdir(parents=True)
        path = str(inputs / case.filename)
        Path(path).write_bytes(case.data)
        run_dir = tmp_path / case.name / "run"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "dolmalike.cli.main",
                "run",
                str(spec),
                "--out",
                str(run_dir),
                "--input",
                path,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, (case.name, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr + proc.stdout
        con = connect(run_dir)
        rows = con.execute(
            "SELECT status, stage, reason, warc_offset FROM documents WHERE warc_path = ? ORDER BY ordinal",
            [path],
        ).fetchall()
        con.close()
        expected = list(case.expected())
        assert len(rows) == len(expected), case.name  # kept + dropped + error
        assert all(status in ("kept", "dropped", "error") for status, *_ in rows)
        errors = [(stage, reason, off) for status, stage, reason, off in rows if status == "error"]
        assert all(reason.startswith(f"{path}@{off}: ") and "\n" not in reason for _, reason, off in errors)
        # the reader's errors are exactly the damage; a later stage may still reject an intact page
        # (e.g. extract: an unknown charset), with its own file@offset row
        read_errors = [off for stage, _, off in errors if stage == "read"]
        damage = [off for off, fate, _ in expected if fate in (DAMAGED, JUNK)]
        assert read_errors == damage, (case.name, errors)


# -- property-based layer over record boundaries -------------------------------------------


@functools.cache
def pool() -> list[Record]:
    """Real records of every kind: CC responses/requests/metadata/warcinfo, a WET conversion.
    (Not a fixture: hypothesis would print all of their bytes with every failure.)"""
    shared_data = (REPO.parent / "shared" / "data").resolve()
    return [r for key in ("cc", "whirl", "wet") for r in load_records(shared_data, key)]


_JUNK = st.binary(min_size=1, max_size=80).map(lambda b: b"#" + b)  # not whitespace, not a record


@settings(
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    picks=st.lists(st.integers(min_value=0), min_size=1, max_size=8),
    gz=st.booleans(),
    junk=st.one_of(st.none(), st.tuples(st.integers(min_value=0), _JUNK)),
    cut=st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0)),
)
def test_any_records_in_any_order_with_junk_and_a_cut(
    tmp_path: Path,
    picks: list[int],
    gz: bool,
    junk: tuple[int, bytes] | None,
    cut: float | None,
) -> None:
    records = [pool()[i % len(pool())] for i in picks]
    pieces = [Piece(r.gz if gz else r.raw, INTACT, r) for r in records]
    if cut is not None:
        # Cut anywhere after the point where a record start is recognisable (its gzip member's first
        # bytes, or its whole WARC header): before that, no reader can tell a cut record from junk.
        last = pieces[-1].data
        least = 128 if gz else header_len(last) + 1
        keep = min(max(least, int(len(last) * cut)), len(last) - 1)
        pieces[-1] = Piece(last[:keep], DAMAGED, records[-1])
    if junk is not None:
        at, noise = junk
        pieces.insert(at % len(pieces), Piece(noise, JUNK))
    case = Case("property", "property", "prop.warc.gz" if gz else "prop.warc", pieces)
    path = tmp_path / case.filename
    path.write_bytes(case.data)
    check_rows(path, list(case.expected()), read_in_time(path))


def _table(shared_data: Path, out: Path) -> None:
    print("| case | family | bytes | rows expected | kept | errors | first error |")
    print("|---|---|---|---|---|---|---|")
    for case in build_cases(shared_data):
        path = out / case.filename
        path.write_bytes(case.data)
        docs = read_in_time(path)
        errs = [d.error for d in docs if d.error]
        first = errs[0].split(": ", 1)[1][:70] if errs else ""
        n = len(list(case.expected()))
        print(
            f"| {case.name} | {case.family} | {len(case.data)} | {n} | {len(docs) - len(errs)} | {len(errs)} | {first} |"
        )


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        _table((REPO.parent / "shared" / "data").resolve(), Path(d))
