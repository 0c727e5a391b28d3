"""Corrupt input, made from the real shared WARCs: one error per damaged spot, nothing else lost.

fastwarc alone stops silently on some of these (a gzip member cut a few bytes in, LF-only
headers) and happily returns a short body for others; the reader must turn each into exactly
one error pseudo-record at the right "<path>@<offset>" and keep every undamaged record.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest
from readers_helpers import gzip_members, regzip, warcio_records, with_content_length

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for
from dolmalike.readers.warc import read_warc

SAMPLE = "commoncrawl/CC-MAIN-2020-34-resiliparse-sample.warc.gz"
DAMAGED = 12685  # offset of the sample's 2nd response record (a ~105 KB page)


@pytest.fixture(scope="module")
def sample(shared_data: Path) -> bytes:
    return (shared_data / SAMPLE).read_bytes()


@pytest.fixture(scope="module")
def clean(shared_data: Path) -> list[Document]:
    return list(read_warc(str(shared_data / SAMPLE), "p"))


def _read(tmp_path: Path, data: bytes, name: str = "bad.warc.gz") -> list[Document]:
    path = tmp_path / name
    path.write_bytes(data)
    return list(read_warc(str(path), "p"))


def _split(docs: list[Document]) -> tuple[list[Document], list[Document]]:
    assert [d.ordinal for d in docs] == list(range(len(docs)))
    return [d for d in docs if d.error is None], [d for d in docs if d.error is not None]


def test_truncated_gzip(tmp_path: Path, sample: bytes, clean: list[Document]) -> None:
    docs = _read(tmp_path, sample[:30000])  # cuts the member that starts at 12685
    good, errors = _split(docs)
    assert [d.doc_id for d in good] == [d.doc_id for d in clean if d.warc_offset < DAMAGED]
    (err,) = errors
    assert err.warc_offset == DAMAGED
    assert err.error.startswith(f"{tmp_path / 'bad.warc.gz'}@{DAMAGED}: truncated")
    # the record id was readable, so the error keeps the record's own doc_id
    assert err.doc_id == next(d.doc_id for d in clean if d.warc_offset == DAMAGED)
    assert docs[-1] is err  # stays in file order


def test_gzip_member_cut_right_after_its_header(tmp_path: Path, sample: bytes, clean: list[Document]) -> None:
    # fastwarc yields nothing for this member and raises nothing: only the end-of-file check sees it
    good, errors = _split(_read(tmp_path, sample[: DAMAGED + 5]))
    assert len(good) == 1 and [e.warc_offset for e in errors] == [DAMAGED]
    assert "truncated gzip member" in errors[0].error
    assert errors[0].doc_id == doc_id_for(f"p@{DAMAGED}")  # no record id could be read


@pytest.mark.parametrize("compressed", [True, False])
def test_truncation_at_any_byte(
    tmp_path: Path, sample: bytes, clean: list[Document], compressed: bool
) -> None:
    data = sample if compressed else gzip.decompress(sample)
    ref = clean if compressed else _read(tmp_path, data, "ref.warc")
    # every record (any type) starts here; a cut inside one must report exactly that one
    starts = [off for _, off, _ in warcio_records(_write(tmp_path / "all.warc", data))] + [len(data)]
    cuts = [*range(7, len(data), len(data) // 250 | 1), *starts[1:4]]  # ~250 cuts + some on boundaries
    for cut in cuts:
        good, errors = _split(_read(tmp_path, data[:cut]))
        # a cut on a record boundary damages nothing; otherwise the record it falls into is lost
        damaged = cut if cut in starts else max(s for s in starts if s < cut)
        assert [d.doc_id for d in good] == [d.doc_id for d in ref if d.warc_offset < damaged], cut
        assert [e.warc_offset for e in errors] == ([] if cut in starts else [damaged]), cut


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["noise.warc.gz", "noise.warc"])
def test_random_bytes(tmp_path: Path, name: str) -> None:
    noise = random.Random(7).randbytes(5000)
    (err,) = _read(tmp_path, noise, name)
    assert err.warc_offset == 0 and err.error.startswith(f"{tmp_path / name}@0: ")
    assert err.doc_id == doc_id_for("p@0")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"999999", "Content-Length 999999 exceeds the record"),
        (b"abc", "invalid Content-Length 'abc'"),
        (b"100", "Content-Length 100 is smaller than the record"),
    ],
)
def test_wrong_content_length_gzip(
    tmp_path: Path, sample: bytes, clean: list[Document], value: bytes, message: str
) -> None:
    members = [raw for _, raw in gzip_members(sample)]
    offsets = [off for off, _ in gzip_members(sample)]
    i = offsets.index(DAMAGED)
    members[i] = with_content_length(members[i], value)
    data = regzip(members)
    new_offset = len(regzip(members[:i]))  # recompressing moves the offsets
    good, errors = _split(_read(tmp_path, data))
    (err,) = errors
    assert err.warc_offset == new_offset
    assert message in err.error, err.error
    damaged_id = next(d.doc_id for d in clean if d.warc_offset == DAMAGED)
    assert err.doc_id == damaged_id
    assert [d.doc_id for d in good] == [d.doc_id for d in clean if d.doc_id != damaged_id]


@pytest.mark.parametrize("value", [b"999999", b"abc", b"100", b"36000"])
def test_wrong_content_length_uncompressed(
    tmp_path: Path, sample: bytes, clean: list[Document], value: bytes
) -> None:
    members = [raw for _, raw in gzip_members(sample)]
    offsets = [off for off, _ in gzip_members(sample)]
    i = offsets.index(DAMAGED)
    members[i] = with_content_length(members[i], value)
    good, errors = _split(_read(tmp_path, b"".join(members), "bad.warc"))
    (err,) = errors
    assert err.warc_offset == len(b"".join(members[:i]))
    damaged_id = next(d.doc_id for d in clean if d.warc_offset == DAMAGED)
    assert [d.doc_id for d in good] == [d.doc_id for d in clean if d.doc_id != damaged_id]


def test_garbage_between_records(tmp_path: Path, sample: bytes, clean: list[Document]) -> None:
    junk = random.Random(3).randbytes(300)
    good, errors = _split(_read(tmp_path, sample[:DAMAGED] + junk + sample[DAMAGED:]))
    assert [e.warc_offset for e in errors] == [DAMAGED]
    assert f"resumed at offset {DAMAGED + 300}" in errors[0].error
    assert [d.doc_id for d in good] == [d.doc_id for d in clean]
    assert [d.warc_offset for d in good] == [
        d.warc_offset + (300 if d.warc_offset >= DAMAGED else 0) for d in clean
    ]


def test_random_damage_never_raises_or_loses_silently(
    tmp_path: Path, sample: bytes, clean: list[Document]
) -> None:
    starts = [off for _, off, _ in warcio_records(_write(tmp_path / "s.warc.gz", sample))] + [len(sample)]
    rng = random.Random(11)
    for _ in range(60):
        pos, size = rng.randrange(len(sample)), rng.choice([1, 7, 300])
        kind = rng.choice(["overwrite", "insert", "delete"])
        noise = rng.randbytes(size)
        data = {
            "overwrite": sample[:pos] + noise + sample[pos + size :],
            "insert": sample[:pos] + noise + sample[pos:],
            "delete": sample[:pos] + sample[pos + size :],
        }[kind]
        good, errors = _split(_read(tmp_path, data))
        kept = {d.doc_id for d in good}
        missing = [d for d in clean if d.doc_id not in kept]
        assert len(errors) >= (1 if missing else 0), (kind, pos, size)
        assert len(errors) <= 2, (kind, pos, size, [e.error for e in errors])
        first_hit = max(s for s in starts if s <= pos)
        hit_end = min(s for s in starts if s > min(pos + size, len(sample) - 1))
        for d in clean:  # records whose gzip member the damage does not touch survive
            end = min(s for s in starts if s > d.warc_offset)
            if end <= first_hit or (kind != "delete" and d.warc_offset >= hit_end):
                assert d.doc_id in kept, (kind, pos, size, d.warc_offset)
