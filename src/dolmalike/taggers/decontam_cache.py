"""The decontamination index built once and kept on disk, under $DOLMALIKE_CACHE/decontam.

Building the n-gram index of the standard benchmarks takes seconds (reading ~10 MB of eval
sets, tokenising and hashing every item), and every process that tags needs it: each worker
of each run. The built index is a pure function of the eval files' bytes and names (item ids
come from file stems) and of the index parameters, so it is stored as one .npz file named by
the sha256 of exactly those, and loaded (tens of milliseconds) by every later process. A file
that cannot be read back is rebuilt; a cache directory that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from dolmalike.io.atomic import atomic_open
from dolmalike.io.cachedirs import cache_root
from dolmalike.taggers.decontam_index import NgramIndex

log = logging.getLogger(__name__)

# bump when NgramIndex's tokens, hashes or arrays change: old files then stop matching
FORMAT = 2  # 2: every table has its bitmap


def index_key(files: Sequence[tuple[str, str]], n: int, min_item_tokens: int) -> str:
    """sha256 naming the index of eval `files` ((file name, sha256 of its bytes), in order)."""
    spec = {"format": FORMAT, "n": n, "min_item_tokens": min_item_tokens, "files": [list(f) for f in files]}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def cache_path(key: str) -> Path:
    return cache_root() / "decontam" / f"{key}.npz"


def cached_index(key: str, build: Callable[[], NgramIndex]) -> NgramIndex:
    """The index stored under `key`, else build() (stored for the next process)."""
    path = cache_path(key)
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as z:
                return NgramIndex.from_arrays({name: z[name] for name in z.files})
        except (OSError, ValueError, KeyError) as e:  # unreadable or an older layout: rebuild
            log.warning("rebuilding the decontamination index: cannot read %s (%s)", path, e)
    index = build()
    try:
        with atomic_open(path) as f:
            np.savez(f, **index.arrays())
    except OSError as e:
        log.warning("decontamination index not cached: cannot write %s (%s)", path, e)
    return index
