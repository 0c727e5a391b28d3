"""DCLM-style quality classifier: fastText on normalized text, labels __label__hq / __label__lq.

Deterministic end to end: a document is held out iff hash_unit(seed, doc_id) < holdout, the
training lines are ordered by hash(seed, label, doc_id) (so positives and negatives interleave
whatever the input order), and fastText runs with a fixed seed in a fresh process (see
classifier/fit.py; thread=1 by default: more threads are faster but make the SGD, and so the
model bytes, depend on thread scheduling).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dolmalike.classifier.data import TextRecord, expand_paths, iter_records, load_texts
from dolmalike.classifier.fasttext_io import LazyFastText
from dolmalike.classifier.fit import fit_supervised
from dolmalike.classifier.metrics import binary_metrics
from dolmalike.classifier.text import HQ_LABEL, normalize_text
from dolmalike.core.errors import DolmalikeError
from dolmalike.core.hashing import hash_u64, hash_unit, sha256_file
from dolmalike.core.typedconfig import bounded, check_instance
from dolmalike.io.atomic import atomic_write_json


@dataclass(frozen=True)
class TrainConfig:
    holdout: float = bounded(0.1, ge=0, lt=1)
    seed: int = bounded(0, ge=0)
    # fastText's tutorial values for small/medium sets; DCLM used lr=0.1 over far more data.
    epoch: int = bounded(10, ge=1)
    lr: float = bounded(0.5, gt=0)
    # DCLM used dim=256 and fastText's 2M hash buckets (a ~2 GB model); these defaults give a
    # ~50 MB model that is as good on small training sets. Pass the DCLM values for parity.
    dim: int = bounded(64, ge=1, le=4096)
    word_ngrams: int = bounded(2, ge=1)
    min_count: int = bounded(1, ge=1)
    bucket: int = bounded(200_000, ge=1, le=2**31 - 1)
    threads: int = bounded(1, ge=1)
    text_field: str = "text"
    max_chars: int | None = bounded(None, ge=1)
    # fastText label names for the positive and negative class (a safety model might use toxic/clean)
    labels: tuple[str, str] = ("hq", "lq")

    def __post_init__(self) -> None:
        check_instance(self, "classifier config")

    @property
    def positive_label(self) -> str:
        return f"__label__{self.labels[0]}"

    @property
    def negative_label(self) -> str:
        return f"__label__{self.labels[1]}"


@dataclass(frozen=True, slots=True)
class Example:
    doc_id: str
    text: str  # normalized
    positive: bool


def metrics_path(model_path: str | Path) -> Path:
    """MODEL.bin -> MODEL.json (metrics and provenance of the training run)."""
    return Path(model_path).with_suffix(".json")


def make_examples(
    pos: Sequence[TextRecord], neg: Sequence[TextRecord], max_chars: int | None
) -> list[Example]:
    out = []
    for records, positive in ((pos, True), (neg, False)):
        for r in records:
            text = normalize_text(r.text, max_chars)
            if text:  # an empty line would teach fastText nothing but a label prior
                out.append(Example(r.doc_id, text, positive))
    return out


def split(examples: Sequence[Example], holdout: float, seed: int) -> tuple[list[Example], list[Example]]:
    train, held = [], []
    for ex in examples:
        (held if hash_unit(seed, ex.doc_id) < holdout else train).append(ex)
    return train, held


def train_quality_classifier(
    pos: Sequence[str | Path],
    neg: Sequence[str | Path],
    out: str | Path,
    cfg: TrainConfig = TrainConfig(),
    *,
    cache: bool = True,
) -> dict[str, Any]:
    """Train, save the model to `out` (atomically) and its report to out.with_suffix('.json');
    `cache`: take a model trained on the same lines before from $DOLMALIKE_CACHE (model_cache.py)."""
    if not 0.0 <= cfg.holdout < 1.0:
        raise DolmalikeError(f"holdout must be in [0, 1), got {cfg.holdout}")
    out = Path(out)
    pos_files, neg_files = expand_paths(pos), expand_paths(neg)
    pos_records = _load(pos_files, "positives", cfg.text_field)
    neg_records = _load(neg_files, "negatives", cfg.text_field)
    train, held = split(make_examples(pos_records, neg_records, cfg.max_chars), cfg.holdout, cfg.seed)
    n_pos = sum(ex.positive for ex in train)
    if n_pos == 0 or n_pos == len(train):
        raise DolmalikeError(
            f"need both positive and negative training documents; got {n_pos} positive, "
            f"{len(train) - n_pos} negative after the holdout split"
        )
    # Interleave by hash so SGD never sees a long run of one class.
    train.sort(key=lambda ex: (hash_u64(cfg.seed, ex.positive, ex.doc_id), ex.positive, ex.doc_id, ex.text))
    _fit(train, cfg, out, cache)

    report = {
        "model": str(out),
        "model_sha256": sha256_file(str(out)),
        "labels": {"positive": cfg.positive_label, "negative": cfg.negative_label},
        "config": asdict(cfg),
        "inputs": {"pos": _describe(pos_files), "neg": _describe(neg_files)},
        "counts": {
            "pos_docs": len(pos_records),
            "neg_docs": len(neg_records),
            "train_pos": n_pos,
            "train_neg": len(train) - n_pos,
            "holdout_pos": sum(ex.positive for ex in held),
            "holdout_neg": sum(not ex.positive for ex in held),
        },
        "holdout": evaluate_examples(LazyFastText(out), held, label=cfg.positive_label) if held else None,
    }
    atomic_write_json(metrics_path(out), report)
    return report


def evaluate_examples(
    ft: LazyFastText, examples: Sequence[Example], threshold: float = 0.5, label: str = HQ_LABEL
) -> dict[str, Any]:
    scores = ft.probability([ex.text for ex in examples], label)
    return binary_metrics([ex.positive for ex in examples], scores, threshold)


def evaluate_model(
    model_path: str | Path,
    pos: Sequence[str | Path],
    neg: Sequence[str | Path],
    text_field: str = "text",
    max_chars: int | None = None,
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Score every given document (no split) with an existing model."""
    examples = make_examples(load_texts(pos, text_field), load_texts(neg, text_field), max_chars)
    return evaluate_examples(LazyFastText(model_path), examples, threshold)


def _fit(train: Sequence[Example], cfg: TrainConfig, out: Path, cache: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="dolmalike-clf-") as tmp:
        path = Path(tmp) / "train.txt"
        with open(path, "w", encoding="utf-8") as f:
            for ex in train:
                f.write(f"{cfg.positive_label if ex.positive else cfg.negative_label} {ex.text}\n")
        fit_supervised(
            path,
            out,
            cache=cache,
            lr=cfg.lr,
            dim=cfg.dim,
            epoch=cfg.epoch,
            wordNgrams=cfg.word_ngrams,
            minCount=cfg.min_count,
            bucket=cfg.bucket,
            thread=cfg.threads,
            seed=cfg.seed,
            verbose=0,
        )


def _load(files: Sequence[Path], what: str, text_field: str) -> list[TextRecord]:
    bar = tqdm(files, desc=f"reading {what}", unit="file", disable=None)
    return [r for f in bar for r in iter_records(f, text_field)]


def _describe(files: Sequence[Path]) -> list[dict[str, Any]]:
    """Each input file with its size and sha256, for the report's provenance."""
    return [{"path": str(p), "bytes": p.stat().st_size, "sha256": sha256_file(str(p))} for p in files]
