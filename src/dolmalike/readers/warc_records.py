"""fastwarc records -> Documents: provenance, HTTP payload, and per-record problems.

`FileState.convert` looks at one record. Input records are WARC `response` and WET
`conversion` records; warcinfo is read for the crawl name; the other standard types (request,
metadata, resource, revisit, continuation) hold no page to extract and are skipped (but their
length is still checked, since a short record means the file is damaged there). A record with
no WARC-Type or one outside the standard becomes an error row: it may well be a page, and
skipping it would lose it without a trace.
A record whose framing is wrong comes back as `Broken` (the caller must resynchronise); a
record that is framed fine but unusable (too large, undecodable payload) comes back as an error
Document and reading simply goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastwarc.warc import WarcRecord, WarcRecordType

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for
from dolmalike.readers.charset import parse_content_type
from dolmalike.readers.framing import content_length_problem
from dolmalike.readers.payload import PayloadDecodeError, decode_http_body

_CRAWL_RE = re.compile(r"CC-MAIN-\d{4}-\d{2}(?!\d)")
_IS_PART_OF = re.compile(rb"^isPartOf:\s*(\S+)", re.MULTILINE)
INPUT_TYPES = (WarcRecordType.response, WarcRecordType.conversion)
COMMONCRAWL, GENERIC_WARC = "commoncrawl", "warc"  # derived sources (see FileState.source)
_UNTYPED = (WarcRecordType.no_type, WarcRecordType.unknown)


def crawl_from_name(name: str | None) -> str | None:
    """'.../CC-MAIN-2019-35/segments/...' -> 'CC-MAIN-2019-35' (not the per-file CC-MAIN-2019082...)."""
    m = _CRAWL_RE.search(name or "")
    return m.group(0) if m else None


def strip_uri(uri: str | None) -> str | None:
    """wget writes WARC-Target-URI as `<http://...>` (the WARC 1.0 grammar); drop the brackets."""
    if uri is None:
        return None
    uri = uri.strip()
    if uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1].strip()
    return uri or None


@dataclass(slots=True)
class Broken:
    """A record whose framing is wrong: reading must resynchronise after it."""

    reason: str
    record_id: str | None = None
    url: str | None = None


class FileState:
    """Per-file context: crawl name from warcinfo, ordinal counter, Document construction."""

    def __init__(self, path: str, partition: str, source: str | None, max_record_bytes: int) -> None:
        self.path, self.partition, self.fixed_source = path, partition, source
        self.max_record_bytes = max_record_bytes
        self.crawl = crawl_from_name(path)
        self._ordinal = 0

    @property
    def source(self) -> str:
        """The given source, else derived: only a Common Crawl crawl name (in the path, e.g.
        crawl-data/CC-MAIN-2024-22/..., or the warcinfo's isPartOf) makes a file "commoncrawl"."""
        if self.fixed_source:
            return self.fixed_source
        return COMMONCRAWL if self.crawl and _CRAWL_RE.fullmatch(self.crawl) else GENERIC_WARC

    def emit(self, doc: Document) -> Document:
        doc.ordinal = self._ordinal
        self._ordinal += 1
        return doc

    def error(
        self, offset: int, message: str, record_id: str | None = None, url: str | None = None
    ) -> Document:
        key = record_id if record_id else f"{self.partition}@{offset}"
        return Document(
            doc_id=doc_id_for(key),
            source=self.source,
            url=url,
            crawl=self.crawl,
            warc_path=self.path,
            warc_offset=offset,
            warc_record_id=record_id,
            partition=self.partition,
            error=f"{self.path}@{offset}: {' '.join(message.split())}",
        )

    def replace_with_error(self, doc: Document, message: str) -> Document:
        assert doc.warc_offset is not None
        return self.error(doc.warc_offset, message, doc.warc_record_id, doc.url)

    def convert(self, rec: WarcRecord) -> Document | Broken | None:
        """Document for an input record, None for other records, Broken if framing is off."""
        headers = rec.headers
        record_id = headers.get("WARC-Record-ID")
        url = strip_uri(headers.get("WARC-Target-URI"))
        cl_value = headers.get("Content-Length")
        if problem := content_length_problem(cl_value):
            return Broken(problem, record_id, url)
        cl = int(cl_value)  # type: ignore[arg-type]
        rtype = rec.record_type
        try:
            if rtype == WarcRecordType.warcinfo and cl <= self.max_record_bytes:
                body = rec.reader.read()
                if len(body) < cl:
                    return Broken(short_read(cl, len(body)), record_id, url)
                if m := _IS_PART_OF.search(body):
                    self.crawl = m.group(1).decode("utf-8", "replace")
                return None
            if rtype in _UNTYPED:
                got = rec.consume()
                if got < cl:
                    return Broken(short_read(cl, got), record_id, url)
                value = headers.get("WARC-Type")
                what = f"unknown WARC-Type {value!r}" if value else "no WARC-Type"
                return self.error(rec.stream_pos, f"record has {what}; not read", record_id, url)
            if rtype not in INPUT_TYPES or cl > self.max_record_bytes:
                # skip without holding the bytes; still count them to notice truncation
                got = rec.consume()
                if got < cl:
                    return Broken(short_read(cl, got), record_id, url)
                if rtype in INPUT_TYPES:
                    limit = f"record exceeds max_record_bytes ({cl} > {self.max_record_bytes})"
                    return self.error(rec.stream_pos, limit, record_id, url)
                return None
            if rtype == WarcRecordType.conversion:
                return self._wet_doc(rec, cl, record_id, url)
            return self._response_doc(rec, cl, record_id, url)
        except OSError as e:  # decompression/read failure inside the record
            return Broken(f"unreadable record: {e}", record_id, url)

    def _base(self, rec: WarcRecord, record_id: str | None, url: str | None) -> Document:
        headers = rec.headers
        offset = rec.stream_pos
        return Document(
            doc_id=doc_id_for(record_id if record_id else f"{self.partition}@{offset}"),
            source=self.source,
            url=url,
            crawl=self.crawl,
            warc_path=self.path,
            warc_offset=offset,
            warc_record_id=record_id,
            warc_payload_digest=headers.get("WARC-Payload-Digest"),
            fetch_date_raw=headers.get("WARC-Date"),
            partition=self.partition,
        )

    def _wet_doc(self, rec: WarcRecord, cl: int, record_id: str | None, url: str | None) -> Document | Broken:
        body = rec.reader.read()
        if len(body) < cl:
            return Broken(short_read(cl, len(body)), record_id, url)
        doc = self._base(rec, record_id, url)
        headers = rec.headers
        doc.warc_payload_digest = doc.warc_payload_digest or headers.get("WARC-Block-Digest")
        doc.content_type, label = parse_content_type(headers.get("Content-Type"))
        doc.charset = label or "utf-8"
        doc.text = body.decode("utf-8", errors="replace")
        if lang := headers.get("WARC-Identified-Content-Language"):
            doc.metadata["language"] = lang
        if refers := headers.get("WARC-Refers-To"):
            doc.metadata["refers_to"] = refers
        return doc

    def _response_doc(
        self, rec: WarcRecord, cl: int, record_id: str | None, url: str | None
    ) -> Document | Broken:
        if rec.is_http:
            rec.parse_http()
        expected = rec.content_length  # block bytes left after the HTTP header
        body = rec.reader.read()
        if len(body) < expected:
            return Broken(short_read(cl, cl - expected + len(body)), record_id, url)
        doc = self._base(rec, record_id, url)
        if rec.is_http:
            http = rec.http_headers
            doc.content_type, doc.charset = parse_content_type(http.get("Content-Type"))
            try:
                body = decode_http_body(body, http.get("Transfer-Encoding"), http.get("Content-Encoding"))
            except PayloadDecodeError as e:
                return self.replace_with_error(doc, str(e))
            doc.metadata["http_status"] = http.status_code
        else:
            doc.content_type, doc.charset = parse_content_type(rec.headers.get("Content-Type"))
        doc.html = body
        return doc


def short_read(cl: int, got: int) -> str:
    return f"truncated record: Content-Length {cl} but the data ends after {got} bytes"
