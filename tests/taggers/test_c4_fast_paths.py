"""The vectorised C4 analysis equals the per-line reference on real and adversarial pages."""

import random
from dataclasses import asdict

import pytest

from dolmalike.taggers.c4_batch import analyze
from dolmalike.taggers.c4_params import C4Params

from .c4_reference import reference_analyze

PARAMS = {
    "datatrove": C4Params(),
    "tfds": C4Params.tfds(),
    "multilingual": C4Params.multilingual(),
    "multilingual_short_words": C4Params.multilingual(max_word_length=8),
    "short_words": C4Params(max_word_length=8, min_words_per_line=-1, min_num_sentences=-1),
    "no_filters": C4Params(filter_no_terminal_punct=False, remove_citations=False, filter_badwords=False),
}


def _same(text: str, params: C4Params) -> None:
    for full in (False, True):
        got, want = analyze(text, params, full=full), reference_analyze(text, params, full=full)
        assert asdict(got) == asdict(want), (text[:200], full)
        assert list(got.removed) == list(want.removed)  # same key order too


@pytest.mark.parametrize("preset", sorted(PARAMS))
def test_equal_to_reference_on_real_pages(real_texts, preset) -> None:
    for text in real_texts[:: 1 if preset == "datatrove" else 4]:
        _same(text, PARAMS[preset])


PIECES = [
    "Plain sentence here.",
    "  padded line with words.  ",
    "No end mark",
    "Ends with dots...",
    "Cited claim.[12] More text here.",
    "Split java[1]script word here.",
    "Please enable JavaScript now.",
    "This site uses cookies, see it.",
    "Lorem ipsum dolor sit amet.",
    "code { x } is here.",
    "A bad word: nude things here.",
    "Nu[3]de split by a citation.",
    "İstanbul has a nude statue.",
    "ΣΑΣ. Greek ends here.",
    "The U.S. is big. Dr. X. Smith.",
    '"Quoted." "Again!" ok.',
    "...starts with dots. Yes.",
    "x",
    "",
    "\t",
    "word " * 3 + "verylongwordhere.",
    "Emoji 😀 line ends. 𑩂 here.",
    "我们是一家专业的公司。",
    "他说：「今天天气很好。」",
    "日本語の文章です！",
    "短い",
    "한국어 문장입니다.",
    "混合 text 和中文？",
    "長" * 12 + "。",
]


def test_equal_to_reference_on_shuffled_lines() -> None:
    rng = random.Random(3)
    seps = ["\n", "\r\n", "\n\n", "\x0b", "\u2028"]
    for _ in range(600):
        parts = rng.choices(PIECES, k=rng.randint(0, 12))
        text = "".join(p + rng.choice(seps) for p in parts)
        for params in PARAMS.values():
            _same(text, params)
