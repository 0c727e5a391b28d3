"""C4 cleaning rules (Raffel et al. 2020; TFDS `c4_utils.clean_page`, datatrove
`C4QualityFilter`) as one analysis shared by the `c4_clean` stage and the `c4_v1` tagger.

Per line, in this order (the first failing rule removes the line):
  too_long_word      a whitespace word longer than `max_word_length`
  (citations such as "[12]", "[edit]", "[citation needed]" are cut out of the line)
  no_terminal_punct  the line does not end in . ? ! " ' (or ends in "...")
  too_few_words      fewer than `min_words_per_line` whitespace words
  lorem_ipsum        -> the whole page is dropped
  javascript         the line mentions "javascript"
  curly_bracket      a "{" -> the whole page is dropped
  policy             terms-of-use / privacy / cookie notices
  badword            a word of the C4 LDNOOBW list -> the page is dropped (TFDS checks kept
                     lines only; whole-word matching like datatrove's C4BadWordsFilter)
Then the page is dropped if its kept lines hold fewer than `min_num_sentences` sentences.

Defaults follow datatrove (3 words per line, 5 sentences, "'" counts as an end mark), which
reads the paper's numbers; `C4Params.tfds()` gives the TFDS code's values (5 words per line,
3 sentences, no "'"). Sentences are counted with text_utils' regex splitter (datatrove uses
spaCy/NLTK, which need downloads), at least one per kept line as datatrove counts them.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from dolmalike.core.document import Document
from dolmalike.taggers.base import SPANS, Tagger, tagger
from dolmalike.taggers.c4_batch import analyze_batch
from dolmalike.taggers.c4_params import LINE_RULES, C4Params, C4Result


@tagger("c4_v1")
class C4Tagger(Tagger):
    description = "C4 rules: fraction of lines each rule removes, page-drop flags/reason, sentences, spans"

    def __init__(self, preset: str = "datatrove", **overrides: Any) -> None:
        self.params = C4Params.preset(preset, **overrides)

    def config(self) -> dict[str, Any]:
        return self.params.to_dict()

    def schema(self) -> pa.Schema:
        return pa.schema(
            [
                ("n_lines", pa.int64()),
                *[(f"frac_lines_{r}", pa.float64()) for r in LINE_RULES],
                ("has_lorem_ipsum", pa.bool_()),
                ("has_curly_bracket", pa.bool_()),
                ("has_badword", pa.bool_()),
                ("n_sentences", pa.int64()),
                ("kept_chars", pa.int64()),
                ("would_drop", pa.string()),
                ("removed_lines", SPANS),
                ("removed_line_rules", pa.list_(pa.string())),
            ]
        )

    def predict_batch(self, docs: list[Document]) -> list[dict[str, Any]]:
        batch = analyze_batch([d.text for d in docs], self.params, line_pairs=False)
        return [self._row(res, batch.spans(d), batch.rules(d)) for d, res in enumerate(batch.results)]

    def _row(self, res: C4Result, spans: list[dict[str, Any]], rules: list[str]) -> dict[str, Any]:
        n = res.n_lines
        out: dict[str, Any] = {"n_lines": n}
        for r in LINE_RULES:
            out[f"frac_lines_{r}"] = res.removed.get(r, [0, 0])[0] / n if n else 0.0
        out.update(
            has_lorem_ipsum=res.has_lorem_ipsum,
            has_curly_bracket=res.has_curly_bracket,
            has_badword=res.has_badword,
            n_sentences=res.n_sentences,
            kept_chars=len(res.text),
            would_drop=res.drop_reason(self.params),
            removed_lines=spans,
            removed_line_rules=rules,
        )
        return out
