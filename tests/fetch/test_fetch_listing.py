from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.fetch.listing import (
    map_kind,
    parse_listing,
    relative_path,
    resolve_listing,
    snapshot_listing_url,
)

FIRST = "crawl-data/CC-MAIN-2019-35/segments/1566027315174.57/warc/CC-MAIN-20190820003509-20190820025509-00114.warc.gz"


def test_real_listing_plain_and_gzip_resolve_identically(shared_data: Path, tmp_path: Path) -> None:
    plain = shared_data / "commoncrawl" / "CC-MAIN-2019-35-warc.paths"
    gz = tmp_path / "warc.paths.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))

    urls = resolve_listing(str(plain))
    assert len(urls) == 100
    assert urls[0] == "https://data.commoncrawl.org/" + FIRST
    assert resolve_listing(str(gz)) == urls
    assert resolve_listing(str(plain), base_url="s3://commoncrawl/")[0] == "s3://commoncrawl/" + FIRST


def test_wet_kind_maps_warc_paths_by_cc_convention(shared_data: Path) -> None:
    urls = resolve_listing(str(shared_data / "commoncrawl" / "CC-MAIN-2019-35-warc.paths"), kind="wet")
    assert urls[0] == (
        "https://data.commoncrawl.org/crawl-data/CC-MAIN-2019-35/segments/1566027315174.57/wet/"
        "CC-MAIN-20190820003509-20190820025509-00114.warc.wet.gz"
    )
    assert all("/wet/" in u and u.endswith(".warc.wet.gz") for u in urls)


def test_a_listing_naming_both_kinds_lists_each_requested_file_once(
    shared_data: Path, tmp_path: Path, cli, capsys
) -> None:
    wet = map_kind(FIRST, "wet")
    other = FIRST.replace("00114", "00115")
    listing = tmp_path / "mixed.paths"
    listing.write_text(f"{FIRST}\n{wet}\n{other}\n")
    base = "https://data.commoncrawl.org/"
    assert resolve_listing(str(listing), kind="warc") == [base + FIRST, base + other]
    assert resolve_listing(str(listing), kind="wet") == [base + wet]
    only_wet = tmp_path / "wet.paths"
    only_wet.write_text(f"{wet}\n")
    assert resolve_listing(str(only_wet), kind="warc") == [base + FIRST]  # CC's convention still maps
    assert cli(["fetch", str(listing), "--kind", "warc", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [base + FIRST, base + other]


def test_map_kind_round_trips_and_leaves_other_files_alone() -> None:
    wet = map_kind(FIRST, "wet")
    assert map_kind(wet, "warc") == FIRST
    assert map_kind(FIRST, "wat").endswith("/wat/CC-MAIN-20190820003509-20190820025509-00114.warc.wat.gz")
    assert map_kind("whirlwind.warc.gz", "wet") == "whirlwind.warc.wet.gz"
    assert map_kind("some/index.parquet", "wet") == "some/index.parquet"


def test_parse_listing_skips_blank_and_comment_lines() -> None:
    assert parse_listing(b"a.warc.gz\n\n# note\n  b.warc.gz  \r\n") == ["a.warc.gz", "b.warc.gz"]
    assert parse_listing(gzip.compress(b"x\ny\n")) == ["x", "y"]


def test_snapshot_id_resolves_against_http_server(http_server, www: Path, fast_backoff) -> None:
    listing = www / "crawl-data" / "CC-MAIN-2099-01" / "warc.paths.gz"
    listing.parent.mkdir(parents=True)
    listing.write_bytes(gzip.compress(b"whirlwind.warc.gz\nCC-MAIN-2020-34-resiliparse-sample.warc.gz\n"))
    http_server.fail_first["crawl-data/CC-MAIN-2099-01/warc.paths.gz"] = 2  # the listing fetch retries too

    urls = resolve_listing("CC-MAIN-2099-01", base_url=http_server.url, backoff=fast_backoff)

    assert urls == [
        http_server.url + "whirlwind.warc.gz",
        http_server.url + "CC-MAIN-2020-34-resiliparse-sample.warc.gz",
    ]
    assert [s for _, s in http_server.requests_for("crawl-data/CC-MAIN-2099-01/warc.paths.gz")] == [
        503,
        503,
        200,
    ]


def test_missing_snapshot_listing_fails_fast_naming_the_url(http_server, fast_backoff) -> None:
    with pytest.raises(DolmalikeError) as e:
        resolve_listing("CC-MAIN-2099-02", kind="wet", base_url=http_server.url, backoff=fast_backoff)
    msg = str(e.value)
    assert msg == f"{http_server.url}crawl-data/CC-MAIN-2099-02/wet.paths.gz: HTTP 404 Not Found"
    assert len(http_server.requests_for("crawl-data/CC-MAIN-2099-02/wet.paths.gz")) == 1


@pytest.mark.parametrize("bad", ["CC-MAIN-2024-2", "CC-MAIN-24-22", "cc-main-2024-22x", "CC-MAIN-2024_22"])
def test_bad_snapshot_id_has_a_clear_message(bad: str) -> None:
    with pytest.raises(DolmalikeError, match=r"bad snapshot id .*expected CC-MAIN-YYYY-WW"):
        resolve_listing(bad)


def test_unknown_source_and_kind_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(DolmalikeError, match="listing not found"):
        resolve_listing(str(tmp_path / "nope.paths"))
    with pytest.raises(DolmalikeError, match="unknown kind 'wab'"):
        snapshot_listing_url("CC-MAIN-2024-22", "wab")
    empty = tmp_path / "empty.paths"
    empty.write_text("\n# nothing\n")
    with pytest.raises(DolmalikeError, match="listing is empty"):
        resolve_listing(str(empty))


def test_relative_path_stays_inside_the_output_dir() -> None:
    base = "https://data.commoncrawl.org/"
    assert relative_path(base + FIRST, base) == FIRST
    assert relative_path("s3://commoncrawl/" + FIRST, base) == FIRST
    assert relative_path("http://127.0.0.1:9/a/b.warc.gz", base) == "a/b.warc.gz"
    for evil in (base + "../etc/passwd", base + "a/../../x", "http://h/"):
        with pytest.raises(DolmalikeError, match="safe output path"):
            relative_path(evil, base)
