"""Trained fastText models stored under $DOLMALIKE_CACHE/fasttext: the same training data and
arguments give the stored model back (byte-identical to training again), anything else trains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dolmalike.classifier import fit, model_cache
from dolmalike.core.hashing import sha256_file

ARGS = {"epoch": 5, "lr": 0.5, "dim": 8, "bucket": 10_000, "thread": 1, "seed": 3, "verbose": 0}


@pytest.fixture
def train_file(quality_sets: tuple[Path, Path], tmp_path: Path) -> Path:
    """Real text (tiny synthetic sets make fastText diverge to NaN): 300 lines of each class."""
    lines = []
    for path, label in zip(quality_sets, ("hq", "lq")):
        texts = [json.loads(line)["text"] for line in path.read_text().splitlines()[:300]]
        lines += [f"__label__{label} " + " ".join(t.lower().split()) for t in texts]
    path = tmp_path / "train.txt"
    path.write_text("\n".join(lines[i // 2 + (i % 2) * 300] for i in range(600)) + "\n")
    return path


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """A fresh cache, and the list of trainings that really ran fastText."""
    monkeypatch.setenv("DOLMALIKE_CACHE", str(tmp_path / "cache"))
    runs: list[Path] = []
    real = fit._train

    def spy(train_file, tmp, args):
        runs.append(Path(train_file))
        real(train_file, tmp, args)

    monkeypatch.setattr(fit, "_train", spy)
    return runs


def test_a_second_training_on_the_same_bytes_is_copied_and_identical(train_file, counted, tmp_path):
    fit.fit_supervised(train_file, tmp_path / "one.bin", **ARGS)
    fit.fit_supervised(train_file, tmp_path / "two.bin", **ARGS)
    fit.fit_supervised(train_file, tmp_path / "fresh.bin", cache=False, **ARGS)
    assert len(counted) == 2  # the first and the uncached one
    digests = {sha256_file(str(tmp_path / n)) for n in ("one.bin", "two.bin", "fresh.bin")}
    assert len(digests) == 1


def test_other_bytes_or_arguments_train_again(train_file, counted, tmp_path):
    fit.fit_supervised(train_file, tmp_path / "a.bin", **ARGS)
    fit.fit_supervised(train_file, tmp_path / "b.bin", **{**ARGS, "seed": 4})
    train_file.write_text(train_file.read_text() + "__label__a alpha again\n")
    fit.fit_supervised(train_file, tmp_path / "c.bin", **ARGS)
    assert len(counted) == 3


def test_multithreaded_training_is_never_cached(train_file, counted, tmp_path):
    assert model_cache.model_key(train_file, {**ARGS, "thread": 2}) is None
    fit.fit_supervised(train_file, tmp_path / "a.bin", **{**ARGS, "thread": 2})
    fit.fit_supervised(train_file, tmp_path / "b.bin", **{**ARGS, "thread": 2})
    assert len(counted) == 2


def test_a_damaged_entry_is_retrained(train_file, counted, tmp_path):
    fit.fit_supervised(train_file, tmp_path / "a.bin", **ARGS)
    key = model_cache.model_key(train_file, ARGS)
    cached = Path(model_cache.cache_root()) / "fasttext" / f"{key}.bin"
    cached.write_bytes(cached.read_bytes()[:-10])
    fit.fit_supervised(train_file, tmp_path / "b.bin", **ARGS)
    assert len(counted) == 2
    assert sha256_file(str(tmp_path / "b.bin")) == sha256_file(str(tmp_path / "a.bin"))
    # retraining stored a good entry again
    assert sha256_file(str(cached)) == sha256_file(str(tmp_path / "a.bin"))


def test_an_unwritable_cache_still_trains(train_file, monkeypatch, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("DOLMALIKE_CACHE", str(blocker))
    fit.fit_supervised(train_file, tmp_path / "a.bin", **ARGS)
    assert (tmp_path / "a.bin").stat().st_size > 0
