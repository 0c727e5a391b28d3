"""`pii_mask` stage: replace e-mail addresses, phone numbers and IP addresses with the
|||EMAIL_ADDRESS|||, |||PHONE_NUMBER||| and |||IP_ADDRESS||| tokens that the Dolma / OLMo
tokenizers carry as single added tokens.

One decision per document: `masked` with detail = {"replacements": [{"type", "start", "end",
"replacement"}, ...]} (start/end index the text as it was before masking, so the original can
be located in the source), score = number of replacements; or `kept` when nothing matched.

Spec: `- pii_mask: {types: [EMAIL_ADDRESS, PHONE_NUMBER, IP_ADDRESS]}`
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import pyarrow as pa

from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.stages.base import Stage, StageContext
from dolmalike.taggers.pii import PII_TYPES, REPLACEMENTS, PiiMatch, find_pii


def mask_text(text: str, matches: list[PiiMatch]) -> str:
    """`text` with each (sorted, non-overlapping) match replaced by its type's token."""
    parts = []
    pos = 0
    for m in matches:
        parts.append(text[pos : m.start])
        parts.append(REPLACEMENTS[m.kind])
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts)


DETAIL_TYPE = pa.struct(
    [
        (
            "replacements",
            pa.list_(
                pa.struct(
                    [
                        ("type", pa.string()),
                        ("start", pa.int64()),
                        ("end", pa.int64()),
                        ("replacement", pa.string()),
                    ]
                )
            ),
        )
    ]
)


class PiiMask(Stage):
    name = "pii_mask"
    detail_type: ClassVar[pa.DataType | None] = DETAIL_TYPE

    def __init__(self, types: Iterable[str] = PII_TYPES) -> None:
        self.types = tuple(types)
        unknown = sorted(set(self.types) - set(PII_TYPES))
        if unknown:
            raise DolmalikeError(f"unknown PII type(s) {unknown}; valid types: {', '.join(PII_TYPES)}")

    def config(self) -> dict[str, Any]:
        return {"types": list(self.types)}

    def run(self, docs: Iterable[Document], ctx: StageContext) -> Iterator[Document]:
        for doc in docs:
            matches = [m for m in find_pii(doc.text) if m.kind in self.types]
            if not matches:
                ctx.decide(doc, self.name, "kept")
            else:
                detail = {
                    "replacements": [
                        {"type": m.kind, "start": m.start, "end": m.end, "replacement": REPLACEMENTS[m.kind]}
                        for m in matches
                    ]
                }
                ctx.decide(
                    doc,
                    self.name,
                    "masked",
                    score=float(len(matches)),
                    detail=detail,
                )
                doc.text = mask_text(doc.text, matches)
            yield doc
