from datetime import datetime, timezone

from dolmalike.core.dates import parse_fetch_date

UTC = timezone.utc


def test_iso_forms_with_z_offsets_and_naive() -> None:
    assert parse_fetch_date("2019-07-17T13:39:42.000Z") == datetime(2019, 7, 17, 13, 39, 42, tzinfo=UTC)
    assert parse_fetch_date("2023-01-27T21:38:46+02:00") == datetime(2023, 1, 27, 19, 38, 46, tzinfo=UTC)
    assert parse_fetch_date("2023-01-27T21:38:46") == datetime(2023, 1, 27, 21, 38, 46, tzinfo=UTC)
    # one instant, two spellings (Dolma `created` vs a Python isoformat): equal once parsed
    assert parse_fetch_date("2019-07-17T12:15:59Z") == parse_fetch_date("2019-07-17T12:15:59.000000+00:00")


def test_http_date_and_garbage() -> None:
    assert parse_fetch_date("Wed, 17 Jul 2019 12:15:59 GMT") == datetime(2019, 7, 17, 12, 15, 59, tzinfo=UTC)
    for bad in ("yesterday", "", None, "2019-13-01T00:00:00Z", "0001-01-01T00:00:00+01:00"):
        assert parse_fetch_date(bad) is None
