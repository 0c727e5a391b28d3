"""Train a fastText supervised model in a fresh process.

fastText 0.9.2 (the fasttext-numpy2-wheel build) trains correctly and reproducibly only the
*first* time in a process: later `train_supervised` calls in the same process diverge to
"Encountered NaN" (or give different bytes) on data the first call trains on fine. So every
training runs in a child interpreter (`python -m dolmalike.classifier.fit`), and its result
equals that of a fresh `dolmalike classifier train`. A plain subprocess rather than
multiprocessing: spawn would re-import the caller's __main__, which breaks for stdin scripts
and unguarded user scripts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from dolmalike.classifier import model_cache
from dolmalike.core.errors import DolmalikeError

_FAILED = 3  # child exit code for a training error it reports on stderr


def fit_supervised(
    train_file: str | Path, model_path: str | Path, *, cache: bool = True, **fasttext_args: Any
) -> None:
    """`fasttext.train_supervised(input=train_file, **fasttext_args)`, saved atomically to model_path;
    with `cache`, a single-threaded training already done on the same bytes is copied from
    $DOLMALIKE_CACHE/fasttext instead (model_cache.py)."""
    out = Path(model_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    key = model_cache.model_key(train_file, fasttext_args) if cache else None
    try:
        if key is not None and model_cache.fetch(key, tmp):
            os.replace(tmp, out)
            return
        _train(train_file, tmp, fasttext_args)
        if key is not None:
            model_cache.store(key, tmp, fasttext_args)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def _train(train_file: str | Path, tmp: Path, fasttext_args: dict[str, Any]) -> None:
    job = json.dumps({"input": str(train_file), "output": str(tmp), "args": fasttext_args})
    proc = subprocess.run(
        [sys.executable, "-m", "dolmalike.classifier.fit"], input=job, capture_output=True, text=True
    )
    if proc.returncode == _FAILED:  # e.g. "Encountered NaN." on tiny or degenerate data
        raise DolmalikeError(
            f"fastText training failed: {proc.stderr.strip()} (too little or degenerate data? try a lower lr)"
        )
    if proc.returncode != 0:
        raise RuntimeError(f"fastText training process died (exit {proc.returncode}): {proc.stderr[-2000:]}")


def _main() -> int:
    import fasttext

    job = json.loads(sys.stdin.read())
    try:
        model = fasttext.train_supervised(input=job["input"], **job["args"])
    except (RuntimeError, ValueError) as e:
        print(e, file=sys.stderr)
        return _FAILED
    model.save_model(job["output"])
    return 0


if __name__ == "__main__":
    sys.exit(_main())
