"""The C4 rules' parameters (presets), per-page result and rule names: the vocabulary shared by
the one implementation (taggers.c4_batch), the `c4_clean` stage and the `c4_v1` tagger.
The rules themselves are described in taggers.c4.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from dolmalike.core.errors import DolmalikeError

CITATION_RE = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
POLICY_SUBSTRINGS: tuple[str, ...] = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
# full-width and half-width ideographic stops, full-width ! and ?, closing corner brackets
CJK_END_MARKS: tuple[str, ...] = ("。", "｡", "！", "？", "．", "」", "』")
LINE_RULES: tuple[str, ...] = ("too_long_word", "no_terminal_punct", "too_few_words", "javascript", "policy")
DOC_RULES: tuple[str, ...] = ("lorem_ipsum", "curly_bracket", "badword", "too_few_sentences")


@dataclass(frozen=True)
class C4Params:
    min_words_per_line: int = 3  # -1 disables
    min_num_sentences: int = 5  # -1 disables
    max_word_length: int = 1000  # -1 disables
    end_marks: tuple[str, ...] = (".", "?", "!", '"', "'")
    remove_citations: bool = True
    filter_no_terminal_punct: bool = True
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True
    filter_badwords: bool = True
    badwords_lang: str = "en"
    # Count each CJK character as a word (text_utils.split_cjk_words) in the word-count and
    # word-length rules: zh/ja lines have no spaces, so they would otherwise be one word.
    cjk_words: bool = False

    @classmethod
    def tfds(cls, **overrides: Any) -> C4Params:
        """The values in TFDS's c4_utils code (what the released C4 was built with)."""
        base: dict[str, Any] = {
            "min_words_per_line": 5,
            "min_num_sentences": 3,
            "end_marks": (".", "?", "!", '"'),
        }
        return cls(**{**base, **overrides})

    @classmethod
    def multilingual(cls, **overrides: Any) -> C4Params:
        """datatrove's values, plus the full-width sentence ends 。！？ (and a closing CJK quote
        after them) as end marks and CJK characters counted as words, so that Chinese and
        Japanese prose is not removed line by line for having no "." and no spaces."""
        base: dict[str, Any] = {"end_marks": (*cls.end_marks, *CJK_END_MARKS), "cjk_words": True}
        return cls(**{**base, **overrides})

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> C4Params:
        """ "datatrove" or "tfds" values, with any field overridden (lists from YAML are fine)."""
        if "end_marks" in overrides:
            overrides["end_marks"] = tuple(overrides["end_marks"])
        unknown = sorted(set(overrides) - {f.name for f in fields(cls)})
        if unknown:
            raise DolmalikeError(
                f"unknown C4 parameter(s) {unknown}; valid: {', '.join(f.name for f in fields(cls))}"
            )
        if name == "datatrove":
            return cls(**overrides)
        if name == "tfds":
            return cls.tfds(**overrides)
        if name == "multilingual":
            return cls.multilingual(**overrides)
        raise DolmalikeError(f"unknown C4 preset {name!r}; valid presets: datatrove, tfds, multilingual")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["end_marks"] = list(self.end_marks)
        return d


@dataclass
class C4Result:
    n_lines: int = 0
    # rule -> [lines, chars]; chars are the removed characters (line bodies, citations, spaces)
    removed: dict[str, list[int]] = field(default_factory=dict)
    removed_lines: list[tuple[int, str]] = field(default_factory=list)  # (line index, rule)
    kept_lines: list[str] = field(default_factory=list)
    n_sentences: int = 0
    drop_rule: str | None = None  # first page-level rule that fired
    drop_line: int | None = None
    has_lorem_ipsum: bool = False
    has_curly_bracket: bool = False
    has_badword: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.kept_lines).strip()

    def _count(self, rule: str, chars: int) -> None:
        c = self.removed.get(rule)
        if c is None:
            self.removed[rule] = [1, chars]
        else:
            c[0] += 1
            c[1] += chars

    def drop_reason(self, params: C4Params) -> str | None:
        if self.drop_rule is None:
            return None
        if self.drop_rule == "too_few_sentences":
            return f"c4: too few sentences ({self.n_sentences} < {params.min_num_sentences})"
        return (
            "c4: "
            + {"lorem_ipsum": "lorem ipsum", "curly_bracket": "curly bracket", "badword": "bad word"}[
                self.drop_rule
            ]
        )


CONTENT_NEEDLES: tuple[tuple[str, str], ...] = (
    ("filter_lorem_ipsum", "lorem ipsum"),
    ("filter_javascript", "javascript"),
    # every policy string holding "cookie" is looked for only where "cookie" occurs
    *(("filter_policy", s) for s in POLICY_SUBSTRINGS if "cookie" not in s),
    ("filter_policy", "cookie"),
)
