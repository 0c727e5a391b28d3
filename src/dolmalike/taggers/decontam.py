"""Benchmark decontamination: n-gram overlap between documents and eval sets.

`decontam_v1(eval_sets=[...paths...], n=13)` indexes the eval items (see decontam_evalsets for
the formats and decontam_index for normalization) and tags each document with:

- `overlap_score`: fraction of the document's n-grams found in any eval item (0.0 for a
  document shorter than n tokens);
- `n_matched_ngrams`: how many of the document's n-grams matched;
- `n_matched_short`: how many whole short items (min_item_tokens..n-1 tokens) it contains;
- `matched_items`: ids of the items it overlaps, sorted, at most `max_items`;
- `contaminated`: at least `min_matches` matches (n-grams plus short items) and
  overlap_score >= `threshold` (defaults: any match at all);
- `spans`: [start, end, 1.0] character ranges of the document covered by matched grams.

The index is built on first use (a few seconds for all the standard benchmarks, ~26 MB), stored
under $DOLMALIKE_CACHE/decontam keyed by the eval files' sha256 and the settings, so later
processes and runs load it instead (decontam_cache), and kept in a small per-process cache keyed
by the eval files (path, size, mtime) and settings.
Pickling drops it: stages are pickled once per task, and shipping the index with every task
would cost more than looking it up; a forked worker inherits the parent's cache, and a spawned
one loads the stored index once for all the tasks it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from dolmalike.core.document import Document
from dolmalike.core.hashing import sha256_file
from dolmalike.taggers.base import SPANS, Tagger, tagger
from dolmalike.taggers.decontam_cache import cached_index, index_key
from dolmalike.taggers.decontam_evalsets import eval_files, read_eval_sets
from dolmalike.taggers.decontam_index import Matches, NgramIndex, token_offsets, tokens


@lru_cache(maxsize=64)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    """sha256 of an eval file, once per version of it per process (size/mtime: a rewrite re-hashes)."""
    return sha256_file(path)


def _digests(files: Sequence[Path]) -> list[tuple[str, str]]:
    """(name, sha256) of each eval file."""
    out = []
    for f in files:
        st = f.stat()
        out.append((f.name, _file_sha256(str(f.resolve()), st.st_size, st.st_mtime_ns)))
    return out


@lru_cache(maxsize=2)
def _build_index(files: tuple[tuple[str, int, int], ...], n: int, min_item_tokens: int) -> NgramIndex:
    paths = [Path(path) for path, _, _ in files]
    key = index_key(_digests(paths), n, min_item_tokens)
    return cached_index(key, lambda: NgramIndex(read_eval_sets(paths), n, min_item_tokens))


@tagger("decontam_v1")
class DecontamTagger(Tagger):
    description = "n-gram overlap with benchmark eval sets (matched items, overlap score, spans)"

    def __init__(
        self,
        eval_sets: Sequence[str | Path] | str | Path,
        n: int = 13,
        min_item_tokens: int = 8,
        threshold: float = 0.0,
        min_matches: int = 1,
        max_items: int = 20,
    ) -> None:
        paths = [eval_sets] if isinstance(eval_sets, (str, Path)) else list(eval_sets)
        self.files = eval_files(paths)  # fail early, in the main process, on a bad path
        self.n = n
        self.min_item_tokens = min_item_tokens
        self.threshold = threshold
        self.min_matches = min_matches
        self.max_items = max_items
        self._index: NgramIndex | None = None

    @property
    def index(self) -> NgramIndex:
        if self._index is None:
            files = tuple((str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in self.files)
            self._index = _build_index(files, self.n, self.min_item_tokens)
        return self._index

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_index"] = None
        return state

    def schema(self) -> pa.Schema:
        return pa.schema(
            [
                ("overlap_score", pa.float64()),
                ("n_matched_ngrams", pa.int64()),
                ("n_matched_short", pa.int64()),
                ("matched_items", pa.list_(pa.string())),
                ("contaminated", pa.bool_()),
                ("spans", SPANS),
            ]
        )

    def config(self) -> dict[str, Any]:
        return {
            "eval_sets": [{"name": name, "sha256": digest} for name, digest in _digests(self.files)],
            "n": self.n,
            "min_item_tokens": self.min_item_tokens,
            "threshold": self.threshold,
            "min_matches": self.min_matches,
            "max_items": self.max_items,
        }

    def predict(self, doc: Document) -> dict[str, Any]:
        return self.predict_batch([doc])[0]

    def predict_batch(self, docs: list[Document]) -> list[dict[str, Any]]:
        matches = self.index.match_batch([tokens(d.text) for d in docs])
        return [self._row(d, m) for d, m in zip(docs, matches)]

    def _row(self, doc: Document, m: Matches) -> dict[str, Any]:
        score = m.n_matched / m.n_grams if m.n_grams else 0.0
        ids = sorted(self.index.item_ids[i] for i in m.items)[: self.max_items]
        spans = []
        if m.token_spans:
            offs = token_offsets(doc.text)
            spans = [{"start": offs[a][0], "end": offs[b - 1][1], "score": 1.0} for a, b in m.token_spans]
        return {
            "overlap_score": score,
            "n_matched_ngrams": m.n_matched,
            "n_matched_short": m.n_short_matched,
            "matched_items": ids,
            "contaminated": (m.n_matched + m.n_short_matched) >= self.min_matches and score >= self.threshold,
            "spans": spans,
        }
