"""The batched C4 analysis (the one implementation: the c4_v1 tagger's and, stopping at the first
page-level rule, the c4_clean stage's) equals the per-line reference text by text."""

import random
from dataclasses import asdict

from dolmalike.core.document import Document
from dolmalike.taggers.c4 import C4Tagger
from dolmalike.taggers.c4_batch import analyze, analyze_batch
from dolmalike.taggers.c4_params import C4Params
from dolmalike.taggers.text_utils import line_offsets

from .c4_reference import reference_analyze
from .test_c4_fast_paths import PARAMS, PIECES


def _same(texts: list[str], params: C4Params) -> None:
    batch = analyze_batch(texts, params)
    assert len(batch.results) == len(texts)
    for d, (text, got) in enumerate(zip(texts, batch.results)):
        want = reference_analyze(text, params, full=True)
        assert asdict(got) == asdict(want), (d, text[:200])
        assert list(got.removed) == list(want.removed)  # same key order too
        offsets = line_offsets(text)
        assert batch.spans(d) == [
            {"start": offsets[i][0], "end": offsets[i][1], "score": 1.0} for i, _ in want.removed_lines
        ]
        assert batch.rules(d) == [r for _, r in want.removed_lines]
    # the stage's view of the same batch: each page stops at its first page-level rule
    staged = analyze_batch(texts, params, stop_at_page_rule=True)
    for d, (text, got) in enumerate(zip(texts, staged.results)):
        want = reference_analyze(text, params, full=False)
        assert asdict(got) == asdict(want), (d, text[:200], "stop")
        assert list(got.removed) == list(want.removed)


def test_equal_to_analyze_on_real_pages(real_texts) -> None:
    texts = list(real_texts)
    for name, params in PARAMS.items():
        step = 1 if name == "datatrove" else 3
        for i in range(0, len(texts), 256 * step):
            _same(texts[i : i + 256 * step : step], params)


def test_equal_to_analyze_on_shuffled_lines() -> None:
    rng = random.Random(5)
    seps = ["\n", "\r\n", "\n\n", "\x0b", "\u2028", "\r", "\x1c", "\x85", " \n\t"]
    extra = [
        "[1] Starts with a citation here.",
        "Ends with one cited.[2]",
        "A nude statue stands here.",
        " Cookie use is here, see it. ",
        "Ünïcödé words are here.",
        "\u212aelvin lorem ipsum is here.",
        "NUDE things in caps here.",
        "Fin.\r",
    ]
    for _ in range(300):
        texts = []
        for _ in range(rng.randint(1, 6)):
            parts = rng.choices(PIECES + extra, k=rng.randint(0, 10))
            texts.append("".join(p + rng.choice(seps) for p in parts)[: rng.randint(0, 400)])
        for params in PARAMS.values():
            _same(texts, params)


def test_tagger_rows_equal_rows_from_analyze() -> None:
    text = "Cited claim here.[12] More text.\n  padded line with words.  \nshort\ncode { x } is here.\n"
    tagger = C4Tagger()
    row = tagger.predict(Document(doc_id="d", text=text))
    res = analyze(text, tagger.params, full=True)
    assert row["n_sentences"] == res.n_sentences == 3
    assert row["kept_chars"] == len(res.text)
    assert row["removed_line_rules"] == ["no_terminal_punct"]
    assert row["removed_lines"] == [{"start": 61, "end": 66, "score": 1.0}]
    assert row["has_curly_bracket"] and row["would_drop"] == "c4: curly bracket"
