"""`c4_clean` stage: C4's line cleaning and page filters (rules in dolmalike.taggers.c4; the one
implementation, taggers.c4_batch, runs on batches of documents, each page stopping at its first
page-level rule).

It rewrites `doc.text` and records ONE decision per document:
  kept      nothing changed;
  modified  lines were removed or trimmed; detail = {"rules": {"<rule>": {"lines": n, "chars": m}, ...}}
            with the line rules plus "citation" (cut citation markers) and "whitespace"
            (stripped line ends); score = fraction of characters removed;
  dropped   reason "c4: lorem ipsum" / "c4: curly bracket" / "c4: bad word" /
            "c4: too few sentences (2 < 5)"; detail names the line and the line-rule counts.

The detail is a fixed struct (DETAIL_TYPE: every rule a field, null when it removed nothing), so
decisions/stream/c4_clean/ is typed: `SELECT detail.rules.policy.chars ...` in DuckDB, a nested
feature in Hugging Face datasets.

Spec: `- c4_clean: {preset: datatrove}` (or `tfds`, or `multilingual`: CJK sentence ends and
CJK characters counted as words), plus any C4Params field to override.

With `record_language: true` every decision's detail also holds "language": fastText lid.176
(langid_v1's defaults) on the page as this stage leaves it, the cleaned text of a kept or
modified page and the text of a dropped one (langid_v1 runs after this stage, so dropped pages
would otherwise have no language). A surviving page's language is therefore the one langid_v1
records for it, and c4_clean hands that answer on (LazyFastText's hand-off): langid_v1 takes
it instead of scoring the page a second time. What each rule did, per language:  SELECT json_extract_string(detail, '$.language') AS language, decision, count(*)
           FROM decisions WHERE stage = 'c4_clean' GROUP BY ALL
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import pyarrow as pa

from dolmalike.core.document import Document
from dolmalike.stages.base import Stage, StageContext
from dolmalike.taggers.apply import batches
from dolmalike.taggers.c4_batch import analyze_batch
from dolmalike.taggers.c4_params import LINE_RULES, C4Params, C4Result
from dolmalike.taggers.langid import LangIdTagger

# What C4Result.removed can count: the line rules, cut citation markers, stripped line ends.
REMOVED_RULES: tuple[str, ...] = tuple(sorted((*LINE_RULES, "citation", "whitespace")))
_COUNT = pa.struct([("lines", pa.int64()), ("chars", pa.int64())])
DETAIL_TYPE = pa.struct(
    [
        ("rules", pa.struct([(rule, _COUNT) for rule in REMOVED_RULES])),
        ("language", pa.string()),
        ("line", pa.int64()),  # the line a page-level rule stopped at
        ("n_sentences", pa.int64()),
        ("min_sentences", pa.int64()),
    ]
)


def _rule_counts(res: C4Result) -> dict[str, dict[str, int]]:
    unknown = sorted(set(res.removed) - set(REMOVED_RULES))
    if unknown:  # a struct field would silently drop it
        raise ValueError(f"c4_clean: rules {unknown} missing from REMOVED_RULES")
    return {rule: {"lines": n, "chars": c} for rule, (n, c) in sorted(res.removed.items())}


class C4Clean(Stage):
    name = "c4_clean"
    detail_type: ClassVar[pa.DataType | None] = DETAIL_TYPE

    def __init__(
        self,
        preset: str = "datatrove",
        record_language: bool = False,
        batch_size: int = 256,
        **overrides: Any,
    ) -> None:
        self.params = C4Params.preset(preset, **overrides)
        self.batch_size = batch_size
        self.langid = LangIdTagger() if record_language else None

    def config(self) -> dict[str, Any]:
        cfg = self.params.to_dict()
        if self.langid is not None:
            # "leaving": the page as the stage leaves it (an earlier version scored the page as it came)
            cfg["record_language"] = {**self.langid.config(), "scored_text": "leaving"}
        return cfg

    def _languages(self, leaving: list[str], survives: list[bool]) -> list[dict[str, Any]]:
        if self.langid is None:
            return [{} for _ in leaving]
        rows = self.langid.predict_texts(leaving, leave=survives)
        return [{"language": row["language"]} for row in rows]

    def run(self, docs: Iterable[Document], ctx: StageContext) -> Iterator[Document]:
        for batch in batches(docs, self.batch_size):
            results = analyze_batch(
                [d.text for d in batch], self.params, line_pairs=False, stop_at_page_rule=True
            ).results
            reasons = [res.drop_reason(self.params) for res in results]
            # each page as it leaves the stage: cleaned if it survives, else as it came
            leaving = [
                doc.text if r is not None else res.text for doc, res, r in zip(batch, results, reasons)
            ]
            langs = self._languages(leaving, [r is None for r in reasons])
            yield from self._decide(batch, results, reasons, leaving, langs, ctx)

    def _decide(
        self,
        batch: list[Document],
        results: list[C4Result],
        reasons: list[str | None],
        leaving: list[str],
        langs: list[dict[str, Any]],
        ctx: StageContext,
    ) -> Iterator[Document]:
        for doc, res, reason, text, lang in zip(batch, results, reasons, leaving, langs):
            if reason is not None:
                detail: dict[str, Any] = {"rules": _rule_counts(res), **lang}
                if res.drop_line is not None:
                    detail["line"] = res.drop_line
                if res.drop_rule == "too_few_sentences":
                    detail.update(n_sentences=res.n_sentences, min_sentences=self.params.min_num_sentences)
                ctx.decide(doc, self.name, "dropped", reason, detail=detail)
                continue
            if text == doc.text:
                ctx.decide(doc, self.name, "kept", detail=lang or None)
            else:
                removed = 1.0 - len(text) / len(doc.text)
                ctx.decide(
                    doc, self.name, "modified", score=removed, detail={"rules": _rule_counts(res), **lang}
                )
                doc.text = text
            yield doc
