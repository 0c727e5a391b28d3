"""fastText models kept on disk by what they were trained from, under $DOLMALIKE_CACHE/fasttext.

With one thread and a fixed seed, supervised training is a pure function of the training
file's bytes, fastText's arguments and the fastText build (fit.py trains in a fresh process so
that this holds), so its model is stored under the sha256 of exactly those and copied out by
every later training on the same data: a re-run of a pipeline, each run of an ablation, a
resumed run that lost its models/. The quality model of pipelines/commoncrawl.yaml takes about
2 s to train on one core, a serial step every worker count waits for; a copy takes milliseconds.

Multi-threaded training is not cached: its bytes depend on thread scheduling, and a cache would
hide that. An entry whose bytes no longer match the sha256 recorded beside it is retrained; a
cache directory that cannot be written is skipped.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from dolmalike.core.hashing import sha256_file
from dolmalike.io.atomic import atomic_open, atomic_write_json
from dolmalike.io.cachedirs import cache_root

log = logging.getLogger(__name__)

# bump when fit.py changes how a training file and arguments become a model
FORMAT = 1


@functools.cache  # an 18 MB file; it does not change under a running process
def fasttext_build() -> str:
    """sha256 of the fastText extension module, found without importing it (any rebuild or
    other wheel gives other models, so it is part of every key)."""
    spec = importlib.util.find_spec("fasttext_pybind")
    if spec is None or spec.origin is None:
        return "none"
    return sha256_file(spec.origin)


def model_key(train_file: str | Path, args: dict[str, Any]) -> str | None:
    """The key of the model fastText trains from `train_file` with `args`; None when the
    bytes would not be reproducible (more than one thread)."""
    if int(args.get("thread", 1)) != 1:
        return None
    spec = {
        "format": FORMAT,
        "train_sha256": sha256_file(str(train_file)),
        "args": args,
        "fasttext": fasttext_build(),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _paths(key: str) -> tuple[Path, Path]:
    base = cache_root() / "fasttext"
    return base / f"{key}.bin", base / f"{key}.json"


def fetch(key: str, dest: Path) -> bool:
    """Copy the stored model of `key` to `dest`; False when there is none (or it is damaged)."""
    model, meta = _paths(key)
    if not (model.is_file() and meta.is_file()):
        return False
    try:
        want = json.loads(meta.read_text())["model_sha256"]
        shutil.copyfile(model, dest)
    except (OSError, ValueError, KeyError) as e:
        log.warning("retraining: cannot read the cached model %s (%s)", model, e)
        return False
    if sha256_file(str(dest)) != want:
        log.warning("retraining: the cached model %s does not match its recorded sha256", model)
        dest.unlink()
        return False
    return True


def store(key: str, trained: Path, args: dict[str, Any]) -> None:
    model, meta = _paths(key)
    try:
        with atomic_open(model) as f, open(trained, "rb") as src:
            shutil.copyfileobj(src, f)
        # written last: an entry counts only once its model is complete
        atomic_write_json(meta, {"model_sha256": sha256_file(str(trained)), "args": args})
    except OSError as e:
        log.warning("fastText model not cached: cannot write %s (%s)", model, e)
