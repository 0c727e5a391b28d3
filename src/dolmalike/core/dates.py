"""The one parser of fetch dates (WARC-Date, Dolma `created`, JSONL `date_download`...).

Readers keep the header string exactly as seen (`fetch_date_raw`, for audits and the Dolma round
trip); every manifest stores the parsed instant as `fetch_date` (timestamp[us, tz=UTC]) so that
sorting and comparing dates is by time, not by spelling: "2019-07-17T12:15:59Z" and
"2019-07-17T12:15:59.000000+00:00" are the same instant, and "14:15:59+02:00" is earlier than
"13:00:00Z". A value that does not parse is a null timestamp, never a failed record.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


def parse_fetch_date(value: str | None) -> datetime | None:
    """ISO-8601 / W3C date (with `Z` or an offset; naive means UTC), or an HTTP date
    ("Wed, 17 Jul 2019 12:15:59 GMT") -> aware UTC datetime; None if missing or unparseable."""
    if not value or not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            t = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    try:
        return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except (OverflowError, ValueError):  # an offset that pushes it past year 1 or 9999
        return None
