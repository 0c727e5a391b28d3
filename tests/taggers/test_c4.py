import pytest
from datatrove.data import Document as DatatroveDoc
from datatrove.pipeline.filters import C4QualityFilter

from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.taggers.c4 import C4Tagger
from dolmalike.taggers.c4_batch import analyze
from dolmalike.taggers.c4_params import C4Params
from dolmalike.taggers.text_utils import datatrove_word_tokenizer

PAGE = (
    "Home | About | Contact\n"  # 0: no terminal punctuation
    "This site uses cookies to improve your experience.\n"  # 1: policy
    "Please enable JavaScript to view this page.\n"  # 2: javascript
    "Short line.\n"  # 3: too few words
    "The quick brown fox jumps over the lazy dog. It was a sunny day.\n"  # 4: kept, 2 sentences
    "Wikipedia says cats are mammals.[12] They purr.\n"  # 5: citation cut, 2 sentences
    "  Dogs bark loudly at night, and owls hoot!  \n"  # 6: spaces stripped, 1 sentence
    "Is this the final sentence of the page?"  # 7: kept, 1 sentence
)


def test_line_rules_with_counts() -> None:
    res = analyze(PAGE, C4Params())
    assert res.drop_rule is None
    assert res.n_lines == 8
    assert res.removed == {
        "no_terminal_punct": [1, 22],
        "policy": [1, 50],
        "javascript": [1, 43],
        "too_few_words": [1, 11],
        "citation": [1, 4],
        "whitespace": [1, 4],
    }
    assert res.removed_lines == [
        (0, "no_terminal_punct"),
        (1, "policy"),
        (2, "javascript"),
        (3, "too_few_words"),
    ]
    assert res.n_sentences == 5  # stops counting once there are enough (min 5)
    assert res.text == (
        "The quick brown fox jumps over the lazy dog. It was a sunny day.\n"
        "Wikipedia says cats are mammals. They purr.\n"
        "Dogs bark loudly at night, and owls hoot!\n"
        "Is this the final sentence of the page?"
    )
    assert analyze(PAGE, C4Params(), full=True).n_sentences == 6


def test_page_rules_drop_with_reasons() -> None:
    p = C4Params()
    good = "This line is a perfectly fine sentence.\n" * 5
    lorem = good + "Lorem ipsum dolor sit amet, consectetur.\n"
    assert analyze(lorem, p).drop_reason(p) == "c4: lorem ipsum"
    curly = "function f() { return 1; } is code.\n" + good
    res = analyze(curly, p)
    assert (res.drop_reason(p), res.drop_line) == ("c4: curly bracket", 0)
    res = analyze(good + "Some nude statues stand in the park.\n", p)
    assert (res.drop_reason(p), res.drop_line, res.has_badword) == ("c4: bad word", 5, True)
    # a bad word on a removed line does not count (TFDS checks kept lines only)
    assert analyze(good + "nude statues\n", p).drop_rule is None
    # ... and whole words only: "denuded" is fine
    assert analyze(good + "The hills were denuded by the storm.\n", p).drop_rule is None
    res = analyze("One sentence here. And a second one.\nToo short", p)
    assert res.drop_reason(p) == "c4: too few sentences (2 < 5)"


def test_first_page_rule_in_line_order_wins() -> None:
    p = C4Params()
    text = "This has a nude word in it.\nLorem ipsum dolor sit amet, consectetur.\n"
    assert analyze(text, p).drop_rule == "badword"
    text = "Lorem ipsum dolor sit amet, consectetur.\nThis has a nude word in it.\n"
    full = analyze(text, p, full=True)
    assert (full.drop_rule, full.has_lorem_ipsum, full.has_badword) == ("lorem_ipsum", True, True)


def test_tfds_preset_uses_the_released_values() -> None:
    p = C4Params.tfds()
    assert (p.min_words_per_line, p.min_num_sentences, p.end_marks) == (5, 3, (".", "?", "!", '"'))
    text = (
        "Four words are here.\nThe line ends with a quote 'here'\n" + "A line with enough words here.\n" * 3
    )
    res = analyze(text, p)
    assert [r for _, r in res.removed_lines] == ["too_few_words", "no_terminal_punct"]
    assert res.drop_rule is None and res.n_sentences == 3


def test_parameters_from_a_spec() -> None:
    tagger = C4Tagger(preset="tfds", end_marks=[".", "!"], min_num_sentences=1)
    assert tagger.params.end_marks == (".", "!") and tagger.params.min_words_per_line == 5
    with pytest.raises(
        DolmalikeError, match=r"unknown C4 parameter\(s\) \['min_words'\]; valid: min_words_per_line"
    ):
        C4Tagger(min_words=3)
    with pytest.raises(DolmalikeError, match="unknown C4 preset 'c5'"):
        C4Tagger(preset="c5")


