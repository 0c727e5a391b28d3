import re
import sys
import unicodedata

from dolmalike.dedup.text import normalize_text


def test_whitespace_is_what_regex_s_means_at_every_code_point() -> None:
    # normalize_text splits on str.isspace; content keys of earlier runs came from re's \s+
    ws = re.compile(r"\s")
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        assert bool(ws.match(c)) == c.isspace() == (len(f"a{c}b".split()) == 2), hex(cp)


def test_normalize_text_collapses_and_strips() -> None:
    text = "\u3000 Ｈｅｌｌｏ,\t\tWORLD \u2028\x1c next\u00a0line \n"
    assert normalize_text(text) == "hello, world next line"
    assert normalize_text(" \n\t ") == "" and normalize_text("") == ""
    legacy = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", "ａ\u0085b\u200bc\x1fd").lower()).strip()
    assert normalize_text("ａ\u0085b\u200bc\x1fd") == legacy == "a b\u200bc d"