def test_tagger_reports_fractions_and_exact_spans() -> None:
    doc = Document(doc_id="d", text=PAGE)
    out = C4Tagger().predict(doc)
    assert out["n_lines"] == 8
    assert out["frac_lines_no_terminal_punct"] == out["frac_lines_policy"] == 1 / 8
    assert out["frac_lines_javascript"] == out["frac_lines_too_few_words"] == 1 / 8
    assert out["frac_lines_too_long_word"] == 0.0
    assert (out["would_drop"], out["n_sentences"], out["has_badword"]) == (None, 6, False)
    assert out["removed_lines"] == [
        {"start": 0, "end": 22, "score": 1.0},
        {"start": 23, "end": 73, "score": 1.0},
        {"start": 74, "end": 117, "score": 1.0},
        {"start": 118, "end": 129, "score": 1.0},
    ]
    assert [PAGE[s["start"] : s["end"]] for s in out["removed_lines"]] == PAGE.splitlines()[:4]
    assert out["removed_line_rules"] == ["no_terminal_punct", "policy", "javascript", "too_few_words"]
    assert out["kept_chars"] == len(analyze(PAGE, C4Params()).text)
    assert set(out) == set(C4Tagger().schema().names)


def test_same_output_and_line_counts_as_datatrove_on_real_pages(real_texts) -> None:
    """datatrove's C4QualityFilter (fed our tokenizer, since its spaCy/NLTK ones need downloads)
    and our rules, without the bad-words rule it does not have, agree on every real page."""
    dt = C4QualityFilter(language=datatrove_word_tokenizer())
    params = C4Params(filter_badwords=False)
    ours: dict[str, int] = {}
    kept = dropped = 0
    for i, text in enumerate(real_texts):
        doc = DatatroveDoc(text=text, id=str(i))
        verdict = dt.filter(doc)
        res = analyze(text, params)
        if verdict is True:
            kept += 1
            assert res.drop_rule is None and res.text == doc.text, i
        else:
            dropped += 1
            assert res.drop_rule == verdict[1], i
        for rule, (n, _) in res.removed.items():
            ours[rule] = ours.get(rule, 0) + n
        ours["kept"] = ours.get("kept", 0) + len(res.kept_lines)
    assert (kept, dropped) == (392, 335)
    stats = {k: v.total for k, v in dt.stats.stats.items()}
    names = {
        "no_terminal_punct": "line-filter-no_terminal_punc",
        "too_few_words": "line-filter-too_few_words",
        "javascript": "line-filter-javascript",
        "policy": "line-filter-policy",
        "too_long_word": "line-filter-too_long_word",
        "kept": "line-kept",
    }
    assert {r: ours.get(r, 0) for r in names} == {r: stats.get(k, 0) for r, k in names.items()}
    assert ours["no_terminal_punct"] > 10_000 and ours["kept"] > 5_000


# Real prose from a CC-MAIN-2020-34 page (../shared/data/commoncrawl, resiliparse sample):
# Chinese is written without spaces and ends its sentences with 。 ！ ？
ZH_PAGE = (
    "一次，他带领班组前往西北某戈壁执行施工任务，上级要求3个月之内完工。\n"
    "在展会上，推开每一扇门，顾客都可以近距离欣赏到不同种类的艺术品。\n"
    "特别专区“交叉视野：中国”是此届展览的一大亮点。\n"
    "专区呈献了60多名中国艺术家的精选当代艺术品，聚焦中国当代艺术发展的动态与多元性。\n"
    "新冠肺炎疫情为全球以至香港经济带来前所未见的挑战！\n"
    "广东省人民政府首页  >  要闻动态\n"
)


def test_multilingual_preset_keeps_chinese_prose_that_datatrove_drops() -> None:
    plain = analyze(ZH_PAGE, C4Params())
    assert plain.drop_rule == "too_few_sentences"  # every line: no "." at the end
    assert plain.removed["no_terminal_punct"][0] == 6
    res = analyze(ZH_PAGE, C4Params.preset("multilingual"))
    assert res.drop_rule is None
    assert res.kept_lines == ZH_PAGE.splitlines()[:5]  # the navigation line still goes
    assert res.removed == {"no_terminal_punct": [1, len("广东省人民政府首页  >  要闻动态")]}
    assert res.n_sentences >= 5


def test_cjk_words_count_characters_in_word_rules() -> None:
    short = "短。\n" * 6  # "短" and "。": too few words even counted per character
    assert analyze(short, C4Params.multilingual()).removed["too_few_words"][0] == 6
    long_line = "长" * 1200 + "。\n"  # one 1,200-char "word" unless CJK characters are words
    assert analyze(long_line * 5, C4Params(end_marks=("。",))).removed["too_long_word"][0] == 5
    assert "too_long_word" not in analyze(long_line * 5, C4Params.multilingual()).removed
    ko = "한국어는 띄어쓰기를 합니다.\n" * 5  # Hangul has spaces: same result either way
    assert analyze(ko, C4Params()).kept_lines == analyze(ko, C4Params.multilingual()).kept_lines


def test_unknown_preset_lists_multilingual() -> None:
    with pytest.raises(DolmalikeError, match="multilingual"):
        C4Params.preset("nope")
